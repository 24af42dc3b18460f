import numpy as np
import pandas as pd
import pytest
from sdv.metadata import Metadata

from sdv_missdiff.evaluation import (
    evaluate_fidelity,
    evaluate_utility,
    quality_scores,
    score_synthetic,
)


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    real = pd.DataFrame(
        {
            'x': x,
            'y': x + rng.normal(size=400) * 0.5,
            'c': np.where(x + rng.normal(size=400) > 0, 'a', 'b'),
        }
    )
    train, test = real.iloc[:300].reset_index(drop=True), real.iloc[300:].reset_index(drop=True)
    synthetic = train.sample(frac=1, random_state=1).reset_index(drop=True)
    synthetic['y'] = rng.permutation(synthetic['y'])
    synthetic.loc[:29, 'x'] = np.nan
    metadata = Metadata.detect_from_dataframes({'t': real})
    return train, test, synthetic, metadata


def test_quality_scores_are_the_numbers_of_evaluate_fidelity(tables):
    # Setup
    train, _, synthetic, metadata = tables
    fidelity = evaluate_fidelity(train, synthetic, metadata)
    properties = fidelity.properties.set_index('Property')['Score']

    # Run
    scores = quality_scores({'t': train}, {'t': synthetic}, metadata)

    # Assert
    assert scores == {
        'quality': fidelity.score,
        'column_shapes': properties['Column Shapes'],
        'column_pair_trends': properties['Column Pair Trends'],
    }
    assert all(isinstance(value, float) for value in scores.values())
    assert scores['quality'] == pytest.approx(
        (scores['column_shapes'] + scores['column_pair_trends']) / 2
    )


def test_score_synthetic_adds_xgboost_utility_and_the_missing_share(tables):
    # Setup
    train, test, synthetic, metadata = tables
    pytest.importorskip('xgboost')
    utility = evaluate_utility(test, synthetic, 'c', metadata, models=['xgboost'], seed=5)
    expected = utility.scores.set_index('Metric')['Score']

    # Run
    scores = score_synthetic(train, synthetic, metadata, test, 'c', seed=5)

    # Assert
    assert list(scores) == [
        'quality',
        'column_shapes',
        'column_pair_trends',
        'xgboost_accuracy',
        'xgboost_f1',
        'xgboost_auroc',
        'detection_auc',
        'synthetic_missing_share',
    ]
    assert scores['quality'] == quality_scores(train, synthetic, metadata)['quality']
    assert scores['xgboost_accuracy'] == expected['accuracy']
    assert scores['xgboost_f1'] == expected['f1']
    assert scores['xgboost_auroc'] == expected['auroc']
    assert scores['synthetic_missing_share'] == pytest.approx(30 / synthetic.size)


def test_score_synthetic_without_test_rows_and_without_target(tables):
    # Setup
    train, test, synthetic, metadata = tables

    # Run
    scores = score_synthetic(train, {'t': synthetic}, metadata)

    # Assert
    assert list(scores) == [
        'quality',
        'column_shapes',
        'column_pair_trends',
        'synthetic_missing_share',
    ]
    with pytest.raises(ValueError, match="'target' is None"):
        score_synthetic(train, synthetic, metadata, test_data=test)
