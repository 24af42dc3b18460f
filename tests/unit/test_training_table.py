import numpy as np
import pandas as pd
import pytest
from sdv.errors import InvalidDataError
from sdv.metadata import Metadata

from sdv_missdiff.training_table import check_datetime_column, training_rows

MIXED = pd.Series(['2020-01-05', '05/01/2020', 'Jan 5 2020', np.nan, '2020-02-01', 'soon'])


def _metadata(datetime_format=None):
    when = {'sdtype': 'datetime'}
    if datetime_format:
        when['datetime_format'] = datetime_format

    columns = {'x': {'sdtype': 'numerical'}, 'when': when}
    return Metadata.load_from_dict({'tables': {'t': {'columns': columns}}})


def test_mixed_datetime_formats_name_the_column_and_the_formats():
    # Run
    problem = check_datetime_column('when', MIXED)

    # Assert
    assert problem.startswith("Column 'when' has sdtype 'datetime'")
    assert "'%Y-%m-%d' (2 rows, e.g. '2020-01-05')" in problem
    assert "'%m/%d/%Y' (1 row, e.g. '05/01/2020')" in problem
    assert "'%b %d %Y'" in problem
    assert "'unrecognised' (1 row, e.g. 'soon')" in problem


@pytest.mark.parametrize(
    'values',
    [
        pd.Series(['2020-01-05', np.nan, '2021-12-31']),
        pd.Series(pd.to_datetime(['2020-01-05', '2021-12-31'])),
        pd.Series([1.6e18, np.nan]),
    ],
    ids=['one format', 'datetime64', 'timestamps'],
)
def test_datetimes_that_rdt_converts_pass(values):
    # Run and Assert
    assert check_datetime_column('when', values) is None


def test_training_rows_leaves_out_empty_rows_with_a_warning():
    # Setup
    data = pd.DataFrame({'x': [1.0, np.nan, 3.0], 'c': ['a', np.nan, np.nan]}, index=[5, 6, 7])

    # Run
    with pytest.warns(UserWarning, match='1 row'):
        rows = training_rows(data, ['c'], 'mask')

    # Assert
    pd.testing.assert_frame_equal(rows, data.loc[[5, 7]].reset_index(drop=True))


def test_training_rows_fills_or_drops_holes_for_the_baselines():
    data = pd.DataFrame({'x': [1.0, np.nan, 3.0], 'c': ['a', 'a', np.nan]})
    filled = training_rows(data, ['c'], 'mean')
    assert filled['x'].tolist() == [1.0, 2.0, 3.0] and filled['c'].tolist() == ['a'] * 3
    assert training_rows(data, ['c'], 'drop')['x'].tolist() == [1.0]  # one complete row
    with pytest.raises(InvalidDataError, match='No usable row remains'):
        training_rows(data.iloc[1:], ['c'], 'drop')


def test_training_rows_names_a_column_left_empty_by_preprocessing():
    data = pd.DataFrame({'x': [1.0, 2.0], 'gone': [np.nan, np.nan]})
    with pytest.raises(InvalidDataError, match="Column 'gone' has no observed value"):
        training_rows(data, [], 'mask')
