"""The user's known cells: checked against the fit before sampling, pasted back after it.

A known cell is a condition (``sample_from_conditions``), a value of ``sample_remaining_columns``
or an observed cell of ``impute``. It reaches the model in the processed space and comes back
through SDV's reverse transforms, which may round or clip it; the user's own value is pasted
back once at the end.
"""

import numpy as np
import pandas as pd

from sdv_missdiff import sdv_private
from sdv_missdiff.errors import MissDiffInputError


def paste_known(sampled, known, given):
    """Put the given cells of ``known`` into ``sampled`` (same index), values and dtypes intact.

    Args:
        sampled (pandas.DataFrame):
            Generated rows; its index is a subset of ``known``'s.
        known (pandas.DataFrame):
            The known cells, as the user gave them.
        given (pandas.DataFrame):
            Boolean frame like ``known``: True where the cell is returned as given.

    Returns:
        pandas.DataFrame:
            ``sampled`` with the given cells of ``known``.
    """
    rows = sampled.index
    for column in known.columns:
        value = known.loc[rows, column]
        if given[column].all():
            sampled[column] = value
        else:
            sampled[column] = value.where(given.loc[rows, column], sampled[column])

    return sampled


def fitted_ranges(processed_data, encoder):
    """``{processed column: (min, max)}`` of the observed values of each numerical column."""
    ranges = {}
    for column, kind in zip(encoder.columns, encoder.column_kinds):
        numerical = kind in ('continuous', 'whole_number_levels')
        if numerical and column in processed_data.columns:
            values = pd.to_numeric(processed_data[column], errors='coerce').dropna()
            if len(values):
                ranges[column] = (float(values.min()), float(values.max()))

    return ranges


def check_known_in_range(synthesizer, known_table):
    """Refuse known values outside the range of ``fit``, which min/max enforcement clips.

    Args:
        synthesizer (MissDiffSynthesizer):
            The fitted synthesizer.
        known_table (pandas.DataFrame):
            User-space known columns.

    Raises:
        MissDiffInputError:
            Naming each column with a value outside its fitted range, and the range.
    """
    if not synthesizer.enforce_min_max_values or not synthesizer._fitted_ranges:
        return

    processed = sdv_private.transform_known(synthesizer, known_table).reset_index(drop=True)
    constraints = getattr(synthesizer, '_chained_constraints', None) or []
    user_names = {new: old for old, new in sdv_private.renamed_low_columns(constraints).items()}
    errors = []
    for column, (low, high) in synthesizer._fitted_ranges.items():
        user_column = user_names.get(column, column)
        if column not in processed.columns or user_column not in known_table.columns:
            continue

        values = pd.to_numeric(processed[column], errors='coerce').to_numpy()
        slack = 1e-9 * max(abs(low), abs(high), 1.0)  # the float round trip of the transform
        outside = np.flatnonzero((values < low - slack) | (values > high + slack))
        if not len(outside):
            continue

        bounds = sdv_private.ColumnCodec(synthesizer).decode(pd.DataFrame({column: [low, high]}))
        low_value, high_value = bounds[column]
        value = known_table[user_column].iloc[outside[0]]
        errors.append(
            f"Column '{user_column}' is asked for {value} (in {len(outside)} row(s)), "
            f'outside the range seen in fit, {low_value} to {high_value}. With '
            'enforce_min_max_values=True no sampled value leaves that range, so the '
            'condition cannot hold: ask for a value inside it, or create the synthesizer '
            'with enforce_min_max_values=False.'
        )

    if errors:
        raise MissDiffInputError('\n'.join(errors))
