"""Keep missing cells missing through SDV's constraints, so the model never trains on a fill.

SDV 2.0's constraints rewrite the columns they cover before the synthesizer sees them, and two
of them fill holes on the way: ``Inequality`` and ``Range`` replace a missing low value and a
missing difference by their means and record which cells were missing in a categorical
``.nan_component`` column, from which they re-insert NaN after sampling; ``FixedCombinations``
turns a missing cell into a combination of its own (``None`` inside the tuple), which sampling
then returns. For MissDiff that is impute-then-generate. :func:`restore_missing_cells` undoes
it in the processed table handed to ``_fit``: the filled cells become NaN again (left out of the
loss), combinations holding a missing value become a missing combination, and every
``.nan_component`` cell says 'nothing missing', so sampled rows come back complete.
``FixedIncrements`` and ``OneHotEncoding`` keep NaN as they are (``OneHotEncoding`` refuses
missing one-hot cells itself), and a ``ProgrammableConstraint`` is the user's own code.

The private attributes of SDV's constraint classes read here are listed in
``sdv_private`` (``INEQUALITY_COLUMNS``, ``RANGE_COLUMNS``, ``COMBINATION_*``); the constraint
tests (``tests/integration/test_constraints.py``) fail if SDV renames them.
"""

import pandas as pd
from sdv.cag import FixedCombinations, Inequality, Range

from sdv_missdiff import sdv_private

# The value of a ``.nan_component`` cell for a row with nothing missing (see
# ``sdv.cag._utils.get_nan_component_value``).
NOTHING_MISSING = 'None'
_NAN_COMPONENT_SEPARATOR = ', '


def _missing_columns(nan_component):
    """Per row, the set of original column names the ``.nan_component`` cell lists."""
    return nan_component.map(
        lambda value: (
            set()
            if pd.isna(value) or value == NOTHING_MISSING
            else set(str(value).split(_NAN_COMPONENT_SEPARATOR))
        )
    )


def _restore_filled_differences(data, constraint, columns, codec=None, keep_patterns=False):
    nan_column = getattr(constraint, columns['nan_component'])
    if nan_column not in data.columns:
        return data

    nan_values = data[nan_column]
    encoded = codec is not None and not _holds_labels(nan_values)
    if encoded:  # a user's transformer (LabelEncoder) made the names numbers: read them back
        nan_values = codec.decode(data[[nan_column]])[nan_column]

    missing = _missing_columns(nan_values)
    for derived_attribute, source_attributes in columns['derived'].items():
        derived = getattr(constraint, derived_attribute)
        sources = {getattr(constraint, attribute) for attribute in source_attributes}
        unknown = missing.map(lambda names, sources=sources: bool(names & sources))
        if derived in data.columns and unknown.any():
            data[derived] = data[derived].where(~unknown.to_numpy())

    if keep_patterns:  # the record stays, and the model learns it with the rest of the row
        return data

    nothing_missing = pd.DataFrame({nan_column: [NOTHING_MISSING] * len(data)}, index=data.index)
    data[nan_column] = codec.encode(nothing_missing)[nan_column] if encoded else NOTHING_MISSING
    return data


def _holds_labels(values):
    # The .nan_component as SDV writes it: 'None' or column names (text), not numbers.
    return pd.api.types.is_object_dtype(values) or pd.api.types.is_string_dtype(values)


def _restore_missing_combinations(data, constraint):
    joint_column = getattr(constraint, sdv_private.COMBINATION_JOINT_COLUMN)
    if joint_column not in data.columns:
        return data

    holey = {
        label
        for label, combination in sdv_private.combination_maps(constraint).items()
        if any(value is None or pd.isna(value) for value in combination)
    }
    if holey:
        data[joint_column] = data[joint_column].where(~data[joint_column].isin(holey))

    return data


def restore_missing_cells(processed_data, constraints, codec=None, keep_patterns=False):
    """Undo the fills SDV's constraints made in a processed table.

    Args:
        processed_data (pandas.DataFrame):
            The processed table SDV hands to ``_fit``.
        constraints (list):
            The synthesizer's chained constraints, in the order they were applied.
        codec (object or None):
            ``decode(frame)`` / ``encode(frame)`` of processed columns through SDV's fitted
            transformers (``sdv_private.ColumnCodec``), for a ``.nan_component`` column a user's
            transformer turned into numbers (``update_transformers``). Defaults to ``None``.
        keep_patterns (bool):
            Keep each constraint's own record of which of its columns are missing (the
            ``.nan_component`` cells and the combinations with a missing member) for the model
            to learn, so that sampled rows miss them together as SDV's do
            (``missing_value_generation='random'``); the filled cells are missing either way.
            Defaults to ``False`` (the record says nothing is missing: complete rows).

    Returns:
        pandas.DataFrame:
            A copy with the filled cells set to NaN and, unless ``keep_patterns``, every
            ``.nan_component`` cell set to 'nothing missing' and every combination with a
            missing member missing; ``processed_data`` itself when no constraint filled anything.
    """
    if not any(isinstance(c, (Range, Inequality, FixedCombinations)) for c in constraints):
        return processed_data  # nothing was filled: no copy of the table

    data = processed_data.copy()
    for constraint in constraints:
        if isinstance(constraint, Range):
            data = _restore_filled_differences(
                data, constraint, sdv_private.RANGE_COLUMNS, codec, keep_patterns
            )
        elif isinstance(constraint, Inequality):
            data = _restore_filled_differences(
                data, constraint, sdv_private.INEQUALITY_COLUMNS, codec, keep_patterns
            )
        elif isinstance(constraint, FixedCombinations) and not keep_patterns:
            data = _restore_missing_combinations(data, constraint)

    return data


def pattern_columns(constraints):
    """Processed columns whose holes the constraints put back themselves after sampling.

    The derived and ``.nan_component`` columns of ``Inequality`` and ``Range`` and the joint
    column of ``FixedCombinations``: under ``missing_value_generation='random'`` their cells are
    not blanked at random, since the constraint's learned record decides which are missing.
    """
    columns = set()
    for constraint in constraints:
        if isinstance(constraint, (Range, Inequality)):
            names = (
                sdv_private.RANGE_COLUMNS
                if isinstance(constraint, Range)
                else (sdv_private.INEQUALITY_COLUMNS)
            )
            columns.add(getattr(constraint, names['nan_component']))
            columns.update(getattr(constraint, derived) for derived in names['derived'])
        elif isinstance(constraint, FixedCombinations):
            columns.add(getattr(constraint, sdv_private.COMBINATION_JOINT_COLUMN))

    return columns
