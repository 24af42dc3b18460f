"""Helpers shared by the evaluation functions: inputs, metadata and sdtypes."""

import warnings

import numpy as np
import pandas as pd

DISCRETE_SDTYPES = frozenset({'categorical', 'boolean', 'ordinal'})
CONTINUOUS_SDTYPES = frozenset({'numerical', 'datetime'})


def get_table(data, argument_name):
    """Return a DataFrame from a DataFrame or a one-table ``{name: DataFrame}`` dict.

    Args:
        data (pandas.DataFrame or dict):
            The table, or SDV's single-table dict ``{'t': df}``.
        argument_name (str):
            Name of the argument, used in error messages.

    Returns:
        pandas.DataFrame:
            The table.
    """
    if isinstance(data, dict):
        if len(data) != 1:
            raise ValueError(
                f'`{argument_name}` must hold exactly one table, got {len(data)} '
                f'({list(data)}). Pass the DataFrame of the table to evaluate.'
            )

        data = next(iter(data.values()))

    if not isinstance(data, pd.DataFrame):
        raise TypeError(
            f'`{argument_name}` must be a pandas.DataFrame or a one-table dict of DataFrames, '
            f'got {type(data).__name__}.'
        )

    return data


def get_table_metadata(data, metadata=None):
    """Return the single-table metadata dict (``{'columns': {...}, ...}``) for ``data``.

    Args:
        data (pandas.DataFrame):
            The table; used to detect the metadata when none is given.
        metadata (sdv.metadata.Metadata, dict or None):
            SDV ``Metadata`` with one table, its ``to_dict()``, or an SDMetrics single-table
            dict. Defaults to None (detected with ``Metadata.detect_from_dataframes``).

    Returns:
        dict:
            The single-table metadata dict.
    """
    if metadata is None:
        from sdv.metadata import Metadata

        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            metadata = Metadata.detect_from_dataframes({'table': data})

    if hasattr(metadata, 'to_dict'):
        metadata = metadata.to_dict()

    if not isinstance(metadata, dict):
        raise TypeError(
            '`metadata` must be an SDV Metadata, a metadata dict or None, '
            f'got {type(metadata).__name__}.'
        )

    if 'tables' in metadata:
        tables = metadata['tables']
        if len(tables) != 1:
            raise ValueError(
                f'`metadata` describes {len(tables)} tables ({list(tables)}); pass the metadata '
                'of the single table to evaluate.'
            )

        metadata = next(iter(tables.values()))

    columns = metadata.get('columns', {})
    missing = [column for column in data.columns if column not in columns]
    if missing:
        raise ValueError(
            f'Columns {missing} are in the data but not in `metadata`. Add them to the metadata '
            'or drop them from the data.'
        )

    return metadata


def check_same_columns(real_data, synthetic_data):
    """Raise a clear error when the real and synthetic tables have different columns."""
    only_real = [column for column in real_data.columns if column not in synthetic_data.columns]
    only_synthetic = [
        column for column in synthetic_data.columns if column not in real_data.columns
    ]
    if only_real or only_synthetic:
        raise ValueError(
            'The real and synthetic tables must have the same columns. '
            f'Only in real_data: {only_real}; only in synthetic_data: {only_synthetic}.'
        )


def datetime_seconds(values):
    """Seconds since 1970 of a datetime column (strings of mixed formats, time zones, NaT).

    Time-zone-aware values count from the UTC epoch; what cannot be read is NaN.
    """
    moments = pd.to_datetime(values, errors='coerce', format='mixed')
    if getattr(moments.dt, 'tz', None) is not None:
        moments = moments.dt.tz_convert(None)

    return (moments - pd.Timestamp('1970-01-01')).dt.total_seconds()


def category_label(value):
    """A discrete cell's label: numbers by value, so 1, 1.0 and 1.0 of another dtype agree.

    A table whose integer category comes back as floats (a system that returns every number as
    float, or a column with holes) must still match the real table's levels.
    """
    if isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_)):
        return repr(float(value))

    return str(value)
