"""``Inpainter``: the processed-space core of sampling, conditional sampling and imputation.

It holds the three fitted parts that turn a processed table with unknown cells into complete
rows: the ``TableEncoder``, the ``MaskedDiffusionModel`` and the ``MissingValues`` (the holes the
rows carry). ``_sample``, ``sample_from_conditions``, ``sample_remaining_columns`` and ``impute``
all go through it; what they add is SDV's side (its data processor, constraints, the user's own
known cells).
"""

import numpy as np
import pandas as pd
from sdv.errors import InvalidDataError

from sdv_missdiff._validation import examples


class Inpainter:
    """Generate the unknown cells of processed rows with one fitted encoder, model and holes.

    Args:
        encoder (TableEncoder):
            The fitted encoder.
        model (MaskedDiffusionModel):
            The fitted model.
        holes (MissingValues):
            The holes of sampled rows (``missing_value_generation``).
    """

    def __init__(self, encoder, model, holes):
        self.encoder = encoder
        self.model = model
        self.holes = holes

    def check_known_categories(self, known_table):
        """Raise ``InvalidDataError`` if a discrete column holds a value never seen in ``fit``."""
        errors = []
        for column in self.encoder.discrete_columns:
            if column not in known_table.columns:
                continue

            values = known_table[column]
            levels = self.encoder.column_encoders[column].levels
            unseen = values[values.notna() & ~values.isin(levels)].unique()
            if len(unseen):
                errors.append(
                    f"Column '{column}' has value(s) {examples(unseen)} that the synthesizer "
                    f'never saw in fit. Use one of the fitted values {examples(levels)}, or '
                    'leave the cell missing (NaN).'
                )

        if errors:
            raise InvalidDataError(errors)

    def encode_known(self, known_table):
        """Encode a processed-space table whose NaN cells are unknown.

        Args:
            known_table (pandas.DataFrame):
                Processed-space table; columns the encoder does not know are ignored and
                encoder columns it lacks are unknown.

        Returns:
            tuple[numpy.ndarray, numpy.ndarray]:
                Encoded known values and the mask of known dimensions.
        """
        table = pd.DataFrame(index=range(len(known_table)), columns=self.encoder.columns)
        for column in known_table.columns:
            if column in table.columns:
                table[column] = known_table[column].to_numpy()

        return self.encoder.transform(table)

    def inpaint(self, known_table, settings=None, show_progress_bar=False, excluded=None):
        """Generate every unknown processed cell of ``known_table`` in one batched model call.

        Args:
            known_table (pandas.DataFrame):
                Processed-space table, NaN where a cell is unknown.
            settings (dict or None):
                Keyword arguments of the model's ``sample`` (``num_resamples``,
                ``guidance_scale``, ``sampling_steps``, ``antithetic``). Defaults to ``None``.
            show_progress_bar (bool):
                Show the reverse steps. Defaults to ``False``.
            excluded (numpy.ndarray or None):
                One-hot dimensions no generated cell may take (the hole levels, when
                imputing). Defaults to ``None``.

        Returns:
            pandas.DataFrame:
                Complete processed-space rows (the encoder's columns, a ``RangeIndex``); known
                cells as given, up to the encoding's round trip.
        """
        known_table = known_table.reset_index(drop=True)
        values, mask = self.encode_known(known_table)
        generated = self.model.sample(
            len(known_table),
            known_values=values,
            known_mask=mask,
            show_progress_bar=show_progress_bar,
            excluded_dimensions=excluded,
            **(settings or {}),
        )
        return self.encoder.reverse_transform(generated)

    def sample(self, num_rows, show_progress_bar=False):
        """``num_rows`` processed-space rows generated from nothing, with their holes."""
        rows = self.model.sample(num_rows, show_progress_bar=show_progress_bar)
        return self.with_holes(self.encoder.reverse_transform(rows))

    def with_holes(self, decoded):
        """Blank the cells of decoded rows that ``missing_value_generation`` says are missing."""
        decoded = self.holes.apply(decoded, uniform=self.model.uniform)
        for column, kind in zip(self.encoder.columns, self.encoder.column_kinds):
            if kind == 'whole_number_levels' and decoded[column].dtype == object:
                # Its hole level is blanked: numbers and NaN are left.
                decoded[column] = pd.to_numeric(decoded[column])

        return decoded

    @property
    def excluded_hole_levels(self):
        """numpy.ndarray or None: The hole levels, which no imputed cell may take."""
        return self.holes.excluded_dimensions(self.encoder)

    def pool_draws(self, generated, num_rows, num_draws):
        """Pool ``num_draws`` draws of each row into one best guess per cell.

        ``generated`` holds each row's draws side by side (row 0's draws first). Continuous
        columns get the mean of the draws (the conditional mean, which minimises the squared
        error); discrete columns the most frequent draw (the conditional mode), a tie going to the
        level that appears first in ``generated`` (in any row).
        """
        pooled = {}
        for column in generated.columns:
            draws = generated[column].to_numpy().reshape(num_rows, num_draws)
            if column in self.encoder.discrete_columns:
                codes, levels = pd.factorize(draws.ravel(), use_na_sentinel=False)
                counts = np.zeros((num_rows, len(levels)), dtype=np.int64)
                np.add.at(counts, (np.repeat(np.arange(num_rows), num_draws), codes), 1)
                pooled[column] = pd.Series(
                    levels[counts.argmax(axis=1)], dtype=generated[column].dtype
                )
            else:
                pooled[column] = draws.astype(float).mean(axis=1)

        return pd.DataFrame(pooled, columns=generated.columns)

    def with_most_likely_levels(self, pooled, processed, guidance_scale, excluded=None):
        """Put each one-hot column's most likely level given the observed cells into ``pooled``.

        The level the model finds most likely given the row's observed cells (one denoiser call,
        ``MaskedDiffusionModel.most_likely_levels``) is right more often than the most frequent
        of a few draws; other columns keep their pooled draws.
        """
        if not self.model.guesses_levels:
            return pooled

        values, mask = self.encode_known(processed)
        guessed = self.model.most_likely_levels(
            values, mask, guidance_scale=guidance_scale, excluded_dimensions=excluded
        )
        guessed = self.encoder.reverse_transform(guessed)
        pooled = pooled.copy()
        for column, kind in zip(self.encoder.columns, self.encoder.column_kinds):
            if kind == 'one_hot':
                pooled[column] = guessed[column].to_numpy()

        return pooled
