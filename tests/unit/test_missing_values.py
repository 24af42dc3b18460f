import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.encoding import TableEncoder
from sdv_missdiff.missing_values import MISSING_LEVEL, MissingValues


def _table():
    return pd.DataFrame(
        {
            'hours': [40.0, np.nan, 38.0, np.nan],
            'job': ['a', None, 'b', None],
            'age': [30.0, 70.0, 35.0, 72.0],
            'wide': ['p', 'q', None, 'r'],
        }
    )


def test_fit_gives_discrete_holes_a_level_and_other_columns_an_indicator():
    # Run
    holes = MissingValues('learned').fit(_table(), ['job', 'wide'], max_one_hot_levels=3)

    # Assert: 'wide' has 3 levels plus its hole, over the one-hot limit, so it gets an indicator
    assert holes.rates == {'hours': 0.5, 'job': 0.5, 'wide': 0.25}
    assert holes.missing_levels == ['job']
    assert holes.indicators == {'hours': 'hours.is_missing', 'wide': 'wide.is_missing'}


def test_indicator_names_never_collide():
    # Setup
    table = pd.DataFrame({'x': [1.0, np.nan], 'x.is_missing': [np.nan, 1.0]})

    # Run
    holes = MissingValues('learned').fit(table)

    # Assert
    assert holes.indicators['x'] == '_x.is_missing'
    assert holes.indicators['x.is_missing'] == 'x.is_missing.is_missing'
    assert len(set(holes.indicator_columns) | set(table.columns)) == 4


def test_prepare_for_training_conditions_and_imputation():
    # Setup
    holes = MissingValues('learned').fit(_table(), ['job', 'wide'])
    known = pd.DataFrame({'job': [None, 'a'], 'hours': [np.nan, 40.0]})
    given = pd.DataFrame({'job': [True, True], 'hours': [False, True]})

    # Run
    training = holes.prepare(_table())
    conditions = holes.prepare(known, given)
    imputation = holes.prepare(known, observed=True)

    # Assert
    assert training['job'].tolist() == ['a', MISSING_LEVEL, 'b', MISSING_LEVEL]
    assert training['hours.is_missing'].tolist() == [False, True, False, True]
    assert conditions['job'].tolist() == [MISSING_LEVEL, 'a']  # a given NaN asks for a hole
    assert conditions['hours.is_missing'].tolist() == [None, False]  # not given: generated
    assert imputation['job'].isna().tolist() == [True, False]  # holes stay unknown
    assert imputation['hours.is_missing'].tolist() == [False, False]
    assert 'wide' not in holes.indicators


def test_apply_blanks_the_learned_holes_and_drops_the_indicators():
    # Setup
    holes = MissingValues('learned').fit(_table(), ['job', 'wide'])
    decoded = pd.DataFrame(
        {
            'hours': [40.0, 41.0, 42.0],
            'job': ['a', MISSING_LEVEL, 'b'],
            'age': [30.0, 70.0, 35.0],
            'wide': ['p', 'q', 'r'],
            'hours.is_missing': [True, False, False],
        }
    )

    # Run
    sampled = holes.apply(decoded)

    # Assert
    assert list(sampled.columns) == ['hours', 'job', 'age', 'wide']
    assert sampled['hours'].isna().tolist() == [True, False, False]
    assert sampled['job'].isna().tolist() == [False, True, False]
    assert sampled['wide'].notna().all()


def test_random_blanks_each_column_at_its_rate_independently():
    # Setup
    table = pd.DataFrame({'a': [np.nan] * 300 + [1.0] * 700, 'b': ['x'] * 800 + [None] * 200})
    holes = MissingValues('random').fit(table, ['b'])
    decoded = pd.DataFrame({'a': np.ones(20_000), 'b': ['x'] * 20_000})
    rng = np.random.default_rng(0)

    # Run
    sampled = holes.apply(decoded, uniform=lambda shape: rng.random(shape))

    # Assert
    missing = sampled.isna()
    assert missing['a'].mean() == pytest.approx(0.3, abs=0.01)
    assert missing['b'].mean() == pytest.approx(0.2, abs=0.01)
    assert np.corrcoef(missing['a'], missing['b'])[0, 1] == pytest.approx(0, abs=0.03)


def test_excluded_dimensions_are_the_hole_levels():
    # Setup
    holes = MissingValues('learned').fit(_table(), ['job', 'wide'])
    prepared = holes.prepare(_table())
    encoder = TableEncoder().fit(prepared, ['job', 'wide', 'hours.is_missing'])

    # Run
    excluded = holes.excluded_dimensions(encoder)

    # Assert
    assert holes.missing_levels == ['job', 'wide']
    assert excluded.sum() == 2
    for column in holes.missing_levels:
        span = encoder.column_spans[column]
        levels = encoder.column_encoders[column].levels
        assert excluded[span.start + levels.index(MISSING_LEVEL)]


def test_indicated_by_points_a_column_at_its_indicator_level_that_says_missing():
    # Setup
    holes = MissingValues('learned').fit(_table(), ['job', 'wide'])
    prepared = holes.prepare(_table())
    encoder = TableEncoder().fit(prepared, ['job', 'wide', 'hours.is_missing'])
    spans = encoder.column_spans

    # Run
    indicated_by = holes.indicated_by(encoder)

    # Assert: the hours dimensions read the indicator's True level; nothing else is indicated
    levels = list(encoder.column_encoders['hours.is_missing'].levels)
    true_level = spans['hours.is_missing'].start + levels.index(True)
    assert (indicated_by[spans['hours']] == true_level).all()
    assert (
        np.delete(indicated_by, np.arange(encoder.output_dimensions)[spans['hours']]) == -1
    ).all()
    assert MissingValues('learned').fit(_table()[['job']], ['job']).indicated_by(encoder) is None


def test_no_generation_leaves_tables_alone():
    # Setup
    holes = MissingValues(None).fit(_table(), ['job', 'wide'])

    # Run and assert
    assert holes.prepare(_table()).equals(_table())
    assert holes.apply(_table()).equals(_table())
    assert holes.excluded_dimensions(None) is None
    with pytest.raises(ValueError, match="Invalid missing_value_generation 'sometimes'"):
        MissingValues('sometimes')
