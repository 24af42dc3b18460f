r"""Command line of the benchmark: ``python -m sdv_missdiff.benchmark ...``.

Example (the paper's Census setting, MCAR 0.2, every system, 3 seeds)::

    python -m sdv_missdiff.benchmark --dataset adult --mechanism mcar_independent --rate 0.2 \
        --seeds 3 --epochs 100 --param diffusion.batch_size=256 diffusion.sampling_steps=50

Figure 1 of the paper (the Bayesian network over missing rates)::

    python -m sdv_missdiff.benchmark --dataset bayesian_network --rate 0.1 0.3 0.5 0.7 0.9 \
        --systems missdiff diff_mean diff_delete gaussian_copula

With ``--privacy``, every run also records the figures of
:func:`sdv_missdiff.evaluation.privacy_scores` (copies of and distances to the training rows,
the test rows as the holdout) and the README gets a privacy section.

Results (``results.csv``, ``README.md``, ``run.json``, ``errors.md`` when a run failed, and PNG
plots) go to a new folder ``./missdiff-benchmark/<dataset>-<YYYYmmdd-HHMMSS>`` of the working
directory (``-2``, ``-3``, ... added if that name is taken), or to ``--output DIR``. A ``DIR``
that already holds benchmark results is refused unless ``--overwrite`` is given, which deletes
only the files the benchmark writes (stale plots included) before the run and keeps every other
file.

Exit status: 0 when at least one run succeeded (a warning on stderr counts the runs that did
not), 1 when none did, 2 for invalid arguments or a refused ``--output``.
"""

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from sdv_missdiff._validation import check_positive_int
from sdv_missdiff.benchmark.datasets import DATASETS
from sdv_missdiff.benchmark.environment import machine_note, missing_packages
from sdv_missdiff.benchmark.report import (
    ERRORS_FILE,
    REPORT_FILES,
    existing_report_files,
    remove_report_files,
    write_report,
)
from sdv_missdiff.benchmark.runner import run_benchmark
from sdv_missdiff.benchmark.systems import (
    DEFAULT_SYSTEMS,
    DIFFUSION_SYSTEMS,
    NEURAL_SYSTEMS,
    REGISTRY,
    SYSTEMS,
)
from sdv_missdiff.missingness import MECHANISMS

PARAM_GROUPS = {'diffusion': DIFFUSION_SYSTEMS, 'neural': NEURAL_SYSTEMS}
DEFAULT_OUTPUT_FOLDER = 'missdiff-benchmark'


def _rate(text):
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f'{text!r} is not a number') from None

    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f'{value} is outside (0, 1)')

    return value


POSITIVE_INTEGERS = ('seeds', 'rows', 'test_rows', 'epochs')
"""Options checked with :func:`sdv_missdiff._validation.check_positive_int` after parsing."""


def _check_positive_ints(parser, args):
    for name in POSITIVE_INTEGERS:
        value = getattr(args, name)
        if value is not None:
            try:
                check_positive_int('--' + name.replace('_', '-'), value, error=ValueError)
            except ValueError as error:
                parser.error(str(error))


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
            f'Fit {", ".join(spec.label for spec in REGISTRY.values())} on the same masked '
            'table and score their samples (fidelity against the complete training table, '
            'XGBoost utility on real test rows).'
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
    parser.add_argument('--seeds', type=int, default=3, help='number of seeds (default: 3)')
    parser.add_argument(
        '--systems',
        nargs='+',
        choices=list(SYSTEMS),
        default=list(DEFAULT_SYSTEMS),
        help=(
            'systems to run (default: the ones that need no extra and finish in minutes, '
            f'{", ".join(DEFAULT_SYSTEMS)}; CTGAN and TVAE, slow on a CPU, and ForestDiffusion '
            'and TabularARGN, which need the peers extra, by name)'
        ),
    )
    parser.add_argument(
        '--rows',
        type=int,
        default=None,
        help='training rows (default: 16000 for adult, 2000 for bayesian_network)',
    )
    parser.add_argument(
        '--test-rows',
        type=int,
        default=None,
        help='test rows (default: 4000 for adult, 20000 for bayesian_network)',
    )
    parser.add_argument(
        '--epochs',
        type=int,
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
            'synthesizer arguments (for MissDiff also any option of docs/options.md), e.g. '
            'missdiff.sampling_steps=50 ctgan.batch_size=500; '
            "SYSTEM 'diffusion' sets MissDiff, Diff-mean and Diff-delete together, 'neural' "
            'those and CTGAN, TVAE'
        ),
    )
    parser.add_argument(
        '--privacy',
        action='store_true',
        help=(
            'also measure privacy: exact copies of training rows, DCR share, SDMetrics '
            'DCROverfittingProtection and DCRBaselineProtection and the nearest-neighbour '
            'distance ratio against the complete training table, the test rows as the holdout, '
            'each beside the same figure for unseen test rows'
        ),
    )
    parser.add_argument(
        '--output',
        default=None,
        metavar='DIR',
        help=(
            f'results folder (default: a new folder ./{DEFAULT_OUTPUT_FOLDER}/<dataset>-'
            '<YYYYmmdd-HHMMSS> of the working directory, never an existing one); a DIR that '
            'already holds benchmark results is refused unless --overwrite is given'
        ),
    )
    parser.add_argument(
        '--overwrite',
        action='store_true',
        help=(
            f'let --output DIR hold earlier results: before the run, delete from it only the '
            f'files the benchmark writes ({", ".join(REPORT_FILES)}); other files are kept'
        ),
    )
    return parser


def default_output(dataset, root=None, now=None):
    """Create a new, empty results folder ``<root>/missdiff-benchmark/<dataset>-<timestamp>``.

    Args:
        dataset (str):
            The data set of the run.
        root (str or pathlib.Path or None):
            Folder that holds ``missdiff-benchmark``. Defaults to None (the working directory).
        now (float or None):
            Seconds since the epoch of the timestamp (``YYYYmmdd-HHMMSS``, local time).
            Defaults to None (now).

    Returns:
        pathlib.Path:
            The folder, just created; ``-2``, ``-3``, ... is added to the name if it is taken.
    """
    root = Path.cwd() if root is None else Path(root)
    stamp = time.strftime('%Y%m%d-%H%M%S', time.localtime(now))
    base = root / DEFAULT_OUTPUT_FOLDER / f'{dataset}-{stamp}'
    base.parent.mkdir(parents=True, exist_ok=True)
    path, number = base, 1
    while True:
        try:
            path.mkdir()
            return path
        except FileExistsError:
            number += 1
            path = base.with_name(f'{base.name}-{number}')


def _prepare_output(parser, args):
    """Return the results folder and whether it was created for this run (see ``--output``)."""
    if args.output is None:
        return default_output(args.dataset), True

    output = Path(args.output)
    if output.exists() and not output.is_dir():
        parser.error(f'argument --output: {output} exists and is not a folder')

    existing = existing_report_files(output)
    if existing and not args.overwrite:
        parser.error(
            f'argument --output: {output} already holds benchmark results '
            f'({", ".join(path.name for path in existing)}). Pass --overwrite to replace them '
            '(only the files the benchmark writes are deleted), choose another folder, or leave '
            '--output out to get a new folder.'
        )

    removed = remove_report_files(output)
    if removed:
        names = ', '.join(path.name for path in removed)
        print(f'--overwrite: deleted the earlier results in {output} ({names})', flush=True)

    created = not output.exists()
    output.mkdir(parents=True, exist_ok=True)
    return output, created


def _check_failures(results, output):
    """Warn on stderr about runs that did not succeed; exit with status 1 if none did."""
    statuses = results['status'].value_counts()
    succeeded = int(statuses.get('ok', 0))
    unfinished = len(results) - succeeded
    if not unfinished:
        return

    breakdown = ', '.join(
        f'{count} {status}' for status, count in statuses.items() if status != 'ok'
    )
    where = f'whole errors in {Path(output) / ERRORS_FILE}'
    if not succeeded:
        print(
            f'error: none of the {len(results)} runs succeeded ({breakdown}); {where}',
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(1)

    print(
        f'warning: {unfinished} of {len(results)} runs did not succeed ({breakdown}); {where}',
        file=sys.stderr,
        flush=True,
    )


def _check_packages(parser, systems):
    # Before anything is fitted: the message names each missing package and its extra.
    problems = missing_packages(systems)
    if problems:
        parser.error('; '.join(problems))


def main(argv=None):
    """Run the benchmark command and write its results.

    Args:
        argv (list[str] or None):
            The command line arguments. Defaults to None (``sys.argv[1:]``).

    Returns:
        pandas.DataFrame:
            One row per run (what :func:`sdv_missdiff.benchmark.runner.run_benchmark` returns).

    Raises:
        SystemExit:
            With status 2 for invalid arguments or an ``--output`` folder that already holds
            results (without ``--overwrite``), with status 1 when no run succeeded.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    _check_positive_ints(parser, args)
    _check_packages(parser, args.systems)
    try:
        settings = system_settings(args.systems, args.epochs, args.param)
    except ValueError as error:
        parser.error(str(error))

    output, created = _prepare_output(parser, args)
    command = 'python -m sdv_missdiff.benchmark ' + shlex.join(argv)
    print(f'{command}\nresults go to {output}', flush=True)
    notes = [
        f'Systems and their arguments: `{json.dumps(settings)}` (empty: the synthesizer defaults).',
        machine_note(),
    ]
    if args.privacy:
        notes.append(
            'Privacy: `evaluate_privacy` without the attacks, the synthetic rows against the '
            'complete training table, the test rows as the holdout (seed of each run).'
        )

    start = time.perf_counter()

    def save(partial):
        write_report(partial, output, command, notes, plots=False)

    try:
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
            privacy=args.privacy,
        )
    except BaseException:
        if created and not any(output.iterdir()):
            output.rmdir()  # stopped before the first result: leave no empty folder behind

        raise

    notes.append(f'Total wall time: {time.perf_counter() - start:.0f} s.')
    written = write_report(results, output, command, notes)
    print('\n'.join(str(path) for path in written), flush=True)
    _check_failures(results, output)
    return results


if __name__ == '__main__':
    main()
