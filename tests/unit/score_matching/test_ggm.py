import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.score_matching import (
    GaussianGraphicalModel,
    InvalidMissingDataError,
    NotFittedError,
    roc_auc,
    roc_curve,
)


def _star_data(dim=5, n=600, rate=0.2, seed=0):
    rng = np.random.default_rng(seed)
    precision = np.eye(dim)
    precision[0, 1:] = precision[1:, 0] = -0.9 / np.sqrt(dim - 1)
    data = rng.multivariate_normal(np.zeros(dim), np.linalg.inv(precision), size=n)
    data = data * np.arange(1, dim + 1) + 10
    data[rng.random(data.shape) < rate] = np.nan
    data = data[~np.isnan(data).all(axis=1)]
    adjacency = precision != 0
    np.fill_diagonal(adjacency, False)
    columns = [f'x{j}' for j in range(dim)]
    return pd.DataFrame(data, columns=columns), adjacency


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
    # Setup
    data, adjacency = _star_data(n=400)
    model = GaussianGraphicalModel(
        'marginal_variational',
        epochs=40,
        estimator_kwargs={'variational_steps': 1, 'hidden_dims': (32,), 'warmup_steps': 30},
    )

    # Run
    path = model.penalty_path(data, num_alphas=5)
    fpr, tpr = roc_curve(path, adjacency)

    # Assert
    assert roc_auc(path, adjacency) > 0.95
    assert fpr[0] == 0 and fpr[-1] == 1 and (np.diff(tpr) >= 0).all()
    assert path.to_frame().num_edges.iloc[0] <= path.to_frame().num_edges.iloc[-1]
    assert model.alpha_ == pytest.approx(path.alphas[-1])


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
