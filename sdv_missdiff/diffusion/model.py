"""Masked denoising score matching (MissDiff, Algorithms 1 and 2) on encoded rows.

The model takes float arrays of values and an observation mask. Training minimises the noise
prediction error on observed dimensions only, so missing dimensions contribute exactly nothing
to the gradient. The paper's model (``conditional_share=0``) fills missing dimensions with 0
before noising. A conditional model (``conditional_share > 0``) also shows the denoiser which
dimensions are missing and, on a share of the rows, hands it some observed columns as clean
known values to generate the others from; it then samples unconditionally, conditionally and
imputes with one network.
"""

import copy
import math

import numpy as np
import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device
from sdv_missdiff.diffusion.denoiser import MLPDenoiser
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas
from sdv_missdiff.errors import TrainingDivergedError

# An epoch loss this many times above the best one so far means training blew up.
_EXPLOSION_FACTOR = 100.0


def masked_noise_loss(predicted_noise, noise, observed, dimension_weights=None):
    """Weighted mean squared noise-prediction error over observed dimensions only.

    Args:
        predicted_noise (torch.Tensor):
            Network output.
        noise (torch.Tensor):
            Noise that was added.
        observed (torch.Tensor):
            1 where a dimension is observed, 0 where it is missing.
        dimension_weights (torch.Tensor or None):
            Weight of each dimension, shape ``(dimensions,)``. Defaults to ``None`` (all 1).

    Returns:
        torch.Tensor:
            Scalar loss; a missing dimension has zero gradient.
    """
    weights = observed if dimension_weights is None else observed * dimension_weights
    squared_error = (predicted_noise - noise).square() * weights
    return squared_error.sum() / weights.sum().clamp_min(1e-12)


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
            Reverse steps; fewer than ``T`` uses evenly spaced steps. ``None`` means ``T``.
            Defaults to ``None``.
        verbose (bool):
            Show a progress bar with the running loss. Defaults to ``False``.
        enable_gpu (bool):
            Use CUDA (then MPS) when present. Defaults to ``True``.
    """

    def __init__(
        self,
        num_timesteps=100,
        beta_min=1e-4,
        beta_max=0.5,
        hidden_dimensions=256,
        num_blocks=4,
        dropout=0.0,
        epochs=300,
        batch_size=500,
        learning_rate=2e-3,
        weight_decay=1e-5,
        conditional_share=0.0,
        ema_decay=0.995,
        sampling_steps=None,
        verbose=False,
        enable_gpu=True,
    ):
        self.num_timesteps = num_timesteps
        self.beta_min = beta_min
        self.beta_max = beta_max
        self.hidden_dimensions = hidden_dimensions
        self.num_blocks = num_blocks
        self.dropout = dropout
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.conditional_share = conditional_share
        self.ema_decay = ema_decay
        self.sampling_steps = sampling_steps
        self.verbose = verbose
        self.enable_gpu = enable_gpu
        self.device = get_device(enable_gpu)
        self.schedule = VPSchedule(quadratic_betas(num_timesteps, beta_min, beta_max))
        self.last_timestep = self.schedule.last_informative_step()
        self.schedule.to(self.device)
        self.denoiser = None
        self.loss_values = []
        self._generator = None
        self._lower = None
        self._upper = None
        self._dimension_weights = None
        self._column_index = None
        self._num_columns = 0

    @property
    def conditional(self):
        """bool: Whether the denoiser takes known cells as a condition."""
        return self.conditional_share > 0

    # -- training -------------------------------------------------------------------------
    def fit(self, values, observed, seed=None, dimension_weights=None, column_index=None):
        """Train the denoiser on ``values`` where ``observed`` is 1.

        Args:
            values (numpy.ndarray):
                Encoded rows, float, 0 in missing dimensions.
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
                (every dimension of a one-hot block together). Defaults to ``None`` (each
                dimension is its own column).

        Raises:
            TrainingDivergedError:
                If a batch loss is NaN or infinite, or an epoch loss explodes.
        """
        if seed is None:
            seed = int(torch.randint(0, 2**62, (1,)).item())

        generator = torch.Generator(device=self.device).manual_seed(seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.denoiser = MLPDenoiser(
                values.shape[1],
                self.hidden_dimensions,
                self.num_blocks,
                dropout=self.dropout,
                conditional=self.conditional,
            ).to(self.device)

        x_all = torch.as_tensor(values, dtype=torch.float32, device=self.device)
        m_all = torch.as_tensor(observed, dtype=torch.float32, device=self.device)
        x_all = x_all * m_all  # the paper's fill: 0 in every missing dimension
        self._dimension_weights = None
        if dimension_weights is not None:
            self._dimension_weights = torch.as_tensor(
                dimension_weights, dtype=torch.float32, device=self.device
            )
        if column_index is None:
            column_index = np.arange(values.shape[1])

        self._column_index = torch.as_tensor(column_index, dtype=torch.long, device=self.device)
        self._num_columns = int(np.max(column_index)) + 1 if len(column_index) else 0
        self._set_bounds(x_all, m_all)
        num_rows = x_all.shape[0]
        batch_size = min(self.batch_size, num_rows)
        steps_per_epoch = math.ceil(num_rows / batch_size)
        total_steps = steps_per_epoch * self.epochs

        optimizer = torch.optim.AdamW(
            self.denoiser.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0)))
        )
        ema = copy.deepcopy(self.denoiser) if self.ema_decay else None
        self.loss_values = []
        best_loss = math.inf
        epochs = tqdm(range(self.epochs), disable=not self.verbose, desc='Loss: -')
        for epoch in epochs:
            self.denoiser.train()
            order = torch.randperm(num_rows, generator=generator, device=self.device)
            epoch_loss = torch.zeros((), device=self.device)
            for start in range(0, num_rows, batch_size):
                index = order[start : start + batch_size]
                loss = self._training_loss(x_all[index], m_all[index], generator)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.denoiser.parameters(), 1.0)
                optimizer.step()
                scheduler.step()
                if ema is not None:
                    _update_ema(ema, self.denoiser, self.ema_decay)

                epoch_loss += loss.detach() * len(index)

            epoch_loss = float(epoch_loss) / num_rows
            self._check_loss(epoch, epoch_loss, best_loss)
            best_loss = min(best_loss, epoch_loss)
            self.loss_values.append(epoch_loss)
            epochs.set_description(f'Loss: {epoch_loss:.4f}')

        if ema is not None:
            self.denoiser = ema

        self.denoiser.eval()

    def _set_bounds(self, values, observed):
        # Range of the observed values of each dimension, with a 5% margin on each side.
        lower = torch.where(observed.bool(), values, torch.inf).amin(0)
        upper = torch.where(observed.bool(), values, -torch.inf).amax(0)
        margin = 0.05 * (upper - lower)
        self._lower, self._upper = lower - margin, upper + margin

    def _training_loss(self, x0, observed, generator):
        timesteps = torch.randint(
            1, self.last_timestep + 1, (x0.shape[0],), device=self.device, generator=generator
        )
        noise = torch.randn(x0.shape, device=self.device, generator=generator)
        signal_scale, noise_scale = self.schedule.signal_and_noise(timesteps)
        noisy = signal_scale * x0 + noise_scale * noise
        if not self.conditional:
            predicted_noise = self.denoiser(noisy, timesteps)
            return masked_noise_loss(predicted_noise, noise, observed, self._dimension_weights)

        condition = self._draw_condition(observed, generator)
        noisy = torch.where(condition.bool(), x0, noisy)
        # A missing cell is shown to the denoiser as missing, not as a noisy 0 that it would
        # take for a real value: on a toy pair with 30% holes the fake values pulled the learned
        # correlation from 0.90 down to 0.79 (0.88 with the mask).
        missing = 1 - observed
        noisy = noisy * observed
        predicted_noise = self.denoiser(noisy, timesteps, condition, missing)
        targets = observed * (1 - condition)
        return masked_noise_loss(predicted_noise, noise, targets, self._dimension_weights)

    def _draw_condition(self, observed, generator):
        # A share of the rows gets a condition: each observed column is in it with a rate
        # drawn per row from U(0, 1), so the model sees every amount of known cells, from
        # almost none (conditional sampling) to almost all (imputation).
        num_rows = observed.shape[0]
        uniform = torch.rand(
            (num_rows, self._num_columns + 2), device=self.device, generator=generator
        )
        conditioned_row = uniform[:, :1] < self.conditional_share
        rate = uniform[:, 1:2]
        chosen_columns = (uniform[:, 2:] < rate) & conditioned_row
        return chosen_columns[:, self._column_index].float() * observed

    def _check_loss(self, epoch, epoch_loss, best_loss):
        if not math.isfinite(epoch_loss):
            raise TrainingDivergedError(
                f'The training loss became {epoch_loss} at epoch {epoch + 1}, so training was '
                "stopped. Lower 'learning_rate' or check the data for extreme values."
            )

        if epoch_loss > _EXPLOSION_FACTOR * best_loss:
            raise TrainingDivergedError(
                f'The training loss exploded at epoch {epoch + 1} ({epoch_loss:.4g}, best so far '
                f"{best_loss:.4g}), so training was stopped. Lower 'learning_rate'."
            )

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

    def _timesteps(self):
        steps = min(self.sampling_steps or self.num_timesteps, self.last_timestep)
        return np.unique(np.linspace(1, self.last_timestep, steps).round().astype(int))[::-1]

    @torch.no_grad()
    def sample(
        self,
        num_rows,
        known_values=None,
        known_mask=None,
        batch_size=20_000,
        num_resamples=1,
        guidance_scale=0.0,
        show_progress_bar=False,
    ):
        """Draw rows by reverse diffusion; known cells (if any) are generated around.

        A conditional model (``conditional_share > 0``) reads the known cells as its condition
        at every reverse step. Otherwise the known dimensions are re-noised to the current
        noise level and pasted in before every step (inpainting by replacement). Either way
        their exact values are pasted in at the end.

        Args:
            num_rows (int):
                Number of rows.
            known_values (numpy.ndarray or None):
                Encoded values to hold fixed, shape (rows, dimensions). Defaults to ``None``.
            known_mask (numpy.ndarray or None):
                1 where ``known_values`` holds a fixed value. Defaults to ``None``.
            batch_size (int):
                Rows generated at once. Defaults to 20,000.
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

        Returns:
            numpy.ndarray:
                Float32 array of shape (rows, dimensions).
        """
        if isinstance(num_resamples, bool) or not isinstance(num_resamples, (int, np.integer)):
            raise ValueError(f'num_resamples must be a positive integer, not {num_resamples!r}.')

        if num_resamples < 1:
            raise ValueError(f'num_resamples must be a positive integer, not {num_resamples!r}.')

        if not guidance_scale >= 0:
            raise ValueError(f'guidance_scale must be 0 or more, not {guidance_scale!r}.')

        chunks = []
        steps_per_chunk = len(self._timesteps())
        progress_bar = tqdm(
            total=math.ceil(num_rows / batch_size) * steps_per_chunk,
            disable=not show_progress_bar,
            desc='Reverse diffusion steps',
        )
        for start in range(0, num_rows, batch_size):
            stop = min(start + batch_size, num_rows)
            known = None
            if known_values is not None:
                known = (
                    torch.as_tensor(known_values[start:stop], dtype=torch.float32),
                    torch.as_tensor(known_mask[start:stop], dtype=torch.float32),
                )

            chunks.append(
                self._sample_chunk(
                    stop - start, known, int(num_resamples), float(guidance_scale), progress_bar
                )
            )

        progress_bar.close()
        return np.concatenate(chunks) if chunks else np.zeros((0, self._dimensions()))

    def _dimensions(self):
        return self.denoiser.data_dimensions

    def _randn(self, shape):
        # Noise is drawn on the CPU so a seed gives the same rows on every device.
        return torch.randn(shape, generator=self._generator).to(self.device)

    def _sample_chunk(
        self, num_rows, known, num_resamples=1, guidance_scale=0.0, progress_bar=None
    ):
        shape = (num_rows, self._dimensions())
        if known is not None:
            known = tuple(tensor.to(self.device) for tensor in known)
            if not known[1].bool().any():
                known = None  # nothing is known: plain sampling, no wasted resampling

        x = self._randn(shape)
        alpha_bars = self.schedule.alpha_bars.float()
        timesteps = self._timesteps()
        for index, t in enumerate(timesteps):
            previous_t = int(timesteps[index + 1]) if index + 1 < len(timesteps) else 0
            batch_t = torch.full((num_rows,), int(t), device=self.device, dtype=torch.long)
            # RePaint resampling only where a noisier state exists to go back to.
            repeats = num_resamples if known is not None and previous_t > 0 else 1
            for repeat in range(repeats):
                predicted_noise = self._predict_noise(x, batch_t, known, int(t), guidance_scale)
                x = self._reverse_step(x, predicted_noise, alpha_bars[t], alpha_bars[previous_t])
                if repeat + 1 < repeats:
                    x = self._renoise(x, alpha_bars[t], alpha_bars[previous_t])

            if progress_bar is not None:
                progress_bar.update(1)

        if known is not None:
            values, mask = known
            x = torch.where(mask.bool(), values, x)

        return x.cpu().numpy()

    def _predict_noise(self, x, batch_t, known, t, guidance_scale=0.0):
        if known is None:
            return self.denoiser(x, batch_t)

        if self.conditional:
            # The denoiser learned to read known cells as clean values plus their mask.
            values, mask = known
            conditional = self.denoiser(torch.where(mask.bool(), values, x), batch_t, mask)
            if not guidance_scale:
                return conditional

            # The unconditional estimate sees the known cells re-noised, as replacement does.
            unconditional = self.denoiser(self._paste_known(x, known, t), batch_t)
            return conditional + guidance_scale * (conditional - unconditional)

        return self.denoiser(self._paste_known(x, known, t), batch_t)

    def _paste_known(self, x, known, t):
        values, mask = known
        alpha_bar = self.schedule.alpha_bars[t].float()
        noisy_known = alpha_bar.sqrt() * values + (1 - alpha_bar).sqrt() * self._randn(x.shape)
        return torch.where(mask.bool(), noisy_known, x)

    def _renoise(self, x, alpha_bar, previous_alpha_bar):
        # One forward step q(x_t | x_prev) of the (possibly respaced) chain: back to level t.
        alpha = alpha_bar / previous_alpha_bar
        return alpha.sqrt() * x + (1 - alpha).sqrt() * self._randn(x.shape)

    def _reverse_step(self, x, predicted_noise, alpha_bar, previous_alpha_bar):
        # Predicted clean row, kept inside the range the training data spans: an imperfect
        # noise estimate at high noise levels otherwise compounds into extreme values.
        x0 = (x - (1 - alpha_bar).sqrt() * predicted_noise) / alpha_bar.sqrt()
        x0 = torch.maximum(torch.minimum(x0, self._upper), self._lower)
        if previous_alpha_bar >= 1:
            return x0

        # Ancestral step (Algorithm 2) over the (possibly respaced) chain, written through the
        # predicted clean row; without clipping its mean is exactly Algorithm 2's. The step's
        # own beta is 1 - abar_t / abar_prev, which is beta_t itself when every step is taken.
        alpha = alpha_bar / previous_alpha_bar
        beta = 1 - alpha
        mean = (
            previous_alpha_bar.sqrt() * beta / (1 - alpha_bar) * x0
            + alpha.sqrt() * (1 - previous_alpha_bar) / (1 - alpha_bar) * x
        )
        # The paper's variance beta_t (measured on Adult: the posterior variance scored lower).
        return mean + beta.sqrt() * self._randn(x.shape)

    # -- pickling -------------------------------------------------------------------------
    def __getstate__(self):
        """Move everything to the CPU so a GPU-fitted model loads on a CPU-only machine."""
        state = self.__dict__.copy()
        if self.denoiser is not None:
            state['denoiser'] = copy.deepcopy(self.denoiser).to('cpu')

        state['schedule'] = copy.copy(self.schedule).to('cpu')
        for name in ('_lower', '_upper', '_dimension_weights', '_column_index'):
            if state[name] is not None:
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
        self.device = get_device(self.enable_gpu)
        self.schedule.to(self.device)
        if self.denoiser is not None:
            self.denoiser.to(self.device)
            self._lower, self._upper = self._lower.to(self.device), self._upper.to(self.device)

        if generator_state is not None:
            self._generator = torch.Generator(device='cpu')
            self._generator.set_state(generator_state)


@torch.no_grad()
def _update_ema(ema, model, decay):
    for ema_parameter, parameter in zip(ema.parameters(), model.parameters()):
        ema_parameter.lerp_(parameter, 1 - decay)
