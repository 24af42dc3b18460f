"""Markdown of the benchmark results: per-setting summaries, metric tables and failures."""

import textwrap

import numpy as np
import pandas as pd

from sdv_missdiff.benchmark.systems import LABELS, SYSTEMS

ERRORS_FILE = 'errors.md'
PRIVACY_METRICS = (
    'exact_copy_share',
    'dcr_share',
    'dcr_overfitting_protection',
    'dcr_baseline_protection',
    'nndr_median',
)
"""Figures of :func:`sdv_missdiff.evaluation.privacy_scores` a ``--privacy`` run records, each
beside its ``<metric>_reference`` (the figure of unseen real rows)."""
PRIVACY_LABELS = {
    'exact_copy_share': 'Exact copies of training rows (share; 0 best)',
    'dcr_share': 'DCR share: nearer a training row than a test row (0.5 ideal)',
    'dcr_overfitting_protection': 'SDMetrics DCROverfittingProtection (the reference is ideal)',
    'dcr_baseline_protection': 'SDMetrics DCRBaselineProtection (the reference is ideal)',
    'nndr_median': 'Nearest-neighbour distance ratio, median (the reference is ideal)',
}


def system_order(results):
    """The systems of ``results``: registered ones in registry order, then the others."""
    present = list(dict.fromkeys(results['system']))
    return [name for name in SYSTEMS if name in present] + [
        name for name in present if name not in SYSTEMS
    ]


def setting_label(mechanism, rate):
    """Column label of one (mechanism, rate) setting, for example ``'mcar_independent 0.2'``."""
    return f'{mechanism} {rate:g}'


def summarize(results):
    """Mean and standard deviation over seeds of every metric, per setting and system.

    Args:
        results (pandas.DataFrame):
            One row per run (what :func:`sdv_missdiff.benchmark.runner.run_benchmark` returns).

    Returns:
        pandas.DataFrame:
            One row per (dataset, mechanism, rate, system) with ``<metric>_mean``,
            ``<metric>_std`` (NaN with a single run), ``runs`` and ``ok`` (successful runs).
    """
    keys = ['dataset', 'mechanism', 'rate', 'system']
    metrics = ['fidelity', 'utility_accuracy', 'utility_f1', 'detection_auc', 'fit_s', 'sample_s']
    metrics += [name for metric in PRIVACY_METRICS for name in (metric, f'{metric}_reference')]
    # Runs recorded before a metric existed (an appended results file) lack its column.
    metrics = [metric for metric in metrics if metric in results.columns]
    ok = results[results['status'] == 'ok']
    summary = ok.groupby(keys, sort=False)[metrics].agg(['mean', 'std'])
    summary.columns = [f'{metric}_{stat}' for metric, stat in summary.columns]
    counts = results.groupby(keys, sort=False).agg(
        runs=('status', 'size'), ok=('status', lambda status: int((status == 'ok').sum()))
    )
    return counts.join(summary).reset_index()


def _format(mean, std, digits=3):
    if pd.isna(mean):
        return '-'

    if pd.isna(std):
        return f'{mean:.{digits}f}'

    return f'{mean:.{digits}f} ± {std:.{digits}f}'


def _one_line(text):
    return ' '.join(str(text).split())


def _run_label(row):
    return f'{row["system"]}, {row["mechanism"]} {row["rate"]:g}, seed {row["seed"]}'


def _fenced(text):
    text = str(text).rstrip('\n')
    fence = '```'
    while fence in text:
        fence += '`'

    return [fence + 'text', text, fence]


def errors_report(results):
    """Markdown of every run that did not finish, with its whole error and traceback.

    Args:
        results (pandas.DataFrame):
            One row per run.

    Returns:
        str or None:
            The markdown text, or None when every run succeeded.
    """
    failed = results[results['status'] != 'ok']
    if failed.empty:
        return None

    lines = [f'# Runs that did not finish ({len(failed)} of {len(results)})', '']
    for number, (_, row) in enumerate(failed.iterrows(), start=1):
        lines += [f'## {number}. {_run_label(row)}: {row["status"]}', ''] + _fenced(row['error'])
        traceback = row.get('traceback')
        if isinstance(traceback, str) and traceback.strip():
            lines += ['', 'Traceback:', ''] + _fenced(traceback)

        lines.append('')

    return '\n'.join(lines)


def _failure_note(results, keys):
    failed = results[(results['status'] != 'ok')]
    for _, row in failed.iterrows():
        if all(row[key] == value for key, value in keys.items()):
            return 'not installed' if row['status'] == 'not installed' else 'failed (see below)'

    return 'failed (see below)'


def pivot_table(results, metric, digits=3):
    """Markdown table of one metric: a row per system, a column per (mechanism, rate).

    Cells read ``mean ± std`` over the successful seeds; the best mean of each column is bold.

    Args:
        results (pandas.DataFrame):
            One row per run.
        metric (str):
            ``'fidelity'`` or ``'utility_accuracy'`` (or another measured column).
        digits (int):
            Decimals of the cells. Defaults to 3.

    Returns:
        str:
            The markdown table.
    """
    summary = summarize(results)
    settings = list(dict.fromkeys(zip(summary['mechanism'], summary['rate'])))
    systems = system_order(results)
    header = '| system | ' + ' | '.join(setting_label(*setting) for setting in settings) + ' |'
    lines = [header, '|---' * (len(settings) + 1) + '|']
    best = {}
    for mechanism, rate in settings:
        column = summary[(summary['mechanism'] == mechanism) & (summary['rate'] == rate)]
        best[(mechanism, rate)] = column[f'{metric}_mean'].max()

    for system in systems:
        cells = []
        for mechanism, rate in settings:
            match = summary[
                (summary['mechanism'] == mechanism)
                & (summary['rate'] == rate)
                & (summary['system'] == system)
            ]
            if match.empty:
                cells.append('')
                continue

            row = match.iloc[0]
            cell = _format(row[f'{metric}_mean'], row[f'{metric}_std'], digits)
            if cell == '-':
                keys = {'mechanism': mechanism, 'rate': rate, 'system': system}
                cell = _failure_note(results, keys)
            elif np.isclose(row[f'{metric}_mean'], best[(mechanism, rate)]):
                cell = f'**{cell}**'

            if row['ok'] < row['runs'] and cell and not cell.startswith(('failed', 'not ')):
                cell += f' ({row["runs"] - row["ok"]} failed)'

            cells.append(cell)

        lines.append(f'| {LABELS.get(system, system)} | ' + ' | '.join(cells) + ' |')

    return '\n'.join(lines)


def privacy_table(results, metric, digits=3):
    """Markdown table of one privacy figure, with a last row for unseen real rows.

    The rows of :func:`pivot_table`, without bold (the best value of a privacy figure is that
    of the reference, not the largest), then the reference: the same figure for test rows no
    system saw, mean ± std over the seeds.

    Args:
        results (pandas.DataFrame):
            One row per run, with ``metric`` and ``<metric>_reference``.
        metric (str):
            A figure of :data:`PRIVACY_METRICS`.
        digits (int):
            Decimals of the cells. Defaults to 3.

    Returns:
        str:
            The markdown table.
    """
    lines = [pivot_table(results, metric, digits).replace('**', '')]
    reference = f'{metric}_reference'
    if reference in results.columns:
        ok = results[results['status'] == 'ok']
        settings = list(dict.fromkeys(zip(results['mechanism'], results['rate'])))
        cells = []
        for mechanism, rate in settings:
            runs = ok[(ok['mechanism'] == mechanism) & (ok['rate'] == rate)]
            # The reference depends on the seed's rows only: one value per seed.
            per_seed = runs.groupby('seed')[reference].first()
            cells.append(_format(per_seed.mean(), per_seed.std(), digits))

        lines.append('| Unseen real rows (reference) | ' + ' | '.join(cells) + ' |')

    return '\n'.join(lines)


def _privacy_section(results):
    measured = [
        metric
        for metric in PRIVACY_METRICS
        if metric in results.columns and results[metric].notna().any()
    ]
    if not measured:
        return []

    lines = [
        '## Privacy (--privacy)',
        '',
        'Figures of `sdv_missdiff.evaluation.evaluate_privacy` (without the attacks): the '
        'synthetic rows against the complete training table, the test rows as the holdout. The '
        'last row of each table is the same figure for half of the test rows, which no system '
        'saw: what a system that memorised nothing would get.',
        '',
    ]
    for metric in measured:
        digits = 4 if metric == 'exact_copy_share' else 3
        lines += [f'### {PRIVACY_LABELS[metric]}', '', privacy_table(results, metric, digits), '']

    return lines


def markdown_report(results, command=None, notes=None):
    """The markdown summary: fidelity and utility tables, timings and failures.

    Args:
        results (pandas.DataFrame):
            One row per run.
        command (str or None):
            The command that made the results. Defaults to None.
        notes (list[str] or None):
            Extra lines (settings, machine). Defaults to None.

    Returns:
        str:
            The markdown text.
    """
    datasets = ', '.join(dict.fromkeys(results['dataset']))
    seeds = results['seed'].nunique()
    lines = [f'# Benchmark: {datasets}', '']
    if command:
        lines += [f'Command: `{command}`', '']

    lines += [
        f'Mean ± std over {seeds} seed(s); the best mean of each column in bold. Fidelity: '
        'SDMetrics quality (Column Shapes and Column Pair Trends) of as many synthetic rows as '
        'training rows against the complete training table. Utility: XGBoost trained on the '
        'synthetic rows, accuracy on the real test rows.',
        '',
        '## Fidelity',
        '',
        pivot_table(results, 'fidelity'),
        '',
        '## Utility (XGBoost accuracy)',
        '',
        pivot_table(results, 'utility_accuracy'),
        '',
        '## Fit time (s)',
        '',
        pivot_table(results, 'fit_s', digits=1).replace('**', ''),
        '',
    ]
    lines += _privacy_section(results)
    failed = results[results['status'] != 'ok']
    if len(failed):
        lines += [
            '## Runs that did not finish',
            '',
            f'Errors on one line, long ones shortened; the whole messages and tracebacks are in '
            f'[{ERRORS_FILE}]({ERRORS_FILE}) and in the `error` column of `results.csv`.',
            '',
        ]
        for _, row in failed.iterrows():
            error = textwrap.shorten(_one_line(row['error']), width=300, placeholder=' ...')
            lines.append(f'- {_run_label(row)}: {row["status"]} ({error})')

        lines.append('')

    if notes:
        lines += ['## Settings', ''] + [f'- {note}' for note in notes] + ['']

    return '\n'.join(lines)
