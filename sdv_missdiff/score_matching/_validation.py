"""Validation of incomplete tables given to the score matching estimators."""

import numpy as np
import pandas as pd

from sdv_missdiff.score_matching.errors import InvalidMissingDataError

_MAX_LISTED = 10


def _format_items(items):
    items = list(items)
    shown = ', '.join(repr(item) for item in items[:_MAX_LISTED])
    if len(items) > _MAX_LISTED:
        shown += f' and {len(items) - _MAX_LISTED} more'

    return shown


def validate_missing_data(data, dim=None):
    """Turn an incomplete table into a float array with NaN and a boolean observation mask.

    Every problem is collected and reported at once.

    Args:
        data (numpy.ndarray or pandas.DataFrame):
            Table of shape ``(n, d)``; missing cells are ``NaN`` (or ``None`` / ``pd.NA``).
        dim (int or None):
            Expected number of columns, for example the dimension of the energy model.
            Defaults to ``None`` (not checked).

    Returns:
        tuple[numpy.ndarray, numpy.ndarray, list[str]]:
            The values as ``float64`` with ``NaN`` where missing, the mask (``True`` = observed)
            and the column names (``'0'``, ``'1'``, ... for arrays).

    Raises:
        InvalidMissingDataError:
            If the table is not two-dimensional, has non-numeric or infinite values, a column
            without any observed value, a row without any observed value, or the wrong number
            of columns.
    """
    if isinstance(data, pd.DataFrame):
        columns = [str(column) for column in data.columns]
        non_numeric = [
            str(column)
            for column in data.columns
            if not (
                pd.api.types.is_numeric_dtype(data[column])
                and not pd.api.types.is_bool_dtype(data[column])
            )
            and not data[column].isna().all()
        ]
        if non_numeric:
            raise InvalidMissingDataError(
                f'Columns {_format_items(non_numeric)} are not numeric. Score matching models '
                'continuous columns only: drop these columns or encode them as numbers first.'
            )

        values = data.astype('float64').to_numpy()
    else:
        array = np.asarray(data)
        if array.dtype.kind not in 'fiu':
            try:
                array = array.astype('float64')
            except (TypeError, ValueError) as error:
                raise InvalidMissingDataError(
                    f'The data has dtype {array.dtype} and cannot be read as numbers. Pass a '
                    'numeric array or a DataFrame of numeric columns, with NaN for missing cells.'
                ) from error

        values = array.astype('float64')
        columns = [str(index) for index in range(values.shape[1])] if values.ndim == 2 else []

    if values.ndim != 2:
        raise InvalidMissingDataError(
            f'The data must be two-dimensional (rows x columns), got shape {values.shape}.'
        )

    problems = []
    if dim is not None and values.shape[1] != dim:
        problems.append(f'the data has {values.shape[1]} columns but the model has dimension {dim}')

    if values.shape[0] == 0:
        problems.append('the data has no rows')

    infinite = np.isinf(values)
    if infinite.any():
        bad = [columns[j] for j in np.flatnonzero(infinite.any(axis=0))]
        problems.append(f'columns {_format_items(bad)} contain infinite values (use NaN instead)')

    mask = ~np.isnan(values)
    empty_columns = [columns[j] for j in np.flatnonzero(~mask.any(axis=0))]
    if values.shape[0] and empty_columns:
        problems.append(
            f'columns {_format_items(empty_columns)} have no observed value: drop them, '
            'nothing can be learnt about them'
        )

    empty_rows = np.flatnonzero(~mask.any(axis=1))
    if len(empty_rows):
        problems.append(
            f'{len(empty_rows)} rows have no observed value (row positions '
            f'{_format_items(empty_rows.tolist())}): drop them first, for example with '
            "``data.dropna(how='all')``"
        )

    if problems:
        raise InvalidMissingDataError(
            'Invalid data for score matching: ' + '; '.join(problems) + '.'
        )

    return values, mask, columns
