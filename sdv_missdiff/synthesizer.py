"""``MissDiffSynthesizer``: the SDV glue around the masked diffusion model."""

# SDV imports this module as its add-on while SDV itself is being imported; sdv_private imports
# SDV first, so that importing this module before SDV does not meet a half-imported copy.
from sdv_missdiff import sdv_private  # isort: skip

import math
import warnings

import numpy as np
import pandas as pd
from rdt.transformers import FloatFormatter, UnixTimestampEncoder
from sdv.single_table.base import BaseSingleTableSynthesizer

from sdv_missdiff._validation import (
    check_choice,
    check_fraction,
    check_integer,
    check_number,
    check_optional_int,
    check_positive_int,
    is_number,
)
from sdv_missdiff.conditional import ConditionalSamplingMixin
from sdv_missdiff.constraints import restore_missing_cells
from sdv_missdiff.diffusion import MaskedDiffusionModel
from sdv_missdiff.diffusion.categorical import CATEGORICAL_DIFFUSIONS
from sdv_missdiff.diffusion.denoisers import DENOISERS
from sdv_missdiff.diffusion.model import SAMPLER_CHOICES, SAMPLING_PRECISIONS
from sdv_missdiff.diffusion.parameterization import PREDICTION_TARGETS
from sdv_missdiff.encoding import (
    MAX_ONE_HOT_LEVELS,
    NUMERICAL_TRANSFORMS,
    TableEncoder,
)
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.imputation import ImputationMixin
from sdv_missdiff.loss_values import LossValuesPlotMixin
from sdv_missdiff.missing_values import MISSING_VALUE_GENERATIONS, MissingValues
from sdv_missdiff.training_table import check_training_table, training_rows

MISSING_DATA_STRATEGIES = ('mask', 'mean', 'drop')
# With epochs=None, train for about this many optimisation steps on complete rows (1 to
# AUTO_MAX_EPOCHS epochs: at 400,000 rows 6,252 steps scored as the 15,630 of the 10-epoch floor of
# before in 44% of the time), divided by the share of observed cells: a step of rows with holes
# scores fewer cells, so the budget follows the cells seen. Adult-16k with 50% holes: the best
# guess's categorical accuracy 0.678 at 6,000 steps, 0.690 at 9,000, 0.698 at 12,000 (MICE 0.685,
# MissForest 0.692).
AUTO_TRAINING_STEPS = 6_000
# The observed share counted by the automatic budget is at least this: at most 4x the steps.
AUTO_MIN_OBSERVED_SHARE = 0.25
# Tables under ~2,800 rows reach this cap first: on 500-row tables 500 epochs scored higher than
# 2,000 with a held-out stop, on penguins 0.012 lower, in a fifth to a third of the time
# (benchmarks/results/speed).
AUTO_MAX_EPOCHS = 500
# With denoiser_width=None, tables under this many training rows get the narrower denoiser:
# 0.002-0.012 below the wide one's quality on 258-500 rows in about half the fit time, under 10 s
# (at 4,000 rows the wide one scored higher).
SMALL_TABLE_ROWS = 1_000
SMALL_TABLE_WIDTH = 128
DEFAULT_WIDTH = 256
MODELED_SDTYPES = ('numerical', 'datetime', 'categorical', 'boolean', 'ordinal')


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
        missing_data_strategy (str):
            How missing cells are handled in training: ``'mask'`` (MissDiff: left out of the
            loss), ``'mean'`` (Diff-mean: filled with the column mean or mode first) or
            ``'drop'`` (Diff-delete: only complete rows are used). Defaults to ``'mask'``.
        epochs (int or None):
            Number of passes over the data. ``None`` picks as many as make about 6,000
            optimisation steps divided by the share of observed cells (a step of rows with
            holes scores fewer cells; at most 4 times as many steps), at least one pass and at
            most 500 (96 epochs for 16,000 complete rows at the default batch size, 120 with
            20% of the cells missing, 191 with half of them; 2 for 1,000,000 rows, 500 for
            complete tables under about 2,800 rows: small tables get more epochs, since a
            diffusion model needs steps, not passes). Defaults to ``None``.
        batch_size (int):
            Number of rows per optimisation step. Defaults to 256.
        learning_rate (float):
            Peak learning rate of AdamW, decayed to 0 on a cosine. Defaults to 2e-3.
        denoiser_width (int or None):
            Width of the denoiser's hidden layers. ``None`` picks 128 for tables under 1,000
            training rows (0.002-0.012 below 256's quality there in about half the fit time)
            and 256 otherwise.
            Defaults to ``None``.
        denoiser_blocks (int):
            Number of residual blocks of the denoiser. Defaults to 4.
        periodic_embedding (int):
            Learned frequencies of the periodic embedding of each numerical and datetime value
            fed to the denoiser beside the value itself (Gorishniy et al. 2022), so that it can
            read narrow intervals of a number (an education code as its degree). 0 feeds raw
            values only. Defaults to 16: on Adult (16,000 rows, 20% holes) the best guess of
            ``impute`` named the hidden ``education`` right in 0.877 of cells against 0.806
            (see ``benchmarks/results/imputation``).
        denoiser (str):
            The denoising network: ``'mlp'`` (a residual MLP over the whole row) or
            ``'column_attention'`` (one token per column, attention across the columns of a
            row; about ten times slower per step on a CPU). Defaults to ``'mlp'``.
        num_timesteps (int):
            Number of diffusion steps ``T``. Defaults to 100, as in the paper.
        beta_min (float):
            First noise level of the paper's quadratic schedule. Defaults to 1e-4.
        beta_max (float):
            Last noise level of the paper's quadratic schedule. Defaults to 0.5.
        numerical_transform (str):
            Scaling of numerical and datetime columns before diffusion: ``'quantile'`` (onto a
            standard normal), ``'standard'`` or ``'minmax'`` (the paper's). Defaults to
            ``'quantile'``.
        column_balance (float):
            How the loss weighs columns, from 0 to 1: each dimension of a categorical column with
            ``k`` levels weighs ``k ** -column_balance``. 0 weighs every model dimension the same
            (the paper's plain mean, where wide one-hot blocks dominate); 1 weighs every column
            the same. Defaults to 1.
        timestep_emphasis (float):
            How much more often training visits the noisy steps: a step ``t`` is drawn with
            probability about proportional to ``t ** timestep_emphasis`` (0: every step equally
            often, as the paper). At 1, rows whose cells are mostly hidden or noisy are seen
            more often, which is where the dependence of a rare level on another column is
            learned: on Adult (16,000 rows, 20% holes, two fits) generated rows born in an
            Asian country were Asian in 0.52-0.55 of cases against 0.16-0.20 at 0 (real 0.88),
            XGBoost AUROC 0.896-0.898 against 0.893-0.895, the best guess of :meth:`impute`
            named 0.764 of hidden categories right against 0.762, and quality was 0.974-0.976
            against 0.975-0.977, at the same fit time (``benchmarks/results/conditionals``,
            section 7). Defaults to 1.
        categorical_weight (float):
            Loss weight of a hidden categorical cell (its cross-entropy) against a numerical
            dimension (its squared error), with ``categorical_diffusion='masked'``. Above 1 the
            denoiser names each category more sharply given the rest of the row: on Adult
            (16,000 rows) learned holes of ``workclass`` and ``occupation`` went together in
            0.960-0.982 of rows against 0.930-0.973 at 1, and the best guess of :meth:`impute`
            named 0.764 of hidden categories right against 0.763; quality was about 0.0005
            lower and XGBoost utility the same (``benchmarks/results/conditionals``, section 8).
            Defaults to 2.
        level_cutoff (float):
            When a categorical cell is generated (``categorical_diffusion='masked'``), a level
            is not drawn where the model gives it less than this share of its frequency in the
            training rows (and less than 2%); the most likely level can always be drawn. A
            network's softmax never says 0, so it spreads a small share over levels that never
            go with the rest of the row; the cutoff removes it and keeps rare levels, whose
            share is small everywhere. With learned holes on Adult's own '?' cells (16,000 rows, two
            fits) ``occupation`` was missing with ``workclass`` in 0.994 / 0.988 of rows
            against 0.982 / 0.976 without the cutoff (the other way round 0.992 / 0.982 against
            0.972 / 0.960); on Adult with 20% holes quality (0.977), XGBoost utility and the
            best guess of :meth:`impute` stayed as they were and one :meth:`impute` draw named
            0.692 of hidden categories right against 0.689
            (``benchmarks/results/learned_missingness/``). From 0 (every level drawn at its
            probability) up to 1, excluded. Defaults to 0.2.
        pair_cutoff (float):
            When a categorical cell is generated (``categorical_diffusion='masked'``), a level
            is not drawn beside a level of another column that the training rows hold together
            fewer than this share of the times independence of the two columns would (where
            that is at least 10 rows), and a level that comes with one level of another column
            in (nearly) every row rules out that column's other levels beside it, however rare;
            a cell whose every level is ruled out draws freely. The rules come from the fit's
            rows ('Wife' is never 'Male'; a missing ``workclass`` never goes with a known
            ``occupation``) and bind generated cells to the cells generated before them and to
            conditions and known cells; a condition itself is never overridden. On Adult
            (16,000 rows, 20% holes, one fit, three tables) rows with 'Wife' were 'Female' in
            1.000 against 0.980 without, and over three fits quality and XGBoost utility stayed
            as they were (0.9762 / 0.8461 against 0.9761 / 0.8464); with learned holes on
            Adult's own '?' cells (two fits) ``occupation`` was missing with ``workclass`` in
            1.000 / 1.000 of rows against 0.993 / 0.991, and the other way in 1.000 / 1.000
            against 0.992 / 0.985 (real 0.997). From 0 (no pair ruled
            out) up to 1, excluded. Defaults to 0.01.
        max_one_hot_levels (int or None):
            Categorical, boolean and ordinal columns with at most this many observed levels are
            one-hot encoded (one model dimension per level); columns with more get a frequency
            encoding of one dimension (each level an interval of [0, 1] as wide as its
            frequency, as RDT's ``UniformEncoder``), so that fit time, memory and pickle size do
            not grow with the levels and sampled levels keep their frequencies; their dependence
            on other columns is learned more coarsely. A warning names such columns. ``None``
            one-hot encodes every discrete column. Defaults to 100, chosen by measurement
            (``benchmarks/results/high_cardinality``).
        conditional_share (float):
            Share of training rows on which the denoiser also learns to generate the rest of a
            row from a random subset of its observed columns (given to it as clean input, and
            left out of the loss). This is what conditional sampling and :meth:`impute` use;
            0 trains the paper's unconditional model and imposes known cells by inpainting
            (replacement) instead. From 0 to 1. Defaults to 0.5.
        sampler (str):
            How the reverse steps move numerical and datetime dimensions: ``'dpm++2m'`` (DDIM
            steps with DPM-Solver++(2M)'s second-order correction, Lu et al. 2022, and a little
            noise: ``eta=0.3``), ``'ddim'`` (plain DDIM steps, Song et al. 2021, same noise),
            ``'ancestral'`` (the paper's Algorithm 2) or ``'auto'``: DPM-Solver++(2M) for rows
            generated from nothing (``sample``), ancestral steps around known cells
            (``impute``, conditions, ``sample_remaining_columns``), where DDIM's best guesses
            were worse, and for every call when holes are learned
            (``missing_value_generation='learned'``): on Adult's own holes, rows without
            ``workclass`` worked 34.6-35.1 hours a week after 30 DDIM steps and 33.4-33.8 after
            50 ancestral ones (real 32.3). On Adult (16,000 rows, 20% holes, two fits, six
            sample seeds each) 25 DPM-Solver++(2M) steps scored quality 0.977 against 0.975
            for 30 DDIM steps, at the same XGBoost accuracy and AUROC, in 85% of the time
            (see ``benchmarks/results/speed``). A model trained far too briefly drifts more
            with DDIM steps than with ancestral ones. Categorical cells are revealed the same
            way by all of them. Defaults to ``'auto'``.
        sampling_steps (int or None):
            Number of reverse steps, evenly spaced over the steps that still hold signal (the
            paper's schedule leaves none past step 78 of 100, so sampling starts there).
            ``None`` takes each sampler's own: 25 DPM-Solver++(2M) steps, 30 DDIM steps, 50
            ancestral ones. Defaults to ``None``.
        sampling_precision (str):
            Precision of the denoiser's matrix products in :meth:`sample`, conditional
            sampling and :meth:`impute`: ``'float32'``, ``'bfloat16'`` or ``'auto'``: bfloat16
            on a CPU that multiplies it in hardware (Intel AMX), float32 elsewhere (other CPUs
            emulate it, and GPUs are not measured yet). Every sampler step stays in float32.
            On Adult (16,000 rows, a 2-core Xeon with AMX) bfloat16 sampled in 2.3-2.7 s
            against 3.6-4.3 s at the same quality and utility (six tables each). Rows of a
            seed differ between the two, and so between machines under ``'auto'``: name one for
            rows that repeat everywhere. Training is float32 always. Defaults to ``'auto'``.
        categorical_diffusion (str):
            How categorical, boolean and ordinal columns with one-hot blocks are diffused:
            ``'masked'`` hides cells at a rate that grows with the noise level and trains the
            denoiser to name their levels by cross-entropy (a missing cell simply stays hidden
            and is never scored; a known one is simply shown), so every level is a draw from a
            learned conditional; ``'gaussian'`` noises the one-hot blocks like numbers, as the
            paper does. Defaults to ``'masked'``: on Adult (16,000 rows, 20% holes) quality
            0.977 against 0.936, and rows conditioned on ``relationship='Wife'`` female as in
            the data (``benchmarks/results/conditionals``).
        prediction_target (str):
            What the denoiser predicts for Gaussian dimensions: ``'epsilon'`` (the paper's
            noise), ``'v'`` (the velocity, Salimans and Ho 2022) or ``'mixed'`` (the velocity on
            one-hot blocks with ``categorical_diffusion='gaussian'``). Defaults to
            ``'epsilon'``, the best of the three on Adult.
        validation_share (float or None):
            Share of the training rows held out to measure the masked loss on while fitting,
            from 0 to 0.5: training stops once that loss has not improved for ``patience``
            checks (about every 200 steps) and keeps the best check's weights, so the budget
            follows the table; ``epochs`` (or its automatic value) is then the most it trains.
            0 (or ``None``) trains the whole budget on every row: with the automatic budget, the
            500-row tables of ``benchmarks/results/speed`` scored higher so than with 10% held
            out. Defaults to 0.
        patience (int):
            Checks of the held-out loss without improvement before fitting stops. Ignored with
            ``validation_share=0``. Defaults to 5.
        missing_value_generation (str or None):
            The holes of the sampled rows, named after RDT's argument. ``None`` returns
            complete rows: the data as if fully observed, right when holes are accidents.
            ``'learned'`` learns, for every column with missing values in ``fit``, whether its
            cell is missing, jointly with the values (an indicator of its own, observed in
            every row), generates it with each row and returns NaN where it says so: holes
            that keep their meaning (which columns are missing together, and for which kind
            of row). ``'random'`` blanks each column independently at its observed rate, as
            SDV does. Conditions and ``sample_remaining_columns`` work in every mode; under
            ``'learned'`` a known NaN asks for rows where that cell is missing. A structural
            hole (a discrete column's hole that a ruled-out pair of ``pair_cutoff`` ties to
            another column, as Adult's missing ``workclass`` to a missing ``occupation``) is
            drawn once more given the finished row, as many as the reverse steps drew: on
            Adult's '?' cells (four fits beside TabularARGN) rows without ``workclass`` work
            32.5 hours a week in the mean (real 32.3; 33.3 before the redraw), about 5% more
            sampling time. ``impute`` fills every hole in every mode. Defaults to ``None``.
        verbose (bool):
            Show progress bars: the running loss, steps per second and time left while
            fitting, and the reverse steps while sampling and imputing. Defaults to ``False``.
        enable_gpu (bool):
            Use CUDA (then Apple MPS) when present, else the CPU. Defaults to ``True``.
    """

    _model_sdtype_transformers = {
        # NaN must reach the model untouched: no fill, no random re-insertion.
        'numerical': FloatFormatter(missing_value_replacement=None, missing_value_generation=None),
        'datetime': UnixTimestampEncoder(
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
        missing_data_strategy='mask',
        epochs=None,
        batch_size=256,
        learning_rate=2e-3,
        denoiser_width=None,
        denoiser_blocks=4,
        periodic_embedding=16,
        denoiser='mlp',
        num_timesteps=100,
        beta_min=1e-4,
        beta_max=0.5,
        numerical_transform='quantile',
        column_balance=1.0,
        timestep_emphasis=1.0,
        categorical_weight=2.0,
        level_cutoff=0.2,
        pair_cutoff=0.01,
        max_one_hot_levels=MAX_ONE_HOT_LEVELS,
        conditional_share=0.5,
        sampler='auto',
        sampling_steps=None,
        sampling_precision='auto',
        prediction_target='epsilon',
        categorical_diffusion='masked',
        validation_share=0.0,
        patience=5,
        missing_value_generation=None,
        verbose=False,
        enable_gpu=True,
    ):
        check_choice(
            'missing_data_strategy',
            missing_data_strategy,
            MISSING_DATA_STRATEGIES,
            error=MissDiffInputError,
        )
        check_choice(
            'numerical_transform',
            numerical_transform,
            NUMERICAL_TRANSFORMS,
            error=MissDiffInputError,
        )
        if epochs is not None:
            check_positive_int('epochs', epochs, error=MissDiffInputError)

        if denoiser_width is not None:
            check_positive_int('denoiser_width', denoiser_width, error=MissDiffInputError)

        for name, value in (
            ('batch_size', batch_size),
            ('denoiser_blocks', denoiser_blocks),
            ('num_timesteps', num_timesteps),
        ):
            check_positive_int(name, value, error=MissDiffInputError)

        if num_timesteps < 2:
            raise MissDiffInputError("Invalid value for 'num_timesteps': it must be at least 2.")

        check_choice('sampler', sampler, SAMPLER_CHOICES, error=MissDiffInputError)
        check_choice(
            'sampling_precision', sampling_precision, SAMPLING_PRECISIONS, error=MissDiffInputError
        )
        if sampling_steps is not None:
            check_positive_int('sampling_steps', sampling_steps, error=MissDiffInputError)
            if sampling_steps > num_timesteps:
                raise MissDiffInputError(
                    f"'sampling_steps' ({sampling_steps}) cannot exceed 'num_timesteps' "
                    f'({num_timesteps}).'
                )

        check_number(
            'learning_rate', learning_rate, 0, True, 'a positive number', MissDiffInputError
        )
        check_integer('periodic_embedding', periodic_embedding, 0, error=MissDiffInputError)
        check_choice('denoiser', denoiser, tuple(DENOISERS), error=MissDiffInputError)

        check_optional_int(
            'max_one_hot_levels',
            max_one_hot_levels,
            1,
            'to one-hot encode every discrete column',
            error=MissDiffInputError,
        )

        check_choice(
            'categorical_diffusion',
            categorical_diffusion,
            CATEGORICAL_DIFFUSIONS,
            error=MissDiffInputError,
        )
        check_choice(
            'prediction_target', prediction_target, PREDICTION_TARGETS, error=MissDiffInputError
        )
        check_fraction('column_balance', column_balance, error=MissDiffInputError)
        if not (is_number(timestep_emphasis) and 0 <= timestep_emphasis < math.inf):
            raise MissDiffInputError(
                f"Invalid value {timestep_emphasis!r} for 'timestep_emphasis': it must be a "
                'finite number, 0 or more (1 is the default, 0 the paper).'
            )

        if not (is_number(categorical_weight) and 0 < categorical_weight < math.inf):
            raise MissDiffInputError(
                f"Invalid value {categorical_weight!r} for 'categorical_weight': it must be a "
                'finite number above 0 (2 is the default, 1 weighs a categorical cell like a '
                'number).'
            )

        if not (is_number(level_cutoff) and 0 <= level_cutoff < 1):
            raise MissDiffInputError(
                f"Invalid value {level_cutoff!r} for 'level_cutoff': it must be a number from 0 "
                '(draw every level at its probability) up to, not including, 1 (0.2 is the '
                'default).'
            )

        if not (is_number(pair_cutoff) and 0 <= pair_cutoff < 1):
            raise MissDiffInputError(
                f"Invalid value {pair_cutoff!r} for 'pair_cutoff': it must be a number from 0 "
                '(rule out no pair of levels) up to, not including, 1 (0.01 is the default).'
            )

        check_fraction('conditional_share', conditional_share, error=MissDiffInputError)
        if validation_share is not None:
            check_fraction('validation_share', validation_share, error=MissDiffInputError)

        if validation_share is not None and validation_share > 0.5:
            raise MissDiffInputError(
                f"Invalid value {validation_share!r} for 'validation_share': hold out at most "
                'half of the rows (0.1 is typical), or 0 to train on every row.'
            )

        check_positive_int('patience', patience, error=MissDiffInputError)
        check_choice(
            'missing_value_generation',
            missing_value_generation,
            MISSING_VALUE_GENERATIONS,
            error=MissDiffInputError,
        )
        if missing_value_generation == 'learned' and missing_data_strategy == 'drop':
            raise MissDiffInputError(
                "missing_value_generation='learned' learns the holes from the rows that have "
                "them, which missing_data_strategy='drop' leaves out. Use "
                "missing_data_strategy='mask' (or 'mean')."
            )

        if not 0 < beta_min < beta_max < 1:
            raise MissDiffInputError(
                f'Invalid noise levels beta_min={beta_min!r}, beta_max={beta_max!r}: they must '
                'satisfy 0 < beta_min < beta_max < 1.'
            )

        super().__init__(
            metadata=metadata,
            enforce_min_max_values=enforce_min_max_values,
            enforce_rounding=enforce_rounding,
            locales=['en_US'] if locales is None else locales,
        )
        self.missing_data_strategy = missing_data_strategy
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.denoiser_width = denoiser_width
        self.denoiser_blocks = denoiser_blocks
        self.periodic_embedding = periodic_embedding
        self.denoiser = denoiser
        self.num_timesteps = num_timesteps
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.numerical_transform = numerical_transform
        self.column_balance = column_balance
        self.timestep_emphasis = timestep_emphasis
        self.categorical_weight = categorical_weight
        self.level_cutoff = level_cutoff
        self.pair_cutoff = pair_cutoff
        self.max_one_hot_levels = max_one_hot_levels
        self.conditional_share = conditional_share
        self.sampler = sampler
        self.sampling_steps = sampling_steps
        self.sampling_precision = sampling_precision
        self.prediction_target = prediction_target
        self.categorical_diffusion = categorical_diffusion
        self.validation_share = validation_share
        self.patience = patience
        self.missing_value_generation = missing_value_generation
        self.verbose = verbose
        self.enable_gpu = enable_gpu
        self._encoder = None
        self._num_training_rows = None
        self._missing_values = None

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
            self.missing_data_strategy,
        )

    # -- fitting ------------------------------------------------------------------------
    def _fit(self, processed_data):
        """Fit the encoder and the diffusion model to the processed table.

        Args:
            processed_data (pandas.DataFrame):
                Table in SDV's processed space, NaN where a cell is missing.
        """
        processed_data = restore_missing_cells(processed_data, self._chained_constraints)
        transformers = sdv_private.field_transformers(self)
        discrete_columns = sdv_private.detect_discrete_columns(
            self.metadata, processed_data, transformers
        )
        self._missing_values = MissingValues(getattr(self, 'missing_value_generation', None))
        self._missing_values.fit(processed_data, discrete_columns, self.max_one_hot_levels)
        processed_data = self._missing_values.prepare(processed_data)
        discrete_columns = list(discrete_columns) + self._missing_values.indicator_columns
        training_data = training_rows(processed_data, discrete_columns, self.missing_data_strategy)

        self._encoder = TableEncoder(self.numerical_transform, self.max_one_hot_levels)
        self._encoder.fit(training_data, discrete_columns)
        frequency_encoded = self._encoder.frequency_encoded_columns
        if frequency_encoded:
            described = ', '.join(
                f"'{column}' ({levels:,} levels)" for column, levels in frequency_encoded.items()
            )
            warnings.warn(
                f'Column(s) {described} have more than max_one_hot_levels='
                f'{self.max_one_hot_levels} levels, so each is modeled as one frequency-encoded '
                'dimension instead of a one-hot block: level frequencies are kept, but their '
                'dependence on the other columns is learned more coarsely. To one-hot encode '
                'them (fit time and memory grow with the levels), raise max_one_hot_levels or '
                'set it to None; for id-like columns, an id sdtype in the metadata is better.',
                stacklevel=2,
            )

        values, observed = self._encoder.transform(training_data)
        self._num_training_rows = len(training_data)
        self._model = MaskedDiffusionModel(
            num_timesteps=self.num_timesteps,
            beta_min=self.beta_min,
            beta_max=self.beta_max,
            hidden_dimensions=self._resolve_width(len(training_data)),
            num_blocks=self.denoiser_blocks,
            periodic_embedding=getattr(self, 'periodic_embedding', 0),
            denoiser=getattr(self, 'denoiser', 'mlp'),
            epochs=self._resolve_epochs(
                len(training_data), self._encoder.observed_cell_share(observed)
            ),
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            conditional_share=self.conditional_share,
            sampling_steps=self.sampling_steps,
            # Synthesizers saved before the choice refit to sample in float32, as they did.
            sampling_precision=getattr(self, 'sampling_precision', 'float32'),
            sampler=self._resolve_sampler(),
            timestep_emphasis=getattr(self, 'timestep_emphasis', 0.0),
            # Synthesizers saved before the weight existed refit as they were trained.
            categorical_weight=getattr(self, 'categorical_weight', 1.0),
            # Synthesizers saved before the cutoff refit to draw every level, as they did.
            level_cutoff=getattr(self, 'level_cutoff', 0.0),
            # Synthesizers saved before the pairs were ruled out refit to draw them all.
            pair_cutoff=getattr(self, 'pair_cutoff', 0.0),
            prediction_target=self.prediction_target,
            categorical_diffusion=self.categorical_diffusion,
            validation_share=self._resolve_validation_share(),
            patience=self.patience,
            verbose=self.verbose,
            enable_gpu=self.enable_gpu,
        )
        weights = self._encoder.dimension_weights(self.column_balance)
        self._model.fit(
            values,
            observed,
            dimension_weights=weights,
            column_index=self._encoder.column_index,
            column_kinds=self._encoder.column_kinds,
            hole_draw_columns=[
                self._encoder.columns.index(column)
                for column in self._missing_values.indicators
                if column in self._encoder.columns
            ],
            # The hole levels, which imputation excludes, are what sampling draws again.
            hole_levels=self._missing_values.excluded_dimensions(self._encoder),
            indicated_by=self._missing_values.indicated_by(self._encoder),
        )

    def _resolve_sampler(self):
        # Synthesizers saved before the sampler was a choice keep the paper's steps.
        sampler = getattr(self, 'sampler', 'ancestral')
        if sampler == 'auto' and self._missing_values.learns_holes:
            # Natural Adult, 16,000 rows, 2 fits x 2 sample seeds: rows without workclass work
            # 34.6-35.1 hours after 30 DDIM steps, 33.4-33.8 after 50 ancestral ones (real 32.3).
            return 'ancestral'

        return sampler

    def _resolve_validation_share(self):
        # None held out 10% of small tables before the automatic budget was capped at 500 epochs.
        return getattr(self, 'validation_share', 0.0) or 0.0

    def _resolve_width(self, num_rows):
        if self.denoiser_width is not None:
            return self.denoiser_width

        return SMALL_TABLE_WIDTH if num_rows < SMALL_TABLE_ROWS else DEFAULT_WIDTH

    def _resolve_epochs(self, num_rows, observed_share=1.0):
        if self.epochs is not None:
            return self.epochs

        steps = AUTO_TRAINING_STEPS / max(observed_share, AUTO_MIN_OBSERVED_SHARE)
        steps_per_epoch = math.ceil(num_rows / min(self.batch_size, num_rows))
        epochs = math.ceil(steps / steps_per_epoch)
        return int(np.clip(epochs, 1, AUTO_MAX_EPOCHS))

    # -- sampling -----------------------------------------------------------------------
    @property
    def _holes(self):
        """MissingValues: The holes sampled rows get (none for synthesizers from before it)."""
        return getattr(self, '_missing_values', None) or MissingValues(None)

    def _with_holes(self, decoded):
        """Blank the cells of decoded rows that ``missing_value_generation`` says are missing."""
        return self._holes.apply(decoded, uniform=self._model.uniform)

    def _sample(self, num_rows, conditions=None):
        """Sample complete rows in the processed space.

        Args:
            num_rows (int):
                Number of rows to sample.
            conditions (dict or None):
                Processed-space values to hold fixed in every row (SDV's hook; MissDiff's own
                ``sample_from_conditions`` passes its conditions through ``_inpaint`` instead).
                Defaults to ``None``.

        Returns:
            pandas.DataFrame:
                Sampled rows, NaN where ``missing_value_generation`` puts holes.
        """
        if conditions:
            known = pd.DataFrame(
                {column: [value] * num_rows for column, value in conditions.items()}
            )
            self._check_known_categories(known)
            given = pd.DataFrame(True, index=known.index, columns=known.columns)
            return self._with_holes(self._inpaint(self._holes.prepare(known, given)))

        rows = self._model.sample(num_rows, show_progress_bar=bool(getattr(self, 'verbose', False)))
        return self._with_holes(self._encoder.reverse_transform(rows))

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
