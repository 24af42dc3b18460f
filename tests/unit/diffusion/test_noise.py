import pytest
import torch

from sdv_missdiff.diffusion.noise import AntitheticNoise, CPUNoise
from sdv_missdiff.diffusion.samplers import AncestralSampler
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps
from tests.unit.diffusion.test_steps import ExactGaussianDenoiser


def _noise(seed, noise_class=CPUNoise):
    return noise_class(torch.Generator().manual_seed(seed), torch.device('cpu'))


def test_cpu_noise_repeats_with_its_seed_and_never_draws_a_uniform_zero():
    # Run
    first = _noise(3)
    second = _noise(3)

    # Assert
    assert torch.equal(first((4, 2)), second((4, 2)))
    assert torch.equal(first.uniform((100,)), second.uniform((100,)))
    assert (first.uniform((10_000,)) > 0).all()


def test_antithetic_noise_pairs_neighbouring_rows_with_opposite_draws():
    # Setup
    noise = _noise(0, AntitheticNoise)

    # Run
    even = noise((6, 4))
    odd = noise((5, 4))
    again = _noise(0, AntitheticNoise)((6, 4))

    # Assert
    assert even.shape == (6, 4)
    assert odd.shape == (5, 4)
    torch.testing.assert_close(even[1::2], -even[0::2])
    torch.testing.assert_close(odd[1:4:2], -odd[0:4:2])
    assert not torch.equal(odd[4], -odd[3])  # the odd last row has a draw of its own
    assert torch.equal(even, again)


def test_antithetic_noise_is_standard_normal_row_by_row():
    # Setup
    noise = _noise(1, AntitheticNoise)

    # Run
    draws = noise((20_000, 3))

    # Assert: each row on its own is an ordinary draw.
    assert abs(float(draws[0::2].mean())) < 0.02
    assert abs(float(draws[0::2].std()) - 1) < 0.02
    assert abs(float(draws[1::2].std()) - 1) < 0.02


def test_antithetic_pairs_of_an_exact_gaussian_chain_average_to_its_mean():
    # Setup: with the exact noise estimate of N(0, covariance), a row is linear in its noise,
    # so the two rows of an antithetic pair mirror each other around the mean, 0.
    schedule = VPSchedule(quadratic_betas(100))
    timesteps = respaced_timesteps(schedule.last_informative_step(), 10)
    denoiser = ExactGaussianDenoiser(schedule, torch.tensor([[1.0, 0.9], [0.9, 1.0]]))
    bounds = (torch.full((2,), -10.0), torch.full((2,), 10.0))
    sampler = AncestralSampler(schedule, timesteps)

    # Run
    paired = sampler.sample(denoiser, 2_000, bounds, _noise(0, AntitheticNoise))
    independent = sampler.sample(denoiser, 2_000, bounds, _noise(0))

    # Assert
    assert paired.std(0).tolist() == pytest.approx(independent.std(0).tolist(), rel=0.1)
    assert float((paired[0::2] + paired[1::2]).abs().max()) < 1e-4
    assert float((independent[0::2] + independent[1::2]).std()) > 0.5
