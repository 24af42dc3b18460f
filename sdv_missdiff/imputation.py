"""Imputation by diffusion inpainting, mixed into ``MissDiffSynthesizer``.

Each row's observed cells are held fixed and its missing cells are generated around them by the
same batched inpainting that conditional sampling uses (``inpainting.Inpainter``).
The observed cells are kept by writing generated values into the holes only.
"""

import math

import numpy as np
import pandas as pd
from sdv.errors import InvalidDataError, NotFittedError

from sdv_missdiff import sdv_private
from sdv_missdiff._validation import check_bool, check_positive_int, examples
from sdv_missdiff.errors import MissDiffInputError

IMPUTATION_LEVEL = 'imputation'
# Reverse steps of each draw pooled by a point estimate: many short draws pool better than a few
# long ones (benchmarks/results/imputation/README.md).
POINT_ESTIMATE_STEPS = 10


class ImputationMixin:
    """Fill the missing cells of a table; needs ``ConditionalSamplingMixin`` beside it."""

    def _check_imputation_input(self, table):
        """Collect every problem of ``table`` that stops imputation."""
        if not isinstance(table, pd.DataFrame):
            raise MissDiffInputError(
                f"'data' must be a pandas.DataFrame or {{'{self._table_name}': DataFrame}}, "
                f'not {type(table).__name__}.'
            )

        if sdv_private.has_constraints(self):
            raise MissDiffInputError(
                'impute does not support synthesizers with constraints. Fit a synthesizer '
                'without constraints to impute.'
            )

        metadata_columns = sdv_private.table_metadata(self).columns
        unknown = [column for column in table.columns if column not in metadata_columns]
        if unknown:
            raise MissDiffInputError(
                f'The synthesizer never saw the column(s) {examples(unknown)}. Drop them from '
                "'data' before imputing, or fit a synthesizer whose metadata has them."
            )

        try:
            # Discrete columns reach the model as raw values, so raw values are checked.
            self._inpainter.check_known_categories(table)
        except InvalidDataError as error:
            errors = list(error.errors)
        else:
            errors = []

        for column in self._modeled_columns(table):
            values = table[column]
            observed = values[values.notna()]
            sdtype = metadata_columns[column]['sdtype']
            if sdtype == 'numerical':
                is_number = observed.map(
                    lambda value: (
                        isinstance(value, (int, float, np.number))
                        and not isinstance(value, (bool, np.bool_))
                    )
                )
                if not is_number.all():
                    errors.append(
                        f"Column '{column}' is numerical but holds non-numeric value(s) "
                        f'{examples(observed[~is_number].unique())}. Convert them to numbers '
                        'or set them to NaN to have them imputed.'
                    )
            elif sdtype == 'datetime' and not pd.api.types.is_datetime64_any_dtype(values):
                datetime_format = metadata_columns[column].get('datetime_format')
                parsed = pd.to_datetime(observed, format=datetime_format, errors='coerce')
                if parsed.isna().any():
                    errors.append(
                        f"Column '{column}' is a datetime but value(s) "
                        f'{examples(observed[parsed.isna()].unique())} do not parse'
                        + (f" with the format '{datetime_format}'" if datetime_format else '')
                        + '. Fix them or set them to NaN to have them imputed.'
                    )

        if errors:
            raise InvalidDataError(errors)

    def impute(
        self,
        data,
        num_imputations=1,
        num_resamples=1,
        point_estimate=False,
        num_draws=20,
        guidance_scale=0.0,
        sampling_steps=None,
    ):
        """Fill every missing cell of the modeled columns, keeping every observed cell.

        Each row's observed cells are held fixed and its missing cells are generated from the
        model's distribution given them, all rows in one batched pass. Works on the training
        table and on new rows. Columns the synthesizer does not model (keys, PII, unknown
        sdtypes) are returned as given, missing cells included. A progress bar is shown when
        the synthesizer is ``verbose``.

        By default every filled cell is one random draw, so a completed table keeps the spread
        and the dependencies of the data, and several completions (``num_imputations``) carry
        the uncertainty of the fill, as multiple imputation needs. With
        ``point_estimate=True`` each cell instead gets the best single guess: for numerical and
        datetime columns the mean of ``num_draws`` draws; for categorical, boolean and ordinal
        ones the level the model finds most likely given the row's observed cells (one extra
        denoiser call; the most frequent of the draws for columns over ``max_one_hot_levels``
        levels, or with ``categorical_diffusion='gaussian'`` or ``conditional_share=0``).
        That lowers the error cell by cell (as scikit-learn's imputers do), at the price of
        filled values that are less spread out than real ones: do not fit models on it to
        estimate variances.

        Args:
            data (pandas.DataFrame or dict):
                The table to complete, or ``{table_name: table}``. It may hold any subset of
                the columns the synthesizer was fitted on.
            num_imputations (int):
                Number of independent completions (multiple imputation). Defaults to 1.
            num_resamples (int):
                RePaint resampling: how many times each reverse step is taken. 1 is plain
                inpainting; the time grows linearly. Defaults to 1.
            point_estimate (bool):
                Fill each cell with the pooled best guess of ``num_draws`` draws instead of
                one draw. Needs ``num_imputations=1``. Defaults to ``False``.
            num_draws (int):
                Draws pooled per cell when ``point_estimate`` is ``True``; the time grows
                linearly with it. Ignored otherwise. Defaults to 20.
            guidance_scale (float):
                Classifier-free guidance weight (see ``sample_from_conditions``); it doubles
                the time. Defaults to 0.
            sampling_steps (int or None):
                Reverse steps of each draw, at most the ``num_timesteps`` option. ``None``
                takes the ``sampling_steps`` option for draws and 10 (or fewer if that is
                lower) for the draws pooled by ``point_estimate``. Defaults to ``None``.

        Returns:
            pandas.DataFrame or dict:
                Same kind as ``data``. With ``num_imputations=1``, the table with the index,
                columns and dtypes of ``data``, every observed cell as given and every missing
                modeled cell filled. With ``num_imputations=k > 1``, the ``k`` completions
                stacked in one DataFrame whose outer index level ``'imputation'`` runs
                ``0..k-1`` over the original index: pool with
                ``result.groupby(level='imputation')`` or take one with
                ``result.xs(i, level='imputation')``.

        Raises:
            NotFittedError:
                If the synthesizer has not been fitted.
            MissDiffInputError:
                If ``data`` holds columns the synthesizer never saw, or an argument is invalid.
            InvalidDataError:
                If a column holds values of the wrong type or categories never seen in fit.
        """
        if not getattr(self, '_fitted', False) or self._encoder is None:
            raise NotFittedError(
                'This synthesizer has not been fitted. Fit it (synthesizer.fit) before imputing.'
            )

        check_positive_int('num_imputations', num_imputations, error=MissDiffInputError)
        settings = self._inpainting_settings(num_resamples, guidance_scale)
        check_positive_int('num_draws', num_draws, error=MissDiffInputError)
        check_bool('point_estimate', point_estimate, error=MissDiffInputError)
        if sampling_steps is None:
            if point_estimate:
                sampling_steps = min(
                    POINT_ESTIMATE_STEPS, self._options.sampling.sampling_steps or math.inf
                )
        else:
            check_positive_int('sampling_steps', sampling_steps, error=MissDiffInputError)
            if sampling_steps > self._options.diffusion.num_timesteps:
                raise MissDiffInputError(
                    f"'sampling_steps' ({sampling_steps}) cannot exceed the synthesizer's "
                    f"'num_timesteps' ({self._options.diffusion.num_timesteps})."
                )

        if sampling_steps is not None:
            settings['sampling_steps'] = int(sampling_steps)

        if point_estimate and num_imputations > 1:
            raise MissDiffInputError(
                'point_estimate=True gives one best guess per cell, so several imputations '
                'would all be the same table. Use num_imputations=1, or point_estimate=False '
                'for multiple imputation.'
            )

        num_completions = num_draws if point_estimate else num_imputations
        is_dict = isinstance(data, dict)
        if is_dict and list(data) != [self._table_name]:
            raise MissDiffInputError(
                f"'data' names the table(s) {sorted(map(str, data))}, but this synthesizer was "
                f"fitted on the table '{self._table_name}'. Pass {{'{self._table_name}': "
                'DataFrame}, or the DataFrame itself.'
            )

        table = sdv_private.single_table_data(data) if is_dict else data
        self._check_imputation_input(table)

        modeled = self._modeled_columns(table)
        holes = table[modeled].isna()
        rows = np.flatnonzero(holes.any(axis=1).to_numpy())
        completions = [table.copy() for _ in range(num_imputations)]
        if len(rows):
            sdv_private.ensure_random_state(self)
            known = table.iloc[rows][modeled].reset_index(drop=True)
            processed = self._data_processor.transform(known, is_condition=True)
            # Each hole is filled as if observed, so every missingness indicator says observed.
            inpainter = self._inpainter
            processed = inpainter.holes.prepare(processed.reset_index(drop=True), observed=True)
            excluded = inpainter.excluded_hole_levels
            if point_estimate:
                # Each row's draws side by side, in antithetic pairs: their mean errs less.
                stacked = processed.iloc[np.repeat(np.arange(len(rows)), num_draws)]
                stacked = stacked.reset_index(drop=True)
                settings['antithetic'] = True
            else:
                stacked = pd.concat([processed] * num_completions, ignore_index=True)

            generated = inpainter.inpaint(
                stacked, settings, show_progress_bar=bool(self.verbose), excluded=excluded
            )
            if point_estimate:
                generated = inpainter.pool_draws(generated, len(rows), num_draws)
                generated = inpainter.with_most_likely_levels(
                    generated, processed, settings['guidance_scale'], excluded
                )

            generated = inpainter.holes.drop_indicators(generated)
            imputed = self._data_processor.reverse_transform(generated)
            for number, completion in enumerate(completions):
                block = imputed.iloc[number * len(rows) : (number + 1) * len(rows)]
                for column in modeled:
                    if not holes[column].any():
                        continue

                    # Generated values on the imputed rows; observed cells keep their own.
                    generated = block[column].to_numpy()
                    fill = np.repeat(generated[:1], len(table))  # placeholder off the holes
                    fill[rows] = generated
                    fill = pd.Series(fill, index=table.index)
                    completion[column] = table[column].where(~holes[column], fill)

        if num_imputations == 1:
            result = completions[0]
        else:
            result = pd.concat(completions, keys=range(num_imputations), names=[IMPUTATION_LEVEL])

        return {self._table_name: result} if is_dict else result
