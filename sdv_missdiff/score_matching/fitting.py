"""The fitting loop shared by every score matching estimator of incomplete data.

All estimators minimise an estimate of the marginal score matching objective of the observed
coordinates ``L`` of each row (Givens, Liu and Reeve, 2025)::

    L_M(theta) = E[ 2 div_{x_L} s_{L,theta}(x_L) + ||s_{L,theta}(x_L)||^2 ]

where ``s_{L,theta}`` is the score of the marginal of ``q_theta`` on ``L``. Writing the marginal
score as an expectation over the missing coordinates, ``s_L = E_w[s_theta(x_L, X')_L]`` with
self-normalised weights ``w``, its divergence is ``E_w[tr H_LL + ||s_L(x_L, X')||^2] - ||s_L||^2``
(a covariance identity), so no expectation is ever differentiated in ``x``. The gradient in
``theta`` of the weighted averages carries the covariance term ``Cov_w(f, grad_theta log q)``.

:class:`BaseScoreMatching` holds that objective and the optimisation loop; the estimators
differ only in how they fill in the missing coordinates:

- :class:`~sdv_missdiff.score_matching.importance_weighted.MarginalIWScoreMatching` (Marg-IW)
  draws ``X'`` from a fixed proposal and uses the importance weights
  ``q_theta(x_L, X') / p'(X')``;
- :class:`~sdv_missdiff.score_matching.variational.MarginalVariationalScoreMatching` (Marg-Var)
  draws ``X'`` from a learned Gaussian conditional and uses equal weights whose gradient is the
  score-function (covariance) term;
- :class:`~sdv_missdiff.score_matching.baselines.ZeroedScoreMatching` fills missing inputs with
  zeros and scores only observed outputs (MissDiff-style; the baseline the paper shows to be
  biased for explicit models);
- :class:`~sdv_missdiff.score_matching.baselines.CompleteCaseScoreMatching` drops every
  incomplete row.

Objectives: ``'exact'`` (Hyvarinen score matching, with the truncated score matching weight when
the model is truncated), ``'sliced'`` (random projections restricted to the observed
coordinates) and ``'denoising'`` (Gaussian noise on the observed coordinates).
"""

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device
from sdv_missdiff._validation import (
    check_choice,
    check_number,
    check_optional_int,
    check_positive_int,
)
from sdv_missdiff.score_matching._validation import validate_missing_data
from sdv_missdiff.score_matching.energies import EnergyModel
from sdv_missdiff.score_matching.errors import (
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
)
from sdv_missdiff.score_matching.marginal_scores import complete_rows

OBJECTIVES = ('exact', 'sliced', 'denoising')
OPTIMIZERS = ('adam', 'sgd')


class BaseScoreMatching:
    """Template of the estimators: :meth:`fit` validates and runs the loop, subclasses fill in.

    Subclasses implement ``_fill(x, mask, generator)``, returning samples of the missing
    coordinates ``(n, r, dim)`` and their log-weights ``(n, r)``, and may implement
    ``_prepare`` and ``_before_model_step``.

    Args:
        energy (EnergyModel):
            The model to fit; its parameters are updated in place.
        objective (str):
            ``'exact'``, ``'sliced'`` or ``'denoising'``. Defaults to ``'exact'``.
        noise_std (float):
            Noise standard deviation of the denoising objective. Defaults to ``0.1``.
        num_slices (int):
            Random projections per row of the sliced objective. Defaults to ``1``.
        epochs (int):
            Passes over the data. Defaults to ``300``.
        batch_size (int or None):
            Rows per step. Defaults to ``None`` (the whole table, one step per epoch).
        learning_rate (float):
            Step size of the model parameters. Defaults to ``0.01``.
        optimizer (str):
            ``'adam'`` or ``'sgd'`` (plain gradient steps, needed by proximal methods).
            Defaults to ``'adam'``.
        proximal (callable or None):
            ``proximal(energy, step_size)`` applied after every model step (under
            ``torch.no_grad``), for example a soft-thresholding. ``step_size`` is the length of
            that step: ``learning_rate``, times the clipping factor when ``max_grad_norm``
            shortened an ``'sgd'`` step, so that clipping slows proximal gradient down without
            moving its fixed point. Defaults to ``None``.
        max_grad_norm (float or None):
            Clip the norm of the model gradient to this value before each step; the Monte Carlo
            gradients of the marginal estimators are heavy-tailed. Defaults to ``None`` (no
            clipping).
        seed (int):
            Seed of every random draw and of the initialisation of networks. Defaults to ``0``.
        enable_gpu (bool):
            Use cuda (then mps) when available. Defaults to ``True``, as the synthesizer.
        verbose (bool):
            Whether to show a progress bar with the running loss. Defaults to ``False``.
    """

    def __init__(
        self,
        energy,
        objective='exact',
        noise_std=0.1,
        num_slices=1,
        epochs=300,
        batch_size=None,
        learning_rate=0.01,
        optimizer='adam',
        proximal=None,
        max_grad_norm=None,
        seed=0,
        enable_gpu=True,
        verbose=False,
    ):
        if not isinstance(energy, EnergyModel):
            raise ScoreMatchingError(
                f'``energy`` must be an EnergyModel, got {type(energy).__name__}.'
            )

        check_choice('objective', objective, OBJECTIVES, error=ScoreMatchingError)
        if objective == 'denoising' and energy.is_truncated:
            raise ScoreMatchingError(
                "The 'denoising' objective is not defined for a truncated model: noise moves "
                "points out of the support. Use objective='exact' or 'sliced'."
            )

        check_choice('optimizer', optimizer, OPTIMIZERS, error=ScoreMatchingError)
        check_positive_int('epochs', epochs, error=ScoreMatchingError)
        check_positive_int('num_slices', num_slices, error=ScoreMatchingError)
        check_optional_int(
            'batch_size', batch_size, 1, 'for the whole table', error=ScoreMatchingError
        )
        for name, value in (('learning_rate', learning_rate), ('noise_std', noise_std)):
            check_number(
                name, value, 0, strict=True, what='a positive number', error=ScoreMatchingError
            )

        if max_grad_norm is not None:
            check_number(
                'max_grad_norm',
                max_grad_norm,
                0,
                strict=True,
                what='a positive number or None (no clipping)',
                error=ScoreMatchingError,
            )

        self.energy = energy
        self.objective = objective
        self.noise_std = noise_std
        self.num_slices = num_slices
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.optimizer = optimizer
        self.proximal = proximal
        self.max_grad_norm = max_grad_norm
        self.seed = seed
        self.enable_gpu = enable_gpu
        self.verbose = verbose
        self.loss_values_ = None

    # -- hooks -------------------------------------------------------------------------------
    def _select_rows(self, x, mask):
        return x, mask

    def _prepare(self, device):
        """Build the estimator's own modules once the device is known."""

    def _before_model_step(self, x, mask, generator):
        """Run before each model step (the variational updates of Marg-Var)."""

    def _fill(self, x, mask, generator):
        raise NotImplementedError

    # -- objective ---------------------------------------------------------------------------
    def _objective(self, x, mask, generator):
        energy = self.energy
        noise = None
        if self.objective == 'denoising':
            noise = torch.randn(x.shape, generator=generator, device=x.device) * mask
            x = x + self.noise_std * noise

        samples, log_weights = self._fill(x, mask, generator)
        n, r, dim = samples.shape
        full = complete_rows(x, mask, samples).reshape(n * r, dim)
        score = energy.score(full).reshape(n, r, dim)
        weights = torch.softmax(log_weights, dim=1)
        observed = mask.to(x.dtype)
        marginal = (weights[..., None] * score).sum(dim=1) * observed
        if self.objective == 'denoising':
            return ((marginal + noise / self.noise_std) ** 2).sum(dim=1).mean()

        if self.objective == 'exact':
            hessian = energy.hessian_diag(full).reshape(n, r, dim)
            second = (weights * ((hessian + score**2) * observed[:, None, :]).sum(dim=2)).sum(1)
            per_row = 2 * second - (marginal**2).sum(dim=1)
        else:
            per_row = torch.zeros(n, device=x.device)
            for _ in range(self.num_slices):
                direction = torch.randn(x.shape, generator=generator, device=x.device) * observed
                repeated = direction[:, None, :].expand(n, r, dim).reshape(n * r, dim)
                quadratic = energy.hessian_quadratic(full, repeated).reshape(n, r)
                projected = (score * direction[:, None, :]).sum(dim=2)
                mean_projected = (weights * projected).sum(dim=1)
                divergence = (weights * (quadratic + projected**2)).sum(1) - mean_projected**2
                per_row = per_row + 2 * divergence + mean_projected**2

            per_row = per_row / self.num_slices

        if energy.is_truncated:
            weight, weight_grad = energy.boundary_weight(x, mask)
            per_row = weight * per_row + 2 * (weight_grad * marginal).sum(dim=1)

        return per_row.mean()

    # -- public ------------------------------------------------------------------------------
    def fit(self, data):
        """Fit the energy model to an incomplete table.

        Args:
            data (numpy.ndarray or pandas.DataFrame):
                Rows of the table with ``NaN`` for missing cells; the columns are the model's
                coordinates, in order.

        Returns:
            BaseScoreMatching:
                The fitted estimator (``self``).

        Raises:
            InvalidMissingDataError:
                If the table is invalid (see :func:`validate_missing_data`) or has observed
                values outside the model's support.
        """
        values, mask_np, columns = validate_missing_data(data, self.energy.dim)
        lower = self.energy.lower.cpu().numpy()
        upper = self.energy.upper.cpu().numpy()
        outside = mask_np & ((values < lower) | (values > upper))
        if outside.any():
            bad = [columns[j] for j in np.flatnonzero(outside.any(axis=0))]
            raise InvalidMissingDataError(
                f'Columns {bad} have observed values outside the support of the truncated '
                'model: check the ``lower`` and ``upper`` bounds of the energy.'
            )

        device = get_device(self.enable_gpu)
        self.device_ = device
        self.energy.to(device)
        x = torch.as_tensor(np.nan_to_num(values), dtype=torch.float32, device=device)
        mask = torch.as_tensor(mask_np, device=device)
        x, mask = self._select_rows(x, mask)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed)
            self._prepare(device)

        generator = torch.Generator(device=device).manual_seed(self.seed)
        parameters = list(self.energy.parameters())
        if self.optimizer == 'adam':
            optimizer = torch.optim.Adam(parameters, lr=self.learning_rate)
        else:
            optimizer = torch.optim.SGD(parameters, lr=self.learning_rate)

        n = x.shape[0]
        batch_size = n if self.batch_size is None else min(self.batch_size, n)
        losses = []
        iterator = tqdm(range(self.epochs), disable=not self.verbose)
        for epoch in iterator:
            order = torch.randperm(n, generator=generator, device=device)
            epoch_losses = []
            for start in range(0, n, batch_size):
                index = order[start : start + batch_size]
                xb, mb = x[index], mask[index]
                self._before_model_step(xb, mb, generator)
                optimizer.zero_grad()
                loss = self._objective(xb, mb, generator)
                if not torch.isfinite(loss):
                    raise ScoreMatchingError(
                        f'The score matching loss became {loss.item()} at epoch {epoch}. Lower '
                        '``learning_rate``, standardise the data or start from another model.'
                    )

                loss.backward()
                step_size = self.learning_rate
                if self.max_grad_norm is not None:
                    norm = torch.nn.utils.clip_grad_norm_(parameters, self.max_grad_norm)
                    if self.optimizer == 'sgd':
                        # A clipped gradient step is a shorter step: the proximal step must use
                        # the same length, or the penalty grows with the gradient norm and the
                        # fixed point of proximal gradient moves (every edge is cut at once).
                        step_size *= min(1.0, self.max_grad_norm / (float(norm) + 1e-6))

                optimizer.step()
                if self.proximal is not None:
                    with torch.no_grad():
                        self.proximal(self.energy, step_size)

                epoch_losses.append(loss.item())

            losses.append(float(np.mean(epoch_losses)))
            if self.verbose:
                iterator.set_description(f'Loss ({losses[-1]:.4f})')

        self.loss_values_ = pd.DataFrame({'Epoch': np.arange(len(losses)), 'Loss': losses})
        return self

    def get_loss_values(self):
        """Training loss per epoch.

        Returns:
            pandas.DataFrame:
                Columns ``Epoch`` and ``Loss``.

        Raises:
            NotFittedError:
                If ``fit`` has not been called.
        """
        if self.loss_values_ is None:
            raise NotFittedError('The estimator has not been fitted yet: call ``fit`` first.')

        return self.loss_values_.copy()
