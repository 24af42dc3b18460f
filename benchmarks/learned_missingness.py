"""Holes that mean what the real ones mean: learned missingness against its peers.

Settings (``--setting``):

- ``natural``: Adult's own '?' cells. The rows of ``adult.data`` (32,561) are shuffled (seed 0);
  ``--rows`` (16,000) train and the next ``--holdout-rows`` (4,000) are held out. ``workclass``,
  ``occupation`` and ``native-country`` have holes; ``occupation`` is missing in nearly every
  row whose ``workclass`` is, and those rows work fewer hours and earn less.
- ``mar`` and ``mnar_self``: complete Adult rows (``load_adult_split``, seed 0) with holes drawn
  by :func:`sdv_missdiff.missingness.simulate_missing` at ``--rate`` (0.2), the held-out rows
  given the same mechanism with another seed.
- ``penguins``: the Palmer penguins (``palmerpenguins`` package, 344 rows, natural NaN: 11 rows
  without ``sex``, 2 without any measurement), 75% to train and 25% held out.

Every system fits the same incomplete training table and samples as many rows. Each is scored by

- its missing share per column against the real one (relative error);
- on ``natural``: among rows with ``workclass`` missing, the share with ``occupation`` missing,
  their mean ``hours-per-week`` and their share earning '>50K';
- the project's :class:`~sdv_missdiff.evaluation.MissingnessFidelity` against the real training
  table (rates, co-missingness, dependence, row patterns, predictability of the holes);
- SDMetrics quality against the held-out real rows, observed cells only
  (:func:`~sdv_missdiff.evaluation.evaluate_fidelity`);
- fit and sample seconds.

``--samples K`` scores K tables sampled one after the other from each fit and records the mean
of each figure: a share of a few hundred rows (the rows without ``workclass``) moves by several
percent from table to table.

TabularARGN needs ``mostlyai-engine`` (the ``peers`` extra, in an environment of its own); where
it is not installed its row says so.

Usage::

    python -m benchmarks.learned_missingness --setting natural --seeds 0 1

Results: ``benchmarks/results/learned_missingness/<setting>.csv`` (a row per system and seed)
and ``<setting>.md`` (means over seeds).
"""

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sdv.metadata import Metadata

from sdv_missdiff.benchmark.adapters import SystemNotInstalledError
from sdv_missdiff.benchmark.runner import fit_and_sample, sample_system
from sdv_missdiff.benchmark.systems import LABELS, make_system
from sdv_missdiff.datasets import (
    ADULT_TABLE_NAME,
    get_adult_metadata,
    load_adult,
    load_adult_split,
)
from sdv_missdiff.evaluation import evaluate_fidelity, evaluate_missingness_fidelity
from sdv_missdiff.missingness import simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'learned_missingness'
SETTINGS = ('natural', 'mar', 'mnar_self', 'penguins')
SYSTEMS = (
    'missdiff_learned',
    'tabular_argn_holes',
    'missdiff_random',
    'missdiff',
    'gaussian_copula',
    'gaussian_copula_from_column',
)
ADULT_DATA_ROWS = 32_561  # adult.data; the bundled table continues with adult.test
PENGUIN_COLUMNS = {
    'species': 'categorical',
    'island': 'categorical',
    'bill_length_mm': 'numerical',
    'bill_depth_mm': 'numerical',
    'flipper_length_mm': 'numerical',
    'body_mass_g': 'numerical',
    'sex': 'categorical',
    'year': 'numerical',
}


def load_setting(setting, rows, holdout_rows, rate):
    """Return ``(train, holdout, metadata, table_name)``, both tables with their holes."""
    if setting == 'natural':
        data = load_adult().iloc[:ADULT_DATA_ROWS]
        order = np.random.default_rng(0).permutation(len(data))
        train = data.iloc[order[:rows]].reset_index(drop=True)
        holdout = data.iloc[order[rows : rows + holdout_rows]].reset_index(drop=True)
        return train, holdout, get_adult_metadata(), ADULT_TABLE_NAME

    if setting == 'penguins':
        try:
            from palmerpenguins import load_penguins
        except ImportError as error:
            raise SystemExit(
                "The penguins setting needs 'pip install palmerpenguins' (the benchmark extra)."
            ) from error

        data = load_penguins()[list(PENGUIN_COLUMNS)]
        order = np.random.default_rng(0).permutation(len(data))
        cut = int(0.75 * len(data))
        train = data.iloc[order[:cut]].reset_index(drop=True)
        holdout = data.iloc[order[cut:]].reset_index(drop=True)
        columns = {name: {'sdtype': sdtype} for name, sdtype in PENGUIN_COLUMNS.items()}
        metadata = Metadata.load_from_dict({'tables': {'penguins': {'columns': columns}}})
        return train, holdout, metadata, 'penguins'

    complete, complete_holdout = load_adult_split(rows, holdout_rows, seed=0)
    train, _ = simulate_missing(complete, setting, rate, seed=0)
    holdout, _ = simulate_missing(complete_holdout, setting, rate, seed=1)
    return train, holdout, get_adult_metadata(), ADULT_TABLE_NAME


def hole_figures(table, setting):
    """The figures of a table's holes: missing share per column and, on Adult, their meaning."""
    figures = {f'missing_{column}': float(share) for column, share in table.isna().mean().items()}
    if setting == 'natural':
        no_workclass = table[table['workclass'].isna()]
        figures['rows_without_workclass'] = len(no_workclass) / max(len(table), 1)
        if len(no_workclass):
            figures['occupation_missing_given_workclass_missing'] = float(
                no_workclass['occupation'].isna().mean()
            )
            figures['hours_given_workclass_missing'] = float(no_workclass['hours-per-week'].mean())
            figures['rich_given_workclass_missing'] = float(
                (no_workclass['income'] == '>50K').mean()
            )

        # The same agreement read the other way: a model that generates workclass before
        # occupation (TabularARGN's column order) gets the figure above right by construction,
        # and its errors show here.
        no_occupation = table[table['occupation'].isna()]
        if len(no_occupation):
            figures['workclass_missing_given_occupation_missing'] = float(
                no_occupation['workclass'].isna().mean()
            )

    return figures


def missing_share_error(real_figures, synthetic_figures):
    """Largest relative error of the missing share over the columns with real holes."""
    errors = []
    for name, real_share in real_figures.items():
        if name.startswith('missing_') and real_share > 0:
            errors.append(abs(synthetic_figures.get(name, 0.0) - real_share) / real_share)

    return max(errors) if errors else 0.0


def table_scores(synthetic, train, holdout, metadata, setting, real):
    """Every figure of one synthetic table: holes, missingness fidelity and its parts, quality."""
    figures = hole_figures(synthetic, setting)
    fidelity = evaluate_missingness_fidelity(train, synthetic, metadata)
    components = fidelity.components.set_index('Component')['Score']
    scores = dict(figures)
    scores['missing_share_max_rel_error'] = missing_share_error(real, figures)
    scores['missingness_fidelity'] = fidelity.score
    for component, score in components.items():
        scores[f'mf_{component.lower().replace(" ", "_").replace("-", "_")}'] = score

    scores['quality_vs_holdout'] = evaluate_fidelity(holdout, synthetic, metadata).score
    return scores


def mean_scores(tables):
    """The mean of every figure over the scores of several tables (NaN where none has one)."""
    return pd.DataFrame(tables).mean().to_dict()


def run(setting, systems, seeds, rows, holdout_rows, rate, settings_by_system, samples=1):
    """Fit every system for every seed; return one row of numbers per run.

    Each fit samples ``samples`` tables one after the other; the row holds the mean of each
    figure over them (``sample_s`` is the first table's).
    """
    train, holdout, metadata, table_name = load_setting(setting, rows, holdout_rows, rate)
    real = hole_figures(train, setting)
    print(json.dumps({'real': real}, indent=1))
    results = [{'system': 'real', 'seed': None, **real}]
    holdout_figures = hole_figures(holdout, setting)
    reference = {
        'system': 'real_holdout',
        'seed': None,
        **holdout_figures,
        'quality_vs_holdout': evaluate_fidelity(holdout, train, metadata).score,
        'missingness_fidelity': evaluate_missingness_fidelity(train, holdout, metadata).score,
        'missing_share_max_rel_error': missing_share_error(real, holdout_figures),
    }
    results.append(reference)
    for seed in seeds:
        for name in systems:
            row = {'system': name, 'seed': seed}
            try:
                system = make_system(name, metadata, table_name, settings_by_system.get(name))
                with warnings.catch_warnings():
                    warnings.simplefilter('ignore')
                    synthetic, timings = fit_and_sample(system, train, len(train), seed)
                    tables = [synthetic]
                    tables += [sample_system(system, len(train))[0] for _ in range(samples - 1)]
            except SystemNotInstalledError as error:
                row['status'] = f'not installed: {error}'
                results.append(row)
                print(name, row['status'])
                continue

            scores = [table_scores(t, train, holdout, metadata, setting, real) for t in tables]
            row.update(timings)
            row['samples'] = len(tables)
            row['status'] = 'ok'
            row.update(mean_scores(scores))
            results.append(row)
            print(json.dumps(row))

    return pd.DataFrame(results)


SUMMARY_COLUMNS = (
    'missing_share_max_rel_error',
    'occupation_missing_given_workclass_missing',
    'workclass_missing_given_occupation_missing',
    'hours_given_workclass_missing',
    'rich_given_workclass_missing',
    'missingness_fidelity',
    'mf_missing_rate',
    'mf_co_missingness',
    'mf_missingness_dependence',
    'mf_missingness_patterns',
    'mf_missingness_prediction',
    'quality_vs_holdout',
    'fit_s',
    'sample_s',
)


def summarize(results):
    """Markdown table of the means (and spread over seeds) of every system."""
    columns = [column for column in SUMMARY_COLUMNS if column in results.columns]
    lines = [
        '| system | ' + ' | '.join(columns) + ' |',
        '|' + '---|' * (len(columns) + 1),
    ]
    for name, group in results.groupby('system', sort=False):
        cells = []
        for column in columns:
            values = pd.to_numeric(group[column], errors='coerce').dropna()
            if values.empty:
                cells.append('')
            elif len(values) > 1:
                cells.append(f'{values.mean():.3f} +- {values.std():.3f}')
            else:
                cells.append(f'{values.mean():.3f}')

        label = LABELS.get(name, name)
        if 'status' in group and group['status'].astype(str).str.startswith('not installed').any():
            label += ' (not installed)'

        lines.append(f'| {label} | ' + ' | '.join(cells) + ' |')

    return '\n'.join(lines) + '\n'


def main():
    """Run the benchmark from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--setting', choices=SETTINGS, default='natural')
    parser.add_argument('--systems', nargs='+', default=list(SYSTEMS))
    parser.add_argument('--seeds', nargs='+', type=int, default=[0, 1])
    parser.add_argument('--rows', type=int, default=16_000)
    parser.add_argument('--holdout-rows', type=int, default=4_000)
    parser.add_argument('--rate', type=float, default=0.2, help='mar and mnar_self only')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument(
        '--samples',
        type=int,
        default=1,
        help='tables sampled from each fit and scored; figures are their mean (default 1)',
    )
    parser.add_argument('--output', type=Path, default=RESULTS)
    arguments = parser.parse_args()

    torch.set_num_threads(arguments.threads)
    start = time.perf_counter()
    results = run(
        arguments.setting,
        arguments.systems,
        arguments.seeds,
        arguments.rows,
        arguments.holdout_rows,
        arguments.rate,
        {},
        samples=arguments.samples,
    )
    arguments.output.mkdir(parents=True, exist_ok=True)
    name = arguments.setting
    if arguments.setting in ('mar', 'mnar_self'):
        name = f'{arguments.setting}_{arguments.rate}'

    results.to_csv(arguments.output / f'{name}.csv', index=False)
    header = (
        f'# Learned missingness: {name}\n\n'
        f'`python -m benchmarks.learned_missingness {" ".join(__import__("sys").argv[1:])}`; '
        f'{platform.machine()}, {torch.get_num_threads()} torch threads, '
        f'{time.perf_counter() - start:.0f} s in all. Means over seeds {arguments.seeds} '
        '(+- the standard deviation across seeds).\n\n'
    )
    (arguments.output / f'{name}.md').write_text(header + summarize(results))
    print(summarize(results))


if __name__ == '__main__':
    main()
