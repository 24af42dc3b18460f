"""Noise-prediction networks behind one small protocol; a new denoiser is a new module here."""

from sdv_missdiff.diffusion.denoisers.attention import ColumnAttentionDenoiser
from sdv_missdiff.diffusion.denoisers.base import Denoiser
from sdv_missdiff.diffusion.denoisers.layout import COLUMN_KINDS, ColumnLayout, as_layout
from sdv_missdiff.diffusion.denoisers.mlp import MLPDenoiser

# Denoiser classes by name, each built as ``cls(layout, conditional=..., **options)``.
DENOISERS = {'mlp': MLPDenoiser, 'column_attention': ColumnAttentionDenoiser}


def make_denoiser(name, layout, conditional=False, **options):
    """Build the denoiser registered as ``name`` for rows of ``layout``.

    Args:
        name (str):
            A key of :data:`DENOISERS`.
        layout (ColumnLayout or int):
            The column structure of a row (an ``int``: that many continuous columns).
        conditional (bool):
            Whether the denoiser reads known cells as a condition. Defaults to ``False``.
        **options:
            The denoiser's own keyword arguments (for example ``hidden_dimensions``).

    Returns:
        torch.nn.Module:
            The denoiser.
    """
    if name not in DENOISERS:
        raise ValueError(f'Unknown denoiser {name!r}. Choose one of {list(DENOISERS)}.')

    return DENOISERS[name](as_layout(layout), conditional=conditional, **options)


__all__ = (
    'COLUMN_KINDS',
    'DENOISERS',
    'ColumnAttentionDenoiser',
    'ColumnLayout',
    'Denoiser',
    'MLPDenoiser',
    'as_layout',
    'make_denoiser',
)
