import argparse

import pandas as pd
import pytest

from benchmarks import adult_synthesizers
from sdv_missdiff.benchmark.systems import REGISTRY

COLUMNS = [
    'system',
    'fit_s',
    'sample_s',
    'samples',
    'quality',
    'column_shapes',
    'column_pair_trends',
    'xgboost_accuracy',
    'xgboost_f1',
    'xgboost_auroc',
    'detection_auc',
    'synthetic_missing_share',
]
TINY = ['--rows', '200', '--test-rows', '100']


def test_systems_come_from_the_registry_with_real_holdout_as_reference():
    # Assert
    assert adult_synthesizers.SYSTEMS[-1] == 'real_holdout'
    assert set(adult_synthesizers.SYSTEMS[:-1]) <= set(REGISTRY)
    assert adult_synthesizers.CHOICES == (*REGISTRY, 'real_holdout')


def test_system_settings_from_the_command_line():
    # Setup
    args = argparse.Namespace(missdiff_settings={'epochs': 3}, tvae_epochs=4, ctgan_epochs=5)

    # Run and Assert
    assert adult_synthesizers.system_settings('diff_delete', args) == {'epochs': 3}
    assert adult_synthesizers.system_settings('tvae', args) == {'epochs': 4, 'enable_gpu': True}
    assert adult_synthesizers.system_settings('ctgan', args) == {'epochs': 5, 'enable_gpu': True}
    assert adult_synthesizers.system_settings('gaussian_copula_imputed', args) == {}


def test_main_writes_results_readme_and_commands(tmp_path, capsys):
    # Setup
    output = tmp_path / 'adult'
    first = ['--systems', 'gaussian_copula', 'real_holdout', *TINY, '--output', str(output)]
    second = ['--systems', 'gaussian_copula_imputed', 'gaussian_copula', *TINY]
    second += ['--output', str(output), '--append']

    # Run
    adult_synthesizers.main(first)
    adult_synthesizers.main(second)

    # Assert
    results = pd.read_csv(output / 'results.csv')
    assert list(results.columns) == COLUMNS
    assert results['system'].tolist() == [
        'real_holdout',
        'gaussian_copula_imputed',
        'gaussian_copula',
    ]
    assert results.loc[0, 'fit_s'] == 0.0
    assert results.loc[1, 'synthetic_missing_share'] == 0.0
    assert results.loc[2, 'synthetic_missing_share'] > 0.1
    assert results['quality'].between(0, 1).all()
    commands = (output / 'commands.txt').read_text().splitlines()
    assert commands == [' '.join(first), ' '.join(second)]
    readme = (output / 'README.md').read_text()
    assert (
        '| system | quality | column shapes | pair trends | XGBoost acc. | XGBoost AUROC | '
        'detection AUC | fit s | sample s |' in readme
    )
    assert readme.count('| gaussian_copula') == 2
    assert readme.startswith('# Adult, mcar_independent holes at rate 0.2')
    assert (
        'python -m benchmarks.adult_synthesizers --systems gaussian_copula real_holdout' in readme
    )


def test_several_samples_give_mean_scores_and_their_range(tmp_path, capsys):
    # Setup
    arguments = ['--systems', 'gaussian_copula', 'real_holdout', *TINY, '--samples', '3']

    # Run
    adult_synthesizers.main([*arguments, '--output', str(tmp_path)])

    # Assert
    results = pd.read_csv(tmp_path / 'results.csv').set_index('system')
    assert results.loc['gaussian_copula', 'samples'] == 3
    assert results.loc['real_holdout', 'samples'] == 1  # one fixed set of real rows
    copula = results.loc['gaussian_copula']
    assert copula['quality_min'] <= copula['quality'] <= copula['quality_max']
    assert copula['xgboost_accuracy_min'] <= copula['xgboost_accuracy_max']
    assert pd.isna(results.loc['real_holdout', 'quality_min'])
    readme = (tmp_path / 'README.md').read_text()
    quality = f'{copula["quality"]:.3f} ({copula["quality_min"]:.3f}-{copula["quality_max"]:.3f})'
    assert f'| gaussian_copula | {quality} |' in readme


@pytest.mark.parametrize(
    ('arguments', 'message'),
    [('{"epochs": 2', 'not JSON'), ('[2]', 'give a JSON object')],
)
def test_main_refuses_bad_missdiff_arguments(arguments, message, tmp_path, capsys):
    # Run
    with pytest.raises(SystemExit):
        adult_synthesizers.main(['--missdiff-arguments', arguments, '--output', str(tmp_path)])

    # Assert
    assert f'argument --missdiff-arguments: {message}' in capsys.readouterr().err
    assert not any(tmp_path.iterdir())


def test_main_takes_another_mechanism_into_its_own_default_folder(tmp_path, monkeypatch):
    # Setup
    monkeypatch.setattr(adult_synthesizers, 'RESULTS', tmp_path / 'adult')
    argv = ['--systems', 'gaussian_copula', *TINY, '--mechanism', 'mnar_self', '--rate', '0.3']

    # Run
    adult_synthesizers.main(argv)

    # Assert
    readme = (tmp_path / 'adult_mnar_self_0.3' / 'README.md').read_text()
    assert readme.startswith('# Adult, mnar_self holes at rate 0.3 (')
    assert not (tmp_path / 'adult').exists()


def test_several_fit_seeds_give_the_mean_of_the_fits_and_their_range(tmp_path, capsys):
    # Setup: two short MissDiff fits on the same holes, two tables each.
    arguments = ['--systems', 'missdiff', 'real_holdout', *TINY, '--samples', '2']
    arguments += ['--fit-seeds', '3', '4', '--missdiff-arguments', '{"epochs": 2}']

    # Run
    adult_synthesizers.main([*arguments, '--output', str(tmp_path)])

    # Assert
    results = pd.read_csv(tmp_path / 'results.csv').set_index('system')
    fits = pd.read_csv(tmp_path / 'fits.csv')
    assert fits['system'].tolist() == ['missdiff', 'missdiff', 'real_holdout']
    assert fits['fit_seed'].tolist() == [3, 4, 0]
    own = fits[fits['system'] == 'missdiff']
    assert own['quality'].nunique() == 2  # the seeds fitted two different models
    pooled = results.loc['missdiff']
    assert pooled['fits'] == 2 and pooled['samples'] == 2
    assert pooled['quality'] == pytest.approx(own['quality'].mean())
    assert pooled['quality_min'] == pytest.approx(own['quality'].min())
    assert pooled['quality_max'] == pytest.approx(own['quality'].max())
    assert pooled['quality_sd'] == pytest.approx(own['quality'].std())
    assert pooled['fit_s'] == pytest.approx(own['fit_s'].mean())
    assert results.loc['real_holdout', 'fits'] == 1
    readme = (tmp_path / 'README.md').read_text()
    quality = f'{pooled["quality"]:.3f} ({pooled["quality_min"]:.3f}-{pooled["quality_max"]:.3f})'
    assert f'| missdiff | {quality} |' in readme
