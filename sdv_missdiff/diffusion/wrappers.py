"""Denoisers wrapped for sampling: levels out of reach, products in bfloat16."""

import numpy as np
import torch

from sdv_missdiff._device import multiplies_bfloat16_in_hardware


class WithoutLevels(torch.nn.Module):
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
        """The wrapped denoiser's output, the excluded levels' logits at -1e4."""
        if known_mask is None:
            output = self.denoiser(x, t)
        else:
            output = self.denoiser(x, t, known_mask)

        return output.masked_fill(self.excluded, -1e4)


class InBfloat16(torch.nn.Module):
    """A denoiser whose products run in bfloat16 (autocast), its output returned in float32."""

    def __init__(self, denoiser, device_type):
        super().__init__()
        self.denoiser = denoiser
        self.device_type = device_type
        self.layout = denoiser.layout
        self.conditional = denoiser.conditional

    def forward(self, *args, **kwargs):
        """The wrapped denoiser's output, computed under bfloat16 autocast, as float32."""
        with torch.autocast(self.device_type, dtype=torch.bfloat16):
            return self.denoiser(*args, **kwargs).float()


def samples_in_bfloat16(precision, device):
    """Whether ``sampling_precision`` (``'auto'``, ``'float32'``, ``'bfloat16'``) means bfloat16."""
    if precision == 'auto':
        return multiplies_bfloat16_in_hardware(device)

    return precision == 'bfloat16'


def sampling_denoiser(denoiser, device, precision, excluded_dimensions=None):
    """The denoiser to sample with, and the excluded dimensions on ``device`` (or ``None``).

    Args:
        denoiser (Denoiser):
            The trained network.
        device (torch.device):
            Where it runs.
        precision (str):
            The ``sampling_precision`` option.
        excluded_dimensions (numpy.ndarray or None):
            Boolean mask of one-hot dimensions whose level no generated cell may take.
            Defaults to ``None``.

    Returns:
        tuple[torch.nn.Module, torch.Tensor or None]:
            The wrapped denoiser and the excluded dimensions.
    """
    if samples_in_bfloat16(precision, device):
        denoiser = InBfloat16(denoiser, device.type)

    if excluded_dimensions is None or not np.any(excluded_dimensions):
        return denoiser, None

    excluded = torch.as_tensor(np.asarray(excluded_dimensions, dtype=bool)).to(device)
    return WithoutLevels(denoiser, excluded), excluded
