"""Detection: can a classifier tell the synthetic rows from real ones it has not seen?

The stricter score of recent tabular-generation papers (TabSyn, TabDiff): an XGBoost classifier
learns to tell held-out real rows from as many synthetic rows, cross-validated; its AUC is 0.5
when it cannot tell them apart and 1.0 when it always can. Missing cells stay missing (XGBoost
routes them) and each column with holes also gives the classifier a missing-indicator feature,
so a wrong share or pattern of holes is found as surely as a wrong value.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import (
    category_label,
    check_same_columns,
    datetime_seconds,
    get_table,
    get_table_metadata,
)

# The classifier of the score: the setting the detection papers and issue 34 use.
NUM_TREES = 200
MAX_DEPTH = 4


@dataclass
class DetectionResult:
    """Result of :func:`evaluate_detection`.

    Attributes:
        auc (float):
            Mean cross-validated AUC of telling synthetic from real rows: 0.5 is the floor (the
            classifier cannot tell them apart), 1.0 means every row is told apart.
        auc_std (float):
            Standard deviation of the AUC over the folds.
        fold_aucs (list[float]):
            AUC of each fold.
        num_rows (int):
            Rows of each side (real and synthetic) the classifier saw.
        importances (pandas.DataFrame):
            One row per column, most used first: ``Column``, ``Importance`` (its share of the
            classifier's total gain, over values and holes), ``Values`` and ``Holes`` (the
            shares of its values and of its missing-indicator). A number's holes may also be
            used through the number's own missing branch, which counts under ``Values``.
    """

    auc: float
    auc_std: float
    fold_aucs: list
    num_rows: int
    importances: pd.DataFrame

    def top_columns(self, count=5):
        """The ``count`` columns the classifier used most, as ``{column: share}``."""
        top = self.importances.head(count)
        return dict(zip(top['Column'], top['Importance'].round(3)))


def _features(tables, sdtypes):
    """Encode the real and synthetic rows alike: numbers, seconds, categories, hole flags.

    Returns the features and, for each, its ``(column, 'Values' or 'Holes')``.
    """
    blocks = {}
    owners = []
    for column, sdtype in sdtypes.items():
        columns = [table[column] for table in tables]
        if sdtype == 'numerical':
            values = [pd.to_numeric(part.astype(object), errors='coerce') for part in columns]
        elif sdtype == 'datetime':
            values = [datetime_seconds(part) for part in columns]
        else:
            labels = [
                part.astype(object).map(category_label, na_action='ignore') for part in columns
            ]
            levels = sorted(set().union(*(set(label.dropna()) for label in labels)))
            values = [
                pd.Series(pd.Categorical(label, categories=levels), index=label.index)
                for label in labels
            ]

        # XGBoost's feature names may not hold every column name: features are named by position.
        blocks[f'f{len(blocks)}'] = pd.concat(values, ignore_index=True)
        owners.append((column, 'Values'))
        holes = pd.concat([part.isna() for part in columns], ignore_index=True)
        if holes.any():
            blocks[f'f{len(blocks)}'] = holes.astype(float)
            owners.append((column, 'Holes'))

    return pd.DataFrame(blocks), owners


def _importances(gains, owners, columns):
    shares = pd.DataFrame(0.0, index=list(columns), columns=['Values', 'Holes'])
    total = sum(gains.values()) or 1.0
    for position, (column, kind) in enumerate(owners):
        shares.loc[column, kind] += gains.get(f'f{position}', 0.0) / total

    shares.insert(0, 'Importance', shares['Values'] + shares['Holes'])
    shares = shares.sort_values('Importance', ascending=False, kind='stable')
    return shares.rename_axis('Column').reset_index()


def evaluate_detection(
    real_data, synthetic_data, metadata=None, columns=None, num_folds=5, seed=0, n_jobs=1
):
    """Cross-validated AUC of an XGBoost classifier telling synthetic rows from real ones.

    Pass real rows the synthesizer did not train on (a held-out split): training rows a
    synthesizer copied would look real. Both sides are cut to the same number of rows (a seeded
    draw from the longer one). Numbers and datetimes are features as they are, missing where
    missing; every other column is a native XGBoost category over the levels of both tables, so
    a level only one side has (another format, a faked value) is a level the classifier can
    use. Each column with a hole on either side adds a 0/1 missing-indicator. XGBoost has 200
    trees of depth 4; folds are stratified.

    A sample of real training rows of the same size scored against the same held-out rows gives
    the floor of a table (about 0.5): report it beside the synthetic score.

    Args:
        real_data (pandas.DataFrame or dict):
            Real rows the synthesizer did not see.
        synthetic_data (pandas.DataFrame or dict):
            Synthetic rows, with the same columns.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table (the sdtype of each column). Defaults to None (detected
            from ``real_data``).
        columns (list[str] or None):
            Columns the classifier may use, for example the columns a synthesizer learns
            rather than fakes. Defaults to None (every column but those of sdtype ``'id'``,
            unique by design).
        num_folds (int):
            Cross-validation folds. Defaults to 5.
        seed (int):
            Seed of the row draw, the folds and XGBoost. Defaults to 0.
        n_jobs (int):
            XGBoost threads. Defaults to 1.

    Returns:
        DetectionResult:
            The AUC, its spread over the folds and what the classifier used.

    Raises:
        ValueError:
            If the tables differ in columns, ``columns`` names a column they lack, or a side has
            fewer rows than ``num_folds``.
    """
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    from sdv_missdiff.evaluation.utility import _import_xgboost

    real = get_table(real_data, 'real_data')
    synthetic = get_table(synthetic_data, 'synthetic_data')
    check_same_columns(real, synthetic)
    table_metadata = get_table_metadata(real, metadata)['columns']
    if columns is None:
        # An id is unique by design: its values tell nothing of the rows, only of their origin.
        columns = [
            column for column in real.columns if table_metadata[column].get('sdtype') != 'id'
        ]
    else:
        unknown = [column for column in columns if column not in real.columns]
        if unknown:
            raise ValueError(
                f'`columns` names {unknown}, which the tables lack. Choose among '
                f'{list(real.columns)}.'
            )

        columns = list(columns)

    if not columns:
        raise ValueError(
            '`columns` is empty: name at least one column for the classifier (columns of sdtype '
            "'id' are left out unless named)."
        )

    num_rows = min(len(real), len(synthetic))
    if num_rows < num_folds:
        raise ValueError(
            f'Detection needs at least num_folds={num_folds} rows on each side; got '
            f'{len(real)} real and {len(synthetic)} synthetic rows.'
        )

    sdtypes = {column: table_metadata[column].get('sdtype') for column in columns}
    rng = np.random.default_rng(seed)
    parts = [
        table[columns].iloc[np.sort(rng.choice(len(table), num_rows, replace=False))]
        for table in (real, synthetic)
    ]
    features, owners = _features(parts, sdtypes)
    labels = np.repeat([0, 1], num_rows)

    xgboost = _import_xgboost()
    folds = StratifiedKFold(n_splits=num_folds, shuffle=True, random_state=seed)
    aucs = []
    gains = {}
    for train, test in folds.split(features, labels):
        classifier = xgboost.XGBClassifier(
            n_estimators=NUM_TREES,
            max_depth=MAX_DEPTH,
            tree_method='hist',
            enable_categorical=True,
            random_state=seed,
            n_jobs=n_jobs,
        )
        classifier.fit(features.iloc[train], labels[train])
        scores = classifier.predict_proba(features.iloc[test])[:, 1]
        aucs.append(float(roc_auc_score(labels[test], scores)))
        booster = classifier.get_booster()
        for feature, gain in booster.get_score(importance_type='total_gain').items():
            gains[feature] = gains.get(feature, 0.0) + gain

    return DetectionResult(
        auc=float(np.mean(aucs)),
        auc_std=float(np.std(aucs)),
        fold_aucs=aucs,
        num_rows=num_rows,
        importances=_importances(gains, owners, columns),
    )
