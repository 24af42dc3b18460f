"""Errors raised by sdv-missdiff, built on SDV's own classes where those fit."""

from sdv.errors import SynthesizerInputError


class TrainingDivergedError(RuntimeError):
    """Training produced a NaN or exploding loss and was stopped; no model is returned."""


class MissDiffInputError(SynthesizerInputError):
    """An argument given to a MissDiff object is not valid."""
