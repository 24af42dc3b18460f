import re

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.errors import InvalidDataError
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff.column_encoders import FrequencyColumnEncoder
from sdv_missdiff.synthesizer import MissDiffSynthesizer

NUM_LEVELS = 400


def _table(num_rows=1_500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'x': x,
            'color': np.where(x > 0, 'warm', 'cold'),
            'code': np.array([f'k{code:03d}' for code in rng.integers(0, NUM_LEVELS, num_rows)]),
        }
    )


def _metadata():
    columns = {'x': 'numerical', 'color': 'categorical', 'code': 'categorical'}
    return Metadata.load_from_dict(
        {
            'tables': {
                'table': {'columns': {name: {'sdtype': kind} for name, kind in columns.items()}}
            }
        }
    )


@pytest.fixture(scope='module')
def fitted():
    torch.set_num_threads(1)
    torch.manual_seed(0)
    data = _table()
    data.loc[data.index % 10 == 0, 'code'] = np.nan
    synthesizer = MissDiffSynthesizer(
        _metadata(),
        max_one_hot_levels=100,
        epochs=40,
        batch_size=250,
        model_options={'denoiser_width': 128, 'denoiser_blocks': 2, 'sampling_steps': 10},
    )
    with pytest.warns(UserWarning) as record:
        synthesizer.fit({'table': data})

    return synthesizer, data, [str(warning.message) for warning in record]


def test_many_level_column_is_frequency_encoded_with_one_warning(fitted):
    # Setup
    synthesizer, data, messages = fitted
    num_levels = data['code'].nunique()

    # Assert
    encoder = synthesizer._encoder
    assert isinstance(encoder.column_encoders['code'], FrequencyColumnEncoder)
    assert encoder.output_dimensions == 1 + 2 + 1
    assert synthesizer.get_parameters()['max_one_hot_levels'] == 100
    frequency_warnings = [message for message in messages if 'max_one_hot_levels' in message]
    assert len(frequency_warnings) == 1
    assert f"'code' ({num_levels} levels)" in frequency_warnings[0]
    assert "'color'" not in frequency_warnings[0]


def test_sampled_levels_are_as_many_as_real_ones(fitted):
    # Setup
    synthesizer, data, _ = fitted
    real = data['code'].dropna().sample(1_000, random_state=0)

    # Run
    sampled = synthesizer.sample(1_000)['table']

    # Assert
    assert sampled['code'].notna().all()
    assert set(sampled['code']) <= set(data['code'].dropna())
    assert sampled['code'].nunique() == pytest.approx(real.nunique(), rel=0.2)


def test_conditions_and_known_columns_hold_many_level_values(fitted):
    # Setup
    synthesizer, data, _ = fitted
    known = pd.DataFrame({'code': ['k007', 'k123', np.nan, 'k399']}, index=[5, 6, 7, 8])

    # Run
    conditioned = synthesizer.sample_from_conditions([Condition({'code': 'k042'}, num_rows=20)])
    remaining = synthesizer.sample_remaining_columns(known)['table']

    # Assert
    assert (conditioned['table']['code'] == 'k042').all()
    assert remaining.index.tolist() == [5, 6, 7, 8]
    pd.testing.assert_series_equal(remaining['code'], known['code'])
    assert remaining['x'].notna().all()


def test_impute_fills_and_keeps_many_level_cells(fitted):
    # Setup
    synthesizer, data, _ = fitted
    holes = data.iloc[:60].copy()
    holes.loc[holes.index % 3 == 0, 'x'] = np.nan

    # Run
    imputed = synthesizer.impute(holes)
    best = synthesizer.impute(holes, point_estimate=True, num_draws=3)

    # Assert
    observed = holes['code'].notna()
    for result in (imputed, best):
        assert not result[['x', 'code']].isna().any().any()
        pd.testing.assert_series_equal(result['code'][observed], holes['code'][observed])
        assert set(result['code']) <= set(data['code'].dropna())


def test_unseen_many_level_value_is_a_clear_error(fitted):
    # Setup
    synthesizer, _, _ = fitted
    message = re.escape("Column 'code' has value(s) ['k999'] that the synthesizer never saw")

    # Run and Assert
    with pytest.raises(InvalidDataError, match=message):
        synthesizer.sample_from_conditions([Condition({'code': 'k999'}, num_rows=5)])

    with pytest.raises(InvalidDataError, match=message):
        synthesizer.impute(pd.DataFrame({'x': [np.nan], 'color': ['warm'], 'code': ['k999']}))


def test_save_and_load_keep_the_frequency_encoding(fitted, tmp_path):
    # Setup
    from sdv.utils import load_synthesizer

    synthesizer, _, _ = fitted
    path = tmp_path / 'synthesizer.pkl'

    # Run
    synthesizer.save(path)
    loaded = load_synthesizer(str(path))

    # Assert
    encoder = loaded._encoder.column_encoders['code']
    assert encoder.levels == synthesizer._encoder.column_encoders['code'].levels
    assert loaded.sample(50)['table']['code'].isin(encoder.levels).all()
