"""MissDiff for SDV: learn from incomplete tables without imputing them first."""

# SDV loads this package's entry point while it imports itself; importing SDV first lets that
# finish before any module of ours asks SDV for names.
import sdv  # noqa: F401, I001

from sdv_missdiff.synthesizer import MissDiffSynthesizer

__version__ = '0.1.0.dev0'

__all__ = ('MissDiffSynthesizer',)
