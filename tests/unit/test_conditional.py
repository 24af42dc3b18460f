import numpy as np
import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError

from sdv_missdiff.diffusion.model import MaskedDiffusionModel
from sdv_missdiff.errors import MissDiffInputError


def _fitted_model(dimensions=3, seed=0, conditional_share=0.0):
    torch.manual_seed(seed)
    values = np.random.default_rng(seed).normal(size=(64, dimensions)).astype(np.float32)
    model = MaskedDiffusionModel(
        num_timesteps=20,
        hidden_dimensions=16,
        num_blocks=1,
        epochs=2,
        batch_size=32,
        conditional_share=conditional_share,
    )
    model.fit(values, np.ones_like(values))
    return model


class _CountingDenoiser(torch.nn.Module):
    def __init__(self, denoiser):
        super().__init__()
        self.denoiser = denoiser
        self.data_dimensions = denoiser.data_dimensions
        self.calls = 0

    def forward(self, *args):
        self.calls += 1
        return self.denoiser(*args)


# -- model: inpainting and RePaint resampling ---------------------------------------------------
@pytest.mark.parametrize('conditional_share', [0.0, 0.5])
@pytest.mark.parametrize('num_resamples', [1, 4])
def test_model_sample_returns_known_dimensions_exactly(num_resamples, conditional_share):
    # Setup
    model = _fitted_model(conditional_share=conditional_share)
    known_values = np.array([[0.25, 0.0, 0.0], [0.0, -1.5, 0.0]], dtype=np.float32)
    known_mask = np.array([[1, 0, 0], [0, 1, 1]], dtype=np.float32)

    # Run
    sampled = model.sample(2, known_values, known_mask, num_resamples=num_resamples)

    # Assert
    np.testing.assert_array_equal(sampled[known_mask.astype(bool)], [0.25, -1.5, 0.0])
    assert np.isfinite(sampled).all()


def test_repaint_takes_each_reverse_step_num_resamples_times_except_the_last():
    # Setup
    model = _fitted_model()
    model.denoiser = _CountingDenoiser(model.denoiser)
    known_mask = np.array([[1, 0, 0]], dtype=np.float32)

    # Run
    model.sample(1, np.zeros((1, 3), np.float32), known_mask, num_resamples=3)

    # Assert
    assert model.denoiser.calls == (20 - 1) * 3 + 1


def test_repaint_is_not_used_when_nothing_is_known():
    # Setup
    model = _fitted_model()
    model.denoiser = _CountingDenoiser(model.denoiser)

    # Run
    model.sample(2, np.zeros((2, 3), np.float32), np.zeros((2, 3), np.float32), num_resamples=3)

    # Assert
    assert model.denoiser.calls == 20


@pytest.mark.parametrize(('guidance_scale', 'calls_per_step'), [(0.0, 1), (1.5, 2)])
def test_guidance_adds_one_unconditional_call_per_step(guidance_scale, calls_per_step):
    # Setup
    model = _fitted_model(conditional_share=0.5)
    model.denoiser = _CountingDenoiser(model.denoiser)
    known_mask = np.array([[1, 0, 0]], dtype=np.float32)

    # Run
    model.sample(1, np.zeros((1, 3), np.float32), known_mask, guidance_scale=guidance_scale)
    guided_calls = model.denoiser.calls
    model.sample(1, guidance_scale=guidance_scale)  # nothing known: nothing to guide

    # Assert
    assert guided_calls == 20 * calls_per_step
    assert model.denoiser.calls - guided_calls == 20


def test_guidance_moves_the_generated_cells_and_keeps_the_known_ones():
    # Setup
    model = _fitted_model(conditional_share=0.5)
    known_values = np.array([[0.5, 0.0, 0.0]], dtype=np.float32)
    known_mask = np.array([[1, 0, 0]], dtype=np.float32)

    # Run
    model.set_random_state(3)
    plain = model.sample(1, known_values, known_mask)
    model.set_random_state(3)
    guided = model.sample(1, known_values, known_mask, guidance_scale=2.0)

    # Assert
    assert guided[0, 0] == plain[0, 0] == 0.5
    assert not np.allclose(guided[0, 1:], plain[0, 1:])


@pytest.mark.parametrize('num_resamples', [0, 1.5, True])
def test_model_sample_rejects_invalid_num_resamples(num_resamples):
    # Setup
    model = _fitted_model()

    # Run and Assert
    with pytest.raises(ValueError, match='num_resamples must be a positive integer'):
        model.sample(1, num_resamples=num_resamples)


def test_unseen_category_in_known_columns_raises(synthesizer):
    # Setup
    known = pd.DataFrame({'color': ['purple']})

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'color' has value\(s\) \['purple'\]"):
        synthesizer.sample_remaining_columns(known)


@pytest.mark.parametrize('guidance_scale', [-1, 'high', True])
def test_sampling_methods_reject_invalid_guidance_scale(synthesizer, guidance_scale):
    # Run and Assert
    with pytest.raises(MissDiffInputError, match="Invalid value .* for 'guidance_scale'"):
        synthesizer.sample_remaining_columns(
            pd.DataFrame({'x': [0.5]}), guidance_scale=guidance_scale
        )
