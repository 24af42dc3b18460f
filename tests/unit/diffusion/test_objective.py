import pytest
import torch

from sdv_missdiff.diffusion.denoisers import MLPDenoiser
from sdv_missdiff.diffusion.objective import (
    MaskedDenoisingObjective,
    ObservedCellDraws,
    draw_condition,
    draw_timesteps,
    masked_noise_loss,
)
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas


def test_gradient_of_missing_cell_output_is_exactly_zero():
    # Setup
    torch.manual_seed(0)
    network = MLPDenoiser(3, hidden_dimensions=16, num_blocks=1)
    noisy = torch.randn(4, 3)
    noise = torch.randn(4, 3)
    observed = torch.ones(4, 3)
    observed[1, 2] = 0
    observed[3, 0] = 0
    prediction = network(noisy, torch.tensor([1, 5, 9, 20]))
    prediction.retain_grad()

    # Run
    masked_noise_loss(prediction, noise, observed).backward()

    # Assert
    assert prediction.grad[1, 2].item() == 0.0
    assert prediction.grad[3, 0].item() == 0.0
    assert (prediction.grad[observed.bool()] != 0).all()


def test_loss_ignores_whatever_is_in_missing_cells():
    torch.manual_seed(0)
    prediction, noise = torch.randn(5, 4), torch.randn(5, 4)
    observed = (torch.rand(5, 4) > 0.3).float()
    other_noise = torch.where(observed.bool(), noise, noise + 100)
    assert masked_noise_loss(prediction, noise, observed) == masked_noise_loss(
        prediction, other_noise, observed
    )


def test_dimension_weights_weigh_the_squared_errors():
    prediction, noise = torch.zeros(1, 2), torch.tensor([[1.0, 3.0]])
    observed = torch.ones(1, 2)
    weights = torch.tensor([1.0, 0.5])
    # (1 * 1 + 0.5 * 9) / 1.5
    assert masked_noise_loss(prediction, noise, observed, weights).item() == pytest.approx(11 / 3)


def test_condition_draw_takes_whole_observed_columns_of_a_share_of_rows():
    # Setup: 3 columns over 5 dimensions (a 3-wide one-hot block in the middle).
    column_index = torch.tensor([0, 1, 1, 1, 2])
    observed = torch.ones(4000, 5)
    observed[::3, 1:4] = 0
    generator = torch.Generator().manual_seed(0)

    # Run
    condition = draw_condition(observed, column_index, 3, 0.5, generator)

    # Assert
    block = condition[:, 1:4]
    assert (block == block[:, :1]).all()  # a one-hot block is conditioned on as a whole
    assert (condition[observed == 0] == 0).all()  # never a missing cell
    conditioned_rows = condition.bool().any(dim=1).float().mean()
    assert 0.35 < conditioned_rows < 0.5  # half the rows, less those that draw no column
    assert condition[:, 0].mean() == pytest.approx(0.25, abs=0.03)  # share 0.5 x rate 1/2


class _RecordingDenoiser(torch.nn.Module):
    """Predicts zero noise and keeps what it was shown."""

    conditional = True

    def forward(self, noisy_rows, timesteps, condition_mask=None, missing_mask=None):
        self.seen = (noisy_rows, timesteps, condition_mask, missing_mask)
        return torch.zeros_like(noisy_rows)


@pytest.mark.parametrize('conditional_share', [0.0, 1.0])
def test_objective_never_shows_or_scores_missing_cells(conditional_share):
    # Setup
    schedule = VPSchedule(quadratic_betas(20))
    objective = MaskedDenoisingObjective(
        schedule, 15, torch.tensor([0, 1, 2]), conditional_share=conditional_share
    )
    x0 = torch.ones(64, 3)
    observed = torch.ones(64, 3)
    observed[:, 2] = 0
    x0 = x0 * observed
    denoiser = _RecordingDenoiser()

    # Run
    loss = objective(denoiser, x0, observed, torch.Generator().manual_seed(0))

    # Assert
    noisy, timesteps, condition, missing = denoiser.seen
    assert ((timesteps >= 1) & (timesteps <= 15)).all()
    assert torch.isfinite(loss)
    if conditional_share:
        assert (noisy[:, 2] == 0).all()  # a missing cell is shown as 0 with its mask
        assert (missing[:, 2] == 1).all() and (missing[:, :2] == 0).all()
        assert (condition[:, 2] == 0).all()
        assert condition.any()  # every row is conditioned at share 1 (some on no column)
    else:
        assert condition is None and missing is None


def test_masked_categorical_objective_hides_one_hot_cells_and_scores_only_observed_ones():
    # Setup: a number and a 3-level one-hot column; the second row's category is missing.
    from sdv_missdiff.diffusion.categorical import OneHotBlocks
    from sdv_missdiff.diffusion.denoisers import ColumnLayout

    layout = ColumnLayout.from_column_index([0, 1, 1, 1])
    schedule = VPSchedule(quadratic_betas(20))
    blocks = OneHotBlocks(layout, torch.device('cpu'))
    objective = MaskedDenoisingObjective(
        schedule, 15, torch.tensor([0, 1, 1, 1]), conditional_share=0.5, one_hot_blocks=blocks
    )
    x0 = torch.tensor([[0.3, 1.0, -1.0, -1.0], [0.1, 0.0, 0.0, 0.0]]).repeat(200, 1)
    observed = torch.tensor([[1.0, 1, 1, 1], [1.0, 0, 0, 0]]).repeat(200, 1)
    network = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, conditional=True)

    class _Recording(torch.nn.Module):
        conditional = True

        def forward(self, noisy, timesteps, condition=None, missing=None):
            self.seen = noisy
            return network(noisy, timesteps, condition, missing)

    recording = _Recording()

    # Run
    loss = objective(recording, x0, observed, torch.Generator().manual_seed(0))
    loss.backward()

    # Assert: one-hot cells are visible (+1/-1, exactly) or hidden (zeros), never noised.
    block = recording.seen[:, 1:4]
    visible = (block.abs() == 1).all(dim=1)
    hidden = (block == 0).all(dim=1)
    assert (visible | hidden).all()
    assert hidden[1::2].all()  # the missing category is hidden
    assert visible[0::2].any() and hidden[0::2].any()
    assert torch.isfinite(loss)
    assert network.output_layer[-1].weight.grad is not None


def test_observed_cell_draws_fill_only_holes_with_whole_observed_cells():
    # Setup: column 0 is one dimension, column 1 a one-hot block of two; column 2 is left alone
    values = torch.tensor(
        [
            [1.0, 1.0, -1.0, 5.0],
            [2.0, -1.0, 1.0, 6.0],
            [0.0, 0.0, 0.0, 0.0],
            [3.0, 1.0, -1.0, 7.0],
        ]
    )
    observed = torch.tensor(
        [
            [1.0, 1.0, 1.0, 1.0],
            [1.0, 1.0, 1.0, 1.0],
            [0.0, 0.0, 0.0, 0.0],
            [1.0, 0.0, 0.0, 1.0],
        ]
    )
    column_index = torch.tensor([0, 1, 1, 2])
    draws = ObservedCellDraws(values, observed, column_index, [0, 1])
    batch = values.repeat(200, 1)
    batch_observed = observed.repeat(200, 1)

    # Run
    filled = draws.fill(batch, batch_observed, torch.Generator().manual_seed(0))
    again = draws.fill(batch, batch_observed, torch.Generator().manual_seed(0))

    # Assert: observed cells are untouched, holes hold cells of the column's observed rows
    assert torch.equal(filled, again)
    assert torch.equal(filled[batch_observed.bool()], batch[batch_observed.bool()])
    holes = batch_observed[:, 0] == 0
    assert set(filled[holes, 0].tolist()) == {1.0, 2.0, 3.0}
    block = filled[batch_observed[:, 1] == 0, 1:3]
    assert {tuple(row) for row in block.tolist()} == {(1.0, -1.0), (-1.0, 1.0)}
    assert torch.equal(filled[:, 3], batch[:, 3])  # not asked for: the paper's 0 stays
    assert not ObservedCellDraws(values, torch.ones_like(observed), column_index, [0, 1])


def test_timestep_draws_without_emphasis_are_the_uniform_draws_of_before():
    drawn = draw_timesteps(1000, 78, 0, torch.Generator().manual_seed(3), 'cpu')
    expected = torch.randint(1, 79, (1000,), generator=torch.Generator().manual_seed(3))
    assert torch.equal(drawn, expected)


def test_timestep_emphasis_one_draws_each_step_in_proportion_to_2t_minus_1():
    last = 20
    drawn = draw_timesteps(400_000, last, 1.0, torch.Generator().manual_seed(0), 'cpu')
    assert drawn.dtype == torch.long
    assert int(drawn.min()) == 1 and int(drawn.max()) == last
    shares = torch.bincount(drawn, minlength=last + 1)[1:].double() / len(drawn)
    steps = torch.arange(1, last + 1, dtype=torch.float64)
    expected = (2 * steps - 1) / last**2
    assert torch.allclose(shares, expected, atol=0.002)
    # Noisier steps are drawn more often the larger the emphasis.
    stronger = draw_timesteps(400_000, last, 3.0, torch.Generator().manual_seed(0), 'cpu')
    assert stronger.double().mean() > drawn.double().mean() > (last + 1) / 2 + 2


def test_objective_trains_on_the_steps_its_emphasis_draws():
    schedule = VPSchedule(quadratic_betas(100))
    seen = []

    class Recorder(torch.nn.Module):
        conditional = False

        def forward(self, x, t, *args):
            seen.append(t.clone())
            return torch.zeros_like(x)

    objective = MaskedDenoisingObjective(
        schedule, 50, torch.zeros(2, dtype=torch.long), timestep_emphasis=1.0
    )
    values, observed = torch.randn(4096, 2), torch.ones(4096, 2)
    objective(Recorder(), values, observed, torch.Generator().manual_seed(1))
    steps = seen[0].double()
    # Mean of 1..50 weighted by 2t - 1 is about 33.8; uniform steps average 25.5.
    assert 33 < float(steps.mean()) < 34.6


def test_categorical_weight_weighs_hidden_cells_in_the_sum_and_in_the_mean():
    # Setup: a number and a 3-level one-hot column; the loss is (S + w C) / (W + w n) with S, W
    # the squared errors and weights of numbers, C, n the cross-entropy and count of hidden cells.
    from sdv_missdiff.diffusion.categorical import OneHotBlocks
    from sdv_missdiff.diffusion.denoisers import ColumnLayout

    layout = ColumnLayout.from_column_index([0, 1, 1, 1])
    schedule = VPSchedule(quadratic_betas(20))
    blocks = OneHotBlocks(layout, torch.device('cpu'))
    x0 = torch.tensor([[0.3, 1.0, -1.0, -1.0], [-0.5, -1.0, 1.0, -1.0]]).repeat(50, 1)
    observed = torch.ones_like(x0)
    torch.manual_seed(0)
    network = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, conditional=True)

    def loss(weight=None):
        arguments = {} if weight is None else {'categorical_weight': weight}
        objective = MaskedDenoisingObjective(
            schedule, 15, torch.tensor([0, 1, 1, 1]), 0.5, one_hot_blocks=blocks, **arguments
        )
        with torch.no_grad():
            return float(objective(network, x0, observed, torch.Generator().manual_seed(0)))

    # Run: the same draws at four weights.
    weights = [1.0, 2.0, 4.0, 8.0]
    losses = [loss(weight) for weight in weights]

    # Assert: three weights give S/W, C/W and n/W, which predict the fourth.
    system = torch.tensor([[1.0, w, -w * f] for w, f in zip(weights[:3], losses[:3])])
    ratios = torch.linalg.solve(system.double(), torch.tensor(losses[:3]).double())
    squared, cross_entropy, cells = ratios.tolist()
    assert cells > 0 and cross_entropy > 0
    predicted = (squared + 8 * cross_entropy) / (1 + 8 * cells)
    assert losses[3] == pytest.approx(predicted, rel=1e-4)
    assert loss() == losses[0]  # weight 1 is the objective's default
    assert losses[0] != losses[1]
