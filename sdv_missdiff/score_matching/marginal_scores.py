"""Marginal scores of the observed coordinates of incomplete rows.

The score of the marginal of ``q_theta`` on the observed coordinates ``L`` of a row is an
expectation over the missing coordinates, ``s_L = E_w[s_theta(x_L, X')_L]`` with
self-normalised weights ``w``. This module completes rows with samples of ``X'``, forms that
weighted average, gives the importance weights of a fixed proposal and the resulting estimate
(:func:`marginal_score_iw`), and the exact marginal score of a Gaussian to compare it with.
"""

import numpy as np
import torch

from sdv_missdiff._validation import check_positive_int
from sdv_missdiff.score_matching._validation import validate_missing_data
from sdv_missdiff.score_matching.errors import ScoreMatchingError
from sdv_missdiff.score_matching.proposals import GaussianProposal


def complete_rows(x_filled, mask, samples):
    """Rows completed with samples of their missing coordinates.

    Args:
        x_filled (torch.Tensor):
            Rows with missing entries set to any finite value, shape ``(n, dim)``.
        mask (torch.Tensor):
            Boolean observation mask, shape ``(n, dim)``.
        samples (torch.Tensor):
            Values of the missing coordinates, shape ``(n, r, dim)``.

    Returns:
        torch.Tensor:
            The observed values where ``mask`` is set and the samples elsewhere, shape
            ``(n, r, dim)``.
    """
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
    full = complete_rows(x_filled, mask, samples).reshape(n * r, dim)
    score = energy.score(full).reshape(n, r, dim)
    weights = torch.softmax(log_weights, dim=1)
    return (weights[..., None] * score).sum(dim=1) * mask


def importance_log_weights(energy, x_filled, mask, samples, proposal_log_density):
    """Unnormalised log importance weights ``log q_theta(x_L, X') - log p'(X')`` of the samples.

    Args:
        energy (EnergyModel):
            The model.
        x_filled (torch.Tensor):
            Rows with missing entries set to any finite value, shape ``(n, dim)``.
        mask (torch.Tensor):
            Boolean observation mask, shape ``(n, dim)``.
        samples (torch.Tensor):
            Proposal draws of the missing coordinates, shape ``(n, r, dim)``.
        proposal_log_density (torch.Tensor):
            Per-coordinate log-densities of the draws under the proposal, shape ``(n, r, dim)``;
            only the missing coordinates count.

    Returns:
        torch.Tensor:
            Log-weights, shape ``(n, r)``.
    """
    n, r, dim = samples.shape
    full = complete_rows(x_filled, mask, samples).reshape(n * r, dim)
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
    check_positive_int('num_samples', num_samples, error=ScoreMatchingError)
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
        log_weights = importance_log_weights(energy, x_filled, mask, samples, log_p)
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
