import numpy as np
import pandas as pd
import pytest
from scipy.special import ndtr

from sdv_missdiff.column_encoders import (
    NUMERICAL_TRANSFORMS,
    SCALERS,
    ContinuousColumnEncoder,
    DiscreteColumnEncoder,
    FrequencyColumnEncoder,
    WholeNumberLevelsColumnEncoder,
    whole_number_levels,
)
from sdv_missdiff.diffusion.budget import observed_cell_share
from sdv_missdiff.encoding import MAX_ONE_HOT_LEVELS, TableEncoder, fill_with_mean_and_mode
from sdv_missdiff.errors import MissDiffInputError
from sdv_missdiff.missing_values import MISSING_LEVEL


def _mixed_table():
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            'number': rng.normal(50, 10, 200),
            'integer': rng.integers(0, 5, 200).astype(float),
            'color': rng.choice(['red', 'green', 'blue'], 200),
            'flag': rng.choice([True, False], 200).astype(object),
        }
    )
    data.loc[::7, 'number'] = np.nan
    data.loc[::5, 'color'] = np.nan
    data.loc[::3, 'flag'] = np.nan
    return data


@pytest.mark.parametrize('transform', ['quantile', 'standard', 'minmax'])
def test_round_trip_recovers_observed_cells(transform):
    # Setup
    data = _mixed_table()
    encoder = TableEncoder(transform).fit(data, discrete_columns=['color', 'flag'])

    # Run
    values, observed = encoder.transform(data)
    decoded = encoder.reverse_transform(values)

    # Assert
    numeric_ok = data['number'].notna()
    np.testing.assert_allclose(decoded['number'][numeric_ok], data['number'][numeric_ok], 1e-4)
    np.testing.assert_allclose(decoded['integer'], data['integer'], atol=1e-4)
    for column in ['color', 'flag']:
        known = data[column].notna()
        assert (decoded[column][known] == data[column][known]).all()


def test_missing_cells_are_zero_and_masked():
    # Setup
    data = _mixed_table()
    encoder = TableEncoder().fit(data, discrete_columns=['color', 'flag'])
    spans = encoder.column_spans

    # Run
    values, observed = encoder.transform(data)

    # Assert
    assert values.shape == observed.shape == (200, 1 + 1 + 3 + 2)
    assert np.isfinite(values).all()
    color = observed[:, spans['color']]
    assert (color[data['color'].isna()] == 0).all()  # a missing category masks its whole block
    assert (color[data['color'].notna()] == 1).all()
    assert (values[observed == 0] == 0).all()
    assert (observed[:, spans['number']].ravel() == data['number'].notna()).all()


def test_observed_cell_share_counts_each_cell_once_whatever_its_width():
    # Setup: the automatic budget reads the encoded mask with the encoder's column index.
    data = _mixed_table()
    encoder = TableEncoder().fit(data, discrete_columns=['color', 'flag'])
    _, observed = encoder.transform(data)

    # Run
    share = observed_cell_share(observed, encoder.column_index)

    # Assert: the 3-level color block counts as one cell per row, as every other column.
    assert share == pytest.approx(data.notna().to_numpy().mean())
    assert observed_cell_share(observed[:0], encoder.column_index) == 1.0


def test_discrete_levels_are_only_observed_values():
    # Setup
    data = pd.DataFrame({'c': ['a', 'b', np.nan, 'a']})
    encoder = TableEncoder().fit(data, discrete_columns=['c'])

    # Run
    decoded = encoder.reverse_transform(np.random.default_rng(0).normal(size=(100, 2)))

    # Assert
    assert set(decoded['c']) <= {'a', 'b'}
    assert encoder.column_encoders['c'].levels == ['a', 'b']


def test_constant_column_round_trips():
    data = pd.DataFrame({'x': [3.0, 3.0, np.nan]})
    encoder = TableEncoder().fit(data, discrete_columns=[])
    values, observed = encoder.transform(data)
    assert (encoder.reverse_transform(values + 5)['x'] == 3.0).all()
    assert observed.ravel().tolist() == [1, 1, 0]


def test_quantile_transform_is_bounded_to_observed_range():
    data = pd.DataFrame({'x': np.arange(100.0)})
    encoder = TableEncoder('quantile').fit(data, discrete_columns=[])
    decoded = encoder.reverse_transform(np.array([[-50.0], [50.0]]))
    assert decoded['x'].tolist() == [0.0, 99.0]


def test_dimension_weights_balance_columns():
    data = _mixed_table()
    encoder = TableEncoder().fit(data, discrete_columns=['color', 'flag'])
    weights = encoder.dimension_weights(1.0)
    spans = encoder.column_spans
    for span in spans.values():
        assert weights[span].sum() == pytest.approx(1.0)

    assert encoder.dimension_weights(0.0).tolist() == [1.0] * encoder.output_dimensions
    np.testing.assert_allclose(encoder.dimension_weights(0.5)[spans['color']], 3**-0.5)


def test_invalid_numerical_transform():
    with pytest.raises(ValueError, match="Invalid value 'log' for 'numerical_transform'"):
        TableEncoder('log')


def test_fill_with_mean_and_mode_fills_every_hole_without_touching_input():
    # Setup
    data = _mixed_table()
    before = data.copy()

    # Run
    filled = fill_with_mean_and_mode(data, ['color', 'flag'])

    # Assert
    pd.testing.assert_frame_equal(data, before)
    assert not filled.isna().any().any()
    assert filled['number'][data['number'].isna()].unique() == pytest.approx(
        [data['number'].mean()]
    )
    assert (filled['color'][data['color'].isna()] == data['color'].mode()[0]).all()


def _many_level_table(num_rows=5_000, num_levels=300, seed=0):
    rng = np.random.default_rng(seed)
    weights = (np.arange(num_levels) + 1.0) ** -0.7
    codes = rng.choice(num_levels, size=num_rows, p=weights / weights.sum())
    data = pd.DataFrame(
        {
            'code': np.array([f'c{code:04d}' for code in codes], dtype=object),
            'x': rng.normal(size=num_rows),
            'color': rng.choice(['red', 'green', 'blue'], num_rows),
        }
    )
    data.loc[::10, 'code'] = np.nan
    return data


def test_columns_above_max_one_hot_levels_get_one_frequency_dimension():
    # Setup
    data = _many_level_table()
    num_levels = data['code'].nunique()

    # Run
    at_threshold = TableEncoder(max_one_hot_levels=num_levels).fit(data, ['code', 'color'])
    above = TableEncoder(max_one_hot_levels=num_levels - 1).fit(data, ['code', 'color'])
    unlimited = TableEncoder(max_one_hot_levels=None).fit(data, ['code', 'color'])

    # Assert
    assert isinstance(at_threshold.column_encoders['code'], DiscreteColumnEncoder)
    assert isinstance(unlimited.column_encoders['code'], DiscreteColumnEncoder)
    assert isinstance(above.column_encoders['code'], FrequencyColumnEncoder)
    assert isinstance(above.column_encoders['color'], DiscreteColumnEncoder)
    assert at_threshold.output_dimensions == num_levels + 1 + 3
    assert above.output_dimensions == 1 + 1 + 3
    assert above.frequency_encoded_columns == {'code': num_levels}
    assert at_threshold.frequency_encoded_columns == {}
    assert above.column_index.tolist() == [0, 1, 2, 2, 2]
    assert above.dimension_weights(1.0).tolist() == pytest.approx([1, 1, 1 / 3, 1 / 3, 1 / 3])


def test_default_max_one_hot_levels_keeps_adult_sized_columns_one_hot():
    # Setup: Adult's widest categorical column, native-country, has 41 levels
    rng = np.random.default_rng(0)
    data = pd.DataFrame({'country': rng.integers(0, 41, 2_000).astype(str)})

    # Run
    encoder = TableEncoder().fit(data, ['country'])

    # Assert
    assert encoder.max_one_hot_levels == MAX_ONE_HOT_LEVELS
    assert encoder.frequency_encoded_columns == {}
    assert encoder.output_dimensions == 41


def test_frequency_encoding_round_trips_every_observed_level():
    # Setup
    data = _many_level_table()
    encoder = TableEncoder(max_one_hot_levels=10).fit(data, ['code', 'color'])

    # Run
    values, observed = encoder.transform(data)  # float32, as the model gets them
    decoded = encoder.reverse_transform(values)

    # Assert
    known = data['code'].notna()
    assert (decoded['code'][known] == data['code'][known]).all()
    assert (decoded['color'] == data['color']).all()


def test_frequency_encoding_is_standard_normal_and_inside_each_level_interval():
    # Setup
    data = _many_level_table()[['code', 'x']]
    encoder = TableEncoder(max_one_hot_levels=10).fit(data, ['code'])
    column = encoder.column_encoders['code']

    # Run
    values, observed = encoder.transform(data)
    encoded = pd.Series(values[:, 0][observed[:, 0] == 1])
    codes = data['code'].dropna().to_numpy()

    # Assert: a continuous N(0, 1) marginal, each value inside its level's interval
    assert encoded.mean() == pytest.approx(0, abs=0.05)
    assert encoded.std() == pytest.approx(1, abs=0.05)
    assert encoded.nunique() > 0.99 * len(encoded)
    lower = pd.Series(column._cuts[:-1], index=column.levels)
    upper = pd.Series(column._cuts[1:], index=column.levels)
    uniform = ndtr(encoded.to_numpy())
    assert (uniform >= pd.Series(codes).map(lower).to_numpy()).all()
    assert (uniform <= pd.Series(codes).map(upper).to_numpy()).all()


def test_frequency_levels_are_most_frequent_first_with_ties_in_order_of_appearance():
    # Setup
    encoder = FrequencyColumnEncoder()

    # Run
    encoder.fit(np.array(['b', 'a', 'c', 'a', np.nan, 'c', 'd', 'c'], dtype=object))

    # Assert
    assert encoder.levels == ['c', 'a', 'b', 'd']
    np.testing.assert_allclose(encoder.frequencies, [3 / 7, 2 / 7, 1 / 7, 1 / 7])
    np.testing.assert_allclose(encoder._cuts, [0, 3 / 7, 5 / 7, 6 / 7, 1])


def test_decoding_normal_draws_keeps_the_level_frequencies():
    # Setup
    data = _many_level_table()[['code', 'x']]
    encoder = TableEncoder(max_one_hot_levels=10).fit(data, ['code'])
    draws = np.random.default_rng(1).normal(size=(50_000, 2))

    # Run
    decoded = encoder.reverse_transform(draws)

    # Assert
    real = data['code'].value_counts(normalize=True)
    sampled = decoded['code'].value_counts(normalize=True).reindex(real.index, fill_value=0)
    assert np.abs(real - sampled).sum() / 2 < 0.03  # total variation distance
    assert set(decoded['code']) <= set(real.index)


def test_frequency_decoding_clips_values_outside_the_normal_range():
    # Setup
    encoder = FrequencyColumnEncoder()
    encoder.fit(np.array(['a', 'a', 'b', 'c'], dtype=object))

    # Run
    decoded = encoder.reverse_transform(np.array([[-1e6], [-40.0], [0.1], [40.0], [1e6]]))

    # Assert
    assert decoded.tolist() == ['a', 'a', 'b', 'c', 'c']


def test_frequency_encoding_masks_missing_and_unseen_values():
    # Setup
    data = _many_level_table()[['code', 'x']]
    encoder = TableEncoder(max_one_hot_levels=10).fit(data, ['code'])
    new = pd.DataFrame({'code': ['c0000', np.nan, 'never seen'], 'x': [0.0, 1.0, 2.0]})

    # Run
    values, observed = encoder.transform(new)

    # Assert
    assert observed[:, 0].tolist() == [1, 0, 0]
    assert values[1:, 0].tolist() == [0, 0]
    assert encoder.reverse_transform(values)['code'][0] == 'c0000'
    assert 'never seen' not in encoder.column_encoders['code'].levels


def test_frequency_encoding_is_repeatable_and_each_column_has_its_own_draws():
    # Setup
    data = _many_level_table()[['code', 'x']]
    data['other'] = data['code']
    encoder = TableEncoder(max_one_hot_levels=10).fit(data, ['code', 'other'])

    # Run
    first, _ = encoder.transform(data)
    second, _ = encoder.transform(data)
    refitted, _ = TableEncoder(max_one_hot_levels=10).fit(data, ['code', 'other']).transform(data)

    # Assert
    spans = encoder.column_spans
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(first, refitted)
    known = data['code'].notna().to_numpy()
    same = first[known, spans['code'].start] == first[known, spans['other'].start]
    assert same.mean() < 0.01


@pytest.mark.parametrize('value', [0, -1, 2.5, '50', True])
def test_invalid_max_one_hot_levels_names_the_argument(value):
    with pytest.raises(MissDiffInputError, match="Invalid value .* for 'max_one_hot_levels'"):
        TableEncoder(max_one_hot_levels=value)


@pytest.mark.parametrize(('transform', 'expected'), [('standard', [-1, 1]), ('minmax', [-1, 1])])
def test_affine_scalers_and_their_inverse(transform, expected):
    # Setup
    encoder = ContinuousColumnEncoder(transform)
    values = np.array([2.0, np.nan, 4.0])

    # Run
    encoder.fit(values)
    encoded = encoder.transform(values)

    # Assert
    np.testing.assert_allclose(encoded[[0, 2]], expected)
    assert np.isnan(encoded[1])
    np.testing.assert_allclose(encoder.reverse_transform(encoded[[0, 2]]), [2.0, 4.0])


def test_every_numerical_transform_has_a_scaler_and_the_table_encoder_reports_kinds():
    # Setup
    data = pd.DataFrame({'x': [1.0, 2.0, 3.0, 5.0], 'c': ['a', 'b', 'a', 'b']})

    # Run
    encoder = TableEncoder('quantile').fit(data, ['c'])

    # Assert
    assert NUMERICAL_TRANSFORMS == tuple(SCALERS) == ('quantile', 'standard', 'minmax')
    assert encoder.column_kinds == ['continuous', 'one_hot']
    assert TableEncoder(max_one_hot_levels=1).fit(data, ['c']).column_kinds == [
        'continuous',
        'frequency',
    ]


def test_whole_number_levels_qualify_few_whole_numbers_with_enough_rows():
    # Setup
    counts = np.tile(np.arange(5.0), 200)  # 5 values, 200 rows each
    counts_with_holes = np.where(np.arange(1000) % 10 == 0, np.nan, counts)

    # Assert
    assert whole_number_levels(counts, 100, 100).tolist() == [0, 1, 2, 3, 4]
    assert whole_number_levels(counts_with_holes, 100, 100).tolist() == [0, 1, 2, 3, 4]
    assert whole_number_levels(counts + 0.5, 100, 100) is None  # not whole
    assert whole_number_levels(counts, 4, 100) is None  # too many values
    assert whole_number_levels(counts, 100, 201) is None  # too few rows a value
    assert whole_number_levels(counts, 0, 100) is None  # switched off
    assert whole_number_levels(np.ones(1000), 100, 100) is None  # one value: a constant
    assert whole_number_levels(np.full(10, np.nan), 100, 1) is None


def test_whole_number_levels_encoder_takes_the_nearest_level_and_decodes_numbers():
    # Setup
    encoder = WholeNumberLevelsColumnEncoder()
    encoder.fit(np.array([0.0, 2.0, 10.0, np.nan]), np.array([0.0, 2.0, 10.0]))

    # Run
    encoded = encoder.transform(np.array([0.0, 1.0, 1.4, 7.0, 50.0, -3.0, np.nan]))
    decoded = encoder.reverse_transform(np.nan_to_num(encoded, nan=-1.0))

    # Assert: 1.0 is a tie (to the lower level), NaN stays a missing row
    assert encoder.output_dimensions == 3
    assert encoded[:6].argmax(axis=1).tolist() == [0, 0, 1, 2, 2, 0]
    assert np.isnan(encoded[6]).all()
    assert set(np.unique(encoded[:6])) == {-1.0, 1.0}
    assert decoded.dtype == np.float64
    assert decoded[:6].tolist() == [0.0, 0.0, 2.0, 10.0, 10.0, 0.0]


def test_whole_number_levels_encoder_keeps_the_hole_level_of_learned_holes():
    # Setup
    values = np.array([1.0, MISSING_LEVEL, 3.0, np.nan], dtype=object)
    encoder = WholeNumberLevelsColumnEncoder()
    encoder.fit(values, np.array([1.0, 3.0]))

    # Run
    encoded = encoder.transform(values)
    decoded = encoder.reverse_transform(np.nan_to_num(encoded[:3], nan=-1.0))

    # Assert
    assert encoder.levels == [1.0, 3.0, MISSING_LEVEL]
    assert encoded[:3].argmax(axis=1).tolist() == [0, 2, 1]
    assert np.isnan(encoded[3]).all()
    assert decoded.tolist() == [1.0, MISSING_LEVEL, 3.0]


def test_table_encoder_models_few_whole_numbers_as_levels_and_round_trips_them():
    # Setup
    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {
            'year': rng.choice([1990.0, 1995.0, 2000.0], 600),
            'amount': rng.normal(size=600),
            'count': rng.integers(0, 300, 600).astype(float),  # 2 rows a value: a number
        }
    )
    data.loc[::7, 'year'] = np.nan

    # Run
    encoder = TableEncoder().fit(data, [])
    values, observed = encoder.transform(data)
    decoded = encoder.reverse_transform(values)
    switched_off = TableEncoder(max_whole_number_levels=0).fit(data, [])

    # Assert
    assert encoder.column_kinds == ['whole_number_levels', 'continuous', 'continuous']
    assert encoder.model_column_kinds == ['one_hot', 'continuous', 'continuous']
    assert encoder.output_dimensions == 5
    assert (observed[::7, :3] == 0).all() and (observed[1::7, :3] == 1).all()
    known = data['year'].notna()
    assert decoded.loc[known, 'year'].tolist() == data.loc[known, 'year'].tolist()
    assert switched_off.column_kinds == ['continuous'] * 3
