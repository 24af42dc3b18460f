import re

from sdv_missdiff import demo


def test_demo_prints_each_stage_and_both_synthesizers_scores(capsys):
    # Run
    demo.main(['--rows', '300', '--epochs', '2'])

    # Assert
    output = capsys.readouterr().out
    assert '% of the cells hidden' in output
    assert 'Fitting MissDiffSynthesizer on 300 rows (--verbose shows progress) ...' in output
    assert 'Fitting GaussianCopulaSynthesizer on 300 rows ...' in output
    assert output.count('  fitted in ') == 2 and output.count('  sampled in ') == 2
    table = output[output.index('synthesizer ') :]
    assert re.search(r'MissDiffSynthesizer +0\.\d{3} +0\.\d{3} +0\.\d{3}', table)
    assert re.search(r'GaussianCopulaSynthesizer +0\.\d{3}', table)
