"""Models pickled before the options were declared once load through ``upgrade`` alone."""

import pathlib

import cloudpickle
import pytest

from sdv_missdiff import pickle_format as synthesizer_format
from sdv_missdiff.diffusion import pickle_format
from sdv_missdiff.diffusion.model import MaskedDiffusionModel

DATA = pathlib.Path(__file__).parents[2] / 'data'


@pytest.fixture
def version_one(monkeypatch):
    """The raw states of the synthesizer and model that ``tests/data`` pickled at 2f0b758."""
    monkeypatch.setattr(synthesizer_format, 'upgrade', lambda state: state)
    monkeypatch.setattr(MaskedDiffusionModel, '__setstate__', lambda self, s: vars(self).update(s))
    with open(DATA / 'reference_learned.pkl', 'rb') as file:
        synthesizer = cloudpickle.load(file)

    monkeypatch.undo()
    return dict(vars(synthesizer)), dict(vars(synthesizer._model))


def test_upgrade_reads_the_options_of_a_version_one_model(version_one):
    # Setup
    _, state = version_one

    # Run
    upgraded = pickle_format.upgrade(state)

    # Assert
    options = upgraded['options']
    assert 'format_version' not in state and upgraded['format_version'] == 2
    assert options.network.denoiser_width == 32 and options.network.denoiser_blocks == 1
    assert options.sampling.sampler == 'ancestral'  # resolved at fit for learned holes
    assert options.training.pair_cutoff == 0.01 and options.sampling.level_cutoff == 0.2
    assert upgraded['fitted'].structural_holes is not None
    assert pickle_format.upgrade(upgraded) is upgraded


def test_an_option_missing_from_an_old_model_takes_the_value_it_sampled_with(version_one):
    # Setup: as a model saved before the cutoffs, the precision and the sampler existed.
    _, state = version_one
    for name in ('level_cutoff', 'pair_cutoff', 'sampling_precision', 'sampler_name'):
        del state[name]

    del state['_level_frequencies'], state['_excluded_pairs']

    # Run
    options = pickle_format.upgrade(state)['options']

    # Assert
    assert options.sampling.level_cutoff == 0.0 and options.training.pair_cutoff == 0.0
    assert options.sampling.sampling_precision == 'float32'
    assert options.sampling.sampler == 'ancestral'


def test_upgrade_of_a_version_one_synthesizer_keeps_its_sampling(version_one):
    # Setup
    state, model_state = version_one
    model = MaskedDiffusionModel.__new__(MaskedDiffusionModel)
    model.__setstate__(model_state)
    state['_model'] = model

    # Run
    upgraded = synthesizer_format.upgrade(state)

    # Assert: the synthesizer said 'auto'; with learned holes the model still takes ancestral steps
    assert upgraded['_options'].sampling.sampler == 'auto'
    assert model.learns_holes
    assert len(model.make_sampler(known=False).timesteps) == 50  # ancestral's, not dpm++2m's 25
    assert 'sampler' not in upgraded and upgraded['format_version'] == 2
