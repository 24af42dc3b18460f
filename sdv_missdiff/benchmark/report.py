"""Write the benchmark results: a CSV of every run, a markdown summary and PNG plots.

``python -m sdv_missdiff.benchmark.report DIR`` redraws the markdown and the plots of a finished
(or stopped) run from its ``results.csv`` and ``run.json``.

The plots need matplotlib (``pip install 'sdv-missdiff[benchmark]'``); it is imported only when
a plot is drawn, and without it the plots are skipped with a printed note.
"""

import json
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from sdv_missdiff.benchmark.systems import SYSTEMS

METRICS = {
    'fidelity': 'Fidelity (SDMetrics quality)',
    'utility_accuracy': 'Utility (XGBoost accuracy)',
}
LABELS = {
    'missdiff': 'MissDiff',
    'diff_mean': 'Diff-mean',
    'diff_delete': 'Diff-delete',
    'gaussian_copula': 'GaussianCopula',
    'ctgan': 'CTGAN',
    'tvae': 'TVAE',
    'forest_diffusion': 'ForestDiffusion',
}
PLOT_FILES = ('scores.png', 'fidelity_vs_rate.png', 'utility_vs_rate.png')
ERRORS_FILE = 'errors.md'
REPORT_FILES = ('results.csv', 'README.md', 'run.json', ERRORS_FILE) + PLOT_FILES
"""Every file name :func:`write_report` writes; no other file of a results folder is touched."""
MATPLOTLIB_MISSING = (
    "Plots skipped: matplotlib is not installed (pip install 'sdv-missdiff[benchmark]')."
)


def _pyplot():
    """Return ``matplotlib.pyplot`` with the ``Agg`` backend, imported on first use.

    Raises:
        ImportError:
            If matplotlib is not installed, with the command that installs it.
    """
    try:
        import matplotlib

        matplotlib.use('Agg')
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "Drawing the benchmark plots needs matplotlib: pip install 'sdv-missdiff[benchmark]'."
        ) from error

    return plt


def existing_report_files(output):
    """The files of a folder that :func:`write_report` writes (results of an earlier run).

    Args:
        output (str or pathlib.Path):
            The folder.

    Returns:
        list[pathlib.Path]:
            The existing files among :data:`REPORT_FILES` (empty if the folder does not exist).
    """
    output = Path(output)
    return [output / name for name in REPORT_FILES if (output / name).is_file()]


def remove_report_files(output):
    """Delete the files :func:`write_report` writes from a folder; every other file is kept.

    Args:
        output (str or pathlib.Path):
            The folder.

    Returns:
        list[pathlib.Path]:
            The files deleted.
    """
    removed = existing_report_files(output)
    for path in removed:
        path.unlink()

    return removed


def _system_order(results):
    present = list(dict.fromkeys(results['system']))
    return [name for name in SYSTEMS if name in present] + [
        name for name in present if name not in SYSTEMS
    ]


def _setting_label(mechanism, rate):
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
    metrics = ['fidelity', 'utility_accuracy', 'utility_f1', 'fit_s', 'sample_s']
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
    systems = _system_order(results)
    header = '| system | ' + ' | '.join(_setting_label(*setting) for setting in settings) + ' |'
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


def plot_bars(results, path):
    """Bars per system (mean, std error bars) of fidelity and utility, one group per setting.

    Args:
        results (pandas.DataFrame):
            One row per run.
        path (str or pathlib.Path):
            PNG file to write.

    Raises:
        ImportError:
            If matplotlib is not installed.
    """
    plt = _pyplot()
    summary = summarize(results)
    settings = list(dict.fromkeys(zip(summary['mechanism'], summary['rate'])))
    systems = _system_order(results)
    width = 0.8 / len(systems)
    figure, axes = plt.subplots(
        1, len(METRICS), figsize=(max(8, 2.2 * len(settings) + 4) * len(METRICS) / 1.6, 4.8)
    )
    for axis, (metric, title) in zip(np.atleast_1d(axes), METRICS.items()):
        for offset, system in enumerate(systems):
            part = summary[summary['system'] == system].set_index(['mechanism', 'rate'])
            means = [part[f'{metric}_mean'].get(setting, np.nan) for setting in settings]
            stds = [part[f'{metric}_std'].get(setting, np.nan) for setting in settings]
            positions = np.arange(len(settings)) + (offset - (len(systems) - 1) / 2) * width
            axis.bar(
                positions,
                means,
                width,
                yerr=np.nan_to_num(stds),
                capsize=2,
                label=LABELS.get(system, system),
            )

        valid = summary[f'{metric}_mean'].dropna()
        if len(valid):
            axis.set_ylim(max(0.0, valid.min() - 0.1), min(1.0, valid.max() + 0.05))

        axis.set_xticks(np.arange(len(settings)))
        axis.set_xticklabels([_setting_label(*setting) for setting in settings], rotation=20)
        axis.set_title(title)
        axis.grid(axis='y', alpha=0.3)

    np.atleast_1d(axes)[-1].legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1.0))
    figure.suptitle(f'{", ".join(dict.fromkeys(results["dataset"]))}: mean ± std over seeds')
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def plot_rate_lines(results, path, metric='fidelity'):
    """Figure-1-style lines of a metric against the missing rate, one panel per mechanism.

    Args:
        results (pandas.DataFrame):
            One row per run, with several rates.
        path (str or pathlib.Path):
            PNG file to write.
        metric (str):
            The metric to plot. Defaults to ``'fidelity'``.

    Raises:
        ImportError:
            If matplotlib is not installed.
    """
    plt = _pyplot()
    summary = summarize(results)
    mechanisms = list(dict.fromkeys(summary['mechanism']))
    figure, axes = plt.subplots(1, len(mechanisms), figsize=(6 * len(mechanisms), 4.5))
    for axis, mechanism in zip(np.atleast_1d(axes), mechanisms):
        for system in _system_order(results):
            part = summary[(summary['mechanism'] == mechanism) & (summary['system'] == system)]
            part = part.sort_values('rate')
            mean = part[f'{metric}_mean'].to_numpy(dtype=float)
            std = np.nan_to_num(part[f'{metric}_std'].to_numpy(dtype=float))
            (line,) = axis.plot(part['rate'], mean, marker='o', label=LABELS.get(system, system))
            axis.fill_between(
                part['rate'], mean - std, mean + std, alpha=0.2, color=line.get_color()
            )

        axis.set_xlabel('missing rate')
        axis.set_ylabel(METRICS.get(metric, metric))
        axis.set_title(mechanism)
        axis.grid(alpha=0.3)

    np.atleast_1d(axes)[-1].legend(fontsize=8, loc='upper left', bbox_to_anchor=(1.01, 1.0))

    figure.suptitle(f'{", ".join(dict.fromkeys(results["dataset"]))}: mean ± std over seeds')
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def write_report(results, output, command=None, notes=None, plots=True):
    """Write ``results.csv``, ``README.md``, ``run.json``, ``errors.md`` and the PNG plots.

    All go into ``output``. ``errors.md`` (the whole error and traceback of every run that did
    not finish) is written when a run failed and deleted otherwise. With ``plots``, the PNG plots
    of an earlier run that this one does not redraw are deleted, so no stale plot stays beside
    the new results; without matplotlib the plots are skipped with a printed note. No other file
    of ``output`` is touched.

    Args:
        results (pandas.DataFrame):
            One row per run.
        output (str or pathlib.Path):
            Folder (created if needed).
        command (str or None):
            The command that made the results. Defaults to None.
        notes (list[str] or None):
            Extra lines for the markdown. Defaults to None.
        plots (bool):
            Also draw the PNG plots. Defaults to ``True``.

    Returns:
        list[pathlib.Path]:
            The files written.
    """
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    written = [output / 'results.csv', output / 'README.md', output / 'run.json']
    results.to_csv(written[0], index=False)
    written[1].write_text(markdown_report(results, command, notes), encoding='utf-8')
    written[2].write_text(json.dumps({'command': command, 'notes': notes}, indent=2) + '\n')
    errors = errors_report(results)
    if errors is None:
        (output / ERRORS_FILE).unlink(missing_ok=True)
    else:
        written.append(output / ERRORS_FILE)
        written[-1].write_text(errors, encoding='utf-8')

    if not plots:
        return written

    try:
        _pyplot()
    except ImportError:
        print(MATPLOTLIB_MISSING, flush=True)
        return written

    drawn = []
    if (results['status'] == 'ok').any():
        drawn.append((output / 'scores.png', plot_bars, {}))
        if results['rate'].nunique() > 1:
            drawn.append((output / 'fidelity_vs_rate.png', plot_rate_lines, {}))
            drawn.append(
                (output / 'utility_vs_rate.png', plot_rate_lines, {'metric': 'utility_accuracy'})
            )

    for name in PLOT_FILES:
        if output / name not in [path for path, _, _ in drawn]:
            (output / name).unlink(missing_ok=True)

    for path, plot, arguments in drawn:
        plot(results, path, **arguments)
        written.append(path)

    return written


def main(argv=None):
    """Redraw the markdown and the plots of the benchmark folder given on the command line."""
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1:
        raise SystemExit('usage: python -m sdv_missdiff.benchmark.report DIR')

    output = Path(argv[0])
    run = output / 'run.json'
    settings = json.loads(run.read_text()) if run.exists() else {}
    results = pd.read_csv(output / 'results.csv')
    for path in write_report(results, output, settings.get('command'), settings.get('notes')):
        print(path)


if __name__ == '__main__':
    main()
