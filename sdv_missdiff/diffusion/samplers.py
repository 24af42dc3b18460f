"""Reverse diffusion: turn noise into encoded rows, optionally around known cells.

A sampler takes a trained denoiser and returns a tensor of rows; a new sampling scheme (another
solver, fewer steps) is a new class here with the same ``sample`` signature.
"""

import torch

from sdv_missdiff.diffusion.parameterization import clean_estimate


class CPUNoise:
    """Standard normal noise drawn on the CPU, so that a seed gives the same rows on every device.

    Args:
        generator (torch.Generator or None):
            CPU generator of the draws; ``None`` uses torch's global one.
        device (torch.device):
            Where the noise is used.
    """

    def __init__(self, generator, device):
        self.generator = generator
        self.device = device

    def __call__(self, shape):
        """Draw standard normal noise of ``shape`` on ``device``."""
        return torch.randn(shape, generator=self.generator).to(self.device)

    def uniform(self, shape):
        """Draw U(0, 1) values of ``shape`` on ``device``, never exactly 0."""
        return torch.rand(shape, generator=self.generator).clamp_min(1e-12).to(self.device)


class AntitheticNoise(CPUNoise):
    """``CPUNoise`` whose Gaussian draws come in antithetic pairs of neighbouring rows.

    Rows ``2i`` and ``2i + 1`` get noise ``e`` and ``-e`` (an odd last row gets its own draw),
    so two draws of the same cell that sit side by side err in opposite directions and their
    mean is closer to the conditional mean than the mean of two independent draws (each draw
    is still an exact draw of the sampler). Level draws (``uniform``) stay independent.
    """

    def __call__(self, shape):
        """Draw standard normal noise of ``shape``, negated on every second row."""
        rows = shape[0]
        half = torch.randn((rows // 2, *shape[1:]), generator=self.generator)
        paired = torch.stack([half, -half], dim=1).reshape(2 * (rows // 2), *shape[1:])
        if rows % 2:
            extra = torch.randn((1, *shape[1:]), generator=self.generator)
            paired = torch.cat([paired, extra])

        return paired.to(self.device)


# Rows read at once where a whole training table is scanned (``value_bounds``, the model's check
# of its missing cells): a full-size temporary costs a copy of the table.
TABLE_CHUNK_ROWS = 65_536


def value_bounds(values, observed, margin=0.05):
    """Range of the observed values of each dimension, widened by ``margin`` on each side.

    Args:
        values (torch.Tensor):
            Encoded rows.
        observed (torch.Tensor):
            Observation mask of ``values``.
        margin (float):
            Share of the range added below and above. Defaults to 0.05.

    Returns:
        tuple[torch.Tensor, torch.Tensor]:
            Lower and upper bound of each dimension.
    """
    # By chunks of rows: a mask and a filled copy of the whole table held 1.25 copies of it at
    # once (a million Adult rows: about 500 MiB) for two vectors.
    lower, upper = [], []
    for start in range(0, max(len(values), 1), TABLE_CHUNK_ROWS):
        rows = slice(start, start + TABLE_CHUNK_ROWS)
        seen = observed[rows].bool()
        lower.append(torch.where(seen, values[rows], torch.inf).amin(0))
        upper.append(torch.where(seen, values[rows], -torch.inf).amax(0))

    lower, upper = torch.stack(lower).amin(0), torch.stack(upper).amax(0)
    width = margin * (upper - lower)
    return lower - width, upper + width


class AncestralSampler:
    """Ancestral sampling (MissDiff's Algorithm 2) over a respaced chain, with inpainting.

    Around known cells, a conditional denoiser reads them as its condition at every step
    (optionally with classifier-free guidance, Ho and Salimans 2022); an unconditional one gets
    them re-noised to the current level and pasted in before every step (inpainting by
    replacement), optionally with RePaint resampling (Lugmayr et al. 2022). Either way the
    returned rows hold the known values exactly in the known dimensions.

    Args:
        schedule (VPSchedule):
            The noise schedule, on the sampling device.
        timesteps (numpy.ndarray):
            Reverse steps in decreasing order (see ``respaced_timesteps``).
        velocity (torch.Tensor or None):
            Boolean mask of the dimensions where the denoiser predicts the velocity instead of
            the noise (see ``parameterization``). Defaults to ``None`` (noise everywhere).
        one_hot_blocks (OneHotBlocks or None):
            One-hot columns diffused by masking (see ``categorical``): they start hidden (known
            ones visible) and are revealed step by step, levels drawn from the denoiser's
            logits; RePaint resampling then applies to the other dimensions only. Defaults to
            ``None`` (every dimension Gaussian).
    """

    def __init__(self, schedule, timesteps, velocity=None, one_hot_blocks=None):
        self.schedule = schedule
        self.timesteps = timesteps
        self.velocity = velocity
        self.one_hot_blocks = one_hot_blocks

    def sample(
        self,
        denoiser,
        num_rows,
        bounds,
        noise,
        known=None,
        num_resamples=1,
        guidance_scale=0.0,
        progress_bar=None,
    ):
        """Draw ``num_rows`` encoded rows.

        Args:
            denoiser (Denoiser):
                The trained network, in eval mode.
            num_rows (int):
                Number of rows.
            bounds (tuple[torch.Tensor, torch.Tensor]):
                Lower and upper bound of each dimension; every predicted clean row is clipped
                to them (an imperfect noise estimate at high noise otherwise compounds into
                extreme values).
            noise (callable):
                ``noise(shape)`` returns standard normal noise on the device.
            known (tuple[torch.Tensor, torch.Tensor] or None):
                Known values and their mask (1 where known), on the device. Defaults to
                ``None``.
            num_resamples (int):
                How many times each reverse step is taken around known cells (RePaint's ``r``):
                after a step the row is re-noised back to the step's level and the step is
                taken again. Defaults to 1.
            guidance_scale (float):
                Classifier-free guidance weight ``w`` of a conditional denoiser: the estimate is
                ``(1 + w) * conditional - w * unconditional``. Defaults to 0.
            progress_bar (tqdm.tqdm or None):
                Advanced by one per reverse step. Defaults to ``None``.

        Returns:
            torch.Tensor:
                The rows, on the device.
        """
        if known is not None and not known[1].bool().any():
            known = None  # nothing is known: plain sampling, no wasted resampling

        device = bounds[0].device
        x, hidden = self._initial_state(denoiser, num_rows, known, noise, device)
        blocks = self.one_hot_blocks
        alpha_bars = self.schedule.alpha_bars.float()
        timesteps = self.timesteps
        for index, t in enumerate(timesteps):
            previous_t = int(timesteps[index + 1]) if index + 1 < len(timesteps) else 0
            batch_t = torch.full((num_rows,), int(t), device=device, dtype=torch.long)
            # RePaint resampling only where a noisier state exists to go back to.
            repeats = num_resamples if known is not None and previous_t > 0 else 1
            for repeat in range(repeats):
                output = self._predict(denoiser, x, batch_t, known, int(t), guidance_scale, noise)
                alpha_bar = alpha_bars[t]
                x0 = clean_estimate(
                    x, output, alpha_bar.sqrt(), (1 - alpha_bar).sqrt(), self.velocity
                )
                stepped = self._reverse_step(
                    x, x0, alpha_bar, alpha_bars[previous_t], bounds, noise
                )
                if blocks is not None:
                    # One-hot cells keep their state; hidden ones are revealed at the rate that
                    # takes the masked share from 1 - abar_t to 1 - abar_prev (1 at the end).
                    stepped = torch.where(blocks.dimensions, x, stepped)
                    reveal = 1 - (1 - alpha_bars[previous_t]) / (1 - alpha_bar)
                    stepped, hidden = blocks.reveal(
                        stepped, output, hidden, float(reveal), noise.uniform
                    )

                x = stepped
                if repeat + 1 < repeats:
                    renoised = self._renoise(x, alpha_bars[t], alpha_bars[previous_t], noise)
                    x = renoised if blocks is None else torch.where(blocks.dimensions, x, renoised)

            if progress_bar is not None:
                progress_bar.update(1)

        # Cells still hidden after the last step are revealed one a row at a time, each given
        # the ones before it, at the last (least noisy) step.
        while hidden is not None and hidden.any():
            output = self._predict(denoiser, x, batch_t, known, int(t), guidance_scale, noise)
            x, hidden = blocks.reveal(x, output, hidden, 1.0, noise.uniform)

        if known is not None:
            values, mask = known
            x = torch.where(mask.bool(), values, x)

        return x

    @torch.no_grad()
    def level_probabilities(self, denoiser, known, noise, guidance_scale=0.0):
        """Each one-hot cell's level probabilities given the known cells alone.

        The denoiser's softmax at the first reverse step, where every unknown cell is hidden
        (one-hot) or pure noise (the rest): the chance of each level given the known cells,
        which masked training taught it to give. Its argmax is the most likely level of each
        cell on its own, the best single guess for accuracy, from one denoiser call instead of
        many sampled rows.

        Args:
            denoiser (Denoiser):
                The trained network, in eval mode.
            known (tuple[torch.Tensor, torch.Tensor]):
                Known values and their mask (1 where known), on the device.
            noise (callable):
                ``noise(shape)`` returns standard normal noise on the device.
            guidance_scale (float):
                Classifier-free guidance weight of a conditional denoiser. Defaults to 0.

        Returns:
            torch.Tensor:
                Probabilities of shape (rows, one-hot blocks, widest block), 0 past a block's
                own levels.

        Raises:
            ValueError:
                If the sampler has no masked one-hot blocks.
        """
        if self.one_hot_blocks is None:
            raise ValueError('level_probabilities needs one-hot blocks diffused by masking.')

        num_rows = known[0].shape[0]
        x, _ = self._initial_state(denoiser, num_rows, known, noise, known[0].device)
        t = int(self.timesteps[0])
        batch_t = torch.full((num_rows,), t, device=x.device, dtype=torch.long)
        output = self._predict(denoiser, x, batch_t, known, t, guidance_scale, noise)
        return torch.softmax(self.one_hot_blocks._block_logits(output), dim=2)

    def _initial_state(self, denoiser, num_rows, known, noise, device):
        # Pure noise, with every one-hot cell hidden but the known ones (masked diffusion).
        x = noise((num_rows, denoiser.layout.num_dimensions))
        blocks = self.one_hot_blocks
        if blocks is None:
            return x, None

        known_cells = torch.zeros((num_rows, len(blocks)), dtype=torch.bool, device=device)
        if known is not None:
            known_cells = blocks.cells(known[1]).bool()
            x = torch.where(known[1].bool() & blocks.dimensions, known[0], x)

        hidden = ~known_cells
        return blocks.hide(x, hidden), hidden

    def _predict(self, denoiser, x, batch_t, known, t, guidance_scale, noise):
        if known is None:
            return denoiser(x, batch_t)

        if denoiser.conditional:
            # The denoiser learned to read known cells as clean values plus their mask.
            values, mask = known
            conditional = denoiser(torch.where(mask.bool(), values, x), batch_t, mask)
            if not guidance_scale:
                return conditional

            # The unconditional estimate sees the known cells re-noised, as replacement does
            # (known one-hot cells of masked diffusion: hidden).
            unconditional = self._paste_known(x, known, t, noise)
            if self.one_hot_blocks is not None:
                known_cells = self.one_hot_blocks.cells(mask).bool()
                unconditional = self.one_hot_blocks.hide(unconditional, known_cells)

            unconditional = denoiser(unconditional, batch_t)
            guided = conditional + guidance_scale * (conditional - unconditional)
            if self.one_hot_blocks is None:
                return guided

            # Guidance sharpens the levels' logits; on numbers it overshoots the conditional
            # (measured on Adult, see benchmarks/results/conditionals), so they take it plain.
            return torch.where(self.one_hot_blocks.dimensions, guided, conditional)

        return denoiser(self._paste_known(x, known, t, noise), batch_t)

    def _paste_known(self, x, known, t, noise):
        # Known cells re-noised to level t; known one-hot cells of masked diffusion stay visible.
        values, mask = known
        alpha_bar = self.schedule.alpha_bars[t].float()
        noisy_known = alpha_bar.sqrt() * values + (1 - alpha_bar).sqrt() * noise(x.shape)
        if self.one_hot_blocks is not None:
            noisy_known = torch.where(self.one_hot_blocks.dimensions, x, noisy_known)

        return torch.where(mask.bool(), noisy_known, x)

    @staticmethod
    def _renoise(x, alpha_bar, previous_alpha_bar, noise):
        # One forward step q(x_t | x_prev) of the (possibly respaced) chain: back to level t.
        alpha = alpha_bar / previous_alpha_bar
        return alpha.sqrt() * x + (1 - alpha).sqrt() * noise(x.shape)

    def _reverse_step(self, x, x0, alpha_bar, previous_alpha_bar, bounds, noise):
        # The predicted clean row, kept inside the range the training data spans.
        lower, upper = bounds
        x0 = torch.maximum(torch.minimum(x0, upper), lower)
        if previous_alpha_bar >= 1:
            return x0

        return self._step(x, x0, alpha_bar, previous_alpha_bar, noise)

    def _step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
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
        return mean + beta.sqrt() * noise(x.shape)


# Default noise share of DDIM steps (see DDIMSampler).
DDIM_ETA = 0.3


class DDIMSampler(AncestralSampler):
    """DDIM steps (Song et al. 2021) for the Gaussian dimensions, masking for one-hot columns.

    Same chain, conditioning, inpainting and one-hot reveals as :class:`AncestralSampler`; only
    the step of the Gaussian dimensions differs: from the predicted clean row ``x0`` and the
    noise it implies, ``x_prev = sqrt(abar_prev) x0 + sqrt(1 - abar_prev - sigma^2) eps +
    sigma z``, with ``sigma`` a share ``eta`` of the posterior's standard deviation. It keeps
    its accuracy with fewer steps than the paper's ancestral step, whose noise is larger.
    ``eta=0`` (the deterministic path of the probability-flow ODE) gave the best Adult rows but
    loosened a learned correlation (a toy pair with correlation 0.90: 0.82, against 0.86 for 50
    ancestral steps), which a little noise corrects: ``eta=0.3`` matched the ancestral steps on
    both with 30 steps instead of 50 (see ``benchmarks/results/speed/README.md``).

    Args:
        schedule, timesteps, velocity, one_hot_blocks:
            As for :class:`AncestralSampler`.
        eta (float or None):
            Share of the posterior's standard deviation added as fresh noise: 0 is
            deterministic DDIM, 1 the ancestral step with the posterior variance. Defaults to
            ``DDIM_ETA`` (0.3).
    """

    def __init__(self, schedule, timesteps, velocity=None, one_hot_blocks=None, eta=None):
        super().__init__(schedule, timesteps, velocity, one_hot_blocks)
        self.eta = DDIM_ETA if eta is None else float(eta)

    def _noise_scales(self, alpha_bar, previous_alpha_bar):
        # sigma (fresh noise) and the scale the implied noise keeps, sqrt(1 - abar_prev - sigma^2).
        posterior_variance = (
            (1 - previous_alpha_bar) / (1 - alpha_bar) * (1 - alpha_bar / previous_alpha_bar)
        )
        sigma = self.eta * posterior_variance.sqrt()
        return sigma, (1 - previous_alpha_bar - sigma**2).clamp_min(0).sqrt()

    def _step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
        # The noise the clipped clean row implies, so that clipping also steers the path.
        implied_noise = (x - alpha_bar.sqrt() * x0) / (1 - alpha_bar).sqrt()
        sigma, kept = self._noise_scales(alpha_bar, previous_alpha_bar)
        step = previous_alpha_bar.sqrt() * x0 + kept * implied_noise
        if self.eta:
            step = step + sigma * noise(x.shape)

        return step


def half_log_snr(alpha_bar):
    """``lambda = log(sqrt(abar) / sqrt(1 - abar))``, the time variable of DPM-Solver."""
    return 0.5 * torch.log(alpha_bar / (1 - alpha_bar))


class DPMSolverSampler(DDIMSampler):
    """DDIM steps with DPM-Solver++(2M)'s second-order correction (Lu et al. 2022).

    A DDIM step treats the predicted clean row ``x0`` as constant over the step; the multistep
    solver extrapolates it linearly in ``lambda = log(sqrt(abar) / sqrt(1 - abar))`` from the
    estimate of the step before, ``D = x0 + (x0 - x0_before) * h / (2 h_before)``, and takes
    the DDIM step with ``D`` in the place of ``x0`` (the implied noise still comes from
    ``x0``). With ``eta=0`` this is DPM-Solver++(2M) exactly; the first step and the last one
    (to the clean row) are plain DDIM steps. One-hot cells of masked diffusion are revealed as
    by the other samplers. Around known cells with RePaint resampling, a repeated step reuses
    the estimate of the last noisier step, not its own.

    Measured on Adult (16,000 rows, 20% holes, two fits, six tables each;
    ``benchmarks/results/speed``): 25 steps scored quality 0.977 against 0.975 for 30 plain DDIM
    steps, at the same XGBoost accuracy and AUROC, in 85% of the time; 20 steps lost 0.002 of
    XGBoost accuracy.

    Args:
        schedule, timesteps, velocity, one_hot_blocks, eta:
            As for :class:`DDIMSampler`.
    """

    def sample(self, *args, **kwargs):
        """Draw rows as :meth:`AncestralSampler.sample` does (same arguments)."""
        # (abar, x0) of the latest step, and of the latest strictly noisier one.
        self._latest = self._before = None
        try:
            return super().sample(*args, **kwargs)
        finally:
            self._latest = self._before = None

    def _step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
        step = super()._step(x, x0, alpha_bar, previous_alpha_bar, noise)
        if self._latest is not None and self._latest[0] != alpha_bar:
            self._before = self._latest  # a new level: the last one becomes the history

        self._latest = (alpha_bar, x0)
        if self._before is None:
            return step

        before_alpha_bar, before_x0 = self._before
        h = half_log_snr(previous_alpha_bar) - half_log_snr(alpha_bar)
        h_before = half_log_snr(alpha_bar) - half_log_snr(before_alpha_bar)
        # DDIM's weight on x0 with x held fixed (alpha_prev (1 - exp(-h)) when eta is 0).
        _, kept = self._noise_scales(alpha_bar, previous_alpha_bar)
        weight = previous_alpha_bar.sqrt() - kept * (alpha_bar / (1 - alpha_bar)).sqrt()
        return step + weight * h / (2 * h_before) * (x0 - before_x0)


# Reverse-diffusion samplers by the name users pass.
SAMPLERS = {'ancestral': AncestralSampler, 'ddim': DDIMSampler, 'dpm++2m': DPMSolverSampler}
