import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.encoding import TableEncoder, fill_with_mean_and_mode


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
    with pytest.raises(ValueError, match="Invalid numerical_transform 'log'"):
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
