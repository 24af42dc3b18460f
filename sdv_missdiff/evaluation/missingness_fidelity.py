"""Missingness fidelity: is the missing-value pattern, and what it depends on, reproduced?"""

import itertools
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sdmetrics.goal import Goal
from sdmetrics.single_table.base import SingleTableMetric

from sdv_missdiff.evaluation._utils import (
    CONTINUOUS_SDTYPES,
    check_same_columns,
    get_table,
    get_table_metadata,
)
from sdv_missdiff.evaluation.missingness_patterns import pattern_row, prediction_rows

COMPONENTS = (
    'Missing Rate',
    'Co-Missingness',
    'Missingness Dependence',
    'Missingness Patterns',
    'Missingness Prediction',
)
_NUM_BINS = 5
_MAX_CATEGORIES = 10
_MISSING_BIN = '<missing>'
_OTHER_BIN = '<other>'


def _column_sdtypes(data, metadata):
    """Return ``{column: sdtype}`` from metadata, or from the dtypes when metadata is None."""
    if metadata is not None:
        columns = get_table_metadata(data, metadata)['columns']
        return {column: columns[column].get('sdtype') for column in data.columns}

    sdtypes = {}
    for column in data.columns:
        dtype = data[column].dtype
        if pd.api.types.is_bool_dtype(dtype) or isinstance(dtype, pd.CategoricalDtype):
            sdtypes[column] = 'categorical'
        elif pd.api.types.is_numeric_dtype(dtype):
            sdtypes[column] = 'numerical'
        elif pd.api.types.is_datetime64_any_dtype(dtype):
            sdtypes[column] = 'datetime'
        else:
            sdtypes[column] = 'categorical'

    return sdtypes


def _indicator_correlation(first, second):
    """Pearson correlation of two 0/1 vectors; 0 when either is constant."""
    if first.std() == 0 or second.std() == 0:
        return 0.0

    return float(np.corrcoef(first, second)[0, 1])


def _bin_column(real_values, synthetic_values, sdtype):
    """Bin one column identically in both tables, missing values in their own bin."""
    if sdtype in CONTINUOUS_SDTYPES:
        if sdtype == 'datetime':
            real_values = pd.to_datetime(real_values, errors='coerce').astype('int64')
            synthetic_values = pd.to_datetime(synthetic_values, errors='coerce').astype('int64')

        real_numbers = pd.to_numeric(real_values.astype(object), errors='coerce').astype(float)
        synthetic_numbers = pd.to_numeric(synthetic_values.astype(object), errors='coerce')
        synthetic_numbers = synthetic_numbers.astype(float)
        observed = real_numbers.dropna()
        edges = np.unique(np.quantile(observed, np.linspace(0, 1, _NUM_BINS + 1)[1:-1]))
        if observed.empty:
            edges = np.array([])

        def to_bins(numbers):
            labels = np.digitize(numbers.to_numpy(), edges).astype(str).astype(object)
            return pd.Series(np.where(numbers.isna(), _MISSING_BIN, labels), index=numbers.index)

        return to_bins(real_numbers), to_bins(synthetic_numbers)

    real_labels = real_values.astype(object).where(real_values.notna(), _MISSING_BIN).astype(str)
    synthetic_labels = synthetic_values.astype(object)
    synthetic_labels = synthetic_labels.where(synthetic_values.notna(), _MISSING_BIN).astype(str)
    kept = set(real_labels.value_counts().index[:_MAX_CATEGORIES]) | {_MISSING_BIN}
    return (
        real_labels.where(real_labels.isin(kept), _OTHER_BIN),
        synthetic_labels.where(synthetic_labels.isin(kept), _OTHER_BIN),
    )


def _dependence_row(column, other, real_missing, synthetic_missing, real_bins, synthetic_bins):
    """Compare the missing rate of ``column`` within the bins of ``other``."""
    real_rates = real_missing.groupby(real_bins).mean()
    weights = real_bins.value_counts(normalize=True).reindex(real_rates.index)
    synthetic_rates = synthetic_missing.groupby(synthetic_bins).mean()
    synthetic_weights = synthetic_bins.value_counts(normalize=True)
    # A bin the synthetic data never visits gets the synthetic overall rate (no dependence).
    aligned = synthetic_rates.reindex(real_rates.index).fillna(synthetic_missing.mean())
    score = 1.0 - float((weights * (real_rates - aligned).abs()).sum())
    real_strength = float((weights * (real_rates - real_missing.mean()).abs()).sum())
    synthetic_strength = float(
        (synthetic_weights * (synthetic_rates - synthetic_missing.mean()).abs()).sum()
    )
    return {
        'Component': 'Missingness Dependence',
        'Column 1': column,
        'Column 2': other,
        'Real': real_strength,
        'Synthetic': synthetic_strength,
        'Score': min(max(score, 0.0), 1.0),
    }


def missingness_details(real_data, synthetic_data, metadata=None):
    """Compute the per-column and per-pair rows of the missingness-fidelity metric.

    Five components, each scored in [0, 1] per row (1 = reproduced exactly):

    * ``'Missing Rate'`` (one row per column): ``1 - |rate_real - rate_synthetic|``.
    * ``'Co-Missingness'`` (one row per pair of columns with missing values in the real data):
      ``1 - |corr_real - corr_synthetic| / 2``, ``corr`` the Pearson correlation of the two
      missingness indicators (0 when an indicator is constant).
    * ``'Missingness Dependence'`` (one row per ordered pair: a column with missing values in the
      real data, and any other column): the other column is binned (quintiles of its real values
      for numbers and datetimes, its 10 most frequent real categories plus 'other' for discrete
      columns, and a bin for its missing values), and the score is
      ``1 - sum_k w_k |p_real(k) - p_synthetic(k)|``, ``p(k)`` the first column's missing rate
      in bin ``k`` and ``w_k`` the real share of the bin. ``Real`` and ``Synthetic`` hold the
      strength of the dependence, ``sum_k w_k |p(k) - p|``, in each table.
    * ``'Missingness Patterns'`` (one row): ``1 - TV`` between the real and synthetic
      frequencies of the row patterns (which set of columns is missing in a row); ``Real`` and
      ``Synthetic`` hold the number of distinct patterns.
    * ``'Missingness Prediction'`` (one row per column with holes in the real data): how well
      the other columns (binned as above, holes included) predict that the column is missing,
      as the AUROC on half of the real rows of a classifier trained on the other half
      (``Real``) and of one trained on the synthetic rows (``Synthetic``); the score is
      ``1 - |Real - Synthetic|``. Holes sprinkled at random score about 0.5 when the real
      holes are predictable.

    Args:
        real_data (pandas.DataFrame):
            The real, incomplete table.
        synthetic_data (pandas.DataFrame):
            The synthetic table.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table, for the sdtypes. Defaults to None (from the dtypes).

    Returns:
        pandas.DataFrame:
            Columns ``Component``, ``Column 1``, ``Column 2``, ``Real``, ``Synthetic``, ``Score``.
    """
    real_data = get_table(real_data, 'real_data')
    synthetic_data = get_table(synthetic_data, 'synthetic_data')
    check_same_columns(real_data, synthetic_data)
    sdtypes = _column_sdtypes(real_data, metadata)
    columns = [column for column in real_data.columns if sdtypes[column] not in ('id',)]
    real_missing = real_data[columns].isna().astype(float)
    synthetic_missing = synthetic_data[columns].isna().astype(float)
    rows = []
    for column in columns:
        real_rate = real_missing[column].mean() if len(real_missing) else 0.0
        synthetic_rate = synthetic_missing[column].mean() if len(synthetic_missing) else 0.0
        rows.append(
            {
                'Component': 'Missing Rate',
                'Column 1': column,
                'Column 2': None,
                'Real': real_rate,
                'Synthetic': synthetic_rate,
                'Score': 1.0 - abs(real_rate - synthetic_rate),
            }
        )

    incomplete = [column for column in columns if 0 < real_missing[column].mean() < 1]
    for first, second in itertools.combinations(incomplete, 2):
        real_correlation = _indicator_correlation(real_missing[first], real_missing[second])
        synthetic_correlation = _indicator_correlation(
            synthetic_missing[first], synthetic_missing[second]
        )
        rows.append(
            {
                'Component': 'Co-Missingness',
                'Column 1': first,
                'Column 2': second,
                'Real': real_correlation,
                'Synthetic': synthetic_correlation,
                'Score': 1.0 - abs(real_correlation - synthetic_correlation) / 2,
            }
        )

    if incomplete and len(synthetic_data):
        bins = {}
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            for other in columns:
                bins[other] = _bin_column(real_data[other], synthetic_data[other], sdtypes[other])

        for column in incomplete:
            for other in columns:
                if other != column:
                    rows.append(
                        _dependence_row(
                            column,
                            other,
                            real_missing[column],
                            synthetic_missing[column],
                            *bins[other],
                        )
                    )

        rows.append(pattern_row(real_missing, synthetic_missing))
        rows.extend(prediction_rows(columns, real_missing, synthetic_missing, bins))

    return pd.DataFrame(
        rows, columns=['Component', 'Column 1', 'Column 2', 'Real', 'Synthetic', 'Score']
    )


def _aggregate(details):
    component_scores = details.groupby('Component', sort=False)['Score'].mean()
    return float(component_scores.mean()), component_scores.to_dict()


class MissingnessFidelity(SingleTableMetric):
    """SDMetrics-style single-table metric: how well the missingness pattern is reproduced.

    The score is the mean of five component scores, each the mean of its rows in
    :func:`missingness_details`: per-column missing rates, pairwise co-missingness, the
    dependence of each column's missingness on the other columns' values, the frequencies of
    whole-row patterns of holes, and how well the other columns predict each column's holes.
    Components with no
    row (for example co-missingness when at most one real column has missing values) are left
    out. 1 means the missing rates, their correlations and their conditional rates all match.

    Synthetic data that re-inserts missing values at random at the observed rates (SDV's default)
    scores 1 on missing rates but loses on co-missingness and dependence when the real
    missingness is structured.
    """

    name = 'Missingness Fidelity'
    goal = Goal.MAXIMIZE
    min_value = 0.0
    max_value = 1.0

    @classmethod
    def compute_breakdown(cls, real_data, synthetic_data, metadata=None):
        """Compute the score of each component and row.

        Args:
            real_data (pandas.DataFrame):
                The real, incomplete table.
            synthetic_data (pandas.DataFrame):
                The synthetic table.
            metadata (sdv.metadata.Metadata, dict or None):
                Metadata of the table. Defaults to None (sdtypes from the dtypes).

        Returns:
            dict:
                ``{'score': float, <component>: {'score': float, <column or 'a | b'>:
                {'real': float, 'synthetic': float, 'score': float}}}``.
        """
        details = missingness_details(real_data, synthetic_data, metadata)
        score, component_scores = _aggregate(details)
        breakdown = {'score': score}
        for component, component_score in component_scores.items():
            rows = details[details['Component'] == component]
            breakdown[component] = {'score': component_score}
            for row in rows.itertuples(index=False):
                key = row[1] if row[2] is None else f'{row[1]} | {row[2]}'
                breakdown[component][key] = {
                    'real': row.Real,
                    'synthetic': row.Synthetic,
                    'score': row.Score,
                }

        return breakdown

    @classmethod
    def compute(cls, real_data, synthetic_data, metadata=None):
        """Compute the missingness-fidelity score in [0, 1] (1 is best).

        Args:
            real_data (pandas.DataFrame):
                The real, incomplete table.
            synthetic_data (pandas.DataFrame):
                The synthetic table.
            metadata (sdv.metadata.Metadata, dict or None):
                Metadata of the table. Defaults to None (sdtypes from the dtypes).

        Returns:
            float:
                The score.
        """
        return cls.compute_breakdown(real_data, synthetic_data, metadata)['score']


@dataclass
class MissingnessFidelityResult:
    """Result of :func:`evaluate_missingness_fidelity`.

    Attributes:
        score (float):
            :class:`MissingnessFidelity` score in [0, 1].
        components (pandas.DataFrame):
            One row per component, columns ``Component`` and ``Score``.
        details (pandas.DataFrame):
            The rows of :func:`missingness_details`.
    """

    score: float
    components: pd.DataFrame
    details: pd.DataFrame

    def get_visualization(self, component='Missing Rate'):
        """Plot one component.

        ``'Missing Rate'``: real and synthetic missing rate per column (bars).
        ``'Co-Missingness'`` and ``'Missingness Dependence'``: heatmap of the row scores (for
        dependence, rows are the columns whose missingness is explained, columns the
        explaining columns). ``'Missingness Prediction'``: real-trained and synthetic-trained
        AUROC per column (bars). ``'Missingness Patterns'``: number of distinct patterns of
        holes in each table (bars).

        Args:
            component (str):
                One of ``COMPONENTS``. Defaults to ``'Missing Rate'``.

        Returns:
            plotly.graph_objects.Figure:
                The figure.
        """
        import plotly.graph_objects as go

        if component not in COMPONENTS:
            raise ValueError(f'Unknown component {component!r}. Choose one of {list(COMPONENTS)}.')

        rows = self.details[self.details['Component'] == component]
        title = f'{component} (Average Score={rows["Score"].mean():.2f})'
        if component in ('Missing Rate', 'Missingness Prediction', 'Missingness Patterns'):
            figure = go.Figure(
                [
                    go.Bar(name='Real', x=rows['Column 1'], y=rows['Real'], marker_color='#000036'),
                    go.Bar(
                        name='Synthetic',
                        x=rows['Column 1'],
                        y=rows['Synthetic'],
                        marker_color='#01E0C9',
                    ),
                ]
            )
            axis_titles = {
                'Missing Rate': 'Missing rate',
                'Missingness Prediction': 'AUROC on real rows',
                'Missingness Patterns': 'Distinct patterns',
            }
            figure.update_layout(
                barmode='group',
                title=title,
                yaxis_title=axis_titles[component],
                plot_bgcolor='white',
            )
            return figure

        matrix = rows.pivot(index='Column 1', columns='Column 2', values='Score')
        if component == 'Co-Missingness':
            labels = list(dict.fromkeys([*matrix.index, *matrix.columns]))
            matrix = matrix.reindex(index=labels, columns=labels)
            matrix = matrix.combine_first(matrix.T)
            for label in labels:
                matrix.loc[label, label] = 1.0

        figure = go.Figure(
            go.Heatmap(
                z=matrix.to_numpy(),
                x=[str(column) for column in matrix.columns],
                y=[str(column) for column in matrix.index],
                zmin=0,
                zmax=1,
                colorscale=[[0, '#FF0000'], [0.5, '#F16141'], [1, '#36B37E']],
                colorbar={'title': 'Score'},
            )
        )
        axis = 'Explaining column' if component == 'Missingness Dependence' else ''
        figure.update_layout(title=title, xaxis_title=axis, plot_bgcolor='white')
        return figure


def evaluate_missingness_fidelity(real_data, synthetic_data, metadata=None):
    """Score how well the synthetic data reproduces the real missing-value pattern.

    Compares per-column missing rates, the pairwise co-missingness and the dependence of each
    column's missingness on the other columns (see :func:`missingness_details`). This is what
    SDMetrics does not measure (SDV #555) and what SDV's default random re-insertion of missing
    values loses (SDV #2310).

    Args:
        real_data (pandas.DataFrame or dict):
            The real, incomplete table.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table. Defaults to None (sdtypes from the dtypes).

    Returns:
        MissingnessFidelityResult:
            Score, component scores, tidy details and plots.
    """
    details = missingness_details(real_data, synthetic_data, metadata)
    score, component_scores = _aggregate(details)
    components = pd.DataFrame(
        {
            'Component': list(component_scores),
            'Score': list(component_scores.values()),
        }
    )
    return MissingnessFidelityResult(score=score, components=components, details=details)
