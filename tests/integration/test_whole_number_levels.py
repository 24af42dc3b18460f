"""Whole numbers with few values modelled as levels: a storm's name and its year stay together."""

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.synthesizer import MissDiffSynthesizer

YEARS = [2000, 2002, 2004, 2006, 2008]


def _storms(num_rows=1500, seed=0):
    # Ten names, each of one year; 'kind' b never has a year (a structural hole).
    rng = np.random.default_rng(seed)
    name = rng.integers(0, 10, num_rows)
    kind = rng.choice(['a', 'b'], num_rows, p=[0.7, 0.3])
    year = np.array(YEARS)[name % 5].astype(float)
    return pd.DataFrame(
        {
            'name': np.array([f'storm {index}' for index in range(10)])[name],
            'kind': kind,
            'year': np.where(kind == 'b', np.nan, year),
            'wind': rng.normal(50, 10, num_rows) + (name % 5) * 5,
        }
    )


def _metadata():
    columns = {'name': 'categorical', 'kind': 'categorical', 'year': 'numerical'}
    columns['wind'] = 'numerical'
    columns = {column: {'sdtype': sdtype} for column, sdtype in columns.items()}
    return Metadata.load_from_dict({'tables': {'t': {'columns': columns}}})


def _fit(**options):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(
        _metadata(),
        missing_value_generation='learned',
        epochs=60,
        model_options=options or None,
        enable_gpu=False,
    )
    synthesizer.fit({'t': _storms()})
    synthesizer.set_random_state(0)
    return synthesizer


@pytest.fixture(scope='module')
def synthesizer():
    return _fit()


def _years_of_names(rows):
    observed = rows.dropna(subset=['year'])
    truth = _storms().dropna(subset=['year']).groupby('name')['year'].first()
    return (observed['year'].to_numpy() == truth.loc[observed['name']].to_numpy()).mean()


def test_names_keep_their_years_and_years_their_holes(synthesizer):
    # Run
    sampled = synthesizer.sample(2000)['t']

    # Assert
    assert synthesizer._encoder.column_encoders['year'].kind == 'whole_number_levels'
    observed = sampled['year'].dropna()
    assert set(observed.unique()) <= set(YEARS)
    assert _years_of_names(sampled) >= 0.95  # 0.2 by chance
    assert (sampled['year'].isna() == (sampled['kind'] == 'b')).mean() >= 0.95
    assert sampled['year'].isna().mean() == pytest.approx(0.3, abs=0.05)


def test_a_number_between_levels_is_a_condition_like_any_number(synthesizer):
    # Run
    at_level = synthesizer.sample_from_conditions([Condition({'year': 2004.0}, num_rows=50)])['t']
    between = synthesizer.sample_from_conditions([Condition({'year': 2003.0}, num_rows=20)])['t']

    # Assert: 2004 is names 2 and 7's year; 2003 is asked for and returned as given
    assert (at_level['year'] == 2004).all()
    assert at_level['name'].isin(['storm 2', 'storm 7']).mean() >= 0.9
    assert (between['year'] == 2003).all() and len(between) == 20


def test_a_number_outside_the_fitted_range_is_refused_by_name(synthesizer):
    # Run and Assert: the fitted range bounds a whole-number column as any number
    with pytest.raises(MissDiffInputError, match="Column 'year' is asked for 2020"):
        synthesizer.sample_from_conditions([Condition({'year': 2020.0}, num_rows=5)])


def test_imputed_whole_numbers_are_fitted_values(synthesizer):
    # Setup: hide the year of 'a' rows, whose year the name tells
    rows = _storms(200, seed=1)
    truth = rows['year'].copy()
    hidden = rows['kind'] == 'a'
    rows.loc[hidden, 'year'] = np.nan

    # Run
    imputed = synthesizer.impute({'t': rows})['t']

    # Assert
    assert imputed['year'].isin(YEARS).all()  # every hole filled, 'b' rows' too, with a year
    assert (imputed.loc[hidden, 'year'] == truth[hidden]).mean() >= 0.9


def test_zero_models_every_number_as_a_number():
    # Run
    synthesizer = _fit(max_whole_number_levels=0)

    # Assert
    assert synthesizer._encoder.column_encoders['year'].kind == 'continuous'
    assert synthesizer.get_parameters()['model_options']['max_whole_number_levels'] == 0
