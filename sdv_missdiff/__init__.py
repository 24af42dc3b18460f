"""MissDiff for SDV: learn from incomplete tables without imputing them first.

The package loads lazily: ``sdv_missdiff.diffusion`` (pure torch) imports no SDV, RDT or pandas,
and SDV is imported when ``MissDiffSynthesizer`` is first asked for.
"""

__version__ = '0.1.0.dev0'

__all__ = ('MissDiffSynthesizer', 'sampling_across_ranks')


def __getattr__(name):
    if name == 'MissDiffSynthesizer':
        from sdv_missdiff.synthesizer import MissDiffSynthesizer

        return MissDiffSynthesizer

    if name == 'sampling_across_ranks':
        from sdv_missdiff.diffusion.distributed import sampling_across_ranks

        return sampling_across_ranks

    raise AttributeError(f"module 'sdv_missdiff' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *__all__])
