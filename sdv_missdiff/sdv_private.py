"""Every private SDV name sdv-missdiff relies on, in one place.

SDV 2.0 has no public API for a synthesizer that keeps NaN-known rows in conditional sampling or
fills holes, so the SDV glue (``synthesizer``, ``conditional``, ``imputation``, ``constraints``)
calls SDV's private methods and reads its private attributes only through this module.
``tests/unit/test_sdv_private.py`` checks each name against the installed SDV, so an SDV
release that renames or reshapes one fails loudly there instead of deep inside sampling.

Two kinds of names:

* what ``BaseSingleTableSynthesizer`` subclasses define or read as SDV's own synthesizers do
  (``_fit``, ``_sample``, ``_model``, ``_data_processor``, ...), listed in
  :data:`SUBCLASS_HOOKS` and used directly;
* private helpers, methods and attributes called from outside SDV's class hierarchy, wrapped by
  the functions below.
"""

import warnings

with warnings.catch_warnings():
    # When sdv_missdiff.synthesizer is imported before SDV, SDV's add-on loader meets that
    # module half-imported and cannot register it; register_addon does it once it is whole.
    warnings.filterwarnings(
        'ignore', message='Failed to load "sdv.single_table:MissDiffSynthesizer'
    )
    import sdv.single_table

import pandas as pd
from sdv._utils import _get_single_table_data
from sdv.cag import Inequality, Range
from sdv.cag._errors import ConstraintNotMetError  # private module: SDV raises it, never exports it
from sdv.single_table.base import FIXED_RNG_SEED
from sdv.single_table.utils import (
    detect_discrete_columns,
    handle_sampling_error,
    validate_folder_path_with_table_names,
)

# Defined or read by subclasses of BaseSingleTableSynthesizer, as SDV's own synthesizers do.
SUBCLASS_HOOKS = (
    '_fit',  # called by fit with the processed table
    '_preprocess',  # called by preprocess: fits SDV's data processor and transforms the table
    '_sample',  # called by sample with a number of rows
    '_model',  # the fitted model: set in _fit
    '_model_sdtype_transformers',  # class attribute: transformers per sdtype
    '_data_processor',  # SDV's DataProcessor: transform, reverse_transform, reset_sampling
    '_fitted',  # whether fit has run
    '_table_name',  # name of the single table
    '_chained_constraints',  # constraints applied to the processed table
    '_reject_sampling_constraints',  # constraints checked on sampled rows only
)

# Private methods of BaseSingleTableSynthesizer called through the wrappers below, with the
# parameters they are called with (checked by the test).
PRIVATE_METHODS = {
    '_make_condition_dfs': ('conditions',),
    '_validate_conditions': ('conditions',),
    '_validate_known_columns': ('conditions',),
    '_transform_conditions': ('condition_df',),
    '_validate_transform_constraints': ('table_data', 'enforce_constraint_fitting'),
    '_set_random_state': ('random_state',),
    '_validate_fit_before_sample': (),
    '_get_table_metadata': (),
    '_update_default_transformers': (),
}

# Private attributes of SDV's constraints (sdv.cag): the original columns, in order, then the
# processed columns each missing original column makes unknown.
INEQUALITY_COLUMNS = {
    'originals': ('_low_column_name', '_high_column_name'),
    'nan_component': '_nan_column_name',
    # processed column: the original columns it is computed from
    'derived': {
        '_fillna_low_column_name': ('_low_column_name',),
        '_diff_column_name': ('_low_column_name', '_high_column_name'),
    },
}
RANGE_COLUMNS = {
    'originals': ('_low_column_name', '_middle_column_name', '_high_column_name'),
    'nan_component': '_nan_column_name',
    'derived': {
        '_fillna_low_column_name': ('_low_column_name',),
        '_low_diff_column_name': ('_low_column_name', '_middle_column_name'),
        '_high_diff_column_name': ('_middle_column_name', '_high_column_name'),
    },
}
# The processed name of the low column of Inequality and Range (a key of 'derived' above).
FILLNA_LOW_COLUMN = '_fillna_low_column_name'
# FixedCombinations: the processed column of the joint values, and the maps from its labels to
# the combinations (SDV fills one of the two, depending on how the constraint was fitted).
COMBINATION_JOINT_COLUMN = '_joint_column'
COMBINATION_MAPS = ('_uuids_to_combinations', '_ids_to_combinations')

__all__ = (
    'COMBINATION_JOINT_COLUMN',
    'COMBINATION_MAPS',
    'INEQUALITY_COLUMNS',
    'RANGE_COLUMNS',
    'detect_discrete_columns',
    'handle_sampling_error',
    'validate_folder_path_with_table_names',
)


def register_addon(synthesizer_class):
    """Make ``synthesizer_class`` importable from ``sdv.single_table``, as the entry point does.

    SDV registers add-ons from their entry points while it imports itself; when this package was
    imported first, that registration met a half-imported module, so it is done here.
    """
    if getattr(sdv.single_table, synthesizer_class.__name__, None) is None:
        setattr(sdv.single_table, synthesizer_class.__name__, synthesizer_class)


def single_table_data(data):
    """The one DataFrame of a ``{table_name: DataFrame}`` dict, as SDV's methods accept it."""
    return _get_single_table_data(data)


def table_metadata(synthesizer):
    """The synthesizer's single-table metadata (columns, primary key)."""
    return synthesizer._get_table_metadata()


def field_transformers(synthesizer):
    """RDT transformer of each processed column, as fitted by SDV's data processor."""
    return synthesizer._data_processor._hyper_transformer.field_transformers


def reset_default_transformers(synthesizer):
    """Re-apply the synthesizer's ``_model_sdtype_transformers`` to SDV's data processor."""
    synthesizer._update_default_transformers()


def check_fitted_for_sampling(synthesizer):
    """Raise SDV's own error when the synthesizer has not been fitted."""
    synthesizer._validate_fit_before_sample()


def set_random_state(synthesizer, random_state):
    """Seed SDV's random state (ids, PII and the model's ``set_random_state``)."""
    synthesizer._set_random_state(random_state)


def ensure_random_state(synthesizer):
    """Seed with SDV's fixed seed unless a state is set, as SDV's sampling methods do."""
    if not synthesizer._random_state_set:
        synthesizer._set_random_state(FIXED_RNG_SEED)


def has_constraints(synthesizer):
    """Whether any SDV constraint (chained or reject-sampling) is set on the synthesizer."""
    return bool(
        getattr(synthesizer, '_chained_constraints', None)
        or getattr(synthesizer, '_reject_sampling_constraints', None)
    )


def condition_frames(synthesizer, conditions):
    """Turn ``Condition`` objects into DataFrames grouped as SDV groups them."""
    return synthesizer._make_condition_dfs(conditions)


def validate_conditions(synthesizer, condition_frames):
    """Raise SDV's errors for conditions on unknown or unsupported columns."""
    synthesizer._validate_conditions(condition_frames)


def validate_known_columns(synthesizer, known_columns):
    """Raise SDV's errors for known columns the synthesizer cannot condition on."""
    synthesizer._validate_known_columns(known_columns)


def transform_known(synthesizer, known_table):
    """Transform user-space known columns to the processed space, as SDV does for conditions.

    SDV's chained constraints transform only rows that hold every column they cover; for other
    known columns SDV falls back to its data processor, which drops the columns a constraint
    renamed. Here a known low column of ``Inequality`` or ``Range`` is then passed under its
    processed name (``constraints.renamed_low_columns``), so the model still conditions on it.

    Raises:
        sdv.errors.ConstraintNotMetError:
            If the known values themselves break a constraint.
    """
    # A condition's date may come as datetime64[s] (pandas 2 keeps a Timestamp's unit); RDT
    # reads the integer of a datetime column as nanoseconds, so 2020 would become 1970.
    known_table = known_table.copy()
    for column in known_table.columns:
        if pd.api.types.is_datetime64_any_dtype(known_table[column]):
            known_table[column] = known_table[column].astype('datetime64[ns]')

    constraints = getattr(synthesizer, '_chained_constraints', None)
    if not constraints:
        return synthesizer._transform_conditions(known_table)

    try:
        transformed = synthesizer._validate_transform_constraints(known_table.copy())
    except ConstraintNotMetError:
        raise ConstraintNotMetError(
            'Provided conditions are not valid for the given constraints.'
        ) from None
    except Exception:  # a constraint's columns are not all known: SDV's own fallback
        renamed = renamed_low_columns(constraints)
        transformed = known_table.rename(columns=renamed)

    return synthesizer._transform_conditions(transformed)


class ColumnCodec:
    """Processed columns to their values before SDV's fitted transformers, and back.

    Args:
        synthesizer (BaseSingleTableSynthesizer):
            A synthesizer whose data processor is fitted.
    """

    def __init__(self, synthesizer):
        self._transformer = synthesizer._data_processor._hyper_transformer

    def decode(self, frame):
        """The columns of ``frame`` as they were before the transformers."""
        return self._transformer.reverse_transform_subset(frame)

    def encode(self, frame):
        """The columns of ``frame`` through the transformers."""
        return self._transformer.transform_subset(frame)


def renamed_low_columns(constraints):
    """``{low column: processed column}`` of every ``Inequality`` and ``Range`` constraint."""
    renamed = {}
    for constraint in constraints:
        if isinstance(constraint, (Inequality, Range)):
            names = INEQUALITY_COLUMNS if isinstance(constraint, Inequality) else RANGE_COLUMNS
            low = getattr(constraint, names['originals'][0])
            renamed[low] = getattr(constraint, FILLNA_LOW_COLUMN)

    return renamed


def constraints_hold(synthesizer, rows):
    """Whether every constraint of the synthesizer holds in each user-space row.

    The chained constraints are checked one after the other, each on the rows as the ones
    before it transformed them (as SDV validates a table in ``fit``); reject-sampling
    constraints on the rows themselves.

    Returns:
        pandas.Series:
            Boolean, indexed like ``rows``.
    """
    holds = pd.Series(True, index=rows.index)
    stage = rows
    for constraint in getattr(synthesizer, '_chained_constraints', None) or []:
        valid = pd.Series(constraint.is_valid(stage), index=stage.index).astype(bool)
        holds[stage.index[~valid.to_numpy()]] = False
        stage = stage[valid.to_numpy()]
        if not len(stage):
            break

        try:
            stage = constraint.transform(stage.copy())
        except Exception:  # a later constraint cannot be checked on these rows: they keep True
            break

    for constraint in getattr(synthesizer, '_reject_sampling_constraints', None) or []:
        valid = pd.Series(constraint.is_valid(rows), index=rows.index).astype(bool)
        holds &= valid

    return holds


def combination_maps(constraint):
    """Label-to-combination map of a fitted ``FixedCombinations`` constraint."""
    for attribute in COMBINATION_MAPS:
        mapping = getattr(constraint, attribute, None)
        if mapping:
            return mapping

    return {}
