from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
import torch

from sdv_missdiff.benchmark.adapters import SDVSystem
from sdv_missdiff.benchmark.datasets import get_bayesian_network_metadata, simulate_bayesian_network
from sdv_missdiff.benchmark.runner import (
    PRIVACY_COLUMNS,
    RESULT_COLUMNS,
    fit_and_sample,
    fit_system,
    run_benchmark,
    sample_system,
)
from sdv_missdiff.benchmark.systems import make_system
from sdv_missdiff.missingness import simulate_missing


class _CrashingSystem:
    def __init__(self, message):
        self.message = message

    def fit(self, table):
        raise RuntimeError(self.message)

    def sample(self, num_rows):
        raise AssertionError('never sampled')


def _make_system(name, metadata, table_name, settings=None):
    if name == 'ctgan':
        return _CrashingSystem((settings or {}).get('message', 'boom'))

    from sdv.single_table import GaussianCopulaSynthesizer

    return SDVSystem(GaussianCopulaSynthesizer(metadata), table_name)


def test_run_benchmark_records_a_crash_and_goes_on(capsys):
    # Setup
    partial_lengths = []

    # Run
    with patch('sdv_missdiff.benchmark.runner.make_system', side_effect=_make_system):
        results = run_benchmark(
            'bayesian_network',
            ['mcar_independent'],
            [0.2],
            seeds=1,
            systems=['ctgan', 'gaussian_copula'],
            num_rows=150,
            num_test_rows=100,
            on_result=lambda frame: partial_lengths.append(len(frame)),
        )

    # Assert
    assert list(results.columns) == list(RESULT_COLUMNS)
    assert results['system'].tolist() == ['ctgan', 'gaussian_copula']
    assert results['status'].tolist() == ['failed', 'ok']
    assert results.loc[0, 'error'] == 'RuntimeError: boom'
    assert pd.isna(results.loc[0, 'fidelity'])
    assert 0 < results.loc[1, 'fidelity'] <= 1
    assert 0 <= results.loc[1, 'utility_accuracy'] <= 1
    assert results.loc[1, 'observed_missing_share'] == pytest.approx(0.2, abs=0.05)
    assert partial_lengths == [1, 2]
    output = capsys.readouterr().out
    assert 'FAILED (RuntimeError: boom)' in output
    assert '(2/2) bayesian_network mcar_independent 0.2 seed 0 gaussian_copula' in output


def test_run_benchmark_with_privacy_records_the_figures_and_their_references(capsys):
    # Run
    with patch('sdv_missdiff.benchmark.runner.make_system', side_effect=_make_system):
        results = run_benchmark(
            'bayesian_network',
            ['mcar_independent'],
            [0.2],
            seeds=1,
            systems=['gaussian_copula'],
            num_rows=150,
            num_test_rows=100,
            privacy=True,
        )

    # Assert
    assert list(results.columns) == list(RESULT_COLUMNS) + list(PRIVACY_COLUMNS)
    row = results.iloc[0]
    assert row['status'] == 'ok'
    assert 0.3 < row['dcr_share_reference'] < 0.7
    for column in PRIVACY_COLUMNS:
        assert 0 <= row[column] <= 1

    assert ', DCR share ' in capsys.readouterr().out


def test_run_benchmark_records_a_missing_package():
    # Run
    with patch.dict('sys.modules', {'ForestDiffusion': None}):
        results = run_benchmark(
            'bayesian_network',
            ['mcar_row'],
            [0.4],
            seeds=1,
            systems=['forest_diffusion'],
            num_rows=50,
            num_test_rows=50,
        )

    # Assert
    assert results['status'].tolist() == ['not installed']
    assert 'pip install ForestDiffusion' in results.loc[0, 'error']


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        ({'mechanisms': ['mcar']}, "Unknown mechanism\\(s\\) \\['mcar'\\] for 'mechanisms'"),
        ({'rates': [0.2, 1.0]}, "Invalid 'rates' \\[1.0\\]: every rate must be in \\(0, 1\\)"),
        ({'seeds': 0}, "Invalid value 0 for 'seeds'"),
        ({'systems': ['stasy']}, "Unknown system\\(s\\) \\['stasy'\\] for 'systems'"),
    ],
)
def test_run_benchmark_invalid_settings(arguments, message):
    # Setup
    settings = {
        'mechanisms': ['mcar_independent'],
        'rates': [0.2],
        'seeds': 1,
        'systems': ['gaussian_copula'],
    }
    settings.update(arguments)

    # Run and Assert
    with pytest.raises(ValueError, match=message):
        run_benchmark('bayesian_network', **settings)


def test_run_benchmark_keeps_the_whole_error_and_its_traceback(capsys):
    # Setup
    message = 'first line\n' + ' '.join(f'word{number}' for number in range(100)) + ' THE-END'

    # Run
    with patch('sdv_missdiff.benchmark.runner.make_system', side_effect=_make_system):
        results = run_benchmark(
            'bayesian_network',
            ['mcar_independent'],
            [0.2],
            seeds=1,
            systems=['ctgan'],
            system_settings={'ctgan': {'message': message}},
            num_rows=50,
            num_test_rows=50,
        )

    # Assert
    assert results.loc[0, 'status'] == 'failed'
    assert results.loc[0, 'error'] == f'RuntimeError: {message}'
    traceback = results.loc[0, 'traceback']
    assert traceback.startswith('Traceback (most recent call last):')
    assert 'raise RuntimeError(self.message)' in traceback
    assert traceback.rstrip('\n').endswith(f'RuntimeError: {message}')
    assert f'FAILED (RuntimeError: {message})' in capsys.readouterr().out


def _tiny_missdiff():
    settings = {'epochs': 2, 'batch_size': 32, 'denoiser_width': 16, 'sampling_steps': 5}
    return make_system('missdiff', get_bayesian_network_metadata(), 'bayesian_network', settings)


def test_fit_and_sample_is_seeded_whatever_ran_before_it():
    # Setup
    complete = simulate_bayesian_network(60, seed=0)
    observed, _ = simulate_missing(complete, 'mcar_independent', 0.2, seed=0)

    # Run
    first, timings = fit_and_sample(_tiny_missdiff(), observed, 40, seed=3)
    system = _tiny_missdiff()
    torch.rand(10)  # draws from the global generators between building and fitting
    np.random.rand(10)
    fit_s = fit_system(system, observed, seed=3)
    second, sample_s = sample_system(system, 40)
    other, _ = fit_and_sample(_tiny_missdiff(), observed, 40, seed=4)

    # Assert
    assert sorted(timings) == ['fit_s', 'sample_s']
    assert min(timings['fit_s'], timings['sample_s'], fit_s, sample_s) > 0
    assert len(first) == 40
    pd.testing.assert_frame_equal(first, second)
    assert not first.equals(other)
