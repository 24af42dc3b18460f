"""The training loop: optimiser, learning-rate schedule, EMA, early stopping, devices.

This is the one place that knows how the denoiser's weights are updated. Under ``torchrun``
(``torch.distributed`` initialised before ``fit``), :class:`Trainer` wraps the denoiser in
``DistributedDataParallel``: every rank draws the same seed (``distributed.agree_on_seed``),
shuffles the rows alike and trains on its share of every epoch, a step's ``batch_size`` rows
split over the ranks, so every rank ends with the same weights as the others.
"""

import copy
import math

import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device
from sdv_missdiff.diffusion.distributed import distributed_ranks

# An epoch loss this many times above the best one so far means training blew up.
EXPLOSION_FACTOR = 100.0
# Tables under this many rows skip that test: their epoch loss is the mean of a few rows at a few
# random noise levels, which swings by more than EXPLOSION_FACTOR on its own (one row: 0.02 to
# 2.9 between epochs). A non-finite loss stops training at any size.
EXPLOSION_CHECK_ROWS = 64
# With validation rows, their loss is checked about every this many optimisation steps.
VALIDATION_INTERVAL = 200


class TrainingDivergedError(RuntimeError):
    """Training produced a NaN or exploding loss and was stopped; no model is returned."""


# The device to train and sample on: CUDA, then Apple MPS, then the CPU.
training_device = get_device


class Trainer:
    """Minibatch AdamW with a cosine-decayed learning rate and an EMA of the weights.

    Args:
        epochs (int):
            Passes over the data.
        batch_size (int):
            Most rows per step: each epoch is split into the fewest steps of at most this
            many rows, of near-equal size.
        learning_rate (float):
            Peak learning rate, decayed to 0 on a cosine over all steps.
        weight_decay (float):
            AdamW weight decay. Defaults to 1e-5.
        ema_decay (float or None):
            Decay of the exponential moving average of the weights returned for sampling;
            ``None`` or 0 returns the raw weights. Defaults to 0.995.
        max_grad_norm (float):
            Gradients are clipped to this global norm. Defaults to 1.
        patience (int):
            With validation rows, stop once the validation loss has not improved for this many
            checks in a row (about every ``VALIDATION_INTERVAL`` steps), and return the weights
            of the best check. Defaults to 5.
        verbose (bool):
            Show a progress bar with the running loss. Defaults to ``False``.
    """

    def __init__(
        self,
        epochs,
        batch_size,
        learning_rate,
        weight_decay=1e-5,
        ema_decay=0.995,
        max_grad_norm=1.0,
        patience=5,
        verbose=False,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.max_grad_norm = max_grad_norm
        self.patience = patience
        self.verbose = verbose
        self.stopped_epoch = None
        self.validation_loss_values = []

    def fit(self, denoiser, objective, values, observed, generator, validation=None):
        """Train ``denoiser`` to minimise ``objective`` on the rows of ``values``.

        Args:
            denoiser (torch.nn.Module):
                The network, on the device of ``values``.
            objective (callable):
                ``objective(denoiser, x0, observed, generator)`` returns a batch's scalar loss.
            values (torch.Tensor):
                Encoded rows, 0 in missing dimensions.
            observed (torch.Tensor):
                Observation mask of ``values``.
            generator (torch.Generator):
                Generator of the batch order and of the objective's draws.
            validation (tuple[torch.Tensor, torch.Tensor] or None):
                Held-out rows and their observation mask. When given, the loss of the weights
                to sample with is measured on them about every ``VALIDATION_INTERVAL`` steps,
                always with the same draws of steps, noise and conditions (so two checks differ
                only by the weights), training stops after ``patience`` checks without
                improvement and the best check's weights are returned. Defaults to ``None``
                (train every epoch).

        Returns:
            tuple[torch.nn.Module, list[float]]:
                The network to sample with (the EMA weights when ``ema_decay`` is set), in eval
                mode, and the mean loss of every epoch.

        Raises:
            TrainingDivergedError:
                If an epoch loss is NaN or infinite, or explodes.
        """
        device = values.device
        num_rows = values.shape[0]
        batch_size = min(self.batch_size, num_rows)
        ranks = distributed_ranks()
        network, objective_generator = denoiser, generator
        share_rows, rank_batch = num_rows, batch_size
        if ranks is not None:
            # Every rank shuffles all rows alike, then takes every size-th row of the order, so
            # one epoch is one pass over the rows; a step's batch_size rows are split over the
            # ranks, so the optimisation is the one-process one, with its steps and batch.
            rank, size = ranks
            if num_rows < size:
                raise ValueError(
                    f'{num_rows} training row(s) cannot be shared by {size} processes: '
                    'train with fewer processes or on more rows.'
                )

            share_rows = num_rows // size
            rank_batch = max(1, batch_size // size)
            network = torch.nn.parallel.DistributedDataParallel(denoiser)
            seed = int(torch.randint(0, 2**62, (1,), generator=generator, device=device))
            objective_generator = torch.Generator(device=device).manual_seed(seed + rank)

        steps_per_epoch = math.ceil(share_rows / rank_batch)
        # The epoch's rows split into steps of near-equal size (at most rank_batch): a ragged
        # last batch (2 rows of a 258-row table) took a full-size step from a very noisy gradient.
        bounds = [round(step * share_rows / steps_per_epoch) for step in range(steps_per_epoch + 1)]
        total_steps = steps_per_epoch * self.epochs
        parameters = list(denoiser.parameters())
        optimizer = make_optimizer(parameters, self.learning_rate, self.weight_decay, device)
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0)))
        )
        ema = copy.deepcopy(denoiser) if self.ema_decay else None
        ema_parameters = list(ema.parameters()) if ema is not None else None
        loss_values = []
        best_loss = math.inf
        check_every = max(1, round(VALIDATION_INTERVAL / steps_per_epoch))
        best_validation, best_state, checks_without_gain = math.inf, None, 0
        self.stopped_epoch, self.validation_loss_values = None, []
        # Counted in optimisation steps, so the bar shows steps/s and the time left.
        progress = tqdm(total=total_steps, disable=not self.verbose, desc='Loss: -', unit='step')
        for epoch in range(self.epochs):
            denoiser.train()
            order = torch.randperm(num_rows, generator=generator, device=device)
            if ranks is not None:
                order = order[ranks[0] :: ranks[1]][:share_rows]

            epoch_loss = torch.zeros((), device=device)
            for start, stop in zip(bounds[:-1], bounds[1:]):
                index = order[start:stop]
                loss = objective(network, values[index], observed[index], objective_generator)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(parameters, self.max_grad_norm, foreach=True)
                optimizer.step()
                scheduler.step()
                if ema is not None:
                    update_ema(ema_parameters, parameters, self.ema_decay)

                epoch_loss += loss.detach() * len(index)

            if ranks is not None:
                torch.distributed.all_reduce(epoch_loss)  # every rank sees the same epoch loss

            epoch_loss = float(epoch_loss) / (share_rows * (ranks[1] if ranks else 1))
            check_loss(epoch, epoch_loss, best_loss, num_rows)
            best_loss = min(best_loss, epoch_loss)
            loss_values.append(epoch_loss)
            progress.set_description(f'Loss: {epoch_loss:.4f}')
            progress.update(steps_per_epoch)
            if validation is None or ((epoch + 1) % check_every and epoch + 1 < self.epochs):
                continue

            sampled_with = ema if ema is not None else denoiser
            validation_loss = validation_loss_of(sampled_with, objective, validation, batch_size)
            self.validation_loss_values.append((epoch + 1, validation_loss))
            if validation_loss < best_validation:
                best_validation, checks_without_gain = validation_loss, 0
                best_state = copy.deepcopy(sampled_with.state_dict())
            else:
                checks_without_gain += 1
                if checks_without_gain >= self.patience:
                    self.stopped_epoch = epoch + 1
                    break

        progress.close()
        trained = ema if ema is not None else denoiser
        if best_state is not None:
            trained.load_state_dict(best_state)

        trained.eval()
        return trained, loss_values


@torch.no_grad()
def validation_loss_of(denoiser, objective, validation, batch_size, seed=0):
    """Mean loss of ``denoiser`` on the validation rows, from the same draws at every call."""
    values, observed = validation
    generator = torch.Generator(device=values.device).manual_seed(seed)
    # Every step weighs the same here whatever the training emphasis: a loss dominated by noisy
    # steps, where nothing is memorised, hid overfitting (a 50-row table never stopped).
    if hasattr(objective, 'uniform_steps'):
        objective = objective.uniform_steps()

    was_training = denoiser.training
    denoiser.eval()
    total = 0.0
    for start in range(0, len(values), batch_size):
        rows = slice(start, start + batch_size)
        loss = objective(denoiser, values[rows], observed[rows], generator)
        total += float(loss) * len(values[rows])

    denoiser.train(was_training)
    return total / max(len(values), 1)


def check_loss(epoch, epoch_loss, best_loss, num_rows=EXPLOSION_CHECK_ROWS):
    """Raise ``TrainingDivergedError`` if ``epoch_loss`` is not finite or exploded.

    The explosion is judged only for tables of at least ``EXPLOSION_CHECK_ROWS`` rows
    (``num_rows``, which defaults to that).
    """
    if not math.isfinite(epoch_loss):
        raise TrainingDivergedError(
            f'The training loss became {epoch_loss} at epoch {epoch + 1}, so training was '
            "stopped. Lower 'learning_rate' or check the data for extreme values."
        )

    # An epoch can score nothing (a one-row table whose every cell was drawn as a condition): a
    # best loss of 0 says nothing of the scale.
    if num_rows < EXPLOSION_CHECK_ROWS or not best_loss > 0:
        return

    if epoch_loss > EXPLOSION_FACTOR * best_loss:
        raise TrainingDivergedError(
            f'The training loss exploded at epoch {epoch + 1} ({epoch_loss:.4g}, best so far '
            f"{best_loss:.4g}), so training was stopped. Lower 'learning_rate'."
        )


def make_optimizer(parameters, learning_rate, weight_decay, device):
    """AdamW, fused into one kernel per step where torch has it for ``device`` (CPU and CUDA).

    The fused step updates every parameter in one call instead of a Python loop over them,
    which is most of a small network's step time.
    """
    try:
        return torch.optim.AdamW(
            parameters, lr=learning_rate, weight_decay=weight_decay, fused=True
        )
    except (RuntimeError, ValueError):  # no fused kernel for this device or dtype
        return torch.optim.AdamW(
            parameters, lr=learning_rate, weight_decay=weight_decay, foreach=True
        )


@torch.no_grad()
def update_ema(ema_parameters, parameters, decay):
    """Move every weight of ``ema_parameters`` a step ``1 - decay`` towards ``parameters``."""
    torch._foreach_lerp_(ema_parameters, parameters, 1 - decay)
