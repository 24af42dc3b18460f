import numpy as np
import pytest
import torch

from sdv_missdiff.diffusion.denoisers import MLPDenoiser
from sdv_missdiff.diffusion.objective import MaskedDenoisingObjective
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas
from sdv_missdiff.diffusion.training import (
    EXPLOSION_FACTOR,
    Trainer,
    TrainingDivergedError,
    check_loss,
    update_ema,
)


def _fit(seed, ema_decay=0.995, epochs=3, learning_rate=2e-3):
    torch.manual_seed(seed)
    values = torch.randn(200, 3)
    observed = (torch.rand(200, 3) > 0.2).float()
    denoiser = MLPDenoiser(3, hidden_dimensions=16, num_blocks=1)
    objective = MaskedDenoisingObjective(VPSchedule(quadratic_betas(20)), 15, torch.arange(3))
    trainer = Trainer(epochs, 64, learning_rate, ema_decay=ema_decay)
    generator = torch.Generator().manual_seed(seed)
    return denoiser, *trainer.fit(denoiser, objective, values * observed, observed, generator)


def test_fit_returns_one_loss_per_epoch_and_an_ema_copy_in_eval_mode():
    # Run
    raw, trained, losses = _fit(0)

    # Assert
    assert len(losses) == 3 and all(np.isfinite(losses))
    assert trained is not raw and not trained.training
    assert any(
        not torch.equal(ema, weight) for ema, weight in zip(trained.parameters(), raw.parameters())
    )


def test_fit_without_ema_returns_the_trained_network():
    raw, trained, _ = _fit(0, ema_decay=None)
    assert trained is raw and not trained.training


def test_fit_is_repeatable_with_a_seed():
    _, first, first_losses = _fit(1)
    _, second, second_losses = _fit(1)
    assert first_losses == second_losses
    for a, b in zip(first.parameters(), second.parameters()):
        assert torch.equal(a, b)


def test_a_huge_learning_rate_stops_with_a_clear_error():
    with pytest.raises(TrainingDivergedError, match="Lower 'learning_rate'"):
        _fit(0, epochs=5, learning_rate=1e12)


@pytest.mark.parametrize(
    ('loss', 'best', 'message'),
    [(float('nan'), 1.0, 'became nan'), (EXPLOSION_FACTOR * 2.0, 1.0, 'exploded at epoch 4')],
)
def test_check_loss_raises_on_nan_and_explosion(loss, best, message):
    with pytest.raises(TrainingDivergedError, match=message):
        check_loss(3, loss, best)


def test_check_loss_accepts_a_loss_that_grows_a_little():
    check_loss(3, 1.5, 1.0)


def test_update_ema_moves_weights_by_one_minus_decay():
    # Setup
    ema, model = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    torch.nn.init.zeros_(ema.weight)
    torch.nn.init.ones_(model.weight)

    # Run
    update_ema(ema, model, 0.9)

    # Assert
    torch.testing.assert_close(ema.weight, torch.full((1, 2), 0.1))
