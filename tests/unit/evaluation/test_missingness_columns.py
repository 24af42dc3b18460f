import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.evaluation.missingness_columns import co_missingness_rows, rate_rows


def test_rate_and_co_missingness_numbers():
    # Setup
    real = pd.DataFrame({'a': [1.0, np.nan, 3.0, np.nan], 'b': ['x', None, 'y', 'y']})
    synthetic = pd.DataFrame({'a': [1.0, 2.0, 3.0, np.nan], 'b': ['x', 'y', None, 'y']})
    real_missing = real.isna().astype(float)
    synthetic_missing = synthetic.isna().astype(float)

    # Run
    rate = rate_rows(['a', 'b'], real_missing, synthetic_missing)
    co_missing = co_missingness_rows(['a', 'b'], real_missing, synthetic_missing)

    # Assert
    rates = pd.DataFrame(rate).set_index('Column 1')
    assert rates.loc['a', 'Real'] == 0.5
    assert rates.loc['a', 'Synthetic'] == 0.25
    assert rates.loc['a', 'Score'] == 0.75
    assert len(co_missing) == 1
    assert co_missing[0]['Real'] == pytest.approx(np.corrcoef([0, 1, 0, 1], [0, 1, 0, 0])[0, 1])
    assert co_missing[0]['Synthetic'] == pytest.approx(
        np.corrcoef([0, 0, 0, 1], [0, 0, 1, 0])[0, 1]
    )
    assert all(0 <= row['Score'] <= 1 for row in rate + co_missing)
