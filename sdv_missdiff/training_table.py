"""The table MissDiff trains on: checks of the user's table, then the rows handed to the model.

``check_training_table`` collects everything MissDiff cannot train on, all at once, before SDV
preprocesses the table; ``training_rows`` turns SDV's processed table into the rows the
encoder and the model see, under the synthesizer's ``missing_data_strategy``.
"""

import warnings
from collections import Counter

import numpy as np
import pandas as pd
from pandas.tseries.api import guess_datetime_format
from sdv.errors import InvalidDataError

from sdv_missdiff.encoding import fill_with_mean_and_mode

# Distinct values whose format is guessed to describe a datetime column that does not parse.
_MAX_FORMAT_GUESSES = 1_000


def _datetime_formats(values):
    """Count the rows of each format among ``values``: ``{format: (rows, example)}``."""
    counts = Counter()
    first = {}
    distinct = values.astype(str).value_counts(sort=False)
    for value, rows in distinct.iloc[:_MAX_FORMAT_GUESSES].items():
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')  # pandas warns about day-first guesses
            found = guess_datetime_format(value) or 'unrecognised'

        counts[found] += int(rows)
        first.setdefault(found, value)

    return {found: (count, first[found]) for found, count in counts.most_common()}


def check_datetime_column(column, values, datetime_format=None):
    """Return the problem of a datetime column RDT cannot convert, or ``None``.

    Without a ``datetime_format`` in the metadata, RDT parses the column with the format of its
    first value and stops deep inside with 'Data does not match specified datetime format.',
    naming no column. With a format SDV's own validation names the column, so only columns
    without one are checked.

    Args:
        column (str):
            The column name.
        values (pandas.Series):
            The column as given to ``fit``.
        datetime_format (str or None):
            The metadata's ``datetime_format`` of the column. Defaults to ``None``.

    Returns:
        str or None:
            The error message, naming the column and the formats found.
    """
    if datetime_format or pd.api.types.is_datetime64_any_dtype(values):
        return None

    observed = values.dropna()
    if pd.api.types.is_numeric_dtype(observed):
        return None  # RDT reads numbers as timestamps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            pd.to_datetime(observed)
    except (ValueError, TypeError, OverflowError):
        pass
    else:
        return None

    formats = _datetime_formats(observed)
    described = ', '.join(
        f"'{found}' ({count} row{'s' if count > 1 else ''}, e.g. {example!r})"
        for found, (count, example) in formats.items()
    )
    return (
        f"Column '{column}' has sdtype 'datetime' but its values do not share one format; found "
        f'{described}. Convert them to one format (for example with '
        "pandas.to_datetime(values, format='mixed')) or fix the unrecognised values, or set "
        "the column's 'datetime_format' in the metadata to report every value that does not "
        'match it.'
    )


def check_training_table(table_data, modeled_columns, column_metadata, missing_data_strategy):
    """Collect every problem of ``table_data`` that MissDiff cannot train on.

    Args:
        table_data (pandas.DataFrame):
            The table given to ``fit``.
        modeled_columns (list[str]):
            The columns the model learns (not keys or PII).
        column_metadata (dict):
            The metadata of each column (``sdtype``, ``datetime_format``, ...).
        missing_data_strategy (str):
            The synthesizer's ``missing_data_strategy``.

    Returns:
        list[str]:
            One message per problem; empty when the table can be fitted.
    """
    errors = []
    if not len(table_data):
        errors.append('The table has no rows; MissDiff needs at least one row to fit.')

    for column in modeled_columns:
        values = table_data[column]
        metadata = column_metadata.get(column, {})
        if len(values) and values.isna().all():
            errors.append(
                f"Column '{column}' has no observed value, so nothing can be learned about "
                'it. Drop the column or set its sdtype to one SDV generates (for example '
                "'id' or a PII sdtype)."
            )
        elif metadata.get('sdtype') == 'datetime':
            problem = check_datetime_column(column, values, metadata.get('datetime_format'))
            if problem:
                errors.append(problem)
        elif pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if np.isinf(values.to_numpy(dtype=float, na_value=np.nan)).any():
                errors.append(
                    f"Column '{column}' contains infinite values. Replace them with NaN "
                    '(missing) or finite numbers before fitting.'
                )

    if missing_data_strategy == 'drop' and modeled_columns and len(table_data):
        if not table_data[modeled_columns].notna().all(axis=1).any():
            errors.append(
                "missing_data_strategy='drop' keeps only complete rows, and no row is "
                "complete. Use missing_data_strategy='mask'."
            )

    return errors


def training_rows(processed_data, discrete_columns, missing_data_strategy):
    """The rows of SDV's processed table that the model trains on.

    Args:
        processed_data (pandas.DataFrame):
            The processed table, NaN where a cell is missing.
        discrete_columns (list[str]):
            Columns encoded by level (filled with their mode by ``'mean'``).
        missing_data_strategy (str):
            ``'mask'`` keeps every row with an observed cell (rows with none carry nothing
            and are left out, with a warning), ``'mean'`` fills every hole with the column's
            mean or mode, ``'drop'`` keeps the complete rows only.

    Returns:
        pandas.DataFrame:
            The training rows, with a ``RangeIndex``.

    Raises:
        InvalidDataError:
            If a processed column has no observed value or fewer than 2 rows remain.
    """
    empty = [column for column in processed_data if processed_data[column].isna().all()]
    if empty:
        raise InvalidDataError(
            [f"Column '{column}' has no observed value after preprocessing." for column in empty]
        )

    data = processed_data.reset_index(drop=True)
    if missing_data_strategy == 'mean':
        data = fill_with_mean_and_mode(data, discrete_columns)
    elif missing_data_strategy == 'drop':
        data = data.dropna().reset_index(drop=True)
    else:
        empty_rows = data.isna().all(axis=1)
        if empty_rows.any():
            warnings.warn(
                f'{int(empty_rows.sum())} row(s) have every modeled cell missing. They carry no '
                'information for the model and were left out of training.',
                stacklevel=3,
            )
            data = data[~empty_rows].reset_index(drop=True)

    if not len(data):
        raise InvalidDataError(['No usable row remains for training; at least one is needed.'])

    return data
