"""Training of a model's denoiser: the held-out rows, the masked objective and the trainer."""

import math

import torch

from sdv_missdiff.diffusion.denoisers import make_denoiser
from sdv_missdiff.diffusion.objective import MaskedDenoisingObjective, ObservedCellDraws
from sdv_missdiff.diffusion.private_training import PrivateTrainer
from sdv_missdiff.diffusion.training import Trainer


def build_denoiser(network, layout, conditional, width, seed, device):
    """The denoiser of a fit, its weights drawn from ``seed`` (torch's global state untouched).

    Args:
        network (NetworkOptions):
            The network's options.
        layout (ColumnLayout):
            The column structure of a row.
        conditional (bool):
            Whether it takes known cells as a condition.
        width (int):
            Width of its hidden layers (``denoiser_width`` resolved).
        seed (int):
            Seed of its initial weights.
        device (torch.device):
            Where it lives.
    """
    # An option older denoisers did not take is passed only when set, so a network of before
    # is built the same.
    extra = {'periodic_embedding': network.periodic_embedding} if network.periodic_embedding else {}
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        denoiser = make_denoiser(
            network.denoiser,
            layout,
            conditional=conditional,
            hidden_dimensions=width,
            num_blocks=network.denoiser_blocks,
            dropout=network.dropout,
            **extra,
        )

    return denoiser.to(device)


def held_out(values, observed, share, seed):
    """A seeded random ``share`` of the rows for the validation loss (at least one row each).

    Returns:
        tuple:
            ``(values, observed)`` to train on, and the held-out pair or ``None``.
    """
    if not share or len(values) < 2:
        return (values, observed), None

    num_held_out = min(max(int(round(share * len(values))), 1), len(values) - 1)
    order = torch.randperm(len(values), generator=torch.Generator().manual_seed(seed))
    order = order.to(values.device)
    held, kept = order[:num_held_out], order[num_held_out:]
    return (values[kept], observed[kept]), (values[held], observed[held])


def train(
    model, values, observed, seed, blocks, hole_draw_columns, public_rows=None, privacy_plan=None
):
    """Train ``model.denoiser`` on the rows and store its losses on the model.

    Args:
        model (MaskedDiffusionModel):
            The model, its denoiser built and its statistics fitted.
        values (torch.Tensor):
            Encoded rows, 0 where missing.
        observed (torch.Tensor):
            Their observation mask.
        seed (int):
            Seed of the held-out rows, batching and noise.
        blocks (OneHotBlocks or None):
            The masked one-hot columns.
        hole_draw_columns (list[int] or None):
            Columns whose holes are drawn from their observed cells (``ObservedCellDraws``).
        public_rows (tuple[torch.Tensor, torch.Tensor] or None):
            Under DP: the rows made from noisy statistics, which the holes are drawn from (a
            real row's gradient must not read other real rows). Defaults to ``None``.
        privacy_plan (PrivacyPlan or None):
            Under DP: the plan DP-SGD's noise and steps are added to. Defaults to ``None``.
    """
    training, fitted = model.options.training, model.fitted
    generator = torch.Generator(device=model.device).manual_seed(seed)
    rows, validation = held_out(values, observed, training.validation_share, seed)
    hole_draws = None
    if hole_draw_columns:
        drawn_from = rows if privacy_plan is None else public_rows
        hole_draws = ObservedCellDraws(*drawn_from, fitted.column_index, hole_draw_columns)

    objective = MaskedDenoisingObjective(
        model.schedule,
        model.last_timestep,
        fitted.column_index,
        training.conditional_share,
        fitted.dimension_weights,
        fitted.velocity,
        blocks,
        show_missing=training.show_missing,
        hole_draws=hole_draws,
        timestep_emphasis=training.timestep_emphasis,
        categorical_weight=training.categorical_weight,
    )
    if privacy_plan is not None:
        steps_per_epoch = math.ceil(len(values) / min(model.batch_size, len(values)))
        privacy_plan.plan_training(
            len(values),
            model.batch_size,
            model.epochs * steps_per_epoch,
            model.options.privacy.noise_multiplier,
        )
        trainer = PrivateTrainer(
            privacy_plan,
            training.learning_rate,
            weight_decay=training.weight_decay,
            ema_decay=training.ema_decay,
            verbose=model.verbose,
        )
        model.denoiser, model.loss_values = trainer.fit(
            model.denoiser, objective, values, observed, generator
        )
        return

    trainer = Trainer(
        model.epochs,
        model.batch_size,
        training.learning_rate,
        weight_decay=training.weight_decay,
        ema_decay=training.ema_decay,
        patience=training.patience,
        verbose=model.verbose,
    )
    model.denoiser, model.loss_values = trainer.fit(
        model.denoiser, objective, *rows, generator, validation=validation
    )
    model.stopped_epoch = trainer.stopped_epoch
    model.validation_loss_values = trainer.validation_loss_values
