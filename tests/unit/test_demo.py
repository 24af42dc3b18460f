from sdv_missdiff import demo


def test_demo_prints_both_synthesizers_scores(capsys):
    demo.main(['--rows', '300', '--epochs', '2'])
    output = capsys.readouterr().out
    assert 'MissDiffSynthesizer' in output
    assert 'GaussianCopulaSynthesizer' in output
    assert '% of the cells hidden' in output
