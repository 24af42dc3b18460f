"""Encoders of one column into model dimensions and back, one class per kind of encoding.

Each encoder is fitted on a column's observed cells only and writes NaN where a cell is missing;
``TableEncoder`` (``encoding.py``) puts them side by side and turns the NaN into the mask.
"""

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.preprocessing import QuantileTransformer

# Share of each level's interval left free at both of its ends, so that a value decodes to its
# own level after the float32 round trip of the model's arrays.
_INTERVAL_MARGIN = 0.01
# First word of the seed of the frequency encoding's draws (see FrequencyColumnEncoder).
_SEED_SALT = 0x6D697373


class QuantileScaler:
    """Map a column's empirical distribution onto a standard normal (RDT-style, one per transform).

    Args:
        seed (int):
            Seed of the subsample the quantile transform uses on large columns. Defaults to 0.
    """

    def __init__(self, seed=0):
        self.seed = seed
        self._quantiles = None

    def fit(self, observed):
        """Learn the quantiles of the observed values."""
        self._quantiles = QuantileTransformer(
            n_quantiles=int(min(1000, observed.size)),
            output_distribution='normal',
            subsample=100_000,
            random_state=self.seed,
        )
        self._quantiles.fit(observed.reshape(-1, 1))

    def transform(self, values):
        """Normal scores of ``values``; NaN stays NaN."""
        return self._quantiles.transform(values.reshape(-1, 1)).ravel()

    def reverse_transform(self, encoded):
        """Map normal scores back to the column's scale."""
        return self._quantiles.inverse_transform(encoded.reshape(-1, 1)).ravel()


class _AffineScaler:
    """Shift and scale a column: ``(value - shift) / scale``; subclasses choose both."""

    def __init__(self, seed=0):
        self.seed = seed
        self._shift = 0.0
        self._scale = 1.0

    def transform(self, values):
        """Scale ``values``; NaN stays NaN."""
        return (values - self._shift) / self._scale

    def reverse_transform(self, encoded):
        """Map model values back to the column's scale."""
        return encoded * self._scale + self._shift


class StandardScaler(_AffineScaler):
    """Zero mean and unit variance over the observed values."""

    def fit(self, observed):
        """Learn the mean and standard deviation of the observed values."""
        self._shift = float(observed.mean())
        self._scale = float(observed.std())


class MinMaxScaler(_AffineScaler):
    """The observed range onto [-1, 1], the paper's choice."""

    def fit(self, observed):
        """Learn the range of the observed values."""
        low, high = float(observed.min()), float(observed.max())
        self._shift = (high + low) / 2
        self._scale = (high - low) / 2


# Scaling of continuous columns, by the name users pass as ``numerical_transform``.
SCALERS = {'quantile': QuantileScaler, 'standard': StandardScaler, 'minmax': MinMaxScaler}
NUMERICAL_TRANSFORMS = tuple(SCALERS)


class ContinuousColumnEncoder:
    """Scale one numerical column, fitted on its observed values only.

    A column with a single observed value is encoded as 0 and decoded to that value.

    Args:
        transform (str):
            A key of :data:`SCALERS`: ``'quantile'`` (map the empirical distribution onto a
            standard normal), ``'standard'`` (zero mean, unit variance) or ``'minmax'`` (onto
            [-1, 1], the paper's choice). Defaults to ``'quantile'``.
        seed (int):
            Seed of the subsample the quantile transform uses on large columns. Defaults to 0.
    """

    output_dimensions = 1
    kind = 'continuous'
    model_kind = 'continuous'

    def __init__(self, transform='quantile', seed=0):
        self.transform_name = transform
        self.seed = seed
        self.scaler = None
        self._constant = None

    def fit(self, values):
        """Learn the scaling from the observed (non-NaN) ``values``."""
        observed = values[~np.isnan(values)]
        if np.unique(observed).size == 1:
            self._constant = float(observed[0])
            return

        self.scaler = SCALERS[self.transform_name](seed=self.seed)
        self.scaler.fit(observed)

    def transform(self, values):
        """Scale ``values``; NaN stays NaN."""
        if self._constant is not None:
            return np.where(np.isnan(values), np.nan, 0.0)

        return self.scaler.transform(values)

    def reverse_transform(self, encoded):
        """Map model values back to the column's scale."""
        if self._constant is not None:
            return np.full(encoded.shape[0], self._constant)

        return self.scaler.reverse_transform(encoded)


class DiscreteColumnEncoder:
    """One-hot encode one discrete column over the levels it was observed with.

    Args:
        low (float):
            Value of the levels a row does not take; the level it takes is 1. Defaults to -1.
    """

    kind = 'one_hot'
    model_kind = 'one_hot'

    def __init__(self, low=-1.0):
        self.low = low
        self.levels = None

    @property
    def output_dimensions(self):
        """int: Width of the one-hot block."""
        return len(self.levels)

    def fit(self, values):
        """Learn the observed levels, most frequent first (NaN is not a level)."""
        counts = pd.Series(values).dropna().value_counts(sort=True)
        self.levels = list(counts.index)

    def transform(self, values):
        """One-hot encode; a missing or unseen value gives a row of NaN."""
        return self._one_hot(pd.Categorical(values, categories=self.levels).codes)

    def _one_hot(self, codes):
        # 1 at each row's level, ``low`` elsewhere; a row of NaN where the code is -1.
        encoded = np.full((len(codes), len(self.levels)), self.low)
        known = codes >= 0
        encoded[np.flatnonzero(known), codes[known]] = 1.0
        encoded[~known] = np.nan
        return encoded

    def reverse_transform(self, encoded):
        """Pick the level with the largest value (argmax over the observed levels)."""
        levels = np.empty(len(self.levels), dtype=object)
        levels[:] = self.levels
        return levels[encoded.argmax(axis=1)]


class FrequencyColumnEncoder:
    """Encode one discrete column with many levels as one dimension, whatever their number.

    The frequency (uniform) encoding of RDT's ``UniformEncoder``: the levels, most frequent first
    (ties in order of first appearance), split [0, 1] into consecutive intervals as wide as their
    frequencies. A value is encoded as a point drawn uniformly inside its level's interval and
    mapped through the standard normal quantile function, so the encoded column is exactly
    N(0, 1) distributed, the scale of the diffusion model, and its marginal is continuous for the
    model to learn. Decoding maps a value back through the normal CDF to the level whose
    interval holds it, so sampled levels keep the observed frequencies. The cost is one model
    dimension for any number of levels; what it gives up is detail: a level is a narrow
    interval, so its dependence on the other columns is learned more coarsely than with a
    one-hot block.

    The draws inside the intervals come from a generator seeded afresh on every
    :meth:`transform` call, so the same table always encodes to the same values and fits stay
    repeatable.

    Args:
        seed (int or list[int]):
            Seed of the draws inside the intervals. Defaults to 0.
    """

    output_dimensions = 1
    kind = 'frequency'
    model_kind = 'frequency'

    def __init__(self, seed=0):
        self.seed = seed
        self.levels = None
        self.frequencies = None
        self._cuts = None

    def fit(self, values):
        """Learn the observed levels (NaN is not a level) and their frequencies."""
        observed = pd.Series(values).dropna()
        counts = observed.value_counts(sort=False)
        first_seen = pd.Series(np.arange(len(counts)), index=pd.unique(observed))
        order = np.lexsort((first_seen.loc[counts.index].to_numpy(), -counts.to_numpy()))
        counts = counts.iloc[order]
        self.levels = list(counts.index)
        self.frequencies = counts.to_numpy(dtype=np.float64) / counts.sum()
        self._cuts = np.concatenate([[0.0], np.cumsum(self.frequencies)])
        self._cuts[-1] = 1.0

    def transform(self, values):
        """Encode each value as a normal score inside its level's interval.

        Args:
            values (numpy.ndarray):
                The column's values.

        Returns:
            numpy.ndarray:
                Float array of shape (rows, 1); NaN where a value is missing or unseen in fit.
        """
        codes = pd.Categorical(values, categories=self.levels).codes
        # One draw per row, missing rows included, so a row's value does not depend on which
        # other rows are missing.
        # The salt keeps these draws apart from a user's own default_rng(seed) streams: a
        # column drawn with default_rng(0).choice(levels, p=...) takes its levels from that
        # stream's first uniforms, and the same uniforms here would put every level's rows at
        # the bottom of its interval.
        seed = np.random.SeedSequence([_SEED_SALT, *np.atleast_1d(self.seed).tolist()])
        position = np.random.default_rng(seed).uniform(size=len(codes))
        position = _INTERVAL_MARGIN + (1 - 2 * _INTERVAL_MARGIN) * position
        known = codes >= 0
        lower = self._cuts[codes[known]]
        width = self._cuts[codes[known] + 1] - lower
        encoded = np.full(len(codes), np.nan)
        encoded[known] = ndtri(lower + width * position[known])
        return encoded.reshape(-1, 1)

    def reverse_transform(self, encoded):
        """Map model values to the level whose interval holds their normal CDF."""
        uniform = ndtr(np.asarray(encoded, dtype=np.float64).reshape(-1))
        codes = np.searchsorted(self._cuts, uniform, side='right') - 1
        codes = np.clip(codes, 0, len(self.levels) - 1)
        levels = np.empty(len(self.levels), dtype=object)
        levels[:] = self.levels
        return levels[codes]


def whole_number_levels(values, max_levels, min_rows_per_level):
    """The distinct values of a numerical column to model as levels, or ``None``.

    A column qualifies when its observed values are whole numbers (counts, years, codes, dates at
    a whole step) taking between 2 and ``max_levels`` distinct values, each seen on average in at
    least ``min_rows_per_level`` rows (fewer, and a one-hot block would only learn the rows).

    Args:
        values (numpy.ndarray):
            Float values of the column, NaN where missing.
        max_levels (int):
            Most distinct values; 0 lets no column qualify.
        min_rows_per_level (int):
            Fewest observed rows per distinct value, on average.

    Returns:
        numpy.ndarray or None:
            The sorted distinct values, or ``None`` if the column does not qualify.
    """
    observed = values[~np.isnan(values)]
    if max_levels < 2 or not observed.size or not np.all(np.isfinite(observed)):
        return None

    if np.any(observed != np.round(observed)):
        return None

    levels = np.unique(observed)
    if not 2 <= levels.size <= max_levels or observed.size < min_rows_per_level * levels.size:
        return None

    return levels


class WholeNumberLevelsColumnEncoder(DiscreteColumnEncoder):
    """One-hot encode a numerical column of few whole-number values; decode back to numbers.

    The model treats the column as a categorical one: a one-hot block whose level pairs with
    other categorical columns it learns and rules out as it does theirs (a storm's name and its
    year), and whose hole, under learned holes, is a level of its own. The synthesizer keeps it a
    number: conditions, ranges and imputation read it as one. A value between the levels (a
    condition, or a row encoded after ``fit``) is encoded as its nearest level.

    Args:
        low (float):
            Value of the levels a row does not take; the level it takes is 1. Defaults to -1.
    """

    kind = 'whole_number_levels'

    def __init__(self, low=-1.0):
        super().__init__(low)
        self._numbers = None

    def fit(self, values, levels):
        """Keep the column's numeric ``levels`` and the hole level if ``values`` hold it.

        Args:
            values (numpy.ndarray):
                The column: numbers, NaN, and the hole level of learned holes.
            levels (numpy.ndarray):
                Its sorted distinct numbers (:func:`whole_number_levels`).
        """
        self._numbers = np.asarray(levels, dtype=np.float64)
        self.levels = self._numbers.tolist() + _non_numbers(values)

    def _codes(self, values):
        # The nearest number's position (ties to the lower one), a non-number's own level, -1
        # for NaN and for a non-number unseen in fit.
        values = pd.Series(values)
        if values.dtype == object:  # numbers beside the hole level
            numbers = pd.to_numeric(values, errors='coerce').to_numpy(dtype=np.float64)
        else:
            numbers = values.to_numpy(dtype=np.float64, na_value=np.nan)

        upper = np.clip(np.searchsorted(self._numbers, numbers), 1, len(self._numbers) - 1)
        lower = upper - 1
        nearer_upper = (self._numbers[upper] - numbers) < (numbers - self._numbers[lower])
        codes = np.where(np.isnan(numbers), -1, np.where(nearer_upper, upper, lower))
        for offset, level in enumerate(self.levels[len(self._numbers) :]):
            codes[(values == level).to_numpy()] = len(self._numbers) + offset

        return codes

    def transform(self, values):
        """One-hot encode each value's nearest level; a missing value gives a row of NaN."""
        return self._one_hot(self._codes(values))

    def reverse_transform(self, encoded):
        """The level with the largest value: a float, or the hole level where it is drawn."""
        codes = np.asarray(encoded).argmax(axis=1)
        if not (codes >= len(self._numbers)).any():
            return self._numbers[codes]

        levels = np.empty(len(self.levels), dtype=object)
        levels[:] = self.levels
        return levels[codes]


def _non_numbers(values):
    """The distinct values that are neither numbers nor NaN (the hole level), as they come."""
    values = pd.Series(values, dtype=object).dropna()
    return list(pd.unique(values[pd.to_numeric(values, errors='coerce').isna()]))
