"""PNG plots of the benchmark results; they need matplotlib, imported only when a plot is drawn.

matplotlib is not a dependency of the package: ``pip install 'sdv-missdiff[benchmark]'`` (or
``pip install matplotlib``) installs it. Without it, each plotting function raises an
``ImportError`` that says so, and :func:`sdv_missdiff.benchmark.report.write_report` skips the
plots with :data:`MATPLOTLIB_MISSING`.
"""

import numpy as np

from sdv_missdiff.benchmark.summary import setting_label, summarize, system_order
from sdv_missdiff.benchmark.systems import LABELS

METRICS = {
    'fidelity': 'Fidelity (SDMetrics quality)',
    'utility_accuracy': 'Utility (XGBoost accuracy)',
}
PLOT_FILES = ('scores.png', 'fidelity_vs_rate.png', 'utility_vs_rate.png')
INSTALL_MATPLOTLIB = "pip install 'sdv-missdiff[benchmark]'"
MATPLOTLIB_MISSING = f'Plots skipped: matplotlib is not installed ({INSTALL_MATPLOTLIB}).'


def pyplot():
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
            f'Drawing the benchmark plots needs matplotlib, which is not installed: '
            f'{INSTALL_MATPLOTLIB} (or pip install matplotlib).'
        ) from error

    return plt


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
    plt = pyplot()
    summary = summarize(results)
    settings = list(dict.fromkeys(zip(summary['mechanism'], summary['rate'])))
    systems = system_order(results)
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
        axis.set_xticklabels([setting_label(*setting) for setting in settings], rotation=20)
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
    plt = pyplot()
    summary = summarize(results)
    mechanisms = list(dict.fromkeys(summary['mechanism']))
    figure, axes = plt.subplots(1, len(mechanisms), figsize=(6 * len(mechanisms), 4.5))
    for axis, mechanism in zip(np.atleast_1d(axes), mechanisms):
        for system in system_order(results):
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
