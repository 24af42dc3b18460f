"""Reverse diffusion: turn noise into encoded rows, optionally around known cells.

``ReverseProcess`` is the one reverse loop: known cells (conditioning or inpainting by
replacement), RePaint resampling, classifier-free guidance and the reveals of masked one-hot
cells. How the Gaussian dimensions step from one level to the next is a step rule of ``steps``;
``AncestralSampler``, ``DDIMSampler`` and ``DPMSolverSampler`` are the loop with one rule each,
and ``SAMPLERS`` names them. A new solver is a new rule in ``steps`` and one class here.
"""

import torch

from sdv_missdiff.diffusion.noise import AntitheticNoise, CPUNoise
from sdv_missdiff.diffusion.parameterization import clean_estimate
from sdv_missdiff.diffusion.steps import AncestralStep, DDIMStep, DPMSolverStep

__all__ = (
    'SAMPLERS',
    'TABLE_CHUNK_ROWS',
    'AncestralSampler',
    'AntitheticNoise',
    'CPUNoise',
    'DDIMSampler',
    'DPMSolverSampler',
    'ReverseProcess',
    'value_bounds',
)


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


class ReverseProcess:
    """The reverse process over a respaced chain, with inpainting, one step rule throughout.

    Around known cells, a conditional denoiser reads them as its condition at every step
    (optionally with classifier-free guidance, Ho and Salimans 2022); an unconditional one gets
    them re-noised to the current level and pasted in before every step (inpainting by
    replacement), optionally with RePaint resampling (Lugmayr et al. 2022). Either way the
    returned rows hold the known values exactly in the known dimensions. Every predicted clean
    row is clipped to the bounds, then ``step_rule`` takes the Gaussian dimensions one level
    down.

    Args:
        schedule (VPSchedule):
            The noise schedule, on the sampling device.
        timesteps (numpy.ndarray):
            Reverse steps in decreasing order (see ``respaced_timesteps``).
        step_rule (AncestralStep or DDIMStep or DPMSolverStep):
            The step of the Gaussian dimensions (see ``steps``).
        velocity (torch.Tensor or None):
            Boolean mask of the dimensions where the denoiser predicts the velocity instead of
            the noise (see ``parameterization``). Defaults to ``None`` (noise everywhere).
        one_hot_blocks (OneHotBlocks or None):
            One-hot columns diffused by masking (see ``categorical``): they start hidden (known
            ones visible) and are revealed step by step, levels drawn from the denoiser's
            logits under the blocks' level policy; RePaint resampling then applies to the other
            dimensions only. Defaults to ``None`` (every dimension Gaussian).
    """

    def __init__(self, schedule, timesteps, step_rule, velocity=None, one_hot_blocks=None):
        self.schedule = schedule
        self.timesteps = timesteps
        self.step_rule = step_rule
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

        self.step_rule.reset()  # a rule with a history starts afresh with every call
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

        self.step_rule.reset()

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
        return torch.softmax(self.one_hot_blocks.block_logits(output), dim=2)

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

        return self.step_rule.step(x, x0, alpha_bar, previous_alpha_bar, noise)


class AncestralSampler(ReverseProcess):
    """The reverse process with MissDiff's ancestral steps (``steps.AncestralStep``).

    Args:
        schedule, timesteps, velocity, one_hot_blocks:
            As for :class:`ReverseProcess`.
    """

    def __init__(self, schedule, timesteps, velocity=None, one_hot_blocks=None):
        super().__init__(schedule, timesteps, AncestralStep(), velocity, one_hot_blocks)


class DDIMSampler(ReverseProcess):
    """The reverse process with DDIM steps (``steps.DDIMStep``) for the Gaussian dimensions.

    Args:
        schedule, timesteps, velocity, one_hot_blocks:
            As for :class:`ReverseProcess`.
        eta (float or None):
            Share of the posterior's standard deviation added as fresh noise. Defaults to
            ``steps.DDIM_ETA`` (0.3).
    """

    def __init__(self, schedule, timesteps, velocity=None, one_hot_blocks=None, eta=None):
        super().__init__(schedule, timesteps, DDIMStep(eta), velocity, one_hot_blocks)


class DPMSolverSampler(ReverseProcess):
    """The reverse process with DPM-Solver++(2M) steps (``steps.DPMSolverStep``).

    Args:
        schedule, timesteps, velocity, one_hot_blocks, eta:
            As for :class:`DDIMSampler`.
    """

    def __init__(self, schedule, timesteps, velocity=None, one_hot_blocks=None, eta=None):
        super().__init__(schedule, timesteps, DPMSolverStep(eta), velocity, one_hot_blocks)


# Reverse-diffusion samplers by the name users pass.
SAMPLERS = {'ancestral': AncestralSampler, 'ddim': DDIMSampler, 'dpm++2m': DPMSolverSampler}
