import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.score_matching import InvalidMissingDataError
from sdv_missdiff.score_matching._validation import validate_missing_data


def test_dataframe_with_nan_gives_mask_and_names():
    # Setup
    data = pd.DataFrame({'a': [1.0, np.nan, 3.0], 'b': [np.nan, 2, 5]})

    # Run
    values, mask, columns = validate_missing_data(data)

    # Assert
    assert columns == ['a', 'b']
    np.testing.assert_array_equal(mask, [[True, False], [False, True], [True, True]])
    assert values[2, 1] == 5.0


def test_every_problem_is_reported_at_once():
    # Setup
    data = pd.DataFrame({'a': [1.0, np.nan, 3.0], 'empty': [np.nan] * 3, 'c': [1.0, np.nan, 2]})

    # Run and Assert
    with pytest.raises(InvalidMissingDataError) as error:
        validate_missing_data(data)

    message = str(error.value)
    assert "'empty'" in message
    assert '1 rows have no observed value' in message
    assert "dropna(how='all')" in message


def test_non_numeric_columns_are_named():
    # Setup
    data = pd.DataFrame({'age': [1.0, 2.0], 'city': ['a', 'b'], 'ok': [True, False]})

    # Run and Assert
    with pytest.raises(InvalidMissingDataError, match="'city', 'ok'.*not numeric"):
        validate_missing_data(data)


def test_wrong_dimension_and_infinite_values():
    # Setup
    data = np.array([[1.0, np.inf], [2.0, 3.0]])

    # Run and Assert
    with pytest.raises(InvalidMissingDataError, match='model has dimension 3.*infinite'):
        validate_missing_data(data, dim=3)
