import torch

from sdv_missdiff.diffusion.categorical import OneHotBlocks
from sdv_missdiff.diffusion.denoisers import ColumnLayout

# A continuous column, a 3-level one-hot column, another continuous one, a 2-level one.
LAYOUT = ColumnLayout.from_column_index([0, 1, 1, 1, 2, 3, 3])


def _blocks():
    return OneHotBlocks(LAYOUT, torch.device('cpu'))


def _rows():
    return torch.tensor(
        [
            [0.5, 1.0, -1.0, -1.0, 2.0, -1.0, 1.0],
            [-0.3, -1.0, -1.0, 1.0, 0.0, 1.0, -1.0],
        ]
    )


def test_blocks_find_the_one_hot_columns_and_their_dimensions():
    blocks = _blocks()
    assert len(blocks) == 2
    assert blocks.spans == [slice(1, 4), slice(5, 7)]
    assert blocks.dimensions.tolist() == [False, True, True, True, False, True, True]


def test_hide_writes_hidden_cells_as_zero_blocks_and_cells_reads_them_back():
    # Setup
    blocks = _blocks()
    hidden = torch.tensor([[True, False], [False, True]])

    # Run
    rows = blocks.hide(_rows(), hidden)

    # Assert
    assert rows[0, 1:4].tolist() == [0, 0, 0] and rows[0, 5:7].tolist() == [-1, 1]
    assert rows[1, 1:4].tolist() == [-1, -1, 1] and rows[1, 5:7].tolist() == [0, 0]
    assert rows[:, [0, 4]].tolist() == _rows()[:, [0, 4]].tolist()  # numbers untouched
    assert blocks.cells(blocks.spread(hidden.float())).tolist() == hidden.float().tolist()


def test_cross_entropy_sums_the_scored_cells_only():
    # Setup
    blocks = _blocks()
    logits = torch.randn(2, 7)
    scored = torch.tensor([[1.0, 0.0], [1.0, 1.0]])

    # Run
    total, count = blocks.cross_entropy(logits, _rows(), scored)

    # Assert
    expected = (
        -torch.log_softmax(logits[0, 1:4], 0)[0]
        - torch.log_softmax(logits[1, 1:4], 0)[2]
        - torch.log_softmax(logits[1, 5:7], 0)[0]
    )
    torch.testing.assert_close(total, expected)
    assert count == 3


def test_reveal_draws_valid_one_hot_levels_one_cell_a_row_at_the_given_rate():
    # Setup
    blocks = _blocks()
    generator = torch.Generator().manual_seed(0)
    rows = blocks.hide(torch.zeros(4000, 7), torch.ones(4000, 2, dtype=torch.bool))
    logits = torch.zeros(4000, 7)
    logits[:, 3] = 3.0  # level 3 of the first block is likely: e^3 / (e^3 + 2)

    # Run
    revealed, hidden = blocks.reveal(
        rows,
        logits,
        torch.ones(4000, 2, dtype=torch.bool),
        0.5,
        lambda shape: torch.rand(shape, generator=generator).clamp_min(1e-12),
    )

    # Assert
    shown = ~hidden
    assert (shown.sum(dim=1) <= 1).all()  # one cell a row at a time
    assert 0.72 < shown.any(dim=1).float().mean() < 0.78  # a row with a cell chosen: 1 - 0.5^2
    first = revealed[shown[:, 0], 1:4]
    assert ((first == 1).sum(1) == 1).all() and ((first == -1).sum(1) == 2).all()
    share = (first[:, 2] == 1).float().mean().item()
    expected = torch.tensor(3.0).exp() / (torch.tensor(3.0).exp() + 2)
    assert abs(share - expected.item()) < 0.03
    assert (revealed[hidden[:, 0], 1:4] == 0).all()  # still hidden: still zeros


def test_level_frequencies_count_observed_cells_only():
    # Setup: the second row's first block is missing (observed 0 there).
    blocks = _blocks()
    values = torch.cat([_rows(), _rows()[:1]])
    observed = torch.ones_like(values)
    observed[1, 1:4] = 0

    # Run
    frequencies = blocks.level_frequencies(values, observed)

    # Assert
    torch.testing.assert_close(frequencies[0], torch.tensor([1.0, 0.0, 0.0]))
    torch.testing.assert_close(frequencies[1], torch.tensor([1 / 3, 2 / 3, 0.0]))  # padded 0


def _reveal_first_block(blocks, second_level, logits, seed=0):
    # Rows whose second block shows ``second_level`` and whose first block is hidden.
    generator = torch.Generator().manual_seed(seed)
    num_rows = logits.shape[0]
    rows = torch.zeros(num_rows, 7)
    rows[:, 5:7] = -1.0
    rows[:, 5 + second_level] = 1.0
    return blocks.reveal(
        rows,
        logits,
        torch.tensor([[True, False]]).repeat(num_rows, 1),
        1.0,
        lambda shape: torch.rand(shape, generator=generator).clamp_min(1e-12),
    )[0]


def test_reveal_draws_under_the_policy_given_the_levels_the_row_shows():
    # Setup: the network puts 0.9 on A0 everywhere; A0 never goes with B1.
    logits = torch.zeros(4000, 7)
    logits[:, 1] = torch.log(torch.tensor(0.9 / 0.05))
    blocks = OneHotBlocks(LAYOUT, torch.device('cpu'), excluded_pairs=torch.tensor([[6], [1]]))

    # Run
    beside_b1 = _reveal_first_block(blocks, 1, logits)
    beside_b0 = _reveal_first_block(blocks, 0, logits)

    # Assert: beside B1 the other two levels share the draws as the network weighs them.
    assert (beside_b1[:, 1] == -1).all()
    assert abs((beside_b1[:, 2] == 1).float().mean().item() - 0.5) < 0.03
    assert abs((beside_b0[:, 1] == 1).float().mean().item() - 0.9) < 0.015
    assert blocks.policy.excluded_pairs.tolist() == [[6], [1]] and blocks.policy.floors is None


def test_write_cells_writes_one_cell_a_row_and_leaves_the_rest():
    # Setup
    blocks = _blocks()
    rows = blocks.hide(_rows(), torch.ones(2, 2, dtype=torch.bool))

    # Run: row 1's first block at level 2, row 0's second block at level 0.
    written = blocks.write_cells(
        rows, torch.tensor([1, 0]), torch.tensor([0, 1]), torch.tensor([2, 0])
    )

    # Assert
    assert written[1, 1:4].tolist() == [-1, -1, 1] and written[0, 5:7].tolist() == [1, -1]
    assert (written[0, 1:4] == 0).all() and (written[1, 5:7] == 0).all()
    assert torch.equal(written[:, [0, 4]], rows[:, [0, 4]])
    assert (rows[:, 1:4] == 0).all()  # a copy: the rows given are unchanged
