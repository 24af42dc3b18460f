"""``MaskedDiffusionModel``: the facade that composes schedule, denoiser, objective and sampler.

The model takes float arrays of encoded values and an observation mask. Training minimises the
denoising error on observed cells only (``objective``), so a missing cell contributes exactly
nothing to the gradient. A conditional model (``conditional_share > 0``) also learns to generate
a row around some of its observed columns, and so samples, conditions and imputes with one
network. The options are declared in ``options``; this module ties the parts together.
"""

import numpy as np
import torch

from sdv_missdiff._validation import check_integer, check_number
from sdv_missdiff.diffusion import budget, pickle_format
from sdv_missdiff.diffusion.best_guess import most_likely_levels
from sdv_missdiff.diffusion.denoisers import ColumnLayout
from sdv_missdiff.diffusion.distributed import agree_on_seed, sample_on_ranks
from sdv_missdiff.diffusion.fitting import build_denoiser, train
from sdv_missdiff.diffusion.generation import generate_rows
from sdv_missdiff.diffusion.options import ModelOptions
from sdv_missdiff.diffusion.private_training import check_private_options
from sdv_missdiff.diffusion.sampler_choice import make_sampler, one_hot_blocks, redrawn_holes
from sdv_missdiff.diffusion.samplers import AntitheticNoise, CPUNoise
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas
from sdv_missdiff.diffusion.statistics import fit_statistics, zero_where_missing
from sdv_missdiff.diffusion.threads import cpu_threads
from sdv_missdiff.diffusion.training import training_device
from sdv_missdiff.diffusion.wrappers import samples_in_bfloat16, sampling_denoiser

# Rows generated at once when ``batch_size`` is None: chunks of a few thousand rows keep a CPU's
# activations in cache (benchmarks/results/speed/README.md); a GPU wants large batches.
SAMPLING_BATCH_ROWS = {'cpu': 4_096, 'accelerator': 20_000}


class MaskedDiffusionModel:
    """VP diffusion over encoded table rows trained with a masked loss.

    Args:
        options (ModelOptions or None):
            The options (see ``options`` and ``docs/options.md``). Defaults to ``None``: every
            option at its default.
        verbose (bool):
            Show progress bars while fitting. Defaults to ``False``.
        enable_gpu (bool):
            Use CUDA (then MPS) when present. Defaults to ``True``.
        **changes:
            Options by name, over ``options`` (``MaskedDiffusionModel(epochs=5)``).
    """

    def __init__(self, options=None, verbose=False, enable_gpu=True, **changes):
        self.options = (options or ModelOptions()).replace(**changes).model_part()
        self.verbose = verbose
        self.enable_gpu = enable_gpu
        self.format_version = pickle_format.FORMAT_VERSION
        self.device = training_device(enable_gpu)
        diffusion = self.options.diffusion
        self.schedule = VPSchedule(
            quadratic_betas(diffusion.num_timesteps, diffusion.beta_min, diffusion.beta_max)
        )
        self.last_timestep = self.schedule.last_informative_step()
        self.schedule.to(self.device)
        self.layout = self.denoiser = self.fitted = None
        self.epochs = self.denoiser_width = self.stopped_epoch = self.batch_size = None
        self.learns_holes = False
        self.privacy = None  # what a private fit spent (PrivacyPlan.summary)
        self.loss_values, self.validation_loss_values = [], []
        self._generator = None

    @property
    def conditional(self):
        """bool: Whether the denoiser takes known cells as a condition."""
        return self.options.training.conditional_share > 0

    def set_sampling_options(self, **changes):
        """Change sampling options (``sampler``, ``sampling_steps``, ...) of a fitted model."""
        self.options = self.options.replace(**changes)

    def make_sampler(self, sampling_steps=None, known=True):
        """The reverse process of one call (``sampler_choice.make_sampler``)."""
        return make_sampler(self, sampling_steps, known)

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
        learns_holes=False,
        public_rows=None,
        privacy_plan=None,
    ):
        """Train the denoiser on ``values`` where ``observed`` is 1.

        Args:
            values (numpy.ndarray):
                Encoded rows; whatever a missing dimension holds (0, NaN) is read as 0.
            observed (numpy.ndarray):
                Observation mask of the same shape.
            seed (int or None):
                Seed of initialisation, batching and noise; ``None`` draws one from torch's
                global generator. Defaults to ``None``.
            dimension_weights (numpy.ndarray or None):
                Loss weight of each dimension. Defaults to ``None`` (all 1).
            column_index (numpy.ndarray or None):
                Column that owns each dimension. Defaults to ``None`` (one column each).
            column_kinds (list[str] or None):
                How each column is encoded (``denoisers.COLUMN_KINDS``). Defaults to ``None``.
            hole_draw_columns (list[int] or None):
                Columns whose holes are shown as a cell drawn from the column's observed cells
                (``ObservedCellDraws``). Defaults to ``None``.
            hole_levels (numpy.ndarray or None):
                The levels that stand for a column's hole; the structural ones are drawn again
                given each sampled row (``hole_redraw``). Defaults to ``None``.
            indicated_by (numpy.ndarray or None):
                The indicator level of each dimension whose holes an indicator column learns, -1
                elsewhere. Defaults to ``None``.
            learns_holes (bool):
                Whether the rows carry learned holes (``sampler='auto'`` then takes ancestral
                steps). Defaults to ``False``.
            public_rows (tuple[numpy.ndarray, numpy.ndarray] or None):
                Under differential privacy (``epsilon`` set): encoded rows made from noisy
                statistics only, and their mask. The bounds, level frequencies, observed share
                and hole draws are read from them instead of ``values``. Defaults to ``None``.
            privacy_plan (PrivacyPlan or None):
                Under differential privacy: the plan whose statistics made ``public_rows``;
                DP-SGD's noise and steps are added to it. Defaults to ``None``.
        """
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())

        seed = agree_on_seed(seed)  # one seed for every rank of a torchrun fit
        column_index = np.arange(values.shape[1]) if column_index is None else column_index
        options, network = self.options, self.options.network
        self.layout = ColumnLayout.from_column_index(column_index, column_kinds)
        self.learns_holes = bool(learns_holes)
        self.denoiser_width = budget.denoiser_width(network.denoiser_width, len(values))
        private = options.privacy.epsilon is not None
        if private:
            check_private_options(options, public_rows, privacy_plan)

        x_all, m_all = self._tensors(values, observed)
        # Under DP everything but the network's weights is read from the public rows.
        statistics_rows = self._tensors(*public_rows) if private else (x_all, m_all)
        observed_share = budget.observed_cell_share(
            public_rows[1] if private else observed, column_index
        )
        self.batch_size = budget.batch_rows(options.training.batch_size, private)
        # Under DP the automatic budget makes the passes over the rows of a fit without DP.
        self.epochs = budget.training_epochs(
            options.training.epochs,
            len(values),
            budget.DEFAULT_BATCH_SIZE if private else self.batch_size,
            observed_share,
        )
        self.denoiser = build_denoiser(
            network, self.layout, self.conditional, self.denoiser_width, seed, self.device
        )
        blocks = one_hot_blocks(self)
        self.fitted = fit_statistics(
            *statistics_rows,
            self.layout,
            column_index,
            # Ruled-out level pairs need the joint counts of the rows: none under DP.
            options.replace(pair_cutoff=0.0) if private else options,
            blocks,
            dimension_weights,
            hole_levels,
            indicated_by,
        )
        with cpu_threads(self.device):
            train(
                self, x_all, m_all, seed, blocks, hole_draw_columns, statistics_rows, privacy_plan
            )

        self.privacy = privacy_plan.summary() if private else None

    def _tensors(self, values, observed):
        observed = torch.as_tensor(observed, dtype=torch.float32, device=self.device)
        values = torch.as_tensor(values, dtype=torch.float32, device=self.device)
        return zero_where_missing(values, observed), observed

    # -- sampling -------------------------------------------------------------------------
    def set_random_state(self, random_state):
        """Seed sampling.

        Args:
            random_state (int, tuple or None):
                A seed, a ``(RandomState, torch.Generator)`` pair as SDV passes it, or ``None``
                for fresh randomness.
        """
        if random_state is None:
            self._generator = None
        elif isinstance(random_state, tuple):
            self._generator = torch.Generator(device='cpu')
            self._generator.set_state(random_state[1].get_state())
        else:
            self._generator = torch.Generator(device='cpu').manual_seed(int(random_state))

    def uniform(self, shape):
        """Float32 U(0, 1) draws of ``shape`` from the sampling generator, as a NumPy array."""
        return torch.rand(shape, generator=self._generator).numpy()

    @property
    def samples_in_bfloat16(self):
        """bool: Whether sampling runs the denoiser's products in bfloat16."""
        return samples_in_bfloat16(self.options.sampling.sampling_precision, self.device)

    def _sampling_batch_size(self, batch_size):
        if batch_size is not None:
            return int(batch_size)

        return SAMPLING_BATCH_ROWS['cpu' if self.device.type == 'cpu' else 'accelerator']

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
        """Draw rows by reverse diffusion; the known cells (if any) are kept and generated around.

        Args:
            num_rows (int):
                Number of rows.
            known_values (numpy.ndarray or None):
                Encoded values to hold fixed, shape (rows, dimensions). Defaults to ``None``.
            known_mask (numpy.ndarray or None):
                1 where ``known_values`` holds a known value. Defaults to ``None``.
            batch_size (int or None):
                Rows at once; ``None``: 4,096 on a CPU, 20,000 on a GPU. Defaults to ``None``.
            num_resamples (int):
                RePaint's ``r`` around known cells. Defaults to 1.
            guidance_scale (float):
                Classifier-free guidance weight of a conditional model. Defaults to 0.
            show_progress_bar (bool):
                Show the reverse steps. Defaults to ``False``.
            sampling_steps (int or None):
                Reverse steps of this call. Defaults to ``None`` (the option's).
            excluded_dimensions (numpy.ndarray or None):
                One-hot dimensions no generated cell may take. Defaults to ``None``.
            antithetic (bool):
                Opposite Gaussian noise for rows ``2i`` and ``2i + 1`` (``AntitheticNoise``).
                Defaults to ``False``.

        Returns:
            numpy.ndarray:
                Float32 array of shape (rows, dimensions).
        """
        check_integer('num_resamples', num_resamples, error=ValueError)
        check_number('guidance_scale', guidance_scale, 0, what='0 or more', error=ValueError)
        if sampling_steps is not None:
            check_integer('sampling_steps', sampling_steps, error=ValueError)

        sampler = self.make_sampler(sampling_steps, known=known_values is not None)
        denoiser, excluded = sampling_denoiser(
            self.denoiser,
            self.device,
            self.options.sampling.sampling_precision,
            excluded_dimensions,
        )
        holes = redrawn_holes(self, sampler, excluded)
        batch_size = self._sampling_batch_size(batch_size)
        if antithetic:
            batch_size += batch_size % 2  # keep every pair of rows in one batch

        def sample_here(rows, values, mask, generator, first_rank):
            return generate_rows(
                sampler,
                denoiser,
                rows,
                (AntitheticNoise if antithetic else CPUNoise)(generator, self.device),
                (self.fitted.lower, self.fitted.upper),
                values,
                mask,
                batch_size,
                int(num_resamples),
                float(guidance_scale),
                show_progress_bar and first_rank,
                holes,
                self.fitted.indicated_by,
                excluded,
            )

        with cpu_threads(self.device):
            return sample_on_ranks(sample_here, num_rows, self._generator, known_values, known_mask)

    @property
    def guesses_levels(self):
        """bool: Whether :meth:`most_likely_levels` applies (a conditional, masked model)."""
        return self.conditional and one_hot_blocks(self) is not None

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

        Takes the arguments of ``best_guess.most_likely_levels`` (``num_passes`` defaults to 4,
        ``batch_size`` to :meth:`sample`'s, ``guidance_scale`` to 0) and
        ``excluded_dimensions``, one-hot dimensions no unknown cell may take.

        Raises:
            ValueError:
                If the model is not conditional or has no masked one-hot blocks.
        """  # noqa: D417
        check_integer('num_passes', num_passes, error=ValueError)
        if not self.guesses_levels:
            raise ValueError(
                'most_likely_levels needs a conditional model (conditional_share > 0) with '
                "categorical_diffusion='masked' and at least one one-hot column."
            )

        denoiser, _ = sampling_denoiser(
            self.denoiser,
            self.device,
            self.options.sampling.sampling_precision,
            excluded_dimensions,
        )
        with cpu_threads(self.device):
            return most_likely_levels(
                self.make_sampler(),
                denoiser,
                CPUNoise(self._generator, self.device),
                known_values,
                known_mask,
                num_passes,
                self._sampling_batch_size(batch_size),
                guidance_scale,
            )

    # -- pickling -------------------------------------------------------------------------
    def __getstate__(self):
        """Move everything to the CPU so a GPU-fitted model loads on a CPU-only machine."""
        return pickle_format.state_on_cpu(self)

    def __setstate__(self, state):
        """Restore on the best device available here, upgrading an older format first."""
        pickle_format.restore(self, state)
