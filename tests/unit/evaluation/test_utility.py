import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.evaluation import evaluate_utility
from sdv_missdiff.missingness import simulate_missing


def _table(num_rows, seed):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'x': x,
            'z': rng.normal(size=num_rows),
            'colour': rng.choice(['red', 'blue'], num_rows),
            'label': np.where(x + 0.3 * rng.normal(size=num_rows) > 0, 'yes', 'no'),
            'amount': 3 * x + rng.normal(size=num_rows) * 0.1,
        }
    )


def test_classification_scores_with_missing_test_values():
    # Setup
    train = _table(300, 0)
    test, _ = simulate_missing(_table(200, 1), 'mcar_independent', 0.2, ['z', 'colour'], seed=0)

    # Run
    result = evaluate_utility(test, train, 'label', models=['xgboost', 'logistic_regression'])

    # Assert
    summary = result.summary()
    assert result.task == 'classification'
    assert set(result.scores['Metric']) == {'accuracy', 'f1', 'weighted_f1', 'auroc'}
    assert (summary[('synthetic', 'accuracy')] > 0.8).all()
    assert (summary[('synthetic', 'auroc')] > 0.9).all()
    assert result.get_visualization('auroc').data[0].type == 'bar'


def test_regression_and_real_baseline():
    # Setup
    train, test = _table(300, 0), _table(200, 1)
    noise = train.assign(amount=np.random.default_rng(2).permutation(train['amount']))

    # Run
    result = evaluate_utility(
        test, noise, 'amount', models=['linear_regression', 'decision_tree'], real_train_data=train
    )

    # Assert
    scores = result.scores.set_index(['Model', 'Trained On', 'Metric'])['Score']
    assert result.task == 'regression'
    assert scores[('linear_regression', 'real', 'r2')] > 0.99
    assert scores[('linear_regression', 'synthetic', 'r2')] < 0.1
    assert scores[('linear_regression', 'real', 'rmse')] < 0.2


def test_unseen_test_class_and_task_override():
    # Setup: the synthetic data never produces one of the three real classes
    train = _table(200, 0).assign(label=lambda df: np.where(df['x'] > 0, 'a', 'b'))
    test = _table(150, 1).assign(label=lambda df: np.where(df['x'] > 1, 'c', 'a'))

    # Run
    result = evaluate_utility(test, train, 'label', models=['decision_tree', 'mlp'])

    # Assert
    assert result.scores['Score'].between(0, 1).all()
    forced = evaluate_utility(train, train, 'x', models=['random_forest'], task='regression')
    assert forced.task == 'regression'


@pytest.mark.parametrize(
    ('kwargs', 'error', 'message'),
    [
        ({'target': 'nope'}, ValueError, "Target column 'nope' is not in the data"),
        ({'models': ['svm']}, ValueError, r"Unknown models \['svm'\]"),
        ({'task': 'ranking'}, ValueError, "`task` must be 'classification'"),
    ],
)
def test_bad_input(kwargs, error, message):
    # Setup
    data = _table(50, 0)
    arguments = {'target': 'label', **kwargs}

    # Run and Assert
    with pytest.raises(error, match=message):
        evaluate_utility(data, data, **arguments)


def test_single_class_training_data():
    # Setup
    data = _table(50, 0)

    # Run and Assert
    with pytest.raises(ValueError, match="single value \\['no'\\] in target column 'label'"):
        evaluate_utility(data, data.assign(label='no'), 'label', models=['decision_tree'])


def test_integer_levels_returned_as_floats_score_as_the_same_levels():
    rng = np.random.default_rng(0)
    x = rng.normal(size=600)
    real = pd.DataFrame(
        {
            'x': x,
            'grade': np.where(x > 0.5, 2, np.where(x < -0.5, 0, 1)),
            'death': (x + 0.3 * rng.normal(size=600) > 0).astype(int),
        }
    )
    metadata = {
        'columns': {
            'x': {'sdtype': 'numerical'},
            'grade': {'sdtype': 'categorical'},
            'death': {'sdtype': 'categorical'},
        }
    }
    test, train = real.iloc[:300], real.iloc[300:]
    # The same rows with every number a float, as some synthesizers return integer categories.
    as_floats = train.astype(float)

    scores = evaluate_utility(test, train, 'death', metadata, models=['xgboost']).scores
    float_scores = evaluate_utility(test, as_floats, 'death', metadata, models=['xgboost']).scores

    assert scores.set_index('Metric')['Score']['accuracy'] > 0.8
    pd.testing.assert_frame_equal(scores, float_scores)
