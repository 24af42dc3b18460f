"""The statistics a differentially private fit reads outside DP-SGD, each from noisy counts.

Without differential privacy the fit reads many things from the rows besides the network's
weights: each column's levels and their frequencies, its quantiles and bounds, its share of holes.
Under DP every one of them comes from Gaussian-noised histograms charged to the budget
(:mod:`sdv_missdiff.diffusion.privacy_budget`) and nothing else:

- a discrete column: one histogram of its levels and its holes. A level is kept only where its
  noisy count reaches the plan's threshold (a level a few people hold never appears); the cells of
  a level dropped become missing cells, which MissDiff leaves out of the loss.
- a number or a datetime: a histogram over a fixed, data-independent grid of magnitudes
  (``asinh`` steps from -1e15 to 1e15) and the holes, whose bins holding at least the threshold
  give the bounds (values outside are clipped to them), then a histogram of 100 finer bins between
  the bounds, whose noisy cumulative counts give the quantiles.

These noisy summaries make a public stand-in table (:func:`domain_table`), with each column drawn
on its own, on which SDV's transformers, the encoder, the numeric bounds and the level
frequencies are fitted: they never see a real row. The real rows are only clipped and cleared of
dropped levels (:func:`sanitize`) and then reach the network through DP-SGD alone.
"""

import dataclasses

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import CONTINUOUS_SDTYPES, DISCRETE_SDTYPES, datetime_seconds

# The coarse grid of magnitudes, in asinh units (a bin spans a ratio of about e ** 0.25).
_COARSE_LIMIT = float(np.arcsinh(1e15))
_COARSE_STEP = 0.25
FINE_BINS = 100
# Rows of the public stand-in table (at most the real table's rows).
DOMAIN_ROWS = 1000


@dataclasses.dataclass
class ColumnSummary:
    """What a private fit knows of one column, all from noisy counts.

    Attributes:
        sdtype (str):
            The column's sdtype.
        missing_share (float):
            Noisy share of holes.
        levels (list or None):
            Kept levels of a discrete column.
        frequencies (numpy.ndarray or None):
            Their noisy shares among the kept levels.
        dropped_levels (int):
            Number of levels seen in the rows and dropped (the levels themselves are not kept).
        quantiles (numpy.ndarray or None):
            Noisy quantiles of a number or datetime (seconds), ``DOMAIN_ROWS`` of them at most.
        lower, upper (float or None):
            Bounds the values are clipped to.
    """

    sdtype: str
    missing_share: float
    levels: list = None
    frequencies: np.ndarray = None
    dropped_levels: int = 0
    quantiles: np.ndarray = None
    lower: float = None
    upper: float = None


# Noisy histograms read per column: levels and holes; magnitudes and holes, finer bins, and for
# a number the decimals its values need.
QUERIES = {'categorical': 1, 'boolean': 1, 'ordinal': 1, 'datetime': 2, 'numerical': 3}
# Decimals a number may be rounded to (one more bin counts values that need more).
MAX_DECIMALS = 6


def count_queries(columns):
    """Noisy histograms read for ``columns`` (``{name: sdtype}``)."""
    return sum(QUERIES.get(sdtype, 0) for sdtype in columns.values())


def _decimals_needed(values):
    # The fewest decimals (0 to MAX_DECIMALS) that write each value; MAX_DECIMALS + 1 for more.
    needed = np.full(len(values), MAX_DECIMALS + 1)
    for decimals in range(MAX_DECIMALS, -1, -1):
        scaled = values * 10.0**decimals
        exact = np.abs(scaled - np.round(scaled)) <= 1e-9 * np.maximum(1.0, np.abs(scaled))
        needed[exact] = decimals

    return needed


def _private_decimals(present, plan, rng):
    # The fewest decimals that leave fewer values than the threshold needing more, or None.
    counts = np.bincount(_decimals_needed(present), minlength=MAX_DECIMALS + 2)
    noisy = _noisy(counts, plan.statistics_noise, rng)
    for decimals in range(MAX_DECIMALS + 1):
        if noisy[decimals + 1 :].sum() < plan.level_threshold:
            return decimals

    return None


def _noisy(counts, noise, rng):
    return np.asarray(counts, dtype=float) + rng.normal(0.0, noise, size=len(counts))


def _as_numbers(values, sdtype):
    if sdtype == 'datetime':
        return datetime_seconds(values).to_numpy(dtype=float)

    return pd.to_numeric(values, errors='coerce').to_numpy(dtype=float)


def _missing_share(noisy_count, num_rows, plan):
    # A column has holes only where their noisy count stands out of the noise: a complete
    # column would otherwise get holes half the time.
    if noisy_count < 2 * plan.statistics_noise:
        return 0.0

    return float(min(noisy_count / max(num_rows, 1), 1.0))


def _discrete_summary(name, values, sdtype, plan, rng, protect):
    observed = values.dropna()
    counts = observed.value_counts(sort=False)
    # In an order of their own, not in the order the rows first show them.
    counts = counts.iloc[sorted(range(len(counts)), key=lambda i: str(counts.index[i]))]
    noisy = _noisy([*counts.to_numpy(), values.isna().sum()], plan.statistics_noise, rng)
    level_counts, missing = noisy[:-1], noisy[-1]
    keep = level_counts >= plan.level_threshold if protect else np.ones(len(counts), dtype=bool)
    if not keep.any():
        raise ValueError(
            f"Column '{name}': no level is held by enough rows to be kept under "
            f'epsilon={plan.epsilon} (a level needs a noisy count of about '
            f'{plan.level_threshold:.0f} rows). Raise epsilon, drop the column or pass '
            'protect_rare_levels=False in model_options (its levels are then not private).'
        )

    kept = np.clip(level_counts[keep], 1.0, None)
    return ColumnSummary(
        sdtype=sdtype,
        missing_share=_missing_share(missing, len(values), plan),
        levels=list(counts.index[keep]),
        frequencies=kept / kept.sum(),
        dropped_levels=int((~keep).sum()),
    )


def _coarse_edges():
    steps = int(round(2 * _COARSE_LIMIT / _COARSE_STEP))
    return np.sinh(np.linspace(-_COARSE_LIMIT, _COARSE_LIMIT, steps + 1))


def _continuous_summary(name, values, sdtype, plan, rng):
    numbers = _as_numbers(values, sdtype)
    present = numbers[np.isfinite(numbers)]
    edges = _coarse_edges()
    coarse = np.histogram(np.clip(present, edges[0], edges[-1]), bins=edges)[0]
    noisy = _noisy([*coarse, len(numbers) - len(present)], plan.statistics_noise, rng)
    missing, coarse = noisy[-1], noisy[:-1]
    dense = np.flatnonzero(coarse >= plan.level_threshold)
    if not len(dense):
        raise ValueError(
            f"Column '{name}': its values are too spread or too few for bounds under "
            f'epsilon={plan.epsilon} (a range of values needs a noisy count of about '
            f'{plan.level_threshold:.0f} rows). Raise epsilon or drop the column.'
        )

    lower, upper = float(edges[dense[0]]), float(edges[dense[-1] + 1])
    # Finer bins between the bounds, even in asinh of the values over a scale of a hundredth
    # of the largest bound: near-linear for small values, logarithmic for large ones.
    scale = max(abs(lower), abs(upper)) / 100 or 1.0
    fine_edges = scale * np.sinh(
        np.linspace(np.arcsinh(lower / scale), np.arcsinh(upper / scale), FINE_BINS + 1)
    )
    fine = _noisy(
        np.histogram(np.clip(present, lower, upper), bins=fine_edges)[0], plan.statistics_noise, rng
    )
    # A bin under two noise deviations counts as empty: kept, the noise of the empty bins
    # spread the quantiles over ranges without a value (a 300-day column over 12 years).
    dense_fine = np.where(fine >= 2 * plan.statistics_noise, fine, 0.0)
    fine = dense_fine if dense_fine.sum() > 0 else np.clip(fine, 0.0, None)
    cumulative = np.concatenate([[0.0], np.cumsum(fine)])
    if cumulative[-1] <= 0:
        cumulative = np.linspace(0.0, 1.0, FINE_BINS + 1)

    num_quantiles = min(DOMAIN_ROWS, max(len(values), 2))
    probabilities = (np.arange(num_quantiles) + 0.5) / num_quantiles * cumulative[-1]
    quantiles = np.interp(probabilities, cumulative, fine_edges)
    if sdtype == 'numerical':
        # SDV's formatter learns the rounding from the public rows: give them the decimals.
        decimals = _private_decimals(present, plan, rng)
        if decimals is not None:
            quantiles = np.clip(np.round(quantiles, decimals), lower, upper)
    return ColumnSummary(
        sdtype=sdtype,
        missing_share=_missing_share(missing, len(values), plan),
        quantiles=quantiles,
        lower=lower,
        upper=upper,
    )


def summarize(table, columns, plan, seed, protect_rare_levels=True):
    """The noisy summary of every modelled column of ``table``.

    Args:
        table (pandas.DataFrame):
            The real rows.
        columns (dict):
            ``{name: sdtype}`` of the modelled columns.
        plan (PrivacyPlan):
            The noise and the threshold of the statistics.
        seed (int):
            Seed of the noise.
        protect_rare_levels (bool):
            Drop the levels under the threshold. Defaults to ``True``.

    Returns:
        dict[str, ColumnSummary]:
            By column name.
    """
    rng = np.random.default_rng(seed)
    summaries = {}
    for name, sdtype in columns.items():
        if sdtype in DISCRETE_SDTYPES:
            summaries[name] = _discrete_summary(
                name, table[name], sdtype, plan, rng, protect_rare_levels
            )
        elif sdtype in CONTINUOUS_SDTYPES:
            summaries[name] = _continuous_summary(name, table[name], sdtype, plan, rng)

    return summaries


def _from_numbers(numbers, like, column_metadata):
    # Numbers back into the real column's kind: datetimes in its format, integers as integers.
    if column_metadata.get('sdtype') == 'datetime':
        moments = pd.to_datetime(pd.Series(numbers), unit='s', errors='coerce')
        datetime_format = column_metadata.get('datetime_format')
        has_time = datetime_format is None or any(
            code in datetime_format for code in ('%H', '%I', '%M', '%S', '%X', '%c', '%T')
        )
        if not has_time:
            moments = moments.dt.round('D')
        if datetime_format:
            return moments.dt.strftime(datetime_format).where(moments.notna(), np.nan)
        if pd.api.types.is_datetime64_any_dtype(like):
            return moments

        return moments.astype(str).where(moments.notna(), np.nan)

    series = pd.Series(numbers, dtype=float)
    representation = str(column_metadata.get('computer_representation', 'Float'))
    if representation.startswith(('Int', 'UInt')) or pd.api.types.is_integer_dtype(like):
        series = series.round()

    return series


def domain_table(table, summaries, metadata_columns, seed):
    """A public stand-in table with ``table``'s columns, made from the noisy summaries only.

    Each modelled column is drawn on its own: a number's noisy quantiles, a discrete column's
    kept levels in their noisy shares, holes at the noisy share (at least one where that share
    is above 0). A column the model does not learn (keys, PII that SDV generates) copies the
    first rows of ``table``: SDV's generators read only its type and share of holes.

    Args:
        table (pandas.DataFrame):
            The real rows (read for the columns not modelled only).
        summaries (dict[str, ColumnSummary]):
            The noisy summaries.
        metadata_columns (dict):
            The column metadata of the table.
        seed (int):
            Seed of the arrangement of the rows.

    Returns:
        pandas.DataFrame:
            ``min(DOMAIN_ROWS, len(table))`` rows.
    """
    rng = np.random.default_rng(seed)
    num_rows = min(DOMAIN_ROWS, len(table))
    columns = {}
    for name in table.columns:
        summary = summaries.get(name)
        if summary is None:
            columns[name] = table[name].iloc[:num_rows].reset_index(drop=True)
            continue

        if summary.levels is not None:
            counts = np.maximum(np.floor(summary.frequencies * num_rows), 1).astype(int)
            values = np.repeat(np.array(summary.levels, dtype=object), counts)[:num_rows]
            values = np.resize(values, num_rows)
            column = pd.Series(values, dtype=object)
        else:
            quantiles = np.resize(summary.quantiles, num_rows)
            column = _from_numbers(quantiles, table[name], metadata_columns.get(name, {}))

        column = column.iloc[rng.permutation(num_rows)].reset_index(drop=True)
        holes = int(round(summary.missing_share * num_rows))
        if summary.missing_share > 0:
            holes = min(max(holes, 1), num_rows - 1)
            column = column.astype(object) if column.dtype.kind in 'iub' else column
            column.iloc[rng.choice(num_rows, holes, replace=False)] = np.nan

        like = table[name]
        if column.notna().all() and pd.api.types.is_integer_dtype(like):
            column = column.astype(like.dtype)
        elif pd.api.types.is_bool_dtype(like) and column.notna().all():
            column = column.astype(bool)

        columns[name] = column

    return pd.DataFrame(columns)[list(table.columns)]


def sanitize(table, summaries):
    """``table`` with numbers clipped to their private bounds and dropped levels made missing.

    A copy; the caller's table is left as it was.
    """
    table = table.copy()
    for name, summary in summaries.items():
        if summary.levels is not None:
            if summary.dropped_levels:
                kept = table[name].isin(summary.levels) | table[name].isna()
                table[name] = table[name].where(kept, np.nan)
        elif summary.sdtype == 'numerical':
            numbers = pd.to_numeric(table[name], errors='coerce')
            clipped = numbers.clip(summary.lower, summary.upper)
            if (clipped != numbers).any():
                if pd.api.types.is_integer_dtype(table[name]):
                    clipped = clipped.round().astype(table[name].dtype)
                table[name] = clipped
        else:
            seconds = datetime_seconds(table[name])
            outside = (seconds < summary.lower) | (seconds > summary.upper)
            if outside.any():
                # A datetime outside the bounds is cleared rather than rewritten in its format.
                table[name] = table[name].where(~outside, np.nan)

    return table
