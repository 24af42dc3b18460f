"""Every SDV 2.0 single-table constraint keeps missing cells missing for MissDiff.

SDV rebuilds its data processor in ``add_constraints``, and ``Inequality``, ``Range`` and
``FixedCombinations`` fill holes themselves; either way MissDiff used to train on filled cells
and return NaN re-inserted at random.
"""

import numpy as np
import pandas as pd
import pytest
import torch
from rdt.transformers import FloatFormatter, LabelEncoder, UnixTimestampEncoder
from sdv.cag import (
    FixedCombinations,
    FixedIncrements,
    Inequality,
    OneHotEncoding,
    Range,
    SingleTableProgrammableConstraint,
)
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff import MissDiffSynthesizer
from sdv_missdiff.constraints import restore_missing_cells

FAST = dict(
    epochs=6,
    batch_size=64,
    model_options={'denoiser_width': 32, 'denoiser_blocks': 1, 'sampling_steps': 10},
)
HOLEY = ['plan', 'smoker', 'age', 'low', 'mid', 'high', 'step', 'start', 'end']


def _table(num_rows=300, seed=0):
    rng = np.random.default_rng(seed)
    low = rng.integers(0, 50, num_rows).astype(float)
    mid = low + rng.integers(1, 20, num_rows)
    high = mid + rng.integers(1, 20, num_rows)
    start = pd.Timestamp('2020-01-01') + pd.to_timedelta(rng.integers(0, 300, num_rows), 'D')
    level = rng.integers(0, 3, num_rows)
    plan = rng.choice(['basic', 'plus', 'gold'], num_rows)
    data = pd.DataFrame(
        {
            'plan': plan,
            # smoker depends on plan: 'gold' members never smoke
            'smoker': np.where(plan == 'gold', 'no', rng.choice(['yes', 'no'], num_rows)),
            'age': rng.normal(40, 10, num_rows).round(1),
            'low': low,
            'mid': mid,
            'high': high,
            'step': rng.integers(0, 20, num_rows) * 5.0,
            'start': start,
            'end': start + pd.to_timedelta(rng.integers(1, 60, num_rows), 'D'),
            'level_a': (level == 0).astype(int),
            'level_b': (level == 1).astype(int),
            'level_c': (level == 2).astype(int),
        }
    )
    for column in HOLEY:
        data.loc[rng.random(num_rows) < 0.2, column] = np.nan

    return data


def _metadata():
    columns = {
        'plan': {'sdtype': 'categorical'},
        'smoker': {'sdtype': 'categorical'},
        'age': {'sdtype': 'numerical'},
        'low': {'sdtype': 'numerical'},
        'mid': {'sdtype': 'numerical'},
        'high': {'sdtype': 'numerical'},
        'step': {'sdtype': 'numerical'},
        'start': {'sdtype': 'datetime'},
        'end': {'sdtype': 'datetime'},
        'level_a': {'sdtype': 'categorical'},
        'level_b': {'sdtype': 'categorical'},
        'level_c': {'sdtype': 'categorical'},
    }
    return Metadata.load_from_dict({'tables': {'t': {'columns': columns}}})


class AgeAtLeastZero(SingleTableProgrammableConstraint):
    """A user's own constraint that leaves the data as it is and rejects negative ages."""

    def transform(self, data):
        return data

    def reverse_transform(self, transformed_data):
        return transformed_data

    def get_updated_metadata(self, metadata):
        return metadata

    def is_valid(self, synthetic_data):
        return ~(synthetic_data['age'] < 0)


def _holds(name, sampled):
    checks = {
        'fixed_combinations': lambda: ~((sampled['plan'] == 'gold') & (sampled['smoker'] == 'yes')),
        'fixed_increments': lambda: sampled['step'] % 5 == 0,
        'inequality': lambda: sampled['low'] <= sampled['mid'],
        'inequality_datetime': lambda: sampled['start'] <= sampled['end'],
        'range': lambda: (sampled['low'] <= sampled['mid']) & (sampled['mid'] <= sampled['high']),
        'one_hot': lambda: sampled[['level_a', 'level_b', 'level_c']].sum(axis=1) == 1,
        'one_hot_categorical': lambda: sampled[['level_a', 'level_b', 'level_c']].sum(axis=1) == 1,
        'programmable': lambda: sampled['age'] >= 0,
    }
    return bool(checks[name]().all())


CONSTRAINTS = {
    'fixed_combinations': lambda: FixedCombinations(column_names=['plan', 'smoker']),
    'fixed_increments': lambda: FixedIncrements(column_name='step', increment_value=5),
    'inequality': lambda: Inequality(low_column_name='low', high_column_name='mid'),
    'inequality_datetime': lambda: Inequality(low_column_name='start', high_column_name='end'),
    'range': lambda: Range(
        low_column_name='low', middle_column_name='mid', high_column_name='high'
    ),
    'one_hot': lambda: OneHotEncoding(column_names=['level_a', 'level_b', 'level_c']),
    'one_hot_categorical': lambda: OneHotEncoding(
        column_names=['level_a', 'level_b', 'level_c'], learning_strategy='categorical'
    ),
    'programmable': AgeAtLeastZero,
}


@pytest.fixture(scope='module', params=list(CONSTRAINTS))
def fitted(request):
    torch.set_num_threads(1)
    data = _table()
    synthesizer = MissDiffSynthesizer(_metadata(), enable_gpu=False, **FAST)
    synthesizer.add_constraints([CONSTRAINTS[request.param]()])
    torch.manual_seed(0)
    synthesizer.fit({'t': data})
    return request.param, data, synthesizer


def test_transformers_keep_missing_values_after_add_constraints(fitted):
    # Setup
    _, _, synthesizer = fitted

    # Run
    transformers = synthesizer.get_transformers()

    # Assert
    continuous = [
        transformer
        for transformer in transformers.values()
        if isinstance(transformer, (FloatFormatter, UnixTimestampEncoder))
    ]
    assert continuous
    for transformer in continuous:
        assert transformer.missing_value_replacement is None
        assert transformer.missing_value_generation is None


def test_samples_are_complete_and_hold_the_constraint(fitted):
    # Setup
    name, data, synthesizer = fitted

    # Run
    sampled = synthesizer.sample(200)['t']

    # Assert
    assert len(sampled) == 200
    assert list(sampled.columns) == list(data.columns)
    assert not sampled.isna().any().any(), sampled.isna().mean()
    assert _holds(name, sampled)


@pytest.mark.filterwarnings('ignore::sdv.errors.RefitWarning')
def test_constraint_fills_are_missing_again_in_what_the_model_trains_on(fitted):
    # Setup
    name, data, synthesizer = fitted
    processed = synthesizer.preprocess({'t': data})['t']

    # Run
    restored = restore_missing_cells(processed, synthesizer._chained_constraints)

    # Assert: each processed cell is missing exactly when an original cell it needs is missing
    low, mid, high = (data[column].isna() for column in ('low', 'mid', 'high'))
    expected = {
        'inequality': {'low.fillna': low, 'low#mid': low | mid},
        'inequality_datetime': {
            'start.fillna': data['start'].isna(),
            'start#end': data['start'].isna() | data['end'].isna(),
        },
        'range': {'low.fillna': low, 'low#mid': low | mid, 'mid#high': mid | high},
        'fixed_combinations': {'plan#smoker': data['plan'].isna() | data['smoker'].isna()},
        'fixed_increments': {'step#increment': data['step'].isna()},
    }.get(name, {'age': data['age'].isna()})
    for column, missing in expected.items():
        np.testing.assert_array_equal(restored[column].isna().to_numpy(), missing.to_numpy())

    for column in restored.columns:
        if column.endswith('.nan_component'):
            assert (restored[column] == 'None').all()

    untouched = [column for column in restored.columns if column in HOLEY]
    pd.testing.assert_frame_equal(restored[untouched], processed[untouched])


def test_an_empty_constraint_list_keeps_missing_values_too():
    # Setup: add_constraints([]) alone used to bring back SDV's mean fill and random NaN
    data = _table(50)
    synthesizer = MissDiffSynthesizer(_metadata(), enable_gpu=False, **FAST)

    # Run
    synthesizer.add_constraints([])
    synthesizer.auto_assign_transformers({'t': data})

    # Assert
    age = synthesizer.get_transformers()['age']
    assert age.missing_value_replacement is None
    assert age.missing_value_generation is None


CONSTRAINED_COLUMNS = {
    'fixed_combinations': ['plan', 'smoker'],
    'fixed_increments': ['step'],
    'inequality': ['low', 'mid'],
    'inequality_datetime': ['start', 'end'],
    'range': ['low', 'mid', 'high'],
    'one_hot': ['level_a', 'level_c'],
    'one_hot_categorical': ['level_b'],
    'programmable': ['age'],
}


def _condition_values(data, column):
    # Two values the data holds in complete rows: a common one and the column's extreme.
    complete = data.dropna()
    values = complete[column]
    return [values.mode().iloc[0], values.max()]


def test_conditions_on_constrained_columns_hold_and_so_does_the_constraint(fitted):
    # Setup
    name, data, synthesizer = fitted
    synthesizer.set_random_state(0)

    for column in CONSTRAINED_COLUMNS[name]:
        for value in _condition_values(data, column):
            # Run
            conditioned = synthesizer.sample_from_conditions(
                [Condition({column: value}, num_rows=20)]
            )['t']
            remaining = synthesizer.sample_remaining_columns(pd.DataFrame({column: [value] * 20}))[
                't'
            ]

            # Assert: every row keeps its condition exactly and meets the constraint.
            for sampled in (conditioned, remaining):
                assert len(sampled) == 20
                assert (sampled[column] == value).all(), (name, column, value)
                assert _holds(name, sampled), (name, column, value)


def test_a_label_encoded_nan_component_still_marks_the_holes(monkeypatch):
    # Setup: SDV's tutorial step, a LabelEncoder on the constraint's .nan_component, then a refit.
    import sdv_missdiff.model_fitting as fitting_module

    data = _table()
    synthesizer = MissDiffSynthesizer(_metadata(), enable_gpu=False, **FAST)
    synthesizer.add_constraints([Inequality(low_column_name='low', high_column_name='mid')])
    synthesizer.fit({'t': data})
    synthesizer.update_transformers({'low#mid.nan_component': LabelEncoder()})
    trained_on = {}

    def spy(*args, **kwargs):
        trained_on['table'] = restore_missing_cells(*args, **kwargs)
        return trained_on['table']

    monkeypatch.setattr(fitting_module, 'restore_missing_cells', spy)

    # Run
    synthesizer.fit({'t': data})
    sampled = synthesizer.sample(50)['t']

    # Assert: the holes of low (and of the difference) are holes again, not the fills.
    table = trained_on['table']
    assert table['low.fillna'].isna().sum() == data['low'].isna().sum()
    assert table['low#mid'].isna().sum() == (data['low'].isna() | data['mid'].isna()).sum()
    assert table['low#mid.nan_component'].nunique() == 1
    assert (sampled['low'] <= sampled['mid']).all() and not sampled[
        ['low', 'mid']
    ].isna().any().any()


def test_random_holes_give_every_missing_pattern_of_the_constrained_columns():
    # Setup: low and mid each missing alone and together; plan and smoker too.
    data = _table(600)
    synthesizer = MissDiffSynthesizer(
        _metadata(), enable_gpu=False, missing_value_generation='random', **FAST
    )
    synthesizer.add_constraints(
        [
            Inequality(low_column_name='low', high_column_name='mid'),
            FixedCombinations(column_names=['plan', 'smoker']),
        ]
    )
    torch.manual_seed(0)
    synthesizer.fit({'t': data})
    synthesizer.set_random_state(0)

    # Run
    sampled = synthesizer.sample(600)['t']

    # Assert: as SDV's constraints give them, a hole of one column does not take the other.
    for first, second in (('low', 'mid'), ('plan', 'smoker')):
        real = set(zip(data[first].isna(), data[second].isna()))
        drawn = set(zip(sampled[first].isna(), sampled[second].isna()))
        assert real == {(False, False), (True, False), (False, True), (True, True)}
        assert drawn == real, (first, second, drawn)

    assert (
        (sampled['low'] <= sampled['mid']).where(sampled[['low', 'mid']].notna().all(1), True).all()
    )
