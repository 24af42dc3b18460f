import torch

from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.denoisers import ColumnLayout
from sdv_missdiff.diffusion.level_rules import LEVEL_CUTOFF_CAP, level_floors, pairs_ruled_out

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
