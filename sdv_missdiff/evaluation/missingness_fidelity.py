"""Missingness fidelity: is the missing-value pattern, and what it depends on, reproduced?"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sdmetrics.goal import Goal
from sdmetrics.single_table.base import SingleTableMetric

from sdv_missdiff.evaluation._utils import check_same_columns, get_table, get_table_metadata
from sdv_missdiff.evaluation.missingness_columns import (
    bin_columns,
    co_missingness_rows,
    dependence_rows,
    rate_rows,
)
from sdv_missdiff.evaluation.missingness_patterns import pattern_row, prediction_rows

COMPONENTS = (
    'Missing Rate',
    'Co-Missingness',
    'Missingness Dependence',
    'Missingness Patterns',
    'Missingness Prediction',
)


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
    rows = rate_rows(columns, real_missing, synthetic_missing)
    incomplete = [column for column in columns if 0 < real_missing[column].mean() < 1]
    rows.extend(co_missingness_rows(incomplete, real_missing, synthetic_missing))
    if incomplete and len(synthetic_data):
        bins = bin_columns(real_data, synthetic_data, columns, sdtypes)
        rows.extend(dependence_rows(incomplete, columns, real_missing, synthetic_missing, bins))
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


def missingness_errors(real_data, synthetic_data):
    """Two plain errors of the holes: each column's missing share, and their co-occurrence.

    Args:
        real_data (pandas.DataFrame or dict):
            The real table.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table, with the same columns.

    Returns:
        dict:
            ``missing_share_error``: the mean over columns of ``|share_real - share_synthetic|``
            of missing cells; ``missing_correlation_error``: the mean over pairs of columns
            with holes on either side of ``|corr_real - corr_synthetic|``, ``corr`` the Pearson
            correlation of the two columns' missing-indicators (0 where one is constant), or
            0.0 when fewer than two columns have holes. 0 is perfect for both.
    """
    real = get_table(real_data, 'real_data')
    synthetic = get_table(synthetic_data, 'synthetic_data')
    check_same_columns(real, synthetic)
    real_holes = real.isna().astype(float)
    synthetic_holes = synthetic[real.columns].isna().astype(float)
    share_error = float((real_holes.mean() - synthetic_holes.mean()).abs().mean())
    with_holes = [
        column
        for column in real.columns
        if real_holes[column].any() or synthetic_holes[column].any()
    ]
    if len(with_holes) < 2:
        return {'missing_share_error': share_error, 'missing_correlation_error': 0.0}

    def correlations(holes):
        # A constant indicator correlates with nothing: 0, not NaN.
        return holes[with_holes].corr().fillna(0.0).to_numpy()

    upper = np.triu_indices(len(with_holes), k=1)
    difference = np.abs(correlations(real_holes) - correlations(synthetic_holes))[upper]
    return {
        'missing_share_error': share_error,
        'missing_correlation_error': float(difference.mean()),
    }
