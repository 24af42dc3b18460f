"""Where XGBoost utility is lost on Adult: in the generated rows, or in the label given the row.

Same setting as ``benchmarks/adult_synthesizers.py`` (16,000 complete training rows and 4,000
test rows of Adult, seed 0, 20% of the training cells hidden MCAR-independently). One MissDiff
fit per fit seed samples ``--samples`` tables of 16,000 rows; an XGBoost model trained on the
complete training rows (the "real model") then separates the two things a synthetic table must
get right for a classifier trained on it:

- ``synthetic``: XGBoost trained on the synthetic rows, accuracy and AUROC on the test rows
  (the adult benchmark's utility);
- ``synthetic rows, real labels``: the same, with each synthetic row's ``income`` redrawn from
  the real model's probability for that row. If this matches ``real rows, real labels`` (the
  complete training rows relabelled the same way), the generated features are as good as real
  ones for the classifier and all that is lost is in the generated label;
- ``real model on synthetic rows``: how well the generated labels follow the real relationship
  (accuracy and log-loss of the real model on the synthetic rows; on real test rows it scores
  the ``real model on test rows`` line);
- ``MissDiff's conditional``: ``impute`` asked for ``income`` of the test rows given their other
  columns (``point_estimate=True``, the most likely level): the conditional the generator
  holds, as a classifier.

Usage::

    python -m benchmarks.utility_diagnosis --fit-seeds 0 1 --samples 3
    python -m benchmarks.utility_diagnosis --missdiff-arguments '{"categorical_weight": 1}'

Results go to ``benchmarks/results/utility_diagnosis/`` (``results.csv``, appended to, and
``README.md`` holds the notes).
"""

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import accuracy_score, log_loss, roc_auc_score

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.benchmark.systems import missdiff_arguments
from sdv_missdiff.datasets import ADULT_TABLE_NAME, get_adult_metadata, load_adult_split
from sdv_missdiff.evaluation.utility import _build_model
from sdv_missdiff.missingness import simulate_missing

RESULTS = Path(__file__).parent / 'results' / 'utility_diagnosis'
TARGET = 'income'
POSITIVE = '>50K'


def _features(tables):
    """One-hot features of every table, with the columns of all of them (target left out)."""
    frames = [table.drop(columns=[TARGET]) for table in tables]
    encoded = pd.get_dummies(pd.concat(frames, keys=range(len(frames))), dtype=float)
    return [encoded.xs(key).to_numpy() for key in range(len(frames))]


def _labels(table):
    return (table[TARGET] == POSITIVE).to_numpy().astype(int)


def _xgboost(seed):
    # The very model evaluate_utility trains, so the figures compare with the adult benchmark's.
    return _build_model('xgboost', 'classification', seed)


def _trained_on(features, labels, test_features, test_labels):
    model = _xgboost(0).fit(features, labels)
    probability = model.predict_proba(test_features)[:, 1]
    return {
        'accuracy': accuracy_score(test_labels, probability > 0.5),
        'auroc': roc_auc_score(test_labels, probability),
    }


def diagnose_table(synthetic, complete, test, real_model, rng):
    """Scores of one synthetic table (see the module docstring)."""
    synthetic_x, complete_x, test_x = _features([synthetic, complete, test])
    synthetic_y, test_y = _labels(synthetic), _labels(test)
    real_on_synthetic = real_model.predict_proba(synthetic_x)[:, 1]
    relabelled = (rng.random(len(synthetic)) < real_on_synthetic).astype(int)
    rows = {
        'synthetic': _trained_on(synthetic_x, synthetic_y, test_x, test_y),
        'synthetic rows, real labels': _trained_on(synthetic_x, relabelled, test_x, test_y),
    }
    rows['real model on synthetic rows'] = {
        'accuracy': accuracy_score(synthetic_y, real_on_synthetic > 0.5),
        'auroc': roc_auc_score(synthetic_y, real_on_synthetic),
        'log_loss': log_loss(synthetic_y, real_on_synthetic),
    }
    return rows


def reference_rows(complete, test, rng):
    """The real model on test rows, and real rows relabelled by it (the ceiling of the swap)."""
    complete_x, test_x = _features([complete, test])
    complete_y, test_y = _labels(complete), _labels(test)
    real_model = _xgboost(0).fit(complete_x, complete_y)
    on_test = real_model.predict_proba(test_x)[:, 1]
    on_complete = real_model.predict_proba(complete_x)[:, 1]
    relabelled = (rng.random(len(complete)) < on_complete).astype(int)
    rows = {
        'real model on test rows': {
            'accuracy': accuracy_score(test_y, on_test > 0.5),
            'auroc': roc_auc_score(test_y, on_test),
            'log_loss': log_loss(test_y, on_test),
        },
        'real rows, real labels': _trained_on(complete_x, relabelled, test_x, test_y),
    }
    return real_model, rows


def conditional_accuracy(synthesizer, test, complete):
    """Accuracy of ``impute``'s most likely ``income`` of the test rows given their other cells.

    Test rows with a category the training rows lack are left out (``impute`` refuses levels
    it never saw; none are at Adult's 16,000 rows).
    """
    seen = pd.Series(True, index=test.index)
    for column in test.select_dtypes(include='object').columns:
        seen &= test[column].isin(complete[column].unique())

    test = test[seen]
    hidden = test.copy()
    hidden[TARGET] = np.nan
    synthesizer.set_random_state(0)
    guessed = synthesizer.impute(hidden, point_estimate=True)
    return float((guessed[TARGET].to_numpy() == test[TARGET].to_numpy()).mean())


def main(argv=None):
    """Fit, sample, diagnose and append to ``results.csv``."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--fit-seeds', nargs='+', type=int, default=[0])
    parser.add_argument('--rows', type=int, default=16_000)
    parser.add_argument('--test-rows', type=int, default=4_000)
    parser.add_argument('--samples', type=int, default=3)
    parser.add_argument('--missdiff-arguments', default='{}')
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--output', type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    arguments = json.loads(args.missdiff_arguments)
    torch.set_num_threads(args.threads)
    warnings.filterwarnings('ignore')
    complete, test = load_adult_split(args.rows, args.test_rows, seed=0)
    observed, _ = simulate_missing(complete, 'mcar_independent', 0.2, seed=0)
    metadata = get_adult_metadata()
    rng = np.random.default_rng(0)
    real_model, reference = reference_rows(complete, test, rng)
    records = [
        {'fit_seed': None, 'table': None, 'measure': name, **scores}
        for name, scores in reference.items()
    ]
    for fit_seed in args.fit_seeds:
        synthesizer = MissDiffSynthesizer(
            metadata, enable_gpu=False, **missdiff_arguments(arguments)
        )
        torch.manual_seed(fit_seed)
        start = time.perf_counter()
        synthesizer.fit({ADULT_TABLE_NAME: observed})
        fit_seconds = time.perf_counter() - start
        records.append(
            {
                'fit_seed': fit_seed,
                'table': None,
                'measure': "MissDiff's conditional",
                'accuracy': conditional_accuracy(synthesizer, test, complete),
                'fit_s': fit_seconds,
            }
        )
        synthesizer.set_random_state(0)
        for table in range(args.samples):
            synthetic = synthesizer.sample(len(complete))[ADULT_TABLE_NAME]
            scores = diagnose_table(synthetic, complete, test, real_model, rng)
            for name, values in scores.items():
                records.append({'fit_seed': fit_seed, 'table': table, 'measure': name, **values})

            print(json.dumps({'fit_seed': fit_seed, 'table': table, **scores}), flush=True)

    results = pd.DataFrame(records)
    results.insert(0, 'missdiff_arguments', json.dumps(arguments, sort_keys=True))
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / 'results.csv'
    results.to_csv(path, mode='a', header=not path.exists(), index=False)
    summary = results.groupby('measure', sort=False)[['accuracy', 'auroc', 'log_loss']].mean()
    print(summary.round(4).to_string())
    return results


if __name__ == '__main__':
    main()
