"""Pure torch diffusion over encoded table rows: no SDV, RDT or pandas.

One module per idea: ``schedule`` (the noise schedule), ``denoisers`` (the networks, behind one
protocol), ``objective`` (the masked loss), ``samplers`` (reverse diffusion and inpainting),
``categorical`` (masked diffusion of one-hot columns), ``level_rules`` (the levels a generated
cell may not take), ``hole_redraw`` (learned holes drawn again given the finished row),
``training`` (the optimisation loop) and ``model`` (the facade that composes them).
"""

from sdv_missdiff.diffusion.denoisers import ColumnLayout, Denoiser, MLPDenoiser, make_denoiser
from sdv_missdiff.diffusion.distributed import sampling_across_ranks
from sdv_missdiff.diffusion.model import MaskedDiffusionModel
from sdv_missdiff.diffusion.objective import (
    MaskedDenoisingObjective,
    ObservedCellDraws,
    masked_noise_loss,
)
from sdv_missdiff.diffusion.samplers import AncestralSampler, DDIMSampler, DPMSolverSampler
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps
from sdv_missdiff.diffusion.training import Trainer, TrainingDivergedError

__all__ = (
    'AncestralSampler',
    'ColumnLayout',
    'DDIMSampler',
    'DPMSolverSampler',
    'Denoiser',
    'MLPDenoiser',
    'MaskedDenoisingObjective',
    'MaskedDiffusionModel',
    'ObservedCellDraws',
    'Trainer',
    'TrainingDivergedError',
    'VPSchedule',
    'make_denoiser',
    'masked_noise_loss',
    'quadratic_betas',
    'respaced_timesteps',
    'sampling_across_ranks',
)
