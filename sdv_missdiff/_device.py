"""Choice of the torch device, shared by every torch model of the package."""

import logging

import torch

LOGGER = logging.getLogger(__name__)


def get_device(enable_gpu=True):
    """Pick CUDA, then Apple MPS, then the CPU.

    Args:
        enable_gpu (bool):
            Whether a GPU may be used. Defaults to ``True``.

    Returns:
        torch.device:
            The device to compute on.
    """
    if enable_gpu and torch.cuda.is_available():
        return torch.device('cuda')

    mps = getattr(torch.backends, 'mps', None)
    if enable_gpu and mps is not None and mps.is_available():
        return torch.device('mps')

    if enable_gpu:
        LOGGER.info('enable_gpu=True but no CUDA or MPS device is available: using the CPU.')

    return torch.device('cpu')


def multiplies_bfloat16_in_hardware(device):
    """Whether ``device`` is a CPU with matrix units (Intel AMX) that multiply bfloat16 natively.

    There a denoiser call in bfloat16 takes about half the time of one in float32 (Adult,
    16,000 rows: 70-80 ms against 127-148 ms); on other CPUs bfloat16 products are emulated.

    Args:
        device (torch.device or str):
            The device to compute on.

    Returns:
        bool:
            ``True`` only for such a CPU.
    """
    if torch.device(device).type != 'cpu':
        return False

    check = getattr(torch.cpu, '_is_amx_tile_supported', None)  # absent from older torch
    try:
        return bool(check()) if check is not None else False
    except RuntimeError:
        return False
