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
