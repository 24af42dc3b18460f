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
"""

import warnings

import numpy as np
import pandas as pd

MECHANISMS = (
    'mcar_independent',
    'mcar_row',
    'mcar_column',
    'mar',
    'mnar',
    'mnar_self',
)

_DEFAULT_INPUT_FRACTION = 0.3
_BISECTION_STEPS = 60


def _get_rng(seed):
    """Return a ``numpy.random.Generator`` from an int, a Generator or None."""
    if isinstance(seed, np.random.Generator):
        return seed

    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise TypeError(
            f'`seed` must be an int, a numpy.random.Generator or None, got {type(seed).__name__}.'
        )

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


def _mask_mcar_independent(shape, rate, rng):
    return rng.random(shape) < rate


def _mask_fixed_count(shape, rate, rng, axis, mechanism, unit, remedy):
    # Hide floor(size * rate) random cells along ``axis`` (per row for axis=1, per column for 0).
    size = shape[axis]
    count = int(np.floor(size * rate))
    if count == 0 and rate > 0:
        warnings.warn(
            f"mechanism='{mechanism}' hides floor({size} * {rate}) = 0 cells per {unit}, so "
            f'nothing goes missing. {remedy}',
            UserWarning,
            stacklevel=4,
        )

    order = rng.random(shape).argsort(axis=axis)
    mask = np.zeros(shape, dtype=bool)
    np.put_along_axis(mask, np.take(order, np.arange(count), axis=axis), True, axis=axis)
    return mask


def _mask_mcar_row(shape, rate, rng):
    remedy = 'Raise `rate` or allow more `columns`.'
    return _mask_fixed_count(shape, rate, rng, 1, 'mcar_row', 'row', remedy)


def _mask_mcar_column(shape, rate, rng):
    remedy = 'Raise `rate` or pass more rows.'
    return _mask_fixed_count(shape, rate, rng, 0, 'mcar_column', 'column', remedy)


def _choose_inputs(candidates, input_fraction, rng):
    n_inputs = max(1, int(input_fraction * len(candidates)))
    chosen = set(rng.choice(len(candidates), size=n_inputs, replace=False).tolist())
    inputs = [column for position, column in enumerate(candidates) if position in chosen]
    targets = [column for position, column in enumerate(candidates) if position not in chosen]
    return inputs, targets


def _mask_mar(data, maskable, rate, rng, observed_columns, input_fraction):
    """Return ``(mask, columns it covers)`` for MAR; the observed input columns are excluded."""
    if observed_columns is not None:
        inputs = _validate_columns(data, observed_columns, 'observed_columns')
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

        inputs, targets = _choose_inputs(maskable, input_fraction, rng)

    mask = np.zeros((len(data), len(targets)), dtype=bool)
    if rate > 0 and targets:
        mask = _logistic_mask(_encode_inputs(data, inputs), len(targets), rate, rng)

    return mask, targets


def _mask_mnar(data, maskable, rate, rng, input_fraction):
    if len(maskable) < 2:
        raise ValueError(
            "mechanism='mnar' needs at least two columns that may go missing (the logistic "
            "inputs and the columns they drive). Allow more `columns` or use 'mnar_self'."
        )

    inputs, targets = _choose_inputs(maskable, input_fraction, rng)
    mask = pd.DataFrame(False, index=data.index, columns=maskable)
    if rate > 0:
        encoded = _encode_inputs(data, inputs)
        mask[targets] = _logistic_mask(encoded, len(targets), rate, rng)
        mask[inputs] = rng.random((len(data), len(inputs))) < rate

    return mask.to_numpy()


def _mask_mnar_self(data, maskable, rate, rng):
    mask = np.zeros((len(data), len(maskable)), dtype=bool)
    if rate == 0:
        return mask

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
    return rng.random(linear.shape) < _sigmoid(linear + intercepts)


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
        ValueError:
            If the mechanism is unknown, ``rate`` is outside ``[0, 1)``, a column is not in the
            data, or the mechanism needs more columns than it is given.
    """
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f'`data` must be a pandas.DataFrame, got {type(data).__name__}.')

    if mechanism not in MECHANISMS:
        raise ValueError(f'Unknown mechanism {mechanism!r}. Choose one of {list(MECHANISMS)}.')

    if isinstance(rate, bool) or not isinstance(rate, (int, float, np.number)):
        raise TypeError(f'`rate` must be a number in [0, 1), got {rate!r}.')

    if not 0 <= rate < 1:
        raise ValueError(f'`rate` must be in [0, 1), got {rate}.')

    if not 0 < input_fraction <= 1:
        raise ValueError(f'`input_fraction` must be in (0, 1], got {input_fraction}.')

    if observed_columns is not None and mechanism != 'mar':
        raise ValueError(
            f"`observed_columns` only applies to mechanism='mar', not {mechanism!r}. "
            'Remove it or switch the mechanism.'
        )

    if data.columns.has_duplicates:
        duplicated = data.columns[data.columns.duplicated()].tolist()
        raise ValueError(f'`data` has duplicated column names {duplicated}; rename them first.')

    rate = float(rate)
    rng = _get_rng(seed)
    maskable = _validate_columns(data, columns, 'columns')
    shape = (len(data), len(maskable))
    if mechanism == 'mcar_independent':
        values = _mask_mcar_independent(shape, rate, rng)
    elif mechanism == 'mcar_row':
        values = _mask_mcar_row(shape, rate, rng)
    elif mechanism == 'mcar_column':
        values = _mask_mcar_column(shape, rate, rng)
    elif mechanism == 'mar':
        values, maskable = _mask_mar(data, maskable, rate, rng, observed_columns, input_fraction)
    elif mechanism == 'mnar':
        values = _mask_mnar(data, maskable, rate, rng, input_fraction)
    else:
        values = _mask_mnar_self(data, maskable, rate, rng)

    mask = pd.DataFrame(False, index=data.index, columns=data.columns)
    mask[maskable] = values
    masked = _apply_mask(data, mask[maskable])
    return masked, mask
