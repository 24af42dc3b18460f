import pytest

from sdv_missdiff.benchmark.datasets import get_bayesian_network_metadata, simulate_bayesian_network
from sdv_missdiff.benchmark.systems import make_system
from sdv_missdiff.missingness import simulate_missing

TABLE = 'bayesian_network'


def test_gaussian_copula_imputed_fits_on_the_mean_and_mode_fill():
    # Setup
    complete = simulate_bayesian_network(120, seed=0)
    observed, _ = simulate_missing(complete, 'mcar_independent', 0.3, seed=0)
    metadata = get_bayesian_network_metadata()
    imputed = make_system('gaussian_copula_imputed', metadata, TABLE)
    plain = make_system('gaussian_copula', metadata, TABLE)

    # Run
    imputed.fit(observed)
    plain.fit(observed)

    # Assert
    assert not imputed.sample(200).isna().to_numpy().any()
    assert plain.sample(200).isna().to_numpy().mean() == pytest.approx(0.3, abs=0.1)
    assert observed.isna().to_numpy().any()  # the caller's table is left as it was
