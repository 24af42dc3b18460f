import numpy as np
import pytest
import torch

from sdv_missdiff.diffusion.denoisers import MLPDenoiser
from sdv_missdiff.diffusion.noise import CPUNoise
from sdv_missdiff.diffusion.samplers import (
    SAMPLERS,
    AncestralSampler,
    DDIMSampler,
    DPMSolverSampler,
    value_bounds,
)
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps


class _CountingDenoiser(torch.nn.Module):
    def __init__(self, conditional=False):
        super().__init__()
        torch.manual_seed(0)
        self.denoiser = MLPDenoiser(3, hidden_dimensions=8, num_blocks=1, conditional=conditional)
        self.layout = self.denoiser.layout
        self.conditional = conditional
        self.calls = 0

    def forward(self, *args):
        self.calls += 1
        return self.denoiser(*args)


def _sampler(num_steps=None):
    schedule = VPSchedule(quadratic_betas(20))
    return AncestralSampler(
        schedule, respaced_timesteps(schedule.last_informative_step(), num_steps)
    )


def _bounds():
    return torch.full((3,), -3.0), torch.full((3,), 3.0)


def _noise(seed=0):
    return CPUNoise(torch.Generator().manual_seed(seed), torch.device('cpu'))


def _known(values, mask):
    return torch.tensor(values, dtype=torch.float32), torch.tensor(mask, dtype=torch.float32)


def test_respaced_timesteps_start_at_the_last_step_and_end_at_one():
    assert list(respaced_timesteps(10)) == list(range(10, 0, -1))
    assert list(respaced_timesteps(78, 4)) == [78, 52, 27, 1]
    assert list(respaced_timesteps(5, 50)) == [5, 4, 3, 2, 1]


def test_value_bounds_span_observed_values_with_a_margin():
    values = torch.tensor([[0.0, 5.0], [10.0, 99.0]])
    observed = torch.tensor([[1.0, 1.0], [1.0, 0.0]])
    lower, upper = value_bounds(values, observed)
    torch.testing.assert_close(lower, torch.tensor([-0.5, 5.0]))
    torch.testing.assert_close(upper, torch.tensor([10.5, 5.0]))


def test_value_bounds_read_by_chunks_match_the_whole_table(monkeypatch):
    # Setup: 1,000 rows read 64 at a time; the extremes sit in different chunks, and a
    # missing cell beyond them must not count.
    monkeypatch.setattr('sdv_missdiff.diffusion.samplers.TABLE_CHUNK_ROWS', 64)
    generator = torch.Generator().manual_seed(0)
    values = torch.randn((1_000, 3), generator=generator)
    observed = (torch.rand((1_000, 3), generator=generator) > 0.2).float()
    values[5, 0], values[900, 0], values[500, 1] = -7.0, 9.0, 50.0
    observed[5, 0], observed[900, 0], observed[500, 1] = 1.0, 1.0, 0.0

    # Run
    lower, upper = value_bounds(values, observed, margin=0.0)

    # Assert
    seen = observed.bool()
    torch.testing.assert_close(lower, torch.where(seen, values, torch.inf).amin(0))
    torch.testing.assert_close(upper, torch.where(seen, values, -torch.inf).amax(0))
    assert lower[0].item() == -7.0 and upper[0].item() == 9.0
    assert upper[1].item() < 50.0


@pytest.mark.parametrize('conditional', [False, True])
@pytest.mark.parametrize('num_resamples', [1, 4])
def test_known_dimensions_come_back_exactly_and_rows_stay_in_bounds(num_resamples, conditional):
    # Setup
    known = _known([[0.25, 0.0, 0.0], [0.0, -1.5, 0.0]], [[1, 0, 0], [0, 1, 1]])

    # Run
    with torch.no_grad():
        rows = _sampler().sample(
            _CountingDenoiser(conditional), 2, _bounds(), _noise(), known, num_resamples
        )

    # Assert
    np.testing.assert_array_equal(rows[known[1].bool()].numpy(), [0.25, -1.5, 0.0])
    assert ((rows >= -3) & (rows <= 3)).all()


def test_repaint_takes_each_reverse_step_num_resamples_times_except_the_last():
    denoiser = _CountingDenoiser()
    sampler = _sampler()
    with torch.no_grad():
        sampler.sample(denoiser, 1, _bounds(), _noise(), _known([[0, 0, 0]], [[1, 0, 0]]), 3)

    assert denoiser.calls == (len(sampler.timesteps) - 1) * 3 + 1


def test_repaint_is_not_used_when_nothing_is_known():
    denoiser = _CountingDenoiser()
    sampler = _sampler()
    with torch.no_grad():
        sampler.sample(denoiser, 2, _bounds(), _noise(), _known([[0] * 3] * 2, [[0] * 3] * 2), 3)

    assert denoiser.calls == len(sampler.timesteps)


@pytest.mark.parametrize(('guidance_scale', 'calls_per_step'), [(0.0, 1), (1.5, 2)])
def test_guidance_adds_one_unconditional_call_per_step(guidance_scale, calls_per_step):
    # Setup
    denoiser = _CountingDenoiser(conditional=True)
    sampler = _sampler(num_steps=5)
    known = _known([[0, 0, 0]], [[1, 0, 0]])

    # Run
    with torch.no_grad():
        sampler.sample(denoiser, 1, _bounds(), _noise(), known, guidance_scale=guidance_scale)
        guided_calls = denoiser.calls
        sampler.sample(denoiser, 1, _bounds(), _noise(), guidance_scale=guidance_scale)

    # Assert
    assert guided_calls == 5 * calls_per_step
    assert denoiser.calls - guided_calls == 5  # nothing known: nothing to guide


def test_guidance_moves_the_generated_cells_and_keeps_the_known_ones():
    # Setup
    denoiser = _CountingDenoiser(conditional=True)
    known = _known([[0.5, 0.0, 0.0]], [[1, 0, 0]])

    # Run
    with torch.no_grad():
        plain = _sampler().sample(denoiser, 1, _bounds(), _noise(3), known)
        guided = _sampler().sample(denoiser, 1, _bounds(), _noise(3), known, guidance_scale=2.0)

    # Assert
    assert guided[0, 0] == plain[0, 0] == 0.5
    assert not torch.allclose(guided[0, 1:], plain[0, 1:])


def test_same_noise_seed_gives_the_same_rows():
    denoiser = _CountingDenoiser()
    with torch.no_grad():
        first = _sampler().sample(denoiser, 4, _bounds(), _noise(5))
        second = _sampler().sample(denoiser, 4, _bounds(), _noise(5))

    assert torch.equal(first, second)


@pytest.mark.parametrize('conditional', [False, True])
def test_masked_categorical_sampling_keeps_known_levels_and_draws_valid_one_hot_blocks(conditional):
    # Setup: a number and a 3-level one-hot column; row 0 knows its level, row 1 its number.
    from sdv_missdiff.diffusion.categorical import OneHotBlocks
    from sdv_missdiff.diffusion.denoisers import ColumnLayout

    layout = ColumnLayout.from_column_index([0, 1, 1, 1])
    torch.manual_seed(0)
    denoiser = MLPDenoiser(layout, hidden_dimensions=8, num_blocks=1, conditional=conditional)
    schedule = VPSchedule(quadratic_betas(20))
    sampler = AncestralSampler(
        schedule,
        respaced_timesteps(schedule.last_informative_step()),
        one_hot_blocks=OneHotBlocks(layout, torch.device('cpu')),
    )
    known = _known([[0, -1, 1, -1], [0.7, 0, 0, 0]], [[0, 1, 1, 1], [1, 0, 0, 0]])
    bounds = torch.full((4,), -3.0), torch.full((4,), 3.0)

    # Run
    with torch.no_grad():
        rows = sampler.sample(
            denoiser, 2, bounds, _noise(), known, num_resamples=2, guidance_scale=1.0
        )

    # Assert
    assert rows[0, 1:].tolist() == [-1, 1, -1]
    assert rows[1, 0].item() == pytest.approx(0.7)
    assert sorted(rows[1, 1:].tolist()) == [-1, -1, 1]


def test_dpm_solver_resampled_steps_keep_known_cells_and_call_count():
    # Setup: RePaint repeats a step at the same level; the correction must not treat the
    # repeat's own estimate as an earlier, noisier one (a division by a zero step).
    denoiser = _CountingDenoiser(conditional=False)
    schedule = VPSchedule(quadratic_betas(20))
    sampler = DPMSolverSampler(schedule, respaced_timesteps(schedule.last_informative_step(), None))
    known = _known([[0.25, 0.0, 0.0], [0.0, -1.5, 0.0]], [[1, 0, 0], [0, 1, 1]])

    # Run
    with torch.no_grad():
        rows = sampler.sample(denoiser, 2, _bounds(), _noise(), known, 3)

    # Assert
    assert denoiser.calls == (len(sampler.timesteps) - 1) * 3 + 1
    assert torch.isfinite(rows).all()
    np.testing.assert_array_equal(rows[known[1].bool()].numpy(), [0.25, -1.5, 0.0])
    assert ((rows >= -3) & (rows <= 3)).all()


def test_sampler_by_name():
    assert SAMPLERS == {
        'ancestral': AncestralSampler,
        'ddim': DDIMSampler,
        'dpm++2m': DPMSolverSampler,
    }
