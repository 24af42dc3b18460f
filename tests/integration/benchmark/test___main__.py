import os
import re
import subprocess
import sys
import time

import pandas as pd
import pytest

from sdv_missdiff.benchmark.__main__ import build_parser, default_output, main, system_settings
from sdv_missdiff.benchmark.systems import DEFAULT_SYSTEMS, SYSTEMS

TINY = ['--dataset', 'bayesian_network', '--rows', '200', '--test-rows', '200', '--seeds', '1']
ALL_FAIL = ['--dataset', 'bayesian_network', '--rows', '1', '--test-rows', '50', '--seeds', '1']


def test_main_end_to_end_on_tiny_settings(tmp_path, capsys):
    # Setup
    output = tmp_path / 'bench'

    # Run
    results = main(
        [
            '--dataset',
            'bayesian_network',
            '--rows',
            '200',
            '--test-rows',
            '200',
            '--seeds',
            '1',
            '--systems',
            'gaussian_copula',
            'missdiff',
            '--epochs',
            '2',
            '--param',
            'missdiff.sampling_steps=5',
            'missdiff.batch_size=100',
            '--output',
            str(output),
        ]
    )

    # Assert
    assert results['status'].tolist() == ['ok', 'ok']
    saved = pd.read_csv(output / 'results.csv')
    assert saved['system'].tolist() == ['gaussian_copula', 'missdiff']
    assert saved.loc[1, 'settings'] == '{"epochs": 2, "sampling_steps": 5, "batch_size": 100}'
    text = (output / 'README.md').read_text()
    assert '--systems gaussian_copula missdiff' in text
    assert '| MissDiff |' in text
    assert (output / 'scores.png').exists()
    assert 'fidelity' in capsys.readouterr().out


@pytest.mark.parametrize(
    ('argv', 'message'),
    [
        (['--dataset', 'census'], "argument --dataset: invalid choice: 'census'"),
        (['--mechanism', 'mcar'], "argument --mechanism: invalid choice: 'mcar'"),
        (['--rate', '1.5'], 'argument --rate: 1.5 is outside \\(0, 1\\)'),
        (['--systems', 'stasy'], "argument --systems: invalid choice: 'stasy'"),
        (['--param', 'stasy.epochs=3'], "unknown system 'stasy'"),
        (['--param', 'missdiff.epochs'], 'write it as SYSTEM.KEY=VALUE'),
        (['--seeds', '0'], "Invalid value 0 for '--seeds': it must be a positive integer"),
        (['--test-rows', '-5'], "Invalid value -5 for '--test-rows': it must be a positive"),
        (['--epochs', 'x'], "argument --epochs: invalid int value: 'x'"),
    ],
)
def test_main_clear_errors(argv, message, capsys):
    # Run
    with pytest.raises(SystemExit):
        main(argv)

    # Assert
    assert re.search(message, capsys.readouterr().err)


def test_parser_systems_come_from_the_registry():
    # Setup
    action = next(action for action in build_parser()._actions if action.dest == 'systems')

    # Assert
    assert list(action.choices) == list(SYSTEMS)
    assert action.default == list(DEFAULT_SYSTEMS)
    assert 'gaussian_copula_imputed' in action.choices
    assert 'gaussian_copula_imputed' not in action.default


def test_system_settings_groups_and_epochs():
    # Run
    settings = system_settings(
        ['missdiff', 'diff_delete', 'gaussian_copula', 'ctgan'],
        epochs=7,
        params=[
            'diffusion.sampling_steps=50',
            'ctgan.batch_size=500',
            'missdiff.column_balance=0.5',
        ],
    )

    # Assert
    assert settings == {
        'missdiff': {'epochs': 7, 'sampling_steps': 50, 'column_balance': 0.5},
        'diff_delete': {'epochs': 7, 'sampling_steps': 50},
        'gaussian_copula': {},
        'ctgan': {'epochs': 7, 'batch_size': 500},
    }


def test_main_default_output_is_a_new_folder_of_the_working_directory(tmp_path, monkeypatch):
    # Setup
    monkeypatch.chdir(tmp_path)
    argv = TINY + ['--systems', 'gaussian_copula']

    # Run
    main(argv)
    main(argv)

    # Assert
    folders = sorted((tmp_path / 'missdiff-benchmark').iterdir())
    assert len(folders) == 2
    for folder in folders:
        assert re.fullmatch(r'bayesian_network-\d{8}-\d{6}(-\d+)?', folder.name)
        assert pd.read_csv(folder / 'results.csv')['status'].tolist() == ['ok']

    assert not (tmp_path / 'benchmarks').exists()


def test_default_output_adds_a_suffix_when_the_name_is_taken(tmp_path):
    # Setup
    stamp = time.strftime('%Y%m%d-%H%M%S', time.localtime(0))

    # Run
    folders = [default_output('adult', root=tmp_path, now=0) for _ in range(3)]

    # Assert
    names = [folder.name for folder in folders]
    assert names == [f'adult-{stamp}', f'adult-{stamp}-2', f'adult-{stamp}-3']
    assert all(folder.parent == tmp_path / 'missdiff-benchmark' for folder in folders)
    assert all(folder.is_dir() and not any(folder.iterdir()) for folder in folders)


def _earlier_results(folder):
    folder.mkdir()
    for name in ('results.csv', 'README.md', 'fidelity_vs_rate.png', 'errors.md'):
        (folder / name).write_text('earlier run')

    (folder / 'notes.txt').write_text('mine')


def test_main_refuses_an_output_folder_with_earlier_results(tmp_path, capsys):
    # Setup
    output = tmp_path / 'bench'
    _earlier_results(output)

    # Run
    with pytest.raises(SystemExit) as error:
        main(TINY + ['--systems', 'gaussian_copula', '--output', str(output)])

    # Assert
    assert error.value.code == 2
    message = capsys.readouterr().err
    assert 'already holds benchmark results' in message
    assert '--overwrite' in message
    assert sorted(path.name for path in output.iterdir()) == [
        'README.md',
        'errors.md',
        'fidelity_vs_rate.png',
        'notes.txt',
        'results.csv',
    ]
    assert (output / 'results.csv').read_text() == 'earlier run'


def test_main_overwrite_replaces_only_the_benchmark_files(tmp_path):
    # Setup
    output = tmp_path / 'bench'
    _earlier_results(output)

    # Run
    main(TINY + ['--systems', 'gaussian_copula', '--output', str(output), '--overwrite'])

    # Assert
    assert sorted(path.name for path in output.iterdir()) == [
        'README.md',
        'notes.txt',
        'results.csv',
        'run.json',
        'scores.png',
    ]
    assert (output / 'notes.txt').read_text() == 'mine'
    assert pd.read_csv(output / 'results.csv')['status'].tolist() == ['ok']


def test_main_exits_1_when_no_run_succeeds(tmp_path, capsys):
    # Setup
    output = tmp_path / 'bench'

    # Run
    with pytest.raises(SystemExit) as error:
        main(ALL_FAIL + ['--systems', 'gaussian_copula', '--output', str(output)])

    # Assert
    assert error.value.code == 1
    message = capsys.readouterr().err
    assert 'none of the 1 runs succeeded (1 failed)' in message
    assert str(output / 'errors.md') in message
    assert pd.read_csv(output / 'results.csv')['status'].tolist() == ['failed']
    assert 'ValueError' in (output / 'errors.md').read_text()


def test_main_warns_and_exits_0_when_some_runs_fail(tmp_path, capsys):
    # Setup
    output = tmp_path / 'bench'
    argv = TINY + ['--systems', 'gaussian_copula', 'missdiff', '--param', 'missdiff.bogus=1']

    # Run
    results = main(argv + ['--output', str(output)])

    # Assert
    assert results['status'].tolist() == ['ok', 'failed']
    message = capsys.readouterr().err
    assert 'warning: 1 of 2 runs did not succeed (1 failed)' in message
    assert str(output / 'errors.md') in message
    assert "Unknown option(s) ['bogus']" in (output / 'errors.md').read_text()


def test_python_dash_m_without_matplotlib_exits_1_when_every_run_fails(tmp_path):
    # Setup
    script = (
        'import runpy, sys\n'
        "sys.modules['matplotlib'] = None\n"
        "sys.argv = ['sdv_missdiff.benchmark'] + sys.argv[1:]\n"
        "runpy.run_module('sdv_missdiff.benchmark', run_name='__main__', alter_sys=True)\n"
    )
    environment = {**os.environ, 'OMP_NUM_THREADS': '1'}

    # Run
    process = subprocess.run(
        [sys.executable, '-c', script, *ALL_FAIL, '--systems', 'gaussian_copula'],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )

    # Assert
    assert process.returncode == 1, process.stderr
    assert 'none of the 1 runs succeeded' in process.stderr
    assert "Plots skipped: matplotlib is not installed (pip install 'sdv-missdiff[benchmark]')" in (
        process.stdout
    )
    (folder,) = (tmp_path / 'missdiff-benchmark').iterdir()
    assert sorted(path.name for path in folder.iterdir()) == [
        'README.md',
        'errors.md',
        'results.csv',
        'run.json',
    ]


def test_missing_packages_stop_the_command_before_any_fit(monkeypatch, capsys, tmp_path):
    # Setup
    from sdv_missdiff.benchmark import __main__ as cli
    from sdv_missdiff.benchmark import environment

    monkeypatch.setattr(environment, 'installed', lambda module: False)

    # Run
    with pytest.raises(SystemExit) as stopped:
        cli.main(['--systems', 'missdiff', 'forest_diffusion', '--output', str(tmp_path / 'out')])

    # Assert: usage error, both problems named, nothing written.
    error = capsys.readouterr().err
    assert stopped.value.code == 2
    assert "utility scores need xgboost: pip install 'sdv-missdiff[benchmark]'" in error
    assert "system 'forest_diffusion' needs ForestDiffusion" in error
    assert not (tmp_path / 'out').exists()
