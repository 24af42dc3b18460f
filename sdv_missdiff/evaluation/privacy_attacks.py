"""anonymeter's singling-out, linkability and inference attacks, with real unseen rows as control.

anonymeter (Giomi et al., PETS 2023) attacks the training rows through the synthetic table and
attacks, the same way, real rows the synthesizer never saw (the control set); the risk is the
attack's excess success on the training rows, ``(training rate - control rate) / (1 - control
rate)``, 0 when the synthetic table helps no more against its training rows than against anyone.

anonymeter is an optional dependency (``pip install 'sdv-missdiff[privacy]'``), imported only
here and only when the attacks run.
"""

import contextlib
import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sdv_missdiff.evaluation._utils import CONTINUOUS_SDTYPES, category_label, datetime_seconds
from sdv_missdiff.evaluation.privacy_distances import GowerTables

ANONYMETER_MISSING = (
    "anonymeter is not installed: run `pip install 'sdv-missdiff[privacy]'` for the attacks, "
    'or pass attacks=False.'
)
ATTACKS = (
    'singling_out_univariate_risk',
    'singling_out_multivariate_risk',
    'linkability_risk',
    'inference_risk',
)
# anonymeter's defaults: 500 attacks, queries on 3 columns, a 95% interval.
NUM_ATTACKS = 500
SINGLING_OUT_COLUMNS = 3
CONFIDENCE = 0.95
# Query draws of the multivariate singling-out attack before it gives up (anonymeter: 10 million).
MAX_QUERY_ATTEMPTS = 100 * NUM_ATTACKS
# anonymeter's linkability tutorial: the two halves of a target link when they share one of
# their 10 nearest synthetic rows.
LINK_NEIGHBORS = 10
MISSING_LABEL = '(missing)'


def import_anonymeter():
    """The evaluators module of anonymeter, or None when anonymeter cannot be imported."""
    try:
        from anonymeter import evaluators
    except ImportError:
        return None

    return evaluators


@dataclass
class AttackRisk:
    """One attack's risk, as anonymeter estimates it.

    Attributes:
        value (float):
            The risk, in [0, 1]: 0 when the attack does no better on the training rows than
            on the control rows.
        low (float):
            Lower end of its 95% interval.
        high (float):
            Upper end of its 95% interval.
        error (float):
            Its standard error, before anonymeter clips the risk to [0, 1].
        note (str):
            How the attack was run. Defaults to ''.
    """

    value: float
    low: float
    high: float
    error: float
    note: str = ''


def _risk(results, note=''):
    from anonymeter.stats.confidence import residual_success

    risk = results.risk()
    raw = residual_success(results.attack_rate, results.control_rate)
    error = raw.error / _probit()
    return AttackRisk(risk.value, risk.ci[0], risk.ci[1], error, note)


def _probit():
    from scipy.stats import norm

    return float(norm.ppf(0.5 * (1 + CONFIDENCE)))


class _Messages(logging.Handler):
    """Keeps anonymeter's log messages (too few singling-out queries) for the notes."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _quiet_and_seeded(seed):
    """Seed the generators anonymeter draws from (NumPy's global one, polars').

    anonymeter lists the rare values of a column and the levels its random queries draw from
    with polars' ``group_by`` and ``unique``, whose order changes from call to call: with the
    same seed, its singling-out risk would change too. While the attacks run, both keep the
    order of the rows. NumPy's global state and polars' methods are restored afterwards.
    anonymeter's warnings (an attack no better than random guessing, expected when nothing
    leaks) are silenced and its log messages kept.
    """
    import polars

    logger = logging.getLogger('anonymeter')
    handler = _Messages()
    propagate = logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    state = np.random.get_state()
    np.random.seed(seed)
    polars.set_random_seed(seed)
    group_by, unique = polars.DataFrame.group_by, polars.Series.unique

    def ordered_group_by(self, *by, maintain_order=False, **named_by):
        return group_by(self, *by, maintain_order=True, **named_by)

    def ordered_unique(self, *, maintain_order=False):
        return unique(self, maintain_order=True)

    polars.DataFrame.group_by, polars.Series.unique = ordered_group_by, ordered_unique
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            yield handler
    finally:
        polars.DataFrame.group_by, polars.Series.unique = group_by, unique
        np.random.set_state(state)
        logger.removeHandler(handler)
        logger.propagate = propagate


def _attack_frames(tables, sdtypes, training):
    """The tables as anonymeter reads them.

    Numbers and datetimes (seconds) are shifted to ``value - training minimum + training
    range``: the training values lie in ``[range, 2 * range]``, so anonymeter's inference rule
    (a guess within 5% of itself is right) means within 5 to 10% of the column's range for every
    column, datetimes and negative numbers included. Labels are strings; a hole stays missing.
    """
    frames = {name: pd.DataFrame(index=range(len(table))) for name, table in tables.items()}
    for column, sdtype in sdtypes.items():
        if sdtype in CONTINUOUS_SDTYPES:
            values = {}
            for name, table in tables.items():
                part = table[column].reset_index(drop=True)
                values[name] = (
                    datetime_seconds(part)
                    if sdtype == 'datetime'
                    else pd.to_numeric(part.astype(object), errors='coerce').astype(float)
                )

            low, high = values[training].min(), values[training].max()
            spread = high - low if pd.notna(high) and high > low else 1.0
            low = low if pd.notna(low) else 0.0
            for name in tables:
                frames[name][column] = values[name] - low + spread
        else:
            for name, table in tables.items():
                labels = table[column].reset_index(drop=True).astype(object)
                frames[name][column] = labels.map(category_label, na_action='ignore')

    return frames


def _linkable(frames, continuous, training):
    """Frames anonymeter's nearest-neighbour search can read: no hole in a number.

    anonymeter's distance is NaN when one of two numbers is missing, which breaks its search: a
    number with holes is filled with its training median and gets a ``'<column> (missing)'``
    label column, so a hole still counts as a mismatch; a missing label is a label of its own.
    """
    linkable = {name: frame.copy() for name, frame in frames.items()}
    flags = {}
    for column in frames[training].columns:
        if column in continuous:
            if any(frame[column].isna().any() for frame in frames.values()):
                median = frames[training][column].median()
                median = 0.0 if pd.isna(median) else median
                flag = f'{column} (missing)'
                flags[column] = flag
                for name, frame in frames.items():
                    linkable[name][column] = frame[column].fillna(median)
                    linkable[name][flag] = np.where(frame[column].isna(), 'yes', 'no')
        else:
            for name, frame in frames.items():
                linkable[name][column] = frame[column].fillna(MISSING_LABEL)

    return linkable, flags


class _NearestRowPredictor:
    """anonymeter inference model: the secret of the synthetic row nearest the known columns.

    The distance is that of :mod:`sdv_missdiff.evaluation.privacy_distances` (holes handled,
    numbers scaled by the synthetic table's ranges: what an attacker holding only the synthetic
    table can compute). The targets are told apart by their index: training rows keep theirs,
    control rows come after them.
    """

    def __init__(self, tables, synthetic, secret, columns):
        self._tables = tables
        self._synthetic = synthetic
        self._secret = secret
        self._columns = columns

    def predict(self, targets):
        self._tables.subset('targets', targets.index.to_numpy(), 'attacked')
        _, positions = self._tables.nearest(
            'attacked', 'synthetic', ranges_of='synthetic', columns=self._columns
        )
        guesses = self._synthetic[self._secret].iloc[positions[:, 0]]
        return pd.Series(guesses.to_numpy(), index=targets.index, name=self._secret)


def _singling_out(evaluators, frames, mode, num_attacks, seed, messages):
    evaluator = evaluators.SinglingOutEvaluator(
        ori=frames['training'],
        syn=frames['synthetic'],
        control=frames['control'],
        n_attacks=num_attacks,
        n_cols=min(SINGLING_OUT_COLUMNS, frames['training'].shape[1]),
        max_attempts=MAX_QUERY_ATTEMPTS,
        seed=seed,
    )
    start = len(messages.messages)
    evaluator.evaluate(mode=mode)
    note = f'{len(evaluator.queries())} of {num_attacks} queries singled out a training row'
    shortfall = [text for text in messages.messages[start:] if 'could generate only' in text]
    if shortfall:
        found = shortfall[0].split('could generate only ')[1].split(' ')[0]
        note += f' (only {found} queries could be drawn from the synthetic rows)'

    return _risk(evaluator.results(CONFIDENCE), note)


def _linkability(evaluators, frames, continuous, num_attacks):
    linkable, flags = _linkable(frames, continuous, 'training')
    columns = list(frames['training'].columns)
    halves = (columns[0::2], columns[1::2])
    aux = tuple(
        [part for column in half for part in (column, flags.get(column)) if part] for half in halves
    )
    evaluator = evaluators.LinkabilityEvaluator(
        ori=linkable['training'],
        syn=linkable['synthetic'],
        control=linkable['control'],
        aux_cols=aux,
        n_attacks=min(num_attacks, len(frames['training']), len(frames['control'])),
        n_neighbors=min(LINK_NEIGHBORS, len(frames['synthetic'])),
    )
    evaluator.evaluate(n_jobs=1)
    note = f'columns {halves[0]} linked to columns {halves[1]}'
    return _risk(evaluator.results(CONFIDENCE), note)


def _inference(evaluators, frames, sdtypes, num_attacks):
    from anonymeter.stats.confidence import residual_success

    training, control = frames['training'], frames['control']
    targets = pd.concat([training, control], ignore_index=True)
    control = control.set_axis(pd.RangeIndex(len(training), len(targets)))
    # The frames hold numbers (datetimes as shifted seconds) and labels.
    kinds = {
        column: 'numerical' if sdtype in CONTINUOUS_SDTYPES else 'categorical'
        for column, sdtype in sdtypes.items()
    }
    tables = GowerTables({'targets': targets, 'synthetic': frames['synthetic']}, kinds)
    raw = {}
    for secret in sdtypes:
        columns = [column for column in sdtypes if column != secret]
        predictor = _NearestRowPredictor(tables, frames['synthetic'], secret, columns)
        evaluator = evaluators.InferenceEvaluator(
            ori=training,
            syn=frames['synthetic'],
            control=control,
            aux_cols=columns,
            secret=secret,
            regression=sdtypes[secret] in CONTINUOUS_SDTYPES,
            n_attacks=num_attacks,
            inference_model=predictor,
        )
        results = evaluator.evaluate(n_jobs=1).results(CONFIDENCE)
        raw[secret] = residual_success(results.attack_rate, results.control_rate)

    # The mean of the unclipped risks: clipping each at 0 first would lift the mean of zero
    # risks above 0. Its error treats the secrets' attacks as independent.
    value = float(np.mean([rate.value for rate in raw.values()]))
    error = math.sqrt(sum(rate.error**2 for rate in raw.values())) / len(raw) / _probit()
    margin = error * _probit()
    worst = max(raw, key=lambda secret: raw[secret].value)
    note = (
        f'mean over {len(raw)} secrets, each guessed from every other column; highest: '
        f'{worst!r} {min(max(raw[worst].value, 0.0), 1.0):.3f}'
    )
    return AttackRisk(
        min(max(value, 0.0), 1.0),
        min(max(value - margin, 0.0), 1.0),
        min(max(value + margin, 0.0), 1.0),
        error,
        note,
    )


def run_attacks(training, synthetic, control, sdtypes, seed=0, num_attacks=NUM_ATTACKS):
    """Run anonymeter's four attacks on the training rows through ``synthetic``.

    Args:
        training (pandas.DataFrame):
            The rows the synthesizer saw (anonymeter's ``ori``).
        synthetic (pandas.DataFrame):
            The rows the attacker holds.
        control (pandas.DataFrame):
            Real rows the synthesizer never saw.
        sdtypes (dict):
            ``{column: sdtype}`` of the columns the attacks use.
        seed (int):
            Seed of the attacks' draws. Defaults to 0.
        num_attacks (int):
            Attacks of each kind. Defaults to 500 (anonymeter's default).

    Returns:
        dict:
            ``{name: AttackRisk}`` for each name of :data:`ATTACKS`.
    """
    evaluators = import_anonymeter()
    frames = _attack_frames(
        {'training': training, 'synthetic': synthetic, 'control': control}, sdtypes, 'training'
    )
    continuous = [column for column in sdtypes if sdtypes[column] in CONTINUOUS_SDTYPES]
    num_attacks = min(num_attacks, len(training), len(control))
    risks = {}
    with _quiet_and_seeded(seed) as messages:
        for mode in ('univariate', 'multivariate'):
            name = f'singling_out_{mode}_risk'
            risks[name] = _singling_out(evaluators, frames, mode, num_attacks, seed, messages)

        risks['linkability_risk'] = _linkability(evaluators, frames, continuous, num_attacks)
        risks['inference_risk'] = _inference(evaluators, frames, sdtypes, num_attacks)

    return risks
