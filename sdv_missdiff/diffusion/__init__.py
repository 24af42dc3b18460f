"""Pure torch diffusion model: no pandas, no metadata."""

from sdv_missdiff.diffusion.denoiser import MLPDenoiser
from sdv_missdiff.diffusion.model import MaskedDiffusionModel
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas

__all__ = ('MLPDenoiser', 'MaskedDiffusionModel', 'VPSchedule', 'quadratic_betas')
