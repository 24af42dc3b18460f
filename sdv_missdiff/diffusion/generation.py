"""The batch loop of one sampling call on one process: chunks of rows through the sampler."""

import math

import numpy as np
import torch
from tqdm.auto import tqdm

from sdv_missdiff.diffusion.hole_redraw import redraw_holes


def _on_device(array, device):
    return torch.as_tensor(array, dtype=torch.float32).to(device)


def generate_rows(
    sampler,
    denoiser,
    num_rows,
    noise,
    bounds,
    known_values=None,
    known_mask=None,
    batch_size=4_096,
    num_resamples=1,
    guidance_scale=0.0,
    show_progress_bar=False,
    redrawn_holes=None,
    indicated_by=None,
    excluded=None,
):
    """Draw ``num_rows`` encoded rows in chunks of ``batch_size``.

    Args:
        sampler (AncestralSampler):
            The reverse process of the call.
        denoiser (torch.nn.Module):
            The network to sample with (see ``wrappers.sampling_denoiser``).
        num_rows (int):
            Rows to draw.
        noise (CPUNoise):
            Gaussian and uniform draws.
        bounds (tuple[torch.Tensor, torch.Tensor]):
            Range of each dimension.
        known_values (numpy.ndarray or None):
            Known values of every row. Defaults to ``None``.
        known_mask (numpy.ndarray or None):
            1 where ``known_values`` holds a known value. Defaults to ``None``.
        batch_size (int):
            Rows at once. Defaults to 4,096.
        num_resamples (int):
            RePaint's ``r``. Defaults to 1.
        guidance_scale (float):
            Classifier-free guidance weight. Defaults to 0.
        show_progress_bar (bool):
            Show the reverse steps. Defaults to ``False``.
        redrawn_holes (torch.Tensor or None):
            Hole levels drawn again given the finished rows (``hole_redraw``). Defaults to
            ``None``.
        indicated_by (torch.Tensor or None):
            As ``redraw_holes`` takes it. Defaults to ``None``.
        excluded (torch.Tensor or None):
            One-hot dimensions no generated cell may take. Defaults to ``None``.

    Returns:
        numpy.ndarray:
            Float32 rows, shape (rows, dimensions).
    """
    device = bounds[0].device
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
                _on_device(known_values[start:stop], device),
                _on_device(known_mask[start:stop], device),
            )

        rows = sampler.sample(
            denoiser,
            stop - start,
            bounds,
            noise,
            known=known,
            num_resamples=num_resamples,
            guidance_scale=guidance_scale,
            progress_bar=progress_bar,
        )
        if redrawn_holes is not None:
            rows = redraw_holes(sampler, denoiser, rows, noise, redrawn_holes, indicated_by, known)

        if excluded is not None:
            # Gaussian one-hot blocks are decoded by their argmax: keep it off these levels.
            generated = excluded if known is None else excluded & ~known[1].bool()
            rows = rows.masked_fill(generated, -torch.inf)

        chunks.append(rows.cpu().numpy())

    progress_bar.close()
    if not chunks:
        return np.zeros((0, len(bounds[0])), dtype=np.float32)

    return np.concatenate(chunks)
