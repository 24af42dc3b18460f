"""The ICA-like energy: a quartic interaction model with closed-form scores and Hessians."""

import torch
from torch import nn

from sdv_missdiff.score_matching.energies import EnergyModel
from sdv_missdiff.score_matching.errors import ScoreMatchingError


class ICALikeEnergy(EnergyModel):
    """The quartic interaction model ``log q(x) = sum_{i <= j} theta_ij x_i^2 x_j^2``.

    The model is normalisable on an unbounded support only if the quartic form is negative on
    the positive orthant (for example every ``theta_ij <= 0`` with a negative diagonal); on a
    bounded box (``lower`` and ``upper`` finite) any ``theta`` gives a density.

    Args:
        dim (int):
            Dimension.
        theta (array-like or None):
            Initial coefficients, a ``(dim, dim)`` matrix of which the upper triangle (diagonal
            included) is used. Defaults to ``None`` (``-0.5`` on the diagonal, zero elsewhere).
        lower (float, array-like or None):
            As for :class:`EnergyModel`. Defaults to ``None`` (unbounded).
        upper (float, array-like or None):
            As for :class:`EnergyModel`. Defaults to ``None`` (unbounded).
        boundary_cap (float):
            As for :class:`EnergyModel`. Defaults to ``1.0``.
    """

    def __init__(self, dim, theta=None, lower=None, upper=None, boundary_cap=1.0):
        super().__init__(dim, lower=lower, upper=upper, boundary_cap=boundary_cap)
        theta = (
            -0.5 * torch.eye(dim) if theta is None else torch.as_tensor(theta, dtype=torch.float32)
        )
        if theta.shape != (dim, dim):
            raise ScoreMatchingError(f'``theta`` must have shape ({dim}, {dim}).')

        self.theta_param = nn.Parameter(torch.triu(theta).clone())

    @property
    def theta(self):
        """torch.Tensor: Upper-triangular coefficients ``theta_ij`` (``i <= j``)."""
        return torch.triu(self.theta_param)

    def _interaction(self):
        theta = self.theta
        return theta + theta.T

    def log_density(self, x):
        """Unnormalised log-density, see :meth:`EnergyModel.log_density`."""
        squared = x * x
        return 0.5 * ((squared @ self._interaction()) * squared).sum(dim=1)

    def score(self, x):
        """Closed-form score ``2 x_k (A x^2)_k`` with ``A = theta + theta^T``."""
        return 2 * x * ((x * x) @ self._interaction())

    def hessian_diag(self, x):
        """Closed-form Hessian diagonal ``2 (A x^2)_k + 4 A_kk x_k^2``."""
        interaction = self._interaction()
        squared = x * x
        return 2 * (squared @ interaction) + 4 * torch.diagonal(interaction) * squared

    def hessian_quadratic(self, x, v):
        """Closed-form ``v^T H v = 2 sum_k v_k^2 (A x^2)_k + 4 (v x)^T A (v x)``."""
        interaction = self._interaction()
        first = 2 * (v * v * ((x * x) @ interaction)).sum(dim=1)
        vx = v * x
        return first + 4 * ((vx @ interaction) * vx).sum(dim=1)
