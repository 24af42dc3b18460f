"""Differential privacy on Adult: MissDiff against TabularARGN, AIM and MST at epsilon 1, 3, 10.

Setting: the Adult benchmark's (``benchmarks/adult_synthesizers.py``): 16,000 training rows and
4,000 test rows of Adult (seed 0), 20% of the training cells hidden completely at random. Every
system fits the same incomplete table with its own defaults, only the privacy budget set, and
samples 16,000 rows:

* ``missdiff``: ``MissDiffSynthesizer(metadata)``, no DP; ``missdiff_dp``: ``epsilon=E``
  (delta 1e-5; see ``docs/privacy.md``);
* ``tabular_argn``: MOSTLY AI's TabularARGN (``mostlyai-engine``), no DP; ``tabular_argn_dp``:
  ``differential_privacy={'max_epsilon': E}`` (its defaults otherwise: delta 1e-5, noise 1.5,
  clipping 1.0, 1.0 of epsilon for its value protection, training stopped when spent);
* ``mst``, ``aim``: the marginal-based synthesizers of ``dpmm`` at (E, 1e-5), run by
  ``benchmarks/dp_marginal.py`` in an environment of their own (``dpmm`` pins numpy 1.26);
  dpmm's 0.1 for binning numbers is inside E; AIM with 100 inference iterations a round
  (:data:`AIM_ITERATIONS`);
* ``real_holdout``: 16,000 other real complete rows, the reference.

Scores: SDMetrics quality against the complete training rows; XGBoost accuracy and AUROC on the
test rows (:func:`sdv_missdiff.evaluation.evaluate_utility`); the privacy report's figures
(:func:`sdv_missdiff.evaluation.privacy_scores` against the complete training rows, the test rows
as holdout, with anonymeter's attacks where it is installed); fit and sample seconds. Every fit
runs in a fresh process under a time limit; a crash or timeout is recorded as such.

Usage (in the environment with ``mostlyai-engine``; ``--dpmm-python`` names the dpmm one)::

    python -m benchmarks.adult_dp --epsilons 1 3 10 \
        --systems missdiff missdiff_dp tabular_argn tabular_argn_dp mst aim real_holdout

Rows are appended to ``benchmarks/results/adult_dp/runs.jsonl``; ``--summarize`` writes
``results.csv`` and ``results.md`` from the newest row of each system, epsilon and fit seed
(``--seed``: the seed of the fit; the split and the holes stay those of seed 0).
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.isolated import run_isolated

RESULTS = Path(__file__).parent / 'results' / 'adult_dp'
SEED = 0
DELTA = 1e-5
MISSING_RATE = 0.2
TIME_LIMIT = 2400
DP_SYSTEMS = ('missdiff_dp', 'tabular_argn_dp', 'mst', 'aim')
SYSTEMS = ('missdiff', 'tabular_argn', *DP_SYSTEMS, 'real_holdout')
DPMM_PYTHON = '/work/.venv-dpmm/bin/python'
# AIM's inference iterations per round: dpmm's default (1,000) takes about 18 s a round and an
# estimated 17 to 25 minutes a fit on this CPU at epsilon 1 (a fit was stopped at 900 s); 100
# fits in about 200 s. The one setting changed from a system's defaults; see the README.
AIM_ITERATIONS = 100
TABLE = 'adult'


def split():
    """``(complete training rows, incomplete training rows, test rows)`` of the setting."""
    from sdv_missdiff.datasets import load_adult_split
    from sdv_missdiff.missingness import simulate_missing

    train, test = load_adult_split(seed=SEED)
    observed = simulate_missing(train, 'mcar_independent', MISSING_RATE, seed=SEED)[0]
    return train, observed, test


def _dpmm_rows(system, epsilon, observed, seed, dpmm_python):
    # dpmm runs in its own environment: the table goes there and back as CSV.
    from sdv_missdiff.datasets import ADULT_NUMERICAL_COLUMNS

    with tempfile.TemporaryDirectory(prefix='dpmm_') as folder:
        train_path, output_path = Path(folder) / 'train.csv', Path(folder) / 'synthetic.csv'
        meta_path = Path(folder) / 'meta.json'
        observed.to_csv(train_path, index=False)
        sdtypes = {
            column: 'numerical' if column in ADULT_NUMERICAL_COLUMNS else 'categorical'
            for column in observed.columns
        }
        meta_path.write_text(json.dumps(sdtypes))
        command = [
            dpmm_python,
            str(Path(__file__).parent / 'dp_marginal.py'),
            '--system', system,
            '--epsilon', str(epsilon),
            '--delta', str(DELTA),
            '--train', str(train_path),
            '--output', str(output_path),
            '--num-rows', str(len(observed)),
            '--seed', str(seed),
            '--metadata', str(meta_path),
        ]  # fmt: skip
        if system == 'aim':
            command += ['--n-iters', str(AIM_ITERATIONS)]

        finished = subprocess.run(command, capture_output=True, text=True, check=False)
        if finished.returncode:
            raise RuntimeError(f'{system} failed: {finished.stderr[-1500:]}')

        report = json.loads(finished.stdout.strip().splitlines()[-1])
        rows = pd.read_csv(output_path)

    for column in observed.columns:
        if pd.api.types.is_numeric_dtype(observed[column]):
            rows[column] = pd.to_numeric(rows[column], errors='coerce')
        else:
            rows[column] = rows[column].astype(object).where(rows[column].notna(), np.nan)

    return rows[list(observed.columns)], report


def _fit_and_sample(system, epsilon, seed, dpmm_python):
    """Fit one system on the incomplete rows and sample 16,000; runs in a fresh process."""
    import torch

    from sdv_missdiff.datasets import get_adult_metadata, load_adult_split

    train, observed, _ = split()
    metadata = get_adult_metadata()
    np.random.seed(seed)
    torch.manual_seed(seed)
    record = {'system': system, 'epsilon': epsilon, 'seed': seed}
    if system == 'real_holdout':
        rows = load_adult_split(len(train) + 4_000, len(train), seed=SEED)[1]
        record.update(fit_seconds=0.0, sample_seconds=0.0)
        return record, rows.reset_index(drop=True)

    if system in ('mst', 'aim'):
        rows, report = _dpmm_rows(system, epsilon, observed, seed, dpmm_python)
        record.update(
            fit_seconds=report.get('fit_s'),
            sample_seconds=report.get('sample_s'),
            notes=report.get('notes'),
        )
        return record, rows

    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        start = time.perf_counter()
        if system.startswith('missdiff'):
            from sdv_missdiff import MissDiffSynthesizer

            private = {'epsilon': epsilon} if system == 'missdiff_dp' else {}
            synthesizer = MissDiffSynthesizer(metadata, **private)
            synthesizer.fit({TABLE: observed})
            record['fit_seconds'] = time.perf_counter() - start
            if private:
                budget = synthesizer.get_privacy_budget()
                record['privacy_budget'] = {
                    key: value for key, value in budget.items() if key != 'bounds'
                }

            start = time.perf_counter()
            rows = synthesizer.sample(len(observed))[TABLE]
        else:
            from sdv_missdiff.benchmark.adapters import TabularARGNSystem

            settings = {'random_state': seed}
            if system == 'tabular_argn_dp':
                # Its analysis step reads the config's attributes: a dict fails there.
                from mostlyai.engine.domain import DifferentialPrivacyConfig

                settings['differential_privacy'] = DifferentialPrivacyConfig(
                    max_epsilon=epsilon, delta=DELTA
                )

            built = TabularARGNSystem(TABLE, settings)
            built.fit(observed)
            record['fit_seconds'] = time.perf_counter() - start
            start = time.perf_counter()
            rows = built.sample(len(observed))

    record['sample_seconds'] = time.perf_counter() - start
    return record, rows


def score(record, rows):
    """Quality, XGBoost utility and the privacy figures of ``rows``."""
    from sdv_missdiff.datasets import get_adult_metadata
    from sdv_missdiff.evaluation import evaluate_utility, privacy_scores, quality_scores
    from sdv_missdiff.evaluation.privacy_attacks import import_anonymeter

    train, _, test = split()
    metadata = get_adult_metadata()
    rows = rows[list(train.columns)].reset_index(drop=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        record['quality'] = quality_scores(train, rows, metadata)['quality']
        utility = evaluate_utility(test, rows, 'income', metadata, models=['xgboost'], seed=SEED)
        scores = utility.scores.set_index('Metric')['Score']
        record['xgboost_accuracy'] = float(scores['accuracy'])
        record['xgboost_auroc'] = float(scores['auroc'])
        attacks = import_anonymeter() is not None
        start = time.perf_counter()
        record.update(privacy_scores(train, rows, test, metadata, attacks=attacks, seed=SEED))
        record['privacy_seconds'] = time.perf_counter() - start

    record['missing_share'] = float(rows.isna().mean().mean())
    return record


def _fit_and_score(system, epsilon, seed, dpmm_python):
    """One fit, sample and score; runs in a fresh process (``isolated.run_isolated``)."""
    return score(*_fit_and_sample(system, epsilon, seed, dpmm_python))


COLUMNS = [
    'epsilon',
    'system',
    'seed',
    'quality',
    'xgboost_accuracy',
    'xgboost_auroc',
    'exact_copy_share',
    'dcr_share',
    'dcr_overfitting_protection',
    'dcr_baseline_protection',
    'nndr_median',
    'singling_out_univariate_risk',
    'linkability_risk',
    'inference_risk',
    'fit_seconds',
    'sample_seconds',
    'error',
]


def summarize(path=RESULTS / 'runs.jsonl'):
    """Write ``results.csv`` and ``results.md``: the newest run of each system, epsilon, seed."""
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    newest = {}
    for record in records:
        newest[(record['system'], record.get('epsilon'), record.get('seed'))] = record

    def order(row):
        epsilon = row.get('epsilon')
        return (
            float('inf') if epsilon is None else epsilon,
            list(SYSTEMS).index(row['system']),
            row.get('seed', 0),
        )

    rows = sorted(newest.values(), key=order)
    frame = pd.DataFrame(rows).reindex(columns=COLUMNS)
    frame.to_csv(RESULTS / 'results.csv', index=False)
    shown = frame.copy()
    shown['epsilon'] = shown['epsilon'].map(lambda value: 'none' if pd.isna(value) else value)
    for column in COLUMNS[3:14]:
        shown[column] = shown[column].map(lambda value: '' if pd.isna(value) else f'{value:.3f}')

    for column in ('fit_seconds', 'sample_seconds'):
        shown[column] = shown[column].map(lambda value: '' if pd.isna(value) else f'{value:.0f}')

    shown['error'] = shown['error'].map(
        lambda value: value if pd.isna(value) else ' '.join(value.split())
    )
    shown = shown.fillna('')
    lines = ['| ' + ' | '.join(COLUMNS) + ' |', '|' + '---|' * len(COLUMNS)]
    lines += ['| ' + ' | '.join(str(value) for value in row) + ' |' for row in shown.values]
    references = [
        '',
        "Unseen real rows (the privacy report's reference, the same for every system):",
        '',
    ]
    reference = next((row for row in rows if 'dcr_share_reference' in row), None)
    if reference is not None:
        for key in COLUMNS[6:14]:
            value = reference.get(f'{key}_reference')
            if value is not None:
                references.append(f'- {key}: {value:.3f}')

    (RESULTS / 'results.md').write_text('\n'.join(lines + references) + '\n')
    return frame


def main(argv=None):
    """Run the systems asked for at every epsilon, one process each, then write the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--systems', nargs='+', default=list(SYSTEMS), choices=SYSTEMS)
    parser.add_argument('--epsilons', nargs='+', type=float, default=[1.0, 3.0, 10.0])
    parser.add_argument('--seed', type=int, default=SEED)
    parser.add_argument('--time-limit', type=int, default=TIME_LIMIT)
    parser.add_argument('--dpmm-python', default=DPMM_PYTHON)
    parser.add_argument('--summarize', action='store_true', help='only write the summary')
    arguments = parser.parse_args(argv)
    RESULTS.mkdir(parents=True, exist_ok=True)
    if not arguments.summarize:
        runs = [
            (system, epsilon)
            for epsilon in arguments.epsilons
            for system in arguments.systems
            if system in DP_SYSTEMS
        ]
        runs += [(system, None) for system in arguments.systems if system not in DP_SYSTEMS]
        for system, epsilon in runs:
            record = run_isolated(
                _fit_and_score,
                (system, epsilon, arguments.seed, arguments.dpmm_python),
                {'system': system, 'epsilon': epsilon, 'seed': arguments.seed},
                arguments.time_limit,
            )
            record['command'] = ' '.join(sys.argv)
            record['threads_env'] = os.environ.get('OMP_NUM_THREADS')
            with open(RESULTS / 'runs.jsonl', 'a') as stream:
                stream.write(json.dumps(record, default=str) + '\n')

            shown = {
                key: record.get(key)
                for key in ('quality', 'xgboost_accuracy', 'dcr_share', 'fit_seconds')
            }
            print(system, epsilon, record.get('error') or shown, flush=True)

    print(summarize().to_string())


if __name__ == '__main__':
    main()
