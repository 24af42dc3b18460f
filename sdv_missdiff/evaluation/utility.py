"""Machine-learning utility: train on synthetic data, test on real data (TSTR)."""

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import (
    CONTINUOUS_SDTYPES,
    DISCRETE_SDTYPES,
    category_label,
    check_same_columns,
    datetime_seconds,
    get_table,
    get_table_metadata,
)

CLASSIFICATION_MODELS = (
    'xgboost',
    'decision_tree',
    'adaboost',
    'logistic_regression',
    'mlp',
    'random_forest',
)
REGRESSION_MODELS = (
    'xgboost',
    'decision_tree',
    'adaboost',
    'linear_regression',
    'mlp',
    'random_forest',
)
CLASSIFICATION_METRICS = ('accuracy', 'f1', 'weighted_f1', 'auroc')
REGRESSION_METRICS = ('rmse', 'r2')
_HIGHER_IS_BETTER = {'accuracy', 'f1', 'weighted_f1', 'auroc', 'r2'}


def _import_xgboost():
    try:
        import xgboost
    except ImportError as error:
        raise ImportError(
            "The 'xgboost' model needs the xgboost package. Install it with "
            "`pip install 'sdv-missdiff[benchmark]'` or leave 'xgboost' out of `models`."
        ) from error

    return xgboost


def _build_model(name, task, seed):
    """Return an unfitted estimator; sklearn models get mean imputation (and scaling) first."""
    from sklearn import ensemble, linear_model, neural_network, tree
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    classification = task == 'classification'
    if name == 'xgboost':
        xgboost = _import_xgboost()
        model_class = xgboost.XGBClassifier if classification else xgboost.XGBRegressor
        return model_class(n_estimators=100, max_depth=6, random_state=seed, n_jobs=1)

    if name == 'decision_tree':
        model_class = tree.DecisionTreeClassifier if classification else tree.DecisionTreeRegressor
        model = model_class(max_depth=20, random_state=seed)
    elif name == 'adaboost':
        model_class = ensemble.AdaBoostClassifier if classification else ensemble.AdaBoostRegressor
        model = model_class(random_state=seed)
    elif name == 'random_forest':
        model_class = (
            ensemble.RandomForestClassifier if classification else ensemble.RandomForestRegressor
        )
        model = model_class(n_estimators=100, max_depth=20, random_state=seed)
    elif name == 'logistic_regression':
        model = make_pipeline(StandardScaler(), linear_model.LogisticRegression(max_iter=500))
    elif name == 'linear_regression':
        model = make_pipeline(StandardScaler(), linear_model.LinearRegression())
    else:  # mlp
        model_class = (
            neural_network.MLPClassifier if classification else neural_network.MLPRegressor
        )
        model = make_pipeline(
            StandardScaler(),
            model_class(hidden_layer_sizes=(100,), max_iter=300, random_state=seed),
        )

    return make_pipeline(SimpleImputer(strategy='mean', keep_empty_features=True), model)


class _FeatureEncoder:
    """Encode features identically for the synthetic training and the real test table.

    Numbers stay numbers (NaN kept), datetimes become seconds, booleans 0/1, and discrete
    columns are one-hot encoded over the union of the categories seen in both tables, with a
    missing value as its own level.
    """

    def __init__(self, sdtypes):
        self.sdtypes = sdtypes

    def fit(self, tables):
        self.categories = {}
        for column, sdtype in self.sdtypes.items():
            if sdtype not in CONTINUOUS_SDTYPES:
                values = pd.concat([self._as_labels(table[column]) for table in tables])
                self.categories[column] = sorted(values.unique().tolist())

        return self

    @staticmethod
    def _as_labels(values):
        labels = values.astype(object).map(category_label, na_action='ignore')
        return labels.where(values.notna(), '<missing>')

    def transform(self, table):
        blocks = []
        for column, sdtype in self.sdtypes.items():
            values = table[column]
            if sdtype == 'datetime':
                blocks.append(datetime_seconds(values).rename(column))
            elif sdtype == 'numerical':
                blocks.append(pd.to_numeric(values.astype(object), errors='coerce').rename(column))
            else:
                labels = pd.Categorical(self._as_labels(values), categories=self.categories[column])
                dummies = pd.get_dummies(labels, prefix=str(column), prefix_sep='=')
                dummies.index = table.index
                blocks.append(dummies.astype(float))

        features = pd.concat(blocks, axis=1).astype(float)
        features.columns = [f'f{position}' for position in range(features.shape[1])]
        return features.to_numpy()


@dataclass
class UtilityResult:
    """Result of :func:`evaluate_utility`.

    Attributes:
        scores (pandas.DataFrame):
            Tidy table with one row per model, training data and metric: columns ``Model``,
            ``Trained On`` (``'synthetic'`` or ``'real'``), ``Metric`` and ``Score``.
        task (str):
            ``'classification'`` or ``'regression'``.
        target (str):
            The target column.
    """

    scores: pd.DataFrame
    task: str
    target: str

    def summary(self):
        """Return a wide table: one row per model, one column per (training data, metric)."""
        return self.scores.pivot_table(
            index='Model', columns=['Trained On', 'Metric'], values='Score', sort=False
        )

    def get_visualization(self, metric=None):
        """Bar chart of one metric per model, synthetic-trained next to real-trained.

        Args:
            metric (str or None):
                Metric to plot. Defaults to None (accuracy for classification, r2 for
                regression).

        Returns:
            plotly.graph_objects.Figure:
                The bar chart.
        """
        import plotly.express as px

        metric = metric or ('accuracy' if self.task == 'classification' else 'r2')
        available = self.scores['Metric'].unique().tolist()
        if metric not in available:
            raise ValueError(
                f'Unknown metric {metric!r} for this result. Choose one of {available}.'
            )

        data = self.scores[self.scores['Metric'] == metric]
        figure = px.bar(
            data,
            x='Model',
            y='Score',
            color='Trained On',
            barmode='group',
            color_discrete_map={'synthetic': '#01E0C9', 'real': '#000036'},
            title=f'ML utility on the real test data: {metric} for target {self.target!r}',
        )
        direction = 'higher' if metric in _HIGHER_IS_BETTER else 'lower'
        figure.update_layout(yaxis_title=f'{metric} ({direction} is better)', plot_bgcolor='white')
        return figure


def _infer_task(target, sdtype, task):
    if task is not None:
        if task not in ('classification', 'regression'):
            raise ValueError(
                f"`task` must be 'classification', 'regression' or None, got {task!r}."
            )

        return task

    if sdtype in DISCRETE_SDTYPES:
        return 'classification'

    if sdtype == 'numerical':
        return 'regression'

    raise ValueError(
        f'Target column {target!r} has sdtype {sdtype!r}; utility needs a categorical, boolean, '
        "ordinal or numerical target. Pass task='classification' or task='regression' to force one."
    )


def _classification_scores(model, features, labels, classes):
    from sklearn.metrics import accuracy_score, f1_score, roc_auc_score

    predicted = classes[model.predict(features).astype(int)]
    probabilities = pd.DataFrame(model.predict_proba(features), columns=classes)
    present = np.unique(labels)
    if len(present) == 2:
        counts = pd.Series(labels).value_counts()
        positive = counts.index[-1] if counts.iloc[0] != counts.iloc[-1] else present[-1]
        f1 = f1_score(labels == positive, predicted == positive, zero_division=0)
    else:
        f1 = f1_score(labels, predicted, average='macro', zero_division=0)

    scores = {
        'accuracy': accuracy_score(labels, predicted),
        'f1': f1,
        'weighted_f1': f1_score(labels, predicted, average='weighted', zero_division=0),
    }
    aligned = probabilities.reindex(columns=present, fill_value=0.0).to_numpy()
    if len(present) < 2:
        scores['auroc'] = np.nan
    elif len(present) == 2:
        scores['auroc'] = roc_auc_score(labels == present[1], aligned[:, 1])
    else:
        totals = aligned.sum(axis=1, keepdims=True)
        aligned = np.where(totals > 0, aligned / np.where(totals > 0, totals, 1), 1 / len(present))
        scores['auroc'] = roc_auc_score(
            labels, aligned, multi_class='ovr', average='weighted', labels=present
        )

    return scores


def _regression_scores(model, features, values):
    from sklearn.metrics import mean_squared_error, r2_score

    predicted = model.predict(features)
    return {
        'rmse': float(np.sqrt(mean_squared_error(values, predicted))),
        'r2': r2_score(values, predicted),
    }


def _fit_and_score(name, task, seed, train, test, encoder, target):
    features_train = encoder.transform(train)
    features_test = encoder.transform(test)
    model = _build_model(name, task, seed)
    if task == 'classification':
        train_labels = _FeatureEncoder._as_labels(train[target]).to_numpy()
        test_labels = _FeatureEncoder._as_labels(test[target]).to_numpy()
        classes, codes = np.unique(train_labels, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f'The training data has a single value {classes.tolist()} in target column '
                f'{target!r}, so no classifier can be trained. Sample more synthetic rows.'
            )

        model.fit(features_train, codes)
        return _classification_scores(model, features_test, test_labels, classes)

    model.fit(features_train, train[target].astype(float).to_numpy())
    return _regression_scores(model, features_test, test[target].astype(float).to_numpy())


def evaluate_utility(
    real_data,
    synthetic_data,
    target,
    metadata=None,
    models=None,
    task=None,
    real_train_data=None,
    seed=0,
):
    """Train models on synthetic data and score them on real data (TSTR).

    Classification (categorical, boolean or ordinal target) reports accuracy, F1, weighted F1
    and AUROC; regression (numerical target) reports RMSE and R2. F1 is the F1 of the minority
    class of the real test data when it has two classes, else the macro F1; AUROC is one-vs-rest
    weighted by support for more than two classes. Rows whose target is missing are dropped from
    both tables. Missing feature values are kept: XGBoost handles them natively, and the
    scikit-learn models impute them with the training-side mean inside their pipeline (so the
    real test rows are imputed with the synthetic means). Discrete features are one-hot encoded
    over the union of the categories of both tables, a missing value being its own level.

    Args:
        real_data (pandas.DataFrame or dict):
            The real test table (it may contain missing values).
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table to train on.
        target (str):
            Target column.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table, which gives the target's sdtype. Defaults to None
            (detected from ``real_data``).
        models (list[str] or None):
            Models to train, among ``'xgboost'``, ``'decision_tree'``, ``'adaboost'``,
            ``'logistic_regression'`` (classification) or ``'linear_regression'``
            (regression), ``'mlp'`` and ``'random_forest'``. Defaults to None (all of them).
        task (str or None):
            ``'classification'`` or ``'regression'`` to override the target's sdtype.
            Defaults to None.
        real_train_data (pandas.DataFrame or dict or None):
            Real training rows, disjoint from ``real_data``: when given, every model is also
            trained on them, as the train-on-real reference. Defaults to None.
        seed (int):
            Random state of the models. Defaults to 0.

    Returns:
        UtilityResult:
            The tidy scores, with ``summary()`` and ``get_visualization()``.
    """
    real_data = get_table(real_data, 'real_data')
    synthetic_data = get_table(synthetic_data, 'synthetic_data')
    check_same_columns(real_data, synthetic_data)
    if target not in real_data.columns:
        raise ValueError(
            f'Target column {target!r} is not in the data. Choose one of {list(real_data.columns)}.'
        )

    table_metadata = get_table_metadata(real_data, metadata)
    columns_metadata = table_metadata['columns']
    task = _infer_task(target, columns_metadata[target].get('sdtype'), task)
    allowed = CLASSIFICATION_MODELS if task == 'classification' else REGRESSION_MODELS
    models = list(allowed) if models is None else list(models)
    unknown = [name for name in models if name not in allowed]
    if unknown or not models:
        raise ValueError(f'Unknown models {unknown} for {task}. Choose among {list(allowed)}.')

    key_sdtypes = {'id'}
    sdtypes = {
        column: columns_metadata[column].get('sdtype')
        for column in real_data.columns
        if column != target
        and columns_metadata[column].get('sdtype') not in key_sdtypes
        and columns_metadata[column].get('pii') is not True
        and columns_metadata[column].get('sdtype') in CONTINUOUS_SDTYPES | DISCRETE_SDTYPES
    }
    tables = {'synthetic': synthetic_data[list(real_data.columns)]}
    if real_train_data is not None:
        real_train_data = get_table(real_train_data, 'real_train_data')
        check_same_columns(real_data, real_train_data)
        tables['real'] = real_train_data[list(real_data.columns)]

    tables = {name: table[table[target].notna()] for name, table in tables.items()}
    test = real_data[real_data[target].notna()]
    if test.empty:
        raise ValueError(f'Every value of target column {target!r} is missing in `real_data`.')

    encoder = _FeatureEncoder(sdtypes).fit([test, *tables.values()])
    rows = []
    for trained_on, train in tables.items():
        if train.empty:
            raise ValueError(
                f'Every value of target column {target!r} is missing in the {trained_on} data.'
            )

        for name in models:
            scores = _fit_and_score(name, task, seed, train, test, encoder, target)
            rows.extend(
                {'Model': name, 'Trained On': trained_on, 'Metric': metric, 'Score': float(value)}
                for metric, value in scores.items()
            )

    return UtilityResult(scores=pd.DataFrame(rows), task=task, target=target)
