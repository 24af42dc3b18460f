import pandas as pd
import pytest

from sdv_missdiff.benchmark.adapters import (
    ForestDiffusionSystem,
    SDVSystem,
    SystemNotInstalledError,
)
from sdv_missdiff.benchmark.datasets import get_bayesian_network_metadata
from sdv_missdiff.benchmark.systems import (
    DEFAULT_SYSTEMS,
    DIFFUSION_SYSTEMS,
    LABELS,
    NEURAL_SYSTEMS,
    REGISTRY,
    SYSTEMS,
    make_system,
    missdiff_arguments,
    validate_systems,
)
from sdv_missdiff.errors import MissDiffInputError

TABLE = 'bayesian_network'
EXPECTED = {
    # name: (synthesizer class, missing_data_strategy of MissDiff, fills the holes first,
    #        missing_value_generation of MissDiff or holes_from_column of SDV)
    'missdiff': ('MissDiffSynthesizer', 'mask', False, None),
    'diff_mean': ('MissDiffSynthesizer', 'mean', False, None),
    'diff_delete': ('MissDiffSynthesizer', 'drop', False, None),
    'missdiff_learned': ('MissDiffSynthesizer', 'mask', False, 'learned'),
    'missdiff_random': ('MissDiffSynthesizer', 'mask', False, 'random'),
    'gaussian_copula': ('GaussianCopulaSynthesizer', None, False, False),
    'gaussian_copula_imputed': ('GaussianCopulaSynthesizer', None, True, False),
    'gaussian_copula_from_column': ('GaussianCopulaSynthesizer', None, False, True),
    'ctgan': ('CTGANSynthesizer', None, False, False),
    'tvae': ('TVAESynthesizer', None, False, False),
}
OPTIONAL = {'gaussian_copula_imputed', 'gaussian_copula_from_column', 'missdiff_learned'}
OPTIONAL |= {'missdiff_random', 'tabular_argn', 'tabular_argn_holes', 'forest_diffusion'}
OPTIONAL |= {'ctgan', 'tvae'}  # slow on a CPU: asked for by name


def test_registry_holds_every_system_of_the_cli_scripts_and_demo():
    # Assert
    assert SYSTEMS == tuple(REGISTRY)
    assert set(SYSTEMS) == {*EXPECTED, 'forest_diffusion', 'tabular_argn', 'tabular_argn_holes'}
    diffusion = ('missdiff', 'diff_mean', 'diff_delete', 'missdiff_learned', 'missdiff_random')
    assert DIFFUSION_SYSTEMS == diffusion
    assert NEURAL_SYSTEMS == DIFFUSION_SYSTEMS + ('ctgan', 'tvae')
    assert set(DEFAULT_SYSTEMS) == set(SYSTEMS) - OPTIONAL
    assert LABELS['missdiff'] == 'MissDiff'
    assert set(LABELS) == set(SYSTEMS)


@pytest.mark.parametrize('name', list(EXPECTED))
def test_make_system_builds_the_registered_synthesizer(name):
    # Setup
    class_name, strategy, fill_first, holes = EXPECTED[name]
    settings = {'epochs': 1} if name in NEURAL_SYSTEMS else {}

    # Run
    system = make_system(name, get_bayesian_network_metadata(), TABLE, settings)

    # Assert
    assert isinstance(system, SDVSystem)
    assert type(system.synthesizer).__name__ == class_name
    assert system.table_name == TABLE
    assert system.fill_first is fill_first
    if strategy is not None:
        assert system.synthesizer.options.encoding.missing_data_strategy == strategy
        assert system.synthesizer.missing_value_generation == holes
        assert system.synthesizer.options.training.epochs == 1
    else:
        assert system.holes_from_column is holes


def test_make_system_forest_diffusion_needs_no_import_to_be_built():
    # Run
    system = make_system(
        'forest_diffusion', get_bayesian_network_metadata(), TABLE, {'n_estimators': 5}
    )

    # Assert
    assert isinstance(system, ForestDiffusionSystem)
    assert system.settings == {'n_jobs': 1, 'n_estimators': 5}


def test_tabular_argn_without_the_engine_says_how_to_install_it():
    # Setup
    try:
        import mostlyai.engine  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip('mostlyai-engine is installed here')

    system = make_system('tabular_argn', get_bayesian_network_metadata(), TABLE)
    table = pd.DataFrame({'a': [1.0, 2.0]})

    # Run and Assert
    with pytest.raises(SystemNotInstalledError, match='pip install torch==2.13.0 mostlyai-engine'):
        system.fit(table)


def test_make_system_unknown_name_lists_the_choices():
    # Run and Assert
    with pytest.raises(ValueError, match=r"Invalid value 'stasy' for 'name'") as error:
        make_system('stasy', get_bayesian_network_metadata(), TABLE)

    assert all(name in str(error.value) for name in SYSTEMS)


def test_validate_systems_names_the_unknown_ones():
    # Run and Assert
    validate_systems(['missdiff', 'gaussian_copula_imputed'])
    with pytest.raises(ValueError, match=r"Unknown system\(s\) \['stasy'\] for 'systems'"):
        validate_systems(['missdiff', 'stasy'])


def test_make_system_refuses_a_strategy_in_the_settings():
    # Run and Assert
    with pytest.raises(ValueError, match="'missing_data_strategy' cannot be set"):
        make_system(
            'diff_mean', get_bayesian_network_metadata(), TABLE, {'missing_data_strategy': 'drop'}
        )


def test_make_system_refuses_a_strategy_in_the_model_options_of_the_settings():
    # Run and Assert
    settings = {'model_options': {'missing_data_strategy': 'drop'}}
    with pytest.raises(ValueError, match="'missing_data_strategy' cannot be set"):
        make_system('diff_mean', get_bayesian_network_metadata(), TABLE, settings)


def test_missdiff_arguments_keep_arguments_and_pass_options_by_name():
    # Run
    arguments = missdiff_arguments(
        {'epochs': 5, 'verbose': True, 'sampling_steps': 20, 'model_options': {'beta_max': 0.4}}
    )

    # Assert
    assert arguments == {
        'epochs': 5,
        'verbose': True,
        'model_options': {'beta_max': 0.4, 'sampling_steps': 20},
    }
    assert missdiff_arguments({'batch_size': 64}) == {'batch_size': 64}


def test_make_system_passes_missdiff_options_by_name():
    # Run
    settings = {'epochs': 1, 'batch_size': 32, 'denoiser_width': 16, 'sampling_steps': 5}
    system = make_system('diff_delete', get_bayesian_network_metadata(), TABLE, settings)

    # Assert
    options = system.synthesizer.options
    assert (options.training.epochs, options.training.batch_size) == (1, 32)
    assert options.network.denoiser_width == 16
    assert options.sampling.sampling_steps == 5
    assert options.encoding.missing_data_strategy == 'drop'


def test_make_system_refuses_an_unknown_missdiff_setting_by_name():
    # Run and Assert
    with pytest.raises(MissDiffInputError, match=r"Unknown option\(s\) \['bogus'\]"):
        make_system('missdiff', get_bayesian_network_metadata(), TABLE, {'bogus': 1})
