import numpy as np
import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError

from sdv_missdiff.diffusion.model import MaskedDiffusionModel


def _fitted_model(dimensions=3, seed=0):
    torch.manual_seed(seed)
    values = np.random.default_rng(seed).normal(size=(64, dimensions)).astype(np.float32)
    model = MaskedDiffusionModel(
        num_timesteps=20, hidden_dimensions=16, num_blocks=1, epochs=2, batch_size=32
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
@pytest.mark.parametrize('num_resamples', [1, 4])
def test_model_sample_returns_known_dimensions_exactly(num_resamples):
    # Setup
    model = _fitted_model()
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
