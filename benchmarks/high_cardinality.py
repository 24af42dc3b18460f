"""High-cardinality categorical columns: one-hot against the frequency encoding.

Two experiments, each fit run in a fresh subprocess, one after the other, so that its peak
memory is its own and the fit times of one run compare with each other:

- ``sweep`` (chooses ``max_one_hot_levels``): a table of two numbers, a 3-level category and a
  ``code`` column of ``K`` levels (skewed frequencies) whose level is set by the first number
  (each level owns a range of it, in an order unrelated to the level frequencies), 10% of the
  cells hidden. For each ``K`` and each encoding: fit and sample time, the distinct levels of
  1,000 sampled rows against 1,000 real rows, SDMetrics quality against the complete rows, and
  how much of the first number the sampled level explains (R2 of the real per-level means of
  ``x`` on the sampled rows; the real hold-out rows give the ceiling, 0 or less means the
  dependence is lost).
- ``id_column`` (the issue's case): 6,000 rows with two numbers, a 4-level category and an
  id-like ``account`` column of 5,000 levels (sdtype ``'categorical'`` forced in metadata, each
  level in one or two rows), fitted with one-hot, with the frequency encoding, and without the
  column at all; SDV's GaussianCopula and 6,000 other real rows (the ceiling of the scores) for
  reference.

Usage::

    python -m benchmarks.high_cardinality sweep --cardinalities 10 30 100 300 1000
    python -m benchmarks.high_cardinality id_column --variants without frequency one_hot \
        gaussian_copula real_holdout

Results go to ``benchmarks/results/high_cardinality/`` (``<experiment>.csv``, a markdown table
``<experiment>.md`` and the command lines in ``commands.txt``).
"""

import argparse
import json
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / 'results' / 'high_cardinality'
TABLE = 'table'
ENCODINGS = ('one_hot', 'frequency')
ID_VARIANTS = ('without', 'frequency', 'one_hot', 'gaussian_copula', 'real_holdout')
# Most levels of a discrete column other than the many-level one, in both tables.
OTHER_LEVELS = 4


# -- tables -------------------------------------------------------------------------------
def sweep_table(num_rows, cardinality, seed):
    """Two numbers, a 3-level category and a ``code`` of ``cardinality`` levels set by ``x``."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    y = 0.6 * x + 0.8 * rng.normal(size=num_rows)
    group = np.where(y > 0.5, 'high', np.where(y < -0.5, 'low', 'mid'))
    # Level frequencies fall off as rank ** -0.5; the levels own consecutive ranges of a noisy
    # copy of x in an order drawn at random (seeded by the cardinality alone, so every seed's
    # table has the same levels), so the most frequent levels are not the lowest x.
    level_rng = np.random.default_rng(cardinality)
    weights = (np.arange(cardinality) + 1.0) ** -0.5
    weights = weights[level_rng.permutation(cardinality)]
    cuts = np.cumsum(weights) / weights.sum()
    latent = x + 0.1 * rng.normal(size=num_rows)
    rank = pd.Series(latent).rank(pct=True).to_numpy()
    level = np.minimum(np.searchsorted(cuts, rank * (1 - 1e-12)), cardinality - 1)
    names = np.array([f'L{index:05d}' for index in level_rng.permutation(cardinality)])
    return pd.DataFrame({'x': x, 'y': y, 'group': group, 'code': names[level]})


def id_table(num_rows, num_levels, seed):
    """Two numbers, a 4-level category and an id-like ``account`` of ``num_levels`` levels."""
    rng = np.random.default_rng(seed)
    x = rng.gamma(2.0, 10.0, size=num_rows)
    region = rng.choice(['north', 'south', 'east', 'west'], size=num_rows, p=[0.4, 0.3, 0.2, 0.1])
    y = np.log1p(x) + (region == 'north') + 0.3 * rng.normal(size=num_rows)
    account = rng.permutation(np.arange(num_rows) % num_levels)
    return pd.DataFrame(
        {
            'x': x,
            'y': y,
            'region': region,
            'account': np.array([f'A{code:06d}' for code in account], dtype=object),
        }
    )


def metadata_for(table):
    """Metadata with every object column forced to sdtype ``'categorical'``."""
    from sdv.metadata import Metadata

    columns = {
        name: {'sdtype': 'categorical' if table[name].dtype == object else 'numerical'}
        for name in table.columns
    }
    return Metadata.load_from_dict({'tables': {TABLE: {'columns': columns}}})


def hide_cells(table, rate, seed):
    """Hide ``rate`` of the cells completely at random (MCAR, independently per cell)."""
    if not rate:
        return table.copy()

    from sdv_missdiff.missingness import simulate_missing

    observed, _ = simulate_missing(table, 'mcar_independent', rate, seed=seed)
    return observed


# -- measures -----------------------------------------------------------------------------
def distinct_levels(values, num_rows, seed):
    """Distinct values among ``num_rows`` rows drawn without replacement."""
    values = pd.Series(values).dropna()
    sample = values.sample(n=min(num_rows, len(values)), random_state=seed)
    return int(sample.nunique())


def level_r2(real, synthetic, level_column, number_column):
    """Share of ``number_column``'s variance that the real per-level means explain."""
    real = real[[level_column, number_column]].dropna()
    means = real.groupby(level_column)[number_column].mean()
    predicted = synthetic[level_column].map(means)
    keep = predicted.notna() & synthetic[number_column].notna()
    residual = synthetic.loc[keep, number_column] - predicted[keep]
    return float(1 - np.mean(residual**2) / real[number_column].var())


def _rss_mb():
    # ru_maxrss is in kilobytes on Linux, bytes on macOS.
    scale = 1 if sys.platform == 'darwin' else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20


def _fit_and_measure(task):
    """Fit one synthesizer in this (fresh) process and measure it; runs in a subprocess."""
    import torch

    from sdv_missdiff.benchmark.runner import fit_system, sample_system
    from sdv_missdiff.benchmark.systems import make_system
    from sdv_missdiff.evaluation import quality_scores

    torch.set_num_threads(task['threads'])
    warnings.filterwarnings('ignore')
    complete = task['complete']
    observed = task['observed']
    metadata = metadata_for(complete)
    system = task.get('system', 'missdiff')
    if system == 'real_holdout':
        synthetic = task['holdout']
        row = {}
    else:
        settings = task['arguments'] if system == 'missdiff' else {}
        built = make_system(system, metadata, TABLE, settings)
        synthesizer = built.synthesizer
        rss_before = _rss_mb()
        fit_s = fit_system(built, observed, task['seed'])
        rss_after_fit = _rss_mb()
        synthesizer.reset_sampling()
        synthetic, sample_s = sample_system(built, task['sample_rows'])
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, 'synthesizer.pkl')
            synthesizer.save(path)
            pickle_mb = os.path.getsize(path) / 2**20

        row = {
            'fit_s': fit_s,
            'sample_s': sample_s,
            'pickle_mb': pickle_mb,
            'peak_rss_mb': rss_after_fit,
            'fit_rss_increase_mb': rss_after_fit - rss_before,
        }
        if system == 'missdiff':
            row['epochs'] = synthesizer._model.epochs
            row['model_dimensions'] = synthesizer._encoder.output_dimensions
    level_column = task.get('level_column')
    if level_column:
        real = complete[level_column]
        row['real_levels'] = int(real.nunique())
        row['distinct_real_1000'] = distinct_levels(real, 1000, task['seed'])
        row['distinct_sampled_1000'] = distinct_levels(synthetic[level_column], 1000, task['seed'])
        row['sampled_levels'] = int(synthetic[level_column].nunique())
        if task.get('dependence_column') and 'holdout' in task:
            column = task['dependence_column']
            row['level_r2'] = level_r2(complete, synthetic, level_column, column)
            row['level_r2_holdout'] = level_r2(complete, task['holdout'], level_column, column)

    row.update(quality_scores(complete, synthetic, metadata))
    return row


def run_isolated(task):
    """Run ``_fit_and_measure`` in a fresh spawned process and return its row."""
    context = multiprocessing.get_context('spawn')
    with context.Pool(1) as pool:
        return pool.apply(_fit_and_measure, (task,))


def _arguments(args, encoding):
    arguments = json.loads(args.missdiff_arguments)
    if args.epochs is not None:
        arguments['epochs'] = args.epochs

    # One-hot: every discrete column one-hot. Frequency: the threshold just above the other
    # discrete columns (at most 4 levels), so only the many-level column changes encoding.
    arguments['max_one_hot_levels'] = None if encoding == 'one_hot' else OTHER_LEVELS
    return arguments


# -- experiments --------------------------------------------------------------------------
def run_sweep(args):
    """Fit each cardinality with each encoding."""
    rows = []
    for cardinality in args.cardinalities:
        complete = sweep_table(args.rows, cardinality, args.seed)
        holdout = sweep_table(args.rows, cardinality, args.seed + 1)
        observed = hide_cells(complete, args.missing_rate, args.seed)
        for encoding in args.encodings:
            task = {
                'complete': complete,
                'observed': observed,
                'holdout': holdout,
                'arguments': _arguments(args, encoding),
                'seed': args.seed,
                'threads': args.threads,
                'sample_rows': args.rows,
                'level_column': 'code',
                'dependence_column': 'x',
            }
            rows.append(_run(task, {'cardinality': cardinality, 'encoding': encoding}))

    return pd.DataFrame(rows)


def run_id_column(args):
    """Fit the id-like table with one-hot, with the frequency encoding and without the column."""
    rows = []
    complete = id_table(args.rows, args.levels, args.seed)
    observed = hide_cells(complete, args.missing_rate, args.seed)
    for variant in args.variants:
        task = {
            'system': variant if variant in ('gaussian_copula', 'real_holdout') else 'missdiff',
            'complete': complete,
            'observed': observed,
            'holdout': id_table(args.rows, args.levels, args.seed + 1),
            'arguments': _arguments(args, variant),
            'seed': args.seed,
            'threads': args.threads,
            'sample_rows': args.rows,
            'level_column': 'account',
        }
        if variant == 'without':
            task['complete'] = complete.drop(columns='account')
            task['observed'] = observed.drop(columns='account')
            task['level_column'] = None
            task['arguments'].pop('max_one_hot_levels')

        rows.append(_run(task, {'variant': variant, 'levels': args.levels}))

    return pd.DataFrame(rows)


def _run(task, labels):
    print(f'[{time.strftime("%H:%M:%S")}] {labels} ...', flush=True)
    try:
        row = {**labels, **run_isolated(task)}
    except Exception as error:  # a failed fit is recorded and the others go on
        row = {**labels, 'error': f'{type(error).__name__}: {error}'}

    print(f'    {row}', flush=True)
    return row


# -- output -------------------------------------------------------------------------------
SWEEP_COLUMNS = {
    'cardinality': ('levels', '{}'),
    'encoding': ('encoding', '{}'),
    'model_dimensions': ('model dims', '{}'),
    'fit_s': ('fit s', '{:.1f}'),
    'sample_s': ('sample s', '{:.2f}'),
    'distinct_sampled_1000': ('distinct in 1,000 sampled', '{:.0f}'),
    'distinct_real_1000': ('distinct in 1,000 real', '{:.0f}'),
    'quality': ('quality', '{:.3f}'),
    'column_pair_trends': ('pair trends', '{:.3f}'),
    'level_r2': ('level R2 of x', '{:.3f}'),
    'level_r2_holdout': ('hold-out R2', '{:.3f}'),
    'pickle_mb': ('pickle MB', '{:.2f}'),
    'peak_rss_mb': ('peak RSS MB', '{:.0f}'),
}
ID_COLUMNS = {
    'variant': ('account column', '{}'),
    'model_dimensions': ('model dims', '{:.0f}'),
    'epochs': ('epochs', '{:.0f}'),
    'fit_s': ('fit s', '{:.1f}'),
    'sample_s': ('sample s', '{:.2f}'),
    'distinct_sampled_1000': ('distinct in 1,000 sampled', '{:.0f}'),
    'distinct_real_1000': ('distinct in 1,000 real', '{:.0f}'),
    'quality': ('quality', '{:.3f}'),
    'pickle_mb': ('pickle MB', '{:.2f}'),
    'peak_rss_mb': ('peak RSS MB', '{:.0f}'),
    'fit_rss_increase_mb': ('RSS growth in fit MB', '{:.0f}'),
}


def markdown_table(results, columns):
    """Format ``results`` as a markdown table of ``columns`` (name to header and format)."""
    columns = {name: spec for name, spec in columns.items() if name in results.columns}
    lines = [
        '| ' + ' | '.join(header for header, _ in columns.values()) + ' |',
        '|' + '---|' * len(columns),
    ]
    for row in results.to_dict('records'):
        cells = []
        for name, (_, form) in columns.items():
            value = row.get(name)
            missing = value is None or (isinstance(value, float) and np.isnan(value))
            cells.append('' if missing else form.format(value))

        lines.append('| ' + ' | '.join(cells) + ' |')

    return '\n'.join(lines)


def main(argv=None):
    """Run one experiment and write its results."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('experiment', choices=['sweep', 'id_column'])
    parser.add_argument('--cardinalities', nargs='+', type=int, default=[10, 30, 100, 300, 1000])
    parser.add_argument('--encodings', nargs='+', default=list(ENCODINGS), choices=ENCODINGS)
    parser.add_argument('--variants', nargs='+', default=list(ID_VARIANTS), choices=ID_VARIANTS)
    parser.add_argument('--levels', type=int, default=5_000, help='id_column: levels')
    parser.add_argument('--rows', type=int, default=None, help='3,000 (sweep), 6,000 (id)')
    parser.add_argument('--missing-rate', type=float, default=0.1)
    parser.add_argument('--epochs', type=int, default=None, help='None: the default steps')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=1, help='torch threads per fit')
    parser.add_argument('--missdiff-arguments', default='{}', help='JSON of more arguments')
    parser.add_argument('--name', default=None, help='output file stem; default: experiment')
    parser.add_argument('--note', default='', help='a line written above the table')
    parser.add_argument('--output', default=str(RESULTS))
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = 3_000 if args.experiment == 'sweep' else 6_000

    command = 'python -m benchmarks.high_cardinality ' + ' '.join(
        sys.argv[1:] if argv is None else argv
    )
    if args.experiment == 'sweep':
        results, columns = run_sweep(args), SWEEP_COLUMNS
    else:
        results, columns = run_id_column(args), ID_COLUMNS

    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    name = args.name or args.experiment
    results.to_csv(output / f'{name}.csv', index=False)
    lines = [
        f'# {name}',
        '',
        f'    {command}',
        '',
        f'Machine: {platform.machine()}, {os.cpu_count()} cores, {args.threads} torch thread(s) '
        'per fit; fits one after the other, each in a fresh process.',
    ]
    if args.note:
        lines += ['', args.note]

    lines += ['', markdown_table(results, columns), '']
    (output / f'{name}.md').write_text('\n'.join(lines))
    with open(output / 'commands.txt', 'a') as handle:
        handle.write(command + '\n')

    print('\n'.join(lines))


if __name__ == '__main__':
    main()
