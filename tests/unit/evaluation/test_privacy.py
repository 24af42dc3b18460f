import warnings

import numpy as np
import pandas as pd
import pytest
from sdmetrics.single_table import DCRBaselineProtection, DCROverfittingProtection

from sdv_missdiff.evaluation import PrivacyResult, evaluate_privacy, privacy, privacy_scores
from sdv_missdiff.evaluation.privacy_distances import GowerTables
from sdv_missdiff.evaluation.privacy_figures import (
    dcr_baseline_protection,
    dcr_overfitting_protection,
    dcr_share,
)

METADATA = {
    'columns': {
        'id': {'sdtype': 'id'},
        'x': {'sdtype': 'numerical'},
        'y': {'sdtype': 'numerical'},
        'group': {'sdtype': 'categorical'},
        'when': {'sdtype': 'datetime'},
    }
}
SDTYPES = {column: spec['sdtype'] for column, spec in METADATA['columns'].items()}
DISTANCE_FIGURES = [
    'exact_copy_share',
    'dcr_share',
    'dcr_overfitting_protection',
    'dcr_baseline_protection',
    'nndr_median',
    'nndr_p05',
]


def _table(num_rows, seed, missing=0.1):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=num_rows)
    table = pd.DataFrame(
        {
            'id': np.arange(num_rows) + 1000 * seed,
            'x': x,
            'y': x + rng.normal(size=num_rows),
            'group': rng.choice(['a', 'b', 'c', 'd'], size=num_rows),
            'when': pd.Timestamp('2020-01-01')
            + pd.to_timedelta(rng.integers(0, 2000, num_rows), 'D'),
        }
    )
    holes = rng.random((num_rows, 4)) < missing
    for position, column in enumerate(['x', 'y', 'group', 'when']):
        table.loc[holes[:, position], column] = None

    return table


@pytest.fixture(scope='module')
def tables():
    return _table(300, 0), _table(600, 1)


def test_a_table_that_copies_its_training_rows_is_flagged(tables):
    # Setup
    training, holdout = tables
    copies = training.sample(frac=1, random_state=0).assign(id=np.arange(300) + 5000)

    # Run
    result = evaluate_privacy(training, copies, METADATA, holdout, attacks=False)

    # Assert
    assert isinstance(result, PrivacyResult)
    assert result.scores['exact_copy_share'] == 1.0
    assert result.scores['dcr_share'] == pytest.approx(1.0, abs=0.01)
    # A copy of a training row that the holdout also holds is not nearer the training rows.
    assert result.scores['dcr_overfitting_protection'] < 0.02
    assert result.scores['dcr_baseline_protection'] == 0.0
    assert result.scores['nndr_median'] == 0.0
    assert result.concerns == DISTANCE_FIGURES
    verdicts = result.table.set_index('Figure')['Verdict']
    assert verdicts['Exact copies of training rows'] == (
        '300 synthetic rows (100.00%) equal a training row, more often than unseen real rows '
        'do: possible memorisation'
    )
    assert 'possible memorisation' in result.summary()


def test_independent_real_rows_look_like_the_reference(tables):
    # Setup
    training, holdout = tables
    fresh = _table(400, 2)

    # Run
    result = evaluate_privacy(training, fresh, METADATA, holdout, attacks=False)

    # Assert
    scores = result.scores
    assert scores['exact_copy_share'] == 0.0
    assert 0.4 < scores['dcr_share'] < 0.6
    assert 0.4 < scores['dcr_share_reference'] < 0.6
    for key in DISTANCE_FIGURES[2:]:
        assert scores[key] == pytest.approx(scores[f'{key}_reference'], abs=0.15)

    assert result.concerns == []
    assert result.table.columns.tolist() == [
        'Figure',
        'Synthetic',
        'Unseen real rows',
        'Verdict',
        'Note',
    ]
    assert result.table['Verdict'].iloc[0] == 'no synthetic row copies a training row'
    assert result.num_rows == {'training': 300, 'synthetic': 400, 'reference': 300, 'control': 300}
    assert result.summary().endswith(
        'No figure is worse than for unseen real rows beyond its noise.'
    )
    assert str(result) == result.summary()


def test_a_copy_counts_only_with_its_holes_in_the_same_cells(tables):
    # Setup: a training row with a hole, copied once with the hole and once with it filled.
    training, holdout = tables
    source = training[training['x'].isna()].iloc[[0]]
    filled = source.assign(x=0.5)
    synthetic = pd.concat([source, filled, _table(50, 3)], ignore_index=True)

    # Run
    result = evaluate_privacy(training, synthetic, METADATA, holdout, attacks=False)

    # Assert
    assert result.scores['exact_copy_share'] == pytest.approx(1 / 52)
    assert result.figures[0].count == 1


def test_the_sdmetrics_figures_equal_sdmetrics_own_metrics(tables):
    # Setup
    training, validation = tables[0], tables[1].iloc[:300]
    synthetic = _table(200, 4)
    metadata = {'columns': {key: spec for key, spec in METADATA['columns'].items() if key != 'id'}}
    sdtypes = {key: spec['sdtype'] for key, spec in metadata['columns'].items()}
    frames = {'training': training, 'synthetic': synthetic, 'validation': validation}
    distances = GowerTables(frames, sdtypes)
    to_real = distances.nearest('synthetic', 'training')[0][:, 0]
    to_validation = distances.nearest('synthetic', 'validation')[0][:, 0]

    # Run
    overfitting, _ = dcr_overfitting_protection(to_real, to_validation)
    baseline, _ = dcr_baseline_protection(to_real, random_median=0.5)

    # Assert
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        expected = DCROverfittingProtection.compute_breakdown(
            training, synthetic, validation, metadata, None
        )
        expected_baseline = DCRBaselineProtection.compute_breakdown(
            training, synthetic, metadata, None
        )

    assert overfitting == pytest.approx(expected['score'], abs=1e-12)
    median = expected_baseline['median_DCR_to_real_data']['synthetic_data']
    assert baseline == pytest.approx(median / 0.5, abs=1e-12)


def test_the_dcr_share_weights_each_side_to_equal_sizes():
    # Setup: 8 training rows for each control row: exchangeable rows win 8 times in 9.
    wins = np.array([0.0] * 8 + [1.0] * 64)
    ties = np.ones(len(wins))

    # Run
    half, _ = dcr_share(1 - wins, wins, ties, ties, 800, 100)
    copies, _ = dcr_share(np.zeros(10), np.ones(10), ties[:10], ties[:10], 800, 100)
    tied, _ = dcr_share(np.zeros(4), np.zeros(4), np.full(4, 8), np.ones(4), 800, 100)

    # Assert
    assert half == pytest.approx(0.5)
    assert copies == 1.0
    assert tied == pytest.approx(0.5)


def test_the_same_seed_repeats_the_report(tables):
    # Setup
    training, holdout = tables
    synthetic = _table(200, 5)

    # Run
    first = evaluate_privacy(training, synthetic, METADATA, holdout, attacks=False, seed=3)
    second = evaluate_privacy(training, synthetic, METADATA, holdout, attacks=False, seed=3)
    other = evaluate_privacy(training, synthetic, METADATA, holdout, attacks=False, seed=4)

    # Assert
    pd.testing.assert_frame_equal(first.table, second.table)
    assert first.scores['exact_copy_share'] == other.scores['exact_copy_share']
    assert first.scores['dcr_share_reference'] != other.scores['dcr_share_reference']


def test_large_tables_are_cut_and_the_notes_say_so(tables):
    # Setup
    training, holdout = tables

    # Run
    result = evaluate_privacy(
        training,
        _table(200, 6),
        METADATA,
        holdout,
        attacks=False,
        max_reference_rows=250,
        max_synthetic_rows=150,
    )

    # Assert
    assert result.num_rows['training'] == 250
    assert result.num_rows['synthetic'] == 150
    note = result.table['Note'].iloc[0]
    assert 'on 250 of the 300 training rows (max_reference_rows)' in note
    assert 'on 150 of the 200 synthetic rows (max_synthetic_rows)' in note


def test_without_anonymeter_the_attacks_say_how_to_install_it(tables, monkeypatch):
    # Setup
    monkeypatch.setattr(privacy, 'import_anonymeter', lambda: None)
    training, holdout = tables

    # Run
    with pytest.warns(UserWarning, match=r'sdv-missdiff\[privacy\]'):
        result = evaluate_privacy(training.iloc[:100], _table(50, 7), METADATA, holdout.iloc[:100])

    # Assert
    attacks = result.table.iloc[len(DISTANCE_FIGURES) :]
    assert len(attacks) == 4
    assert attacks['Synthetic'].isna().all()
    assert attacks['Verdict'].str.startswith('not run: `pip install').all()
    assert all('attacks=False' in verdict for verdict in attacks['Verdict'])
    assert 'linkability_risk' not in result.scores
    assert 'Linkability (anonymeter): not run' in result.summary()


def test_privacy_scores_are_plain_numbers_with_references(tables):
    # Setup
    training, holdout = tables

    # Run
    scores = privacy_scores(training, _table(100, 8), holdout, METADATA)

    # Assert
    assert list(scores) == [name for key in DISTANCE_FIGURES for name in (key, f'{key}_reference')]
    assert all(isinstance(value, float) for value in scores.values())


def test_missing_holdout_is_an_error_naming_it(tables):
    with pytest.raises(ValueError, match='`holdout_data` is required'):
        evaluate_privacy(tables[0], tables[0], METADATA)


@pytest.mark.parametrize(
    ('change', 'message'),
    [
        ({'synthetic': lambda table: table.drop(columns='y')}, "Only in real_data: \\['y'\\]"),
        (
            {'holdout': lambda table: table.rename(columns={'y': 'z'})},
            "Only in real_data: \\['y'\\]; only in holdout_data: \\['z'\\]",
        ),
        ({'synthetic': lambda table: table.iloc[:0]}, '`synthetic_data` has 0 rows'),
        ({'holdout': lambda table: table.iloc[:1]}, '`holdout_data` has 1 rows'),
        ({'real': lambda table: table.iloc[:1]}, '`real_data` has 1 rows'),
    ],
)
def test_unusable_tables_are_errors_naming_the_argument(tables, change, message):
    # Setup
    data = {'real': tables[0], 'synthetic': tables[0], 'holdout': tables[1]}
    for name, edit in change.items():
        data[name] = edit(data[name])

    # Run and Assert
    with pytest.raises(ValueError, match=message):
        evaluate_privacy(data['real'], data['synthetic'], METADATA, data['holdout'], attacks=False)


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [
        ({'attacks': 'yes'}, "'attacks': it must be True or False"),
        ({'max_reference_rows': 0}, "'max_reference_rows': it must be a positive integer"),
        ({'max_synthetic_rows': 2.5}, "'max_synthetic_rows': it must be a positive integer"),
    ],
)
def test_invalid_settings_are_errors_naming_them(tables, arguments, message):
    with pytest.raises(ValueError, match=message):
        evaluate_privacy(tables[0], tables[0], METADATA, tables[1], **arguments)


def test_a_table_of_ids_only_is_an_error(tables):
    table = tables[0][['id']]

    with pytest.raises(ValueError, match='Every column is of sdtype id'):
        evaluate_privacy(table, table, METADATA, table, attacks=False)
