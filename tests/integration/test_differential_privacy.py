"""MissDiffSynthesizer with differential privacy: budget, what is learned outside DP-SGD, errors."""

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.cag import FixedCombinations
from sdv.sampling import Condition
from sdv.utils import load_synthesizer

from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import dependent_table, dependent_table_metadata

SMALL = {'denoiser_width': 32, 'denoiser_blocks': 1, 'sampling_steps': 10}
EPSILON = 20.0


def _table(rare_row=False):
    data = dependent_table(3_000, seed=0)
    rng = np.random.default_rng(1)
    data.loc[rng.random(len(data)) < 0.15, 'y'] = np.nan
    data.loc[rng.random(len(data)) < 0.15, 'color'] = np.nan
    if rare_row:
        # One person: a level nobody else holds and a value far beyond everyone's.
        data.loc[7, ['color', 'x']] = ['ultraviolet', 1e6]

    return data


def _fit(data, **arguments):
    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(
        dependent_table_metadata(),
        epochs=arguments.pop('epochs', 3),
        epsilon=arguments.pop('epsilon', EPSILON),
        model_options=SMALL,
        **arguments,
    )
    synthesizer.fit({'table': data})
    return synthesizer


@pytest.fixture(scope='module')
def private_pair():
    torch.set_num_threads(1)
    return _fit(_table()), _fit(_table(rare_row=True))


def test_budget_is_spent_within_the_target_and_stored(private_pair, tmp_path):
    synthesizer, _ = private_pair
    budget = synthesizer.get_privacy_budget()

    assert 0.99 * EPSILON < budget['epsilon_spent'] <= EPSILON
    assert budget['epsilon_statistics'] == pytest.approx(0.2 * EPSILON, rel=1e-3)
    assert budget['delta'] == 1e-5
    assert budget['steps'] == 3 * 3  # 3 passes of 3 expected batches of 1,024 (the DP default)
    assert budget['noise_multiplier'] > 0

    path = tmp_path / 'private.pkl'
    synthesizer.save(path)
    loaded = load_synthesizer(str(path))
    assert loaded.get_privacy_budget() == budget
    assert loaded.get_parameters()['epsilon'] == EPSILON


def test_one_rare_row_is_not_revealed_by_what_is_fitted_outside_the_network(private_pair):
    without, with_rare = private_pair
    for synthesizer in (without, with_rare):
        levels = synthesizer._encoder.column_encoders['color'].levels
        assert 'ultraviolet' not in levels
        low, high = synthesizer._fitted_ranges['x']
        assert high < 10  # x is about N(0, 1): the 1e6 sets no bound
        assert synthesizer.get_privacy_budget()['bounds']['x'][1] < 10

    assert list(without._encoder.column_encoders['color'].levels) == list(
        with_rare._encoder.column_encoders['color'].levels
    )
    assert without.get_privacy_budget()['bounds'] == with_rare.get_privacy_budget()['bounds']
    rows = with_rare.sample(2_000)['table']
    assert 'ultraviolet' not in set(rows['color'])
    assert rows['x'].max() < 10


def test_conditions_and_imputation_work_on_a_private_model(private_pair):
    synthesizer, _ = private_pair
    synthesizer.set_random_state(0)
    red = synthesizer.sample_from_conditions([Condition({'color': 'red'}, num_rows=50)])
    red = red['table'] if isinstance(red, dict) else red
    assert (red['color'] == 'red').all()

    incomplete = _table().head(30)
    imputed = synthesizer.impute(incomplete)
    assert not imputed[['x', 'y', 'color']].isna().any().any()
    observed = incomplete['y'].notna()
    assert np.allclose(imputed.loc[observed, 'y'], incomplete.loc[observed, 'y'])


def test_learned_holes_on_a_private_model():
    torch.set_num_threads(1)
    synthesizer = _fit(_table(), missing_value_generation='learned')
    rows = synthesizer.sample(1_000)['table']
    # Holes where the rows have them (3 noisy passes learn their share only roughly), none in
    # the complete column.
    assert 0.02 < rows['y'].isna().mean() < 0.6
    assert rows['x'].notna().all()


def test_without_epsilon_there_is_no_budget(synthesizer):
    assert synthesizer.get_privacy_budget() is None


@pytest.mark.parametrize(
    'arguments,message',
    [
        ({'epsilon': 0}, "'epsilon'"),
        ({'epsilon': -2.0}, "'epsilon'"),
        ({'delta': 0}, "'delta'"),
        ({'delta': 1.5}, "'delta'"),
        ({'model_options': {'denoiser': 'column_attention'}}, "denoiser='column_attention'"),
        ({'model_options': {'validation_share': 0.1}}, 'validation_share=0.1'),
        ({'model_options': {'missing_data_strategy': 'mean'}}, "missing_data_strategy='mean'"),
    ],
)
def test_options_a_private_fit_cannot_honour_are_refused(arguments, message):
    arguments = {'epsilon': 1.0, **arguments}
    with pytest.raises(MissDiffInputError, match=message):
        MissDiffSynthesizer(dependent_table_metadata(), **arguments)


def test_a_budget_too_small_is_refused_at_fit():
    synthesizer = MissDiffSynthesizer(dependent_table_metadata(), epsilon=0.001)
    with pytest.raises(MissDiffInputError, match='cannot pay for'):
        synthesizer.fit({'table': _table()})


def test_constraints_and_processed_data_are_refused():
    synthesizer = MissDiffSynthesizer(dependent_table_metadata(), epsilon=1.0)
    synthesizer.add_constraints([FixedCombinations(column_names=['color', 'flag'])])
    with pytest.raises(MissDiffInputError, match='Constraints learn from the rows'):
        synthesizer.fit({'table': _table()})

    synthesizer = MissDiffSynthesizer(dependent_table_metadata(), epsilon=1.0)
    processed = pd.DataFrame({'x': [0.1, 0.2], 'y': [1.0, 2.0]})
    with pytest.raises(MissDiffInputError, match='not with fit_processed_data'):
        synthesizer.fit_processed_data({'table': processed})
