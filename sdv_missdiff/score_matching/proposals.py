"""Distributions that fill in missing coordinates: the IW proposal and the variational conditional.

Both are Gaussians truncated to the support of the energy model (plain Gaussians when the model
is not truncated), sampled by the inverse-CDF reparameterisation so that samples are
differentiable in the mean and scale.
"""

import math

import torch
from torch import nn

from sdv_missdiff._validation import check_number, check_positive_int
from sdv_missdiff.score_matching.errors import ScoreMatchingError

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)
_EPS = 1e-6


def _standardise(bound, mean, std):
    # Infinite bounds are kept out of the arithmetic so that no inf * 0 reaches the gradients.
    finite = torch.isfinite(bound)
    safe = torch.where(finite, bound, torch.zeros_like(bound))
    return torch.where(finite, (safe - mean) / std, bound)


def truncated_normal(mean, std, lower, upper, uniform):
    """Reparameterised draws from ``N(mean, std^2)`` truncated to ``[lower, upper]``.

    Args:
        mean (torch.Tensor):
            Means, broadcastable with ``uniform``.
        std (torch.Tensor):
            Standard deviations, broadcastable with ``uniform``.
        lower (torch.Tensor):
            Lower bounds (``-inf`` allowed), broadcastable with ``uniform``.
        upper (torch.Tensor):
            Upper bounds (``inf`` allowed), broadcastable with ``uniform``.
        uniform (torch.Tensor):
            Uniform(0, 1) draws; their shape is the shape of the output.

    Returns:
        tuple[torch.Tensor, torch.Tensor]:
            The draws and their log-densities, both of the shape of ``uniform``.
    """
    alpha = _standardise(lower, mean, std)
    beta = _standardise(upper, mean, std)
    cdf_low = torch.special.ndtr(alpha)
    cdf_high = torch.special.ndtr(beta)
    mass = torch.clamp(cdf_high - cdf_low, min=1e-30)
    probability = torch.clamp(cdf_low + uniform * mass, _EPS, 1 - _EPS)
    standard = torch.special.ndtri(probability)
    draws = torch.minimum(torch.maximum(mean + std * standard, lower), upper)
    log_density = -0.5 * standard**2 - _LOG_SQRT_2PI - torch.log(std) - torch.log(mass)
    return draws, log_density


class GaussianProposal:
    """Fixed proposal ``N(loc, scale^2 I)`` for the missing coordinates (Marg-IW).

    The paper uses ``N(0, 16 I)``, that is ``scale=4``. On a truncated model the proposal is
    truncated to the model's support.

    Args:
        loc (float):
            Mean of every coordinate. Defaults to ``0.0``.
        scale (float):
            Standard deviation of every coordinate. Defaults to ``4.0``.
    """

    def __init__(self, loc=0.0, scale=4.0):
        check_number('loc', loc, what='a number', error=ScoreMatchingError)
        check_number(
            'scale', scale, 0, strict=True, what='a positive number', error=ScoreMatchingError
        )
        self.loc = float(loc)
        self.scale = float(scale)

    def sample(self, shape, lower, upper, generator=None):
        """Draw proposal samples and their per-coordinate log-densities.

        Args:
            shape (tuple[int, int, int]):
                ``(n, r, dim)``.
            lower (torch.Tensor):
                Lower bounds, shape ``(dim,)``.
            upper (torch.Tensor):
                Upper bounds, shape ``(dim,)``.
            generator (torch.Generator or None):
                Random generator. Defaults to ``None``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]:
                Samples and log-densities, both of shape ``shape``.
        """
        uniform = torch.rand(shape, generator=generator, device=lower.device)
        loc = torch.full((), self.loc, device=lower.device)
        scale = torch.full((), self.scale, device=lower.device)
        return truncated_normal(loc, scale, lower, upper, uniform)


class GaussianVariationalConditional(nn.Module):
    """Variational conditional ``N(mu_phi(x_L), sigma^2 I)`` of the missing coordinates (Marg-Var).

    ``mu_phi`` is an MLP of the zero-filled row and its mask; ``sigma`` is one learned scalar.
    On a truncated model the Gaussian is truncated to the support.

    Args:
        dim (int):
            Dimension of the rows.
        hidden_dims (tuple[int, ...]):
            Widths of the hidden layers. Defaults to ``(200, 200)`` as in the paper.
        init_std (float):
            Initial ``sigma``. Defaults to ``1.0``.
    """

    def __init__(self, dim, hidden_dims=(200, 200), init_std=1.0):
        super().__init__()
        check_positive_int('dim', dim, error=ScoreMatchingError)
        for width in hidden_dims:
            check_positive_int('hidden_dims', width, error=ScoreMatchingError)

        check_number(
            'init_std', init_std, 0, strict=True, what='a positive number', error=ScoreMatchingError
        )
        layers = []
        width = 2 * dim
        for hidden in hidden_dims:
            layers.extend([nn.Linear(width, hidden), nn.SiLU()])
            width = hidden

        layers.append(nn.Linear(width, dim))
        self.network = nn.Sequential(*layers)
        self.log_std = nn.Parameter(torch.tensor(math.log(init_std)))

    def forward(self, x_filled, mask):
        """Conditional means, shape ``(n, dim)``."""
        return self.network(torch.cat([x_filled, mask.to(x_filled.dtype)], dim=1))

    def sample(self, x_filled, mask, num_samples, lower, upper, generator=None):
        """Reparameterised draws of the missing coordinates.

        Args:
            x_filled (torch.Tensor):
                Zero-filled rows, shape ``(n, dim)``.
            mask (torch.Tensor):
                Boolean observation mask, shape ``(n, dim)``.
            num_samples (int):
                Draws per row ``r``.
            lower (torch.Tensor):
                Lower bounds of the support, shape ``(dim,)``.
            upper (torch.Tensor):
                Upper bounds of the support, shape ``(dim,)``.
            generator (torch.Generator or None):
                Random generator. Defaults to ``None``.

        Returns:
            tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
                Draws and per-coordinate log-densities, shape ``(n, r, dim)``, and the score
                of the variational density at the draws, ``grad log p'_phi``, same shape.
        """
        n, dim = x_filled.shape
        mean = self(x_filled, mask)[:, None, :]
        std = torch.exp(self.log_std)
        uniform = torch.rand((n, num_samples, dim), generator=generator, device=x_filled.device)
        draws, log_density = truncated_normal(mean, std, lower, upper, uniform)
        score = -(draws - mean) / std**2
        return draws, log_density, score
