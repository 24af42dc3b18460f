"""Models pickled by older versions, brought to today's format in one step at load.

A model stores ``format_version``. Version 1 is every model pickled before the options were
declared once (package 0.1.0.dev0 up to commit 2f0b758): its options were attributes of the
model, and an option added later was missing from models saved before it. ``upgrade`` turns such
a state into today's, with each missing option at the value the model sampled with then.
"""

import copy

import torch

from sdv_missdiff.diffusion.options import ModelOptions
from sdv_missdiff.diffusion.statistics import FittedStatistics, structural_holes_of_before
from sdv_missdiff.diffusion.training import training_device

FORMAT_VERSION = 2

# Attributes of a version-1 model, by today's option name where the names differ.
_RENAMED = {'denoiser_width': 'hidden_dimensions', 'denoiser_blocks': 'num_blocks'}
_RENAMED.update({'denoiser': 'denoiser_name', 'sampler': 'sampler_name'})
# What a version-1 model did where it lacked an option: it was saved before the option existed.
BEFORE_THE_OPTION = {
    'denoiser': 'mlp',
    'periodic_embedding': 0,
    'sampler': 'ancestral',
    'sampling_precision': 'float32',
    'timestep_emphasis': 0.0,
    'categorical_weight': 1.0,
    'level_cutoff': 0.0,
    'pair_cutoff': 0.0,
    'validation_share': 0.0,
    'patience': 5,
    'show_missing': None,
}
_FITTED = {
    'lower': '_lower',
    'upper': '_upper',
    'column_index': '_column_index',
    'dimension_weights': '_dimension_weights',
    'velocity': '_velocity',
    'level_frequencies': '_level_frequencies',
    'excluded_pairs': '_excluded_pairs',
    'indicated_by': '_indicated_by',
}


def upgrade(state):
    """Today's state of a pickled model's ``state`` (unchanged if it is today's already).

    Args:
        state (dict):
            The ``__dict__`` a model was pickled with.

    Returns:
        dict:
            The state in ``FORMAT_VERSION``.
    """
    if state.get('format_version', 1) == FORMAT_VERSION:
        return state

    old = dict(state)
    values = {}
    for name in ModelOptions.group_of():
        attribute = _RENAMED.get(name, name)
        if attribute in old:
            values[name] = old.pop(attribute)
        elif name in BEFORE_THE_OPTION:
            values[name] = BEFORE_THE_OPTION[name]

    # The sampler of a model of before was resolved at fit; None meant the paper's steps.
    values['sampler'] = values['sampler'] or 'ancestral'
    options = ModelOptions().replace(**values)
    fitted = None
    if old.get('_lower') is not None:
        tensors = {name: old.pop(attribute, None) for name, attribute in _FITTED.items()}
        hole_levels = old.pop('_hole_levels', None)
        tensors['structural_holes'] = structural_holes_of_before(
            hole_levels, tensors['excluded_pairs']
        )
        fitted = FittedStatistics(**tensors)

    kept = ('verbose', 'enable_gpu', 'schedule', 'last_timestep', 'layout', 'denoiser')
    upgraded = {name: old[name] for name in kept}
    upgraded.update(
        {
            'options': options,
            'fitted': fitted,
            'epochs': values.get('epochs'),
            'denoiser_width': values.get('denoiser_width'),
            'learns_holes': False,
            'loss_values': old.get('loss_values', []),
            'validation_loss_values': old.get('validation_loss_values', []),
            'stopped_epoch': old.get('stopped_epoch'),
            'format_version': FORMAT_VERSION,
        }
    )
    if '_generator_state' in old:
        upgraded['_generator_state'] = old['_generator_state']

    return upgraded


def state_on_cpu(model):
    """The ``__dict__`` to pickle ``model`` with, every tensor on the CPU."""
    state = model.__dict__.copy()
    if model.denoiser is not None:
        state['denoiser'] = copy.deepcopy(model.denoiser).to('cpu')

    state['schedule'] = copy.copy(model.schedule).to('cpu')
    state['fitted'] = None if model.fitted is None else model.fitted.to('cpu')
    state['device'] = torch.device('cpu')
    generator = state.pop('_generator')
    state['_generator_state'] = None if generator is None else generator.get_state()
    return state


def restore(model, state):
    """Set ``model`` to a pickled ``state`` (upgraded first), on the best device here."""
    state = upgrade(state)
    generator_state = state.pop('_generator_state', None)
    model.__dict__.update(state)
    model.device = training_device(model.enable_gpu)
    model.schedule.to(model.device)
    if model.denoiser is not None:
        model.denoiser.to(model.device)

    if model.fitted is not None:
        model.fitted = model.fitted.to(model.device)

    model._generator = None
    if generator_state is not None:
        model._generator = torch.Generator(device='cpu')
        model._generator.set_state(generator_state)
