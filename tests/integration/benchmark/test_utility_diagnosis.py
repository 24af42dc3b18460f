import numpy as np
import pandas as pd

from benchmarks import utility_diagnosis
from sdv_missdiff.datasets import load_adult_split


def test_diagnosis_tells_wrong_labels_from_wrong_rows():
    # Setup: "synthetic" rows that are real rows with their income shuffled: right rows, labels
    # that follow nothing.
    complete, test = load_adult_split(1_500, 500, seed=0)
    rng = np.random.default_rng(0)
    real_model, reference = utility_diagnosis.reference_rows(complete, test, rng)
    shuffled = complete.copy()
    shuffled['income'] = rng.permutation(shuffled['income'].to_numpy())

    # Run
    scores = utility_diagnosis.diagnose_table(shuffled, complete, test, real_model, rng)

    # Assert: relabelling recovers the real rows' utility; the shuffled labels do not follow
    # the real model, which scores real test rows far better.
    relabelled = scores['synthetic rows, real labels']
    assert scores['synthetic']['auroc'] < 0.6
    assert relabelled['auroc'] > 0.85
    assert abs(relabelled['auroc'] - reference['real rows, real labels']['auroc']) < 0.03
    on_synthetic = scores['real model on synthetic rows']
    assert on_synthetic['log_loss'] > reference['real model on test rows']['log_loss'] + 0.2


def test_main_fits_samples_and_appends_its_rows(tmp_path):
    # Run: a tiny fit, twice into the same folder.
    arguments = ['--rows', '300', '--test-rows', '200', '--samples', '1', '--output']
    arguments += [str(tmp_path), '--missdiff-arguments', '{"epochs": 1}']
    utility_diagnosis.main(arguments)
    utility_diagnosis.main(arguments)

    # Assert: two reference rows, one conditional and three rows per table, in each run.
    results = pd.read_csv(tmp_path / 'results.csv')
    assert len(results) == 2 * 6
    assert results['missdiff_arguments'].eq('{"epochs": 1}').all()
    conditional = results[results['measure'] == "MissDiff's conditional"]
    assert conditional['accuracy'].between(0, 1).all() and (conditional['fit_s'] > 0).all()
