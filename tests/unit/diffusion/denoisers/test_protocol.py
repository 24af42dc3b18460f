"""Behaviour every registered denoiser shares, checked for each of them."""

import pytest
import torch

from sdv_missdiff.diffusion.denoisers import DENOISERS, ColumnLayout, make_denoiser

# Small options of each registered denoiser, so that every check runs in well under a second.
SMALL_OPTIONS = {
    'mlp': {'hidden_dimensions': 16, 'num_blocks': 2},
    'column_attention': {
        'hidden_dimensions': 16,
        'num_blocks': 1,
        'token_dimensions': 8,
        'num_heads': 2,
        'time_dimensions': 8,
    },
}


def _mixed_layout():
    # Two continuous columns, a 3-level one-hot block and a frequency column: 6 dimensions.
    return ColumnLayout.from_column_index(
        [0, 1, 2, 2, 2, 3], ['continuous', 'continuous', 'one_hot', 'frequency']
    )


def test_every_registered_denoiser_has_small_options_here():
    assert set(SMALL_OPTIONS) == set(DENOISERS)


@pytest.mark.parametrize('name', sorted(SMALL_OPTIONS))
def test_training_and_sampling_paths_predict_the_same_noise(name):
    # Setup: in eval mode without gradients torch may take fused kernels (the transformer's).
    torch.manual_seed(0)
    network = make_denoiser(name, _mixed_layout(), conditional=True, **SMALL_OPTIONS[name])
    network = network.eval()
    rows = torch.randn(50, 6)
    timesteps = torch.randint(1, 5, (50,))

    # Run
    with torch.no_grad():
        sampling = network(rows, timesteps)

    training = network(rows, timesteps).detach()

    # Assert
    torch.testing.assert_close(training, sampling)
