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

The logistic models follow the widely used ``MAR_mask`` / ``MNAR_mask_logistic`` /
``MNAR_self_mask_logistic`` simulation code (Muzellec et al. 2020, reused by hyperimpute):
weights drawn from a standard normal and divided by the standard deviation of the linear
predictor, then an intercept per column fitted by bisection.

Each mechanism is one entry of the registry ``_MECHANISM_MASKS`` (:data:`MECHANISMS` lists its
names): a function of a ``_MaskRequest`` returning a boolean DataFrame with the table's index and
the columns the mechanism may hide (True = hidden). To add one, write the function, add the entry.
"""

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

from sdv_missdiff._validation import (
    check_choice,
    check_integer,
    check_number,
    is_integer,
    is_number,
)

_DEFAULT_INPUT_FRACTION = 0.3
_BISECTION_STEPS = 60


class _MaskRequest(NamedTuple):
    """The arguments of every mechanism function, checked: ``columns`` may go missing.

    ``observed_columns`` is as the user gave it (only ``'mar'`` reads it); ``input_fraction`` is
    read by ``'mar'`` and ``'mnar'``; ``rng`` makes every random draw.
    """

    data: pd.DataFrame
    columns: list
    rate: float
    rng: np.random.Generator
    observed_columns: object
    input_fraction: float

    def as_mask(self, values, columns=None):
        """Wrap boolean ``values`` as a mask on ``columns`` (default: ``self.columns``)."""
        columns = self.columns if columns is None else columns
        return pd.DataFrame(values, index=self.data.index, columns=columns)


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


def _validate_columns(data, columns, argument_name):
    """Return ``columns`` as a list of column names of ``data``, in the table's order."""
    if columns is None:
        return list(data.columns)

    if isinstance(columns, str) or not hasattr(columns, '__iter__'):
        columns = [columns]

    columns = list(columns)
    unknown = [column for column in columns if column not in data.columns]
    if unknown:
        raise ValueError(
            f'`{argument_name}` contains columns that are not in the data: {unknown}. '
            f'Choose among {list(data.columns)}.'
        )

    if len(columns) == 0:
        raise ValueError(f'`{argument_name}` is empty: name at least one column or pass None.')

    wanted = set(columns)
    return [column for column in data.columns if column in wanted]


def _encode_inputs(data, columns):
    """Encode ``columns`` of ``data`` as a standardised float matrix for the logistic models.

    Numbers, datetimes and booleans are standardised; other columns are one-hot encoded (missing
    values as an all-zero block) and every dummy is standardised. Missing numbers become 0 (the
    mean) after standardising. Constant columns contribute zeros.

    Args:
        data (pandas.DataFrame):
            The table.
        columns (list[str]):
            The columns to encode.

    Returns:
        numpy.ndarray:
            A ``(n_rows, n_features)`` float array.
    """
    blocks = []
    for column in columns:
        values = data[column]
        if pd.api.types.is_bool_dtype(values) or (
            pd.api.types.is_numeric_dtype(values)
            and not isinstance(values.dtype, pd.CategoricalDtype)
        ):
            block = pd.to_numeric(values.astype('Float64'), errors='coerce')
            block = block.to_numpy(dtype=float, na_value=np.nan)[:, None]
        elif pd.api.types.is_datetime64_any_dtype(values):
            seconds = (values - values.min()).dt.total_seconds()
            block = seconds.to_numpy(dtype=float, na_value=np.nan)[:, None]
        else:
            block = pd.get_dummies(values.astype(object), dummy_na=False).to_numpy(dtype=float)
            if block.shape[1] == 0:
                block = np.zeros((len(values), 1))

        with warnings.catch_warnings():
            warnings.simplefilter('ignore', RuntimeWarning)
            mean = np.nanmean(block, axis=0)
            std = np.nanstd(block, axis=0)

        mean = np.where(np.isnan(mean), 0.0, mean)
        std = np.where(np.isnan(std) | (std == 0), 1.0, std)
        block = (block - mean) / std
        blocks.append(np.where(np.isnan(block), 0.0, block))

    return np.hstack(blocks)


def _standardise_predictor(linear):
    """Divide each column of a linear predictor by its standard deviation (if non-zero)."""
    std = linear.std(axis=0)
    std = np.where(std == 0, 1.0, std)
    return linear / std


def _fit_intercepts(linear, rate):
    """Find per-column intercepts ``b`` with ``mean(sigmoid(linear[:, j] + b_j)) == rate``.

    Args:
        linear (numpy.ndarray):
            ``(n_rows, n_targets)`` linear predictor without intercept.
        rate (float):
            Target expected missing rate, in ``(0, 1)``.

    Returns:
        numpy.ndarray:
            The ``n_targets`` intercepts.
    """
    span = np.abs(linear).max(axis=0) if linear.size else np.zeros(linear.shape[1])
    logit = np.log(rate / (1 - rate))
    low = logit - span - 1.0
    high = logit + span + 1.0
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        expected = _sigmoid(linear + middle).mean(axis=0)
        too_high = expected > rate
        high = np.where(too_high, middle, high)
        low = np.where(too_high, low, middle)

    return (low + high) / 2


def _sigmoid(values):
    return 1.0 / (1.0 + np.exp(-values))


def _logistic_mask(inputs, n_targets, rate, rng):
    """Draw a mask for ``n_targets`` columns from a logistic model of ``inputs``."""
    weights = rng.standard_normal((inputs.shape[1], n_targets))
    linear = _standardise_predictor(inputs @ weights)
    intercepts = _fit_intercepts(linear, rate)
    probabilities = _sigmoid(linear + intercepts)
    return rng.random(probabilities.shape) < probabilities


def _mask_mcar_independent(request):
    shape = (len(request.data), len(request.columns))
    return request.as_mask(request.rng.random(shape) < request.rate)


def _mask_fixed_count(request, axis, mechanism, unit, remedy):
    # Hide floor(size * rate) random cells along ``axis`` (per row for axis=1, per column for 0).
    shape = (len(request.data), len(request.columns))
    rate = request.rate
    size = shape[axis]
    count = int(np.floor(size * rate))
    if count == 0 and rate > 0:
        warnings.warn(
            f"mechanism='{mechanism}' hides floor({size} * {rate}) = 0 cells per {unit}, so "
            f'nothing goes missing. {remedy}',
            UserWarning,
            stacklevel=4,
        )

    order = request.rng.random(shape).argsort(axis=axis)
    mask = np.zeros(shape, dtype=bool)
    np.put_along_axis(mask, np.take(order, np.arange(count), axis=axis), True, axis=axis)
    return request.as_mask(mask)


def _mask_mcar_row(request):
    remedy = 'Raise `rate` or allow more `columns`.'
    return _mask_fixed_count(request, 1, 'mcar_row', 'row', remedy)


def _mask_mcar_column(request):
    remedy = 'Raise `rate` or pass more rows.'
    return _mask_fixed_count(request, 0, 'mcar_column', 'column', remedy)


def _choose_inputs(candidates, input_fraction, rng):
    n_inputs = max(1, int(input_fraction * len(candidates)))
    chosen = set(rng.choice(len(candidates), size=n_inputs, replace=False).tolist())
    inputs = [column for position, column in enumerate(candidates) if position in chosen]
    targets = [column for position, column in enumerate(candidates) if position not in chosen]
    return inputs, targets


def _mask_mar(request):
    """Return the MAR mask; its columns are ``columns`` minus the observed input columns."""
    data, maskable, rate, rng = request.data, request.columns, request.rate, request.rng
    if request.observed_columns is not None:
        inputs = _validate_columns(data, request.observed_columns, 'observed_columns')
        targets = [column for column in maskable if column not in set(inputs)]
        if not targets:
            raise ValueError(
                "mechanism='mar' has no column left to go missing: every column in `columns` "
                f'is also in `observed_columns` ({inputs}). Remove some from `observed_columns`.'
            )
    elif len(maskable) < len(data.columns):
        inputs = [column for column in data.columns if column not in set(maskable)]
        targets = list(maskable)
    else:
        if len(maskable) < 2:
            raise ValueError(
                "mechanism='mar' needs at least two columns: one stays observed and drives the "
                'missingness of the others. Add columns or use an MCAR mechanism.'
            )

        inputs, targets = _choose_inputs(maskable, request.input_fraction, rng)

    mask = np.zeros((len(data), len(targets)), dtype=bool)
    if rate > 0 and targets:
        mask = _logistic_mask(_encode_inputs(data, inputs), len(targets), rate, rng)

    return request.as_mask(mask, targets)


def _mask_mnar(request):
    data, maskable, rate, rng = request.data, request.columns, request.rate, request.rng
    if len(maskable) < 2:
        raise ValueError(
            "mechanism='mnar' needs at least two columns that may go missing (the logistic "
            "inputs and the columns they drive). Allow more `columns` or use 'mnar_self'."
        )

    inputs, targets = _choose_inputs(maskable, request.input_fraction, rng)
    mask = pd.DataFrame(False, index=data.index, columns=maskable)
    if rate > 0:
        encoded = _encode_inputs(data, inputs)
        mask[targets] = _logistic_mask(encoded, len(targets), rate, rng)
        mask[inputs] = rng.random((len(data), len(inputs))) < rate

    return mask


def _mask_mnar_self(request):
    data, maskable, rate, rng = request.data, request.columns, request.rate, request.rng
    if rate == 0:
        return request.as_mask(np.zeros((len(data), len(maskable)), dtype=bool))

    signs = np.where(rng.random(len(maskable)) < 0.5, -1.0, 1.0)
    linear = np.empty((len(data), len(maskable)))
    for position, column in enumerate(maskable):
        values = data[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_datetime64_any_dtype(values):
            encoded = _encode_inputs(data, [column])[:, 0]
        else:
            # A category has no size: give each level a random score, standardised.
            codes, levels = pd.factorize(values)
            scores = rng.standard_normal(max(len(levels), 1))
            encoded = np.where(codes >= 0, scores[np.maximum(codes, 0)], 0.0)
            std = encoded.std()
            encoded = (encoded - encoded.mean()) / (std if std > 0 else 1.0)

        linear[:, position] = signs[position] * encoded

    intercepts = _fit_intercepts(linear, rate)
    return request.as_mask(rng.random(linear.shape) < _sigmoid(linear + intercepts))


# The registry: mechanism name -> function of a ``_MaskRequest`` returning its mask DataFrame.
_MECHANISM_MASKS = {
    'mcar_independent': _mask_mcar_independent,
    'mcar_row': _mask_mcar_row,
    'mcar_column': _mask_mcar_column,
    'mar': _mask_mar,
    'mnar': _mask_mnar,
    'mnar_self': _mask_mnar_self,
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
    maskable = _validate_columns(data, columns, 'columns')
    request = _MaskRequest(data, maskable, float(rate), rng, observed_columns, input_fraction)
    hidden = _MECHANISM_MASKS[mechanism](request)
    mask = pd.DataFrame(False, index=data.index, columns=data.columns)
    mask[list(hidden.columns)] = hidden.to_numpy()
    return _apply_mask(data, hidden), mask
