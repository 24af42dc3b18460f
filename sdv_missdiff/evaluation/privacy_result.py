"""The result of :func:`sdv_missdiff.evaluation.evaluate_privacy`: figures, references, verdicts.

Every figure is read against the same figure for real rows the synthesizer never saw (the
reference). A figure is flagged when it is worse than the reference by more than three standard
errors of their difference: each figure's error is estimated from its own rows (a share's
binomial error, a quantile's order-statistic error, anonymeter's interval), so the tolerance
shrinks with the number of rows, and with ten figures a table with no risk is flagged about
once in a hundred reports.
"""

import math
from dataclasses import dataclass, field

import pandas as pd

TOLERANCE_ERRORS = 3.0
"""Standard errors by which a figure must be worse than its reference to be flagged."""

INSTALL_HINT = "not run: `pip install 'sdv-missdiff[privacy]'` for the attacks, or attacks=False"

# key: (label, sign: +1 when a higher value is riskier, -1 when a lower one is, share or not).
FIGURES = {
    'exact_copy_share': ('Exact copies of training rows', 1, True),
    'dcr_share': ('DCR share: nearer a training row than a holdout row', 1, True),
    'dcr_overfitting_protection': ('SDMetrics DCROverfittingProtection', -1, False),
    'dcr_baseline_protection': ('SDMetrics DCRBaselineProtection', -1, False),
    'nndr_median': ('Nearest-neighbour distance ratio, median', -1, False),
    'nndr_p05': ('Nearest-neighbour distance ratio, 5th percentile', -1, False),
    'singling_out_univariate_risk': ('Singling out on one column (anonymeter)', 1, False),
    'singling_out_multivariate_risk': ('Singling out on three columns (anonymeter)', 1, False),
    'linkability_risk': ('Linkability (anonymeter)', 1, False),
    'inference_risk': ('Attribute inference (anonymeter)', 1, False),
}

_SAFE = {
    'dcr_share': 'synthetic rows are no nearer the training rows than unseen real rows are',
    'dcr_overfitting_protection': 'as protected as unseen real rows',
    'dcr_baseline_protection': (
        'synthetic rows lie as far from the training rows as unseen real rows do'
    ),
    'nndr_median': (
        'synthetic rows are no closer to one particular training row than unseen real rows are'
    ),
    'attack': 'the attack does no better on the training rows than unseen real rows let it',
}
_RISKY = {
    'dcr_share': (
        'synthetic rows are nearer the training rows than unseen real rows are: possible '
        'memorisation'
    ),
    'dcr_overfitting_protection': (
        'less protected than unseen real rows: synthetic rows sit nearer the training rows '
        'than the holdout rows'
    ),
    'dcr_baseline_protection': (
        'synthetic rows lie nearer the training rows than unseen real rows do: possible '
        'memorisation'
    ),
    'nndr_median': (
        'synthetic rows are closer to one particular training row than unseen real rows are: '
        'they may reveal those rows'
    ),
    'attack': (
        'the attack does better on the training rows than unseen real rows let it: a privacy risk'
    ),
}


@dataclass
class Figure:
    """One figure of the report, for the synthetic rows and for the reference.

    Attributes:
        key (str):
            The figure, a key of :data:`FIGURES`.
        value (float):
            The figure of the synthetic rows (NaN when not measured).
        reference (float):
            The figure of unseen real rows.
        error (float):
            Standard error of ``value``.
        reference_error (float):
            Standard error of ``reference``.
        note (str):
            How the figure was computed.
        count (int or None):
            Number of rows behind a share (exact copies), for the verdict. Defaults to None.
        missing (str or None):
            Why the figure is not measured. Defaults to None.
    """

    key: str
    value: float
    reference: float
    error: float
    reference_error: float
    note: str
    count: int = None
    missing: str = None

    @property
    def flagged(self):
        """Whether the synthetic figure is worse than the reference beyond the tolerance."""
        if self.missing or math.isnan(self.value) or math.isnan(self.reference):
            return False

        sign = FIGURES[self.key][1]
        tolerance = TOLERANCE_ERRORS * math.hypot(self.error, self.reference_error)
        return sign * (self.value - self.reference) > tolerance

    @property
    def verdict(self):
        """One plain-language sentence a data owner can act on."""
        if self.missing:
            return self.missing

        if math.isnan(self.value) or math.isnan(self.reference):
            return 'not defined for these tables (see the note)'

        if self.key == 'exact_copy_share':
            if self.value == 0:
                return 'no synthetic row copies a training row'

            copies = f'{self.count:,} synthetic rows ({self.value:.2%}) equal a training row'
            if self.flagged:
                return f'{copies}, more often than unseen real rows do: possible memorisation'

            return f'{copies}, no more often than unseen real rows do: repeats the data holds'

        kind = self.key if self.key in _SAFE else 'attack'
        kind = 'nndr_median' if self.key == 'nndr_p05' else kind
        return _RISKY[kind] if self.flagged else _SAFE[kind]


def _format(key, value):
    if isinstance(value, float) and math.isnan(value):
        return '-'

    return f'{value:.2%}' if FIGURES[key][2] else f'{value:.3f}'


@dataclass
class PrivacyResult:
    """Result of :func:`sdv_missdiff.evaluation.evaluate_privacy`.

    Attributes:
        table (pandas.DataFrame):
            One row per figure: ``Figure``, ``Synthetic`` (the figure of the synthetic rows),
            ``Unseen real rows`` (the same figure for real rows the synthesizer never saw: what
            a synthesizer that learned nothing of its training rows would get), ``Verdict`` and
            ``Note`` (how it was computed, and on how many rows).
        scores (dict):
            The figures as plain numbers: each key of :data:`FIGURES` that was measured and the
            same key with ``'_reference'`` added.
        num_rows (dict):
            Rows used: ``training``, ``synthetic``, ``reference`` (holdout rows playing the
            synthetic table) and ``control`` (holdout rows the distances compare against).
        concerns (list[str]):
            The figures whose verdict flags a risk (keys of :data:`FIGURES`).
        figures (list[Figure]):
            The figures with their standard errors.
    """

    table: pd.DataFrame
    scores: dict
    num_rows: dict
    concerns: list
    figures: list = field(repr=False, default_factory=list)

    @classmethod
    def from_figures(cls, figures, num_rows):
        """Build the result from its :class:`Figure` records and the rows used."""
        rows = []
        scores = {}
        for figure in figures:
            rows.append(
                {
                    'Figure': FIGURES[figure.key][0],
                    'Synthetic': figure.value,
                    'Unseen real rows': figure.reference,
                    'Verdict': figure.verdict,
                    'Note': figure.note,
                }
            )
            if not figure.missing:
                scores[figure.key] = figure.value
                scores[f'{figure.key}_reference'] = figure.reference

        concerns = [figure.key for figure in figures if figure.flagged]
        return cls(pd.DataFrame(rows), scores, dict(num_rows), concerns, list(figures))

    def summary(self):
        """The report as text: each figure beside its reference, with its verdict."""
        rows = self.num_rows
        lines = [
            f'Privacy of {rows["synthetic"]:,} synthetic rows against {rows["training"]:,} '
            f'training rows. Beside each figure, in brackets, the same figure for '
            f'{rows["reference"]:,} real rows the synthesizer never saw (half of the holdout; '
            f'the other {rows["control"]:,} holdout rows are the unseen side the distances '
            'compare against).',
            '',
        ]
        for figure in self.figures:
            label = FIGURES[figure.key][0]
            if figure.missing:
                lines.append(f'- {label}: {figure.verdict}.')
                continue

            value = _format(figure.key, figure.value)
            reference = _format(figure.key, figure.reference)
            lines.append(
                f'- {label}: {value} ({reference}). {figure.verdict[0].upper()}'
                f'{figure.verdict[1:]}.'
            )

        lines.append('')
        if self.concerns:
            names = ', '.join(FIGURES[key][0] for key in self.concerns)
            lines.append(f'{len(self.concerns)} figure(s) flag a possible risk: {names}.')
        else:
            lines.append('No figure is worse than for unseen real rows beyond its noise.')

        return '\n'.join(lines)

    def __str__(self):
        return self.summary()
