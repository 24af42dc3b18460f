"""Holes in the synthetic rows: none, learned with the row, or sprinkled at random.

``missing_value_generation`` (named after RDT's argument) decides what the synthesizer does with
the holes of the table it was fitted on:

- ``None``: sampled rows are complete, the data as if fully observed (MissDiff's default).
- ``'learned'``: every column with missing values in ``fit`` learns, jointly with the values,
  whether its cell is missing. A discrete column gets a level of its own for the hole (as
  TabularARGN's NaN token), so a value and its absence are one cell and can never contradict
  each other; a numerical or datetime column (or a discrete one with more levels than are
  one-hot encoded) gets an indicator column, ``True`` where the cell is missing. Both are
  observed in every row, so every row trains them, and the denoiser learns which cells are
  missing together and for which kind of row. Sampled rows are generated with them, and a cell
  they mark missing is returned as NaN.
- ``'random'``: SDV's behaviour, as the baseline: each column is blanked independently of
  everything else at its observed missing rate.

Everything here works in SDV's processed space, between the data processor and the encoder.
"""

import numpy as np
import pandas as pd

from sdv_missdiff._validation import examples

__all__ = ('MISSING_LEVEL', 'MISSING_VALUE_GENERATIONS', 'MissingValues')

MISSING_VALUE_GENERATIONS = (None, 'learned', 'random')
INDICATOR_SUFFIX = '.is_missing'
# The level a discrete column's hole takes under 'learned' (a string no real level spells;
# no NUL characters: NumPy strips trailing ones from fixed-width strings).
MISSING_LEVEL = '<missing value (sdv-missdiff)>'


def _indicator_name(column, taken):
    name = f'{column}{INDICATOR_SUFFIX}'
    while name in taken:
        name = f'_{name}'

    return name


class MissingValues:
    """The holes a fitted synthesizer generates, under one ``missing_value_generation``.

    Args:
        generation (str or None):
            ``None``, ``'learned'`` or ``'random'``.
    """

    def __init__(self, generation=None):
        if generation not in MISSING_VALUE_GENERATIONS:
            raise ValueError(
                f'Invalid missing_value_generation {generation!r}; use one of '
                f'{examples(MISSING_VALUE_GENERATIONS)}.'
            )

        self.generation = generation
        self.rates = {}
        self.indicators = {}
        self.missing_levels = []

    @property
    def learns_holes(self):
        """bool: Whether the model learns holes (``'learned'`` with holes in ``fit``)."""
        return bool(self.indicators or self.missing_levels)

    @property
    def indicator_columns(self):
        """list[str]: Names of the indicator columns the model trains on (``'learned'`` only)."""
        return list(self.indicators.values())

    def fit(self, processed_data, discrete_columns=(), max_one_hot_levels=None, skipped=()):
        """Record each column's missing rate and, with ``'learned'``, how its holes are modeled.

        Args:
            processed_data (pandas.DataFrame):
                The processed table given to the model, NaN where a cell is missing.
            discrete_columns (list[str]):
                Columns encoded by level. Defaults to none.
            max_one_hot_levels (int or None):
                The encoder's limit of one-hot levels: a discrete column with more levels (its
                hole included) gets an indicator column instead of a level for its hole.
                Defaults to ``None`` (no limit).
            skipped (collection of str):
                Columns whose holes are put back by something else (a constraint's own record,
                under ``'random'``): never blanked here. Defaults to none.

        Returns:
            MissingValues:
                ``self``.
        """
        rates = processed_data.isna().mean()
        self.rates = {
            column: float(rate)
            for column, rate in rates.items()
            if rate > 0 and column not in skipped
        }
        self.indicators = {}
        self.missing_levels = []
        if self.generation == 'learned':
            taken = set(processed_data.columns)
            for column in self.rates:
                levels = processed_data[column].nunique(dropna=True) + 1
                one_hot = max_one_hot_levels is None or levels <= max_one_hot_levels
                if column in discrete_columns and one_hot:
                    self.missing_levels.append(column)
                else:
                    self.indicators[column] = _indicator_name(column, taken)
                    taken.add(self.indicators[column])

        return self

    def prepare(self, processed_data, given=None, observed=False):
        """Write the holes of a processed table in the form the model learns them.

        Args:
            processed_data (pandas.DataFrame):
                Processed table, NaN where a cell is missing or unknown.
            given (pandas.DataFrame or None):
                Boolean frame, row for row with ``processed_data``: True where a cell is a
                condition. A given value asks for an observed cell, a given NaN for a missing
                one; whether the other cells are missing is unknown, so it is generated with
                the row. ``None`` reads every NaN as a hole (training). Defaults to ``None``.
            observed (bool):
                Every cell is asked for as observed, its NaN left unknown (imputation: each hole
                is filled as if its value had been observed; pass
                :meth:`excluded_dimensions` to the model so that no hole level is drawn).
                Defaults to ``False``.

        Returns:
            pandas.DataFrame:
                The table with the hole level in its discrete columns' holes and one indicator
                column per other column with holes in ``fit`` (object dtype: ``True`` missing,
                ``False`` observed, ``None`` unknown).
        """
        if not (self.indicators or self.missing_levels):
            return processed_data

        table = processed_data.copy()
        num_rows = len(table)

        def is_given(column):
            if given is None:
                return np.ones(num_rows, dtype=bool)
            if column in given.columns:
                return given[column].to_numpy(dtype=bool)

            return np.zeros(num_rows, dtype=bool)

        for column in self.missing_levels:
            if column in table.columns and not observed:
                holes = table[column].isna().to_numpy() & is_given(column)
                if holes.any():
                    table[column] = table[column].astype(object).mask(holes, MISSING_LEVEL)

        for column, indicator in self.indicators.items():
            if observed:
                values = np.full(num_rows, False, dtype=object)
            elif column not in table.columns:
                values = np.full(num_rows, None, dtype=object)
            else:
                values = table[column].isna().to_numpy().astype(object)
                values[~is_given(column)] = None

            table[indicator] = values

        return table

    def excluded_dimensions(self, encoder):
        """The model dimensions of the hole levels, which imputation must never draw.

        Args:
            encoder (sdv_missdiff.encoding.TableEncoder):
                The fitted encoder.

        Returns:
            numpy.ndarray or None:
                Boolean mask over the model dimensions, or ``None`` when there is no hole level.
        """
        if not self.missing_levels:
            return None

        excluded = np.zeros(encoder.output_dimensions, dtype=bool)
        spans = encoder.column_spans
        for column in self.missing_levels:
            levels = list(encoder.column_encoders[column].levels)
            if MISSING_LEVEL in levels:
                excluded[spans[column].start + levels.index(MISSING_LEVEL)] = True

        return excluded if excluded.any() else None

    def indicated_by(self, encoder):
        """For each model dimension, the dimension of the indicator level that blanks it.

        Args:
            encoder (sdv_missdiff.encoding.TableEncoder):
                The fitted encoder.

        Returns:
            numpy.ndarray or None:
                Integers over the model dimensions: for a dimension of a column whose holes an
                indicator column learns, the dimension of that indicator's ``True`` level; -1
                elsewhere. ``None`` without indicator columns.
        """
        spans = encoder.column_spans
        indicated_by = np.full(encoder.output_dimensions, -1, dtype=np.int64)
        for column, indicator in self.indicators.items():
            if column not in spans or indicator not in spans:
                continue

            levels = getattr(encoder.column_encoders[indicator], 'levels', None)
            if levels is None or True not in list(levels):
                continue  # not one-hot encoded: no level to read

            indicated_by[spans[column]] = spans[indicator].start + list(levels).index(True)

        return indicated_by if (indicated_by >= 0).any() else None

    def apply(self, decoded, uniform=None):
        """Blank the cells the generated rows should miss and drop the indicator columns.

        Args:
            decoded (pandas.DataFrame):
                Decoded processed-space rows, with the indicator columns under ``'learned'``.
            uniform (callable or None):
                ``uniform(shape)`` returns uniform draws in [0, 1) from the synthesizer's
                seeded generator; used by ``'random'``. Defaults to ``None`` (NumPy's global
                generator).

        Returns:
            pandas.DataFrame:
                The rows without indicator columns, NaN where a cell is missing.
        """
        if self.generation == 'learned':
            holes = {
                column: decoded[indicator].astype(bool).to_numpy()
                for column, indicator in self.indicators.items()
                if column in decoded.columns and indicator in decoded.columns
            }
            for column in self.missing_levels:
                if column in decoded.columns:
                    holes[column] = (decoded[column] == MISSING_LEVEL).to_numpy()

            decoded = self.drop_indicators(decoded)
        elif self.generation == 'random':
            columns = [column for column in self.rates if column in decoded.columns]
            shape = (len(decoded), len(columns))
            draws = uniform(shape) if uniform is not None else np.random.random_sample(shape)
            holes = {
                column: draws[:, position] < self.rates[column]
                for position, column in enumerate(columns)
            }
        else:
            return decoded

        decoded = decoded.copy()
        for column, missing in holes.items():
            if missing.any():
                values = decoded[column]
                if not (pd.api.types.is_float_dtype(values) or values.dtype == object):
                    values = values.astype(object if values.dtype.kind in 'bOSU' else float)

                decoded[column] = values.mask(missing)

        return decoded

    def drop_indicators(self, decoded):
        """Drop the indicator columns (rows whose holes are filled, as imputation's).

        Args:
            decoded (pandas.DataFrame):
                Decoded processed-space rows.

        Returns:
            pandas.DataFrame:
                The rows without indicator columns.
        """
        indicators = [column for column in self.indicator_columns if column in decoded.columns]
        return decoded.drop(columns=indicators) if indicators else decoded
