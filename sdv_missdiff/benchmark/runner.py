"""Run every system on the same masked tables, over mechanisms, rates and seeds."""

import json
import time
import traceback
import warnings

import numpy as np
import pandas as pd
import torch

from sdv_missdiff._validation import check_positive_int
from sdv_missdiff.benchmark.adapters import SystemNotInstalledError
from sdv_missdiff.benchmark.datasets import load_benchmark_dataset
from sdv_missdiff.benchmark.summary import PRIVACY_METRICS
from sdv_missdiff.benchmark.systems import make_system, validate_systems
from sdv_missdiff.evaluation import privacy_scores, score_synthetic
from sdv_missdiff.missingness import MECHANISMS, simulate_missing

RESULT_COLUMNS = (
    'dataset',
    'mechanism',
    'rate',
    'seed',
    'system',
    'status',
    'error',
    'fidelity',
    'column_shapes',
    'column_pair_trends',
    'utility_accuracy',
    'utility_f1',
    'detection_auc',
    'fit_s',
    'sample_s',
    'evaluate_s',
    'train_rows',
    'test_rows',
    'observed_missing_share',
    'complete_rows_share',
    'synthetic_missing_share',
    'settings',
    'traceback',
)
PRIVACY_COLUMNS = tuple(
    name for metric in PRIVACY_METRICS for name in (metric, f'{metric}_reference')
)
"""Columns a run with ``privacy=True`` adds after :data:`RESULT_COLUMNS`: each figure of
:func:`sdv_missdiff.evaluation.privacy_scores` and the same figure for unseen real rows."""


def _log(message):
    print(f'[{time.strftime("%H:%M:%S")}] {message}', flush=True)


def _describe(error):
    return f'{type(error).__name__}: {error}'


def validate_settings(mechanisms, rates, seeds, systems):
    """Raise a ``ValueError`` naming the argument when a benchmark setting is invalid."""
    unknown = [name for name in mechanisms if name not in MECHANISMS]
    if unknown or not mechanisms:
        raise ValueError(
            f"Unknown mechanism(s) {unknown} for 'mechanisms'. Choose among {list(MECHANISMS)}."
        )

    bad_rates = [rate for rate in rates if not 0 < rate < 1]
    if bad_rates or not rates:
        raise ValueError(f"Invalid 'rates' {bad_rates}: every rate must be in (0, 1).")

    check_positive_int('seeds', seeds, error=ValueError)

    if not systems:
        raise ValueError("'systems' is empty: name at least one system.")

    validate_systems(systems)


def fit_system(system, table, seed):
    """Seed torch and numpy with ``seed``, then fit ``system`` on ``table``.

    The generators are seeded after the system is built, right before its fit (MissDiff draws
    its training seed from torch's global generator when it fits), so a fit is repeated
    exactly whatever ran before it.

    Args:
        system (object):
            What :func:`sdv_missdiff.benchmark.systems.make_system` returns.
        table (pandas.DataFrame):
            The training table, NaN where missing.
        seed (int):
            Seed of torch's and numpy's global generators.

    Returns:
        float:
            The wall time of the fit, in seconds.
    """
    torch.manual_seed(seed)
    np.random.seed(seed)
    start = time.perf_counter()
    system.fit(table)
    return time.perf_counter() - start


def sample_system(system, num_rows):
    """Sample ``num_rows`` rows of a fitted system; return them and the wall time in seconds."""
    start = time.perf_counter()
    synthetic = system.sample(num_rows)
    return synthetic, time.perf_counter() - start


def fit_and_sample(system, table, num_rows, seed):
    """Fit a system (:func:`fit_system`) and sample ``num_rows`` rows (:func:`sample_system`).

    Returns:
        tuple[pandas.DataFrame, dict]:
            The synthetic rows and ``{'fit_s': ..., 'sample_s': ...}`` (seconds).
    """
    fit_s = fit_system(system, table, seed)
    synthetic, sample_s = sample_system(system, num_rows)
    return synthetic, {'fit_s': fit_s, 'sample_s': sample_s}


def run_one(name, data, observed, settings, seed, privacy=False):
    """Fit one system on the masked table, sample as many rows and score them.

    Args:
        name (str):
            The system.
        data (dict):
            What :func:`load_benchmark_dataset` returns (complete ``train``, ``test``, ...).
        observed (pandas.DataFrame):
            The masked training table.
        settings (dict):
            Keyword arguments of the system's synthesizer.
        seed (int):
            Seed of torch and numpy before fitting, and of the XGBoost model.
        privacy (bool):
            Also measure the privacy figures of :data:`PRIVACY_COLUMNS` against the complete
            training table, the test rows as the holdout (both complete, so a hole of the
            synthetic rows counts alike on both sides), without anonymeter's attacks. Defaults
            to ``False``.

    Returns:
        dict:
            The measured columns of the run (scores and timings).
    """
    system = make_system(name, data['metadata'], data['table_name'], settings)
    synthetic, timings = fit_and_sample(system, observed, len(data['train']), seed)
    start = time.perf_counter()
    scores = score_synthetic(
        data['train'], synthetic, data['metadata'], data['test'], data['target'], seed=seed
    )
    measured = {}
    if privacy:
        figures = privacy_scores(
            data['train'], synthetic, data['test'], data['metadata'], seed=seed
        )
        measured = {column: figures.get(column, np.nan) for column in PRIVACY_COLUMNS}

    return {
        'fidelity': scores['quality'],
        'column_shapes': scores['column_shapes'],
        'column_pair_trends': scores['column_pair_trends'],
        'utility_accuracy': scores['xgboost_accuracy'],
        'utility_f1': scores['xgboost_f1'],
        'detection_auc': scores['detection_auc'],
        **timings,
        'evaluate_s': time.perf_counter() - start,
        'synthetic_missing_share': scores['synthetic_missing_share'],
        **measured,
    }


def run_benchmark(
    dataset,
    mechanisms,
    rates,
    seeds,
    systems,
    system_settings=None,
    num_rows=None,
    num_test_rows=None,
    on_result=None,
    privacy=False,
):
    """Run every system on every (mechanism, rate, seed) masking of a data set.

    Every system of one (mechanism, rate, seed) fits the same masked table. A system that
    raises is recorded with ``status='failed'`` (or ``'not installed'``), its whole error
    (``'<ExceptionType>: <message>'``) and, for a failure, its traceback; the benchmark goes on.

    Args:
        dataset (str):
            ``'adult'`` or ``'bayesian_network'``.
        mechanisms (list[str]):
            Missingness mechanisms of :func:`sdv_missdiff.missingness.simulate_missing`.
        rates (list[float]):
            Missing rates, each in (0, 1).
        seeds (int):
            Number of seeds (0, 1, ..., seeds - 1): each draws the data, the mask and the model.
        systems (list[str]):
            Systems of :data:`sdv_missdiff.benchmark.systems.SYSTEMS`.
        system_settings (dict or None):
            Per system, the keyword arguments of its synthesizer. Defaults to None.
        num_rows (int or None):
            Training rows. Defaults to None (the data set's paper setting).
        num_test_rows (int or None):
            Test rows. Defaults to None (the data set's paper setting).
        on_result (callable or None):
            Called with the results ``pandas.DataFrame`` so far after every run (to save
            partial results). Defaults to None.
        privacy (bool):
            Also measure the privacy figures of :data:`PRIVACY_COLUMNS` (see :func:`run_one`).
            Defaults to ``False``.

    Returns:
        pandas.DataFrame:
            One row per run, with the columns of :data:`RESULT_COLUMNS` (and, with
            ``privacy``, of :data:`PRIVACY_COLUMNS`).
    """
    validate_settings(mechanisms, rates, seeds, systems)
    columns = list(RESULT_COLUMNS) + (list(PRIVACY_COLUMNS) if privacy else [])
    system_settings = system_settings or {}
    total = len(mechanisms) * len(rates) * seeds * len(systems)
    rows = []
    for seed in range(seeds):
        data = load_benchmark_dataset(dataset, num_rows, num_test_rows, seed=seed)
        for mechanism in mechanisms:
            for rate in rates:
                observed, _ = simulate_missing(data['train'], mechanism, rate, seed=seed)
                setting = {
                    'dataset': dataset,
                    'mechanism': mechanism,
                    'rate': rate,
                    'seed': seed,
                    'train_rows': len(data['train']),
                    'test_rows': len(data['test']),
                    'observed_missing_share': float(observed.isna().to_numpy().mean()),
                    'complete_rows_share': float(observed.notna().all(axis=1).mean()),
                }
                for name in systems:
                    settings = system_settings.get(name, {})
                    label = f'({len(rows) + 1}/{total}) {dataset} {mechanism} {rate} seed {seed}'
                    _log(f'{label} {name}: fitting ...')
                    row = {**setting, 'system': name, 'settings': json.dumps(settings)}
                    try:
                        with warnings.catch_warnings():
                            warnings.simplefilter('ignore')
                            row.update(run_one(name, data, observed, settings, seed, privacy))

                        row['status'] = 'ok'
                        shares = f', DCR share {row["dcr_share"]:.3f}' if privacy else ''
                        _log(
                            f'{label} {name}: fidelity {row["fidelity"]:.4f}, utility '
                            f'{row["utility_accuracy"]:.4f}{shares}, fit {row["fit_s"]:.1f} s'
                        )
                    except SystemNotInstalledError as error:
                        row.update(status='not installed', error=_describe(error))
                        _log(f'{label} {name}: not installed ({row["error"]})')
                    except Exception as error:  # a crashed system is recorded; the rest go on
                        row.update(
                            status='failed',
                            error=_describe(error),
                            traceback=traceback.format_exc(),
                        )
                        _log(f'{label} {name}: FAILED ({row["error"]})')

                    rows.append(row)
                    if on_result is not None:
                        on_result(pd.DataFrame(rows, columns=columns))

    return pd.DataFrame(rows, columns=columns)
