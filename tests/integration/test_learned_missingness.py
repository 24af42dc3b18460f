"""Holes that follow the row: missing_value_generation='learned' against 'random' and None."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sdv.metadata import Metadata
from sdv.sampling import Condition

from sdv_missdiff.diffusion.sampler_choice import redrawn_holes
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.missing_values import MISSING_LEVEL
from sdv_missdiff.synthesizer import MissDiffSynthesizer
from tests.tables import structural_table, structural_table_metadata


def _fit(generation):
    torch.set_num_threads(1)
    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(
        structural_table_metadata('t'),
        missing_value_generation=generation,
        epochs=60,
        enable_gpu=False,
    )
    synthesizer.fit({'t': structural_table(1500)})
    synthesizer.set_random_state(0)
    return synthesizer


@pytest.fixture(scope='module')
def learned():
    return _fit('learned')


def test_learned_holes_follow_the_category(learned):
    # Run
    sampled = learned.sample(2000)['t']

    # Assert: >= 95% of rows have their holes where the category says (measured 0.97)
    retired = sampled['kind'] == 'retired'
    assert (sampled['hours'].isna() == retired).mean() >= 0.95
    assert (sampled['job'].isna() == retired).mean() >= 0.95
    assert retired.mean() == pytest.approx(0.4, abs=0.05)
    assert sampled['age'].notna().all() and sampled['kind'].notna().all()
    assert sampled['hours'].dtype == float


def test_learned_holes_of_a_column_that_is_mostly_zero_keep_their_rate():
    # Setup: 'spent' is 0 in 90% of rows (as Adult's capital-loss) and missing in 40% of the
    # 'a' rows, 5% of the 'b' rows. Its encoded 0 is far from the noised 0 MissDiff writes into
    # holes, which gave the holes away to their indicator: generated rows missed 'spent' in
    # 17% of the 'a' rows before the holes were shown as drawn observed cells.
    rng = np.random.default_rng(0)
    num_rows = 1500
    group = rng.choice(['a', 'b'], num_rows)
    spent = np.where(rng.random(num_rows) < 0.1, rng.exponential(1000, num_rows) + 500, 0.0)
    holes = rng.random(num_rows) < np.where(group == 'a', 0.4, 0.05)
    table = pd.DataFrame(
        {
            'g': group,
            'spent': np.where(holes, np.nan, spent),
            'y': rng.normal(np.where(group == 'a', 0, 3), 1),
        }
    )
    columns = {'g': 'categorical', 'spent': 'numerical', 'y': 'numerical'}
    metadata = Metadata.load_from_dict(
        {'tables': {'t': {'columns': {name: {'sdtype': kind} for name, kind in columns.items()}}}}
    )
    torch.set_num_threads(1)
    torch.manual_seed(0)
    synthesizer = MissDiffSynthesizer(
        metadata, missing_value_generation='learned', epochs=60, enable_gpu=False
    )
    synthesizer.fit({'t': table})
    synthesizer.set_random_state(0)

    # Run
    sampled = synthesizer.sample(2000)['t']

    # Assert: real shares 0.23 overall and 0.40 among 'a' (measured 0.24 and 0.40; 0.09 and
    # 0.17 with the 0 fill)
    missing = sampled['spent'].isna()
    assert missing.mean() == pytest.approx(table['spent'].isna().mean(), abs=0.05)
    assert missing[sampled['g'] == 'a'].mean() >= 0.32


def test_learned_holes_sample_with_ancestral_steps(learned):
    # Setup
    complete = MissDiffSynthesizer(structural_table_metadata('t'), epochs=1, enable_gpu=False)
    complete.fit({'t': structural_table(200)})

    # Assert: 'auto' takes DPM-Solver++(2M) steps for rows from nothing unless holes are learned
    assert learned.options.sampling.sampler == 'auto'
    assert learned._model.make_sampler(known=False).__class__.__name__ == 'AncestralSampler'
    assert complete._model.make_sampler(known=False).__class__.__name__ == 'DPMSolverSampler'


def test_random_holes_keep_the_rates_but_not_the_meaning():
    # Run
    sampled = _fit('random').sample(2000)['t']

    # Assert
    retired = sampled['kind'] == 'retired'
    assert sampled['hours'].isna().mean() == pytest.approx(0.4, abs=0.05)
    assert (sampled['hours'].isna() == retired).mean() < 0.7


def test_conditions_and_known_holes_under_learned(learned):
    # Run
    retired = learned.sample_from_conditions([Condition({'kind': 'retired'}, 200)])['t']
    workers = learned.sample_from_conditions([Condition({'kind': 'worker'}, 200)])['t']
    no_job = learned.sample_remaining_columns(pd.DataFrame({'job': [np.nan] * 200}))['t']
    with_job = learned.sample_remaining_columns(pd.DataFrame({'job': ['x'] * 200}))['t']

    # Assert: a known NaN asks for rows with that hole, a known value for rows without it
    assert retired['hours'].isna().mean() >= 0.95
    assert workers['hours'].notna().mean() >= 0.95
    assert (no_job['kind'] == 'retired').mean() >= 0.95
    assert no_job['job'].isna().all()
    assert (with_job['kind'] == 'worker').mean() >= 0.95
    assert with_job['hours'].notna().mean() >= 0.95


def test_impute_fills_every_hole_with_a_real_level(learned):
    # Setup
    table = structural_table(300, seed=1)

    # Run
    one_draw = learned.impute(table)
    best_guess = learned.impute(table, point_estimate=True)

    # Assert
    for imputed in (one_draw, best_guess):
        assert imputed.notna().all().all()
        assert set(imputed['job']) <= {'x', 'y', 'z'}
        pd.testing.assert_series_equal(imputed['age'], table['age'])


def test_structural_holes_are_drawn_again_given_the_finished_row(learned):
    # Setup
    model = learned._model
    encoder = learned._encoder
    spans = encoder.column_spans
    job_levels = list(encoder.column_encoders['job'].levels)
    job_hole = spans['job'].start + job_levels.index(MISSING_LEVEL)
    indicator_levels = list(encoder.column_encoders['hours.is_missing'].levels)
    hours_hole = spans['hours.is_missing'].start + indicator_levels.index(True)

    # Run
    redrawn = redrawn_holes(model, model.make_sampler(known=False))

    # Assert: the job's hole (tied to 'retired' by a ruled-out pair) is redrawn; the hours
    # value is hidden from the redraw where its indicator says missing
    assert torch.nonzero(redrawn).flatten().tolist() == [job_hole]
    assert (model.fitted.indicated_by[spans['hours']] == hours_hole).all()
    assert (model.fitted.indicated_by >= 0).sum() == 1


def test_learned_synthesizer_pickles(learned, tmp_path):
    # Setup
    learned.set_random_state(3)
    expected = learned.sample(50)['t']

    # Run
    path = tmp_path / 'learned.pkl'
    learned.save(path)
    with open(path, 'rb') as handle:
        loaded = pickle.load(handle)

    loaded.set_random_state(3)

    # Assert
    pd.testing.assert_frame_equal(loaded.sample(50)['t'], expected)


def test_invalid_missing_value_generation():
    # Run and assert
    with pytest.raises(MissDiffInputError, match='missing_value_generation'):
        MissDiffSynthesizer(structural_table_metadata('t'), missing_value_generation='from_column')

    with pytest.raises(MissDiffInputError, match="missing_data_strategy='drop'"):
        MissDiffSynthesizer(
            structural_table_metadata('t'),
            missing_value_generation='learned',
            model_options={'missing_data_strategy': 'drop'},
        )
