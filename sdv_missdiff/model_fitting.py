"""The body of ``MissDiffSynthesizer._fit``: the holes, the encoder and the model from SDV's table.

SDV hands ``_fit`` the table in its processed space; this module turns it into the model's
values and observation mask, fits the record of the holes (``MissingValues``), the encoder and
the value ranges, warns about columns the model will not learn as users expect, and trains the
diffusion model. Under differential privacy every statistic outside the network (levels, ranges,
holes) is fitted on the public rows ``private_fit`` made from noisy counts instead of the real
rows, which reach the model through DP-SGD alone.
"""

import warnings

from sdv_missdiff import sdv_private
from sdv_missdiff.constraints import pattern_columns, restore_missing_cells
from sdv_missdiff.diffusion import MaskedDiffusionModel
from sdv_missdiff.encoding import TableEncoder
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.generated_columns import warn_generated_columns
from sdv_missdiff.known_cells import fitted_ranges
from sdv_missdiff.missing_values import MissingValues
from sdv_missdiff.training_table import training_rows

# Frames between a warning here and the user's ``fit`` call: the warning function, fit_model,
# _fit, SDV's fit_processed_data and fit.
USER_STACKLEVEL = 6


def _private_fit(synthesizer):
    if synthesizer.options.privacy.epsilon is None:
        return None

    private = getattr(synthesizer, '_private_fit', None)
    if private is None:
        raise MissDiffInputError(
            'A private synthesizer (epsilon set) fits with fit(data), which reads its noisy '
            'statistics, not with fit_processed_data.'
        )

    return private


def warn_frequency_encoded(encoder, max_one_hot_levels):
    """Warn, naming them, about the discrete columns given one frequency-encoded dimension."""
    frequency_encoded = encoder.frequency_encoded_columns
    if not frequency_encoded:
        return

    described = ', '.join(
        f"'{column}' ({levels:,} levels)" for column, levels in frequency_encoded.items()
    )
    warnings.warn(
        f'Column(s) {described} have more than max_one_hot_levels={max_one_hot_levels} levels, '
        'so each is modeled as one frequency-encoded dimension instead of a one-hot block: level '
        'frequencies are kept, but their dependence on the other columns is learned more '
        'coarsely. To one-hot encode them (fit time and memory grow with the levels), raise '
        'max_one_hot_levels or set it to None; for id-like columns, an id sdtype in the '
        'metadata is better.',
        stacklevel=USER_STACKLEVEL,
    )


def fit_model(synthesizer, processed_data):
    """Fit the holes, the encoder and the diffusion model of ``synthesizer`` to its table.

    Args:
        synthesizer (MissDiffSynthesizer):
            The synthesizer; its ``_missing_values``, ``_encoder``, ``_num_training_rows``,
            ``_fitted_ranges`` and ``_model`` are set.
        processed_data (pandas.DataFrame):
            Table in SDV's processed space, NaN where a cell is missing.
    """
    options = synthesizer.options
    encoding = options.encoding
    random_holes = synthesizer.missing_value_generation == 'random'
    constraints = synthesizer._chained_constraints
    processed_data = restore_missing_cells(
        processed_data,
        constraints,
        sdv_private.ColumnCodec(synthesizer),
        keep_patterns=random_holes,
    )
    private = _private_fit(synthesizer)
    statistics_data = processed_data if private is None else private.processed_public
    discrete_columns = sdv_private.detect_discrete_columns(
        synthesizer.metadata, statistics_data, sdv_private.field_transformers(synthesizer)
    )
    encoder = TableEncoder(
        encoding.numerical_transform,
        encoding.max_one_hot_levels,
        max_whole_number_levels=encoding.max_whole_number_levels,
    )
    whole_number_columns = encoder.whole_number_columns(statistics_data, discrete_columns)
    holes = MissingValues(synthesizer.missing_value_generation)
    holes.fit(
        statistics_data,
        # Numbers modelled as levels take their holes as a level, as discrete columns do: an
        # indicator column beside a one-hot block put STAR's missing shares 0.08 off on average.
        list(discrete_columns) + list(whole_number_columns),
        encoding.max_one_hot_levels,
        # The constraints put their own holes back from the record the model learned.
        skipped=pattern_columns(constraints) if random_holes else (),
    )
    processed_data = holes.prepare(processed_data)
    discrete_columns = list(discrete_columns) + holes.indicator_columns
    training_data = training_rows(
        processed_data,
        discrete_columns + list(whole_number_columns),  # 'mean' fills levels with the mode
        encoding.missing_data_strategy,
    )
    public_data = None if private is None else holes.prepare(private.processed_public)
    encoder.fit(
        training_data if private is None else public_data, discrete_columns, whole_number_columns
    )
    warn_frequency_encoded(encoder, encoding.max_one_hot_levels)
    warn_generated_columns(
        synthesizer.get_generated_columns(),
        sdv_private.table_metadata(synthesizer).primary_key,
        stacklevel=USER_STACKLEVEL,
    )
    values, observed = encoder.transform(training_data)
    synthesizer._missing_values, synthesizer._encoder = holes, encoder
    synthesizer._num_training_rows = len(training_data)
    synthesizer._fitted_ranges = fitted_ranges(
        processed_data if private is None else public_data, encoder
    )
    synthesizer._model = MaskedDiffusionModel(
        options.model_part(), verbose=synthesizer.verbose, enable_gpu=synthesizer.enable_gpu
    )
    synthesizer._model.fit(
        values,
        observed,
        dimension_weights=encoder.dimension_weights(encoding.column_balance),
        column_index=encoder.column_index,
        column_kinds=encoder.model_column_kinds,
        hole_draw_columns=[
            encoder.columns.index(column)
            for column in holes.indicators
            if column in encoder.columns
        ],
        # The hole levels, which imputation excludes, are what sampling draws again.
        hole_levels=holes.excluded_dimensions(encoder),
        indicated_by=holes.indicated_by(encoder),
        learns_holes=holes.learns_holes,
        public_rows=None if private is None else encoder.transform(public_data),
        privacy_plan=None if private is None else private.plan,
    )
    if private is not None:
        private.processed_public = None  # public, but not worth keeping in the pickle
