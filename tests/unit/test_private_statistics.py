import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.diffusion.options import PrivacyOptions
from sdv_missdiff.diffusion.privacy_budget import plan_statistics
from sdv_missdiff.private_statistics import (
    count_queries,
    domain_table,
    sanitize,
    summarize,
)

COLUMNS = {'color': 'categorical', 'age': 'numerical', 'score': 'numerical'}
METADATA = {
    'color': {'sdtype': 'categorical'},
    'age': {'sdtype': 'numerical', 'computer_representation': 'Int64'},
    'score': {'sdtype': 'numerical', 'computer_representation': 'Float'},
}


def _table(num_rows=4_000, seed=0):
    rng = np.random.default_rng(seed)
    table = pd.DataFrame(
        {
            'color': rng.choice(['red', 'green', 'blue'], size=num_rows, p=[0.5, 0.3, 0.2]),
            'age': rng.integers(18, 80, size=num_rows).astype(float),
            'score': np.round(rng.normal(50, 10, size=num_rows), 1),
        }
    )
    table.loc[rng.random(num_rows) < 0.1, 'score'] = np.nan
    return table


def _plan(epsilon=5.0):
    return plan_statistics(PrivacyOptions(epsilon=epsilon), count_queries(COLUMNS))


def _with_rare_row(table):
    # One person holds a level nobody else has and an income far above everyone's.
    table = table.copy()
    table.loc[0, ['color', 'age']] = ['ultraviolet', 1_000_000.0]
    return table


def test_count_queries_per_sdtype():
    assert count_queries(COLUMNS) == 1 + 3 + 3
    assert count_queries({'when': 'datetime', 'id': 'id'}) == 2


def test_rare_level_and_extreme_value_are_not_revealed():
    plan = _plan()
    table = _with_rare_row(_table())
    summaries = summarize(table, COLUMNS, plan, seed=0)

    assert sorted(summaries['color'].levels) == ['blue', 'green', 'red']
    assert summaries['color'].dropped_levels == 1
    assert summaries['age'].upper < 200  # the bounds come from dense bins only
    assert summaries['age'].lower > 5

    public = domain_table(table, summaries, METADATA, seed=0)
    assert 'ultraviolet' not in set(public['color'])
    assert public['age'].max() < 200

    cleaned = sanitize(table, summaries)
    assert pd.isna(cleaned.loc[0, 'color'])  # a dropped level becomes a hole
    assert cleaned.loc[0, 'age'] == summaries['age'].upper  # clipped to the private bound
    assert table.loc[0, 'color'] == 'ultraviolet'  # the caller's table is untouched


def test_changing_one_rare_row_leaves_the_public_statistics_alike():
    plan = _plan()
    table = _table()
    neighbour = _with_rare_row(table)
    first = summarize(table, COLUMNS, plan, seed=3)
    second = summarize(neighbour, COLUMNS, plan, seed=3)

    assert first['color'].levels == second['color'].levels
    for column in ('age', 'score'):
        assert first[column].lower == second[column].lower
        assert first[column].upper == second[column].upper
        # One row moves a noisy count by one (and a bin near the cut for empty bins across
        # it): the quantiles move by a few hundredths of the range, and stay within the bounds.
        spread = first[column].upper - first[column].lower
        moved = np.abs(first[column].quantiles - second[column].quantiles)
        assert moved.mean() < 0.02 * spread
        assert moved.max() < 0.2 * spread
        assert second[column].quantiles.max() <= second[column].upper


def test_public_table_follows_the_noisy_summaries():
    plan = _plan(epsilon=20.0)
    table = _table(num_rows=8_000)
    summaries = summarize(table, COLUMNS, plan, seed=1)
    public = domain_table(table, summaries, METADATA, seed=1)

    assert list(public.columns) == list(table.columns)
    assert len(public) == 1_000
    shares = public['color'].value_counts(normalize=True)
    assert shares['red'] == pytest.approx(0.5, abs=0.05)
    assert public['score'].isna().mean() == pytest.approx(0.1, abs=0.03)
    assert public['age'].dropna().median() == pytest.approx(table['age'].median(), abs=3)
    # Integers stay integers; one decimal stays one decimal.
    assert (public['age'].dropna() % 1 == 0).all()
    score = public['score'].dropna()
    assert np.allclose(score, np.round(score, 1))
    assert not np.allclose(score, np.round(score, 0))


def test_a_column_without_enough_rows_for_any_level_is_named():
    plan = _plan(epsilon=0.5)
    table = _table(num_rows=300)
    with pytest.raises(ValueError, match="Column 'color'.*Raise epsilon"):
        summarize(table, COLUMNS, plan, seed=0)


def test_unprotected_levels_keep_every_level():
    plan = _plan()
    table = _with_rare_row(_table())
    summaries = summarize(table, COLUMNS, plan, seed=0, protect_rare_levels=False)
    assert 'ultraviolet' in summaries['color'].levels
