import re

from sdv_missdiff import demo


def test_demo_prints_each_stage_and_both_synthesizers_scores(capsys):
    # Run
    demo.main(['--rows', '300', '--epochs', '2'])

    # Assert: the fit's progress bar (stderr) by default, the stages and scores on stdout.
    captured = capsys.readouterr()
    output = captured.out
    assert 'Loss: ' in captured.err and 'step/s' in captured.err
    assert '% of the cells hidden' in output
    assert 'Fitting MissDiffSynthesizer on 300 rows ...' in output
    assert 'Fitting GaussianCopulaSynthesizer on 300 rows ...' in output
    assert output.count('  fitted in ') == 2 and output.count('  sampled in ') == 2
    table = output[output.index('synthesizer ') :]
    assert re.search(r'MissDiffSynthesizer +0\.\d{3} +0\.\d{3} +0\.\d{3}', table)
    assert re.search(r'GaussianCopulaSynthesizer +0\.\d{3}', table)


def test_demo_quiet_hides_the_progress_bar(capsys):
    demo.main(['--rows', '300', '--epochs', '2', '--quiet'])
    assert 'Loss: ' not in capsys.readouterr().err
