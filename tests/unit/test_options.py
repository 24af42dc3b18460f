import pathlib
import pickle

import pytest

from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.options import EncodingOptions, MissDiffOptions, OptionError, reference_page
from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import dependent_table_metadata

DOCS = pathlib.Path(__file__).parents[2] / 'docs' / 'options.md'


def test_the_reference_page_is_written_from_the_declarations():
    assert DOCS.read_text() == reference_page(), (
        'run: python -m sdv_missdiff.options > docs/options.md'
    )


def test_every_option_has_one_default_read_by_both_layers():
    # Setup
    synthesizer = MissDiffSynthesizer(dependent_table_metadata())

    # Run
    parameters = synthesizer.get_parameters()

    # Assert: the arguments and model_options together are every option, at its one default.
    in_force = {**parameters['model_options']}
    own = ('epochs', 'batch_size', 'learning_rate', 'max_one_hot_levels', 'epsilon', 'delta')
    in_force.update({name: parameters[name] for name in own})
    assert in_force == MissDiffOptions().flat()


def test_model_options_are_checked_and_named():
    with pytest.raises(MissDiffInputError, match=r"Unknown option\(s\) \['denoiser_depth'\]"):
        MissDiffSynthesizer(dependent_table_metadata(), model_options={'denoiser_depth': 3})
    with pytest.raises(MissDiffInputError, match="'level_cutoff'"):
        MissDiffSynthesizer(dependent_table_metadata(), model_options={'level_cutoff': 1.0})
    with pytest.raises(MissDiffInputError, match='arguments of MissDiffSynthesizer'):
        MissDiffSynthesizer(dependent_table_metadata(), model_options={'epochs': 3})
    with pytest.raises(OptionError, match="'sampling_steps' \\(200\\) cannot exceed"):
        MissDiffOptions.from_flat({'sampling_steps': 200})


def test_sampling_options_change_without_a_refit():
    # Setup
    synthesizer = MissDiffSynthesizer(dependent_table_metadata())

    # Run
    synthesizer.set_sampling_options(sampler='ddim', sampling_steps=12)

    # Assert
    assert synthesizer.get_parameters()['model_options']['sampler'] == 'ddim'
    assert synthesizer.options.sampling.sampling_steps == 12
    with pytest.raises(MissDiffInputError, match='not sampling options'):
        synthesizer.set_sampling_options(epochs=3)


def test_encoding_options_saved_before_whole_number_levels_keep_numbers_as_numbers():
    # Setup: the state of options pickled before the option was declared
    saved = EncodingOptions(max_one_hot_levels=50)
    state = dict(saved.__dict__)
    del state['max_whole_number_levels']
    old = object.__new__(EncodingOptions)

    # Run
    old.__setstate__(state)
    restored = pickle.loads(pickle.dumps(EncodingOptions()))

    # Assert
    assert old.max_whole_number_levels == 0 and old.max_one_hot_levels == 50
    assert restored.max_whole_number_levels == 100
