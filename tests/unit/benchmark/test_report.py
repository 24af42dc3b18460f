import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.benchmark.report import (
    main,
    markdown_report,
    pivot_table,
    summarize,
    write_report,
)


def _results():
    rows = []
    for seed, (missdiff, mean) in enumerate([(0.80, 0.70), (0.84, 0.74)]):
        for system, fidelity in [('missdiff', missdiff), ('diff_mean', mean)]:
            rows.append(
                {
                    'dataset': 'bayesian_network',
                    'mechanism': 'mcar_independent',
                    'rate': 0.2,
                    'seed': seed,
                    'system': system,
                    'status': 'ok',
                    'error': np.nan,
                    'fidelity': fidelity,
                    'utility_accuracy': fidelity - 0.1,
                    'utility_f1': 0.5,
                    'fit_s': 10.0,
                    'sample_s': 1.0,
                }
            )

    rows.append(
        {
            'dataset': 'bayesian_network',
            'mechanism': 'mcar_independent',
            'rate': 0.2,
            'seed': 0,
            'system': 'ctgan',
            'status': 'failed',
            'error': 'RuntimeError: boom',
        }
    )
    return pd.DataFrame(rows)


def test_summarize_mean_and_std():
    # Run
    summary = summarize(_results()).set_index('system')

    # Assert
    assert summary.loc['missdiff', 'fidelity_mean'] == pytest.approx(0.82)
    np.testing.assert_allclose(summary.loc['missdiff', 'fidelity_std'], np.std([0.8, 0.84], ddof=1))
    assert summary.loc['missdiff', 'runs'] == 2
    assert summary.loc['ctgan', 'ok'] == 0
    assert np.isnan(summary.loc['ctgan', 'fidelity_mean'])


def test_pivot_table_mean_std_best_in_bold_and_failures():
    # Run
    table = pivot_table(_results(), 'fidelity')

    # Assert
    lines = table.splitlines()
    assert lines[0] == '| system | mcar_independent 0.2 |'
    assert lines[2] == '| MissDiff | **0.820 ± 0.028** |'
    assert lines[3] == '| Diff-mean | 0.720 ± 0.028 |'
    assert lines[4] == '| CTGAN | failed (see below) |'


def test_markdown_report_has_command_and_failures():
    # Run
    text = markdown_report(_results(), command='python -m sdv_missdiff.benchmark', notes=['a'])

    # Assert
    assert 'Command: `python -m sdv_missdiff.benchmark`' in text
    assert '- ctgan, mcar_independent 0.2, seed 0: failed (RuntimeError: boom)' in text
    assert '## Settings' in text


def test_write_report_files(tmp_path):
    # Setup
    results = pd.concat([_results(), _results().assign(rate=0.5)], ignore_index=True)

    # Run
    written = write_report(results, tmp_path / 'out')

    # Assert
    names = sorted(path.name for path in written)
    assert names == [
        'README.md',
        'fidelity_vs_rate.png',
        'results.csv',
        'run.json',
        'scores.png',
        'utility_vs_rate.png',
    ]
    assert all(path.stat().st_size > 0 for path in written)
    assert len(pd.read_csv(tmp_path / 'out' / 'results.csv')) == len(results)


def test_main_redraws_a_report(tmp_path, capsys):
    # Setup
    write_report(_results(), tmp_path, command='python -m x', notes=['n'], plots=False)
    (tmp_path / 'README.md').unlink()

    # Run
    main([str(tmp_path)])

    # Assert
    assert 'Command: `python -m x`' in (tmp_path / 'README.md').read_text()
    assert (tmp_path / 'scores.png').exists()
    assert 'README.md' in capsys.readouterr().out
