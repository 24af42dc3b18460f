"""How each missingness mechanism of :func:`sdv_missdiff.missingness.simulate_missing` draws.

Every mechanism is a function of a :class:`MaskRequest` (the checked arguments of
``simulate_missing``) returning a boolean DataFrame with the table's index and the columns the
mechanism may hide (True = hidden); ``sdv_missdiff.missingness`` registers each under its name.

* MCAR: ``mask_mcar_independent`` (each cell with probability ``rate``), ``mask_mcar_row`` and
  ``mask_mcar_column`` (exactly ``floor(size * rate)`` cells per row or per column).
* MAR and MNAR: ``mask_mar``, ``mask_mnar`` and ``mask_mnar_self``, logistic models of the
  table's values. They follow the widely used ``MAR_mask`` / ``MNAR_mask_logistic`` /
  ``MNAR_self_mask_logistic`` simulation code (Muzellec et al. 2020, reused by hyperimpute):
  weights drawn from a standard normal and divided by the standard deviation of the linear
  predictor, then an intercept per column fitted by bisection so that its expected missing rate
  is ``rate``.
"""

import warnings
from typing import NamedTuple

import numpy as np
import pandas as pd

_BISECTION_STEPS = 60


class MaskRequest(NamedTuple):
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


def select_columns(data, columns, argument_name):
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


def mask_mcar_independent(request):
    """Hide every cell independently with probability ``rate``."""
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


def mask_mcar_row(request):
    """Hide exactly ``floor(d * rate)`` random cells of every row (``d``: the columns)."""
    remedy = 'Raise `rate` or allow more `columns`.'
    return _mask_fixed_count(request, 1, 'mcar_row', 'row', remedy)


def mask_mcar_column(request):
    """Hide exactly ``floor(n * rate)`` random cells of every column (``n``: the rows)."""
    remedy = 'Raise `rate` or pass more rows.'
    return _mask_fixed_count(request, 0, 'mcar_column', 'column', remedy)


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


def _choose_inputs(candidates, input_fraction, rng):
    n_inputs = max(1, int(input_fraction * len(candidates)))
    chosen = set(rng.choice(len(candidates), size=n_inputs, replace=False).tolist())
    inputs = [column for position, column in enumerate(candidates) if position in chosen]
    targets = [column for position, column in enumerate(candidates) if position not in chosen]
    return inputs, targets


def mask_mar(request):
    """Return the MAR mask; its columns are ``columns`` minus the observed input columns."""
    data, maskable, rate, rng = request.data, request.columns, request.rate, request.rng
    if request.observed_columns is not None:
        inputs = select_columns(data, request.observed_columns, 'observed_columns')
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


def mask_mnar(request):
    """Return the MNAR mask: logistic in some columns, which are themselves hidden at random."""
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


def mask_mnar_self(request):
    """Return the self-masking MNAR mask: each column logistic in its own value."""
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
