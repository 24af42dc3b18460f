"""Time imputation and score conditional sampling with MissDiff's defaults, nothing else running.

Fits ``MissDiffSynthesizer()`` (defaults, default threads) on 16,000 Adult rows with 20% MCAR
cells (seed 0), then prints: the fit time; the time to impute the first 10,000 rows (one
completion); the SDMetrics quality of 2,000 unconditional rows against the complete rows and of
2,000 rows sampled with income fixed to '>50K' against the real '>50K' rows, with plain
inpainting and with RePaint (5 resamples).

Usage: ``python benchmarks/imputation_quiet_timing.py`` (results: ``results/imputation``).
"""

import os
import time
import warnings

from sdv.sampling import Condition

from sdv_missdiff.benchmark.runner import fit_system
from sdv_missdiff.benchmark.systems import make_system
from sdv_missdiff.datasets import get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import quality_scores
from sdv_missdiff.missingness import simulate_missing


def _quality(real, synthetic, metadata):
    return round(quality_scores(real, synthetic, metadata)['quality'], 4)


def main():
    """Fit once, then time and score."""
    warnings.filterwarnings('ignore')
    complete, _ = load_adult_split(16_000, 4_000, seed=0)
    masked, _ = simulate_missing(complete, 'mcar_independent', 0.2, seed=0)
    metadata = get_adult_metadata()
    system = make_system('missdiff', metadata, 'adult')
    synthesizer = system.synthesizer
    print('fit seconds', round(fit_system(system, masked, seed=0), 1), flush=True)

    table = masked.iloc[:10_000]
    synthesizer.impute(table.head(50))  # warm-up
    start = time.perf_counter()
    synthesizer.impute(table)
    seconds = round(time.perf_counter() - start, 1)
    print('impute 10,000 rows seconds', seconds, 'load average', os.getloadavg(), flush=True)

    synthesizer.reset_sampling()
    unconditional = synthesizer.sample(2_000)['adult']
    print('unconditional quality', _quality(complete, unconditional, metadata))
    real_high = complete[complete['income'] == '>50K']
    for num_resamples in (1, 5):
        synthesizer.reset_sampling()
        conditions = [Condition({'income': '>50K'}, num_rows=2_000)]
        start = time.perf_counter()
        conditional = synthesizer.sample_from_conditions(conditions, num_resamples=num_resamples)
        seconds = round(time.perf_counter() - start, 1)
        quality = _quality(real_high, conditional['adult'], metadata)
        print('num_resamples', num_resamples, 'conditional quality', quality, 'seconds', seconds)


if __name__ == '__main__':
    main()
