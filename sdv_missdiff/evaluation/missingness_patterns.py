"""Two components of missingness fidelity that look at whole rows, not pairs of columns.

- ``'Missingness Patterns'``: how often each set of missing columns occurs in a row (the
  pattern ``occupation and workclass missing, the rest observed``), compared as a total
  variation distance between the real and synthetic pattern frequencies.
- ``'Missingness Prediction'``: how well the other columns of a row predict that a column is
  missing. A classifier trained on synthetic rows is scored on real rows (AUROC) and compared
  with one trained on other real rows; holes sprinkled at random teach it nothing (0.5), holes
  learned with the row teach it what the real holes depend on.
"""

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

ALL_COLUMNS = '(all columns)'
# Rows each classifier of 'Missingness Prediction' trains on at most, and its boosting rounds:
# enough for a stable AUROC on tables of any size in about a second per column.
_MAX_TRAINING_ROWS = 5_000
_BOOSTING_ROUNDS = 50
# A column whose real holes number fewer than this in either half of the real rows is skipped.
_MIN_HOLES = 10


def pattern_row(real_missing, synthetic_missing):
    """Compare the frequencies of the row patterns of missing cells.

    Args:
        real_missing (pandas.DataFrame):
            0/1 missingness indicators of the real rows, one column per column.
        synthetic_missing (pandas.DataFrame):
            The same for the synthetic rows.

    Returns:
        dict:
            One detail row: ``Real`` and ``Synthetic`` hold the number of distinct patterns,
            ``Score`` is ``1 - TV``, the total variation distance between the two pattern
            distributions.
    """

    def frequencies(missing):
        patterns = missing.astype(int).astype(str).agg(''.join, axis=1)
        return patterns.value_counts(normalize=True)

    real = frequencies(real_missing)
    synthetic = frequencies(synthetic_missing)
    patterns = real.index.union(synthetic.index)
    distance = 0.5 * float(
        (real.reindex(patterns, fill_value=0) - synthetic.reindex(patterns, fill_value=0))
        .abs()
        .sum()
    )
    return {
        'Component': 'Missingness Patterns',
        'Column 1': ALL_COLUMNS,
        'Column 2': None,
        'Real': float(len(real)),
        'Synthetic': float(len(synthetic)),
        'Score': 1.0 - distance,
    }


def _codes(bins, categories):
    """Integer codes of binned columns over fixed categories (unseen bins get -1 -> NaN)."""
    encoded = {}
    for column, values in bins.items():
        codes = pd.Categorical(values, categories=categories[column]).codes.astype(float)
        codes[codes < 0] = np.nan
        encoded[column] = codes

    return pd.DataFrame(encoded)


def _auroc(train_features, train_target, test_features, test_target, seed):
    """AUROC on the test rows of a classifier fitted on the training rows; 0.5 if it cannot be."""
    if train_target.min() == train_target.max():
        return 0.5

    if len(train_target) > _MAX_TRAINING_ROWS:
        keep = np.random.default_rng(seed).choice(
            len(train_target), _MAX_TRAINING_ROWS, replace=False
        )
        train_features = train_features.iloc[keep]
        train_target = train_target[keep]

    classifier = HistGradientBoostingClassifier(
        max_iter=_BOOSTING_ROUNDS,
        categorical_features=np.ones(train_features.shape[1], dtype=bool),
        random_state=seed,
    )
    classifier.fit(train_features, train_target)
    return float(roc_auc_score(test_target, classifier.predict_proba(test_features)[:, 1]))


def prediction_rows(columns, real_missing, synthetic_missing, bins, seed=0):
    """Compare how well the other columns predict each column's holes, real against synthetic.

    The real rows are split in halves (seed ``seed``). For each column with holes in both
    halves, one classifier learns 'is this cell missing' from the other columns of the first
    real half, another from the synthetic rows; both are scored by AUROC on the second half.
    Every column is binned as in 'Missingness Dependence' (its missing cells a bin of their
    own), so the other columns' holes are features too.

    Args:
        columns (list[str]):
            The columns of both tables.
        real_missing (pandas.DataFrame):
            0/1 missingness indicators of the real rows.
        synthetic_missing (pandas.DataFrame):
            The same for the synthetic rows.
        bins (dict):
            Column name to its ``(real_bins, synthetic_bins)`` label Series.
        seed (int):
            Seed of the split and the classifiers. Defaults to 0.

    Returns:
        list[dict]:
            One detail row per column: ``Real`` the real-trained AUROC, ``Synthetic`` the
            synthetic-trained one, ``Score`` ``1 - |Real - Synthetic|``.
    """
    num_real = len(real_missing)
    order = np.random.default_rng(seed).permutation(num_real)
    first, second = order[: num_real // 2], order[num_real // 2 :]
    categories = {column: sorted(set(bins[column][0]) | set(bins[column][1])) for column in bins}
    real_codes = _codes({column: bins[column][0].to_numpy() for column in columns}, categories)
    synthetic_codes = _codes({column: bins[column][1].to_numpy() for column in columns}, categories)
    rows = []
    for column in columns:
        target = real_missing[column].to_numpy().astype(int)
        if min(target[first].sum(), target[second].sum()) < _MIN_HOLES or len(columns) < 2:
            continue

        if target[second].min() == target[second].max():
            continue

        others = [other for other in columns if other != column]
        test_features = real_codes[others].iloc[second]
        real_auroc = _auroc(
            real_codes[others].iloc[first], target[first], test_features, target[second], seed
        )
        synthetic_auroc = _auroc(
            synthetic_codes[others],
            synthetic_missing[column].to_numpy().astype(int),
            test_features,
            target[second],
            seed,
        )
        rows.append(
            {
                'Component': 'Missingness Prediction',
                'Column 1': column,
                'Column 2': None,
                'Real': real_auroc,
                'Synthetic': synthetic_auroc,
                'Score': 1.0 - abs(real_auroc - synthetic_auroc),
            }
        )

    return rows
