import numpy as np
import pandas as pd
import pytest
from sdmetrics.goal import Goal
from sdmetrics.single_table.base import SingleTableMetric

from sdv_missdiff.evaluation import (
    MissingnessFidelity,
    evaluate_missingness_fidelity,
    missingness_errors,
)
from sdv_missdiff.missingness import simulate_missing


def _halves(mechanism, seed=0, num_rows=4000):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    data = pd.DataFrame(
        {
            'x': x,
            'y': x + rng.normal(size=num_rows),
            'c': np.where(x > 0, 'a', 'b'),
            'd': rng.choice(['u', 'v', 'w'], num_rows),
        }
    )
    masked, _ = simulate_missing(data, mechanism, 0.3, columns=['y', 'd'], seed=seed)
    half = num_rows // 2
    return (
        data,
        masked.iloc[:half].reset_index(drop=True),
        masked.iloc[half:].reset_index(drop=True),
    )


def test_metric_class_shape():
    assert issubclass(MissingnessFidelity, SingleTableMetric)
    assert MissingnessFidelity.goal == Goal.MAXIMIZE
    assert (MissingnessFidelity.min_value, MissingnessFidelity.max_value) == (0.0, 1.0)
    assert MissingnessFidelity.normalize(0.25) == 0.25


def test_identical_tables_score_one():
    # Setup
    _, real, _ = _halves('mar')

    # Run
    breakdown = MissingnessFidelity.compute_breakdown(real, real)

    # Assert
    # Prediction scores the copy's classifier on rows it was trained on, so it errs high.
    assert breakdown['score'] > 0.98
    assert set(breakdown) == {
        'score',
        'Missing Rate',
        'Co-Missingness',
        'Missingness Dependence',
        'Missingness Patterns',
        'Missingness Prediction',
    }
    for component in ('Missing Rate', 'Co-Missingness', 'Missingness Dependence'):
        assert breakdown[component]['score'] == pytest.approx(1.0)

    assert breakdown['Missingness Patterns']['score'] == pytest.approx(1.0)
    assert breakdown['Missingness Prediction']['score'] > 0.9
    assert breakdown['Missing Rate']['y']['real'] == pytest.approx(real['y'].isna().mean())


def test_same_mechanism_beats_random_reinsertion_and_no_missing():
    # Setup: the two halves share the MAR model; MCAR keeps the rates but not the dependence
    complete, real, same_mechanism = _halves('mar')
    rng = np.random.default_rng(1)
    random_reinsertion = complete.iloc[2000:].reset_index(drop=True).copy()
    for column in ['y', 'd']:
        hidden = rng.random(2000) < real[column].isna().mean()
        random_reinsertion[column] = random_reinsertion[column].mask(hidden)

    # Run
    same = evaluate_missingness_fidelity(real, same_mechanism)
    random = evaluate_missingness_fidelity(real, random_reinsertion)
    complete_score = MissingnessFidelity.compute(real, complete.iloc[2000:])

    # Assert
    assert same.score > 0.97
    assert random.score < same.score - 0.05
    dependence = random.components.set_index('Component')['Score']
    assert dependence['Missing Rate'] > 0.98
    assert dependence['Missingness Dependence'] < 0.9
    assert complete_score < random.score
    # Random holes teach a classifier nothing of what the real holes depend on.
    same_components = same.components.set_index('Component')['Score']
    assert same_components['Missingness Prediction'] > 0.97
    assert dependence['Missingness Prediction'] < same_components['Missingness Prediction'] - 0.1
    prediction = random.details[random.details['Component'] == 'Missingness Prediction']
    assert (prediction['Synthetic'] < 0.6).all()
    assert (prediction['Real'] > 0.7).all()


def test_pattern_frequencies():
    # Setup: real rows miss a and b together; synthetic rows miss them apart
    real = pd.DataFrame({'a': [np.nan, np.nan, 1.0, 2.0], 'b': [np.nan, np.nan, 'x', 'y']})
    synthetic = pd.DataFrame({'a': [np.nan, 1.0, 1.0, 2.0], 'b': ['x', np.nan, 'x', 'y']})

    # Run
    result = evaluate_missingness_fidelity(real, synthetic)

    # Assert: real patterns {both: 0.5, none: 0.5}; synthetic {a: 0.25, b: 0.25, none: 0.5}
    patterns = result.details[result.details['Component'] == 'Missingness Patterns'].iloc[0]
    assert patterns['Score'] == pytest.approx(0.5)
    assert (patterns['Real'], patterns['Synthetic']) == (2.0, 3.0)


def test_visualizations_and_errors():
    # Setup
    _, real, synthetic = _halves('mnar')
    result = evaluate_missingness_fidelity(real, synthetic)

    # Run
    figures = [result.get_visualization(name) for name in result.components['Component']]

    # Assert
    assert len(figures) == 5
    assert [figure.data[0].type for figure in figures] == [
        'bar',
        'heatmap',
        'heatmap',
        'bar',
        'bar',
    ]
    with pytest.raises(ValueError, match="Unknown component 'x'"):
        result.get_visualization('x')

    with pytest.raises(ValueError, match=r"Only in real_data: \['x'\]"):
        MissingnessFidelity.compute(real, synthetic.drop(columns='x'))


def test_missingness_errors_are_zero_for_the_same_holes_and_measure_a_difference():
    real = pd.DataFrame(
        {
            'a': [1.0, np.nan, 3.0, np.nan, 5.0, 6.0],
            'b': [1.0, np.nan, 3.0, np.nan, 5.0, 6.0],
            'c': [1, 2, 3, 4, 5, 6],
        }
    )
    # Same shares in 'a' and 'b', but their holes no longer fall in the same rows.
    synthetic = real.copy()
    synthetic['b'] = [np.nan, 2.0, np.nan, 4.0, 5.0, 6.0]

    assert missingness_errors(real, real) == {
        'missing_share_error': 0.0,
        'missing_correlation_error': 0.0,
    }
    errors = missingness_errors(real, synthetic)
    assert errors['missing_share_error'] == 0.0
    # corr(a, b) is 1 in the real holes and -0.5 in the synthetic ones.
    assert errors['missing_correlation_error'] == pytest.approx(1.5)
