"""The Gaussian energies: a multivariate Gaussian and its truncation to a box.

Their scores and Hessians are closed forms. The precision matrix is learned through a Cholesky
factor (positive definite by construction) or directly (``parametrization='precision'``), as
the L1-penalised Gaussian graphical model needs.
"""

import torch
from torch import nn

from sdv_missdiff._validation import check_choice
from sdv_missdiff.score_matching.energies import EnergyModel
from sdv_missdiff.score_matching.errors import ScoreMatchingError

PARAMETRIZATIONS = ('cholesky', 'precision')


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
