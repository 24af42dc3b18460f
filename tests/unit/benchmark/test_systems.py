import pytest

from sdv_missdiff.benchmark.datasets import get_bayesian_network_metadata
from sdv_missdiff.benchmark.systems import (
    DEFAULT_SYSTEMS,
    DIFFUSION_SYSTEMS,
    LABELS,
    NEURAL_SYSTEMS,
    REGISTRY,
    SYSTEMS,
    ForestDiffusionSystem,
    SDVSystem,
    make_system,
    validate_systems,
)

TABLE = 'bayesian_network'
EXPECTED = {
    # name: (synthesizer class, missing_data_strategy of MissDiff, fills the holes first)
    'missdiff': ('MissDiffSynthesizer', 'mask', False),
    'diff_mean': ('MissDiffSynthesizer', 'mean', False),
    'diff_delete': ('MissDiffSynthesizer', 'drop', False),
    'gaussian_copula': ('GaussianCopulaSynthesizer', None, False),
    'gaussian_copula_imputed': ('GaussianCopulaSynthesizer', None, True),
    'ctgan': ('CTGANSynthesizer', None, False),
    'tvae': ('TVAESynthesizer', None, False),
}


def test_registry_holds_every_system_of_the_cli_scripts_and_demo():
    # Assert
    assert SYSTEMS == tuple(REGISTRY) == (*EXPECTED, 'forest_diffusion')
    assert DIFFUSION_SYSTEMS == ('missdiff', 'diff_mean', 'diff_delete')
    assert NEURAL_SYSTEMS == DIFFUSION_SYSTEMS + ('ctgan', 'tvae')
    assert 'gaussian_copula_imputed' not in DEFAULT_SYSTEMS
    assert set(DEFAULT_SYSTEMS) == set(SYSTEMS) - {'gaussian_copula_imputed'}
    assert LABELS['missdiff'] == 'MissDiff'
    assert set(LABELS) == set(SYSTEMS)


@pytest.mark.parametrize('name', list(EXPECTED))
def test_make_system_builds_the_registered_synthesizer(name):
    # Setup
    class_name, strategy, fill_first = EXPECTED[name]
    settings = {'epochs': 1} if name in NEURAL_SYSTEMS else {}

    # Run
    system = make_system(name, get_bayesian_network_metadata(), TABLE, settings)

    # Assert
    assert isinstance(system, SDVSystem)
    assert type(system.synthesizer).__name__ == class_name
    assert system.table_name == TABLE
    assert system.fill_first is fill_first
    if strategy is not None:
        assert system.synthesizer.missing_data_strategy == strategy
        assert system.synthesizer.epochs == 1


def test_make_system_forest_diffusion_needs_no_import_to_be_built():
    # Run
    system = make_system(
        'forest_diffusion', get_bayesian_network_metadata(), TABLE, {'n_estimators': 5}
    )

    # Assert
    assert isinstance(system, ForestDiffusionSystem)
    assert system.settings == {'n_jobs': 1, 'n_estimators': 5}


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
