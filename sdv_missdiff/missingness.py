"""Simulate missing values in a complete table: MCAR, MAR and MNAR mechanisms.

One entry point, :func:`simulate_missing`, hides cells of a ``pandas.DataFrame`` with one of the
mechanisms of the MissDiff paper (appendix D.1) plus a self-masking MNAR variant:

* ``'mcar_independent'``: every cell goes missing independently with probability ``rate``.
* ``'mcar_row'``: every row loses exactly ``floor(d * rate)`` cells, ``d`` the number of columns
  allowed to go missing.
* ``'mcar_column'``: every column loses exactly ``floor(n * rate)`` cells, ``n`` the number of rows.
* ``'mar'``: a fixed subset of columns stays observed; each other column goes missing through a
  logistic model of the observed columns with random weights. Every column's intercept is found
  by bisection so that its expected missing rate is ``rate``.
* ``'mnar'``: the same logistic model, but its input columns are themselves hidden completely at
  random with probability ``rate``, so the missingness of the other columns depends on values that
  may be unobserved.
* ``'mnar_self'``: each column goes missing through a logistic model of its own (standardised)
  value, so a value's own size drives its missingness.

The logistic models are those of the widely used ``MAR_mask`` / ``MNAR_mask_logistic`` /
``MNAR_self_mask_logistic`` simulation code (Muzellec et al. 2020, reused by hyperimpute).

Each mechanism is one function of :mod:`sdv_missdiff.missingness_mechanisms` and one entry of
the registry ``_MECHANISM_MASKS`` here (:data:`MECHANISMS` lists its names): a function of a
``MaskRequest`` returning a boolean DataFrame with the table's index and the columns the
mechanism may hide (True = hidden). To add one, write the function there, add the entry here.
"""

import numpy as np
import pandas as pd

from sdv_missdiff._validation import (
    check_choice,
    check_integer,
    check_number,
    is_integer,
    is_number,
)
from sdv_missdiff.missingness_mechanisms import (
    MaskRequest,
    mask_mar,
    mask_mcar_column,
    mask_mcar_independent,
    mask_mcar_row,
    mask_mnar,
    mask_mnar_self,
    select_columns,
)

_DEFAULT_INPUT_FRACTION = 0.3


def _check_share(name, value, interval):
    """Raise TypeError if ``value`` is not a number, ValueError if it is not in ``interval``."""
    what = f'a number in {interval}'
    if not is_number(value):
        check_number(name, value, what=what, error=TypeError)

    check_number(name, value, 0, strict=interval[0] == '(', what=what, error=ValueError)
    if value > 1 or (value == 1 and interval[-1] == ')'):
        # ``check_number`` has no upper bound: same message, raised here.
        raise ValueError(f"Invalid value {value!r} for '{name}': it must be {what}.")


def _get_rng(seed):
    """Return a ``numpy.random.Generator`` from an int, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed

    error = ValueError if is_integer(seed) else TypeError  # a negative int is a ValueError
    check_integer('seed', seed, 0, '(fresh entropy) or a numpy.random.Generator', error=error)
    return np.random.default_rng(seed)


# The registry: mechanism name -> function of a ``MaskRequest`` returning its mask DataFrame.
_MECHANISM_MASKS = {
    'mcar_independent': mask_mcar_independent,
    'mcar_row': mask_mcar_row,
    'mcar_column': mask_mcar_column,
    'mar': mask_mar,
    'mnar': mask_mnar,
    'mnar_self': mask_mnar_self,
}
MECHANISMS = tuple(_MECHANISM_MASKS)


def _apply_mask(data, mask):
    """Return a copy of ``data`` with the cells of ``mask`` set to missing, keeping dtypes."""
    masked = data.copy()
    for column in mask.columns:
        values = data[column]
        hidden = mask[column].to_numpy()
        dtype = values.dtype
        if pd.api.types.is_bool_dtype(dtype) and not isinstance(dtype, pd.BooleanDtype):
            values = values.astype('boolean')
        elif pd.api.types.is_integer_dtype(dtype) and not isinstance(
            dtype, pd.api.extensions.ExtensionDtype
        ):
            values = values.astype('float64')

        masked[column] = values.mask(hidden)

    return masked


def simulate_missing(
    data,
    mechanism,
    rate,
    columns=None,
    seed=None,
    *,
    observed_columns=None,
    input_fraction=_DEFAULT_INPUT_FRACTION,
):
    """Hide cells of a table with an MCAR, MAR or MNAR mechanism.

    The rate is counted over the cells of the columns allowed to go missing: ``columns`` for the
    MCAR mechanisms, ``'mnar'`` and ``'mnar_self'``, and ``columns`` minus the columns that stay
    observed for ``'mar'``. ``'mcar_independent'``, ``'mar'``, ``'mnar'`` and ``'mnar_self'`` hit
    that rate in expectation (the logistic intercepts are fitted so each column's expected rate is
    ``rate``); ``'mcar_row'`` and ``'mcar_column'`` hide exactly ``floor(d * rate)`` cells per row
    and ``floor(n * rate)`` cells per column.

    Which columns stay observed for ``'mar'``: ``observed_columns`` when given; else the columns
    left out of ``columns``; else (``columns`` is None or lists every column) a random
    ``input_fraction`` share of the columns (at least one). For ``'mnar'`` a random
    ``input_fraction`` share of the columns allowed to go missing are the logistic inputs, and
    they are themselves hidden completely at random with probability ``rate``.

    Dtypes: floats, datetimes (``NaT``), categoricals, strings and pandas nullable dtypes keep
    their dtype. Integer columns allowed to go missing become ``float64`` with ``NaN`` (what pandas
    does; nullable ``Int64`` columns stay ``Int64`` with ``pd.NA``), and ``bool`` columns become
    pandas' nullable ``'boolean'`` dtype with ``pd.NA``, even where no cell ends up hidden, so the
    output dtypes do not depend on the draw. Columns not allowed to go missing are untouched.

    Cells that are already missing in ``data`` stay missing; the mechanism may draw them again, in
    which case ``mask`` is True there as well.

    Args:
        data (pandas.DataFrame):
            The table. It is never modified.
        mechanism (str):
            One of ``'mcar_independent'``, ``'mcar_row'``, ``'mcar_column'``, ``'mar'``,
            ``'mnar'`` and ``'mnar_self'``.
        rate (float):
            Target missing rate, in ``[0, 1)``.
        columns (list[str] or str or None):
            Columns allowed to go missing. Defaults to None (all columns).
        seed (int, numpy.random.Generator or None):
            Seed or generator for every random draw. Defaults to None (fresh entropy).
        observed_columns (list[str] or None):
            ``'mar'`` only: the columns that stay observed and drive the missingness.
            Defaults to None (see above).
        input_fraction (float):
            ``'mar'`` and ``'mnar'``: share of the candidate columns picked at random as the
            logistic model's inputs when they are not given. Defaults to 0.3.

    Returns:
        tuple[pandas.DataFrame, pandas.DataFrame]:
            The masked copy of ``data`` and a boolean mask with the same index and columns
            (True = hidden by this call).

    Raises:
        TypeError:
            If ``data`` is not a DataFrame, ``rate`` or ``input_fraction`` is not a number, or
            ``seed`` is neither an int, a Generator nor None.
        ValueError:
            If the mechanism is unknown, ``rate`` is outside ``[0, 1)``, ``input_fraction``
            outside ``(0, 1]``, a column is not in the data, or the mechanism needs more columns
            than it is given.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f'`data` must be a pandas.DataFrame, got {type(data).__name__}.')

    check_choice('mechanism', mechanism, _MECHANISM_MASKS, error=ValueError)
    _check_share('rate', rate, '[0, 1)')
    _check_share('input_fraction', input_fraction, '(0, 1]')

    if observed_columns is not None and mechanism != 'mar':
        raise ValueError(
            f"`observed_columns` only applies to mechanism='mar', not {mechanism!r}. "
            'Remove it or switch the mechanism.'
        )

    if data.columns.has_duplicates:
        duplicated = data.columns[data.columns.duplicated()].tolist()
        raise ValueError(f'`data` has duplicated column names {duplicated}; rename them first.')

    rng = _get_rng(seed)
    maskable = select_columns(data, columns, 'columns')
    request = MaskRequest(data, maskable, float(rate), rng, observed_columns, input_fraction)
    hidden = _MECHANISM_MASKS[mechanism](request)
    mask = pd.DataFrame(False, index=data.index, columns=data.columns)
    mask[list(hidden.columns)] = hidden.to_numpy()
    return _apply_mask(data, hidden), mask
