"""Energy models: unnormalised log-densities with explicit scores.

An energy model gives ``log q_theta(x)`` up to a constant. The estimators only need its score
``grad_x log q``, the diagonal of its Hessian and, for sliced objectives, Hessian quadratic forms
``v^T H v``. Subclasses may override these with closed forms; the defaults use autograd, so a
user-defined energy only has to implement :meth:`EnergyModel.log_density` (or be a
:class:`FunctionEnergy`).

Every model can be truncated to a box ``lower <= x <= upper`` (infinite bounds allowed, so an
axis-aligned half-space ``x_j >= c`` is a box too). Truncated models are fitted with truncated
score matching, whose weight vanishes on the boundary (:meth:`EnergyModel.boundary_weight`).

The families with closed forms subclass :class:`EnergyModel` in modules of their own:
``gaussian_energy`` (``GaussianEnergy``, ``TruncatedGaussianEnergy``) and ``ica_energy``
(``ICALikeEnergy``).
"""

import math

import torch
from torch import nn

from sdv_missdiff._validation import check_number, check_positive_int
from sdv_missdiff.score_matching.errors import ScoreMatchingError


def _as_bound(value, dim, default, name):
    if value is None:
        return torch.full((dim,), default, dtype=torch.float32)

    bound = torch.as_tensor(value, dtype=torch.float32)
    if bound.ndim == 0:
        bound = bound.expand(dim).clone()

    if bound.shape != (dim,):
        raise ScoreMatchingError(
            f'``{name}`` must be a number or have one value per dimension ({dim}), '
            f'got shape {tuple(bound.shape)}.'
        )

    return bound


class EnergyModel(nn.Module):
    """Base class of the unnormalised models ``q_theta(x) = exp(log_density(x))``.

    Subclasses implement :meth:`log_density`; they may override :meth:`score`,
    :meth:`hessian_diag` and :meth:`hessian_quadratic` with closed forms.

    Args:
        dim (int):
            Dimension of ``x``.
        lower (float, array-like or None):
            Lower bounds of the support, per dimension or one for all. Defaults to ``None``
            (``-inf``: not truncated).
        upper (float, array-like or None):
            Upper bounds of the support. Defaults to ``None`` (``+inf``).
        boundary_cap (float):
            Truncated score matching weights each row by its distance to the boundary of the
            support, capped at this value. Defaults to ``1.0``.
    """

    def __init__(self, dim, lower=None, upper=None, boundary_cap=1.0):
        super().__init__()
        check_positive_int('dim', dim, error=ScoreMatchingError)
        check_number(
            'boundary_cap',
            boundary_cap,
            0,
            strict=True,
            what='a positive number',
            error=ScoreMatchingError,
        )
        self.dim = int(dim)
        lower = _as_bound(lower, self.dim, -math.inf, 'lower')
        upper = _as_bound(upper, self.dim, math.inf, 'upper')
        if bool((lower >= upper).any()):
            raise ScoreMatchingError(
                'Every ``lower`` bound must be smaller than its ``upper`` bound.'
            )

        self.register_buffer('lower', lower)
        self.register_buffer('upper', upper)
        self.boundary_cap = float(boundary_cap)

    @property
    def is_truncated(self):
        """bool: Whether the support has a finite bound."""
        return bool(torch.isfinite(self.lower).any() or torch.isfinite(self.upper).any())

    def in_domain(self, x):
        """Whether each row of ``x`` lies in the support.

        Args:
            x (torch.Tensor):
                Points of shape ``(..., dim)``.

        Returns:
            torch.Tensor:
                Boolean tensor of shape ``(...)``.
        """
        return ((x >= self.lower) & (x <= self.upper)).all(dim=-1)

    def log_density(self, x):
        """Unnormalised log-density ``log q_theta(x)``.

        Args:
            x (torch.Tensor):
                Points of shape ``(n, dim)``.

        Returns:
            torch.Tensor:
                Shape ``(n,)``, differentiable in the parameters and in ``x``.
        """
        raise NotImplementedError

    @staticmethod
    def _input(x):
        if x.requires_grad:
            return x

        return x.detach().clone().requires_grad_(True)

    def score(self, x):
        """Score ``grad_x log q_theta(x)``, differentiable in the parameters.

        Args:
            x (torch.Tensor):
                Points of shape ``(n, dim)``.

        Returns:
            torch.Tensor:
                Shape ``(n, dim)``.
        """
        x = self._input(x)
        log_q = self.log_density(x).sum()
        return torch.autograd.grad(log_q, x, create_graph=True)[0]

    def hessian_diag(self, x):
        """Diagonal of the Hessian of ``log q_theta`` (the score's Jacobian diagonal).

        Args:
            x (torch.Tensor):
                Points of shape ``(n, dim)``.

        Returns:
            torch.Tensor:
                Shape ``(n, dim)``.
        """
        x = self._input(x)
        score = self.score(x)
        columns = []
        for j in range(self.dim):
            grad = torch.autograd.grad(score[:, j].sum(), x, create_graph=True)[0]
            columns.append(grad[:, j])

        return torch.stack(columns, dim=1)

    def hessian_quadratic(self, x, v):
        """Quadratic form ``v^T H(x) v`` of the Hessian of ``log q_theta``.

        Args:
            x (torch.Tensor):
                Points of shape ``(n, dim)``.
            v (torch.Tensor):
                Directions of shape ``(n, dim)``.

        Returns:
            torch.Tensor:
                Shape ``(n,)``.
        """
        x = self._input(x)
        projected = (self.score(x) * v).sum()
        hv = torch.autograd.grad(projected, x, create_graph=True)[0]
        return (hv * v).sum(dim=1)

    def boundary_weight(self, x, mask):
        """Truncated score matching weight of the observed coordinates and its gradient.

        The weight is the distance of ``x_L`` to the boundary of the support projected on the
        observed coordinates ``L``, ``min_{j in L} min(x_j - lower_j, upper_j - x_j)``, capped at
        ``boundary_cap``. It vanishes on the boundary, as truncated score matching requires.

        Args:
            x (torch.Tensor):
                Points of shape ``(n, dim)`` (missing entries are ignored).
            mask (torch.Tensor):
                Boolean observation mask of shape ``(n, dim)``.

        Returns:
            tuple[torch.Tensor, torch.Tensor]:
                The weights, shape ``(n,)``, and their gradients in ``x``, shape ``(n, dim)``
                (zero on missing coordinates).
        """
        below = x - self.lower
        above = self.upper - x
        distance = torch.minimum(below, above)
        sign = torch.where(below <= above, 1.0, -1.0)
        distance = torch.where(mask, distance, torch.full_like(distance, math.inf))
        value, index = distance.min(dim=1)
        capped = value >= self.boundary_cap
        weight = torch.clamp(value, max=self.boundary_cap)
        grad = torch.zeros_like(x)
        chosen_sign = sign.gather(1, index[:, None]).squeeze(1)
        grad.scatter_(1, index[:, None], torch.where(capped, 0.0, chosen_sign)[:, None])
        return weight, grad


class FunctionEnergy(EnergyModel):
    """A user-defined energy from a function and its parameters.

    Scores and Hessians come from autograd.

    Example:
        >>> weights = torch.zeros(3)
        >>> def log_density(x, params):
        ...     return -(x**4).sum(dim=1) + x @ params['weights']
        >>> energy = FunctionEnergy(log_density, {'weights': weights}, dim=3)

    Args:
        log_density_fn (callable):
            ``log_density_fn(x, params)`` returning the unnormalised log-density of the rows of
            ``x`` (shape ``(n, dim)``) as a tensor of shape ``(n,)``, where ``params`` is the
            :class:`torch.nn.ParameterDict` of this model.
        parameters (dict[str, array-like]):
            Initial values of the parameters, by name.
        dim (int):
            Dimension.
        lower (float, array-like or None):
            Lower bounds of the support. Defaults to ``None``.
        upper (float, array-like or None):
            Upper bounds of the support. Defaults to ``None``.
        boundary_cap (float):
            Cap of the truncated score matching weight. Defaults to ``1.0``.
    """

    def __init__(self, log_density_fn, parameters, dim, lower=None, upper=None, boundary_cap=1.0):
        super().__init__(dim, lower=lower, upper=upper, boundary_cap=boundary_cap)
        if not callable(log_density_fn):
            raise ScoreMatchingError('``log_density_fn`` must be callable.')

        self.log_density_fn = log_density_fn
        self.params = nn.ParameterDict(
            {
                name: nn.Parameter(torch.as_tensor(value, dtype=torch.float32).clone())
                for name, value in parameters.items()
            }
        )

    def log_density(self, x):
        """Unnormalised log-density from the user's function."""
        return self.log_density_fn(x, self.params)
