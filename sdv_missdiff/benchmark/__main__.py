r"""Command line of the benchmark: ``python -m sdv_missdiff.benchmark ...``.

Example (the paper's Census setting, MCAR 0.2, every system, 3 seeds)::

    python -m sdv_missdiff.benchmark --dataset adult --mechanism mcar_independent --rate 0.2 \
        --seeds 3 --epochs 100 --param diffusion.batch_size=256 diffusion.sampling_steps=50

Figure 1 of the paper (the Bayesian network over missing rates)::

    python -m sdv_missdiff.benchmark --dataset bayesian_network --rate 0.1 0.3 0.5 0.7 0.9 \
        --systems missdiff diff_mean diff_delete gaussian_copula
"""

import argparse
import json
import os
import platform
import shlex
import sys
import time
from importlib import metadata as package_metadata

import torch

from sdv_missdiff.benchmark.datasets import DATASETS
from sdv_missdiff.benchmark.report import write_report
from sdv_missdiff.benchmark.runner import run_benchmark
from sdv_missdiff.benchmark.systems import DIFFUSION_SYSTEMS, NEURAL_SYSTEMS, SYSTEMS
from sdv_missdiff.missingness import MECHANISMS

PARAM_GROUPS = {'diffusion': DIFFUSION_SYSTEMS, 'neural': NEURAL_SYSTEMS}


def _rate(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None

    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f'{value} is outside (0, 1)')

    return value


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not an integer') from None

    if value < 1:
        raise argparse.ArgumentTypeError(f'{value} is not a positive integer')

    return value


def _parse_value(text):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def system_settings(systems, epochs=None, params=None):
    """Per-system keyword arguments from ``--epochs`` and ``--param SYSTEM.KEY=VALUE`` entries.

    Args:
        systems (list[str]):
            The systems being run.
        epochs (int or None):
            Epochs of the neural systems (MissDiff and its ablations, CTGAN, TVAE). Defaults to
            None (each synthesizer's default).
        params (list[str] or None):
            Entries ``SYSTEM.KEY=VALUE``; ``SYSTEM`` is a system, ``diffusion`` (MissDiff,
            Diff-mean and Diff-delete) or ``neural`` (those and CTGAN, TVAE). ``VALUE`` is read
            as JSON when it parses, else as a string. Defaults to None.

    Returns:
        dict:
            ``{system: {key: value}}`` for every system in ``systems``.
    """
    settings = {name: {} for name in systems}
    if epochs is not None:
        for name in systems:
            if name in NEURAL_SYSTEMS:
                settings[name]['epochs'] = epochs

    for entry in params or []:
        target, separator, assignment = entry.partition('.')
        key, equals, value = assignment.partition('=')
        if not separator or not equals or not key:
            raise ValueError(f'Invalid --param {entry!r}: write it as SYSTEM.KEY=VALUE.')

        if target not in SYSTEMS and target not in PARAM_GROUPS:
            raise ValueError(
                f'Invalid --param {entry!r}: unknown system {target!r}. Choose among '
                f'{list(SYSTEMS) + list(PARAM_GROUPS)}.'
            )

        for name in PARAM_GROUPS.get(target, (target,)):
            if name in settings:
                settings[name][key] = _parse_value(value)

    return settings


def build_parser():
    """Return the ``argparse`` parser of the benchmark command."""
    parser = argparse.ArgumentParser(
        prog='python -m sdv_missdiff.benchmark',
        description=(
            'Fit MissDiff, Diff-mean, Diff-delete, GaussianCopula, CTGAN, TVAE and '
            'ForestDiffusion on the same masked table and score their samples (fidelity against '
            'the complete training table, XGBoost utility on real test rows).'
        ),
    )
    parser.add_argument('--dataset', choices=list(DATASETS), default='adult')
    parser.add_argument(
        '--mechanism',
        nargs='+',
        choices=list(MECHANISMS),
        default=['mcar_independent'],
        help='one or more missingness mechanisms (default: mcar_independent)',
    )
    parser.add_argument(
        '--rate',
        nargs='+',
        type=_rate,
        default=[0.2],
        help='one or more missing rates in (0, 1) (default: 0.2)',
    )
    parser.add_argument(
        '--seeds', type=_positive_int, default=3, help='number of seeds (default: 3)'
    )
    parser.add_argument(
        '--systems',
        nargs='+',
        choices=list(SYSTEMS),
        default=list(SYSTEMS),
        help='systems to run (default: all)',
    )
    parser.add_argument(
        '--rows',
        type=_positive_int,
        default=None,
        help='training rows (default: 16000 for adult, 2000 for bayesian_network)',
    )
    parser.add_argument(
        '--test-rows',
        type=_positive_int,
        default=None,
        help='test rows (default: 4000 for adult, 20000 for bayesian_network)',
    )
    parser.add_argument(
        '--epochs',
        type=_positive_int,
        default=None,
        help='epochs of MissDiff, Diff-mean, Diff-delete, CTGAN and TVAE (default: theirs)',
    )
    parser.add_argument(
        '--param',
        nargs='+',
        action='extend',
        default=[],
        metavar='SYSTEM.KEY=VALUE',
        help=(
            'synthesizer arguments, e.g. missdiff.sampling_steps=50 ctgan.batch_size=500; '
            "SYSTEM 'diffusion' sets MissDiff, Diff-mean and Diff-delete together, 'neural' "
            'those and CTGAN, TVAE'
        ),
    )
    parser.add_argument(
        '--output',
        default=None,
        help='output folder (default: benchmarks/results/benchmark/<dataset>)',
    )
    return parser


def _versions():
    versions = {}
    for package in ('sdv', 'torch', 'xgboost', 'ctgan', 'ForestDiffusion'):
        try:
            versions[package] = package_metadata.version(package)
        except package_metadata.PackageNotFoundError:
            versions[package] = 'not installed'

    return versions


def main(argv=None):
    """Run the benchmark command and write its results."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        settings = system_settings(args.systems, args.epochs, args.param)
    except ValueError as error:
        parser.error(str(error))

    output = args.output or os.path.join('benchmarks', 'results', 'benchmark', args.dataset)
    command = 'python -m sdv_missdiff.benchmark ' + shlex.join(argv)
    print(f'{command}\nresults go to {output}', flush=True)
    notes = [
        f'Systems and their arguments: `{json.dumps(settings)}` (empty: the synthesizer defaults).',
        f'Machine: {platform.machine()}, {os.cpu_count()} cores, torch threads '
        f'{torch.get_num_threads()}, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS")}, '
        f'device cpu; versions {json.dumps(_versions())}.',
    ]
    start = time.perf_counter()

    def save(partial):
        write_report(partial, output, command, notes, plots=False)

    results = run_benchmark(
        args.dataset,
        args.mechanism,
        args.rate,
        args.seeds,
        args.systems,
        system_settings=settings,
        num_rows=args.rows,
        num_test_rows=args.test_rows,
        on_result=save,
    )
    notes.append(f'Total wall time: {time.perf_counter() - start:.0f} s.')
    written = write_report(results, output, command, notes)
    print('\n'.join(str(path) for path in written), flush=True)
    return results


if __name__ == '__main__':
    main()
