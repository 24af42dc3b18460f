import numpy as np
import pandas as pd
import pytest
from sdmetrics.goal import Goal
from sdmetrics.single_table.base import SingleTableMetric

from sdv_missdiff.evaluation import MissingnessFidelity, evaluate_missingness_fidelity
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
    assert breakdown['score'] == pytest.approx(1.0)
    assert set(breakdown) == {'score', 'Missing Rate', 'Co-Missingness', 'Missingness Dependence'}
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


def test_details_numbers():
    # Setup
    real = pd.DataFrame({'a': [1.0, np.nan, 3.0, np.nan], 'b': ['x', None, 'y', 'y']})
    synthetic = pd.DataFrame({'a': [1.0, 2.0, 3.0, np.nan], 'b': ['x', 'y', None, 'y']})

    # Run
    result = evaluate_missingness_fidelity(real, synthetic)

    # Assert
    rates = result.details[result.details['Component'] == 'Missing Rate'].set_index('Column 1')
    assert rates.loc['a', 'Real'] == 0.5
    assert rates.loc['a', 'Synthetic'] == 0.25
    assert rates.loc['a', 'Score'] == 0.75
    co_missing = result.details[result.details['Component'] == 'Co-Missingness'].iloc[0]
    assert co_missing['Real'] == pytest.approx(np.corrcoef([0, 1, 0, 1], [0, 1, 0, 0])[0, 1])
    assert co_missing['Synthetic'] == pytest.approx(np.corrcoef([0, 0, 0, 1], [0, 0, 1, 0])[0, 1])
    assert 0 <= result.score <= 1


def test_visualizations_and_errors():
    # Setup
    _, real, synthetic = _halves('mnar')
    result = evaluate_missingness_fidelity(real, synthetic)

    # Run
    figures = [result.get_visualization(name) for name in result.components['Component']]

    # Assert
    assert len(figures) == 3
    assert figures[0].data[0].type == 'bar'
    assert figures[2].data[0].type == 'heatmap'
    with pytest.raises(ValueError, match="Unknown component 'x'"):
        result.get_visualization('x')

    with pytest.raises(ValueError, match=r"Only in real_data: \['x'\]"):
        MissingnessFidelity.compute(real, synthetic.drop(columns='x'))
