"""Errors raised by :mod:`sdv_missdiff.score_matching`."""


class ScoreMatchingError(ValueError):
    """Base class of the errors raised by the score matching module."""


class InvalidMissingDataError(ScoreMatchingError):
    """The incomplete table cannot be used for score matching.

    The message lists every problem found (columns and rows named), not only the first.
    """


class NotFittedError(ScoreMatchingError):
    """A fitted attribute was requested before ``fit`` was called."""
