import torch

from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.denoisers import ColumnLayout
from sdv_missdiff.diffusion.hole_redraw import redraw_holes
from sdv_missdiff.diffusion.samplers import AncestralSampler, CPUNoise
from sdv_missdiff.diffusion.schedule import VPSchedule, quadratic_betas, respaced_timesteps

# A number A (dim 0); a column B with levels x, y and its hole (dims 1-3); a column C with a
# level and its hole (dims 4-5); a value V (dim 6) whose holes an indicator learns (dims 7-8:
# False, True).
LAYOUT = ColumnLayout.from_column_index([0, 1, 1, 1, 2, 2, 3, 4, 4])
B_HOLE, C_LEVEL, C_HOLE = 3, 4, 5
HOLE_LEVELS = torch.tensor([False, False, False, True, False, True, False, False, False])
INDICATED_BY = torch.tensor([-1, -1, -1, -1, -1, -1, 8, -1, -1])
# B's hole and C's hole go together: each rules out the other column's level.
PAIRS = torch.tensor(
    [[B_HOLE, C_LEVEL, 1, 2, C_HOLE, C_HOLE], [C_LEVEL, B_HOLE, C_HOLE, C_HOLE, 1, 2]]
)


class _KnownConditional(torch.nn.Module):
    """A conditional network whose answer is written down.

    Given A, B is missing with probability sigmoid(3 A) and x or y (even odds) otherwise; C
    is missing exactly where B is when B is shown, as A says otherwise. Every mask it is
    called with is kept.
    """

    conditional = True

    def __init__(self):
        super().__init__()
        self.layout = LAYOUT
        self.masks = []

    def forward(self, x, t, mask=None):
        self.masks.append(mask.clone())
        b_shown = mask[:, 1] > 0
        b_missing = torch.where(b_shown, torch.where(x[:, B_HOLE] > 0, 1.0, -1.0), x[:, 0])
        output = torch.zeros_like(x)
        # Levels x and y at logit 0 each: sigmoid(3 A) for the hole.
        output[:, B_HOLE] = 3.0 * x[:, 0] + torch.log(torch.tensor(2.0))
        output[:, C_HOLE] = 30.0 * b_missing
        return output


def _sampler(excluded_pairs=None):
    schedule = VPSchedule(quadratic_betas(20))
    blocks = OneHotBlocks(LAYOUT, torch.device('cpu'), excluded_pairs=excluded_pairs)
    timesteps = respaced_timesteps(schedule.last_informative_step())
    return AncestralSampler(schedule, timesteps, one_hot_blocks=blocks)


def _rows(num_rows=1000):
    """Rows whose holes the reverse process put in the wrong places: the 300 lowest A.

    B and C are missing together, V is missing in every second row; B is x or y elsewhere.
    """
    a = torch.linspace(-3, 3, num_rows)[torch.randperm(num_rows, generator=_seeded(1))]
    b = torch.where(a.argsort().argsort() < 300, 2, torch.arange(num_rows) % 2)
    rows = torch.full((num_rows, 9), -1.0)
    rows[:, 0] = a
    rows[torch.arange(num_rows), 1 + b] = 1.0
    rows[torch.arange(num_rows), 4 + (b == 2).long()] = 1.0
    rows[:, 6] = 0.5
    v_missing = torch.arange(num_rows) % 2 == 1
    rows[torch.arange(num_rows), 7 + v_missing.long()] = 1.0
    return rows


def _seeded(seed):
    return torch.Generator().manual_seed(seed)


def _noise(seed=0):
    return CPUNoise(_seeded(seed), torch.device('cpu'))


def _b_holes(rows):
    return rows[:, 1:4].argmax(dim=1) == 2


def _c_holes(rows):
    return rows[:, 5] > 0


def test_redrawn_holes_go_where_the_conditional_puts_them_as_many_as_were_drawn():
    # Setup
    rows = _rows()

    # Run
    redrawn = redraw_holes(_sampler(PAIRS), _KnownConditional(), rows, _noise(), HOLE_LEVELS)

    # Assert: about 300 holes still (binomial spread about 10), now at high A; C goes with B
    b_hole = _b_holes(redrawn)
    a = redrawn[:, 0]
    assert abs(int(b_hole.sum()) - 300) < 40
    assert a[b_hole].mean() > 1.0 and b_hole[a < -1].float().mean() < 0.02
    assert torch.equal(_c_holes(redrawn), b_hole)
    # A B present before and after keeps its level; one that comes back takes x or y
    stays = ~b_hole & ~_b_holes(rows)
    assert torch.equal(redrawn[stays, 1:4], rows[stays, 1:4])
    assert redrawn[~b_hole & _b_holes(rows), 1:3].max(dim=1).values.eq(1).all()
    assert torch.equal(redrawn[:, [0, 6, 7, 8]], rows[:, [0, 6, 7, 8]])
    assert ((redrawn[:, 1:6] == 1) | (redrawn[:, 1:6] == -1)).all()


def test_later_hole_columns_and_values_behind_indicated_holes_are_hidden_from_the_conditional():
    # Setup
    network = _KnownConditional()
    rows = _rows(8)

    # Run
    redraw_holes(_sampler(PAIRS), network, rows, _noise(), HOLE_LEVELS, INDICATED_BY)

    # Assert: B is drawn with B and C hidden, C with B shown; V is hidden where its indicator
    # says missing (odd rows), shown elsewhere, and everything else is shown
    first, second = network.masks
    assert (first[:, 1:6] == 0).all() and (second[:, 1:4] == 1).all()
    assert (second[:, 4:6] == 0).all()
    assert first[:, 6].tolist() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert (first[:, [0, 7, 8]] == 1).all()


def test_known_cells_are_conditions_and_are_not_redrawn():
    # Setup: B is known (a condition) in the first 100 rows
    rows = _rows()
    mask = torch.zeros_like(rows)
    mask[:100, 1:4] = 1.0

    # Run
    redrawn = redraw_holes(
        _sampler(PAIRS), _KnownConditional(), rows, _noise(), HOLE_LEVELS, known=(rows, mask)
    )

    # Assert: the known B cells stay as given, C follows them; the other rows are redrawn
    assert torch.equal(redrawn[:100, 1:4], rows[:100, 1:4])
    assert torch.equal(_c_holes(redrawn[:100]), _b_holes(rows[:100]))
    assert not torch.equal(_b_holes(redrawn[100:]), _b_holes(rows[100:]))


def test_the_ruled_out_pairs_keep_a_hole_from_going_without_its_partner():
    # Setup: a conditional that gives C's hole even odds whatever B is
    class _EvenC(_KnownConditional):
        def forward(self, x, t, mask=None):
            output = super().forward(x, t, mask)
            output[:, C_HOLE] = 0.0
            return output

    # Run
    rows = redraw_holes(_sampler(PAIRS), _EvenC(), _rows(), _noise(), HOLE_LEVELS)
    free = redraw_holes(_sampler(), _EvenC(), _rows(), _noise(), HOLE_LEVELS)

    # Assert: with the pairs C's hole goes with B's in every row; without them, not
    assert torch.equal(_c_holes(rows), _b_holes(rows))
    assert (_c_holes(free) != _b_holes(free)).float().mean() > 0.1


def test_rows_without_hole_levels_or_one_hot_blocks_come_back_as_they_are():
    # Setup
    rows = _rows()
    sampler = _sampler(PAIRS)
    no_blocks = AncestralSampler(sampler.schedule, sampler.timesteps)

    # Run
    without_holes = redraw_holes(sampler, _KnownConditional(), rows, _noise(), HOLE_LEVELS & False)
    without_blocks = redraw_holes(no_blocks, _KnownConditional(), rows, _noise(), HOLE_LEVELS)

    # Assert
    assert torch.equal(without_holes, rows) and torch.equal(without_blocks, rows)
