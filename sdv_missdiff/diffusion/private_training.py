"""DP-SGD: the training loop of a differentially private fit (opacus' per-row gradients).

Every step draws its rows by Poisson sampling (each row with probability ``sample_rate``), takes
each row's loss on its own (:meth:`MaskedDenoisingObjective.per_row_losses`: no batch-wide
denominator, so a row's gradient depends on that row alone), clips each row's gradient to
``max_grad_norm``, adds Gaussian noise of ``noise_multiplier`` times that norm and steps AdamW.
The number of steps is the plan's (:mod:`privacy_budget`): training stops when the budget is
spent. The moving average of the weights and the learning-rate schedule only post-process
the noisy gradients.
"""

import copy
import math

import torch
from tqdm.auto import tqdm

from sdv_missdiff.diffusion.training import check_loss, update_ema

# Denoiser layers opacus computes per-row gradients for with its own hooks; any other layer with
# weights goes through its functorch fallback, which the attention denoiser's fused kernels
# do not support.
PRIVATE_DENOISERS = ('mlp',)


def check_private_options(options, public_rows=None, privacy_plan=None, check_inputs=True):
    """Raise ``ValueError`` naming each option DP-SGD cannot honour on this model.

    Args:
        options (ModelOptions):
            The model's options, ``epsilon`` set.
        public_rows (tuple or None):
            The rows made from noisy statistics.
        privacy_plan (PrivacyPlan or None):
            The plan of the statistics.
        check_inputs (bool):
            Whether ``public_rows`` and ``privacy_plan`` must be given. Defaults to ``True``.
    """
    problems = []
    if options.network.denoiser not in PRIVATE_DENOISERS:
        problems.append(
            f'denoiser={options.network.denoiser!r}: opacus computes per-row gradients of '
            f"{list(PRIVATE_DENOISERS)} only; use denoiser='mlp'"
        )
    if options.training.validation_share:
        problems.append(
            f'validation_share={options.training.validation_share}: held-out rows would stop '
            'training on what they say of the real rows outside the budget; use 0'
        )
    if problems:
        raise ValueError(
            f'Differential privacy (epsilon={options.privacy.epsilon}) cannot honour: '
            + '; '.join(problems)
            + '.'
        )

    if check_inputs and (public_rows is None or privacy_plan is None):
        raise ValueError(
            'A private fit takes public_rows and privacy_plan, the rows and plan of its noisy '
            'statistics: fit through MissDiffSynthesizer(metadata, epsilon=...), which makes them.'
        )


class PrivateTrainer:
    """AdamW on clipped, noised per-row gradients of Poisson-sampled batches.

    Args:
        plan (PrivacyPlan):
            Noise, clipping norm, sampling rate and steps.
        learning_rate (float):
            Peak learning rate, decayed to 0 on a cosine over the steps.
        weight_decay (float):
            AdamW weight decay. Defaults to 1e-5.
        ema_decay (float or None):
            Decay of the moving average of the weights returned. Defaults to 0.995.
        verbose (bool):
            Show a progress bar. Defaults to ``False``.
    """

    def __init__(self, plan, learning_rate, weight_decay=1e-5, ema_decay=0.995, verbose=False):
        self.plan = plan
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.ema_decay = ema_decay
        self.verbose = verbose

    def fit(self, denoiser, objective, values, observed, generator):
        """Train ``denoiser`` with DP-SGD; returns the network to sample with and epoch losses.

        Args:
            denoiser (torch.nn.Module):
                The network.
            objective (MaskedDenoisingObjective):
                The objective; its per-row losses are used.
            values (torch.Tensor):
                Encoded rows, 0 in missing dimensions.
            observed (torch.Tensor):
                Their observation mask.
            generator (torch.Generator):
                Generator of the sampling, the objective's draws and the noise.

        Returns:
            tuple[torch.nn.Module, list[float]]:
                The network (EMA weights), in eval mode, and the mean loss of every
                ``1 / sample_rate`` steps (one expected pass over the rows).
        """
        from opacus.grad_sample import GradSampleModuleFastGradientClipping
        from opacus.optimizers import DPOptimizerFastGradientClipping

        plan, device = self.plan, values.device
        num_rows = values.shape[0]
        per_row = objective.per_row_losses()
        ema = copy.deepcopy(denoiser) if self.ema_decay else None
        denoiser.per_row_gradients = True
        # Ghost clipping: each row's gradient norm is computed from the layers' inputs and
        # output gradients without building the row's gradient, then a second backward pass
        # sums the rows' gradients scaled to the clipping norm (materialising every row's
        # gradient made a step 60 times slower than a step without DP).
        network = GradSampleModuleFastGradientClipping(
            denoiser,
            batch_first=True,
            loss_reduction='sum',
            max_grad_norm=plan.max_grad_norm,
            use_ghost_clipping=True,
        )
        parameters = [parameter for parameter in denoiser.parameters() if parameter.requires_grad]
        optimizer = DPOptimizerFastGradientClipping(
            torch.optim.AdamW(
                parameters, lr=self.learning_rate, weight_decay=self.weight_decay, foreach=True
            ),
            noise_multiplier=plan.noise_multiplier,
            max_grad_norm=plan.max_grad_norm,
            expected_batch_size=plan.batch_size,
            # The clipped sum is divided by the expected batch, as the mean loss without DP.
            loss_reduction='mean',
            generator=generator,
        )
        total_steps = plan.steps
        scheduler = torch.optim.lr_scheduler.LambdaLR(
            optimizer.original_optimizer,
            lambda step: 0.5 * (1 + math.cos(math.pi * min(step / total_steps, 1.0))),
        )
        ema_parameters = list(ema.parameters()) if ema is not None else None
        steps_per_epoch = max(1, round(1 / plan.sample_rate))
        # The running loss stays a tensor: reading it every step would wait on the device.
        running = torch.zeros((), device=device)
        loss_values, rows_seen, best_loss = [], 0, math.inf
        progress = tqdm(total=total_steps, disable=not self.verbose, desc='Loss: -', unit='step')
        network.train()
        for step in range(total_steps):
            chosen = torch.rand(num_rows, generator=generator, device=device) < plan.sample_rate
            index = torch.nonzero(chosen).squeeze(1)
            optimizer.zero_grad(set_to_none=True)
            if len(index):
                losses = per_row(network, values[index], observed[index], generator)
                losses.sum().backward(retain_graph=True)  # the rows' gradient norms
                optimizer.zero_grad(set_to_none=True)
                scale = network.get_clipping_coef().detach()
                network.disable_hooks()
                (scale * losses).sum().backward()  # the sum of the clipped gradients
                network.enable_hooks()
                running += losses.detach().sum()
                rows_seen += len(index)
            else:  # an empty batch still takes its noisy step, as the accountant counts it
                for parameter in parameters:
                    parameter.grad = torch.zeros_like(parameter)

            optimizer.step()
            scheduler.step()
            if ema is not None:
                update_ema(ema_parameters, parameters, self.ema_decay)

            if (step + 1) % steps_per_epoch == 0 or step + 1 == total_steps:
                epoch_loss = float(running) / max(rows_seen, 1)
                check_loss(len(loss_values), epoch_loss, best_loss, num_rows)
                best_loss = min(best_loss, epoch_loss)
                loss_values.append(epoch_loss)
                running, rows_seen = torch.zeros((), device=device), 0
                progress.set_description(f'Loss: {epoch_loss:.4f}')

            progress.update(1)

        progress.close()
        network._close()
        denoiser.per_row_gradients = False
        trained = ema if ema is not None else denoiser
        trained.eval()
        return trained, loss_values
