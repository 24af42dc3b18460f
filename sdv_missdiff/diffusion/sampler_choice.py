"""Which reverse process a sampling call takes: the ``'auto'`` rule, the steps, the level rules.

``sampler='auto'`` takes DPM-Solver++(2M) steps for rows generated from nothing and ancestral
steps around known cells and for models with learned holes, where DDIM-type steps drew worse
rows (``benchmarks/results/speed/README.md``, ``benchmarks/results/learned_missingness/``).
"""

from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.level_rules import level_floors
from sdv_missdiff.diffusion.samplers import SAMPLERS
from sdv_missdiff.diffusion.schedule import respaced_timesteps

# Reverse steps of each sampler when ``sampling_steps`` is None.
DEFAULT_SAMPLING_STEPS = {'ancestral': 50, 'ddim': 30, 'dpm++2m': 25}


def sampler_name(sampler, known, learns_holes):
    """The sampler a call takes: ``sampler``, or what ``'auto'`` means for the call."""
    if sampler != 'auto':
        return sampler

    return 'ancestral' if known or learns_holes else 'dpm++2m'


def one_hot_blocks(model, fitted=None):
    """The masked one-hot columns of ``model``; with ``fitted``, under a reveal's level rules."""
    if model.options.diffusion.categorical_diffusion != 'masked' or model.layout is None:
        return None

    floors = pairs = None
    if fitted is not None:
        floors = level_floors(fitted.level_frequencies, model.options.sampling.level_cutoff)
        pairs = fitted.excluded_pairs

    blocks = OneHotBlocks(model.layout, model.device, floors, pairs)
    return blocks if len(blocks) else None


def make_sampler(model, sampling_steps=None, known=True):
    """The reverse process of one sampling call of a fitted ``model``.

    Args:
        model (MaskedDiffusionModel):
            The fitted model.
        sampling_steps (int or None):
            Reverse steps; ``None`` takes the ``sampling_steps`` option, and where that is
            ``None`` too, the sampler's own (``DEFAULT_SAMPLING_STEPS``). Defaults to ``None``.
        known (bool):
            Whether the rows are generated around known cells. Defaults to ``True``.
    """
    sampling = model.options.sampling
    name = sampler_name(sampling.sampler, known, model.learns_holes)
    steps = sampling_steps or sampling.sampling_steps or DEFAULT_SAMPLING_STEPS[name]
    return SAMPLERS[name](
        model.schedule,
        respaced_timesteps(model.last_timestep, steps),
        model.fitted.velocity,
        one_hot_blocks(model, model.fitted),
    )


def redrawn_holes(model, sampler, excluded=None):
    """The structural hole levels a call draws again (``hole_redraw``), or ``None``.

    Those of a conditional model with masked one-hot columns, less any the caller excludes
    (imputation excludes every hole level).
    """
    holes = model.fitted.structural_holes
    if holes is None or not model.conditional or sampler.one_hot_blocks is None:
        return None

    holes = holes if excluded is None else holes & ~excluded
    return holes if bool(holes.any()) else None
