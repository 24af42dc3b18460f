"""The training loop: optimiser, learning-rate schedule, EMA, early stopping, devices, ranks.

This is the one place that knows how the denoiser's weights are updated. Under ``torchrun``
(``torch.distributed`` initialised before ``fit``), :class:`Trainer` wraps the denoiser in
``DistributedDataParallel``: every rank draws the same seed (:func:`agree_on_seed`), shuffles
the rows alike and trains on its share of every epoch, a step's ``batch_size`` rows split over
the ranks, so every rank ends with the same weights as the others. Inside
:func:`sampling_across_ranks`, sampling is split over the ranks the same way.
"""

import contextlib
import contextvars
import copy
import math

import numpy as np
import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device

# An epoch loss this many times above the best one so far means training blew up.
EXPLOSION_FACTOR = 100.0
# With validation rows, their loss is checked about every this many optimisation steps.
VALIDATION_INTERVAL = 200
# Set inside ``sampling_across_ranks``: sampling is then a collective call of every rank.
_SAMPLING_ACROSS_RANKS = contextvars.ContextVar('sampling_across_ranks', default=False)


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
            check_loss(epoch, epoch_loss, best_loss)
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


def check_loss(epoch, epoch_loss, best_loss):
    """Raise ``TrainingDivergedError`` if ``epoch_loss`` is not finite or exploded."""
    if not math.isfinite(epoch_loss):
        raise TrainingDivergedError(
            f'The training loss became {epoch_loss} at epoch {epoch + 1}, so training was '
            "stopped. Lower 'learning_rate' or check the data for extreme values."
        )

    if epoch_loss > EXPLOSION_FACTOR * best_loss:
        raise TrainingDivergedError(
            f'The training loss exploded at epoch {epoch + 1} ({epoch_loss:.4g}, best so far '
            f"{best_loss:.4g}), so training was stopped. Lower 'learning_rate'."
        )


def distributed_ranks():
    """``(rank, world size)`` when ``torch.distributed`` is initialised (torchrun), else None."""
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()

    return None


@contextlib.contextmanager
def sampling_across_ranks():
    """Split every ``sample`` (and ``impute``) call inside the block over the torchrun ranks.

    Each rank generates its share of the rows and every rank returns all of them, in the same
    order, so sampling ``N`` rows on ``P`` processes costs about ``N / P`` rows of time. Every
    rank must make the same calls inside the block (a call made by one rank alone waits for the
    others forever); seed them alike (``set_random_state``) for identical rows on every rank.
    Outside the block, or without ``torch.distributed`` initialised, sampling stays local.

    Example::

        with sampling_across_ranks():
            synthetic = synthesizer.sample(1_000_000)  # on every rank of the torchrun job
    """
    token = _SAMPLING_ACROSS_RANKS.set(True)
    try:
        yield
    finally:
        _SAMPLING_ACROSS_RANKS.reset(token)


def sampling_ranks():
    """``(rank, world size)`` when sampling is to be split over ranks, else None."""
    return distributed_ranks() if _SAMPLING_ACROSS_RANKS.get() else None


def rank_share(num_rows, rank, size):
    """``(start, stop)``: the contiguous near-equal share of ``num_rows`` rows of ``rank``."""
    return round(rank * num_rows / size), round((rank + 1) * num_rows / size)


def gather_rows(rows):
    """Every rank's ``rows`` (numpy arrays), concatenated in rank order, on every rank."""
    shares = [None] * torch.distributed.get_world_size()
    torch.distributed.all_gather_object(shares, rows)
    return np.concatenate(shares)


def agree_on_seed(seed):
    """Rank 0's ``seed`` on every rank of a distributed run (the seed itself otherwise).

    Every rank must draw the same initial weights, held-out rows and batch order; a seed drawn
    from each process's own global generator would differ.
    """
    if distributed_ranks() is None:
        return seed

    backend = torch.distributed.get_backend()
    device = torch.device('cuda', torch.cuda.current_device()) if backend == 'nccl' else 'cpu'
    shared = torch.tensor([seed], dtype=torch.int64, device=device)
    torch.distributed.broadcast(shared, src=0)
    return int(shared.item())


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
