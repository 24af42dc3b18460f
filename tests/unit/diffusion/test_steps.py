import numpy as np
import pytest
import torch

from sdv_missdiff.diffusion.denoisers import MLPDenoiser
from sdv_missdiff.diffusion.noise import CPUNoise
from sdv_missdiff.diffusion.samplers import AncestralSampler, DDIMSampler, DPMSolverSampler
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps
from sdv_missdiff.diffusion.steps import (
    DDIM_ETA,
    AncestralStep,
    DDIMStep,
    DPMSolverStep,
    half_log_snr,
)


def _noise(seed=0):
    return CPUNoise(torch.Generator().manual_seed(seed), torch.device('cpu'))


def _no_noise(shape):
    raise AssertionError('a step without noise drew noise')


def _levels(t, previous_t):
    alpha_bars = VPSchedule(quadratic_betas(100)).alpha_bars.float()
    return alpha_bars[t], alpha_bars[previous_t]


def _on_the_path(alpha_bar, seed=0):
    # A clean row x0, a noise eps and the row x = sqrt(abar) x0 + sqrt(1 - abar) eps between.
    generator = torch.Generator().manual_seed(seed)
    x0, eps = torch.randn((2, 5, 3), generator=generator)
    return alpha_bar.sqrt() * x0 + (1 - alpha_bar).sqrt() * eps, x0, eps


def test_ancestral_step_mean_is_algorithm_2s_and_its_noise_the_steps_beta():
    # Setup
    alpha_bar, previous_alpha_bar = _levels(40, 30)
    x, x0, eps = _on_the_path(alpha_bar)
    alpha = alpha_bar / previous_alpha_bar

    # Run
    mean = AncestralStep().step(x, x0, alpha_bar, previous_alpha_bar, torch.zeros)
    with_noise = AncestralStep().step(x, x0, alpha_bar, previous_alpha_bar, torch.ones)

    # Assert: Algorithm 2's mean, (x - beta / sqrt(1 - abar) eps) / sqrt(alpha)
    expected = (x - (1 - alpha) / (1 - alpha_bar).sqrt() * eps) / alpha.sqrt()
    torch.testing.assert_close(mean, expected)
    torch.testing.assert_close(with_noise - mean, (1 - alpha).sqrt().expand_as(mean))


def test_ddim_step_without_noise_keeps_the_clean_row_and_its_noise():
    # Setup
    alpha_bar, previous_alpha_bar = _levels(40, 30)
    x, x0, eps = _on_the_path(alpha_bar)

    # Run
    step = DDIMStep(eta=0.0).step(x, x0, alpha_bar, previous_alpha_bar, _no_noise)

    # Assert
    expected = previous_alpha_bar.sqrt() * x0 + (1 - previous_alpha_bar).sqrt() * eps
    torch.testing.assert_close(step, expected)
    assert DDIMStep().eta == DDIM_ETA


def test_ddim_step_with_eta_one_draws_the_posterior_variance():
    # Setup
    alpha_bar, previous_alpha_bar = _levels(40, 30)

    # Run
    sigma, kept = DDIMStep(eta=1.0).noise_scales(alpha_bar, previous_alpha_bar)

    # Assert
    alpha = alpha_bar / previous_alpha_bar
    posterior = (1 - previous_alpha_bar) / (1 - alpha_bar) * (1 - alpha)
    torch.testing.assert_close(sigma**2, posterior)
    torch.testing.assert_close(kept**2 + sigma**2, 1 - previous_alpha_bar)


def test_dpm_solver_step_corrects_from_the_last_noisier_level_and_forgets_on_reset():
    # Setup: three levels; the first step of a call is a plain DDIM step.
    levels = [_levels(t, 0)[0] for t in (60, 45, 30)]
    x, x0, _ = _on_the_path(levels[0])
    x_next, x0_next, _ = _on_the_path(levels[1], seed=1)
    rule, ddim = DPMSolverStep(eta=0.0), DDIMStep(eta=0.0)

    # Run
    first = rule.step(x, x0, levels[0], levels[1], _no_noise)
    second = rule.step(x_next, x0_next, levels[1], levels[2], _no_noise)
    repeated = rule.step(x_next, x0_next, levels[1], levels[2], _no_noise)
    rule.reset()
    after_reset = rule.step(x_next, x0_next, levels[1], levels[2], _no_noise)

    # Assert: the second step adds DDIM's weight on x0 times h / (2 h_before) of the change of
    # x0; a repeat at the same level keeps the noisier level as its history.
    plain = ddim.step(x_next, x0_next, levels[1], levels[2], _no_noise)
    torch.testing.assert_close(first, ddim.step(x, x0, levels[0], levels[1], _no_noise))
    h = half_log_snr(levels[2]) - half_log_snr(levels[1])
    h_before = half_log_snr(levels[1]) - half_log_snr(levels[0])
    weight = levels[2].sqrt() * (1 - torch.exp(-h))
    torch.testing.assert_close(second, plain + weight * h / (2 * h_before) * (x0_next - x0))
    torch.testing.assert_close(repeated, second)
    torch.testing.assert_close(after_reset, plain)


class ExactGaussianDenoiser(torch.nn.Module):
    """The exact noise estimate for rows drawn from N(0, covariance)."""

    def __init__(self, schedule, covariance):
        super().__init__()
        self.alpha_bars = schedule.alpha_bars.float()
        self.covariance = covariance
        self.layout = MLPDenoiser(len(covariance), hidden_dimensions=4, num_blocks=1).layout
        self.conditional = False

    def forward(self, x, t):
        alpha_bar = self.alpha_bars[t[0]]
        noisy_covariance = alpha_bar * self.covariance + (1 - alpha_bar) * torch.eye(2)
        return (1 - alpha_bar).sqrt() * x @ torch.linalg.inv(noisy_covariance)


def _correlated_rows(sampler_class, num_steps, **arguments):
    schedule = VPSchedule(quadratic_betas(100))
    timesteps = respaced_timesteps(schedule.last_informative_step(), num_steps)
    denoiser = ExactGaussianDenoiser(schedule, torch.tensor([[1.0, 0.9], [0.9, 1.0]]))
    bounds = (torch.full((2,), -10.0), torch.full((2,), 10.0))
    sampler = sampler_class(schedule, timesteps, **arguments)
    return sampler.sample(denoiser, 20_000, bounds, _noise()).numpy()


@pytest.mark.parametrize('eta', [0.0, 0.3, 1.0])
def test_ddim_steps_with_an_exact_denoiser_keep_the_correlation_that_ancestral_steps_blur(eta):
    # Run: 30 steps of each from the exact noise estimate of a pair with correlation 0.9.
    ddim = _correlated_rows(DDIMSampler, 30, eta=eta)
    ancestral = _correlated_rows(AncestralSampler, 30)

    # Assert: DDIM keeps the correlation (and nearly the spread: the chain's 78 steps are
    # coarse); the paper's ancestral variance blurs it (0.88).
    assert np.corrcoef(ddim.T)[0, 1] == pytest.approx(0.9, abs=0.015)
    assert ddim.std(0) == pytest.approx([1.0, 1.0], abs=0.1)
    assert np.corrcoef(ancestral.T)[0, 1] < 0.89


def test_ddim_eta_zero_draws_no_noise_after_the_start():
    # Setup: the same starting noise, then different noise generators for the steps.
    schedule = VPSchedule(quadratic_betas(100))
    timesteps = respaced_timesteps(schedule.last_informative_step(), 10)
    denoiser = ExactGaussianDenoiser(schedule, torch.tensor([[1.0, 0.5], [0.5, 1.0]]))
    bounds = (torch.full((2,), -10.0), torch.full((2,), 10.0))
    start = torch.randn((100, 2), generator=torch.Generator().manual_seed(0))

    rows = []
    for seed, eta in ((1, 0.0), (2, 0.0), (1, 0.3), (2, 0.3)):
        later = _noise(seed)
        first = [True]

        def draw(shape, later=later, first=first):
            if first[0]:
                first[0] = False
                return start.clone()
            return later(shape)

        rows.append(DDIMSampler(schedule, timesteps, eta=eta).sample(denoiser, 100, bounds, draw))

    # Assert: without noise the path is fixed by the start; with eta > 0 it is not.
    torch.testing.assert_close(rows[0], rows[1])
    assert not torch.allclose(rows[2], rows[3])


def _deterministic_path(sampler_class, num_steps):
    # Rows of the exact Gaussian chain from one fixed start, with no noise after it (eta 0).
    return _correlated_rows(sampler_class, num_steps, eta=0.0)


@pytest.mark.parametrize('num_steps', [10, 15])
def test_dpm_solver_steps_follow_the_fine_path_more_closely_than_ddim_steps(num_steps):
    # Setup: the path of all 78 steps of the chain, from the same start as the coarse paths.
    fine = _deterministic_path(DDIMSampler, 78)

    # Run
    ddim = _deterministic_path(DDIMSampler, num_steps)
    dpm = _deterministic_path(DPMSolverSampler, num_steps)

    # Assert: the second-order correction lands nearer the fine path's end (10 steps: 0.086
    # against 0.105 on average; 15 steps: 0.048 against 0.065).
    assert np.abs(dpm - fine).mean() < 0.85 * np.abs(ddim - fine).mean()


def test_dpm_solver_steps_keep_the_spread_that_coarse_ddim_steps_shrink():
    # Run: 25 steps with the default noise share from the exact estimate of a pair (corr. 0.9).
    dpm = _correlated_rows(DPMSolverSampler, 25)
    ddim = _correlated_rows(DDIMSampler, 25)

    # Assert: DPM-Solver++(2M) keeps the unit spread (1.014) and the correlation; DDIM's
    # first-order steps shrink the spread (0.939).
    assert dpm.std(0) == pytest.approx([1.0, 1.0], abs=0.03)
    assert ddim.std(0).max() < 0.95
    assert np.corrcoef(dpm.T)[0, 1] == pytest.approx(0.9, abs=0.015)
