import re

import pandas as pd
import pytest

from sdv_missdiff.benchmark.__main__ import main, system_settings


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
    ],
)
def test_main_clear_errors(argv, message, capsys):
    # Run
    with pytest.raises(SystemExit):
        main(argv)

    # Assert
    assert re.search(message, capsys.readouterr().err)


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
