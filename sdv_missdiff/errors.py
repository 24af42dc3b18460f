"""Errors raised by sdv-missdiff, built on SDV's own classes where those fit."""

from sdv.errors import SynthesizerInputError

from sdv_missdiff.diffusion.training import TrainingDivergedError


class MissDiffInputError(SynthesizerInputError):
    """An argument given to a MissDiff object is not valid."""


__all__ = ('MissDiffInputError', 'TrainingDivergedError')
