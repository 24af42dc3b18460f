"""Issue targets on Adult: MissDiff against SDV's synthesizers on the same holes.

Setting (the MissDiff paper's Census setting): 16,000 complete training rows and 4,000 test rows
of Adult (seed 0), 20% of the training cells hidden MCAR-independently (``--mechanism`` and
``--rate`` draw other holes with :func:`sdv_missdiff.missingness.simulate_missing`, and the
results then go to ``results/adult_MECHANISM_RATE/``). Every synthesizer fits
the same incomplete table and samples 16,000 rows, which are scored by

- fidelity: SDMetrics QualityReport against the complete training rows;
- utility: XGBoost trained on the synthetic rows, accuracy and AUROC on the real test rows;
- fit and sample wall time on this machine.

``--samples K`` scores K tables sampled one after the other from each fit and reports their
mean and range: one table's XGBoost accuracy moves by a few thousandths from sample to sample.
``--fit-seeds S1 S2 ...`` fits every system once per seed on the same holes (``--seed`` still
draws the split and the holes) and reports the mean over the fits, the range and standard
deviation of the fits' means, and each fit's own scores in ``fits.csv``: what separates two
systems is then measured against how much each one's fits differ.

The systems are built by :func:`sdv_missdiff.benchmark.systems.make_system` (the registry the
benchmark command uses), seeded, fitted and timed by
:func:`sdv_missdiff.benchmark.runner.fit_and_sample` and scored by
:func:`sdv_missdiff.evaluation.score_synthetic`. ``real_holdout`` is no system but a reference
row: 16,000 other real complete rows, scored the same way.

Usage::

    python -m benchmarks.adult_synthesizers --systems missdiff gaussian_copula tvae ctgan

Results go to ``benchmarks/results/adult/`` (a CSV row per system and a markdown table).
"""

import argparse
import json
import os
import platform
import time
import warnings
from pathlib import Path

import pandas as pd
import torch

from sdv_missdiff.benchmark.adapters import SystemNotInstalledError
from sdv_missdiff.benchmark.runner import fit_and_sample, sample_system
from sdv_missdiff.benchmark.systems import DIFFUSION_SYSTEMS, REGISTRY, make_system
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation import score_synthetic
from sdv_missdiff.missingness import MECHANISMS, simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'adult'
REFERENCE = 'real_holdout'
"""Not a synthesizer: other real rows of the same shuffle, scored like a system (the ceiling)."""
SYSTEMS = (
    'missdiff',
    'diff_mean',
    'diff_delete',
    'gaussian_copula',
    'gaussian_copula_imputed',
    'tvae',
    'ctgan',
    'tabular_argn',
    REFERENCE,
)
"""The default ``--systems``, in this order; any system of the registry can be named."""
CHOICES = (*REGISTRY, REFERENCE)


def system_settings(name, args):
    """Keyword arguments of the synthesizer of system ``name`` from the command line."""
    if name in DIFFUSION_SYSTEMS:
        return dict(args.missdiff_settings)

    if name == 'tvae':
        return {'epochs': args.tvae_epochs, 'enable_gpu': True}

    if name == 'ctgan':
        return {'epochs': args.ctgan_epochs, 'enable_gpu': True}

    return {}


# Scores averaged over the samples of one fit when --samples is above 1, with their range.
SPREAD_SCORES = ('quality', 'xgboost_accuracy', 'xgboost_auroc', 'detection_auc')


def run_system(name, complete, observed, test, metadata, args, fit_seed=None):
    """Fit one system on the incomplete table and score its samples.

    With ``args.samples`` above 1 the fitted system samples that many tables one after the
    other (its random state moves on between them); every score is their mean, and the range
    of the scores in ``SPREAD_SCORES`` is kept beside it (``<score>_min``, ``<score>_max``).
    ``fit_seed`` seeds the fit (``args.seed`` when ``None``).
    """
    if name == REFERENCE:
        # Rows of the same shuffle after the training and test rows: disjoint from both.
        synthetic = load_adult_split(args.rows + args.test_rows, args.rows, seed=args.seed)[1]
        timings = {'fit_s': 0.0, 'sample_s': 0.0}
        samples = [synthetic]
    else:
        seed = args.seed if fit_seed is None else fit_seed
        system = make_system(name, metadata, ADULT_TABLE_NAME, system_settings(name, args))
        synthetic, timings = fit_and_sample(system, observed, args.rows, seed)
        samples = [synthetic]
        samples += [sample_system(system, args.rows)[0] for _ in range(args.samples - 1)]

    scores = [score_synthetic(complete, rows, metadata, test, 'income') for rows in samples]
    row = {'system': name, **timings, 'samples': len(scores)}
    for metric in scores[0]:
        values = [score[metric] for score in scores]
        row[metric] = sum(values) / len(values)
        if metric in SPREAD_SCORES and len(values) > 1:
            row[f'{metric}_min'], row[f'{metric}_max'] = min(values), max(values)

    return row


def run_system_fits(name, complete, observed, test, metadata, args):
    """:func:`run_system` once per fit seed of ``args.fit_seeds``, pooled into one row.

    Returns:
        tuple[dict, list[dict]]:
            The pooled row (scores and timings averaged over the fits; for ``SPREAD_SCORES``
            the range of the fits' means as ``<score>_min`` / ``<score>_max`` and their standard
            deviation as ``<score>_sd``), and each fit's own row with its ``fit_seed``.
    """
    seeds = [None] if name == REFERENCE or not args.fit_seeds else args.fit_seeds
    fits = []
    for seed in seeds:
        fit = run_system(name, complete, observed, test, metadata, args, fit_seed=seed)
        fits.append({'fit_seed': args.seed if seed is None else seed, **fit})

    if len(fits) == 1:
        row = {key: value for key, value in fits[0].items() if key != 'fit_seed'}
        return ({**row, 'fits': 1} if args.fit_seeds else row), fits

    row = {'system': name, 'fits': len(fits)}
    for metric in fits[0]:
        if metric in ('system', 'fit_seed') or metric.endswith(('_min', '_max')):
            continue

        values = pd.Series([fit[metric] for fit in fits], dtype=float)
        row[metric] = float(values.mean())
        if metric in SPREAD_SCORES:
            row[f'{metric}_min'], row[f'{metric}_max'] = float(values.min()), float(values.max())
            row[f'{metric}_sd'] = float(values.std())

    return row, fits


def _with_range(row, metric):
    """``row[metric]`` with three decimals, and its range over samples when there is one."""
    value = row[metric]
    low, high = row.get(f'{metric}_min'), row.get(f'{metric}_max')
    if isinstance(low, float) and low == low:
        return f'{value:.3f} ({low:.3f}-{high:.3f})'

    return f'{value:.3f}'


def _markdown(results, args, settings):
    lines = [
        f'# Adult, {args.mechanism} holes at rate {args.rate} ({settings["missing_share"]:.1%} of '
        'cells): MissDiff against its peers',
        '',
        'Commands (in this order; `--append` keeps the rows of the earlier run):',
        '',
        *[f'    python -m benchmarks.adult_synthesizers {command}' for command in args.commands],
        '',
        f'Machine: {settings["machine"]}; torch threads {settings["torch_threads"]}; '
        f'device {settings["device"]}.',
        '',
        '| system | quality | column shapes | pair trends | XGBoost acc. | XGBoost AUROC '
        '| detection AUC | fit s | sample s |',
        '|---|---|---|---|---|---|---|---|---|',
    ]
    for row in results.to_dict('records'):
        if 'error' in row and isinstance(row['error'], str):
            lines.append(f'| {row["system"]} | {row["error"][:120]} | | | | | | | |')
            continue

        auroc = row.get('xgboost_auroc')
        measured = isinstance(auroc, float) and auroc == auroc
        auroc = _with_range(row, 'xgboost_auroc') if measured else 'not measured'
        detection = row.get('detection_auc')
        measured = isinstance(detection, float) and detection == detection
        detection = _with_range(row, 'detection_auc') if measured else 'not measured'

        lines.append(
            f'| {row["system"]} | {_with_range(row, "quality")} | {row["column_shapes"]:.3f} | '
            f'{row["column_pair_trends"]:.3f} | {_with_range(row, "xgboost_accuracy")} | '
            f'{auroc} | {detection} | {row["fit_s"]:.0f} | {row["sample_s"]:.1f} |'
        )

    lines += [
        '',
        'Quality: SDMetrics QualityReport of 16,000 synthetic rows against the 16,000 complete '
        'training rows. XGBoost accuracy: trained on the synthetic rows, tested on 4,000 real '
        'test rows. Detection AUC: an XGBoost classifier telling the 4,000 real test rows from '
        'as many synthetic rows, 5-fold cross-validated (0.5: it cannot tell them apart; '
        '`sdv_missdiff.evaluation.evaluate_detection`). '
        '`real_holdout` is 16,000 other real complete rows, the ceiling. '
        '`gaussian_copula_imputed` is GaussianCopula fitted after mean/mode imputation. '
        "`tabular_argn` is MOSTLY AI's TabularARGN (`mostlyai-engine`, defaults, asked for "
        'complete rows); without it installed its row says so. Where a system sampled several '
        'tables from one fit (`--samples`), a score is their mean with its range in brackets '
        '(the `samples` column of `results.csv` says how many); sample s is the first one. '
        'Where a system was fitted once per seed of `--fit-seeds` (the `fits` column), a score '
        "is the mean of the fits' means, with the range of those means in brackets; "
        '`fits.csv` holds each fit.',
        '',
        f'Settings: `{json.dumps(settings["arguments"])}`',
    ]
    return '\n'.join(lines) + '\n'


def main(argv=None):
    """Run the benchmark and write its results."""
    parser = argparse.ArgumentParser(description='MissDiff against SDV synthesizers on Adult.')
    parser.add_argument('--systems', nargs='+', default=list(SYSTEMS), choices=CHOICES)
    parser.add_argument('--rows', type=int, default=16_000)
    parser.add_argument('--test-rows', type=int, default=4_000)
    parser.add_argument('--rate', type=float, default=0.2)
    parser.add_argument(
        '--mechanism',
        default='mcar_independent',
        choices=MECHANISMS,
        help='how the holes are drawn (sdv_missdiff.missingness.simulate_missing)',
    )
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--samples',
        type=int,
        default=1,
        help='tables sampled from each fit and scored; scores are their mean (default 1)',
    )
    parser.add_argument(
        '--fit-seeds',
        type=int,
        nargs='+',
        default=None,
        help='fit every system once per seed on the same holes and report the mean over the '
        'fits with the range of their means (default: one fit, seeded with --seed)',
    )
    parser.add_argument('--tvae-epochs', type=int, default=300)
    parser.add_argument('--ctgan-epochs', type=int, default=300)
    parser.add_argument(
        '--missdiff-arguments', default='{}', help='JSON of MissDiffSynthesizer arguments'
    )
    parser.add_argument(
        '--output',
        default=None,
        help='results folder (default: results/adult for 20%% MCAR cells, else '
        'results/adult_MECHANISM_RATE)',
    )
    parser.add_argument(
        '--append',
        action='store_true',
        help='keep the other systems of an earlier results.csv in the output folder',
    )
    args = parser.parse_args(argv)
    if args.output is None:
        default_holes = args.mechanism == 'mcar_independent' and args.rate == 0.2
        name = 'adult' if default_holes else f'adult_{args.mechanism}_{args.rate:g}'
        args.output = str(RESULTS.parent / name)

    try:
        args.missdiff_settings = json.loads(args.missdiff_arguments)
    except json.JSONDecodeError as error:
        parser.error(f'argument --missdiff-arguments: not JSON ({error})')

    if not isinstance(args.missdiff_settings, dict):
        parser.error('argument --missdiff-arguments: give a JSON object, e.g. \'{"epochs": 100}\'')

    args.argv = argv if argv is not None else os.sys.argv[1:]
    args.commands = [' '.join(args.argv)]
    commands_file = Path(args.output) / 'commands.txt'
    if args.append and commands_file.exists():
        args.commands = commands_file.read_text().splitlines() + args.commands
    warnings.filterwarnings('ignore')

    complete, test = load_adult_split(args.rows, args.test_rows, seed=args.seed)
    observed, _ = simulate_missing(complete, args.mechanism, args.rate, seed=args.seed)
    metadata = get_adult_metadata()
    rows, fit_rows = [], []
    for name in args.systems:
        print(f'[{time.strftime("%H:%M:%S")}] {name} ...', flush=True)
        try:
            row, fits = run_system_fits(name, complete, observed, test, metadata, args)
            fit_rows += fits
        except SystemNotInstalledError as error:
            row = {'system': name, 'error': f'not installed: {error}'}
        except Exception as error:  # a crashed system is recorded and the rest go on
            row = {'system': name, 'error': f'failed: {type(error).__name__}: {error}'}

        print(f'    {row}', flush=True)
        rows.append(row)

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    results = pd.DataFrame(rows)
    if args.append and (output / 'results.csv').exists():
        earlier = pd.read_csv(output / 'results.csv')
        earlier = earlier[~earlier['system'].isin(results['system'])]
        results = pd.concat([earlier, results], ignore_index=True)

    results.to_csv(output / 'results.csv', index=False)
    if args.fit_seeds:
        pd.DataFrame(fit_rows).to_csv(output / 'fits.csv', index=False)
    settings = {
        'missing_share': float(observed.isna().to_numpy().mean()),
        'machine': f'{platform.machine()}, {os.cpu_count()} cores',
        'torch_threads': torch.get_num_threads(),
        'device': 'cuda' if torch.cuda.is_available() else 'cpu',
        'arguments': {
            k: v
            for k, v in vars(args).items()
            if k not in ('argv', 'commands', 'missdiff_settings')
        },
    }
    (output / 'commands.txt').write_text('\n'.join(args.commands) + '\n')
    (output / 'README.md').write_text(_markdown(results, args, settings))
    print((output / 'README.md').read_text())


if __name__ == '__main__':
    main()
