import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.evaluation import evaluate_detection

METADATA = {
    'columns': {
        'x': {'sdtype': 'numerical'},
        'y': {'sdtype': 'numerical'},
        'group': {'sdtype': 'categorical'},
        'when': {'sdtype': 'datetime'},
    }
}


def _table(num_rows, seed, shift=0.0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    return pd.DataFrame(
        {
            'x': x,
            'y': x + shift + 0.5 * rng.normal(size=num_rows),
            'group': rng.choice(['a', 'b', 'c'], size=num_rows),
            'when': pd.Timestamp('2020-01-01')
            + pd.to_timedelta(rng.integers(0, 300, num_rows), 'D'),
        }
    )


def test_rows_of_the_same_distribution_score_near_half():
    result = evaluate_detection(_table(600, 0), _table(600, 1), METADATA)

    assert 0.4 < result.auc < 0.6
    assert len(result.fold_aucs) == 5
    assert result.num_rows == 600


def test_a_shifted_column_is_told_apart_and_named():
    result = evaluate_detection(_table(600, 0), _table(600, 1, shift=1.5), METADATA)

    assert result.auc > 0.8
    assert result.importances['Column'].iloc[0] == 'y'
    assert result.importances['Importance'].sum() == pytest.approx(1.0)


def test_holes_in_the_wrong_column_are_found_through_the_indicator():
    real = _table(600, 0)
    synthetic = _table(600, 1)
    real.loc[real.sample(frac=0.3, random_state=0).index, 'x'] = np.nan
    synthetic.loc[synthetic.sample(frac=0.3, random_state=0).index, 'group'] = np.nan

    result = evaluate_detection(real, synthetic, METADATA)
    importances = result.importances.set_index('Column')

    # 30% of each side's rows are told apart by their holes alone.
    assert result.auc > 0.7
    # A number's holes may be used through its own missing branch or through its indicator.
    assert set(result.importances['Column'].head(2)) == {'x', 'group'}
    assert importances.loc['group', 'Holes'] > importances.loc['group', 'Values']


def test_columns_restricts_what_the_classifier_sees():
    synthetic = _table(600, 1)
    synthetic['group'] = 'z'  # a faked column: another level altogether

    everything = evaluate_detection(_table(600, 0), synthetic, METADATA)
    learned = evaluate_detection(_table(600, 0), synthetic, METADATA, columns=['x', 'y', 'when'])

    assert everything.auc > 0.99
    assert learned.auc < 0.6
    assert list(learned.importances['Column']) != ['group']
    assert 'group' not in set(learned.importances['Column'])


def test_integer_levels_match_their_float_copies():
    real = pd.DataFrame({'level': np.random.default_rng(0).integers(0, 3, 400)})
    synthetic = pd.DataFrame({'level': np.random.default_rng(1).integers(0, 3, 400).astype(float)})
    metadata = {'columns': {'level': {'sdtype': 'categorical'}}}

    assert evaluate_detection(real, synthetic, metadata).auc < 0.6


def test_the_longer_side_is_cut_to_the_shorter():
    result = evaluate_detection(_table(300, 0), _table(900, 1), METADATA)

    assert result.num_rows == 300


def test_the_same_seed_gives_the_same_score():
    first = evaluate_detection(_table(300, 0), _table(300, 1, shift=0.3), METADATA, seed=3)
    second = evaluate_detection(_table(300, 0), _table(300, 1, shift=0.3), METADATA, seed=3)

    assert first.fold_aucs == second.fold_aucs


def test_unknown_columns_are_named():
    with pytest.raises(ValueError, match=r"\['z'\]"):
        evaluate_detection(_table(100, 0), _table(100, 1), METADATA, columns=['x', 'z'])


def test_too_few_rows_is_a_clear_error():
    with pytest.raises(ValueError, match='at least num_folds=5 rows'):
        evaluate_detection(_table(3, 0), _table(100, 1), METADATA)


def test_id_columns_are_left_out_unless_named():
    real, synthetic = _table(300, 0), _table(300, 1)
    real['key'] = [f'r{index}' for index in range(300)]
    synthetic['key'] = [f's{index}' for index in range(300)]
    metadata = {'columns': {**METADATA['columns'], 'key': {'sdtype': 'id'}}}

    default = evaluate_detection(real, synthetic, metadata)
    named = evaluate_detection(real, synthetic, metadata, columns=['x', 'key'])

    assert 'key' not in set(default.importances['Column'])
    assert default.auc < 0.6
    assert 'key' in set(named.importances['Column'])
