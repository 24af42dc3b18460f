import math

import torch

from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas


def test_quadratic_betas_match_paper_formula():
    # Setup
    num_timesteps, beta_1, beta_T = 100, 1e-4, 0.5

    # Run
    betas = quadratic_betas(num_timesteps, beta_1, beta_T)

    # Assert
    for t in range(1, num_timesteps + 1):
        expected = (
            (num_timesteps - t) / (num_timesteps - 1) * math.sqrt(beta_1)
            + (t - 1) / (num_timesteps - 1) * math.sqrt(beta_T)
        ) ** 2
        assert math.isclose(betas[t - 1].item(), expected, rel_tol=1e-12)

    assert math.isclose(betas[0].item(), beta_1) and math.isclose(betas[-1].item(), beta_T)
    assert (betas[1:] > betas[:-1]).all()


def test_alpha_bars_are_cumulative_products():
    schedule = VPSchedule(quadratic_betas(10, 1e-4, 0.5))
    expected = torch.cumprod(1 - quadratic_betas(10, 1e-4, 0.5), 0)
    assert schedule.alpha_bars[0].item() == 1.0
    torch.testing.assert_close(schedule.alpha_bars[1:], expected)
    # T = 100 with beta_T = 0.5 leaves essentially no signal at the last step.
    assert VPSchedule(quadratic_betas()).alpha_bars[-1].item() < 1e-6
