"""``MaskedDiffusionModel``: the facade that composes schedule, denoiser, objective and sampler.

The model takes float arrays of encoded values and an observation mask. Training minimises the
noise-prediction error on observed dimensions only (``objective.py``), so missing dimensions
contribute exactly nothing to the gradient. The paper's model (``conditional_share=0``) fills
missing dimensions with 0 before noising. A conditional model (``conditional_share > 0``) also
shows the denoiser which dimensions are missing and, on a share of the rows, hands it some
observed columns as clean known values to generate the others from; it then samples
unconditionally, conditionally and imputes with one network. This module holds what ties the
parts together: random state, device and pickling.
"""

import copy
import math

import numpy as np
import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import multiplies_bfloat16_in_hardware
from sdv_missdiff._validation import check_integer, check_number
from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.denoisers import ColumnLayout, make_denoiser
from sdv_missdiff.diffusion.hole_redraw import redraw_holes
from sdv_missdiff.diffusion.level_rules import level_floors, pairs_ruled_out
from sdv_missdiff.diffusion.objective import MaskedDenoisingObjective, ObservedCellDraws
from sdv_missdiff.diffusion.parameterization import velocity_dimensions
from sdv_missdiff.diffusion.samplers import (
    SAMPLERS,
    TABLE_CHUNK_ROWS,
    AntitheticNoise,
    CPUNoise,
    value_bounds,
)
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps
from sdv_missdiff.diffusion.training import (
    Trainer,
    agree_on_seed,
    gather_rows,
    rank_share,
    sampling_ranks,
    training_device,
)

# What ``sampler`` may name: a sampler of ``SAMPLERS``, or 'auto' (DPM-Solver++(2M) steps for rows
# generated from nothing, ancestral steps around known cells, where DDIM's best guesses were worse).
SAMPLER_CHOICES = ('auto', *SAMPLERS)
# Rows generated at once when ``batch_size`` is None. On a CPU, chunks of a few thousand rows keep
# each layer's activations in cache: one default denoiser call on Adult took 0.11-0.12 s per
# 16,000 rows in chunks of 2,000-4,000 and 0.16 s in one piece, and sampling 16,000 rows 3.5 s
# in chunks of 4,096 against 4.3 s in one (benchmarks/results/speed/). A GPU wants large batches.
SAMPLING_BATCH_ROWS = {'cpu': 4_096, 'accelerator': 20_000}
# Reverse steps of each sampler when ``sampling_steps`` is None (Adult, 16,000 rows: 30 DDIM
# steps scored as 50 ancestral ones in about 60% of the time, 25 DPM-Solver++(2M) steps as 30
# DDIM ones or higher in 85% of it; benchmarks/results/speed/).
DEFAULT_SAMPLING_STEPS = {'ancestral': 50, 'ddim': 30, 'dpm++2m': 25}
# What ``sampling_precision`` may name. 'auto' samples in bfloat16 on a CPU that multiplies it in
# hardware (Adult, 16,000 rows on a 2-core Xeon with AMX: 2.3-2.7 s against 3.6-4.3 s, the same
# scores; benchmarks/results/speed/) and in float32 everywhere else.
SAMPLING_PRECISIONS = ('auto', 'float32', 'bfloat16')

# Tensors fitted to the data, moved with the model between devices.
_FITTED_TENSORS = (
    '_lower',
    '_upper',
    '_dimension_weights',
    '_column_index',
    '_velocity',
    '_level_frequencies',
    '_excluded_pairs',
    '_hole_levels',
    '_indicated_by',
)


def _holds_values_where_missing(values, observed):
    """Whether ``values`` holds anything but 0 (NaN included) in a dimension ``observed`` is 0.

    Read by chunks of rows, so that a table already filled with 0 (``TableEncoder``'s output)
    is trained on as it is, without a filled copy of it (a million Adult rows: 400 MiB).
    """
    for start in range(0, len(values), TABLE_CHUNK_ROWS):
        rows = slice(start, start + TABLE_CHUNK_ROWS)
        if (values[rows] * (1 - observed[rows]) != 0).any():
            return True

    return False


class _WithoutLevels(torch.nn.Module):
    """A denoiser whose logits of some one-hot levels are pushed out of reach.

    Under masked categorical diffusion a one-hot block's outputs are the logits its levels are
    drawn from, so a very low logit means the level is never drawn; the rest of the row sees
    the same network.
    """

    def __init__(self, denoiser, excluded):
        super().__init__()
        self.denoiser = denoiser
        self.register_buffer('excluded', excluded)
        self.layout = denoiser.layout
        self.conditional = denoiser.conditional

    def forward(self, x, t, known_mask=None):
        if known_mask is None:
            output = self.denoiser(x, t)
        else:
            output = self.denoiser(x, t, known_mask)

        return output.masked_fill(self.excluded, -1e4)


class _InBfloat16(torch.nn.Module):
    """A denoiser whose products run in bfloat16 (autocast), its output returned in float32."""

    def __init__(self, denoiser, device_type):
        super().__init__()
        self.denoiser = denoiser
        self.device_type = device_type
        self.layout = denoiser.layout
        self.conditional = denoiser.conditional

    def forward(self, *args, **kwargs):
        with torch.autocast(self.device_type, dtype=torch.bfloat16):
            return self.denoiser(*args, **kwargs).float()


class MaskedDiffusionModel:
    """VP diffusion over encoded table rows trained with a masked loss.

    Args:
        num_timesteps (int):
            Diffusion steps ``T``. Defaults to 100.
        beta_min (float):
            ``beta_1``. Defaults to 1e-4.
        beta_max (float):
            ``beta_T``. Defaults to 0.5.
        hidden_dimensions (int):
            Denoiser width. Defaults to 256.
        num_blocks (int):
            Denoiser residual blocks. Defaults to 4.
        dropout (float):
            Denoiser dropout. Defaults to 0.
        periodic_embedding (int):
            Learned frequencies of the denoiser's periodic embedding of each number (see
            ``denoisers.mlp.PeriodicEmbedding``); 0 feeds it raw numbers only. Defaults to 0.
        epochs (int):
            Passes over the data. Defaults to 300.
        batch_size (int):
            Rows per step. Defaults to 500.
        learning_rate (float):
            Peak Adam learning rate (cosine decay to 0). Defaults to 2e-3.
        weight_decay (float):
            AdamW weight decay. Defaults to 1e-5.
        conditional_share (float):
            Share of training rows on which the denoiser also learns to condition: a random
            subset of the row's observed columns is given to it as clean input (with a mask
            saying which) and left out of the loss. A model trained with a share above 0
            generates around known cells by conditioning on them directly; with 0 it is the
            paper's unconditional model, and known cells are imposed by inpainting
            (replacement). Defaults to 0.
        ema_decay (float or None):
            Decay of the exponential moving average of the weights used for sampling; ``None``
            samples with the raw weights. Defaults to 0.995.
        sampling_steps (int or None):
            Reverse steps; fewer than ``T`` uses evenly spaced steps. ``None`` takes the
            sampler's own default (``DEFAULT_SAMPLING_STEPS``: 50 ancestral, 30 DDIM, 25
            DPM-Solver++(2M)).
            Defaults to ``None``.
        verbose (bool):
            Show a progress bar with the running loss. Defaults to ``False``.
        enable_gpu (bool):
            Use CUDA (then MPS) when present. Defaults to ``True``.
        denoiser (str):
            Name of the denoiser in ``sdv_missdiff.diffusion.denoisers.DENOISERS``. Defaults
            to ``'mlp'``.
        prediction_target (str):
            What the denoiser predicts: ``'epsilon'`` (the paper's noise), ``'v'`` (the
            velocity) or ``'mixed'`` (the velocity for one-hot columns, the noise for the
            others); see ``parameterization``. Defaults to ``'epsilon'``.
        categorical_diffusion (str):
            How one-hot columns are diffused: ``'gaussian'`` (the paper: noised like numbers)
            or ``'masked'`` (hidden and revealed, trained by cross-entropy; see
            ``categorical``). Defaults to ``'gaussian'``.
        validation_share (float):
            Share of the rows held out of training to measure the loss on; training stops
            once it has not improved for ``patience`` checks and keeps the best check's weights
            (see ``Trainer``). 0 trains every epoch on every row. Defaults to 0.
        patience (int):
            Checks of the validation loss without improvement before training stops.
            Defaults to 5.
        show_missing (bool or None):
            Whether a conditional denoiser is told which cells are missing from each training
            row (see ``MaskedDenoisingObjective``). ``None``: told under Gaussian categorical
            diffusion, not told under masked. Defaults to ``None``.
        sampler (str):
            Reverse step of the Gaussian dimensions: ``'ancestral'`` (the paper's Algorithm
            2), ``'ddim'`` (DDIM steps with ``samplers.DDIM_ETA`` of the posterior noise),
            ``'dpm++2m'`` (the same with DPM-Solver++(2M)'s second-order correction) or
            ``'auto'`` (DPM-Solver++(2M) for rows generated from nothing, ancestral around
            known cells). Defaults to ``'ancestral'``.
        timestep_emphasis (float):
            Training steps ``t`` are drawn with probability about proportional to
            ``t ** timestep_emphasis`` (see ``objective.draw_timesteps``): 0 trains every step
            equally often, as the paper. Defaults to 0.
        categorical_weight (float):
            Loss weight of a hidden categorical cell's cross-entropy against a continuous
            dimension's squared error (masked categorical diffusion only). Defaults to 1.
        sampling_precision (str):
            Precision of the denoiser's products when sampling and imputing: ``'float32'``,
            ``'bfloat16'`` (autocast; the output and every sampler step stay float32) or
            ``'auto'`` (bfloat16 on a CPU that multiplies it in hardware, float32 elsewhere).
            Training is always float32. Defaults to ``'float32'``.
        level_cutoff (float):
            When a categorical cell is drawn (masked categorical diffusion), a level whose
            probability is below this share of its frequency in the training rows (and below
            ``level_rules.LEVEL_CUTOFF_CAP``) is not drawn; the most likely level always can be
            (see ``level_rules.level_floors``). 0 draws every level at its probability.
            Defaults to 0.
        pair_cutoff (float):
            Read by ``fit``: a pair of levels of two categorical columns that the training rows
            hold fewer than this share of the rows independence would put on it (and that at
            least ``level_rules.PAIR_MIN_EXPECTED`` rows) is never drawn together, nor a level
            beside one that (nearly) always comes with another level of its column (masked
            categorical diffusion; see ``level_rules.pairs_ruled_out``). 0 excludes no pair.
            Defaults to 0.
    """

    def __init__(
        self,
        num_timesteps=100,
        beta_min=1e-4,
        beta_max=0.5,
        hidden_dimensions=256,
        num_blocks=4,
        dropout=0.0,
        periodic_embedding=0,
        epochs=300,
        batch_size=500,
        learning_rate=2e-3,
        weight_decay=1e-5,
        conditional_share=0.0,
        ema_decay=0.995,
        sampling_steps=None,
        verbose=False,
        enable_gpu=True,
        denoiser='mlp',
        prediction_target='epsilon',
        categorical_diffusion='gaussian',
        validation_share=0.0,
        patience=5,
        show_missing=None,
        sampler='ancestral',
        timestep_emphasis=0.0,
        categorical_weight=1.0,
        sampling_precision='float32',
        level_cutoff=0.0,
        pair_cutoff=0.0,
    ):
        if sampler not in SAMPLER_CHOICES:
            raise ValueError(
                f"Invalid value {sampler!r} for 'sampler'. Choose one of {list(SAMPLER_CHOICES)}."
            )

        if sampling_precision not in SAMPLING_PRECISIONS:
            raise ValueError(
                f"Invalid value {sampling_precision!r} for 'sampling_precision'. Choose one of "
                f'{list(SAMPLING_PRECISIONS)}.'
            )

        self.num_timesteps = num_timesteps
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.hidden_dimensions = hidden_dimensions
        self.num_blocks = num_blocks
        self.dropout = dropout
        self.periodic_embedding = periodic_embedding
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.conditional_share = conditional_share
        self.ema_decay = ema_decay
        self.sampling_steps = sampling_steps
        self.verbose = verbose
        self.enable_gpu = enable_gpu
        self.denoiser_name = denoiser
        self.prediction_target = prediction_target
        self.categorical_diffusion = categorical_diffusion
        self.validation_share = validation_share
        self.patience = patience
        self.show_missing = show_missing
        self.sampler_name = sampler
        self.timestep_emphasis = timestep_emphasis
        self.categorical_weight = categorical_weight
        self.sampling_precision = sampling_precision
        self.level_cutoff = level_cutoff
        self.pair_cutoff = pair_cutoff
        self.stopped_epoch = None
        self.validation_loss_values = []
        self.device = training_device(enable_gpu)
        self.schedule = VPSchedule(quadratic_betas(num_timesteps, beta_min, beta_max))
        self.last_timestep = self.schedule.last_informative_step()
        self.schedule.to(self.device)
        self.layout = None
        self.denoiser = None
        self.loss_values = []
        self._generator = None
        self._lower = None
        self._upper = None
        self._dimension_weights = None
        self._column_index = None
        self._velocity = None
        self._level_frequencies = None
        self._excluded_pairs = None
        self._hole_levels = None
        self._indicated_by = None

    @property
    def conditional(self):
        """bool: Whether the denoiser takes known cells as a condition."""
        return self.conditional_share > 0

    @property
    def sampler(self):
        """AncestralSampler: The sampler around known cells, over the model's steps."""
        return self.make_sampler(known=True)

    def make_sampler(self, sampling_steps=None, known=True):
        """The reverse-diffusion sampler of one call.

        Args:
            sampling_steps (int or None):
                Reverse steps; ``None`` takes the model's ``sampling_steps``, and where that is
                ``None`` too, the sampler's default (``DEFAULT_SAMPLING_STEPS``).
            known (bool):
                Whether the rows are generated around known cells, which decides the sampler
                under ``sampler='auto'``. Defaults to ``True``.

        Returns:
            AncestralSampler:
                The sampler (a ``DDIMSampler`` or ``DPMSolverSampler`` where one was chosen).
        """
        name = getattr(self, 'sampler_name', None)
        if name == 'auto':
            name = 'ancestral' if known else 'dpm++2m'

        if sampling_steps is None:
            sampling_steps = self.sampling_steps

        if sampling_steps is None and name is not None:
            sampling_steps = DEFAULT_SAMPLING_STEPS[name]

        # Models saved before the sampler was a choice (no name) sample as they always did.
        return SAMPLERS[name or 'ancestral'](
            self.schedule,
            respaced_timesteps(self.last_timestep, sampling_steps),
            self._velocity,
            self._one_hot_blocks(for_sampling=True),
        )

    def _one_hot_blocks(self, for_sampling=False):
        if self.categorical_diffusion != 'masked' or self.layout is None:
            return None

        floors, excluded_pairs = None, None
        if for_sampling:
            # Models saved before the cutoffs have neither and draw every level.
            floors = level_floors(
                getattr(self, '_level_frequencies', None), getattr(self, 'level_cutoff', 0.0)
            )
            excluded_pairs = getattr(self, '_excluded_pairs', None)

        blocks = OneHotBlocks(self.layout, self.device, floors, excluded_pairs)
        return blocks if len(blocks) else None

    def _denoiser_options(self):
        # Options older denoisers did not take are passed only when set, so a model keeps
        # building the same network as before (and one pickled before them still unpickles).
        periodic = getattr(self, 'periodic_embedding', 0)
        return {'periodic_embedding': periodic} if periodic else {}

    # -- training -------------------------------------------------------------------------
    def fit(
        self,
        values,
        observed,
        seed=None,
        dimension_weights=None,
        column_index=None,
        column_kinds=None,
        hole_draw_columns=None,
        hole_levels=None,
        indicated_by=None,
    ):
        """Train the denoiser on ``values`` where ``observed`` is 1.

        Args:
            values (numpy.ndarray):
                Encoded rows, float. Whatever a missing dimension holds (0, NaN) is read as
                0; a table already holding 0 there is trained on without a copy.
            observed (numpy.ndarray):
                Observation mask of the same shape.
            seed (int or None):
                Seed for initialisation, batching and noise. ``None`` draws one from torch's
                global generator, so ``torch.manual_seed`` makes fits repeatable.
            dimension_weights (numpy.ndarray or None):
                Loss weight of each dimension (for example ``1 / width`` of a one-hot block, so
                every column weighs the same). Defaults to ``None`` (all 1).
            column_index (numpy.ndarray or None):
                Column that owns each dimension, so that conditioning picks whole columns
                (every dimension of a one-hot block together) and the denoiser knows the
                column structure. Defaults to ``None`` (each dimension is its own column).
            column_kinds (list[str] or None):
                How each column is encoded (see ``denoisers.COLUMN_KINDS``). Defaults to
                ``None`` (one dimension: continuous, more: one-hot).
            hole_draw_columns (list[int] or None):
                Columns (of ``column_index``) whose holes the denoiser sees as a cell drawn
                afresh every batch from the column's observed cells instead of 0, never scored
                (see ``ObservedCellDraws``): for columns whose holes are learned by another
                column, which the fill would otherwise give away. Defaults to ``None``.
            hole_levels (numpy.ndarray or None):
                Boolean over the dimensions: True at the level of a one-hot column that stands
                for the column's hole (learned holes). A conditional model with masked one-hot
                columns draws these cells once more given the rest of each sampled row
                (``hole_redraw``). Defaults to ``None``.
            indicated_by (numpy.ndarray or None):
                Integer over the dimensions: for a dimension of a column whose holes an
                indicator column learns, the dimension of the indicator level that says
                "missing", -1 elsewhere (the redraw hides a value behind a hole, as training
                did). Defaults to ``None``.

        Raises:
            TrainingDivergedError:
                If an epoch loss is NaN or infinite, or explodes.
        """
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())

        seed = agree_on_seed(seed)  # one seed for every rank of a torchrun fit

        if column_index is None:
            column_index = np.arange(values.shape[1])

        self.layout = ColumnLayout.from_column_index(column_index, column_kinds)
        generator = torch.Generator(device=self.device).manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.denoiser = make_denoiser(
                self.denoiser_name,
                self.layout,
                conditional=self.conditional,
                hidden_dimensions=self.hidden_dimensions,
                num_blocks=self.num_blocks,
                dropout=self.dropout,
                **self._denoiser_options(),
            ).to(self.device)

        x_all = torch.as_tensor(values, dtype=torch.float32, device=self.device)
        m_all = torch.as_tensor(observed, dtype=torch.float32, device=self.device)
        if _holds_values_where_missing(x_all, m_all):
            # The paper's fill, 0 in every missing dimension (NaN too: NaN * 0 is NaN).
            x_all = torch.where(m_all.bool(), x_all, 0.0)
        self._dimension_weights = None
        if dimension_weights is not None:
            self._dimension_weights = torch.as_tensor(
                dimension_weights, dtype=torch.float32, device=self.device
            )

        self._column_index = torch.as_tensor(column_index, dtype=torch.long, device=self.device)
        velocity = velocity_dimensions(self.layout, self.prediction_target)
        self._velocity = None
        if velocity is not None:
            self._velocity = torch.as_tensor(velocity, dtype=torch.bool, device=self.device)

        self._lower, self._upper = value_bounds(x_all, m_all)
        blocks = self._one_hot_blocks()
        self._level_frequencies, self._excluded_pairs = None, None
        if blocks is not None:
            self._level_frequencies = blocks.level_frequencies(x_all, m_all)
            self._excluded_pairs = pairs_ruled_out(blocks, x_all, m_all, self.pair_cutoff)

        self._hole_levels, self._indicated_by = None, None
        if hole_levels is not None and np.any(hole_levels):
            hole_levels = np.asarray(hole_levels, dtype=bool)
            self._hole_levels = torch.as_tensor(hole_levels, device=self.device)
            if indicated_by is not None and np.any(np.asarray(indicated_by) >= 0):
                indicated_by = np.asarray(indicated_by, dtype=np.int64)
                self._indicated_by = torch.as_tensor(indicated_by, device=self.device)

        training, validation = self._held_out(x_all, m_all, seed)
        hole_draws = None
        if hole_draw_columns:
            hole_draws = ObservedCellDraws(*training, self._column_index, hole_draw_columns)

        objective = MaskedDenoisingObjective(
            self.schedule,
            self.last_timestep,
            self._column_index,
            self.conditional_share,
            self._dimension_weights,
            self._velocity,
            blocks,
            show_missing=getattr(self, 'show_missing', None),
            hole_draws=hole_draws,
            timestep_emphasis=getattr(self, 'timestep_emphasis', 0.0),
            categorical_weight=getattr(self, 'categorical_weight', 1.0),
        )
        trainer = Trainer(
            self.epochs,
            self.batch_size,
            self.learning_rate,
            weight_decay=self.weight_decay,
            ema_decay=self.ema_decay,
            patience=self.patience,
            verbose=self.verbose,
        )
        self.loss_values = []
        self.denoiser, self.loss_values = trainer.fit(
            self.denoiser, objective, *training, generator, validation=validation
        )
        self.stopped_epoch = trainer.stopped_epoch
        self.validation_loss_values = trainer.validation_loss_values

    def _held_out(self, values, observed, seed):
        # A seeded random share of the rows for the validation loss (at least one row each).
        num_held_out = int(round(self.validation_share * len(values)))
        if not self.validation_share or len(values) < 2:
            return (values, observed), None

        num_held_out = min(max(num_held_out, 1), len(values) - 1)
        order = torch.randperm(len(values), generator=torch.Generator().manual_seed(seed))
        order = order.to(values.device)
        held_out, kept = order[:num_held_out], order[num_held_out:]
        return (values[kept], observed[kept]), (values[held_out], observed[held_out])

    # -- sampling -------------------------------------------------------------------------
    def set_random_state(self, random_state):
        """Seed sampling.

        Args:
            random_state (int, tuple or None):
                A seed, a ``(numpy.random.RandomState, torch.Generator)`` pair as SDV passes it,
                or ``None`` for fresh randomness.
        """
        if random_state is None:
            self._generator = None
            return

        if isinstance(random_state, tuple):
            state = random_state[1].get_state()
            self._generator = torch.Generator(device='cpu')
            self._generator.set_state(state)
            return

        self._generator = torch.Generator(device='cpu').manual_seed(int(random_state))

    def uniform(self, shape):
        """Uniform draws in [0, 1) from the sampling generator, which ``set_random_state`` seeds.

        Args:
            shape (tuple[int, ...]):
                Shape of the draws.

        Returns:
            numpy.ndarray:
                Float32 draws.
        """
        return torch.rand(shape, generator=self._generator).numpy()

    @torch.no_grad()
    def sample(
        self,
        num_rows,
        known_values=None,
        known_mask=None,
        batch_size=None,
        num_resamples=1,
        guidance_scale=0.0,
        show_progress_bar=False,
        sampling_steps=None,
        excluded_dimensions=None,
        antithetic=False,
    ):
        """Draw rows by reverse diffusion; known cells (if any) are generated around.

        A conditional model (``conditional_share > 0``) reads the known cells as its condition
        at every reverse step. Otherwise the known dimensions are re-noised to the current
        noise level and pasted in before every step (inpainting by replacement). Either way
        the returned rows hold the known values in the known dimensions.

        Args:
            num_rows (int):
                Number of rows.
            known_values (numpy.ndarray or None):
                Encoded values to hold fixed, shape (rows, dimensions). Defaults to ``None``.
            known_mask (numpy.ndarray or None):
                1 where ``known_values`` holds a fixed value. Defaults to ``None``.
            batch_size (int or None):
                Rows generated at once; ``None`` takes ``SAMPLING_BATCH_ROWS`` of the model's
                device (4,096 on a CPU, 20,000 on a GPU). Defaults to ``None``.
            num_resamples (int):
                How many times each reverse step is taken when inpainting (RePaint's ``r``,
                Lugmayr et al. 2022): after a step the row is re-noised back to the step's
                noise level and the step is taken again, so the generated dimensions can
                agree with the known ones. 1 is plain inpainting; the cost grows linearly.
                Ignored without known values. Defaults to 1.
            guidance_scale (float):
                Classifier-free guidance weight ``w`` of a conditional model (Ho and Salimans
                2022): the noise estimate is ``(1 + w) * conditional - w * unconditional``,
                which follows the known cells more closely at twice the cost per step. 0 is
                no guidance. Ignored without known values or by an unconditional model.
                Defaults to 0.
            show_progress_bar (bool):
                Show a progress bar over the reverse steps. Defaults to ``False``.
            sampling_steps (int or None):
                Reverse steps of this call. Defaults to ``None`` (the model's
                ``sampling_steps``).
            excluded_dimensions (numpy.ndarray or None):
                Boolean mask of one-hot dimensions whose level no generated cell may take (a
                known cell keeps its own). Defaults to ``None``.
            antithetic (bool):
                Give rows ``2i`` and ``2i + 1`` opposite Gaussian noise (``AntitheticNoise``):
                for pooling two draws of the same row into a mean with less spread. Each row
                is still an exact draw. Defaults to ``False``.

        Returns:
            numpy.ndarray:
                Float32 array of shape (rows, dimensions).
        """
        check_integer('num_resamples', num_resamples, error=ValueError)
        check_number('guidance_scale', guidance_scale, 0, what='0 or more', error=ValueError)
        if sampling_steps is not None:
            check_integer('sampling_steps', sampling_steps, error=ValueError)
            sampling_steps = int(sampling_steps)

        options = {
            'batch_size': self._sampling_batch_size(batch_size),
            'num_resamples': int(num_resamples),
            'guidance_scale': float(guidance_scale),
            'show_progress_bar': show_progress_bar,
            'sampling_steps': sampling_steps,
            'excluded_dimensions': excluded_dimensions,
            'antithetic': bool(antithetic),
        }
        ranks = sampling_ranks()
        if ranks is None:
            return self._sample_here(num_rows, known_values, known_mask, **options)

        # Inside sampling_across_ranks: this rank draws its share from a seed all ranks agree on
        # (drawn from the sampling generator, so set_random_state still decides the rows).
        rank, size = ranks
        seed = agree_on_seed(int(torch.randint(0, 2**62, (1,), generator=self._generator)))
        start, stop = rank_share(num_rows, rank, size)
        if known_values is not None:
            known_values, known_mask = known_values[start:stop], known_mask[start:stop]

        options['show_progress_bar'] = show_progress_bar and rank == 0
        saved = self._generator
        self._generator = torch.Generator(device='cpu').manual_seed(seed + rank)
        try:
            rows = self._sample_here(stop - start, known_values, known_mask, **options)
        finally:
            self._generator = saved

        return gather_rows(rows)

    def _sample_here(
        self,
        num_rows,
        known_values,
        known_mask,
        batch_size,
        num_resamples,
        guidance_scale,
        show_progress_bar,
        sampling_steps,
        excluded_dimensions,
        antithetic,
    ):
        # sample's work on this process alone.
        sampler = self.make_sampler(sampling_steps, known=known_values is not None)
        denoiser, excluded = self._sampling_denoiser(excluded_dimensions)
        noise = (AntitheticNoise if antithetic else CPUNoise)(self._generator, self.device)
        redrawn_holes = self._redrawn_holes(sampler, excluded)
        if antithetic:
            batch_size += batch_size % 2  # keep every pair of rows in one batch
        progress_bar = tqdm(
            total=math.ceil(num_rows / batch_size) * len(sampler.timesteps),
            disable=not show_progress_bar,
            desc='Reverse diffusion steps',
        )
        chunks = []
        for start in range(0, num_rows, batch_size):
            stop = min(start + batch_size, num_rows)
            known = None
            if known_values is not None:
                known = (
                    torch.as_tensor(known_values[start:stop], dtype=torch.float32).to(self.device),
                    torch.as_tensor(known_mask[start:stop], dtype=torch.float32).to(self.device),
                )

            rows = sampler.sample(
                denoiser,
                stop - start,
                (self._lower, self._upper),
                noise,
                known=known,
                num_resamples=num_resamples,
                guidance_scale=guidance_scale,
                progress_bar=progress_bar,
            )
            if redrawn_holes is not None:
                indicated_by = getattr(self, '_indicated_by', None)
                rows = redraw_holes(
                    sampler, denoiser, rows, noise, redrawn_holes, indicated_by, known
                )

            if excluded is not None:
                # Gaussian one-hot blocks are decoded by their argmax: keep it off these levels.
                generated = excluded if known is None else excluded & ~known[1].bool()
                rows = rows.masked_fill(generated, -torch.inf)

            chunks.append(rows.cpu().numpy())

        progress_bar.close()
        if not chunks:
            return np.zeros((0, self.layout.num_dimensions), dtype=np.float32)

        return np.concatenate(chunks)

    def _redrawn_holes(self, sampler, excluded):
        # The hole levels drawn again after the reverse steps (hole_redraw): those of a
        # conditional model with masked one-hot columns that a ruled-out pair ties to another
        # column (structural holes), less any a caller excludes (imputation). Models saved
        # before the redraw have no hole levels and sample as they did.
        holes = getattr(self, '_hole_levels', None)
        pairs = getattr(self, '_excluded_pairs', None)
        if holes is None or pairs is None or not pairs.shape[1]:
            return None
        if not self.conditional or sampler.one_hot_blocks is None:
            return None

        tied = torch.zeros_like(holes)
        tied[pairs[0]] = True
        holes = holes & tied
        if excluded is not None:
            holes = holes & ~excluded

        return holes if bool(holes.any()) else None

    def _sampling_batch_size(self, batch_size):
        if batch_size is not None:
            return int(batch_size)

        return SAMPLING_BATCH_ROWS['cpu' if self.device.type == 'cpu' else 'accelerator']

    @property
    def samples_in_bfloat16(self):
        """bool: Whether sampling runs the denoiser's products in bfloat16."""
        # Models saved before the choice sample as they did, in float32.
        precision = getattr(self, 'sampling_precision', 'float32')
        if precision == 'auto':
            return multiplies_bfloat16_in_hardware(self.device)

        return precision == 'bfloat16'

    def _sampling_denoiser(self, excluded_dimensions):
        """The denoiser to sample with, and the excluded dimensions on the device (or None)."""
        denoiser = self.denoiser
        if self.samples_in_bfloat16:
            denoiser = _InBfloat16(denoiser, self.device.type)

        if excluded_dimensions is None or not np.any(excluded_dimensions):
            return denoiser, None

        excluded = torch.as_tensor(np.asarray(excluded_dimensions, dtype=bool)).to(self.device)
        return _WithoutLevels(denoiser, excluded), excluded

    @property
    def guesses_levels(self):
        """bool: Whether :meth:`most_likely_levels` applies (a conditional, masked model)."""
        return self.conditional and self._one_hot_blocks() is not None

    @torch.no_grad()
    def most_likely_levels(
        self,
        known_values,
        known_mask,
        num_passes=4,
        batch_size=None,
        guidance_scale=0.0,
        excluded_dimensions=None,
    ):
        """Rows whose unknown one-hot cells hold their most likely level given the known cells.

        Each unknown one-hot cell gets the argmax of its level probabilities given the row's
        known cells (``AncestralSampler.level_probabilities``), the guess that is right most
        often cell by cell. The probabilities are averaged over ``num_passes`` denoiser calls,
        each with fresh noise in the unknown Gaussian dimensions. Needs a conditional model with
        masked categorical diffusion (``guesses_levels``).

        Args:
            known_values (numpy.ndarray):
                Encoded values, shape (rows, dimensions).
            known_mask (numpy.ndarray):
                1 where ``known_values`` holds a known value.
            num_passes (int):
                Denoiser calls whose probabilities are averaged. On Adult (16,000 rows, 20%
                holes) 4 passes named 0.755 of the hidden categorical cells right, 1 pass
                0.753. Defaults to 4.
            batch_size (int or None):
                Rows at once; ``None`` takes ``SAMPLING_BATCH_ROWS`` of the model's device.
                Defaults to ``None``.
            guidance_scale (float):
                Classifier-free guidance weight. Defaults to 0.
            excluded_dimensions (numpy.ndarray or None):
                Boolean mask of one-hot dimensions whose level no unknown cell may take.
                Defaults to ``None``.

        Returns:
            numpy.ndarray:
                Float32 rows: known dimensions as given, each unknown one-hot cell its most
                likely level (+1 at it, -1 elsewhere), every other unknown dimension 0.

        Raises:
            ValueError:
                If the model is not conditional or has no masked one-hot blocks.
        """
        check_integer('num_passes', num_passes, error=ValueError)
        if not self.guesses_levels:
            raise ValueError(
                'most_likely_levels needs a conditional model (conditional_share > 0) with '
                "categorical_diffusion='masked' and at least one one-hot column."
            )

        sampler = self.sampler
        blocks = sampler.one_hot_blocks
        denoiser, _ = self._sampling_denoiser(excluded_dimensions)
        noise = CPUNoise(self._generator, self.device)
        chunks = []
        batch_size = self._sampling_batch_size(batch_size)
        for start in range(0, len(known_values), batch_size):
            values = torch.as_tensor(known_values[start : start + batch_size], dtype=torch.float32)
            mask = torch.as_tensor(known_mask[start : start + batch_size], dtype=torch.float32)
            known = (values.to(self.device), mask.to(self.device))
            probabilities = sum(
                sampler.level_probabilities(denoiser, known, noise, float(guidance_scale))
                for _ in range(num_passes)
            )
            ruled_out = blocks.excluded_levels(*known)
            if ruled_out is not None:  # no level that a known cell's level rules out
                probabilities = probabilities.masked_fill(ruled_out, -1.0)

            guessed = blocks.write_levels(probabilities.argmax(dim=2))
            rows = torch.where(known[1].bool(), known[0], guessed)
            chunks.append(rows.cpu().numpy())

        if not chunks:
            return np.zeros((0, self.layout.num_dimensions), dtype=np.float32)

        return np.concatenate(chunks)

    # -- pickling -------------------------------------------------------------------------
    def __getstate__(self):
        """Move everything to the CPU so a GPU-fitted model loads on a CPU-only machine."""
        state = self.__dict__.copy()
        if self.denoiser is not None:
            state['denoiser'] = copy.deepcopy(self.denoiser).to('cpu')

        state['schedule'] = copy.copy(self.schedule).to('cpu')
        for name in _FITTED_TENSORS:
            if state.get(name) is not None:
                state[name] = state[name].cpu()

        state['device'] = torch.device('cpu')
        state['_generator'] = None
        state['_generator_state'] = (
            self._generator.get_state() if self._generator is not None else None
        )
        return state

    def __setstate__(self, state):
        """Restore on the best device available here."""
        generator_state = state.pop('_generator_state', None)
        self.__dict__.update(state)
        self.device = training_device(self.enable_gpu)
        self.schedule.to(self.device)
        if self.denoiser is not None:
            self.denoiser.to(self.device)

        for name in _FITTED_TENSORS:
            if getattr(self, name, None) is not None:
                setattr(self, name, getattr(self, name).to(self.device))

        if generator_state is not None:
            self._generator = torch.Generator(device='cpu')
            self._generator.set_state(generator_state)
