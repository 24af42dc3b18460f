from unittest import mock

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff.synthesizer import MissDiffSynthesizer


def _table(num_rows=400, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'x': x,
            'y': 2 * x + 0.1 * rng.normal(size=num_rows),
            'count': rng.integers(0, 50, num_rows),
            'color': np.where(x > 0, 'warm', 'cold'),
            'flag': rng.random(num_rows) < 0.3,
            'when': pd.Timestamp('2024-01-01')
            + pd.to_timedelta(rng.integers(0, 300, num_rows), 'D'),
        }
    )


def _fitted_synthesizer(**options):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = _table()
    data.loc[data.index % 4 == 0, 'y'] = np.nan
    metadata = Metadata.detect_from_dataframes({'table': data})
    metadata.update_column('flag', sdtype='boolean')
    synthesizer = MissDiffSynthesizer(
        metadata,
        epochs=300,
        batch_size=100,
        model_options={
            'denoiser_width': 64,
            'denoiser_blocks': 2,
            'sampling_steps': 25,
            **options,
        },
    )
    synthesizer.fit({'table': data})
    return synthesizer


@pytest.fixture(scope='module')
def synthesizer():
    return _fitted_synthesizer()


@pytest.mark.parametrize(
    'column_values',
    [
        {'color': 'warm'},
        {'x': 1.25},
        {'count': 7},
        {'flag': True},
        {'when': pd.Timestamp('2024-03-01')},
        {'color': 'cold', 'flag': False, 'x': -0.5},
    ],
)
def test_sample_from_conditions_holds_every_condition_exactly(synthesizer, column_values):
    # Run
    sampled = synthesizer.sample_from_conditions([Condition(column_values, num_rows=30)])

    # Assert
    table = sampled['table']
    assert len(table) == 30
    for column, value in column_values.items():
        assert (table[column] == value).all()

    assert not table.isna().any().any()


def test_sample_from_conditions_batches_every_condition_into_one_model_call(synthesizer):
    # Setup
    conditions = [
        Condition({'color': 'warm'}, num_rows=5),
        Condition({'color': 'cold'}, num_rows=7),
        Condition({'x': 0.3, 'flag': True}, num_rows=4),
    ]

    # Run
    with mock.patch.object(
        synthesizer._model, 'sample', wraps=synthesizer._model.sample
    ) as model_sample:
        sampled = synthesizer.sample_from_conditions(conditions)['table']

    # Assert
    assert model_sample.call_count == 1
    assert list(sampled['color'].iloc[:12]) == ['warm'] * 5 + ['cold'] * 7
    assert (sampled['x'].iloc[12:] == 0.3).all()
    assert sampled['flag'].iloc[12:].all()


def test_conditions_steer_the_dependent_column(synthesizer):
    # Run
    conditions = [Condition({'x': 1.5}, num_rows=100), Condition({'x': -1.5}, num_rows=100)]
    sampled = synthesizer.sample_from_conditions(conditions, num_resamples=10)['table']
    high, low = sampled.iloc[:100], sampled.iloc[100:]

    # Assert: y = 2x + noise, so y follows the condition
    assert high['y'].median() > 1.5
    assert low['y'].median() < -1.5
    assert (high['color'] == 'warm').mean() > 0.75


def test_conditions_steer_the_dependent_column_with_default_settings(synthesizer):
    # Run: the conditional model with guidance, no RePaint resampling.
    conditions = [Condition({'x': 1.5}, num_rows=100), Condition({'x': -1.5}, num_rows=100)]
    sampled = synthesizer.sample_from_conditions(conditions)['table']
    high, low = sampled.iloc[:100], sampled.iloc[100:]

    # Assert: y = 2x + noise
    assert high['y'].median() == pytest.approx(3.0, abs=0.6)
    assert low['y'].median() == pytest.approx(-3.0, abs=0.6)
    assert (high['color'] == 'warm').mean() > 0.9
    assert (low['color'] == 'cold').mean() > 0.9


def test_sample_remaining_columns_conditions_each_row_on_its_own_values(synthesizer):
    # Setup
    known = pd.DataFrame(
        {'x': np.linspace(-1.5, 1.5, 50), 'flag': [True, False] * 25}, index=range(100, 150)
    )

    # Run
    with mock.patch.object(
        synthesizer._model, 'sample', wraps=synthesizer._model.sample
    ) as model_sample:
        sampled = synthesizer.sample_remaining_columns(known, num_resamples=10)['table']

    # Assert
    assert model_sample.call_count == 1
    assert sampled.index.equals(known.index)
    pd.testing.assert_series_equal(sampled['x'], known['x'])
    pd.testing.assert_series_equal(sampled['flag'], known['flag'])
    assert np.corrcoef(sampled['x'], sampled['y'])[0, 1] > 0.8
    assert not sampled.isna().any().any()


def test_sample_remaining_columns_keeps_rows_whose_known_values_are_nan(synthesizer):
    # Setup
    known = pd.DataFrame(
        {
            'x': [1.0, np.nan, -1.0, np.nan],
            'color': ['warm', 'cold', None, None],
            'when': pd.to_datetime(['2024-02-01', None, '2024-05-01', None]),
        }
    )

    # Run
    sampled = synthesizer.sample_remaining_columns(known)['table']

    # Assert
    assert len(sampled) == 4
    pd.testing.assert_frame_equal(sampled[known.columns], known)
    other = [column for column in sampled.columns if column not in known.columns]
    assert not sampled[other].isna().any().any()


def test_sample_from_conditions_keeps_nan_condition_values(synthesizer):
    # Run
    sampled = synthesizer.sample_from_conditions(
        [Condition({'x': np.nan, 'color': 'warm'}, num_rows=5)]
    )['table']

    # Assert
    assert len(sampled) == 5
    assert sampled['x'].isna().all()
    assert (sampled['color'] == 'warm').all()


def test_repaint_resampling_also_holds_conditions(synthesizer):
    # Run
    sampled = synthesizer.sample_remaining_columns(
        pd.DataFrame({'x': [0.5, -0.5]}), num_resamples=3
    )['table']

    # Assert
    assert list(sampled['x']) == [0.5, -0.5]
    assert not sampled.isna().any().any()


def test_the_papers_unconditional_model_conditions_by_inpainting():
    # Setup: conditional_share=0 trains the paper's model; known cells are pasted in.
    synthesizer = _fitted_synthesizer(conditional_share=0)

    # Run: the default guidance has no conditional model to use and is ignored.
    sampled = synthesizer.sample_from_conditions(
        [Condition({'x': 1.5}, num_rows=100)], num_resamples=10
    )['table']
    imputed = synthesizer.impute(pd.DataFrame({'x': [1.0, np.nan], 'color': ['warm', None]}))

    # Assert
    assert synthesizer._model.denoiser.conditional is False
    assert (sampled['x'] == 1.5).all()
    assert sampled['y'].median() > 1.5
    assert imputed.notna().all().all()
    assert imputed['x'].iloc[0] == 1.0
