"""Score matching estimators for energy models fitted to incomplete data.

All estimators minimise an estimate of the marginal score matching objective of the observed
coordinates ``L`` of each row (Givens, Liu and Reeve, 2025)::

    L_M(theta) = E[ 2 div_{x_L} s_{L,theta}(x_L) + ||s_{L,theta}(x_L)||^2 ]

where ``s_{L,theta}`` is the score of the marginal of ``q_theta`` on ``L``. Writing the marginal
score as an expectation over the missing coordinates, ``s_L = E_w[s_theta(x_L, X')_L]`` with
self-normalised weights ``w``, its divergence is ``E_w[tr H_LL + ||s_L(x_L, X')||^2] - ||s_L||^2``
(a covariance identity), so no expectation is ever differentiated in ``x``. The gradient in
``theta`` of the weighted averages carries the covariance term ``Cov_w(f, grad_theta log q)``:

- :class:`MarginalIWScoreMatching` (Marg-IW) draws ``X'`` from a fixed proposal and uses the
  importance weights ``q_theta(x_L, X') / p'(X')``;
- :class:`MarginalVariationalScoreMatching` (Marg-Var) draws ``X'`` from a learned Gaussian
  conditional and uses equal weights whose gradient is the score-function (covariance) term;
- :class:`ZeroedScoreMatching` fills missing inputs with zeros and scores only observed outputs
  (MissDiff-style; the baseline the paper shows to be biased for explicit models);
- :class:`CompleteCaseScoreMatching` drops every incomplete row.

Objectives: ``'exact'`` (Hyvarinen score matching, with the truncated score matching weight when
the model is truncated), ``'sliced'`` (random projections restricted to the observed
coordinates) and ``'denoising'`` (Gaussian noise on the observed coordinates).
"""

import numpy as np
import pandas as pd
import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device
from sdv_missdiff.score_matching._validation import validate_missing_data
from sdv_missdiff.score_matching.energies import EnergyModel
from sdv_missdiff.score_matching.errors import (
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
)
from sdv_missdiff.score_matching.proposals import GaussianProposal, GaussianVariationalConditional

OBJECTIVES = ('exact', 'sliced', 'denoising')


def _complete(x_filled, mask, samples):
    """Rows completed with the samples: ``(n, r, dim)``."""
    return torch.where(mask[:, None, :], x_filled[:, None, :], samples)


def weighted_marginal_score(energy, x_filled, mask, samples, log_weights):
    """Marginal score of the observed coordinates as a weighted average of full scores.

    Args:
        energy (EnergyModel):
            The model.
        x_filled (torch.Tensor):
            Rows with missing entries set to any finite value, shape ``(n, dim)``.
        mask (torch.Tensor):
            Boolean observation mask, shape ``(n, dim)``.
        samples (torch.Tensor):
            Values of the missing coordinates, shape ``(n, r, dim)``.
        log_weights (torch.Tensor):
            Unnormalised log-weights of the samples, shape ``(n, r)``.

    Returns:
        torch.Tensor:
            Estimated marginal score, shape ``(n, dim)``, zero on missing coordinates.
    """
    n, r, dim = samples.shape
    full = _complete(x_filled, mask, samples).reshape(n * r, dim)
    score = energy.score(full).reshape(n, r, dim)
    weights = torch.softmax(log_weights, dim=1)
    return (weights[..., None] * score).sum(dim=1) * mask


def _importance_log_weights(energy, x_filled, mask, samples, proposal_log_density):
    n, r, dim = samples.shape
    full = _complete(x_filled, mask, samples).reshape(n * r, dim)
    log_q = energy.log_density(full).reshape(n, r)
    return log_q - (proposal_log_density * (~mask)[:, None, :]).sum(dim=2)


def marginal_score_iw(energy, data, num_samples=10, proposal=None, seed=0):
    """Importance-weighted estimate of the marginal score of the observed coordinates.

    ``s_hat(x_L) = grad_{x_L} log (1/r) sum_k q_theta(x_L, X'_k) / p'(X'_k)`` with
    ``X'_k ~ p'``. It converges to the exact marginal score as ``num_samples`` grows.

    Args:
        energy (EnergyModel):
            The model.
        data (numpy.ndarray or pandas.DataFrame):
            Rows with ``NaN`` for missing cells.
        num_samples (int):
            Number of proposal draws ``r`` per row. Defaults to ``10``.
        proposal (GaussianProposal or None):
            Proposal of the missing coordinates. Defaults to ``None`` (``N(0, 16 I)``).
        seed (int):
            Seed of the proposal draws. Defaults to ``0``.

    Returns:
        numpy.ndarray:
            Estimated marginal scores, shape ``(n, dim)``, ``NaN`` on missing coordinates.
    """
    values, mask_np, _ = validate_missing_data(data, energy.dim)
    proposal = GaussianProposal() if proposal is None else proposal
    device = energy.lower.device
    generator = torch.Generator(device=device).manual_seed(seed)
    x_filled = torch.as_tensor(np.nan_to_num(values), dtype=torch.float32, device=device)
    mask = torch.as_tensor(mask_np, device=device)
    samples, log_p = proposal.sample(
        (len(values), num_samples, energy.dim), energy.lower, energy.upper, generator
    )
    with torch.no_grad():
        log_weights = _importance_log_weights(energy, x_filled, mask, samples, log_p)
        score = weighted_marginal_score(energy, x_filled, mask, samples, log_weights)

    result = score.cpu().numpy().astype('float64')
    result[~mask_np] = np.nan
    return result


def gaussian_marginal_score(mean, precision, data):
    """Exact score of the marginal of a Gaussian on each row's observed coordinates.

    For the observed set ``L`` it is ``-((P^-1)_LL)^-1 (x_L - mean_L)``.

    Args:
        mean (array-like):
            Mean, shape ``(dim,)``.
        precision (array-like):
            Precision matrix, shape ``(dim, dim)``.
        data (numpy.ndarray):
            Rows with ``NaN`` for missing cells.

    Returns:
        numpy.ndarray:
            Marginal scores, shape ``(n, dim)``, ``NaN`` on missing coordinates.
    """
    mean = np.asarray(mean, dtype=float)
    covariance = np.linalg.inv(np.asarray(precision, dtype=float))
    data = np.asarray(data, dtype=float)
    result = np.full(data.shape, np.nan)
    for i, row in enumerate(data):
        observed = ~np.isnan(row)
        marginal_precision = np.linalg.inv(covariance[np.ix_(observed, observed)])
        result[i, observed] = -marginal_precision @ (row[observed] - mean[observed])

    return result


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

        if objective not in OBJECTIVES:
            raise ScoreMatchingError(
                f'``objective`` must be one of {OBJECTIVES}, got {objective!r}.'
            )

        if objective == 'denoising' and energy.is_truncated:
            raise ScoreMatchingError(
                "The 'denoising' objective is not defined for a truncated model: noise moves "
                "points out of the support. Use objective='exact' or 'sliced'."
            )

        if optimizer not in ('adam', 'sgd'):
            raise ScoreMatchingError(f"``optimizer`` must be 'adam' or 'sgd', got {optimizer!r}.")

        for name, value in (('epochs', epochs), ('num_slices', num_slices)):
            if int(value) != value or value < 1:
                raise ScoreMatchingError(f'``{name}`` must be a positive integer, got {value!r}.')

        if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1):
            raise ScoreMatchingError(
                f'``batch_size`` must be a positive integer or None, got {batch_size!r}.'
            )

        if not learning_rate > 0 or not noise_std > 0:
            raise ScoreMatchingError('``learning_rate`` and ``noise_std`` must be positive.')

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
        full = _complete(x, mask, samples).reshape(n * r, dim)
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


class MarginalIWScoreMatching(BaseScoreMatching):
    """Marg-IW: marginal score matching with importance-weighted missing coordinates.

    Args:
        energy (EnergyModel):
            The model to fit.
        num_samples (int):
            Proposal draws ``r`` per row and step. Defaults to ``10`` (the paper's value).
        proposal (GaussianProposal or None):
            Proposal of the missing coordinates. Defaults to ``None`` (``N(0, 16 I)``,
            truncated to the model's support).
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def __init__(self, energy, num_samples=10, proposal=None, **kwargs):
        super().__init__(energy, **kwargs)
        if int(num_samples) != num_samples or num_samples < 1:
            raise ScoreMatchingError(
                f'``num_samples`` must be a positive integer, got {num_samples!r}.'
            )

        self.num_samples = num_samples
        self.proposal = GaussianProposal() if proposal is None else proposal

    def _fill(self, x, mask, generator):
        shape = (x.shape[0], self.num_samples, x.shape[1])
        samples, log_p = self.proposal.sample(
            shape, self.energy.lower, self.energy.upper, generator
        )
        log_weights = _importance_log_weights(self.energy, x, mask, samples, log_p)
        return samples, log_weights


class MarginalVariationalScoreMatching(BaseScoreMatching):
    """Marg-Var: marginal score matching with a learned Gaussian conditional.

    The missing coordinates are drawn from ``N(mu_phi(x_L), sigma^2 I)`` (truncated to the
    support), ``mu_phi`` an MLP; ``phi`` takes ``variational_steps`` steps (reverse KL or Fisher
    divergence to the model's conditional) before each model step.

    Args:
        energy (EnergyModel):
            The model to fit.
        num_samples (int):
            Variational draws per row and step. Defaults to ``10``.
        variational_objective (str):
            ``'reverse_kl'`` or ``'fisher'``. Defaults to ``'reverse_kl'``.
        variational_steps (int):
            Steps of ``phi`` per model step. Defaults to ``10`` (the paper's value).
        variational_learning_rate (float):
            Adam step size of ``phi``. Defaults to ``0.001``.
        hidden_dims (tuple[int, ...]):
            Hidden widths of ``mu_phi``. Defaults to ``(200, 200)``.
        warmup_steps (int):
            Steps of ``phi`` on the whole table before the first model step, so that the model
            does not start from an untrained conditional. Defaults to ``100``.
        variational (GaussianVariationalConditional or None):
            A conditional to start from, for example one fitted at the previous penalty of a
            path. Defaults to ``None`` (a new one, seeded).
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def __init__(
        self,
        energy,
        num_samples=10,
        variational_objective='reverse_kl',
        variational_steps=10,
        variational_learning_rate=0.001,
        hidden_dims=(200, 200),
        warmup_steps=100,
        variational=None,
        **kwargs,
    ):
        super().__init__(energy, **kwargs)
        if variational_objective not in ('reverse_kl', 'fisher'):
            raise ScoreMatchingError(
                "``variational_objective`` must be 'reverse_kl' or 'fisher', got "
                f'{variational_objective!r}.'
            )

        for name, value in (
            ('num_samples', num_samples),
            ('variational_steps', variational_steps),
            ('warmup_steps', warmup_steps),
        ):
            if int(value) != value or value < 0 or (name == 'num_samples' and value < 1):
                raise ScoreMatchingError(
                    f'``{name}`` must be a non-negative integer, got {value!r}.'
                )

        self.num_samples = num_samples
        self.variational_objective = variational_objective
        self.variational_steps = variational_steps
        self.variational_learning_rate = variational_learning_rate
        self.hidden_dims = tuple(hidden_dims)
        self.warmup_steps = warmup_steps
        self.variational = variational
        self.variational_ = None

    def _prepare(self, device):
        if self.variational_ is None:
            if self.variational is None:
                self.variational_ = GaussianVariationalConditional(
                    self.energy.dim, self.hidden_dims
                )
            else:
                self.variational_ = self.variational

            self._variational_optimizer = torch.optim.Adam(
                self.variational_.parameters(), lr=self.variational_learning_rate
            )

        self.variational_.to(device)
        self._warmup_pending = True

    def _variational_loss(self, x, mask, generator):
        energy = self.energy
        draws, log_p, score_p = self.variational_.sample(
            x, mask, self.num_samples, energy.lower, energy.upper, generator
        )
        n, r, dim = draws.shape
        missing = (~mask)[:, None, :].to(x.dtype)
        full = _complete(x, mask, draws).reshape(n * r, dim)
        if self.variational_objective == 'reverse_kl':
            log_q = energy.log_density(full).reshape(n, r)
            return ((log_p * missing).sum(dim=2) - log_q).mean()

        score = energy.score(full).reshape(n, r, dim)
        return (((score_p - score) ** 2) * missing).sum(dim=2).mean()

    def _before_model_step(self, x, mask, generator):
        parameters = list(self.variational_.parameters())
        steps = self.variational_steps
        if self._warmup_pending:
            steps += self.warmup_steps
            self._warmup_pending = False

        for _ in range(steps):
            loss = self._variational_loss(x, mask, generator)
            gradients = torch.autograd.grad(loss, parameters)
            for parameter, gradient in zip(parameters, gradients):
                parameter.grad = gradient

            self._variational_optimizer.step()

    def _fill(self, x, mask, generator):
        with torch.no_grad():
            samples, _, _ = self.variational_.sample(
                x, mask, self.num_samples, self.energy.lower, self.energy.upper, generator
            )

        n, r, dim = samples.shape
        full = _complete(x, mask, samples).reshape(n * r, dim)
        log_q = self.energy.log_density(full).reshape(n, r)
        # Equal weights whose gradient in theta is the covariance (score-function) term.
        return samples, log_q - log_q.detach()


class ZeroedScoreMatching(BaseScoreMatching):
    """Zeroed score matching: zero-filled inputs, loss on the observed coordinates only.

    This is how MissDiff trains; for explicit models it targets the wrong marginal (for a
    Gaussian it fits ``P_LL`` instead of ``((P^-1)_LL)^-1``). Kept as the baseline.

    Args:
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def _fill(self, x, mask, generator):
        samples = torch.zeros((x.shape[0], 1, x.shape[1]), device=x.device)
        samples = torch.maximum(torch.minimum(samples, self.energy.upper), self.energy.lower)
        return samples, torch.zeros((x.shape[0], 1), device=x.device)


class CompleteCaseScoreMatching(ZeroedScoreMatching):
    """Score matching on the complete rows only (every incomplete row is dropped).

    Args:
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def _select_rows(self, x, mask):
        complete = mask.all(dim=1)
        if not bool(complete.any()):
            raise InvalidMissingDataError(
                'No row is fully observed, so complete-case score matching has no data. Use a '
                "marginal estimator ('marginal_iw' or 'marginal_variational') instead."
            )

        self.num_complete_rows_ = int(complete.sum())
        return x[complete], mask[complete]


ESTIMATORS = {
    'marginal_iw': MarginalIWScoreMatching,
    'marginal_variational': MarginalVariationalScoreMatching,
    'zeroed': ZeroedScoreMatching,
    'complete_case': CompleteCaseScoreMatching,
}


def get_estimator(name, energy, **kwargs):
    """Build an estimator by name.

    Args:
        name (str):
            ``'marginal_iw'``, ``'marginal_variational'``, ``'zeroed'`` or ``'complete_case'``.
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to the estimator's constructor.

    Returns:
        BaseScoreMatching:
            The estimator.
    """
    if name not in ESTIMATORS:
        raise ScoreMatchingError(f'Unknown estimator {name!r}: choose one of {sorted(ESTIMATORS)}.')

    kwargs = {
        key: value
        for key, value in kwargs.items()
        if not (name in ('zeroed', 'complete_case') and key == 'num_samples')
    }
    return ESTIMATORS[name](energy, **kwargs)
