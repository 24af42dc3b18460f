"""Gaussian graphical models of incomplete tables by penalised score matching."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import torch

from sdv_missdiff._validation import check_choice, check_number
from sdv_missdiff.score_matching._validation import validate_missing_data
from sdv_missdiff.score_matching.errors import (
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
)
from sdv_missdiff.score_matching.gaussian_energy import GaussianEnergy
from sdv_missdiff.score_matching.registry import ESTIMATORS, get_estimator

_MIN_EIGENVALUE = 1e-3
_MAX_EIGENVALUE = 1e3


def _soft_threshold_precision(
    alpha, min_eigenvalue=_MIN_EIGENVALUE, max_eigenvalue=_MAX_EIGENVALUE
):
    """Proximal operator of ``alpha * sum_{i != j} |P_ij|`` for a precision-parametrised model."""

    def proximal(energy, step_size):
        parameter = energy.precision_param
        precision = (parameter + parameter.T) / 2
        off_diagonal = ~torch.eye(precision.shape[0], dtype=torch.bool, device=precision.device)
        threshold = step_size * alpha
        shrunk = torch.sign(precision) * torch.clamp(precision.abs() - threshold, min=0.0)
        precision = torch.where(off_diagonal, shrunk, precision)
        eigenvalues, eigenvectors = torch.linalg.eigh(precision)
        if bool(eigenvalues.min() < min_eigenvalue) or bool(eigenvalues.max() > max_eigenvalue):
            # Keep the model normalisable and bounded: project the spectrum on the interval.
            eigenvalues = torch.clamp(eigenvalues, min=min_eigenvalue, max=max_eigenvalue)
            precision = (eigenvectors * eigenvalues) @ eigenvectors.T

        parameter.copy_(precision)

    return proximal


@dataclass
class PenaltyPath:
    """Precision matrices fitted along a path of L1 penalties.

    Attributes:
        alphas (numpy.ndarray):
            Penalties, from the largest to the smallest.
        precisions (list[numpy.ndarray]):
            Standardised precision matrix fitted at each penalty.
        columns (list[str]):
            Column names.
    """

    alphas: np.ndarray
    precisions: list = field(default_factory=list)
    columns: list = field(default_factory=list)

    def adjacencies(self, tol=0.0):
        """Estimated adjacency matrices (``|P_ij| > tol`` off the diagonal), one per penalty.

        Args:
            tol (float):
                Threshold on ``|P_ij|``. Defaults to ``0.0``.

        Returns:
            list[numpy.ndarray]:
                Boolean ``(d, d)`` matrices with a ``False`` diagonal.
        """
        result = []
        for precision in self.precisions:
            adjacency = np.abs(precision) > tol
            np.fill_diagonal(adjacency, False)
            result.append(adjacency)

        return result

    def to_frame(self):
        """One row per penalty with its number of edges.

        Returns:
            pandas.DataFrame:
                Columns ``alpha`` and ``num_edges``.
        """
        edges = [int(adjacency.sum() // 2) for adjacency in self.adjacencies()]
        return pd.DataFrame({'alpha': self.alphas, 'num_edges': edges})


def _check_graph(true_adjacency, dim):
    truth = np.asarray(true_adjacency, dtype=bool)
    if truth.shape != (dim, dim):
        raise ScoreMatchingError(
            f'``true_adjacency`` must have shape ({dim}, {dim}), got {truth.shape}.'
        )

    return truth


def roc_curve(path, true_adjacency):
    """ROC curve of edge recovery along a penalty path.

    Each penalty gives one point (false positive rate, true positive rate) over the
    ``d (d - 1) / 2`` node pairs; ``(0, 0)`` and ``(1, 1)`` close the curve.

    Args:
        path (PenaltyPath):
            The fitted path.
        true_adjacency (array-like):
            Boolean ``(d, d)`` adjacency of the true graph.

    Returns:
        tuple[numpy.ndarray, numpy.ndarray]:
            False and true positive rates, sorted by false positive rate.
    """
    dim = len(path.columns)
    truth = _check_graph(true_adjacency, dim)
    upper = np.triu_indices(dim, k=1)
    positives = truth[upper]
    if positives.all() or not positives.any():
        raise ScoreMatchingError('The true graph must have at least one edge and one non-edge.')

    points = [(0.0, 0.0), (1.0, 1.0)]
    for adjacency in path.adjacencies():
        predicted = adjacency[upper]
        tpr = (predicted & positives).sum() / positives.sum()
        fpr = (predicted & ~positives).sum() / (~positives).sum()
        points.append((float(fpr), float(tpr)))

    points.sort()
    fpr, tpr = np.array(points).T
    return fpr, np.maximum.accumulate(tpr)


def roc_auc(path, true_adjacency):
    """Area under the ROC curve of :func:`roc_curve` (trapezoid rule).

    Args:
        path (PenaltyPath):
            The fitted path.
        true_adjacency (array-like):
            Boolean ``(d, d)`` adjacency of the true graph.

    Returns:
        float:
            The AUC, in ``[0, 1]``.
    """
    fpr, tpr = roc_curve(path, true_adjacency)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


class GaussianGraphicalModel:
    """Sparse Gaussian graphical model of an incomplete table, fitted by score matching.

    The columns are standardised with their observed means and standard deviations, then a
    zero-mean Gaussian energy with a free symmetric precision ``P`` is fitted by the chosen
    estimator, minimising ``score matching loss + alpha * sum_{i != j} |P_ij|`` by proximal
    gradient (gradient steps then soft-thresholding of the off-diagonal entries). The mean is
    not learned: the columns are centred, and a learned mean made the default step diverge,
    the curvature of the loss in the mean, ``2 P^2``, growing with the precision.

    Args:
        estimator (str):
            ``'marginal_variational'``, ``'marginal_iw'``, ``'zeroed'`` or ``'complete_case'``.
            Defaults to ``'marginal_variational'``.
        alpha (float):
            L1 penalty on the off-diagonal of the (standardised) precision. Defaults to ``0.05``.
        epochs (int):
            Proximal gradient steps (full batch). Defaults to ``300``.
        learning_rate (float or None):
            Step size. Defaults to ``None``: ``0.5 / lambda_max`` of the pairwise correlation
            matrix ``S`` of the observed cells, half the largest stable step of the fully
            observed loss in ``P`` (whose curvature is at most ``2 lambda_max(S)``).
        num_samples (int):
            Draws per row for the marginal estimators. Defaults to ``10``.
        max_grad_norm (float or None):
            Gradient norm clipping of each step. A clipped step is shortened together with its
            soft-thresholding, so clipping does not change the penalised optimum, but at large
            penalties, whose optimum has a gradient norm of about ``alpha * sqrt(2 * edges)``,
            it slows the fit down. Defaults to ``1.0``.
        estimator_kwargs (dict or None):
            Further arguments of the estimator (for example ``proposal``,
            ``variational_steps``). Defaults to ``None``.
        seed (int):
            Seed. Defaults to ``0``.
        enable_gpu (bool):
            Use cuda (then mps) when available. Defaults to ``True``, as the synthesizer.
        verbose (bool):
            Whether to show a progress bar. Defaults to ``False``.
    """

    def __init__(
        self,
        estimator='marginal_variational',
        alpha=0.05,
        epochs=300,
        learning_rate=None,
        num_samples=10,
        max_grad_norm=1.0,
        estimator_kwargs=None,
        seed=0,
        enable_gpu=True,
        verbose=False,
    ):
        check_choice('estimator', estimator, sorted(ESTIMATORS), error=ScoreMatchingError)
        check_number('alpha', alpha, 0, what='a non-negative number', error=ScoreMatchingError)
        if learning_rate is not None:
            check_number(
                'learning_rate',
                learning_rate,
                0,
                strict=True,
                what='a positive number or None (chosen from the data)',
                error=ScoreMatchingError,
            )

        self.estimator = estimator
        self.alpha = alpha
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.num_samples = num_samples
        self.max_grad_norm = max_grad_norm
        self.estimator_kwargs = estimator_kwargs
        self.seed = seed
        self.enable_gpu = enable_gpu
        self.verbose = verbose
        self.precision_ = None

    def _standardise(self, data):
        values, mask, columns = validate_missing_data(data)
        if values.shape[1] < 2:
            raise InvalidMissingDataError('A graphical model needs at least two columns.')

        means = np.nanmean(values, axis=0)
        stds = np.nanstd(values, axis=0)
        constant = [columns[j] for j in np.flatnonzero(~(stds > 0))]
        if constant:
            raise InvalidMissingDataError(
                f'Columns {constant} have one observed value or are constant: drop them, a '
                'graphical model needs their variation.'
            )

        return (values - means) / stds, mask, columns, means, stds

    def _auto_learning_rate(self, standardised):
        frame = pd.DataFrame(standardised)
        correlation = frame.corr(min_periods=2).fillna(0.0).to_numpy()
        np.fill_diagonal(correlation, 1.0)
        largest = float(np.linalg.eigvalsh(correlation).max())
        return 0.5 / max(largest, 1.0)

    def _fit_standardised(self, standardised, alpha, learning_rate, initial=None, previous=None):
        dim = standardised.shape[1]
        energy = GaussianEnergy(
            dim, precision=initial, parametrization='precision', learn_mean=False
        )
        kwargs = dict(self.estimator_kwargs or {})
        if self.estimator in ('marginal_iw', 'marginal_variational'):
            kwargs.setdefault('num_samples', self.num_samples)

        if previous is not None and self.estimator == 'marginal_variational':
            kwargs['variational'] = previous.variational_

        estimator = get_estimator(
            self.estimator,
            energy,
            epochs=self.epochs,
            learning_rate=learning_rate,
            optimizer='sgd',
            proximal=_soft_threshold_precision(alpha),
            max_grad_norm=self.max_grad_norm,
            seed=self.seed,
            enable_gpu=self.enable_gpu,
            verbose=self.verbose,
            **kwargs,
        )
        estimator.fit(standardised)
        return energy.precision.detach().cpu().numpy().astype('float64'), estimator

    def _store(self, precision, columns, means, stds):
        self.columns_ = list(columns)
        self.means_ = means
        self.stds_ = stds
        self.standardized_precision_ = precision
        self.precision_ = precision / np.outer(stds, stds)
        diagonal = np.sqrt(np.diag(precision))
        partial = -precision / np.outer(diagonal, diagonal)
        np.fill_diagonal(partial, 1.0)
        self.partial_correlations_ = partial
        adjacency = precision != 0
        np.fill_diagonal(adjacency, False)
        self.adjacency_ = adjacency
        rows, cols = np.nonzero(np.triu(adjacency, k=1))
        self.edges_ = [(self.columns_[i], self.columns_[j]) for i, j in zip(rows, cols)]

    def fit(self, data):
        """Fit the graphical model.

        Args:
            data (numpy.ndarray or pandas.DataFrame):
                Numerical table with ``NaN`` for missing cells.

        Returns:
            GaussianGraphicalModel:
                ``self``, with ``precision_`` (original units), ``standardized_precision_``,
                ``partial_correlations_``, ``adjacency_``, ``edges_`` (pairs of column names)
                and ``loss_values_``.
        """
        standardised, _, columns, means, stds = self._standardise(data)
        learning_rate = self.learning_rate or self._auto_learning_rate(standardised)
        precision, estimator = self._fit_standardised(standardised, self.alpha, learning_rate)
        self.loss_values_ = estimator.get_loss_values()
        self._store(precision, columns, means, stds)
        return self

    def penalty_path(self, data, alphas=None, num_alphas=8, min_ratio=0.01):
        """Fit along a decreasing path of penalties, each fit warm-started from the previous one.

        Args:
            data (numpy.ndarray or pandas.DataFrame):
                Numerical table with ``NaN`` for missing cells.
            alphas (array-like or None):
                Penalties. Defaults to ``None``: ``num_alphas`` values spaced geometrically
                from the largest absolute pairwise correlation down to ``min_ratio`` times it.
            num_alphas (int):
                Number of default penalties. Defaults to ``8``.
            min_ratio (float):
                Smallest default penalty relative to the largest. Defaults to ``0.01``.

        Returns:
            PenaltyPath:
                The path; the model keeps the fit at the smallest penalty.
        """
        standardised, _, columns, means, stds = self._standardise(data)
        learning_rate = self.learning_rate or self._auto_learning_rate(standardised)
        if alphas is None:
            correlation = pd.DataFrame(standardised).corr(min_periods=2).fillna(0.0).to_numpy()
            np.fill_diagonal(correlation, 0.0)
            largest = max(float(np.abs(correlation).max()), 1e-3)
            alphas = np.geomspace(largest, largest * min_ratio, num_alphas)

        alphas = np.sort(np.asarray(alphas, dtype=float))[::-1]
        if (alphas < 0).any():
            raise ScoreMatchingError('Every penalty in ``alphas`` must be non-negative.')

        path = PenaltyPath(alphas=alphas, columns=list(columns))
        precision = None
        estimator = None
        for alpha in alphas:
            precision, estimator = self._fit_standardised(
                standardised, alpha, learning_rate, initial=precision, previous=estimator
            )
            path.precisions.append(precision)

        self.loss_values_ = estimator.get_loss_values()
        self.alpha_ = float(alphas[-1])
        self._store(precision, columns, means, stds)
        return path

    def check_fitted(self):
        """Raise :class:`NotFittedError` if the model has not been fitted."""
        if self.precision_ is None:
            raise NotFittedError('The model has not been fitted yet: call ``fit`` first.')
