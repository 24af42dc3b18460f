"""Write the benchmark results: a CSV of every run, a markdown summary and PNG plots.

``python -m sdv_missdiff.benchmark.report DIR`` redraws the markdown and the plots of a finished
(or stopped) run from its ``results.csv`` and ``run.json``.

The markdown comes from :mod:`sdv_missdiff.benchmark.summary`, the plots from
:mod:`sdv_missdiff.benchmark.plots`. The plots need matplotlib (``pip install
'sdv-missdiff[benchmark]'``); it is imported only when a plot is drawn, and without it the plots
are skipped with a printed note.
"""

import json
import sys
from pathlib import Path

import pandas as pd

from sdv_missdiff.benchmark.plots import (
    MATPLOTLIB_MISSING,
    METRICS,
    PLOT_FILES,
    plot_bars,
    plot_rate_lines,
    pyplot,
)
from sdv_missdiff.benchmark.summary import (
    ERRORS_FILE,
    errors_report,
    markdown_report,
    pivot_table,
    privacy_table,
    summarize,
)
from sdv_missdiff.benchmark.systems import LABELS

REPORT_FILES = ('results.csv', 'README.md', 'run.json', ERRORS_FILE) + PLOT_FILES
"""Every file name :func:`write_report` writes; no other file of a results folder is touched."""

__all__ = (
    'ERRORS_FILE',
    'LABELS',
    'MATPLOTLIB_MISSING',
    'METRICS',
    'PLOT_FILES',
    'REPORT_FILES',
    'errors_report',
    'existing_report_files',
    'main',
    'markdown_report',
    'pivot_table',
    'plot_bars',
    'plot_rate_lines',
    'privacy_table',
    'remove_report_files',
    'summarize',
    'write_report',
)


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
        pyplot()
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
