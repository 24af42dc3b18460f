"""Energy models: unnormalised log-densities with explicit scores.

An energy model gives ``log q_theta(x)`` up to a constant. The estimators only need its score
``grad_x log q``, the diagonal of its Hessian and, for sliced objectives, Hessian quadratic forms
``v^T H v``. Subclasses may override these with closed forms; the defaults use autograd, so a
user-defined energy only has to implement :meth:`EnergyModel.log_density` (or be a
:class:`FunctionEnergy`).

Every model can be truncated to a box ``lower <= x <= upper`` (infinite bounds allowed, so an
axis-aligned half-space ``x_j >= c`` is a box too). Truncated models are fitted with truncated
score matching, whose weight vanishes on the boundary (:meth:`EnergyModel.boundary_weight`).
"""

import math

import torch
from torch import nn

from sdv_missdiff._validation import check_choice, check_number, check_positive_int
from sdv_missdiff.score_matching.errors import ScoreMatchingError

PARAMETRIZATIONS = ('cholesky', 'precision')


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


class GaussianEnergy(EnergyModel):
    """Multivariate Gaussian ``log q(x) = -(x - mean)^T P (x - mean) / 2``.

    Args:
        dim (int):
            Dimension.
        mean (array-like or None):
            Initial mean. Defaults to ``None`` (zeros).
        precision (array-like or None):
            Initial precision matrix ``P`` (symmetric positive definite). Defaults to ``None``
            (identity).
        parametrization (str):
            ``'cholesky'`` keeps ``P = L L^T`` positive definite through a lower-triangular
            factor with a log-diagonal; ``'precision'`` learns the symmetric matrix ``P``
            directly, as the L1-penalised graphical model needs. Defaults to ``'cholesky'``.
        learn_mean (bool):
            Whether the mean is a parameter. Defaults to ``True``.
        lower (float, array-like or None):
            Lower bounds of the support (truncated Gaussian). Defaults to ``None``.
        upper (float, array-like or None):
            Upper bounds of the support. Defaults to ``None``.
        boundary_cap (float):
            Cap of the truncated score matching weight. Defaults to ``1.0``.
    """

    def __init__(
        self,
        dim,
        mean=None,
        precision=None,
        parametrization='cholesky',
        learn_mean=True,
        lower=None,
        upper=None,
        boundary_cap=1.0,
    ):
        super().__init__(dim, lower=lower, upper=upper, boundary_cap=boundary_cap)
        check_choice('parametrization', parametrization, PARAMETRIZATIONS, error=ScoreMatchingError)
        self.parametrization = parametrization
        mean = torch.zeros(dim) if mean is None else torch.as_tensor(mean, dtype=torch.float32)
        precision = (
            torch.eye(dim) if precision is None else torch.as_tensor(precision, dtype=torch.float32)
        )
        if mean.shape != (dim,) or precision.shape != (dim, dim):
            raise ScoreMatchingError(
                f'``mean`` must have shape ({dim},) and ``precision`` ({dim}, {dim}).'
            )

        precision = (precision + precision.T) / 2
        if learn_mean:
            self.mean = nn.Parameter(mean.clone())
        else:
            self.register_buffer('mean', mean.clone())

        if parametrization == 'cholesky':
            try:
                factor = torch.linalg.cholesky(precision)
            except RuntimeError as error:
                raise ScoreMatchingError('``precision`` must be positive definite.') from error

            self.log_diag = nn.Parameter(torch.log(torch.diagonal(factor)).clone())
            self.off_diag = nn.Parameter(torch.tril(factor, diagonal=-1).clone())
        else:
            self.precision_param = nn.Parameter(precision.clone())

    @property
    def precision(self):
        """torch.Tensor: The precision matrix ``P``, shape ``(dim, dim)``."""
        if self.parametrization == 'cholesky':
            factor = torch.tril(self.off_diag, diagonal=-1) + torch.diag(torch.exp(self.log_diag))
            return factor @ factor.T

        return (self.precision_param + self.precision_param.T) / 2

    def log_density(self, x):
        """Unnormalised log-density, see :meth:`EnergyModel.log_density`."""
        centred = x - self.mean
        return -0.5 * ((centred @ self.precision) * centred).sum(dim=1)

    def score(self, x):
        """Closed-form score ``-P (x - mean)``."""
        return -(x - self.mean) @ self.precision

    def hessian_diag(self, x):
        """Closed-form Hessian diagonal ``-diag(P)``."""
        return -torch.diagonal(self.precision).expand(x.shape[0], self.dim)

    def hessian_quadratic(self, x, v):
        """Closed-form ``-v^T P v``."""
        return -((v @ self.precision) * v).sum(dim=1)


class TruncatedGaussianEnergy(GaussianEnergy):
    """Gaussian truncated to a box (or an axis-aligned half-space, a box with infinite bounds).

    Same arguments as :class:`GaussianEnergy`; ``lower`` defaults to ``0.0`` (the positive
    orthant) so that the model is truncated.

    Args:
        dim (int):
            Dimension.
        lower (float or array-like):
            Lower bounds. Defaults to ``0.0``.
        upper (float, array-like or None):
            Upper bounds. Defaults to ``None`` (``+inf``).
        **kwargs:
            Passed to :class:`GaussianEnergy`.
    """

    def __init__(self, dim, lower=0.0, upper=None, **kwargs):
        super().__init__(dim, lower=lower, upper=upper, **kwargs)
        if not self.is_truncated:
            raise ScoreMatchingError(
                'A TruncatedGaussianEnergy needs a finite ``lower`` or ``upper`` bound; use '
                'GaussianEnergy for an untruncated model.'
            )


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
            Lower bounds of the support. Defaults to ``None``.
        upper (float, array-like or None):
            Upper bounds of the support. Defaults to ``None``.
        boundary_cap (float):
            Cap of the truncated score matching weight. Defaults to ``1.0``.
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
