"""Demo: MissDiff against SDV's GaussianCopula on Adult with 20% of the cells hidden.

Run with ``python -m sdv_missdiff.demo``. Both synthesizers see the same incomplete table; both
are scored with SDMetrics' QualityReport against the complete rows, which the demo knows
because it hid the cells itself. Takes a few minutes on a 2-core CPU.
"""

import argparse
import warnings

from sdv_missdiff.benchmark.runner import fit_system, sample_system
from sdv_missdiff.benchmark.systems import make_system
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import quality_scores
from sdv_missdiff.missingness import simulate_missing

SYSTEMS = {'MissDiffSynthesizer': 'missdiff', 'GaussianCopulaSynthesizer': 'gaussian_copula'}
"""The synthesizers the demo compares: the name it prints and the benchmark system it builds."""


def main(argv=None):
    """Fit, sample and score both synthesizers, printing a small table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--rows', type=int, default=5_000, help='training rows (default 5000)')
    parser.add_argument('--rate', type=float, default=0.2, help='share of cells hidden')
    parser.add_argument('--epochs', type=int, default=None, help='MissDiff epochs')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--quiet', action='store_true', help="hide MissDiff's training progress bar and loss"
    )
    args = parser.parse_args(argv)
    warnings.filterwarnings('ignore', module='sdv')
    warnings.filterwarnings('ignore', module='sdmetrics')

    complete, _ = load_adult_split(num_train_rows=args.rows, num_test_rows=0, seed=args.seed)
    observed, mask = simulate_missing(complete, 'mcar_independent', args.rate, seed=args.seed)
    metadata = get_adult_metadata()
    print(
        f'Adult: {len(complete)} complete rows, {mask.to_numpy().mean():.1%} of the cells hidden '
        f'(MCAR); {observed.notna().all(axis=1).mean():.1%} of the rows remain complete.\n'
    )

    # A fit of minutes that prints nothing looks frozen: the progress bar is on by default.
    missdiff = {'verbose': not args.quiet, **({'epochs': args.epochs} if args.epochs else {})}
    settings = {'missdiff': missdiff}
    rows = []
    for name, system_name in SYSTEMS.items():
        system = make_system(system_name, metadata, ADULT_TABLE_NAME, settings.get(system_name, {}))
        print(f'Fitting {name} on {len(observed):,} rows ...', flush=True)
        fit_seconds = fit_system(system, observed, args.seed)
        print(f'  fitted in {fit_seconds:.1f} s; sampling {len(complete):,} rows ...', flush=True)
        synthetic, sample_seconds = sample_system(system, len(complete))
        print(f'  sampled in {sample_seconds:.1f} s; scoring against the complete rows ...')
        scores = quality_scores(complete, synthetic, metadata)
        rows.append((name, scores, fit_seconds, sample_seconds))

    print(
        f'\n{"synthesizer":<27}{"quality":>9}{"shapes":>9}{"pairs":>9}{"fit s":>8}{"sample s":>10}'
    )
    for name, scores, fit_seconds, sample_seconds in rows:
        print(
            f'{name:<27}{scores["quality"]:>9.3f}{scores["column_shapes"]:>9.3f}'
            f'{scores["column_pair_trends"]:>9.3f}{fit_seconds:>8.1f}{sample_seconds:>10.1f}'
        )

    print(
        '\nQuality is SDMetrics QualityReport against the complete rows (1 is best). '
        'GaussianCopula re-inserts NaN at random, MissDiff returns complete rows.'
    )


if __name__ == '__main__':
    main()
