import numpy as np
import pandas as pd
import pytest

pytest.importorskip('anonymeter')

from sdv_missdiff.evaluation import evaluate_privacy  # noqa: E402
from sdv_missdiff.evaluation.privacy_attacks import ATTACKS, run_attacks  # noqa: E402

SDTYPES = {'age': 'numerical', 'income': 'numerical', 'job': 'categorical', 'since': 'datetime'}


def _table(num_rows, seed):
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 80, num_rows).astype(float)
    table = pd.DataFrame(
        {
            'age': age,
            'income': (age * 1000 + rng.normal(0, 20_000, num_rows)).round(-2),
            'job': rng.choice([f'job {number}' for number in range(12)], num_rows),
            'since': pd.Timestamp('2000-01-01')
            + pd.to_timedelta(rng.integers(0, 5000, num_rows), 'D'),
        }
    )
    return table.mask(rng.random(table.shape) < 0.1)


@pytest.fixture(scope='module')
def tables():
    return _table(300, 0), _table(300, 1)


def test_copies_of_the_training_rows_are_attacked_with_success(tables):
    # Setup
    training, control = tables
    copies = training.sample(frac=1, random_state=0)

    # Run
    risks = run_attacks(training, copies, control, SDTYPES, seed=0, num_attacks=100)

    # Assert
    assert list(risks) == list(ATTACKS)
    assert risks['singling_out_univariate_risk'].value > 0.5
    assert risks['linkability_risk'].value > 0.5
    assert risks['inference_risk'].value > 0.5
    assert 'mean over 4 secrets' in risks['inference_risk'].note
    for risk in risks.values():
        assert risk.low <= risk.value <= risk.high


def test_independent_rows_give_the_attacks_little_and_repeat_with_the_seed(tables):
    # Setup
    training, control = tables
    fresh = _table(300, 2)

    # Run
    first = run_attacks(training, fresh, control, SDTYPES, seed=1, num_attacks=100)
    second = run_attacks(training, fresh, control, SDTYPES, seed=1, num_attacks=100)

    # Assert
    assert first['linkability_risk'].value < 0.1
    assert first['inference_risk'].value < 0.1
    assert {key: risk.value for key, risk in first.items()} == {
        key: risk.value for key, risk in second.items()
    }


def test_the_report_flags_the_attacks_on_copies_against_the_reference(tables):
    # Setup
    training, holdout = tables
    metadata = {'columns': {column: {'sdtype': sdtype} for column, sdtype in SDTYPES.items()}}

    # Run
    result = evaluate_privacy(training, training, metadata, holdout)

    # Assert
    assert 'inference_risk' in result.concerns
    assert result.scores['inference_risk'] > result.scores['inference_risk_reference']
    row = result.table.set_index('Figure').loc['Attribute inference (anonymeter)']
    assert row['Verdict'].startswith('the attack does better on the training rows')
    assert 'control: 150 holdout rows' in row['Note']
