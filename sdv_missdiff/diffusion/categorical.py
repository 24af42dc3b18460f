"""Masked (absorbing-state) diffusion of one-hot columns, beside Gaussian diffusion of the rest.

A one-hot column is not noised: at step ``t`` each of its cells is hidden with probability
``1 - abar_t`` (written as a block of zeros, while a visible cell is its one-hot block of +1 and
-1), and the denoiser's outputs over the block are read as logits of the levels, trained by
cross-entropy on the hidden cells (TabDiff, Shi et al. 2025, does the same for complete tables).
A missing cell simply stays hidden and is never scored, MissDiff's masked loss in its natural
form; a known cell is simply visible. Sampling starts with every unknown cell hidden and reveals
each with probability ``(m_t - m_s) / m_t`` on the way from step ``t`` to ``s``, drawing its level
from the denoiser's softmax, so every level decision is a draw from a learned conditional.
"""

import torch

# How the cells of one-hot columns are diffused, by the name users pass.
CATEGORICAL_DIFFUSIONS = ('gaussian', 'masked')


class OneHotBlocks:
    """The one-hot columns of a layout, for masking, scoring and revealing their cells.

    Args:
        layout (ColumnLayout):
            The column structure of a row.
        device (torch.device):
            Where the rows live.
        floors (torch.Tensor or None):
            Probability below which a level is not drawn when a cell is revealed, (blocks,
            widest level count) (see ``level_rules.level_floors``); the most likely level is
            always kept.
            Defaults to ``None`` (every level drawn at its probability).
        excluded_pairs (torch.Tensor or None):
            ``(2, pairs)`` dimensions: a cell is not drawn at the level of row 1 while the row
            shows the level of row 0 (see ``level_rules.pairs_ruled_out``), unless every level
            of the cell is excluded. Defaults to ``None`` (no pair excluded).
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
        self.floors = None if floors is None else floors.to(device)
        self.excluded_pairs = None
        if excluded_pairs is not None and excluded_pairs.shape[1]:
            self.excluded_pairs = excluded_pairs.to(device)
            # The level slots (block x widest level count, flat) of the one-hot dimensions, and
            # which slots each slot's level rules out: looking up the levels a row shows costs
            # shown levels x levels of the cell, whatever the number of pairs.
            slots = self._gather.numel()
            valid = ~self._padding
            self._slot_of = torch.zeros(layout.num_dimensions, dtype=torch.long, device=device)
            self._slot_of[self._gather[valid]] = torch.arange(slots, device=device)[valid.flatten()]
            self._rules = torch.zeros((slots, slots), dtype=torch.bool, device=device)
            source, target = self.excluded_pairs
            self._rules[self._slot_of[source], self._slot_of[target]] = True

    def _shown_levels(self, rows, shown):
        # (row, slot) of every level shown: +1 in a one-hot dimension (a hidden cell is zeros).
        visible = (rows > 0) & self.dimensions
        if shown is not None:
            visible &= shown > 0

        row, dimension = torch.nonzero(visible, as_tuple=True)
        return row, self._slot_of[dimension]

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

    def excluded_levels(self, rows, shown=None, block=None):
        """Which levels of each cell the levels shown in ``rows`` rule out.

        Args:
            rows (torch.Tensor):
                Rows; a one-hot cell shows its level where its block holds +1 (a hidden cell
                is a block of zeros).
            shown (torch.Tensor or None):
                (rows, dimensions) mask of the dimensions to read (known cells); ``None``
                reads every visible cell. Defaults to ``None``.
            block (torch.Tensor or None):
                One block per row, to answer for that cell only. Defaults to ``None`` (every
                cell).

        Returns:
            torch.Tensor or None:
                Boolean (rows, blocks, widest level count), or (rows, widest level count) for
                one block per row; a cell none of whose levels is left keeps them all. ``None``
                without excluded pairs.
        """
        if self.excluded_pairs is None:
            return None

        row, slot = self._shown_levels(rows, shown)
        num_blocks, widest = self._padding.shape
        if block is None:
            # A row shows at most one level a column: one pass per column, rows x slots each.
            sources = torch.full((len(rows), num_blocks), -1, device=rows.device)
            sources[row, slot // widest] = slot
            excluded = torch.zeros((len(rows), num_blocks * widest), dtype=torch.bool)
            excluded = excluded.to(rows.device)
            for column in range(num_blocks):
                showing = sources[:, column] >= 0
                excluded[showing] |= self._rules[sources[showing, column]]

            padding = self._padding
            excluded = excluded.view(len(rows), num_blocks, widest) & ~padding
        else:
            # The cell's levels are contiguous slots of each rule row.
            rules = self._rules.view(len(self._rules), num_blocks, widest)
            ruled_out = rules[slot, block[row]].to(torch.float32)
            excluded = torch.zeros((len(rows), widest), device=rows.device)
            padding = self._padding[block]
            excluded = (excluded.index_add_(0, row, ruled_out) > 0) & ~padding

        left = (~excluded & ~padding).any(dim=-1, keepdim=True)
        return excluded & left

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
        log_probabilities = torch.log_softmax(self.block_logits(output), dim=2)
        levels = x0[:, self._gather].masked_fill(self._padding, -torch.inf).argmax(dim=2)
        losses = -log_probabilities.gather(2, levels.unsqueeze(2)).squeeze(2)
        total = (losses * scored).sum()
        return total, scored.sum()

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
        rows = torch.nonzero(revealed.gather(1, first.unsqueeze(1)).squeeze(1)).squeeze(1)
        block = first[rows]
        # Only the chosen cell of each row is drawn: its level from its softmax (Gumbel-max).
        dims = self._gather[block]
        padding = self._padding[block]
        logits = output[rows.unsqueeze(1), dims].masked_fill(padding, -torch.inf)
        if self.excluded_pairs is not None:
            logits = logits.masked_fill(self.excluded_levels(x[rows], block=block), -torch.inf)

        if self.floors is not None:
            logits = self.drop_below_floors(logits, block)

        gumbel = -torch.log(-torch.log(uniform(dims.shape)))
        levels = (logits + gumbel).argmax(dim=1, keepdim=True)
        one_hot = torch.full(dims.shape, -1.0, dtype=x.dtype, device=x.device)
        one_hot = one_hot.scatter(1, levels, 1.0)
        valid = ~padding
        x = x.clone()
        x[rows.unsqueeze(1).expand_as(dims)[valid], dims[valid]] = one_hot[valid]
        hidden = hidden.clone()
        hidden[rows, block] = False
        return x, hidden

    def drop_below_floors(self, logits, block):
        """``logits`` of one cell a row, -inf at levels below their block's floor.

        The most likely level always stays. ``block`` is the cell's block, one per row.
        """
        probabilities = torch.softmax(logits.float(), dim=1)
        below = probabilities < self.floors[block]
        below &= probabilities < probabilities.amax(dim=1, keepdim=True)
        return logits.masked_fill(below, -torch.inf)
