"""Conditional sampling by diffusion inpainting, mixed into ``MissDiffSynthesizer``.

Every path here is the same batched inpainting: the known cells of all rows are encoded into one
array of values and one mask (a NaN cell is simply not known), the diffusion model generates the
other dimensions around them in a single ``sample`` call, and the result goes back through SDV's
data processor; the known cells are then pasted back once, in the user's space, exactly as given.
There is no reject loop for conditions; the only loop is for rows that SDV constraints reject
after generation.
"""

import pandas as pd
import tqdm

from sdv_missdiff import sdv_private
from sdv_missdiff._validation import check_number, check_positive_int
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.known_cells import check_known_in_range, paste_known

# Classifier-free guidance weight for conditions (on the levels of one-hot columns under
# masked categorical diffusion): 0.5 follows a tight condition as the data does, 0 gives the most
# faithful rows where a condition is loose (benchmarks/results/conditionals/README.md). Imputation
# is most accurate without guidance, so impute defaults to 0.
CONDITIONAL_GUIDANCE_SCALE = 0.5


class ConditionalSamplingMixin:
    """Generate the unknown cells of rows around known ones, with no reject sampling.

    The processed-space work is the synthesizer's ``_inpainter`` (``inpainting.Inpainter``);
    this mixin adds SDV's side: its data processor, constraints and the user's own known cells.
    Methods defined here override SDV's ``BaseSingleTableSynthesizer`` ones because the mixin
    comes first in the MRO.
    """

    # -- arguments ----------------------------------------------------------------------
    def _inpainting_settings(self, num_resamples, guidance_scale):
        """Validate the sampling arguments of the public methods into ``inpaint`` settings."""
        check_positive_int('num_resamples', num_resamples, error=MissDiffInputError)
        check_number(
            'guidance_scale',
            guidance_scale,
            0,
            what='a number, 0 (no guidance) or more',
            error=MissDiffInputError,
        )

        return {'num_resamples': int(num_resamples), 'guidance_scale': float(guidance_scale)}

    # -- user space ---------------------------------------------------------------------
    def _generate_around(
        self, known_table, settings, max_tries, show_progress_bar=False, given=None
    ):
        """Generate user-space rows around the known cells of ``known_table``.

        Args:
            known_table (pandas.DataFrame):
                User-space known columns with a ``RangeIndex``; NaN cells are not known.
            settings (dict):
                Sampling settings from ``_inpainting_settings``.
            max_tries (int):
                Attempts for rows that SDV constraints reject after generation.
            show_progress_bar (bool):
                Show a progress bar over the reverse steps of the first attempt.
            given (pandas.DataFrame or None):
                Boolean frame like ``known_table``: True where a cell is a condition. Under
                ``missing_value_generation='learned'`` a given NaN asks for a missing cell.
                Defaults to ``None`` (every cell of ``known_table``).

        Returns:
            pandas.DataFrame:
                Reverse-transformed rows with the index of ``known_table``; rows whose
                constraints do not hold with their known cells after ``max_tries`` attempts
                are missing.
        """
        processed_known = sdv_private.transform_known(self, known_table).reset_index(drop=True)
        if given is None:
            given = pd.DataFrame(True, index=known_table.index, columns=known_table.columns)

        inpainter = self._inpainter
        processed_known = inpainter.holes.prepare(processed_known, given.reset_index(drop=True))
        pending = pd.RangeIndex(len(known_table))
        parts = []
        for attempt in range(max_tries):
            if not len(pending):
                break

            processed = inpainter.inpaint(
                processed_known.iloc[pending],
                settings,
                show_progress_bar=show_progress_bar and attempt == 0,
            )
            processed = inpainter.with_holes(processed)
            processed.index = pending
            sampled = self._data_processor.reverse_transform(processed)
            sampled = self.reverse_transform_constraints(sampled)
            if sdv_private.has_constraints(self):
                # The known cells are the user's, not the generated ones a constraint checked:
                # a row leaves only if its constraints hold with them (else it is drawn again).
                sampled = paste_known(sampled, known_table, given)
                sampled = sampled[sdv_private.constraints_hold(self, sampled).to_numpy()]

            parts.append(sampled)
            pending = pending.difference(sampled.index)

        sampled = pd.concat(parts) if len(parts) > 1 else parts[0]
        return sampled.sort_index()

    def _sample_around_known(
        self,
        known_table,
        given,
        settings,
        max_tries_per_batch,
        batch_size,
        progress_bar,
        output_file_path,
    ):
        """Sample rows around user-space known cells and paste the given cells back exactly.

        Args:
            known_table (pandas.DataFrame):
                User-space known columns, any index.
            given (pandas.DataFrame):
                Boolean frame like ``known_table``: True where the cell is returned as given
                (NaN included); its non-null cells are the ones conditioned on.
            settings (dict):
                Sampling settings from ``_inpainting_settings``.
            max_tries_per_batch (int):
                Attempts for rows that SDV constraints reject.
            batch_size (int or None):
                Rows per model call; ``None`` puts every row in one call.
            progress_bar (tqdm.tqdm):
                Advanced by the number of rows of each batch.
            output_file_path (str or None):
                CSV file the rows are appended to batch by batch.

        Returns:
            pandas.DataFrame:
                The sampled rows, with the index of ``known_table``.
        """
        index = known_table.index
        known_table = known_table.reset_index(drop=True)
        given = given.reset_index(drop=True)
        batch_size = batch_size or max(len(known_table), 1)
        batches = []
        for start in range(0, len(known_table), batch_size):
            known_batch = known_table.iloc[start : start + batch_size].reset_index(drop=True)
            given_batch = given.iloc[start : start + batch_size].reset_index(drop=True)
            sampled = self._generate_around(
                known_batch, settings, max_tries_per_batch, given=given_batch
            )
            sampled = paste_known(sampled, known_batch, given_batch)
            sampled.index = sampled.index + start
            if output_file_path:
                sampled.to_csv(output_file_path, mode='a', header=start == 0, index=False)

            progress_bar.update(len(sampled))
            batches.append(sampled)

        sampled = pd.concat(batches) if batches else pd.DataFrame(columns=known_table.columns)
        sampled.index = index[sampled.index]
        return sampled

    def _check_sampled_all(self, num_sampled, num_expected, max_tries_per_batch):
        if num_sampled < num_expected:
            raise ValueError(
                f'Only {num_sampled} of {num_expected} rows met the synthesizer constraints after '
                f"{max_tries_per_batch} tries. Increase 'max_tries_per_batch' or check that "
                'the known values can satisfy the constraints.'
            )

    def _sample_known_rows(
        self,
        known_table,
        given,
        description,
        settings,
        max_tries_per_batch,
        batch_size,
        output_file_path,
    ):
        """Generate around ``known_table`` with a progress bar, as SDV's sampling methods do."""
        # Known values are checked once, before SDV's error handling would hide the message:
        # discrete columns reach the model as their raw values, numbers and dates processed.
        self._inpainter.check_known_categories(known_table)
        check_known_in_range(self, known_table)
        sampled = pd.DataFrame()
        try:
            with tqdm.tqdm(total=len(known_table)) as progress_bar:
                progress_bar.set_description(description)
                sampled = self._sample_around_known(
                    known_table,
                    given,
                    settings,
                    max_tries_per_batch,
                    batch_size,
                    progress_bar,
                    output_file_path,
                )
        except (Exception, KeyboardInterrupt) as error:
            sdv_private.handle_sampling_error(output_file_path, error)

        # Outside SDV's handling, which would replace the message with its own.
        self._check_sampled_all(len(sampled), len(known_table), max_tries_per_batch)

        return sampled

    def sample_remaining_columns(
        self,
        known_columns,
        max_tries_per_batch=100,
        batch_size=None,
        output_folder_path=None,
        num_resamples=1,
        guidance_scale=CONDITIONAL_GUIDANCE_SCALE,
    ):
        """Sample the other columns of each row around its own known values.

        Every row is conditioned on its own non-null known cells; all rows are generated
        together by diffusion inpainting, with no reject sampling. A NaN known cell is not
        conditioned on and is returned as NaN: the row is kept (SDV drops it). Under
        ``missing_value_generation='learned'`` it asks for a row where that cell is missing,
        so the rest of the row is generated as the rows with that hole look. Use
        :meth:`impute` to fill such cells instead.

        Args:
            known_columns (pandas.DataFrame):
                The known columns; each output row matches the input row with the same index.
            max_tries_per_batch (int):
                Attempts for rows that the synthesizer's constraints (if any) reject; unused
                without constraints. Defaults to 100.
            batch_size (int or None):
                Rows generated per model call. Defaults to ``None`` (all at once).
            output_folder_path (str or None):
                Folder to write the sampled rows to, as ``<table name>.csv``. Defaults to
                ``None``.
            num_resamples (int):
                RePaint resampling: how many times each reverse step is taken. 1 is plain
                inpainting. Defaults to 1.
            guidance_scale (float):
                Classifier-free guidance weight: 0 samples from the model's conditional as it
                is; higher values follow the known values more closely (less diverse rows) and
                take twice as long. Ignored when ``conditional_share=0``. Defaults to 0.5 (see
                ``CONDITIONAL_GUIDANCE_SCALE``).

        Returns:
            dict[str, pandas.DataFrame]:
                The table name mapped to the sampled rows, with the known columns exactly as
                given (values, NaN and dtypes) and the index of ``known_columns``.
        """
        sdv_private.check_fitted_for_sampling(self)
        settings = self._inpainting_settings(num_resamples, guidance_scale)
        output_file_path = sdv_private.validate_folder_path_with_table_names(
            output_folder_path, [self._table_name]
        )[0]
        known_columns = known_columns.copy()
        sdv_private.validate_known_columns(self, known_columns)
        sdv_private.ensure_random_state(self)
        given = pd.DataFrame(True, index=known_columns.index, columns=known_columns.columns)
        sampled = self._sample_known_rows(
            known_columns,
            given,
            'Sampling remaining columns',
            settings,
            max_tries_per_batch,
            batch_size,
            output_file_path,
        )
        return {self._table_name: sampled}

    def sample_from_conditions(
        self,
        conditions,
        max_tries_per_batch=100,
        batch_size=None,
        output_folder_path=None,
        num_resamples=1,
        guidance_scale=CONDITIONAL_GUIDANCE_SCALE,
    ):
        """Sample rows that hold the given conditions, by inpainting (no reject sampling).

        All conditions are generated together in one batched inpainting pass. A NaN condition
        value comes back as NaN, as in SDV; it is not conditioned on, except under
        ``missing_value_generation='learned'``, where it asks for rows with that cell missing.

        Args:
            conditions (list[sdv.sampling.Condition or sdv.sampling.DataFrameCondition]):
                The column values to hold and the number of rows for each.
            max_tries_per_batch (int):
                Attempts for rows that the synthesizer's constraints (if any) reject; unused
                without constraints. Defaults to 100.
            batch_size (int or None):
                Rows generated per model call. Defaults to ``None`` (all at once).
            output_folder_path (str or None):
                Folder to write the sampled rows to. Defaults to ``None``.
            num_resamples (int):
                RePaint resampling: how many times each reverse step is taken. 1 is plain
                inpainting. Defaults to 1.
            guidance_scale (float):
                Classifier-free guidance weight: 0 samples from the model's conditional as it
                is; higher values follow the known values more closely (less diverse rows) and
                take twice as long. Ignored when ``conditional_share=0``. Defaults to 0.5 (see
                ``CONDITIONAL_GUIDANCE_SCALE``).

        Returns:
            dict[str, pandas.DataFrame]:
                The table name mapped to the sampled rows, conditions in the order SDV uses
                (grouped by the set of conditioned columns).
        """
        sdv_private.check_fitted_for_sampling(self)
        settings = self._inpainting_settings(num_resamples, guidance_scale)
        output_file_path = sdv_private.validate_folder_path_with_table_names(
            output_folder_path, [self._table_name]
        )[0]
        condition_dataframes = sdv_private.condition_frames(self, conditions)
        sdv_private.validate_conditions(self, condition_dataframes)
        sdv_private.ensure_random_state(self)
        known_table = pd.concat(condition_dataframes, ignore_index=True)
        given = pd.concat(
            [
                pd.DataFrame(
                    {column: column in frame.columns for column in known_table.columns},
                    index=frame.index,
                )
                for frame in condition_dataframes
            ],
            ignore_index=True,
        )
        sampled = self._sample_known_rows(
            known_table,
            given,
            'Sampling conditions',
            settings,
            max_tries_per_batch,
            batch_size,
            output_file_path,
        )
        return {self._table_name: sampled.reset_index(drop=True)}
