import numpy as np
import pandas as pd
import pytest
from sdv.errors import InvalidDataError
from sdv.metadata import Metadata

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.table_checks import check_datetime_column

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


def test_fit_reports_mixed_datetime_formats_before_rdt_fails():
    # Setup: every value parses on its own (SDV checks that), but not with one format
    data = pd.DataFrame({'x': np.arange(5.0), 'when': MIXED.iloc[:5]})
    synthesizer = MissDiffSynthesizer(_metadata(), epochs=1)

    # Run and Assert
    with pytest.raises(InvalidDataError, match=r"Column 'when'.*'%m/%d/%Y'"):
        synthesizer.fit({'t': data})


def test_with_a_datetime_format_sdv_names_the_column_itself():
    # Setup
    data = pd.DataFrame({'x': np.arange(6.0), 'when': MIXED})
    synthesizer = MissDiffSynthesizer(_metadata('%Y-%m-%d'), epochs=1)

    # Run and Assert
    with pytest.raises(InvalidDataError, match="datetime column 'when'"):
        synthesizer.fit({'t': data})
