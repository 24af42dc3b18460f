import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from sdv_missdiff.benchmark.report import (
    main,
    markdown_report,
    pivot_table,
    plot_bars,
    plot_rate_lines,
    privacy_table,
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
        'errors.md',
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


def _long_failure():
    message = (
        'The provided data does not match the metadata:\n'
        + '\n\n'.join(
            f'Column {column!r} has no observed value, so nothing can be learned.'
            for column in 'ABCDEFGH'
        )
        + ' THE-LAST-WORD'
    )
    results = _results()
    results.loc[len(results) - 1, 'error'] = f'InvalidDataError: {message}'
    results['traceback'] = None
    results.loc[len(results) - 1, 'traceback'] = (
        'Traceback (most recent call last):\n  File "x.py", line 1, in fit\n'
        f'InvalidDataError: {message}\n'
    )
    return results, f'InvalidDataError: {message}'


def test_write_report_keeps_errors_whole(tmp_path):
    # Setup
    results, error = _long_failure()

    # Run
    write_report(results, tmp_path, plots=False)

    # Assert
    saved = pd.read_csv(tmp_path / 'results.csv')
    assert saved.loc[len(saved) - 1, 'error'] == error
    errors = (tmp_path / 'errors.md').read_text()
    assert '## 1. ctgan, mcar_independent 0.2, seed 0: failed' in errors
    assert error in errors
    assert 'Traceback (most recent call last):' in errors
    readme = (tmp_path / 'README.md').read_text()
    assert '[errors.md](errors.md)' in readme
    (line,) = [line for line in readme.splitlines() if line.startswith('- ctgan')]
    shortened = line.removeprefix('- ctgan, mcar_independent 0.2, seed 0: failed (')
    assert shortened.endswith(' ...)')
    one_line = ' '.join(error.split())
    assert one_line.startswith(shortened.removesuffix(' ...)') + ' ')
    assert 'THE-LAST-WORD' not in line


def test_write_report_removes_its_own_stale_files_only(tmp_path):
    # Setup
    several_rates = pd.concat([_results(), _results().assign(rate=0.5)], ignore_index=True)
    write_report(several_rates, tmp_path)
    (tmp_path / 'notes.txt').write_text('mine')
    all_ok = _results().query("status == 'ok'")

    # Run
    written = write_report(all_ok, tmp_path)

    # Assert
    assert sorted(path.name for path in written) == [
        'README.md',
        'results.csv',
        'run.json',
        'scores.png',
    ]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        'README.md',
        'notes.txt',
        'results.csv',
        'run.json',
        'scores.png',
    ]


def test_write_report_without_matplotlib_skips_plots(tmp_path, monkeypatch, capsys):
    # Setup
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    monkeypatch.setitem(sys.modules, 'matplotlib.pyplot', None)

    # Run
    written = write_report(_results(), tmp_path)

    # Assert
    assert sorted(path.name for path in written) == [
        'README.md',
        'errors.md',
        'results.csv',
        'run.json',
    ]
    assert capsys.readouterr().out == (
        "Plots skipped: matplotlib is not installed (pip install 'sdv-missdiff[benchmark]').\n"
    )


@pytest.mark.parametrize('plot', [plot_bars, plot_rate_lines])
def test_plots_without_matplotlib_say_what_to_install(plot, tmp_path, monkeypatch):
    # Setup
    monkeypatch.setitem(sys.modules, 'matplotlib', None)
    monkeypatch.setitem(sys.modules, 'matplotlib.pyplot', None)

    # Run and Assert
    message = (
        r"needs matplotlib, which is not installed: pip install 'sdv-missdiff\[benchmark\]' "
        r'\(or pip install matplotlib\)'
    )
    with pytest.raises(ImportError, match=message):
        plot(_results(), tmp_path / 'plot.png')

    assert not (tmp_path / 'plot.png').exists()


def test_report_modules_import_without_loading_matplotlib():
    # Setup
    script = (
        'import sys\n'
        'import sdv_missdiff.benchmark.__main__, sdv_missdiff.benchmark.report\n'
        "print('matplotlib' in sys.modules)\n"
    )

    # Run
    process = subprocess.run(
        [sys.executable, '-c', script], capture_output=True, text=True, timeout=120
    )

    # Assert
    assert process.returncode == 0, process.stderr
    assert process.stdout.strip() == 'False'


def _privacy_results():
    results = _results()
    ok = results['status'] == 'ok'
    shares = {'missdiff': 0.52, 'diff_mean': 0.61}
    results.loc[ok, 'dcr_share'] = results.loc[ok, 'system'].map(shares) + results['seed'] / 100
    results.loc[ok, 'dcr_share_reference'] = 0.50 + results['seed'] / 50
    return results


def test_privacy_table_has_no_bold_and_a_reference_row():
    # Run
    table = privacy_table(_privacy_results(), 'dcr_share')

    # Assert
    lines = table.splitlines()
    assert lines[2] == '| MissDiff | 0.525 ± 0.007 |'
    assert lines[3] == '| Diff-mean | 0.615 ± 0.007 |'
    assert lines[-1] == '| Unseen real rows (reference) | 0.510 ± 0.014 |'


def test_markdown_report_has_a_privacy_section_only_when_measured():
    # Run
    with_privacy = markdown_report(_privacy_results())
    without = markdown_report(_results())

    # Assert
    assert '## Privacy (--privacy)' in with_privacy
    assert '### DCR share: nearer a training row than a test row (0.5 ideal)' in with_privacy
    assert 'Exact copies' not in with_privacy
    assert '## Privacy' not in without
