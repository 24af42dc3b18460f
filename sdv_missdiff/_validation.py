"""Argument checks shared by every module of the package.

Each check names the argument, shows the value and says what is allowed, and raises the class
its caller names: the SDV glue passes ``MissDiffInputError`` (an SDV ``SynthesizerInputError``),
the score-matching module its ``ScoreMatchingError``; the default is ``ValueError``. This module
imports nothing of the package, so torch-only and NumPy-only modules use it without SDV.
"""

import numbers

_MAX_EXAMPLES = 5


def is_integer(value):
    """Whether ``value`` is an integer (Python or NumPy), ``bool`` excluded."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value):
    """Whether ``value`` is a real number (Python or NumPy), ``bool`` excluded."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_integer(name, value, minimum=1, none_means=None, error=ValueError):
    """Raise unless ``value`` is an integer of at least ``minimum`` (or ``None``, if allowed).

    Args:
        name (str):
            The argument's name, for the message.
        value (object):
            The argument's value.
        minimum (int):
            The smallest integer allowed (1: positive, 0: non-negative). Defaults to 1.
        none_means (str or None):
            What ``None`` does (for example 'for fresh randomness'); ``None`` is then allowed.
            Defaults to ``None`` (``None`` is not allowed).
        error (type or None):
            Exception class to raise. Defaults to ``ValueError``.
    """
    if value is None and none_means is not None:
        return

    if is_integer(value) and value >= minimum:
        return

    kind = {0: 'non-negative', 1: 'positive'}.get(minimum, f'at least {minimum}')
    allowed = f', or None {none_means}' if none_means is not None else ''
    raise error(f"Invalid value {value!r} for '{name}': it must be a {kind} integer{allowed}.")


def check_positive_int(name, value, error=ValueError):
    """Raise unless ``value`` is a positive integer (see :func:`check_integer`)."""
    check_integer(name, value, 1, error=error)


def check_optional_int(name, value, minimum, none_means, error=ValueError):
    """Raise unless ``value`` is ``None`` or an integer >= ``minimum`` (see ``check_integer``)."""
    check_integer(name, value, minimum, none_means=none_means, error=error)


def check_number(name, value, minimum=None, strict=False, what='a number', error=ValueError):
    """Raise unless ``value`` is a real number, above ``minimum`` when one is given.

    Args:
        name (str):
            The argument's name, for the message.
        value (object):
            The argument's value.
        minimum (float or None):
            Lower bound. Defaults to ``None`` (any finite or infinite number).
        strict (bool):
            Whether ``minimum`` itself is excluded. Defaults to ``False``.
        what (str):
            What is allowed, for the message (for example 'a positive number'). Defaults to
            'a number'.
        error (type or None):
            Exception class to raise. Defaults to ``ValueError``.
    """
    valid = is_number(value) and value == value  # NaN is not a valid setting
    if valid and minimum is not None:
        valid = value > minimum if strict else value >= minimum

    if not valid:
        raise error(f"Invalid value {value!r} for '{name}': it must be {what}.")


def check_fraction(name, value, error=ValueError):
    """Raise unless ``value`` is a number from 0 to 1."""
    if not (is_number(value) and 0 <= value <= 1):
        raise error(f"Invalid value {value!r} for '{name}': it must be a number from 0 to 1.")


def check_choice(name, value, choices, error=ValueError):
    """Raise unless ``value`` is one of ``choices``."""
    try:
        valid = value in choices
    except TypeError:  # an unhashable value given where a name is expected
        valid = False

    if not valid:
        raise error(f"Invalid value {value!r} for '{name}'. Choose one of {list(choices)}.")


def check_bool(name, value, error=ValueError):
    """Raise unless ``value`` is ``True`` or ``False`` (NumPy booleans included)."""
    if not isinstance(value, bool) and type(value).__name__ != 'bool_':
        raise error(f"'{name}' must be True or False, not {value!r}.")


def examples(values):
    """Format up to five of ``values`` for an error message."""
    values = list(values)
    shown = ', '.join(repr(value) for value in values[:_MAX_EXAMPLES])
    more = f' and {len(values) - _MAX_EXAMPLES} more' if len(values) > _MAX_EXAMPLES else ''
    return f'[{shown}{more}]'
