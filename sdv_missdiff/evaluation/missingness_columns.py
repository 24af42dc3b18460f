"""Three components of missingness fidelity that look at columns and pairs of columns.

- ``'Missing Rate'``: each column's share of missing cells, real against synthetic.
- ``'Co-Missingness'``: for each pair of columns with holes in the real data, the correlation
  of their missingness indicators.
- ``'Missingness Dependence'``: for each column with holes in the real data and each other
  column, the missing rate of the first within the bins of the second.

Each function returns detail rows (``Component``, ``Column 1``, ``Column 2``, ``Real``,
``Synthetic``, ``Score``); :func:`bin_columns` bins every column once, for the dependence rows
here and the prediction rows of :mod:`sdv_missdiff.evaluation.missingness_patterns`.
"""

import itertools
import warnings

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import CONTINUOUS_SDTYPES

_NUM_BINS = 5
_MAX_CATEGORIES = 10
_MISSING_BIN = '<missing>'
_OTHER_BIN = '<other>'


def rate_rows(columns, real_missing, synthetic_missing):
    """Compare each column's missing rate: ``1 - |rate_real - rate_synthetic|``.

    Args:
        columns (list[str]):
            The columns to compare.
        real_missing (pandas.DataFrame):
            0/1 missingness indicators of the real rows, one column per column.
        synthetic_missing (pandas.DataFrame):
            The same for the synthetic rows.

    Returns:
        list[dict]:
            One detail row per column.
    """
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

    return rows


def _indicator_correlation(first, second):
    """Pearson correlation of two 0/1 vectors; 0 when either is constant."""
    if first.std() == 0 or second.std() == 0:
        return 0.0

    return float(np.corrcoef(first, second)[0, 1])


def co_missingness_rows(incomplete, real_missing, synthetic_missing):
    """Compare the correlation of the missingness indicators of each pair of ``incomplete``.

    Args:
        incomplete (list[str]):
            The columns with holes in the real data.
        real_missing (pandas.DataFrame):
            0/1 missingness indicators of the real rows.
        synthetic_missing (pandas.DataFrame):
            The same for the synthetic rows.

    Returns:
        list[dict]:
            One detail row per pair: ``Score`` is ``1 - |corr_real - corr_synthetic| / 2``.
    """
    rows = []
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

    return rows


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


def bin_columns(real_data, synthetic_data, columns, sdtypes):
    """Bin every column identically in both tables, missing values in a bin of their own.

    Numbers and datetimes by the quintiles of their real values; other columns by their 10
    most frequent real values plus ``'<other>'``.

    Args:
        real_data (pandas.DataFrame):
            The real table.
        synthetic_data (pandas.DataFrame):
            The synthetic table.
        columns (list[str]):
            The columns to bin.
        sdtypes (dict):
            Column name to its sdtype.

    Returns:
        dict:
            Column name to its ``(real_bins, synthetic_bins)`` label Series.
    """
    bins = {}
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        for column in columns:
            bins[column] = _bin_column(real_data[column], synthetic_data[column], sdtypes[column])

    return bins


def dependence_rows(incomplete, columns, real_missing, synthetic_missing, bins):
    """Compare the missing rate of each of ``incomplete`` within the bins of each other column.

    Args:
        incomplete (list[str]):
            The columns with holes in the real data.
        columns (list[str]):
            Every column compared.
        real_missing (pandas.DataFrame):
            0/1 missingness indicators of the real rows.
        synthetic_missing (pandas.DataFrame):
            The same for the synthetic rows.
        bins (dict):
            What :func:`bin_columns` returns.

    Returns:
        list[dict]:
            One detail row per ordered pair (a column of ``incomplete``, another column).
    """
    rows = []
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

    return rows


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
