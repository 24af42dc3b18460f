"""``MissDiffSynthesizer``: the SDV glue around the masked diffusion model."""

# SDV imports this module as its add-on while SDV itself is being imported; sdv_private imports
# SDV first, so that importing this module before SDV does not meet a half-imported copy.
from sdv_missdiff import sdv_private  # isort: skip


import pandas as pd
from rdt.transformers import FloatFormatter
from sdv.single_table.base import BaseSingleTableSynthesizer

from sdv_missdiff import pickle_format
from sdv_missdiff._validation import check_choice, check_optional_int
from sdv_missdiff.conditional import ConditionalSamplingMixin
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.generated_columns import generated_columns
from sdv_missdiff.imputation import ImputationMixin
from sdv_missdiff.inpainting import Inpainter
from sdv_missdiff.loss_values import LossValuesPlotMixin
from sdv_missdiff.missing_values import MISSING_VALUE_GENERATIONS
from sdv_missdiff.model_fitting import fit_model
from sdv_missdiff.options import (
    EncodingOptions,
    OptionError,
    PrivacyOptions,
    SamplingOptions,
    TrainingOptions,
    build_options,
)
from sdv_missdiff.private_fit import check_private_synthesizer, preprocess, privacy_spent
from sdv_missdiff.timestamps import SteppedTimestampEncoder
from sdv_missdiff.training_table import check_training_table

MODELED_SDTYPES = ('numerical', 'datetime', 'categorical', 'boolean', 'ordinal')
# Options that are arguments of their own, not entries of ``model_options``.
_OWN_ARGUMENTS = ('epochs', 'batch_size', 'learning_rate', 'max_one_hot_levels', 'epsilon', 'delta')


class MissDiffSynthesizer(
    ImputationMixin, ConditionalSamplingMixin, LossValuesPlotMixin, BaseSingleTableSynthesizer
):
    """Diffusion synthesizer that learns from tables with missing values without imputing them.

    Training uses masked denoising score matching (MissDiff, Ouyang et al. 2023): missing cells
    are left out of the loss instead of being filled in, so the model learns the distribution
    of the complete data from incomplete rows. Sampled rows are complete, unless
    ``missing_value_generation`` asks for holes that mean what the real ones mean.

    Args:
        metadata (sdv.metadata.Metadata):
            Metadata of the table this synthesizer will model.
        enforce_min_max_values (bool):
            Clip numerical and datetime values to the range seen in ``fit``. Defaults to ``True``.
        enforce_rounding (bool):
            Round numerical values as in the real data. Defaults to ``True``.
        locales (list or str):
            Locales of the generators for PII columns. Defaults to ``None`` (``['en_US']``).
        epochs (int or None):
            Passes over the rows. ``None`` picks about 6,000 optimisation steps divided by the
            share of observed cells, from 1 to 500 passes. Defaults to ``None``.
        batch_size (int or None):
            Rows per optimisation step. ``None``: 256, or 1,024 under differential privacy.
            Defaults to ``None``.
        learning_rate (float):
            Peak learning rate of AdamW, decayed to 0 on a cosine. Defaults to 2e-3.
        max_one_hot_levels (int or None):
            Discrete columns with up to this many levels are one-hot encoded; wider ones get one
            frequency-encoded dimension, and a warning names them. ``None`` one-hot encodes
            every discrete column. Defaults to 500.
        missing_value_generation (str or None):
            The holes of sampled rows, named after RDT's argument. ``None`` returns complete
            rows. ``'learned'`` learns whether each cell is missing jointly with the values and
            returns NaN where it says so (holes that keep their meaning). ``'random'`` blanks
            each column independently at its observed rate, as SDV does; the columns of an
            ``Inequality``, ``Range`` or ``FixedCombinations`` miss together as the
            constraint's own record of their holes, learned with the row, says (SDV's
            patterns). ``impute`` fills every hole in every mode. Defaults to ``None``.
        epsilon (float or None):
            Train with (epsilon, delta)-differential privacy: DP-SGD, and noisy statistics
            for everything else the fit reads (``docs/privacy.md``); ``get_privacy_budget``
            reports what was spent. Defaults to ``None`` (no differential privacy).
        delta (float):
            The delta of differential privacy, in (0, 1). Defaults to 1e-5.
        model_options (dict or MissDiffOptions or None):
            Research and tuning options by name (the network, the diffusion, training, sampling
            and encoding); every option, its default and what it does: ``docs/options.md``.
            Defaults to ``None`` (every option at its default).
        verbose (bool):
            Show progress bars while fitting, sampling and imputing. Defaults to ``False``.
        enable_gpu (bool):
            Use CUDA (then Apple MPS) when present, else the CPU. Defaults to ``True``.
    """

    _model_sdtype_transformers = {
        # NaN must reach the model untouched: no fill, no random re-insertion.
        'numerical': FloatFormatter(missing_value_replacement=None, missing_value_generation=None),
        'datetime': SteppedTimestampEncoder(
            missing_value_replacement=None, missing_value_generation=None
        ),
        # Discrete columns reach the model as their raw values; it one-hot encodes them.
        'categorical': None,
        'boolean': None,
        'ordinal': None,
    }

    def __init__(
        self,
        metadata,
        enforce_min_max_values=True,
        enforce_rounding=True,
        locales=None,
        epochs=TrainingOptions.epochs,
        batch_size=TrainingOptions.batch_size,
        learning_rate=TrainingOptions.learning_rate,
        max_one_hot_levels=EncodingOptions.max_one_hot_levels,
        missing_value_generation=None,
        epsilon=PrivacyOptions.epsilon,
        delta=PrivacyOptions.delta,
        model_options=None,
        verbose=False,
        enable_gpu=True,
    ):
        own = {
            'epochs': epochs,
            'batch_size': batch_size,
            'learning_rate': learning_rate,
            'max_one_hot_levels': max_one_hot_levels,
            'epsilon': epsilon,
            'delta': delta,
        }
        self._options = build_options(model_options, own)
        check_choice(
            'missing_value_generation',
            missing_value_generation,
            MISSING_VALUE_GENERATIONS,
            error=MissDiffInputError,
        )
        strategy = self._options.encoding.missing_data_strategy
        if missing_value_generation == 'learned' and strategy == 'drop':
            raise MissDiffInputError(
                "missing_value_generation='learned' learns the holes from the rows that have "
                "them, which missing_data_strategy='drop' leaves out. Use "
                "missing_data_strategy='mask' (or 'mean')."
            )

        super().__init__(
            metadata=metadata,
            enforce_min_max_values=enforce_min_max_values,
            enforce_rounding=enforce_rounding,
            locales=['en_US'] if locales is None else locales,
        )
        self.missing_value_generation = missing_value_generation
        self.verbose = verbose
        self.enable_gpu = enable_gpu
        self.format_version = pickle_format.FORMAT_VERSION
        self._encoder = None
        self._num_training_rows = None
        self._missing_values = None
        self._fitted_ranges = {}
        self._private_fit = None
        check_private_synthesizer(self)

    @property
    def options(self):
        """MissDiffOptions: Every option in force."""
        return self._options

    def get_parameters(self):
        """Return the arguments of the synthesizer, ``model_options`` holding every other option.

        Returns:
            dict:
                Every argument but ``metadata``; ``model_options`` has the value in force of
                every option that is not an argument of its own.
        """
        parameters = super().get_parameters()
        flat = self._options.flat()
        parameters.update({name: flat[name] for name in _OWN_ARGUMENTS})
        parameters['model_options'] = {
            name: value for name, value in flat.items() if name not in _OWN_ARGUMENTS
        }
        return parameters

    def set_sampling_options(self, **options):
        """Change how rows are drawn, fitted or not; no refit is needed.

        Args:
            **options:
                Sampling options by name: ``sampler``, ``sampling_steps``,
                ``sampling_precision``, ``level_cutoff`` (see ``docs/options.md``).

        Raises:
            MissDiffInputError:
                If a name is not a sampling option or a value is not allowed.
        """
        sampling = [name for name, _, _ in SamplingOptions.declarations()]
        unknown = sorted(set(options) - set(sampling))
        if unknown:
            raise MissDiffInputError(
                f'{unknown} are not sampling options; the sampling options are {sampling}. '
                'Other options are set when the synthesizer is made (model_options).'
            )

        try:
            self._options = self._options.replace(**options)
        except OptionError as error:
            raise MissDiffInputError(str(error)) from None

        if getattr(self, '_model', None) is not None:
            self._model.set_sampling_options(**options)

    def __setstate__(self, state):
        """Restore a pickled synthesizer, upgrading one saved by an older version first."""
        self.__dict__.update(pickle_format.upgrade(state))

    # -- constraints --------------------------------------------------------------------
    def add_constraints(self, constraints):
        """Add SDV constraints; missing cells keep reaching the model as missing.

        Args:
            constraints (list):
                SDV 2.0 constraints (``sdv.cag``) to apply to the synthesizer.
        """
        super().add_constraints(constraints)
        # SDV rebuilds its data processor here with its own default transformers, which
        # mean-fill numbers and re-insert NaN at random: put MissDiff's back.
        sdv_private.reset_default_transformers(self)

    # -- validation ---------------------------------------------------------------------
    def _preprocess(self, table_data):
        # Under DP, SDV's transformers are fitted on rows made from noisy statistics.
        if self._options.privacy.epsilon is None:
            return super()._preprocess(table_data)

        return preprocess(self, table_data)

    def get_privacy_budget(self):
        """What a private fit spent: epsilon (target, spent, of the statistics), delta, noise.

        Returns:
            dict or None:
                The budget (``docs/privacy.md``), with the levels dropped as rare and the
                private bounds of each number; ``None`` without differential privacy.
        """
        model = getattr(self, '_model', None)
        if model is None or getattr(model, 'privacy', None) is None:
            return None

        return privacy_spent(self._private_fit, model.privacy)

    def _modeled_columns(self, table_data):
        metadata = sdv_private.table_metadata(self)
        return [
            name
            for name, column in metadata.columns.items()
            if column.get('sdtype') in MODELED_SDTYPES
            and name in table_data.columns
            and name != metadata.primary_key
        ]

    def _validate(self, table_data):
        """Collect every problem of ``table_data`` that MissDiff cannot train on."""
        return check_training_table(
            table_data,
            self._modeled_columns(table_data),
            sdv_private.table_metadata(self).columns,
            self._options.encoding.missing_data_strategy,
        )

    # -- fitting ------------------------------------------------------------------------
    def _fit(self, processed_data):
        """Fit the encoder and the diffusion model to the processed table.

        Args:
            processed_data (pandas.DataFrame):
                Table in SDV's processed space, NaN where a cell is missing.
        """
        fit_model(self, processed_data)

    def get_generated_columns(self):
        """Columns SDV generates (keys, formatted ids, ``pii`` sdtypes) instead of the model.

        Their values do not depend on the rest of the row; ``fit`` warns about each but the
        primary key. Set a column's sdtype to ``'categorical'`` in the metadata to have it
        learned.

        Returns:
            dict:
                ``{column: description}`` (its sdtype or key role and its generator); empty
                when the model learns every column. SDV raises a ``ValueError`` before ``fit``.
        """
        metadata = sdv_private.table_metadata(self)
        return generated_columns(self.get_transformers(), metadata.columns, metadata.primary_key)

    # -- sampling -----------------------------------------------------------------------
    @property
    def _inpainter(self):
        """Inpainter: The fitted encoder, model and holes that generate processed rows."""
        return Inpainter(self._encoder, self._model, self._missing_values)

    def _sample(self, num_rows, conditions=None):
        """Sample complete rows in the processed space.

        Args:
            num_rows (int):
                Number of rows to sample.
            conditions (dict or None):
                Processed-space values to hold fixed in every row (SDV's hook; MissDiff's own
                ``sample_from_conditions`` passes its conditions through the ``Inpainter``).
                Defaults to ``None``.

        Returns:
            pandas.DataFrame:
                Sampled rows, NaN where ``missing_value_generation`` puts holes.
        """
        if conditions:
            known = pd.DataFrame(
                {column: [value] * num_rows for column, value in conditions.items()}
            )
            inpainter = self._inpainter
            inpainter.check_known_categories(known)
            given = pd.DataFrame(True, index=known.index, columns=known.columns)
            return inpainter.with_holes(inpainter.inpaint(inpainter.holes.prepare(known, given)))

        return self._inpainter.sample(num_rows, show_progress_bar=bool(self.verbose))

    def set_random_state(self, random_state):
        """Seed every sampled column, ids and PII included, so a seed gives the same rows.

        ``sample``, ``sample_from_conditions``, ``sample_remaining_columns`` and ``impute``
        draw from the seeded state, so two runs after the same seed return identical tables.
        The model's values follow the seed; ids and PII restart from the sequence their
        generators had right after ``fit`` (the same for every seed, as ``reset_sampling``
        does), so keys stay unique within one run of sampling calls. SDV 2.0 itself has
        ``reset_sampling`` (back to the state after ``fit``) and no public seed.

        Args:
            random_state (int or None):
                A non-negative seed, or ``None`` for fresh randomness (ids and PII then go on
                from where they are).

        Raises:
            MissDiffInputError:
                If ``random_state`` is neither ``None`` nor a non-negative integer.
            sdv.errors.SamplingError:
                If the synthesizer has not been fitted.
        """
        check_optional_int(
            'random_state', random_state, 0, 'for fresh randomness', error=MissDiffInputError
        )
        sdv_private.check_fitted_for_sampling(self)
        if random_state is not None:
            self._data_processor.reset_sampling()
            random_state = int(random_state)

        sdv_private.set_random_state(self, random_state)


sdv_private.register_addon(MissDiffSynthesizer)
