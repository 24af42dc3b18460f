import numpy as np
import pytest
import torch

from sdv_missdiff.score_matching import (
    EnergyModel,
    FunctionEnergy,
    GaussianEnergy,
    ICALikeEnergy,
    ScoreMatchingError,
    TruncatedGaussianEnergy,
)


def _autograd_reference(energy, x, v):
    """Scores and Hessians of the EnergyModel defaults (autograd)."""
    score = EnergyModel.score(energy, x)
    diag = EnergyModel.hessian_diag(energy, x)
    quadratic = EnergyModel.hessian_quadratic(energy, x, v)
    return score, diag, quadratic


@pytest.mark.parametrize(
    'energy',
    [
        GaussianEnergy(
            3, mean=[0.1, -0.2, 0.3], precision=[[2, 0.5, 0], [0.5, 1, 0.2], [0, 0.2, 1.5]]
        ),
        ICALikeEnergy(3, theta=[[-1.0, 0.3, -0.2], [0, -0.5, 0.4], [0, 0, -2.0]]),
    ],
)
def test_closed_forms_match_autograd(energy):
    # Setup
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(5, 3, generator=generator)
    v = torch.randn(5, 3, generator=generator)

    # Run
    score, diag, quadratic = _autograd_reference(energy, x, v)

    # Assert
    torch.testing.assert_close(energy.score(x), score, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(energy.hessian_diag(x), diag, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(energy.hessian_quadratic(x, v), quadratic, atol=1e-4, rtol=1e-4)


def test_function_energy_uses_user_log_density():
    # Setup
    def log_density(x, params):
        return -((x - params['loc']) ** 2).sum(dim=1) / 2

    energy = FunctionEnergy(log_density, {'loc': [1.0, -1.0]}, dim=2)
    x = torch.tensor([[0.0, 0.0], [2.0, 1.0]])

    # Run
    score = energy.score(x)

    # Assert
    torch.testing.assert_close(score, torch.tensor([[1.0, -1.0], [-1.0, -2.0]]))
    assert len(list(energy.parameters())) == 1


def test_boundary_weight_uses_observed_coordinates_only():
    # Setup
    energy = TruncatedGaussianEnergy(3, lower=0.0, upper=[10.0, np.inf, np.inf], boundary_cap=5)
    x = torch.tensor([[0.5, 2.0, 0.1], [9.0, 3.0, 4.0], [8.0, 7.0, 6.0]])
    mask = torch.tensor([[True, True, False], [True, True, True], [False, True, True]])

    # Run
    weight, grad = energy.boundary_weight(x, mask)

    # Assert
    torch.testing.assert_close(weight, torch.tensor([0.5, 1.0, 5.0]))
    torch.testing.assert_close(
        grad, torch.tensor([[1.0, 0.0, 0.0], [-1.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    )


def test_bound_with_wrong_shape_names_the_argument():
    # Run and Assert
    with pytest.raises(ScoreMatchingError, match='``upper``'):
        GaussianEnergy(3, upper=[1.0, 2.0])


def test_numpy_integer_dimension_is_valid():
    # Run
    energy = ICALikeEnergy(np.int64(3))

    # Assert
    assert energy.dim == 3
    assert isinstance(energy.dim, int)
