import numpy as np
import pandas as pd
import pytest
from sdmetrics.single_table.privacy.dcr_utils import calculate_dcr

from sdv_missdiff.evaluation import privacy_distances
from sdv_missdiff.evaluation.privacy_distances import GowerTables

SDTYPES = {'x': 'numerical', 'group': 'categorical', 'flag': 'boolean', 'when': 'datetime'}
METADATA = {'columns': {column: {'sdtype': sdtype} for column, sdtype in SDTYPES.items()}}


def _table(num_rows, seed, missing=0.2):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            'x': rng.integers(0, 20, num_rows).astype(float),
            'group': rng.choice(['a', 'b', 'c'], num_rows),
            'flag': rng.choice([True, False], num_rows),
            'when': pd.Timestamp('2020-01-01')
            + pd.to_timedelta(rng.integers(0, 30, num_rows), 'D'),
        }
    )
    return table.mask(rng.random(table.shape) < missing)


def _brute_force(query, reference):
    """Every pair's distance, column by column, as the module documents it."""
    total = np.zeros((len(query), len(reference)))
    for column, sdtype in SDTYPES.items():
        first = query[column].to_numpy()[:, None]
        second = reference[column].to_numpy()[None, :]
        first_missing, second_missing = pd.isna(first), pd.isna(second)
        if sdtype in ('numerical', 'datetime'):
            values = reference[column].dropna()
            spread = values.max() - values.min()
            with np.errstate(invalid='ignore'):
                gap = np.abs(first - second) / spread
            gap = np.minimum(gap.astype(float), 1.0)
        else:
            gap = (first != second).astype(float)

        gap[first_missing != second_missing] = 1.0
        gap[first_missing & second_missing] = 0.0
        total += gap

    return total / len(SDTYPES)


def test_a_hand_computed_distance_counts_holes_as_documented():
    # Setup
    training = pd.DataFrame(
        {
            'x': [0.0, 10.0],
            'group': ['a', None],
            'flag': [True, False],
            'when': pd.to_datetime(['2020-01-01', '2020-01-11']),
        }
    )
    synthetic = pd.DataFrame(
        {'x': [2.0], 'group': [None], 'flag': [None], 'when': pd.to_datetime([None])}
    )
    tables = GowerTables({'training': training, 'synthetic': synthetic}, SDTYPES)

    # Run
    distances, positions = tables.nearest('synthetic', 'training', 2)

    # Assert
    # Second row: |2 - 10| / 10 + 0 (both groups missing) + 1 (flag missing once) + 1 (when).
    # First row: 2 / 10 + 1 (group missing once) + 1 + 1.
    np.testing.assert_allclose(distances, [[2.8 / 4, 3.2 / 4]])
    assert positions.tolist() == [[1, 0]]


def test_distances_equal_sdmetrics_calculate_dcr_on_a_table_with_holes():
    # Setup
    query, reference = _table(150, 0), _table(200, 1)
    tables = GowerTables({'query': query, 'reference': reference}, SDTYPES)

    # Run
    distances, _ = tables.nearest('query', 'reference')

    # Assert
    expected = calculate_dcr(query, reference, METADATA).to_numpy()
    np.testing.assert_allclose(distances[:, 0], expected, rtol=0, atol=1e-12)


@pytest.mark.parametrize('one_hot_levels', [256, 2])
def test_nearest_rows_and_ties_match_a_brute_force_search(monkeypatch, one_hot_levels):
    # Setup: with 2 one-hot levels at most, every label is compared pair by pair instead.
    monkeypatch.setattr(privacy_distances, 'MAX_ONE_HOT_LEVELS', one_hot_levels)
    query, reference = _table(120, 2, missing=0.3), _table(90, 3, missing=0.3)
    tables = GowerTables({'query': query, 'reference': reference}, SDTYPES)
    expected = _brute_force(query, reference)

    # Run
    distances, positions, ties = tables.nearest('query', 'reference', 3, ties=True)

    # Assert
    np.testing.assert_allclose(distances, np.sort(expected, axis=1)[:, :3], atol=1e-12)
    found = expected[np.arange(len(query))[:, None], positions]
    np.testing.assert_allclose(found, distances, atol=1e-12)
    nearest = np.isclose(expected, distances[:, :1], rtol=0, atol=1e-12)
    assert ties.tolist() == nearest.sum(axis=1).tolist()


def test_small_blocks_and_numbers_only_give_the_same_neighbours(monkeypatch):
    # Setup
    query, reference = _table(60, 4)[['x', 'when']], _table(80, 5)[['x', 'when']]
    sdtypes = {'x': 'numerical', 'when': 'datetime'}
    whole = GowerTables({'query': query, 'reference': reference}, sdtypes)
    expected, _ = whole.nearest('query', 'reference', 2)
    monkeypatch.setattr(privacy_distances, 'BLOCK_PAIRS', 100)

    # Run
    distances, _ = GowerTables({'query': query, 'reference': reference}, sdtypes).nearest(
        'query', 'reference', 2
    )

    # Assert
    np.testing.assert_array_equal(distances, expected)


def test_a_number_outside_the_reference_range_adds_at_most_one():
    # Setup
    reference = pd.DataFrame({'x': [0.0, 1.0], 'group': ['a', 'a']})
    query = pd.DataFrame({'x': [1.5, 7.0], 'group': ['a', 'a']})
    tables = GowerTables({'query': query, 'reference': reference}, {'x': 'numerical', 'group': 'x'})

    # Run
    distances, _ = tables.nearest('query', 'reference')

    # Assert
    np.testing.assert_allclose(distances[:, 0], [0.25, 0.5])


def test_ranges_can_come_from_another_table_and_columns_can_be_chosen():
    # Setup
    tables = GowerTables(
        {
            'query': pd.DataFrame({'x': [1.0], 'group': ['a']}),
            'reference': pd.DataFrame({'x': [0.0, 10.0], 'group': ['b', 'b']}),
            'wide': pd.DataFrame({'x': [0.0, 100.0], 'group': ['a', 'a']}),
        },
        {'x': 'numerical', 'group': 'categorical'},
    )

    # Run
    own, _ = tables.nearest('query', 'reference')
    wide, _ = tables.nearest('query', 'reference', ranges_of='wide', columns=['x'])

    # Assert
    np.testing.assert_allclose(own[:, 0], [(0.1 + 1) / 2])
    np.testing.assert_allclose(wide[:, 0], [0.01])


def test_asking_for_more_neighbours_than_rows_is_an_error():
    tables = GowerTables({'a': _table(3, 0), 'b': _table(1, 1)}, SDTYPES)

    with pytest.raises(ValueError, match="2 nearest rows among the 1 rows of 'b'"):
        tables.nearest('a', 'b', 2)
