from sdv_missdiff.benchmark import environment


def test_missing_packages_name_xgboost_each_system_and_its_extra(monkeypatch):
    # Setup: nothing importable.
    monkeypatch.setattr(environment, 'installed', lambda module: False)

    # Run
    messages = environment.missing_packages(['missdiff', 'forest_diffusion', 'tabular_argn'])

    # Assert
    assert len(messages) == 3
    assert messages[0] == "utility scores need xgboost: pip install 'sdv-missdiff[benchmark]'"
    assert "system 'forest_diffusion' needs ForestDiffusion" in messages[1]
    assert "pip install 'sdv-missdiff[peers]'" in messages[2]


def test_installed_is_false_when_the_parent_package_is_missing():
    assert environment.installed('json')
    assert not environment.installed('no_such_package.sub')


def test_versions_name_the_distribution_that_provides_xgboost():
    versions = environment.installed_versions()
    assert versions['xgboost'] != 'not installed'  # xgboost-cpu in the test extra on Linux
    assert set(versions) == set(environment.DISTRIBUTIONS)
