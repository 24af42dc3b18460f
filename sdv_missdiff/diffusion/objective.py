"""Masked denoising score matching (MissDiff, Algorithm 1): the training loss of one batch.

Missing dimensions are left out of the loss, so they contribute exactly nothing to the
gradient. A conditional objective (``conditional_share > 0``) also hands the denoiser, on a share
of the rows, some observed columns as clean known values to generate the others from, and tells
it which dimensions are missing.
"""

import copy

import torch

from sdv_missdiff.diffusion.parameterization import training_target


def masked_noise_loss(predicted_noise, noise, observed, dimension_weights=None):
    """Weighted mean squared noise-prediction error over observed dimensions only.

    Args:
        predicted_noise (torch.Tensor):
            Network output.
        noise (torch.Tensor):
            Noise that was added.
        observed (torch.Tensor):
            1 where a dimension is observed, 0 where it is missing.
        dimension_weights (torch.Tensor or None):
            Weight of each dimension, shape ``(dimensions,)``. Defaults to ``None`` (all 1).

    Returns:
        torch.Tensor:
            Scalar loss; a missing dimension has zero gradient.
    """
    weights = observed if dimension_weights is None else observed * dimension_weights
    squared_error = (predicted_noise - noise).square() * weights
    return squared_error.sum() / weights.sum().clamp_min(1e-12)


def per_row_loss(squared, cross_entropy, row_cells):
    """Each row's loss, its sum over cells divided by a constant instead of the batch's cells.

    Under DP-SGD a row's gradient must not depend on the other rows of its batch, which the
    batch mean's denominator (the batch's scored cells) makes it do.

    Args:
        squared (torch.Tensor):
            Weighted squared errors, (rows, dimensions).
        cross_entropy (torch.Tensor or None):
            Weighted cross-entropy of each row's hidden one-hot cells, (rows,).
        row_cells (float):
            The constant: the cells of a complete row.

    Returns:
        torch.Tensor:
            Loss of each row, (rows,).
    """
    total = squared.sum(dim=1)
    if cross_entropy is not None:
        total = total + cross_entropy

    return total / max(row_cells, 1.0)


def draw_condition(observed, column_index, num_columns, conditional_share, generator):
    """Draw which observed dimensions of each row are handed to the denoiser as known.

    A share of the rows gets a condition: each observed column is in it with a rate drawn per
    row from U(0, 1), so the model sees every amount of known cells, from almost none
    (conditional sampling) to almost all (imputation). A column is in or out as a whole.

    Args:
        observed (torch.Tensor):
            Observation mask of the batch.
        column_index (torch.Tensor):
            Column that owns each dimension (long, on the batch's device).
        num_columns (int):
            Number of columns.
        conditional_share (float):
            Share of the rows that get a condition.
        generator (torch.Generator):
            Generator of the draws, on the batch's device.

    Returns:
        torch.Tensor:
            Float mask, 1 where a dimension is a known condition (always an observed one).
    """
    num_rows = observed.shape[0]
    uniform = torch.rand((num_rows, num_columns + 2), device=observed.device, generator=generator)
    conditioned_row = uniform[:, :1] < conditional_share
    rate = uniform[:, 1:2]
    chosen_columns = (uniform[:, 2:] < rate) & conditioned_row
    return chosen_columns[:, column_index].float() * observed


class ObservedCellDraws:
    """Show the holes of some columns to the denoiser as cells drawn from their observed rows.

    MissDiff writes 0 into a missing dimension before noising it. Where a model also learns
    whether each cell is missing (an indicator column, ``missing_value_generation='learned'``),
    that 0 gives the hole away: in the normal scores of a column such as Adult's
    ``capital-loss`` (0 in 95% of rows, encoded as -5.2) a noised 0 looks like no observed value,
    so the indicator learned "missing where the value looks like the fill", and generated
    values never look like it: MAR holes at rate 0.2 came out in 5% of rows instead of 20%.
    Drawn afresh for every batch from the column's observed cells, the hole looks like a value
    and its indicator must be learned from the rest of the row (19.4% then, real 19.5%). The
    drawn cells are never scored.

    Args:
        values (torch.Tensor):
            Training rows, (rows, dimensions).
        observed (torch.Tensor):
            Their observation mask.
        column_index (torch.Tensor):
            Column that owns each dimension (long).
        columns (list[int]):
            The columns whose holes are drawn.
    """

    def __init__(self, values, observed, column_index, columns):
        self.values = values
        self.columns = []
        for column in columns:
            dimensions = torch.nonzero(column_index == column).squeeze(1)
            if len(dimensions) == 0:
                continue

            observed_rows = torch.nonzero(observed[:, dimensions[0]] > 0).squeeze(1)
            if len(observed_rows) and len(observed_rows) < len(values):
                self.columns.append((dimensions, observed_rows))

    def __bool__(self):
        return bool(self.columns)

    def fill(self, x0, observed, generator):
        """``x0`` with each hole of the columns replaced by a random observed cell of its column.

        Args:
            x0 (torch.Tensor):
                A batch of clean rows.
            observed (torch.Tensor):
                Its observation mask.
            generator (torch.Generator):
                Generator of the draws.

        Returns:
            torch.Tensor:
                A filled copy of ``x0``.
        """
        uniform = torch.rand(
            (x0.shape[0], len(self.columns)), device=x0.device, generator=generator
        )
        x0 = x0.clone()
        for position, (dimensions, observed_rows) in enumerate(self.columns):
            pick = (uniform[:, position] * len(observed_rows)).long()
            pick = pick.clamp_max(len(observed_rows) - 1)
            drawn = self.values[observed_rows[pick].unsqueeze(1), dimensions]
            missing = observed[:, dimensions[:1]] == 0
            x0[:, dimensions] = torch.where(missing, drawn, x0[:, dimensions])

        return x0


def draw_timesteps(num_rows, last_timestep, emphasis, generator, device):
    """Training steps ``t`` in ``1, ..., last_timestep``, noisy ones more often by ``emphasis``.

    With ``emphasis`` 0 every step is equally likely (the paper). Otherwise ``t - 1`` is the
    integer part of ``last_timestep * u ** (1 / (1 + emphasis))`` for ``u ~ U(0, 1)``: a
    continuous density proportional to ``s ** emphasis`` cut into steps, so with 1 step ``t``
    is drawn with probability ``(2t - 1) / last_timestep ** 2``. The same denoiser then sees
    rows where most cells are hidden or noisy more often, which is where the dependence of a
    rare level on another column is learned (Adult: ``benchmarks/results/conditionals``).

    Args:
        num_rows (int):
            How many steps to draw.
        last_timestep (int):
            Largest step.
        emphasis (float):
            Exponent of the density (0 or more).
        generator (torch.Generator):
            Generator of the draws, on ``device``.
        device (torch.device):
            Where the steps live.

    Returns:
        torch.Tensor:
            Long tensor of shape ``(num_rows,)``.
    """
    if not emphasis:
        return torch.randint(1, last_timestep + 1, (num_rows,), device=device, generator=generator)

    uniform = torch.rand((num_rows,), device=device, generator=generator)
    position = uniform ** (1 / (1 + emphasis)) * last_timestep
    return position.long().clamp_max(last_timestep - 1) + 1


class MaskedDenoisingObjective:
    """The loss of one batch of encoded rows: noise them, predict the noise, score observed cells.

    Args:
        schedule (VPSchedule):
            The noise schedule, on the training device.
        last_timestep (int):
            Last step trained on (steps past it hold no signal).
        column_index (torch.Tensor):
            Column that owns each dimension (long, on the training device).
        conditional_share (float):
            Share of rows trained with a condition (0: the paper's unconditional model).
            Defaults to 0.
        dimension_weights (torch.Tensor or None):
            Loss weight of each dimension. Defaults to ``None`` (all 1).
        velocity (torch.Tensor or None):
            Boolean mask of the dimensions whose target is the velocity instead of the noise
            (see ``parameterization``). Defaults to ``None`` (the paper's noise everywhere).
        one_hot_blocks (OneHotBlocks or None):
            The one-hot columns to diffuse by masking, scored by cross-entropy (see
            ``categorical``); ``None`` diffuses every dimension with Gaussian noise, as the
            paper does. Defaults to ``None``.
        show_missing (bool or None):
            Whether a conditional denoiser is told which cells are missing from the training
            row. ``None``: told under Gaussian diffusion of every dimension, not told with
            masked one-hot blocks. Defaults to ``None``.
        hole_draws (ObservedCellDraws or None):
            Columns whose holes are shown to the denoiser as observed cells of theirs instead
            of 0 (still never scored). Defaults to ``None`` (the paper's 0 everywhere).
        timestep_emphasis (float):
            How much more often noisy steps are trained on: a step ``t`` is drawn with
            probability about proportional to ``t ** timestep_emphasis`` (see
            :func:`draw_timesteps`). Defaults to 0 (every step equally often, as the paper).
        categorical_weight (float):
            Loss weight of a hidden one-hot cell's cross-entropy against a continuous
            dimension's weighted squared error (masked one-hot blocks only). Defaults to 1.
    """

    def __init__(
        self,
        schedule,
        last_timestep,
        column_index,
        conditional_share=0.0,
        dimension_weights=None,
        velocity=None,
        one_hot_blocks=None,
        show_missing=None,
        hole_draws=None,
        timestep_emphasis=0.0,
        categorical_weight=1.0,
    ):
        self.schedule = schedule
        self.last_timestep = last_timestep
        self.column_index = column_index
        self.num_columns = int(column_index.max()) + 1 if len(column_index) else 0
        self.conditional_share = conditional_share
        self.dimension_weights = dimension_weights
        self.velocity = velocity
        self.one_hot_blocks = one_hot_blocks
        self.show_missing = one_hot_blocks is None if show_missing is None else show_missing
        self.hole_draws = hole_draws or None
        self.timestep_emphasis = timestep_emphasis
        self.categorical_weight = categorical_weight
        self.per_row = False

    @property
    def conditional(self):
        """bool: Whether rows are also trained with a condition."""
        return self.conditional_share > 0

    def per_row_losses(self):
        """This objective returning each row's loss (see :func:`per_row_loss`), for DP-SGD."""
        per_row = copy.copy(self)
        per_row.per_row = True
        return per_row

    def uniform_steps(self):
        """This objective with every step drawn equally often (no ``timestep_emphasis``)."""
        uniform = copy.copy(self)
        uniform.timestep_emphasis = 0.0
        return uniform

    def __call__(self, denoiser, x0, observed, generator):
        """Return the scalar loss of ``denoiser`` on the batch ``x0`` (0 where missing).

        Args:
            denoiser (Denoiser):
                The network being trained.
            x0 (torch.Tensor):
                Clean encoded rows, 0 in missing dimensions.
            observed (torch.Tensor):
                Observation mask of ``x0``.
            generator (torch.Generator):
                Generator of the steps, noise and conditions.

        Returns:
            torch.Tensor:
                The loss.
        """
        if self.hole_draws is not None:
            x0 = self.hole_draws.fill(x0, observed, generator)

        timesteps = draw_timesteps(
            x0.shape[0], self.last_timestep, self.timestep_emphasis, generator, x0.device
        )
        noise = torch.randn(x0.shape, device=x0.device, generator=generator)
        signal_scale, noise_scale = self.schedule.signal_and_noise(timesteps)
        noisy = signal_scale * x0 + noise_scale * noise
        target = training_target(x0, noise, signal_scale, noise_scale, self.velocity)
        if self.one_hot_blocks is not None:
            return self._masked_categorical_loss(
                denoiser, x0, observed, generator, timesteps, noisy, target
            )

        if not self.conditional:
            prediction = denoiser(noisy, timesteps)
            return self._gaussian_loss(prediction, target, observed)

        condition = draw_condition(
            observed, self.column_index, self.num_columns, self.conditional_share, generator
        )
        noisy = torch.where(condition.bool(), x0, noisy)
        # Under Gaussian diffusion a missing cell is shown to the denoiser as missing, not as a
        # noisy 0 that it would take for a real value: on a toy pair with 30% holes the fake
        # values pulled the learned correlation from 0.90 down to 0.79 (0.88 with the mask).
        missing = None
        if self.show_missing:
            missing = 1 - observed
            noisy = noisy * observed

        prediction = denoiser(noisy, timesteps, condition, missing)
        scored = observed * (1 - condition)
        return self._gaussian_loss(prediction, target, scored)

    def _gaussian_loss(self, prediction, target, scored):
        if not self.per_row:
            return masked_noise_loss(prediction, target, scored, self.dimension_weights)

        weights = scored if self.dimension_weights is None else scored * self.dimension_weights
        return per_row_loss((prediction - target).square() * weights, None, self.num_columns)

    def _masked_categorical_loss(self, denoiser, x0, observed, generator, timesteps, noisy, target):
        # One-hot cells are hidden at rate 1 - abar_t instead of noised; the rest is Gaussian.
        blocks = self.one_hot_blocks
        alpha_bar = self.schedule.alpha_bars[timesteps].float().unsqueeze(1)
        hidden = torch.rand((x0.shape[0], len(blocks)), device=x0.device, generator=generator)
        hidden = hidden < 1 - alpha_bar
        noisy = torch.where(blocks.dimensions, x0, noisy)
        condition = None
        if self.conditional:
            condition = draw_condition(
                observed, self.column_index, self.num_columns, self.conditional_share, generator
            )
            noisy = torch.where(condition.bool(), x0, noisy)
            hidden = hidden & ~blocks.cells(condition).bool()

        noisy = blocks.hide(noisy, hidden)
        if self.show_missing:
            noisy = noisy * observed  # a missing one-hot cell is hidden too, and never scored
            missing = 1 - observed
        else:
            # A missing one-hot cell is simply hidden; a missing number keeps the paper's noised
            # 0. Told which cells are missing, the denoiser learns the rows given their pattern
            # of holes and generates rows like the complete ones (Adult, 4,000 rows, MAR at
            # 0.4: quality 0.754 told, 0.957 not told; MCAR 20%: 0.919 and 0.970).
            noisy = torch.where(blocks.dimensions, noisy * observed, noisy)
            missing = None

        if self.conditional:
            prediction = denoiser(noisy, timesteps, condition, missing)
            scored = observed * (1 - condition)
        else:
            prediction = denoiser(noisy, timesteps)
            scored = observed

        weights = scored * ~blocks.dimensions
        if self.dimension_weights is not None:
            weights = weights * self.dimension_weights

        squared = (prediction - target).square() * weights
        cells = blocks.cells(observed) * hidden.float()
        if condition is not None:
            cells = cells * (1 - blocks.cells(condition))

        # A scored continuous cell weighs its dimension weight, a hidden one-hot cell
        # categorical_weight, in the sum and in the mean's denominator alike.
        scored_cells = cells * self.categorical_weight
        cell_losses = blocks.cell_cross_entropy(prediction, x0) * scored_cells
        if self.per_row:
            return per_row_loss(squared, cell_losses.sum(dim=1), self.num_columns)

        total = squared.sum() + cell_losses.sum()
        return total / (weights.sum() + scored_cells.sum()).clamp_min(1e-12)
