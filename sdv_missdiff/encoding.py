"""Encoding of a processed table into the model's space and back.

The encoder turns each column into model dimensions and returns, next to the values, an
observation mask of the same shape: a missing number masks its one dimension, a missing category
masks its whole one-hot block (or the one dimension of a many-level column's frequency
encoding). Missing cells are written as 0 in the values (the paper's fill); they never reach the
loss. Nothing here imputes.
"""

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri
from sklearn.preprocessing import QuantileTransformer

from sdv_missdiff._validation import check_optional_int

NUMERICAL_TRANSFORMS = ('quantile', 'standard', 'minmax')
# Discrete columns with more observed levels than this get the one-dimension frequency encoding
# instead of a one-hot block. Chosen by measurement (benchmarks/results/high_cardinality/, a
# 3,000-row table whose many-level column depends on a number, default training): up to 100
# levels one-hot scored higher SDMetrics quality and kept far more of the dependence, for at most
# 1.5x the fit time; from 150 levels on it lost sampled levels (127 of 150 distinct, 16 of 286 at
# 300) and scored lower than the frequency encoding. Adult's widest column (native-country, 41
# levels) stays one-hot; SDV's metadata flags columns from 500 levels as high cardinality.
MAX_ONE_HOT_LEVELS = 100
# Share of each level's interval left free at both of its ends, so that a value decodes to its
# own level after the float32 round trip of the model's arrays.
_INTERVAL_MARGIN = 0.01
# First word of the seed of the frequency encoding's draws (see FrequencyColumnEncoder).
_SEED_SALT = 0x6D697373


class ContinuousColumnEncoder:
    """Scale one numerical column, fitted on its observed values only.

    Args:
        transform (str):
            ``'quantile'`` (map the empirical distribution onto a standard normal),
            ``'standard'`` (zero mean, unit variance) or ``'minmax'`` (onto [-1, 1], the paper's
            choice). Defaults to ``'quantile'``.
        seed (int):
            Seed of the subsample the quantile transform uses on large columns. Defaults to 0.
    """

    output_dimensions = 1

    def __init__(self, transform='quantile', seed=0):
        self.transform_name = transform
        self.seed = seed
        self._quantiles = None
        self._shift = 0.0
        self._scale = 1.0
        self._constant = None

    def fit(self, values):
        """Learn the scaling from the observed (non-NaN) ``values``."""
        observed = values[~np.isnan(values)]
        if np.unique(observed).size == 1:
            self._constant = float(observed[0])
            return

        if self.transform_name == 'quantile':
            self._quantiles = QuantileTransformer(
                n_quantiles=int(min(1000, observed.size)),
                output_distribution='normal',
                subsample=100_000,
                random_state=self.seed,
            )
            self._quantiles.fit(observed.reshape(-1, 1))
        elif self.transform_name == 'standard':
            self._shift = float(observed.mean())
            self._scale = float(observed.std())
        else:
            low, high = float(observed.min()), float(observed.max())
            self._shift = (high + low) / 2
            self._scale = (high - low) / 2

    def transform(self, values):
        """Scale ``values``; NaN stays NaN."""
        if self._constant is not None:
            return np.where(np.isnan(values), np.nan, 0.0)

        if self._quantiles is not None:
            return self._quantiles.transform(values.reshape(-1, 1)).ravel()

        return (values - self._shift) / self._scale

    def reverse_transform(self, encoded):
        """Map model values back to the column's scale."""
        if self._constant is not None:
            return np.full(encoded.shape[0], self._constant)

        if self._quantiles is not None:
            return self._quantiles.inverse_transform(encoded.reshape(-1, 1)).ravel()

        return encoded * self._scale + self._shift


class DiscreteColumnEncoder:
    """One-hot encode one discrete column over the levels it was observed with.

    Args:
        low (float):
            Value of the levels a row does not take; the level it takes is 1. Defaults to -1.
    """

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
        codes = pd.Categorical(values, categories=self.levels).codes
        encoded = np.full((len(values), len(self.levels)), self.low)
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


class TableEncoder:
    """Encode a processed table into model values and an observation mask.

    Args:
        numerical_transform (str):
            Scaling of continuous columns: ``'quantile'``, ``'standard'`` or ``'minmax'``.
            Defaults to ``'quantile'``.
        max_one_hot_levels (int or None):
            Discrete columns with at most this many observed levels are one-hot encoded; those
            with more get one dimension each (:class:`FrequencyColumnEncoder`), whose cost does
            not grow with the levels. ``None`` one-hot encodes every discrete column. Defaults
            to 100 (``MAX_ONE_HOT_LEVELS``).
        seed (int):
            Seed of the frequency encoding's draws (each column gets its own stream).
            Defaults to 0.
    """

    def __init__(
        self, numerical_transform='quantile', max_one_hot_levels=MAX_ONE_HOT_LEVELS, seed=0
    ):
        if numerical_transform not in NUMERICAL_TRANSFORMS:
            raise ValueError(
                f"Invalid numerical_transform '{numerical_transform}'. Use one of "
                f'{list(NUMERICAL_TRANSFORMS)}.'
            )

        check_optional_int(
            'max_one_hot_levels', max_one_hot_levels, 1, 'to one-hot encode every discrete column'
        )

        self.numerical_transform = numerical_transform
        self.max_one_hot_levels = max_one_hot_levels
        self.seed = seed
        self.columns = []
        self.column_encoders = {}
        self.discrete_columns = []
        self.dtypes = None

    @property
    def frequency_encoded_columns(self):
        """dict: Discrete column name to its number of levels, for the frequency-encoded ones."""
        return {
            column: len(encoder.levels)
            for column, encoder in self.column_encoders.items()
            if isinstance(encoder, FrequencyColumnEncoder)
        }

    @property
    def output_dimensions(self):
        """int: Number of model dimensions."""
        return sum(encoder.output_dimensions for encoder in self.column_encoders.values())

    @property
    def column_spans(self):
        """dict: Column name to the ``slice`` of model dimensions it occupies."""
        spans = {}
        start = 0
        for column in self.columns:
            width = self.column_encoders[column].output_dimensions
            spans[column] = slice(start, start + width)
            start += width

        return spans

    @property
    def column_index(self):
        """numpy.ndarray: Position of the column that owns each model dimension."""
        index = np.zeros(self.output_dimensions, dtype=np.int64)
        for position, span in enumerate(self.column_spans.values()):
            index[span] = position

        return index

    def dimension_weights(self, power=1.0):
        """Weight ``1 / width ** power`` for each dimension of a column's block.

        With ``power=1`` every column weighs the same in a loss, however many levels it has.

        Args:
            power (float):
                Exponent of the block width. Defaults to 1.

        Returns:
            numpy.ndarray:
                Float32 array of shape (output dimensions,).
        """
        weights = np.ones(self.output_dimensions, dtype=np.float32)
        for span in self.column_spans.values():
            weights[span] = 1.0 / (span.stop - span.start) ** power

        return weights

    def fit(self, data, discrete_columns):
        """Learn each column's encoding from its observed cells.

        Args:
            data (pandas.DataFrame):
                Processed table, NaN where a cell is missing.
            discrete_columns (list[str]):
                Columns to encode by level (one-hot, or the frequency encoding above
                ``max_one_hot_levels`` levels); every other column must be numeric.
        """
        self.columns = list(data.columns)
        self.discrete_columns = [column for column in self.columns if column in discrete_columns]
        self.dtypes = data.dtypes
        self.column_encoders = {}
        for position, column in enumerate(self.columns):
            if column in self.discrete_columns:
                values = data[column].to_numpy()
                num_levels = pd.Series(values).nunique(dropna=True)
                if self.max_one_hot_levels is None or num_levels <= self.max_one_hot_levels:
                    encoder = DiscreteColumnEncoder()
                else:
                    encoder = FrequencyColumnEncoder(seed=[self.seed, position])

                encoder.fit(values)
            else:
                encoder = ContinuousColumnEncoder(self.numerical_transform)
                encoder.fit(_as_float(data[column]))

            self.column_encoders[column] = encoder

        return self

    def transform(self, data):
        """Encode ``data``.

        Args:
            data (pandas.DataFrame):
                Processed table with the fitted columns.

        Returns:
            tuple[numpy.ndarray, numpy.ndarray]:
                ``values`` (float32, 0 where missing) and ``observed`` (float32, 1 where the
                dimension is observed), both of shape (rows, output dimensions).
        """
        blocks = []
        for column in self.columns:
            encoder = self.column_encoders[column]
            if column in self.discrete_columns:
                block = encoder.transform(data[column].to_numpy())
            else:
                block = encoder.transform(_as_float(data[column])).reshape(-1, 1)

            blocks.append(block)

        encoded = np.concatenate(blocks, axis=1) if blocks else np.zeros((len(data), 0))
        observed = ~np.isnan(encoded)
        values = np.where(observed, encoded, 0.0)
        return values.astype(np.float32), observed.astype(np.float32)

    def reverse_transform(self, values):
        """Decode model values into a processed table with the fitted columns.

        Args:
            values (numpy.ndarray):
                Model values of shape (rows, output dimensions).

        Returns:
            pandas.DataFrame:
                The decoded table, with no missing values.
        """
        values = np.asarray(values, dtype=np.float64)
        decoded = {}
        for column, span in self.column_spans.items():
            block = values[:, span] if column in self.discrete_columns else values[:, span.start]
            decoded[column] = self.column_encoders[column].reverse_transform(block)

        return pd.DataFrame(decoded, columns=self.columns)


def _as_float(series):
    return pd.to_numeric(series, errors='coerce').to_numpy(dtype=np.float64, na_value=np.nan)


def fill_with_mean_and_mode(data, discrete_columns):
    """Fill each column's NaN with its observed mean (numbers) or mode (categories).

    This is the paper's Diff-mean baseline; the MissDiff default never calls it.

    Args:
        data (pandas.DataFrame):
            Processed table.
        discrete_columns (list[str]):
            Columns filled with their mode.

    Returns:
        pandas.DataFrame:
            A filled copy of ``data``.
    """
    filled = data.copy()
    for column in filled.columns:
        if not filled[column].isna().any():
            continue

        if column in discrete_columns:
            fill_value = filled[column].mode(dropna=True).iloc[0]
        else:
            fill_value = _as_float(filled[column])
            fill_value = float(np.nanmean(fill_value))

        filled[column] = filled[column].astype(object).where(filled[column].notna(), fill_value)
        filled[column] = filled[column].infer_objects()

    return filled
