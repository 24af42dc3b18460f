"""Synthesizers saved by older versions, brought to today's format in one step at load.

``MissDiffSynthesizer`` stores ``format_version``. Version 1 is every synthesizer saved before the
options were declared once (package 0.1.0.dev0 up to commit 2f0b758): each option was an
attribute of its own, and one added later was missing from synthesizers saved before it (they
refit as they were trained then). The model inside upgrades itself
(``sdv_missdiff.diffusion.pickle_format``).
"""

from sdv_missdiff.diffusion import pickle_format as model_format
from sdv_missdiff.missing_values import MissingValues
from sdv_missdiff.options import MissDiffOptions

FORMAT_VERSION = 2

# What a version-1 synthesizer did where it lacked an option: what its model did (the model's
# table), except the few options a version-1 model always had.
_BEFORE_THE_OPTION = {
    name: value
    for name, value in model_format.BEFORE_THE_OPTION.items()
    if name not in ('patience', 'show_missing')
}
_BEFORE_THE_OPTION['max_whole_number_levels'] = 0  # every number was modelled as a number
# Options a version-1 synthesizer never had: the model's values of then.
_MODEL_ONLY = ('dropout', 'weight_decay', 'ema_decay', 'show_missing')


def upgrade(state):
    """Today's state of a pickled synthesizer's ``state`` (unchanged if already today's).

    Args:
        state (dict):
            The ``__dict__`` the synthesizer was pickled with.

    Returns:
        dict:
            The state in ``FORMAT_VERSION``.
    """
    if state.get('format_version', 1) == FORMAT_VERSION:
        return state

    state = dict(state)
    values = {}
    for name in MissDiffOptions.group_of():
        if name in state:
            values[name] = state.pop(name)
        elif name in _BEFORE_THE_OPTION:
            values[name] = _BEFORE_THE_OPTION[name]

    values['validation_share'] = values['validation_share'] or 0.0  # None meant 0
    model = state.get('_model')
    if model is not None:  # the model's own values, which the synthesizer never set
        model_values = model.options.flat()
        values.update({name: model_values[name] for name in _MODEL_ONLY})

    state['_options'] = MissDiffOptions().replace(**values)
    state.setdefault('_missing_values', None)
    state.setdefault('_fitted_ranges', {})  # conditions out of range were not checked then
    state.setdefault('missing_value_generation', None)
    if model is not None:
        holes = state['_missing_values'] or MissingValues(None)
        state['_missing_values'] = holes
        model.learns_holes = holes.learns_holes
        # A model of before resolved 'auto' at fit; with learns_holes it resolves it the same.
        sampling = state['_options'].sampling.as_dict()
        model.options = model.options.replace(**sampling)

    state['format_version'] = FORMAT_VERSION
    return state
