import math

import pytest

from benchmarks import learned_missingness


def test_mean_scores_average_each_figure_over_the_tables_that_have_it():
    # Setup: the second table has no rows without 'workclass', so no hours there.
    tables = [
        {'quality_vs_holdout': 0.9, 'hours_given_workclass_missing': 30.0},
        {'quality_vs_holdout': 0.8, 'hours_given_workclass_missing': math.nan},
        {'quality_vs_holdout': 0.7},
    ]

    # Run
    means = learned_missingness.mean_scores(tables)

    # Assert
    assert means['quality_vs_holdout'] == pytest.approx(0.8)
    assert means['hours_given_workclass_missing'] == pytest.approx(30.0)
    assert math.isnan(learned_missingness.mean_scores([{'x': math.nan}])['x'])


def test_several_samples_score_the_mean_of_their_tables():
    # Setup: one short learned fit on 300 natural Adult rows, scored on one table and on two.
    arguments = ('natural', ['missdiff_learned'], [0], 300, 100, 0.2)
    settings = {'missdiff_learned': {'epochs': 2}}

    # Run
    one = learned_missingness.run(*arguments, settings, samples=1).set_index('system')
    two = learned_missingness.run(*arguments, settings, samples=2).set_index('system')

    # Assert: the same seeded fit, whose first table is scored alone, then with a second one.
    first, pooled = one.loc['missdiff_learned'], two.loc['missdiff_learned']
    assert first['samples'] == 1 and pooled['samples'] == 2
    assert first['fit_s'] > 0 and pooled['status'] == 'ok'
    assert pooled['quality_vs_holdout'] != first['quality_vs_holdout']
    assert 0 < pooled['quality_vs_holdout'] < 1 and 0 < pooled['missingness_fidelity'] <= 1
    assert 0 <= pooled['missing_workclass'] < 0.5
    assert one.loc['real', 'missing_workclass'] == two.loc['real', 'missing_workclass']
