import pytest
import torch

from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.denoisers import ColumnLayout
from sdv_missdiff.diffusion.level_rules import (
    LEVEL_CUTOFF_CAP,
    LevelPolicy,
    level_floors,
    most_likely_rows,
    pairs_ruled_out,
)

# A continuous column, a 3-level one-hot column, another continuous one, a 2-level one.
LAYOUT = ColumnLayout.from_column_index([0, 1, 1, 1, 2, 3, 3])


def test_level_floors_scale_the_frequencies_up_to_the_cap():
    frequencies = torch.tensor([[0.9, 0.05, 0.05], [0.001, 0.999, 0.0]])

    floors = level_floors(frequencies, 0.2)

    expected = torch.tensor([[LEVEL_CUTOFF_CAP, 0.01, 0.01], [0.0002, LEVEL_CUTOFF_CAP, 0.0]])
    torch.testing.assert_close(floors, expected)
    assert level_floors(frequencies, 0.0) is None
    assert level_floors(None, 0.2) is None


def _paired_rows():
    # Level pairs of the two blocks (first block dims 1-3, second dims 5-6), with counts:
    # A0-B0 80, A0-B1 0, A1-B0 20, A1-B1 80, A2-B0 0, A2-B1 4; and 16 rows with A0 and the second
    # block unobserved, 10 with B1 and the first block unobserved (neither counted in pairs).
    counts = {(0, 0): 80, (1, 0): 20, (1, 1): 80, (2, 1): 4, (0, None): 16, (None, 1): 10}
    values, observed = [], []
    for (first, second), count in counts.items():
        row, seen = torch.zeros(7), torch.ones(7)
        for level, span in ((first, slice(1, 4)), (second, slice(5, 7))):
            if level is None:
                seen[span] = 0
            else:
                row[span] = -1.0
                row[span.start + level] = 1.0

        values += [row] * count
        observed += [seen] * count

    return torch.stack(values), torch.stack(observed)


def _as_set(pairs):
    return set(map(tuple, pairs.T.tolist()))


def test_pairs_ruled_out_are_common_pairs_the_rows_never_hold():
    # Setup
    values, observed = _paired_rows()
    blocks = OneHotBlocks(LAYOUT, torch.device('cpu'))

    # Run
    default = pairs_ruled_out(blocks, values, observed, 0.01)
    loose = pairs_ruled_out(blocks, values, observed, 0.5)

    # Assert: A0-B1 (independence would put 80 x 84 / 184 = 36.5 rows on it, the rows hold
    # none) in both orders; A2-B0 (2.2 rows under independence) is left to chance; A1-B0 (20
    # rows against 54.3) goes only with a cutoff above 20 / 54.3, where B0 also implies A0 (its
    # 20 other rows against 56.5 under independence) and B1 implies A1 (4 against 38.3), which
    # leaves A2 beside neither; 0 rules out nothing.
    assert _as_set(default) == {(1, 6), (6, 1)}
    loose_pairs = {(1, 6), (2, 5), (3, 5), (3, 6)}
    assert _as_set(loose) == loose_pairs | {(second, first) for first, second in loose_pairs}
    assert pairs_ruled_out(blocks, values, observed, 0.0).shape == (2, 0)


def test_pairs_ruled_out_include_every_level_beside_a_level_that_implies_another():
    # Setup: a 2-level column A (dims 0-1) and a 3-level one B (dims 2-4). A0 (100 rows) always
    # comes with B0; A1 with B0 (50), B1 (100) and, rarely, B2 (3).
    layout = ColumnLayout.from_column_index([0, 0, 1, 1, 1])
    levels = [(0, 0)] * 100 + [(1, 0)] * 50 + [(1, 1)] * 100 + [(1, 2)] * 3
    values = torch.full((len(levels), 5), -1.0)
    for row, (first, second) in enumerate(levels):
        values[row, first] = values[row, 2 + second] = 1.0

    # Run
    blocks = OneHotBlocks(layout, torch.device('cpu'))
    pairs = pairs_ruled_out(blocks, values, torch.ones_like(values), 0.01)

    # Assert: A0-B2 is too rare to test on its own (1.2 rows under independence), but A0 implies
    # B0 (none of its rows has another level, where independence would put 40.7 there).
    assert _as_set(pairs) == {(0, 3), (3, 0), (0, 4), (4, 0)}


def test_pairs_ruled_out_count_only_rows_that_observe_both_cells():
    # Setup: 40 more rows with A0 and B1 hidden behind an unobserved second block.
    values, observed = _paired_rows()
    extra = values[:1].repeat(40, 1)
    extra[:, 5:7] = torch.tensor([-1.0, 1.0])
    extra_observed = torch.ones(40, 7)
    extra_observed[:, 5:7] = 0

    # Run
    pairs = pairs_ruled_out(
        OneHotBlocks(LAYOUT, torch.device('cpu')),
        torch.cat([values, extra]),
        torch.cat([observed, extra_observed]),
        0.01,
    )

    # Assert
    assert _as_set(pairs) == {(1, 6), (6, 1)}


def _policy(floors=None, excluded_pairs=None):
    return LevelPolicy(OneHotBlocks(LAYOUT, torch.device('cpu')), floors, excluded_pairs)


def _first_block_logits(probabilities, num_rows):
    # Logits of the first block (3 levels) in every row.
    return torch.log(torch.tensor(probabilities)).repeat(num_rows, 1)


def _showing_b(level, num_rows):
    # Rows whose second block (dims 5-6) shows ``level``, the first one hidden.
    rows = torch.zeros(num_rows, 7)
    rows[:, 5:7] = -1.0
    rows[:, 5 + level] = 1.0
    return rows


def _draw(policy, logits, rows=None, seed=0):
    generator = torch.Generator().manual_seed(seed)
    block = torch.zeros(len(logits), dtype=torch.long)
    return policy.draw(
        logits, block, lambda shape: torch.rand(shape, generator=generator).clamp_min(1e-12), rows
    )


def _share(levels, level):
    return (levels == level).float().mean().item()


@pytest.mark.parametrize('floor, dropped', [(0.005, False), (0.02, True)])
def test_draw_never_takes_a_level_below_its_floor(floor, dropped):
    # Setup: the first level has probability 0.01 in every row, the other two 0.495 each.
    policy = _policy(torch.tensor([[floor, 0.0, 0.0], [0.0, 0.0, 0.0]]))

    # Run
    levels = _draw(policy, _first_block_logits([0.01, 0.495, 0.495], 20_000))

    # Assert: 0.01 of 20,000 draws is about 200 rows, or none below the floor; the rest keep
    # their relative probabilities.
    assert _share(levels, 0) == 0.0 if dropped else 0.007 < _share(levels, 0) < 0.013
    assert abs(_share(levels, 1) - (0.5 if dropped else 0.495)) < 0.015


def test_draw_keeps_the_most_likely_level_even_below_its_floor():
    policy = _policy(torch.full((2, 3), 0.9))

    levels = _draw(policy, _first_block_logits([0.2, 0.5, 0.3], 100))

    assert (levels == 1).all()


def test_draw_never_takes_a_level_ruled_out_by_a_level_the_row_shows():
    # Setup: the network puts 0.9 on A0 everywhere; A0 never goes with B1 (dims 1 and 6).
    policy = _policy(excluded_pairs=torch.tensor([[6], [1]]))
    logits = _first_block_logits([0.9, 0.05, 0.05], 4000)

    # Run
    beside_b1 = _draw(policy, logits, _showing_b(1, 4000))
    beside_b0 = _draw(policy, logits, _showing_b(0, 4000))
    unread = _draw(policy, logits)

    # Assert: beside B1 the other two levels share the draws as the network weighs them.
    assert _share(beside_b1, 0) == 0.0 and abs(_share(beside_b1, 1) - 0.5) < 0.03
    assert abs(_share(beside_b0, 0) - 0.9) < 0.015
    assert abs(_share(unread, 0) - 0.9) < 0.015  # no rows: the logits hold the pairs already


def test_draw_takes_any_level_where_every_level_is_ruled_out():
    policy = _policy(excluded_pairs=torch.tensor([[6, 6, 6], [1, 2, 3]]))

    levels = _draw(policy, _first_block_logits([0.9, 0.05, 0.05], 4000), _showing_b(1, 4000))

    assert abs(_share(levels, 0) - 0.9) < 0.015


def test_floors_weigh_the_levels_the_pairs_leave():
    # Setup: A0 (0.9) is ruled out beside B1; A1 and A2 then have 0.5 each, above their floors,
    # though 0.05 each of the whole block.
    policy = _policy(torch.tensor([[0.0, 0.3, 0.3], [0.0, 0.0, 0.0]]), torch.tensor([[6], [1]]))
    logits = _first_block_logits([0.9, 0.05, 0.05], 4000)

    # Run
    allowed = policy.allowed_logits(
        logits, torch.zeros(4000, dtype=torch.long), _showing_b(1, 4000)
    )

    # Assert
    assert (allowed[:, 0] == -torch.inf).all() and torch.isfinite(allowed[:, 1:]).all()


def test_ruled_out_reads_only_the_shown_dimensions():
    # Setup: row 0 shows B1 as a known cell, row 1 shows it as a generated one.
    policy = _policy(excluded_pairs=torch.tensor([[6], [1]]))
    rows = _showing_b(1, 2)
    known = torch.zeros(2, 7)
    known[0, 5:7] = 1

    # Run
    everything = policy.ruled_out(rows)
    known_only = policy.ruled_out(rows, known)

    # Assert: (rows, blocks, levels); only A0 of the first block is ever ruled out.
    assert everything[:, 0].tolist() == [[True, False, False]] * 2
    assert known_only[:, 0].tolist() == [[True, False, False], [False, False, False]]
    assert not everything[:, 1].any()
    one_cell = policy.ruled_out(rows, block=torch.tensor([0, 1]))
    assert one_cell.tolist() == [[True, False, False], [False, False, False]]
    assert _policy().ruled_out(rows) is None


def test_most_likely_rows_take_the_likeliest_level_the_known_cells_allow():
    # Setup: A0 is the likeliest level, ruled out beside B1; row 0 knows B1, row 1 generated
    # it (its B is unknown), row 2 knows its A. The numbers (dims 0 and 4) are unknown.
    blocks = OneHotBlocks(LAYOUT, torch.device('cpu'), excluded_pairs=torch.tensor([[6], [1]]))
    probabilities = torch.tensor([[[0.7, 0.2, 0.1], [0.4, 0.6, 0.0]]]).repeat(3, 1, 1)
    values = _showing_b(1, 3)
    values[2, 1:4] = torch.tensor([-1.0, -1.0, 1.0])
    mask = torch.zeros(3, 7)
    mask[0, 5:7] = mask[2, 1:4] = 1

    # Run
    rows = most_likely_rows(blocks, probabilities, values, mask)

    # Assert
    assert rows[0].tolist() == [0, -1, 1, -1, 0, -1, 1]
    assert rows[1].tolist() == [0, 1, -1, -1, 0, -1, 1]
    assert rows[2].tolist() == [0, -1, -1, 1, 0, -1, 1]
