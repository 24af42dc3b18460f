"""Encoding of a processed table into the model's space and back.

The encoder turns each column into model dimensions and returns, next to the values, an
observation mask of the same shape: a missing number masks its one dimension, a missing category
masks its whole one-hot block (or the one dimension of a many-level column's frequency
encoding). Missing cells are written as 0 in the values (the paper's fill); they never reach the
loss. Nothing here imputes.
"""

import numpy as np
import pandas as pd

from sdv_missdiff._validation import check_choice, check_optional_int
from sdv_missdiff.column_encoders import (
    NUMERICAL_TRANSFORMS,
    ContinuousColumnEncoder,
    DiscreteColumnEncoder,
    FrequencyColumnEncoder,
    WholeNumberLevelsColumnEncoder,
    whole_number_levels,
)
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.options import EncodingOptions

__all__ = (
    'MAX_ONE_HOT_LEVELS',
    'NUMERICAL_TRANSFORMS',
    'TableEncoder',
    'fill_with_mean_and_mode',
)
# Discrete columns with more observed levels than this get the one-dimension frequency encoding
# instead of a one-hot block; SDV's metadata flags columns from 500 levels as high cardinality.
# Why 500, and what it costs: benchmarks/results/high_cardinality/README.md.
MAX_ONE_HOT_LEVELS = EncodingOptions.max_one_hot_levels  # declared with the options
# Fewest observed rows per distinct value, on average, of a numerical column modelled as levels:
# with fewer, the values are a number's spread rather than levels (STAR's test scores, about 55
# rows a value, drew 8% too many holes as levels; benchmarks/results/real_tables/README.md).
MIN_ROWS_PER_LEVEL = 100


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
            to 500 (``MAX_ONE_HOT_LEVELS``).
        seed (int):
            Seed of the frequency encoding's draws (each column gets its own stream).
            Defaults to 0.
        max_whole_number_levels (int):
            Numerical columns of whole numbers with at most this many distinct values (and at
            least ``MIN_ROWS_PER_LEVEL`` rows per value) are one-hot encoded as levels and
            decoded back to numbers (:class:`WholeNumberLevelsColumnEncoder`); 0 scales every
            numerical column. Defaults to 100 (the option's declared default).
    """

    def __init__(
        self,
        numerical_transform=EncodingOptions.numerical_transform,
        max_one_hot_levels=MAX_ONE_HOT_LEVELS,
        seed=0,
        max_whole_number_levels=EncodingOptions.max_whole_number_levels,
    ):
        check_choice('numerical_transform', numerical_transform, NUMERICAL_TRANSFORMS, ValueError)

        check_optional_int(
            'max_one_hot_levels',
            max_one_hot_levels,
            1,
            'to one-hot encode every discrete column',
            error=MissDiffInputError,
        )

        self.numerical_transform = numerical_transform
        self.max_one_hot_levels = max_one_hot_levels
        self.max_whole_number_levels = max_whole_number_levels
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
    def column_kinds(self):
        """list[str]: How each column is encoded, by its encoder's ``kind``."""
        return [self.column_encoders[column].kind for column in self.columns]

    @property
    def model_column_kinds(self):
        """list[str]: How the model sees each column: 'continuous', 'one_hot' or 'frequency'."""
        return [self.column_encoders[column].model_kind for column in self.columns]

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

    def whole_number_columns(self, data, discrete_columns):
        """The numerical columns to encode as levels, with their distinct numbers.

        Args:
            data (pandas.DataFrame):
                Processed table, NaN where a cell is missing.
            discrete_columns (list[str]):
                Columns encoded by level already.

        Returns:
            dict[str, numpy.ndarray]:
                Column name to its sorted distinct numbers (see :func:`whole_number_levels`).
        """
        columns = {}
        for column in data.columns:
            if column not in discrete_columns:
                levels = whole_number_levels(
                    _as_float(data[column]), self.max_whole_number_levels, MIN_ROWS_PER_LEVEL
                )
                if levels is not None:
                    columns[column] = levels

        return columns

    def fit(self, data, discrete_columns, whole_number_columns=None):
        """Learn each column's encoding from its observed cells.

        Args:
            data (pandas.DataFrame):
                Processed table, NaN where a cell is missing.
            discrete_columns (list[str]):
                Columns to encode by level (one-hot, or the frequency encoding above
                ``max_one_hot_levels`` levels); every other column must be numeric.
            whole_number_columns (dict[str, numpy.ndarray] or None):
                Numerical columns to encode as levels, with their numbers; such a column may
                hold the hole level of learned holes. ``None`` finds them in ``data``
                (:meth:`whole_number_columns`). Defaults to ``None``.
        """
        self.columns = list(data.columns)
        self.discrete_columns = [column for column in self.columns if column in discrete_columns]
        if whole_number_columns is None:
            whole_number_columns = self.whole_number_columns(data, self.discrete_columns)

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
            elif column in whole_number_columns:
                encoder = WholeNumberLevelsColumnEncoder()
                encoder.fit(data[column].to_numpy(), whole_number_columns[column])
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
        # Each column is written straight into one float32 array: concatenating float64 blocks
        # held about four copies of the encoded table at once (3.3 GB over 0.8 GB at 1M rows).
        values = np.empty((len(data), self.output_dimensions), dtype=np.float32)
        for column, span in self.column_spans.items():
            encoder = self.column_encoders[column]
            if column in self.discrete_columns:
                values[:, span] = encoder.transform(data[column].to_numpy())
            elif encoder.kind == 'continuous':
                values[:, span.start] = encoder.transform(_as_float(data[column]))
            else:
                values[:, span] = encoder.transform(data[column].to_numpy())

        missing = np.isnan(values)
        values[missing] = 0.0
        return values, (~missing).astype(np.float32)

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
            continuous = self.column_encoders[column].kind == 'continuous'
            block = values[:, span.start] if continuous else values[:, span]
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
