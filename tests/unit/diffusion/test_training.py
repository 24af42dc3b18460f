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
    validation_loss_of,
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


def test_check_loss_reads_no_scale_from_an_epoch_that_scored_nothing():
    check_loss(3, 0.2, 0.0)  # a one-row table's epoch can score nothing
    with pytest.raises(TrainingDivergedError, match='became inf'):
        check_loss(3, float('inf'), 0.0)


def test_check_loss_leaves_the_swings_of_a_tiny_table_alone():
    check_loss(6, 2.854, 0.0238, num_rows=1)  # measured between two epochs of one row
    with pytest.raises(TrainingDivergedError, match='became nan'):
        check_loss(6, float('nan'), 0.0238, num_rows=1)
    with pytest.raises(TrainingDivergedError, match='exploded'):
        check_loss(6, 2.854, 0.0238, num_rows=64)


def test_update_ema_moves_weights_by_one_minus_decay():
    # Setup
    ema, model = torch.nn.Linear(2, 1), torch.nn.Linear(2, 1)
    torch.nn.init.zeros_(ema.weight)
    torch.nn.init.ones_(model.weight)

    # Run
    update_ema(list(ema.parameters()), list(model.parameters()), 0.9)

    # Assert
    torch.testing.assert_close(ema.weight, torch.full((1, 2), 0.1))
    torch.testing.assert_close(model.weight, torch.ones((1, 2)))


def _regression_objective(network, x0, observed, generator):
    # Predict the last column from the others; the loss of a batch, like a denoising objective.
    return (network(x0[:, :-1]).squeeze(1) - x0[:, -1]).square().mean()


def test_validation_stops_training_and_returns_the_best_checked_weights():
    # Setup: the validation rows follow the opposite rule, so learning the training rows only
    # makes their loss worse after the first checks.
    torch.manual_seed(0)
    x = torch.randn(400, 2)
    train = torch.column_stack([x, x @ torch.tensor([1.0, -1.0])])
    held_out = torch.column_stack([x[:100], -(x[:100] @ torch.tensor([1.0, -1.0]))])
    network = torch.nn.Linear(2, 1)
    trainer = Trainer(2000, 400, 0.002, ema_decay=None, patience=2)
    generator = torch.Generator().manual_seed(0)
    validation = (held_out, torch.ones_like(held_out))

    # Run
    trained, losses = trainer.fit(
        network, _regression_objective, train, torch.ones_like(train), generator, validation
    )

    # Assert
    checked = [loss for _, loss in trainer.validation_loss_values]
    # One step an epoch, so a check every 200 epochs: the best at the first, then two worse.
    assert [epoch for epoch, _ in trainer.validation_loss_values] == [200, 400, 600]
    assert trainer.stopped_epoch == 600
    assert len(losses) == 600
    assert checked[0] < checked[1] < checked[2]
    with torch.no_grad():
        returned = _regression_objective(trained, held_out, None, None).item()

    assert returned == pytest.approx(min(checked))


def test_validation_without_gain_stops_after_patience_checks():
    # Setup: a constant loss never improves after the first check.
    network = torch.nn.Linear(2, 1)
    values = torch.zeros(50, 3)
    trainer = Trainer(100, 10, 0.01, ema_decay=None, patience=3)

    def constant(net, x0, observed, generator):
        return (net.weight * 0).sum() + 1.0

    # Run
    trainer.fit(
        network, constant, values, torch.ones_like(values), torch.Generator(), (values, values)
    )

    # Assert: checks every 40 epochs (200 steps of 5 per epoch); best at the first, 3 more.
    assert [epoch for epoch, _ in trainer.validation_loss_values] == [40, 80, 100]
    assert trainer.stopped_epoch is None  # the budget ran out before the patience did


def test_validation_loss_weighs_every_step_the_same_whatever_the_training_emphasis():
    torch.manual_seed(0)
    schedule = VPSchedule(quadratic_betas(100))
    column_index = torch.arange(3)
    denoiser = MLPDenoiser(3, hidden_dimensions=16, num_blocks=1)
    values, observed = torch.randn(300, 3), torch.ones(300, 3)
    emphasised = MaskedDenoisingObjective(schedule, 78, column_index, timestep_emphasis=2.0)
    uniform = MaskedDenoisingObjective(schedule, 78, column_index)

    held_out = validation_loss_of(denoiser, emphasised, (values, observed), 100)

    assert held_out == validation_loss_of(denoiser, uniform, (values, observed), 100)
    assert emphasised.timestep_emphasis == 2.0  # the training objective is left as it was
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        trained_on = float(emphasised(denoiser, values, observed, generator))
    assert trained_on != pytest.approx(held_out, rel=1e-3)
