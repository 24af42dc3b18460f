import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.score_matching import (
    GaussianGraphicalModel,
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
    roc_auc,
    roc_curve,
)


def _star_data(dim=5, n=600, rate=0.2, seed=0, with_complete=False):
    rng = np.random.default_rng(seed)
    precision = np.eye(dim)
    precision[0, 1:] = precision[1:, 0] = -0.9 / np.sqrt(dim - 1)
    # Cholesky, not the default SVD: the leaves make an eigenvalue of the covariance repeated,
    # so the SVD's eigenvectors (and with them every draw) change with the BLAS kernel.
    covariance = np.linalg.inv(precision)
    complete = rng.multivariate_normal(np.zeros(dim), covariance, size=n, method='cholesky')
    complete = complete * np.arange(1, dim + 1) + 10
    data = complete.copy()
    data[rng.random(data.shape) < rate] = np.nan
    kept = ~np.isnan(data).all(axis=1)
    adjacency = precision != 0
    np.fill_diagonal(adjacency, False)
    columns = [f'x{j}' for j in range(dim)]
    frame = pd.DataFrame(data[kept], columns=columns)
    if with_complete:
        return frame, adjacency, complete[kept]

    return frame, adjacency


@pytest.mark.parametrize('estimator', ['marginal_iw', 'zeroed'])
def test_fit_recovers_star_edges(estimator):
    # Setup
    data, _ = _star_data()

    # Run
    model = GaussianGraphicalModel(estimator, alpha=0.1, epochs=150).fit(data)

    # Assert
    hub_edges = [('x0', 'x1'), ('x0', 'x2'), ('x0', 'x3'), ('x0', 'x4')]
    assert set(hub_edges) <= set(model.edges_)
    strength = np.abs(model.partial_correlations_[np.triu_indices(5, k=1)])
    assert np.sort(strength)[-4:].min() == pytest.approx(strength[:4].min())
    assert model.precision_.shape == (5, 5)
    np.testing.assert_allclose(
        model.precision_ * np.outer(model.stds_, model.stds_), model.standardized_precision_
    )
    assert (model.partial_correlations_[0, 1:] > 0.2).all()


def test_penalty_path_auc_with_variational_estimator():
    """The Marg-Var path recovers the star graph, and its last fit is the right precision.

    Measured with these settings: AUC 1.0, with one penalty giving exactly the star, for each of
    180 draws (data seeds, model seeds, both samplers, BLAS and torch kernels). At ``n=400``
    even the exact optimum of marginal score matching misses 0.95 for 1 of 40 data seeds.

    On this easy graph the AUC alone cannot tell a broken estimator: zeroed score matching, a
    wrong sign or no covariance term in the gradient, or an untrained conditional all reach
    1.0. The last precision is therefore compared with the maximum likelihood estimate of the
    same rows before cells were hidden (score matching's optimum for complete Gaussian data):
    relative error 0.023 to 0.115 over 140 draws, 0.059 here, and at least 0.167 for the
    broken variants.
    """
    # Setup
    data, adjacency, complete = _star_data(n=800, with_complete=True)
    model = GaussianGraphicalModel(
        'marginal_variational',
        epochs=40,
        max_grad_norm=None,
        estimator_kwargs={
            'variational_steps': 1,
            'variational_learning_rate': 0.01,
            'hidden_dims': (32,),
            'warmup_steps': 30,
        },
    )
    standardised = (complete - data.mean().to_numpy()) / data.std(ddof=0).to_numpy()
    reference = np.linalg.inv(standardised.T @ standardised / len(standardised))

    # Run
    path = model.penalty_path(data, num_alphas=8)
    fpr, tpr = roc_curve(path, adjacency)

    # Assert
    assert roc_auc(path, adjacency) > 0.95
    assert any((estimated == adjacency).all() for estimated in path.adjacencies())
    error = model.standardized_precision_ - reference
    assert np.linalg.norm(error) < 0.14 * np.linalg.norm(reference)
    assert fpr[0] == 0 and fpr[-1] == 1 and (np.diff(tpr) >= 0).all()
    assert path.to_frame().num_edges.iloc[0] <= path.to_frame().num_edges.iloc[-1]
    assert model.alpha_ == pytest.approx(path.alphas[-1])


def test_gradient_clipping_keeps_the_penalised_optimum():
    """A clipped step is a shorter step; the soft-thresholding must shrink with it.

    Complete-case score matching on complete data is deterministic, so proximal gradient with
    and without clipping must reach the same point. Shrinking by the full ``learning_rate *
    alpha`` after a clipped step made the penalty grow with the gradient norm: at this penalty
    every edge was cut and the fit stayed at the identity.
    """
    # Setup
    data, adjacency = _star_data(n=400, rate=0.0)
    fits = {}

    # Run
    for max_grad_norm in (None, 0.5):
        model = GaussianGraphicalModel(
            'complete_case', alpha=0.7, epochs=1000, max_grad_norm=max_grad_norm
        )
        fits[max_grad_norm] = model.fit(data).standardized_precision_

    # Assert
    np.testing.assert_allclose(fits[0.5], fits[None], atol=1e-3)
    assert (fits[0.5] != 0)[adjacency].all()
    assert (fits[0.5] == 0)[~adjacency & ~np.eye(5, dtype=bool)].all()


def test_unclipped_fit_with_the_default_step_is_stable():
    """The default step is safe for the precision; the model's mean, now fixed, was not.

    The mean's curvature ``2 P^2`` grows with the precision, so with a learned mean the
    default step ``0.5 / lambda_max`` diverged (the loss became NaN within 50 epochs) once the
    hub precision was large. The columns are standardised, so the mean is zero.
    """
    # Setup
    data, _ = _star_data(n=400, rate=0.0)

    # Run
    model = GaussianGraphicalModel('complete_case', alpha=0.3, epochs=300, max_grad_norm=None)
    model.fit(data)

    # Assert
    assert np.isfinite(model.loss_values_.Loss).all()
    assert set(model.edges_) >= {('x0', 'x1'), ('x0', 'x2'), ('x0', 'x3'), ('x0', 'x4')}
    assert model.standardized_precision_[0, 0] > 3


def test_constant_and_empty_columns_raise():
    # Setup
    data = pd.DataFrame({'a': [1.0, 2.0, 3.0], 'b': [5.0, 5.0, np.nan], 'c': [np.nan] * 3})

    # Run and Assert
    with pytest.raises(InvalidMissingDataError, match="'c'"):
        GaussianGraphicalModel().fit(data)

    with pytest.raises(InvalidMissingDataError, match=r"\['b'\].*constant"):
        GaussianGraphicalModel().fit(data[['a', 'b']])


def test_not_fitted_raises():
    # Run and Assert
    with pytest.raises(NotFittedError):
        GaussianGraphicalModel().check_fitted()


@pytest.mark.parametrize(
    ('name', 'value'),
    [('estimator', 'em'), ('alpha', -0.1), ('alpha', None), ('learning_rate', 0.0)],
)
def test_invalid_argument_names_the_argument(name, value):
    # Run and Assert
    with pytest.raises(ScoreMatchingError, match=f"Invalid value {value!r} for '{name}'"):
        GaussianGraphicalModel(**{name: value})
