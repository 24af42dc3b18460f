"""The most likely level of every unknown one-hot cell given a row's known cells."""

import numpy as np
import torch

from sdv_missdiff.diffusion.level_rules import most_likely_rows


@torch.no_grad()
def most_likely_levels(
    sampler, denoiser, noise, known_values, known_mask, num_passes, batch_size, guidance_scale
):
    """Rows whose unknown one-hot cells hold their most likely level given the known cells.

    Each unknown cell gets the argmax of its level probabilities given the known cells
    (``level_probabilities``), averaged over ``num_passes`` denoiser calls with fresh noise in
    the unknown Gaussian dimensions; the level policy keeps levels a known cell rules out away
    (``level_rules.most_likely_rows``).

    Args:
        sampler (AncestralSampler):
            The sampler around known cells, with masked one-hot blocks.
        denoiser (torch.nn.Module):
            The network to sample with.
        noise (CPUNoise):
            Gaussian draws.
        known_values (numpy.ndarray):
            Encoded values, shape (rows, dimensions).
        known_mask (numpy.ndarray):
            1 where ``known_values`` holds a known value.
        num_passes (int):
            Denoiser calls whose probabilities are averaged.
        batch_size (int):
            Rows at once.
        guidance_scale (float):
            Classifier-free guidance weight.

    Returns:
        numpy.ndarray:
            Float32 rows: known dimensions as given, each unknown one-hot cell its most likely
            level (+1 at it, -1 elsewhere), every other unknown dimension 0.
    """
    blocks = sampler.one_hot_blocks
    device = blocks.dimensions.device
    chunks = []
    for start in range(0, len(known_values), batch_size):
        values = torch.as_tensor(known_values[start : start + batch_size], dtype=torch.float32)
        mask = torch.as_tensor(known_mask[start : start + batch_size], dtype=torch.float32)
        known = (values.to(device), mask.to(device))
        probabilities = sum(
            sampler.level_probabilities(denoiser, known, noise, float(guidance_scale))
            for _ in range(num_passes)
        )
        chunks.append(most_likely_rows(blocks, probabilities, *known).cpu().numpy())

    if not chunks:
        return np.zeros((0, len(blocks.dimensions)), dtype=np.float32)

    return np.concatenate(chunks)
