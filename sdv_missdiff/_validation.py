"""Argument checks shared by the synthesizer and its mixins."""

import numpy as np

from sdv_missdiff.errors import MissDiffInputError

_MAX_EXAMPLES = 5


def check_positive_int(name, value):
    """Raise ``MissDiffInputError`` naming ``name`` unless ``value`` is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise MissDiffInputError(
            f"Invalid value {value!r} for '{name}': it must be a positive integer."
        )


def check_optional_int(name, value, minimum, none_means):
    """Raise ``MissDiffInputError`` unless ``value`` is ``None`` or an integer >= ``minimum``.

    Args:
        name (str):
            The argument's name.
        value (object):
            The argument's value.
        minimum (int):
            The smallest integer allowed (1: positive, 0: non-negative).
        none_means (str):
            What ``None`` does, for the message (for example 'for fresh randomness').
    """
    if value is None:
        return

    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        kind = 'positive' if minimum == 1 else f'at least {minimum}'
        kind = 'non-negative' if minimum == 0 else kind
        raise MissDiffInputError(
            f"Invalid value {value!r} for '{name}': it must be a {kind} integer, or None "
            f'{none_means}.'
        )


def check_fraction(name, value):
    """Raise ``MissDiffInputError`` naming ``name`` unless ``value`` is a number from 0 to 1."""
    if isinstance(value, bool) or not (isinstance(value, (int, float)) and 0 <= value <= 1):
        raise MissDiffInputError(
            f"Invalid value {value!r} for '{name}': it must be a number from 0 to 1."
        )


def check_choice(name, value, choices):
    """Raise ``MissDiffInputError`` naming ``name`` unless ``value`` is one of ``choices``."""
    if value not in choices:
        raise MissDiffInputError(
            f"Invalid value {value!r} for '{name}'. Choose one of {list(choices)}."
        )


def examples(values):
    """Format up to five of ``values`` for an error message."""
    values = list(values)
    shown = ', '.join(repr(value) for value in values[:_MAX_EXAMPLES])
    more = f' and {len(values) - _MAX_EXAMPLES} more' if len(values) > _MAX_EXAMPLES else ''
    return f'[{shown}{more}]'
