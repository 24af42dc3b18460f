"""The training loop: optimiser, learning-rate schedule, EMA, divergence check and device.

This is the one place that knows how the denoiser's weights are updated, so a distributed or
compiled trainer wraps :class:`Trainer` and nothing else.
"""

import copy
import math

import torch
from tqdm.auto import tqdm

from sdv_missdiff._device import get_device

# An epoch loss this many times above the best one so far means training blew up.
EXPLOSION_FACTOR = 100.0


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
            Rows per step (at most the number of rows).
        learning_rate (float):
            Peak learning rate, decayed to 0 on a cosine over all steps.
        weight_decay (float):
            AdamW weight decay. Defaults to 1e-5.
        ema_decay (float or None):
            Decay of the exponential moving average of the weights returned for sampling;
            ``None`` or 0 returns the raw weights. Defaults to 0.995.
        max_grad_norm (float):
            Gradients are clipped to this global norm. Defaults to 1.
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
        verbose=False,
    ):
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.max_grad_norm = max_grad_norm
        self.verbose = verbose

    def fit(self, denoiser, objective, values, observed, generator):
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
        steps_per_epoch = math.ceil(num_rows / batch_size)
        total_steps = steps_per_epoch * self.epochs
        optimizer = torch.optim.AdamW(
            denoiser.parameters(), lr=self.learning_rate, weight_decay=self.weight_decay
        )
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0)))
        )
        ema = copy.deepcopy(denoiser) if self.ema_decay else None
        loss_values = []
        best_loss = math.inf
        epochs = tqdm(range(self.epochs), disable=not self.verbose, desc='Loss: -')
        for epoch in epochs:
            denoiser.train()
            order = torch.randperm(num_rows, generator=generator, device=device)
            epoch_loss = torch.zeros((), device=device)
            for start in range(0, num_rows, batch_size):
                index = order[start : start + batch_size]
                loss = objective(denoiser, values[index], observed[index], generator)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(denoiser.parameters(), self.max_grad_norm)
                optimizer.step()
                scheduler.step()
                if ema is not None:
                    update_ema(ema, denoiser, self.ema_decay)

                epoch_loss += loss.detach() * len(index)

            epoch_loss = float(epoch_loss) / num_rows
            check_loss(epoch, epoch_loss, best_loss)
            best_loss = min(best_loss, epoch_loss)
            loss_values.append(epoch_loss)
            epochs.set_description(f'Loss: {epoch_loss:.4f}')

        trained = ema if ema is not None else denoiser
        trained.eval()
        return trained, loss_values


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


@torch.no_grad()
def update_ema(ema, model, decay):
    """Move every weight of ``ema`` a step ``1 - decay`` towards the one of ``model``."""
    for ema_parameter, parameter in zip(ema.parameters(), model.parameters()):
        ema_parameter.lerp_(parameter, 1 - decay)
