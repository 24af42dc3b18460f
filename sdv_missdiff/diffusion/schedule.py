"""Variance-preserving noise schedule (MissDiff paper, Appendix D.2)."""

import numpy as np
import torch


def quadratic_betas(num_timesteps=100, beta_min=1e-4, beta_max=0.5):
    """Paper's quadratic schedule, ``beta_t`` for ``t = 1, ..., T``.

    ``beta_t = ((T - t) / (T - 1) * sqrt(beta_min) + (t - 1) / (T - 1) * sqrt(beta_max)) ** 2``.

    Args:
        num_timesteps (int):
            Number of diffusion steps ``T``. Defaults to 100.
        beta_min (float):
            ``beta_1``. Defaults to 1e-4.
        beta_max (float):
            ``beta_T``. Defaults to 0.5.

    Returns:
        torch.Tensor:
            Float64 tensor of shape ``(T,)``; entry ``t - 1`` holds ``beta_t``.
    """
    steps = torch.arange(1, num_timesteps + 1, dtype=torch.float64)
    weight = (steps - 1) / (num_timesteps - 1)
    return ((1 - weight) * beta_min**0.5 + weight * beta_max**0.5) ** 2


class VPSchedule:
    """Cumulative quantities of a VP diffusion, indexed by step ``t = 1, ..., T``.

    Index 0 of ``alpha_bars`` holds ``abar_0 = 1`` (clean data), so ``alpha_bars[t]`` is ``abar_t``.

    Args:
        betas (torch.Tensor):
            ``beta_t`` for ``t = 1, ..., T``.
    """

    def __init__(self, betas):
        self.betas = betas.to(torch.float64)
        self.num_timesteps = len(betas)
        alphas = 1 - self.betas
        self.alpha_bars = torch.cat([torch.ones(1, dtype=torch.float64), torch.cumprod(alphas, 0)])

    def last_informative_step(self, min_alpha_bar=1e-4):
        """Last step whose rows still hold a signal: ``abar_t >= min_alpha_bar``.

        Past it a noisy row is pure noise to within ``sqrt(min_alpha_bar)`` (1% by default),
        so training there teaches nothing and sampling can start there from a standard normal.
        With the paper's schedule (T = 100, beta_T = 0.5) this is step 78, not 100.

        Args:
            min_alpha_bar (float):
                Smallest ``abar_t`` that counts as signal. Defaults to 1e-4.

        Returns:
            int:
                The step, at least 2 and at most ``T``.
        """
        informative = int((self.alpha_bars[1:] >= min_alpha_bar).sum())
        return min(max(informative, 2), self.num_timesteps)

    def to(self, device):
        """Move the schedule's tensors to ``device`` (kept in float32 there)."""
        self.betas = self.betas.to(device)
        self.alpha_bars = self.alpha_bars.to(device)
        return self

    def signal_and_noise(self, timesteps):
        """Return ``sqrt(abar_t)`` and ``sqrt(1 - abar_t)`` as float32 columns."""
        alpha_bar = self.alpha_bars[timesteps].float().unsqueeze(1)
        return alpha_bar.sqrt(), (1 - alpha_bar).sqrt()


def respaced_timesteps(last_timestep, num_steps=None):
    """Reverse-diffusion steps from ``last_timestep`` down to 1, evenly spaced.

    Args:
        last_timestep (int):
            First (noisiest) step of the reverse chain, as given by
            :meth:`VPSchedule.last_informative_step`.
        num_steps (int or None):
            Number of steps; more than ``last_timestep`` takes every step. ``None`` takes
            every step. Defaults to ``None``.

    Returns:
        numpy.ndarray:
            Distinct integer steps in decreasing order, ``last_timestep`` first and 1 last.
    """
    steps = min(num_steps or last_timestep, last_timestep)
    return np.unique(np.linspace(1, last_timestep, steps).round().astype(int))[::-1]
