import numpy as np
import pytest

from sdv_missdiff.score_matching import GaussianEnergy, ScoreMatchingError, TruncatedGaussianEnergy


def test_gaussian_cholesky_keeps_initial_precision():
    # Setup
    precision = np.array([[2.0, 0.5], [0.5, 1.0]])

    # Run
    energy = GaussianEnergy(2, precision=precision)

    # Assert
    np.testing.assert_allclose(energy.precision.detach().numpy(), precision, atol=1e-6)


def test_truncated_gaussian_needs_a_finite_bound():
    # Run and Assert
    with pytest.raises(ScoreMatchingError, match='finite'):
        TruncatedGaussianEnergy(2, lower=None)


@pytest.mark.parametrize(
    ('name', 'value'),
    [('dim', 2.0), ('dim', True), ('dim', 0), ('boundary_cap', 0.0), ('parametrization', 'lu')],
)
def test_invalid_gaussian_argument_names_the_argument(name, value):
    # Setup
    kwargs = {'dim': 2, name: value}

    # Run and Assert
    with pytest.raises(ScoreMatchingError, match=f"Invalid value {value!r} for '{name}'"):
        GaussianEnergy(**kwargs)
