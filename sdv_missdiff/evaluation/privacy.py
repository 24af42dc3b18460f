"""Privacy: does the synthetic table give away its training rows?

Each figure is computed for the synthetic table and, beside it, for real rows the synthesizer
never saw, which no synthesizer could have memorised: the figure an honest synthesizer would get
on the same tables. The distances are Gower distances over mixed types and missing cells
(:mod:`sdv_missdiff.evaluation.privacy_distances`); the attacks are anonymeter's
(:mod:`sdv_missdiff.evaluation.privacy_attacks`); the verdicts are read against the reference
(:mod:`sdv_missdiff.evaluation.privacy_result`).
"""

import math
import warnings

import numpy as np

from sdv_missdiff._validation import check_positive_int
from sdv_missdiff.evaluation._utils import check_same_columns, get_table, get_table_metadata
from sdv_missdiff.evaluation.privacy_attacks import (
    ANONYMETER_MISSING,
    ATTACKS,
    import_anonymeter,
    run_attacks,
)
from sdv_missdiff.evaluation.privacy_distances import GowerTables
from sdv_missdiff.evaluation.privacy_figures import (
    dcr_baseline_protection,
    dcr_overfitting_protection,
    dcr_share,
    distance_ratios,
    quantile_error,
    random_rows,
    share_error,
)
from sdv_missdiff.evaluation.privacy_result import INSTALL_HINT, Figure, PrivacyResult

# The sdtypes SDMetrics' DCR metrics compare (``calculate_dcr``); it leaves the others out.
SDMETRICS_SDTYPES = ('numerical', 'datetime', 'categorical', 'boolean')
DEFAULT_MAX_ROWS = 50_000


def _cut(table, max_rows, rng):
    if len(table) <= max_rows:
        return table.reset_index(drop=True)

    return table.iloc[np.sort(rng.choice(len(table), max_rows, replace=False))].reset_index(
        drop=True
    )


def _side(tables, side, sdmetrics_columns, random_median):
    """The figures of one side (the synthetic rows or the reference rows) and their errors."""
    nearest, _, training_ties = tables.nearest(side, 'training', 2, ranges_of='training', ties=True)
    closest = nearest[:, 0]
    to_control, _, control_ties = tables.nearest(side, 'control', ranges_of='training', ties=True)
    copies = int(np.sum(closest == 0))
    ratios = distance_ratios(nearest)
    figures = {
        'rows': len(closest),
        'copies': copies,
        'exact_copy_share': (
            copies / len(closest),
            share_error(copies / len(closest), len(closest)),
        ),
        'dcr_share': dcr_share(
            closest,
            to_control[:, 0],
            training_ties,
            control_ties,
            tables.sizes['training'],
            tables.sizes['control'],
        ),
        'nndr_median': (float(np.median(ratios)), quantile_error(ratios, 0.5)),
        'nndr_p05': (float(np.quantile(ratios, 0.05)), quantile_error(ratios, 0.05)),
    }
    if sdmetrics_columns:
        if sdmetrics_columns == tables.columns:
            to_real = closest
        else:
            to_real = tables.nearest(
                side, 'training', ranges_of='training', columns=sdmetrics_columns
            )[0][:, 0]

        # SDMetrics scales the distances to the holdout by the holdout's own ranges.
        to_holdout = tables.nearest(side, 'control', columns=sdmetrics_columns)[0][:, 0]
        figures['dcr_overfitting_protection'] = dcr_overfitting_protection(to_real, to_holdout)
        figures['dcr_baseline_protection'] = dcr_baseline_protection(to_real, random_median)

    return figures


def _distance_figures(synthetic, reference, random_median, sizes, cut_note):
    """The :class:`Figure` records of the distances, from the two sides' figures."""
    notes = {
        'exact_copy_share': (
            f'equal to one of the {sizes["training"]:,} training rows in every non-id column, a '
            'hole where it has a hole'
        ),
        'dcr_share': (
            f'all {sizes["training"]:,} training rows against {sizes["control"]:,} holdout rows, '
            'each side weighted by one over its rows so that 50% is ideal; a tie is shared by '
            'the rows tied'
        ),
        'dcr_overfitting_protection': (
            f'SDMetrics 0.32 formula on all {sizes["training"]:,} training and '
            f'{sizes["control"]:,} holdout rows; SDMetrics expects as many holdout as training '
            'rows, so here the reference, not 1, is ideal'
        ),
        'dcr_baseline_protection': (
            f'median distance to the nearest training row over that of {sizes["random"]:,} '
            f'random rows (SDMetrics 0.32 formula; random rows median {random_median:.3f})'
        ),
        'nndr_median': (
            'distance to the nearest training row over that to the second nearest (1: no '
            'training row stands out; 0: a copy)'
        ),
    }
    notes['nndr_p05'] = notes['nndr_median']
    figures = []
    for key, note in notes.items():
        if key not in synthetic:
            missing = 'not defined: no numerical, datetime, categorical or boolean column'
            figures.append(Figure(key, math.nan, math.nan, 0.0, 0.0, '', missing=missing))
            continue

        (value, error), (base, base_error) = synthetic[key], reference[key]
        count = synthetic['copies'] if key == 'exact_copy_share' else None
        figures.append(Figure(key, value, base, error, base_error, note + cut_note, count=count))

    return figures


def _attack_figures(training, synthetic, reference, control, sdtypes, seed):
    if import_anonymeter() is None:
        warnings.warn(ANONYMETER_MISSING, stacklevel=3)
        return [
            Figure(key, math.nan, math.nan, 0.0, 0.0, '', missing=INSTALL_HINT) for key in ATTACKS
        ]

    risks = run_attacks(training, synthetic, control, sdtypes, seed)
    references = run_attacks(training, reference, control, sdtypes, seed)
    figures = []
    for key in ATTACKS:
        risk, base = risks[key], references[key]
        note = (
            f'{risk.note}; 95% interval {risk.low:.3f} to {risk.high:.3f} (unseen real rows: '
            f'{base.low:.3f} to {base.high:.3f}); control: {len(control):,} holdout rows'
        )
        figures.append(Figure(key, risk.value, base.value, risk.error, base.error, note))

    return figures


def _check_inputs(real, synthetic, holdout):
    check_same_columns(real, synthetic)
    only_real = [column for column in real.columns if column not in holdout.columns]
    only_holdout = [column for column in holdout.columns if column not in real.columns]
    if only_real or only_holdout:
        raise ValueError(
            'The real and holdout tables must have the same columns. Only in real_data: '
            f'{only_real}; only in holdout_data: {only_holdout}.'
        )

    for name, table, minimum in (
        ('real_data', real, 2),
        ('synthetic_data', synthetic, 1),
        ('holdout_data', holdout, 2),
    ):
        if len(table) < minimum:
            raise ValueError(
                f'`{name}` has {len(table)} rows; it needs at least {minimum} (the holdout is '
                'split in two halves, the training rows give a nearest and a second nearest row).'
            )


def evaluate_privacy(
    real_data,
    synthetic_data,
    metadata=None,
    holdout_data=None,
    *,
    attacks=True,
    max_reference_rows=DEFAULT_MAX_ROWS,
    max_synthetic_rows=DEFAULT_MAX_ROWS,
    seed=0,
):
    """How much a synthetic table gives away of its training rows, beside unseen real rows.

    The holdout (real rows the synthesizer never saw) is split at random (``seed``) in two
    halves: the *reference* half plays the synthetic table, so every figure is also computed for
    rows that cannot have been memorised, and the *control* half (the larger one when the
    holdout is odd) is the unseen side every comparison is made against, for both. A figure is
    flagged when it is worse than its reference by more than three standard errors.

    The distance of two rows is the mean over the columns (those of sdtype ``'id'`` left out) of
    ``|a - b| / range``, clipped to 1, for numbers and datetimes (in seconds; ``range`` is the
    spread of the training column) and 0 (equal) or 1 for other columns; a missing cell adds 0
    against a missing cell and 1, the most a column can add, against a value. It is the distance
    of SDMetrics' DCR metrics, which treat holes the same way.

    Figures:

    - Exact copies: share of rows equal to a training row in every non-id column (missing
      equals missing, numbers by value).
    - DCR share: share of rows nearer a training row than any control row, each side weighted
      by one over its number of rows so that 50% is ideal (see
      :func:`sdv_missdiff.evaluation.privacy_figures.dcr_share`). Every
      training row is searched: a sample of them as large as the holdout would miss most
      copies.
    - SDMetrics' ``DCROverfittingProtection`` (against every training row and the control
      half, whose distances SDMetrics scales by the holdout's own ranges) and
      ``DCRBaselineProtection`` (against random rows drawn as SDMetrics draws them, as many as
      the synthetic rows), computed as SDMetrics 0.32 computes them (the same distances, the
      same formulas) with a faster search, so every row is used: SDMetrics' own
      ``num_rows_subsample`` would also subsample the real rows searched, which hides copies
      (SDMetrics issue #934).
    - Nearest-neighbour distance ratio: distance to the nearest training row over that to the
      second nearest (0 / 0 counts as 0), its median and 5th percentile.
    - With ``attacks``: anonymeter's singling-out (one and three columns), linkability (the
      columns in table order alternately in two halves, a link when both halves of a target
      share one of their 10 nearest synthetic rows) and attribute-inference (every column in
      turn the secret, guessed from all the others through the nearest synthetic row; the mean
      of the unclipped risks) risks, 500 attacks each, the control half as anonymeter's control.

    Args:
        real_data (pandas.DataFrame or dict):
            The rows the synthesizer was trained on.
        synthetic_data (pandas.DataFrame or dict):
            The synthetic rows, with the same columns.
        metadata (sdv.metadata.Metadata, dict or None):
            Metadata of the table (the sdtype of each column). Defaults to None (detected
            from ``real_data``).
        holdout_data (pandas.DataFrame or dict):
            Real rows of the same source the synthesizer never saw (a held-out split), at
            least 2; a few thousand give tight figures. Required; it defaults to None only to
            keep the argument order of the other evaluations.
        attacks (bool):
            Also run anonymeter's attacks (``pip install 'sdv-missdiff[privacy]'``); without
            anonymeter, their rows say 'not run' and a warning is issued. Defaults to ``True``.
        max_reference_rows (int):
            Most training rows searched; a larger training table is cut to a random sample of
            this many rows (the notes say so), which can hide copies of the rows left out.
            Defaults to 50,000.
        max_synthetic_rows (int):
            Most synthetic rows measured; a larger table is cut to a random sample, which only
            adds sampling noise. Defaults to 50,000.
        seed (int):
            Seed of the holdout split, the samples, the random rows and the attacks. Defaults
            to 0.

    Returns:
        PrivacyResult:
            The figures, their references and verdicts; ``print(result)`` reads them out.

    Raises:
        ValueError:
            If ``holdout_data`` is missing, the tables differ in columns, a table is too small,
            or every column is an id.
    """
    if holdout_data is None:
        raise ValueError(
            '`holdout_data` is required: pass real rows of the same source that the '
            'synthesizer never saw (a held-out split). Every figure is read against them.'
        )

    if not isinstance(attacks, bool):
        raise ValueError(f"Invalid value {attacks!r} for 'attacks': it must be True or False.")

    check_positive_int('max_reference_rows', max_reference_rows)
    check_positive_int('max_synthetic_rows', max_synthetic_rows)
    real = get_table(real_data, 'real_data')
    synthetic = get_table(synthetic_data, 'synthetic_data')
    holdout = get_table(holdout_data, 'holdout_data')
    _check_inputs(real, synthetic, holdout)
    columns_metadata = get_table_metadata(real, metadata)['columns']
    sdtypes = {
        column: columns_metadata[column].get('sdtype')
        for column in real.columns
        if columns_metadata[column].get('sdtype') != 'id'
    }
    if not sdtypes:
        raise ValueError('Every column is of sdtype id: there is nothing to compare.')

    rng = np.random.default_rng(seed)
    training = _cut(real, max_reference_rows, rng)
    num_synthetic = len(synthetic)
    synthetic = _cut(synthetic, max_synthetic_rows, rng)
    order = rng.permutation(len(holdout))
    reference = holdout.iloc[order[: len(holdout) // 2]].reset_index(drop=True)
    control = holdout.iloc[order[len(holdout) // 2 :]].reset_index(drop=True)
    sdmetrics_columns = [column for column in sdtypes if sdtypes[column] in SDMETRICS_SDTYPES]
    random = random_rows(
        training, {column: sdtypes[column] for column in sdmetrics_columns}, len(synthetic), rng
    )
    tables = GowerTables(
        {
            'training': training,
            'synthetic': synthetic,
            'reference': reference,
            'control': control,
            'random': random.reindex(columns=list(sdtypes)),
        },
        sdtypes,
    )
    random_median = math.nan
    if sdmetrics_columns:
        to_random = tables.nearest(
            'random', 'training', ranges_of='training', columns=sdmetrics_columns
        )[0]
        random_median = float(np.median(to_random))

    sizes = {
        'training': len(training),
        'synthetic': len(synthetic),
        'reference': len(reference),
        'control': len(control),
        'random': len(random),
    }
    cut_note = ''
    if len(training) < len(real):
        cut_note += (
            f'; on {len(training):,} of the {len(real):,} training rows (max_reference_rows)'
        )

    if len(synthetic) < num_synthetic:
        cut_note += (
            f'; on {len(synthetic):,} of the {num_synthetic:,} synthetic rows (max_synthetic_rows)'
        )

    figures = _distance_figures(
        _side(tables, 'synthetic', sdmetrics_columns, random_median),
        _side(tables, 'reference', sdmetrics_columns, random_median),
        random_median,
        sizes,
        cut_note,
    )
    if attacks:
        figures += _attack_figures(training, synthetic, reference, control, sdtypes, seed)

    num_rows = {name: sizes[name] for name in ('training', 'synthetic', 'reference', 'control')}
    return PrivacyResult.from_figures(figures, num_rows)
