"""The formulas of the privacy figures, from nearest-row distances to numbers and errors.

The distances come from :mod:`sdv_missdiff.evaluation.privacy_distances`; each figure here comes
with a standard error, which :mod:`sdv_missdiff.evaluation.privacy_result` uses to tell a
difference from the reference apart from noise.
"""

import math

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import CONTINUOUS_SDTYPES, datetime_seconds


def share_error(share, num_rows):
    """Binomial standard error of a share of ``num_rows`` rows.

    One success and one failure are added, so that a share of 0 or 1 still has an error.
    """
    smoothed = (share * num_rows + 1) / (num_rows + 2)
    return math.sqrt(smoothed * (1 - smoothed) / num_rows)


def quantile_error(values, quantile):
    """Standard error of a quantile of ``values``, from its order statistics.

    Half the gap between the values at ``quantile`` plus and minus one binomial error of it.
    """
    step = math.sqrt(quantile * (1 - quantile) / len(values))
    high = np.quantile(values, min(quantile + step, 1.0))
    low = np.quantile(values, max(quantile - step, 0.0))
    return float(high - low) / 2


def dcr_share(to_training, to_control, training_ties, control_ties, num_training, num_control):
    """Share of rows nearer a training row than a control row, weighted to equal sizes.

    A row counts 1 when its nearest training row is strictly nearer than its nearest control
    row, 0 when farther, and ``t / (t + c)`` at a tie between ``t`` training and ``c`` control
    rows. For rows that are no nearer the training rows than any real row (exchangeable with
    them), that mean ``p`` is ``num_training / (num_training + num_control)``; weighting each side
    by one over its rows, ``(p / num_training) / (p / num_training + (1 - p) / num_control)``,
    makes it 0.5 whatever the sizes, while every training row is searched: a copy is found
    whatever row it copies. (Cutting the training rows to the control's size, as mostlyai-qa
    does, also makes 0.5 ideal but finds a copy only when its source row is drawn: with eight
    times more training than control rows, a table of copies would score about 56%.)

    Args:
        to_training (numpy.ndarray):
            Distance of each row to its nearest training row.
        to_control (numpy.ndarray):
            Distance of each row to its nearest control row.
        training_ties (numpy.ndarray):
            How many training rows lie at that nearest distance.
        control_ties (numpy.ndarray):
            How many control rows lie at that nearest distance.
        num_training (int):
            Training rows searched.
        num_control (int):
            Control rows searched.

    Returns:
        tuple[float, float]:
            The share (0.5 ideal, 1 when every row copies a training row) and its standard
            error (binomial, through the weighting).
    """
    wins = np.where(
        to_training < to_control,
        1.0,
        np.where(to_training == to_control, training_ties / (training_ties + control_ties), 0.0),
    )
    closer = float(np.mean(wins))
    training_weight, control_weight = 1 / num_training, 1 / num_control
    denominator = closer * training_weight + (1 - closer) * control_weight
    share = closer * training_weight / denominator
    slope = training_weight * control_weight / denominator**2
    return share, slope * share_error(closer, len(wins))


def dcr_overfitting_protection(to_training, to_holdout):
    """SDMetrics' ``DCROverfittingProtection`` from the distances of each row to both sides.

    ``min(2 * (1 - p), 1)``, where ``p`` is the share of rows strictly nearer a training row
    than a holdout row (a tie counts for the holdout), as SDMetrics 0.32 computes it.

    Args:
        to_training (numpy.ndarray):
            Distance of each row to its nearest training row.
        to_holdout (numpy.ndarray):
            Distance of each row to its nearest holdout row (SDMetrics scales these by the
            holdout's own ranges).

    Returns:
        tuple[float, float]:
            The score (1 best) and its standard error.
    """
    closer = float(np.mean(to_training < to_holdout))
    return min(2 * (1 - closer), 1.0), 2 * share_error(closer, len(to_training))


def dcr_baseline_protection(to_training, random_median):
    """SDMetrics' ``DCRBaselineProtection``: the median distance over that of random rows.

    ``min(median / random_median, 1)``, NaN when the random rows' median is 0, as SDMetrics 0.32
    computes it.

    Args:
        to_training (numpy.ndarray):
            Distance of each row to its nearest training row.
        random_median (float):
            Median distance of the random rows (:func:`random_rows`) to their nearest
            training row.

    Returns:
        tuple[float, float]:
            The score (1 best) and its standard error.
    """
    if not random_median > 0:
        return math.nan, 0.0

    median = float(np.median(to_training))
    return min(median / random_median, 1.0), quantile_error(to_training, 0.5) / random_median


def distance_ratios(nearest):
    """Nearest-neighbour distance ratio of each row: nearest over second-nearest distance.

    0 / 0 (an exact copy of a training row that is itself repeated) counts as 0.

    Args:
        nearest (numpy.ndarray):
            Distances to the nearest and second-nearest training rows, shape ``(rows, 2)``.

    Returns:
        numpy.ndarray:
            The ratios, in [0, 1].
    """
    with np.errstate(invalid='ignore', divide='ignore'):
        return np.where(nearest[:, 1] > 0, nearest[:, 0] / nearest[:, 1], 0.0)


def random_rows(training, sdtypes, num_rows, rng):
    """SDMetrics' random baseline of ``DCRBaselineProtection``, drawn from ``rng``.

    Each column on its own: whole numbers uniform between the training minimum and maximum,
    other numbers and datetimes uniform in that range, labels uniform among the observed ones;
    holes at the column's missing share.
    """
    columns = {}
    for column, sdtype in sdtypes.items():
        source = training[column]
        if sdtype == 'datetime':
            observed = datetime_seconds(source).dropna()
        elif sdtype in CONTINUOUS_SDTYPES:
            observed = pd.to_numeric(source.astype(object), errors='coerce').dropna()
        else:
            observed = source.dropna()

        if observed.empty:
            values = pd.Series(np.nan, index=range(num_rows), dtype=object)
        elif sdtype in CONTINUOUS_SDTYPES:
            low, high = float(observed.min()), float(observed.max())
            whole = sdtype == 'numerical' and np.all(np.mod(observed, 1) == 0)
            if whole:
                drawn = rng.integers(int(low), int(high) + 1, size=num_rows).astype(float)
            else:
                drawn = rng.uniform(low, high, size=num_rows)

            values = pd.Series(drawn)
            if sdtype == 'datetime':
                values = pd.to_datetime(values, unit='s')
        else:
            values = pd.Series(rng.choice(observed.unique(), size=num_rows), dtype=object)

        columns[column] = values.mask(rng.random(num_rows) < source.isna().mean())

    return pd.DataFrame(columns)
