import warnings

import numpy as np
import pandas as pd
import pytest
from sdmetrics.reports import QualityReport
from sdv.metadata import Metadata

from sdv_missdiff.evaluation import evaluate_fidelity
from sdv_missdiff.missingness import simulate_missing


@pytest.fixture
def tables():
    rng = np.random.default_rng(0)
    x = rng.normal(size=300)
    real = pd.DataFrame(
        {
            'x': x,
            'y': x + rng.normal(size=300) * 0.5,
            'c': np.where(x > 0, 'a', 'b'),
            'd': np.where((x > 0) ^ (rng.random(300) < 0.1), 'u', 'v'),
        }
    )
    synthetic = real.sample(frac=1, random_state=1).reset_index(drop=True)
    synthetic['y'] = rng.permutation(synthetic['y'])
    metadata = Metadata.detect_from_dataframes({'t': real})
    return real, synthetic, metadata


def test_complete_data_matches_sdmetrics_quality_report(tables):
    # Setup
    real, synthetic, metadata = tables
    report = QualityReport()
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        report.generate({'t': real}, {'t': synthetic}, metadata.to_dict(), verbose=False)

    # Run
    result = evaluate_fidelity({'t': real}, {'t': synthetic}, metadata)

    # Assert
    assert result.reference == 'complete data'
    assert result.score == pytest.approx(report.get_score())
    expected = report.get_details('Column Pair Trends')['Score'].to_numpy()
    np.testing.assert_allclose(result.column_pair_trends['Score'].to_numpy(), expected)
    assert len(result.column_shapes) == 4


def test_observed_cells_drop_missing_pairwise(tables):
    # Setup
    real, synthetic, metadata = tables
    masked, _ = simulate_missing(real, 'mcar_independent', 0.3, seed=0)

    # Run
    result = evaluate_fidelity(masked, synthetic, metadata)
    expected = evaluate_fidelity(masked[['c', 'd']].dropna(), synthetic[['c', 'd']], None)

    # Assert: the categorical pair is scored on rows where both are observed only
    pairs = result.column_pair_trends.set_index(['Column 1', 'Column 2'])
    assert result.reference == 'observed cells'
    assert result.real_missing_rate == pytest.approx(masked.isna().to_numpy().mean())
    assert pairs.loc[('c', 'd'), 'Score'] == pytest.approx(expected.column_pair_trends['Score'][0])
    assert pairs['Score'].notna().all()
    assert pairs.loc[('c', 'd'), 'Score'] < 1


def test_visualization_and_bad_property(tables):
    # Setup
    real, synthetic, metadata = tables
    result = evaluate_fidelity(real, synthetic, metadata)

    # Run
    figure = result.get_visualization('Column Shapes')

    # Assert
    assert 'complete data' in figure.layout.title.text
    with pytest.raises(ValueError, match="Unknown property 'Shapes'"):
        result.get_visualization('Shapes')
