import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.benchmark.datasets import (
    get_bayesian_network_metadata,
    load_benchmark_dataset,
    simulate_bayesian_network,
)


def test_simulate_bayesian_network_shapes_and_dtypes():
    # Run
    data = simulate_bayesian_network(500, seed=0)

    # Assert
    assert data.shape == (500, 5)
    assert list(data.columns) == ['C1', 'C2', 'D1', 'D2', 'D3']
    assert data[['C1', 'C2']].dtypes.eq(float).all()
    assert set(data['D1']) == {'0', '1'}
    assert set(data['D2']) == {'0', '1', '2'}
    assert set(data['D3']) == {'0', '1'}
    assert not data.isna().any().any()


def test_simulate_bayesian_network_is_seeded():
    # Run
    first = simulate_bayesian_network(100, seed=3)
    second = simulate_bayesian_network(100, seed=3)
    other = simulate_bayesian_network(100, seed=4)

    # Assert
    pd.testing.assert_frame_equal(first, second)
    assert not first.equals(other)


def test_simulate_bayesian_network_conditional_structure():
    # Run
    data = simulate_bayesian_network(60_000, seed=1)

    # Assert: marginals (the second argument of N(mu, s) is the standard deviation)
    assert data['C1'].mean() == pytest.approx(25, abs=0.05)
    assert data['C1'].std() == pytest.approx(2, abs=0.05)
    residual = data['C2'] - (0.1 * data['C1'] + 50)
    assert residual.mean() == pytest.approx(0, abs=0.1)
    assert residual.std() == pytest.approx(5, abs=0.1)
    assert (data['D1'] == '1').mean() == pytest.approx(0.3, abs=0.01)

    # Assert: D2 given D1 = 0, and given one parent cell with D1 = 1
    d1_zero = data.loc[data['D1'] == '0', 'D2'].value_counts(normalize=True)
    np.testing.assert_allclose(d1_zero[['0', '1', '2']], [0.05, 0.05, 0.9], atol=0.01)
    cell = (data['D1'] == '1') & (data['C1'] <= 26) & (data['C2'] <= 55)
    d2_cell = data.loc[cell, 'D2'].value_counts(normalize=True)
    np.testing.assert_allclose(d2_cell[['0', '1', '2']], [0.1, 0.2, 0.7], atol=0.02)

    # Assert: D3 given D2
    d3_rate = (data['D3'] == '1').groupby(data['D2']).mean()
    np.testing.assert_allclose(d3_rate[['0', '1', '2']], [0.2, 0.4, 0.8], atol=0.02)


def test_get_bayesian_network_metadata():
    # Run
    metadata = get_bayesian_network_metadata()

    # Assert
    columns = metadata.tables['bayesian_network'].columns
    assert {name: column['sdtype'] for name, column in columns.items()} == {
        'C1': 'numerical',
        'C2': 'numerical',
        'D1': 'categorical',
        'D2': 'categorical',
        'D3': 'categorical',
    }


def test_load_benchmark_dataset_bayesian_network():
    # Run
    data = load_benchmark_dataset('bayesian_network', num_rows=50, num_test_rows=70, seed=0)

    # Assert
    assert data['train'].shape == (50, 5)
    assert data['test'].shape == (70, 5)
    assert data['target'] == 'D2'
    assert data['table_name'] == 'bayesian_network'


def test_load_benchmark_dataset_unknown_name():
    # Run and Assert
    message = r"Invalid value 'census' for 'dataset'. Choose one of \['adult', 'bayesian_network'\]"
    with pytest.raises(ValueError, match=message):
        load_benchmark_dataset('census')


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        ({'num_rows': 0}, "Invalid value 0 for 'num_rows': it must be a positive integer"),
        ({'num_test_rows': 2.5}, "Invalid value 2.5 for 'num_test_rows'"),
        ({'num_rows': True}, "Invalid value True for 'num_rows'"),
    ],
)
def test_load_benchmark_dataset_invalid_row_counts(arguments, message):
    # Run and Assert
    with pytest.raises(ValueError, match=message):
        load_benchmark_dataset('bayesian_network', **arguments)


@pytest.mark.parametrize('num_rows', [0, -3, 2.0, '10', True])
def test_simulate_bayesian_network_invalid_num_rows(num_rows):
    # Run and Assert
    with pytest.raises(ValueError, match="for 'num_rows': it must be a positive integer"):
        simulate_bayesian_network(num_rows)
