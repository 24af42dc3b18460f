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
