"""Pure torch diffusion over encoded table rows: no SDV, RDT or pandas.

One module per idea: ``options`` (every option, declared once), ``schedule`` (the noise
schedule), ``denoisers`` (the networks, behind one protocol), ``objective`` (the masked loss),
``steps`` (the step rules), ``samplers`` (the one reverse loop: known cells, resampling, guidance,
reveals), ``noise``, ``categorical`` (masked one-hot columns), ``level_rules`` (the one policy of
which level a cell may take), ``hole_redraw`` (learned holes drawn again given the finished row),
``statistics``, ``fitting`` and ``training`` (what a fit reads and how it trains),
``generation`` and ``best_guess`` (sampling calls), ``distributed`` (torchrun ranks),
``pickle_format`` (older pickles) and ``model`` (the facade that composes them).
"""

from sdv_missdiff.diffusion.denoisers import ColumnLayout, Denoiser, MLPDenoiser, make_denoiser
from sdv_missdiff.diffusion.distributed import sampling_across_ranks
from sdv_missdiff.diffusion.model import MaskedDiffusionModel
from sdv_missdiff.diffusion.objective import (
    MaskedDenoisingObjective,
    ObservedCellDraws,
    masked_noise_loss,
)
from sdv_missdiff.diffusion.options import ModelOptions
from sdv_missdiff.diffusion.samplers import (
    AncestralSampler,
    DDIMSampler,
    DPMSolverSampler,
    ReverseProcess,
)
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
    'ModelOptions',
    'ObservedCellDraws',
    'ReverseProcess',
    'Trainer',
    'TrainingDivergedError',
    'VPSchedule',
    'make_denoiser',
    'masked_noise_loss',
    'quadratic_betas',
    'respaced_timesteps',
    'sampling_across_ranks',
)
