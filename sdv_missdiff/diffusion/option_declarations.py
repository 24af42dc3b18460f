"""How an option is declared: its default, its check and its doc, in a checked frozen group.

The option groups themselves are in ``options.py``; the checks here are the ones they share.
"""

import dataclasses
import math

from sdv_missdiff._validation import (
    check_bool,
    check_choice,
    check_fraction,
    check_integer,
    check_number,
)


class OptionError(ValueError):
    """An option has a value it cannot take, or no option has the name given."""


def option(default, doc, check):
    """Declare an option: its default, one to three lines of doc and its check.

    Args:
        default (object):
            The value in force when none is given.
        doc (str):
            What the option does, for docstrings and ``docs/options.md``.
        check (callable):
            ``check(name, value, error)`` raises ``error`` with a message naming the option
            when ``value`` is not allowed.
    """
    return dataclasses.field(default=default, metadata={'doc': doc, 'check': check})


def integer(minimum=1, none_means=None):
    """The check of an option that takes an integer from ``minimum`` (or None, with its meaning)."""

    def check(name, value, error):
        check_integer(name, value, minimum, none_means=none_means, error=error)

    return check


def choice(choices):
    """The check of an option that takes one of ``choices``."""

    def check(name, value, error):
        check_choice(name, value, choices, error=error)

    return check


def number(low, high=math.inf, low_open=False, high_open=True, what=None):
    """A real number between ``low`` and ``high``, each end open or closed."""

    def check(name, value, error):
        check_number(name, value, error=error)
        above = value > low if low_open else value >= low
        below = value < high if high_open else value <= high
        if not (above and below):
            left, right = '(' if low_open else '[', ')' if high_open else ']'
            allowed = what or f'a number in {left}{low}, {high}{right}'
            raise error(f"Invalid value {value!r} for '{name}': it must be {allowed}.")

    return check


def fraction(name, value, error):
    """The check of an option that takes a number from 0 to 1."""
    check_fraction(name, value, error=error)


def or_none(check):
    """The check of an option that takes ``None`` or what ``check`` allows."""

    def check_or_none(name, value, error):
        if value is not None:
            check(name, value, error)

    return check_or_none


def boolean(name, value, error):
    """The check of an option that takes True or False."""
    check_bool(name, value, error=error)


def optional_bool(name, value, error):
    """The check of an option that takes True, False or None."""
    if value not in (None, True, False):
        raise error(f"Invalid value {value!r} for '{name}': it must be True, False or None.")


class OptionGroup:
    """A frozen dataclass of options whose values are checked when it is made."""

    def __post_init__(self):
        for field in dataclasses.fields(self):
            field.metadata['check'](field.name, getattr(self, field.name), OptionError)

    def replace(self, **changes):
        """A copy with ``changes`` (option names of this group), checked."""
        return dataclasses.replace(self, **changes)

    def as_dict(self):
        """dict: Every option of the group by name."""
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}

    @classmethod
    def declarations(cls):
        """list[tuple[str, object, str]]: ``(name, default, doc)`` of every option."""
        return [
            (field.name, field.default, field.metadata['doc']) for field in dataclasses.fields(cls)
        ]
