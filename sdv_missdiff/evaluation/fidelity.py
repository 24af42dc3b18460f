"""Fidelity: SDMetrics' quality report, computed on the observed cells of incomplete tables."""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sdmetrics.reports.single_table._properties import ColumnPairTrends, ColumnShapes
from sdmetrics.reports.utils import (
    DEFAULT_REAL_ASSOCIATION_THRESHOLD,
    DEFAULT_REAL_CORRELATION_THRESHOLD,
)

from sdv_missdiff.evaluation._utils import check_same_columns, get_table, get_table_metadata

_PROPERTY_NAMES = ('Column Shapes', 'Column Pair Trends')


class _ObservedColumnPairTrends(ColumnPairTrends):
    """SDMetrics' Column Pair Trends, scoring each pair on the rows where both cells are present.

    SDMetrics' correlation metric already drops incomplete rows pairwise, but its contingency
    metric counts a missing value as a category and the discretised number of a mixed pair puts
    NaN in an extra bin. Here every pair, on each side, keeps only the rows where both of its
    columns are present, so the score compares the values, not the missingness patterns.
    """

    def _discretize_column(self, column_name, data, bin_edges=None):
        discrete, bin_edges = super()._discretize_column(column_name, data, bin_edges)
        missing = pd.isna(data).to_numpy()
        if missing.any():
            discrete = np.where(missing, np.nan, np.asarray(discrete, dtype=float))

        return discrete, bin_edges

    def _compute_pair_score(self, metric, col_real, col_synthetic, metric_params):
        return super()._compute_pair_score(
            metric, col_real.dropna(), col_synthetic.dropna(), metric_params
        )


@dataclass
class FidelityResult:
    """Result of :func:`evaluate_fidelity`.

    Attributes:
        score (float):
            Overall quality score in [0, 1], the mean of the two property scores (as
            SDMetrics' ``QualityReport.get_score``).
        properties (pandas.DataFrame):
            One row per property, columns ``Property`` and ``Score``.
        column_shapes (pandas.DataFrame):
            Per-column details (SDMetrics' ``get_details('Column Shapes')``).
        column_pair_trends (pandas.DataFrame):
            Per-pair details (SDMetrics' ``get_details('Column Pair Trends')``).
        reference (str):
            ``'complete data'`` when the real table has no missing value, else
            ``'observed cells'``.
        real_missing_rate (float):
            Share of missing cells in the real table.
    """

    score: float
    properties: pd.DataFrame
    column_shapes: pd.DataFrame
    column_pair_trends: pd.DataFrame
    reference: str
    real_missing_rate: float
    _property_objects: dict = field(default_factory=dict, repr=False)

    def get_details(self, property_name):
        """Return the details table of ``'Column Shapes'`` or ``'Column Pair Trends'``."""
        self._check_property(property_name)
        return self._property_objects[property_name].details.copy()

    def get_visualization(self, property_name):
        """Return SDMetrics' plotly figure for ``'Column Shapes'`` or ``'Column Pair Trends'``.

        Args:
            property_name (str):
                ``'Column Shapes'`` or ``'Column Pair Trends'``.

        Returns:
            plotly.graph_objects.Figure:
                The same figure as ``QualityReport.get_visualization(property_name)``.
        """
        self._check_property(property_name)
        figure = self._property_objects[property_name].get_visualization()
        figure.update_layout(title=f'{figure.layout.title.text} (against {self.reference})')
        return figure

    def _check_property(self, property_name):
        if property_name not in _PROPERTY_NAMES:
            raise ValueError(
                f'Unknown property {property_name!r}. Choose one of {list(_PROPERTY_NAMES)}.'
            )


def evaluate_fidelity(real_data, synthetic_data, metadata=None):
    """Score how closely the synthetic values follow the real ones (SDMetrics quality report).

    Pass the complete table when you have it (a simulation: the table before
    :func:`sdv_missdiff.missingness.simulate_missing`); the result is then SDMetrics'
    ``QualityReport`` (Column Shapes and Column Pair Trends, same thresholds and subsampling).
    Otherwise pass the observed, incomplete table and the comparison uses the observed cells only:
    column shapes drop missing cells on both sides (as SDMetrics does), and each column pair is
    scored on the rows where both of its columns are present, on each side (SDMetrics would count
    a missing value as its own category in contingency tables). Missing cells of the synthetic
    table are ignored the same way; how well the missingness itself is reproduced is measured by
    :func:`sdv_missdiff.evaluation.evaluate_missingness_fidelity`.

    Args:
        real_data (pandas.DataFrame or dict):
            The complete or the observed real table (or ``{'t': df}``).
        synthetic_data (pandas.DataFrame or dict):
            The synthetic table (or what ``synthesizer.sample`` returns).
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table. Defaults to None (detected from ``real_data``).

    Returns:
        FidelityResult:
            Score, property scores, per-column and per-pair details, and plots.
    """
    real_data = get_table(real_data, 'real_data')
    synthetic_data = get_table(synthetic_data, 'synthetic_data')
    check_same_columns(real_data, synthetic_data)
    table_metadata = get_table_metadata(real_data, metadata)
    synthetic_data = synthetic_data[list(real_data.columns)]

    shapes = ColumnShapes()
    pairs = _ObservedColumnPairTrends()
    pairs.real_correlation_threshold = DEFAULT_REAL_CORRELATION_THRESHOLD
    pairs.real_association_threshold = DEFAULT_REAL_ASSOCIATION_THRESHOLD
    scores = {
        'Column Shapes': shapes.get_score(real_data, synthetic_data, table_metadata),
        'Column Pair Trends': pairs.get_score(real_data, synthetic_data, table_metadata),
    }
    properties = pd.DataFrame({'Property': list(scores), 'Score': list(scores.values())})
    missing_rate = float(real_data.isna().to_numpy().mean()) if real_data.size else 0.0
    return FidelityResult(
        score=float(np.nanmean(list(scores.values()))),
        properties=properties,
        column_shapes=shapes.details.copy(),
        column_pair_trends=pairs.details.copy(),
        reference='observed cells' if missing_rate > 0 else 'complete data',
        real_missing_rate=missing_rate,
        _property_objects={'Column Shapes': shapes, 'Column Pair Trends': pairs},
    )
