"""Masked (absorbing-state) diffusion of one-hot columns, beside Gaussian diffusion of the rest.

A one-hot column is not noised: at step ``t`` each of its cells is hidden with probability
``1 - abar_t`` (written as a block of zeros, while a visible cell is its one-hot block of +1 and
-1), and the denoiser's outputs over the block are read as logits of the levels, trained by
cross-entropy on the hidden cells (TabDiff, Shi et al. 2025, does the same for complete tables).
A missing cell simply stays hidden and is never scored, MissDiff's masked loss in its natural
form; a known cell is simply visible. Sampling starts with every unknown cell hidden and reveals
each with probability ``(m_t - m_s) / m_t`` on the way from step ``t`` to ``s``, drawing its level
from the denoiser's softmax over the levels the blocks' policy allows (``level_rules``), so every
level decision is a draw from a learned conditional.
"""

import torch

from sdv_missdiff.diffusion.level_rules import LevelPolicy

# How the cells of one-hot columns are diffused, by the name users pass.
CATEGORICAL_DIFFUSIONS = ('gaussian', 'masked')


class OneHotBlocks:
    """The one-hot columns of a layout, for masking, scoring and revealing their cells.

    The blocks know where each cell's levels sit; which levels a revealed cell may take, and how
    one is drawn, is their ``policy``'s (``level_rules.LevelPolicy``).

    Args:
        layout (ColumnLayout):
            The column structure of a row.
        device (torch.device):
            Where the rows live.
        floors (torch.Tensor or None):
            Floors of the levels, handed to the policy (see ``level_rules.level_floors``).
            Defaults to ``None`` (every level drawn at its probability).
        excluded_pairs (torch.Tensor or None):
            Ruled-out pairs of levels, handed to the policy (see
            ``level_rules.pairs_ruled_out``). Defaults to ``None`` (no pair excluded).
    """

    def __init__(self, layout, device, floors=None, excluded_pairs=None):
        spans = layout.spans
        self.columns = [column for column, kind in enumerate(layout.kinds) if kind == 'one_hot']
        self.spans = [spans[column] for column in self.columns]
        dims = torch.zeros(layout.num_dimensions, dtype=torch.bool)
        for span in self.spans:
            dims[span] = True

        self.dimensions = dims.to(device)
        # Which block owns each dimension as a (blocks, dimensions) 0/1 matrix: one product
        # spreads a per-cell flag onto its dimensions (a masked assignment cost more per step).
        owner = torch.zeros((len(self.spans), layout.num_dimensions))
        for block, span in enumerate(self.spans):
            owner[block, span] = 1.0

        self._owner = owner.to(device)
        # The dimensions of every block side by side, padded to the widest block, so that all
        # blocks are scored and drawn by a few tensor operations, not a loop over columns.
        widest = max((span.stop - span.start for span in self.spans), default=0)
        gather = torch.zeros((len(self.spans), widest), dtype=torch.long)
        padding = torch.ones((len(self.spans), widest), dtype=torch.bool)
        for block, span in enumerate(self.spans):
            gather[block, : span.stop - span.start] = torch.arange(span.start, span.stop)
            padding[block, : span.stop - span.start] = False

        self._gather = gather.to(device)
        self._padding = padding.to(device)
        self._first = torch.tensor([span.start for span in self.spans], dtype=torch.long).to(device)
        self.policy = LevelPolicy(self, floors, excluded_pairs)

    @property
    def level_dimensions(self):
        """torch.Tensor: (blocks, widest level count) dimension of each level (0 past a block's)."""
        return self._gather

    @property
    def level_slots(self):
        """torch.Tensor: (blocks, widest level count) boolean, True where a block has the level."""
        return ~self._padding

    def block_logits(self, output):
        """Denoiser ``output`` as the logits of each block's levels, -inf past a block's own.

        Returns a (rows, blocks, widest level count) tensor.
        """
        logits = output[:, self._gather]
        return logits.masked_fill(self._padding, -torch.inf)

    def write_levels(self, levels):
        """Rows of ``(rows, blocks)`` level indices as one-hot blocks (+1 at the level, else -1).

        Dimensions outside the one-hot blocks are 0.
        """
        widest = self._padding.shape[1]
        one_hot = torch.zeros((levels.shape[0], len(self.spans), widest), device=levels.device)
        one_hot = one_hot.scatter(2, levels.unsqueeze(2), 1.0) * 2 - 1
        rows = torch.zeros((levels.shape[0], len(self.dimensions)), device=levels.device)
        valid = ~self._padding
        rows[:, self._gather[valid]] = one_hot[:, valid]
        return rows

    def __len__(self):
        return len(self.spans)

    def levels(self, values, observed):
        """Level index of every one-hot cell, -1 where the cell is not observed.

        Args:
            values (torch.Tensor):
                Encoded rows (a one-hot block holds +1 at the level).
            observed (torch.Tensor):
                Their observation mask.

        Returns:
            torch.Tensor:
                (rows, blocks) long.
        """
        # Block by block: a copy of every block side by side would be rows x blocks x levels.
        levels = torch.stack([values[:, span].argmax(dim=1) for span in self.spans], dim=1)
        return levels.masked_fill(observed[:, self._first] <= 0, -1)

    def level_frequencies(self, values, observed):
        """Share of each level among the observed cells of its column.

        Args:
            values (torch.Tensor):
                Encoded rows (a one-hot block holds +1 at the level).
            observed (torch.Tensor):
                Their observation mask.

        Returns:
            torch.Tensor:
                (blocks, widest level count), 0 past a block's own levels and for a column
                without observed cells.
        """
        levels = self.levels(values, observed)
        frequencies = torch.zeros(self._padding.shape, device=values.device)
        for block, column_levels in enumerate(levels.T):
            seen = column_levels[column_levels >= 0]
            counts = torch.bincount(seen, minlength=frequencies.shape[1])
            frequencies[block] = counts / max(len(seen), 1)

        return frequencies

    def spread(self, cells):
        """Spread a ``(rows, blocks)`` flag onto a ``(rows, dimensions)`` mask (other dims 0)."""
        return (cells.to(self._owner.dtype) @ self._owner).to(cells.dtype)

    def cells(self, mask):
        """Whether each one-hot cell is set in a ``(rows, dimensions)`` mask (its first dim)."""
        return mask[:, self._first]

    def hide(self, rows, hidden):
        """Write the cells flagged in ``hidden`` (rows, blocks) as blocks of zeros."""
        return rows * (1 - self.spread(hidden.to(rows.dtype)))

    def cross_entropy(self, output, x0, scored):
        """Summed cross-entropy of the levels of the ``scored`` cells, and their number.

        Args:
            output (torch.Tensor):
                Denoiser output; a one-hot block's dimensions are the logits of its levels.
            x0 (torch.Tensor):
                Clean rows (a one-hot block holds +1 at the level, -1 elsewhere).
            scored (torch.Tensor):
                Float flag per cell: 1 where the cell's level is scored.

        Returns:
            tuple[torch.Tensor, torch.Tensor]:
                The summed loss and the number of scored cells.
        """
        total = (self.cell_cross_entropy(output, x0) * scored).sum()
        return total, scored.sum()

    def cell_cross_entropy(self, output, x0):
        """The cross-entropy of every cell's level, (rows, blocks); score it with a mask."""
        log_probabilities = torch.log_softmax(self.block_logits(output), dim=2)
        levels = x0[:, self._gather].masked_fill(self._padding, -torch.inf).argmax(dim=2)
        return -log_probabilities.gather(2, levels.unsqueeze(2)).squeeze(2)

    def reveal(self, x, output, hidden, reveal_probability, uniform):
        """Reveal at most one hidden cell a row, each with ``reveal_probability`` to be chosen.

        Args:
            x (torch.Tensor):
                The rows; a hidden one-hot cell is a block of zeros.
            output (torch.Tensor):
                Denoiser output (logits over each block).
            hidden (torch.Tensor):
                Boolean (rows, blocks): which cells are still hidden.
            reveal_probability (float):
                Chance that a hidden cell is revealed at this step (1 at the last step).
            uniform (callable):
                ``uniform(shape)`` returns U(0, 1) draws on the device.

        Returns:
            tuple[torch.Tensor, torch.Tensor]:
                The rows with the revealed cells written as one-hot blocks, and the new
                ``hidden`` flags.
        """
        revealed = hidden & (uniform(hidden.shape) < reveal_probability)
        # One cell a row at a time: cells revealed together are drawn independently of each
        # other, which pairs levels that never go together ('Wife' with 'Male'); the others wait
        # for a later step, where they are drawn given this one.
        priority = torch.where(revealed, uniform(hidden.shape), -1.0)
        first = priority.argmax(dim=1)
        row = torch.nonzero(revealed.gather(1, first.unsqueeze(1)).squeeze(1)).squeeze(1)
        block = first[row]
        # Only the chosen cell of each row is drawn, as the policy draws a level.
        logits = output[row.unsqueeze(1), self._gather[block]]
        logits = logits.masked_fill(self._padding[block], -torch.inf)
        level = self.policy.draw(logits, block, uniform, rows=x[row])
        hidden = hidden.clone()
        hidden[row, block] = False
        return self.write_cells(x, row, block, level), hidden

    def write_cells(self, x, row, block, level):
        """A copy of ``x`` with some cells written as one-hot blocks (+1 at the level, else -1).

        Args:
            x (torch.Tensor):
                The rows.
            row (torch.Tensor):
                (cells,) long: the row of each cell written (at most one cell a row and block).
            block (torch.Tensor):
                (cells,) long: its block.
            level (torch.Tensor):
                (cells,) long: its level, an index into the block's levels.

        Returns:
            torch.Tensor:
                The rows with the cells written; every other dimension as in ``x``.
        """
        dims = self._gather[block]
        one_hot = torch.full(dims.shape, -1.0, dtype=x.dtype, device=x.device)
        one_hot = one_hot.scatter(1, level.unsqueeze(1), 1.0)
        valid = ~self._padding[block]
        x = x.clone()
        x[row.unsqueeze(1).expand_as(dims)[valid], dims[valid]] = one_hot[valid]
        return x
