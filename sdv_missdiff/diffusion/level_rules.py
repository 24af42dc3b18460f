"""Which levels a generated categorical cell may take, and the one way a level is drawn.

A softmax never says 0: a network spreads a small share of every cell over levels that do not go
with the rest of the row. Two rules, both read from the training rows at fit, keep those levels
out of the generated rows:

- floors (``level_floors``): a level whose probability falls far below its overall frequency is
  not drawn (``level_cutoff``); the most likely level always stays;
- ruled-out pairs (``pairs_ruled_out``): a level is not drawn beside a level of another column
  that the rows (nearly) never hold with it, where independence would put many rows on the pair
  (``pair_cutoff``); a cell whose every level is ruled out draws freely.

``LevelPolicy`` applies them, the one place that decides a cell's levels: ``draw`` (Gumbel-max
over the allowed logits) for the reveals of the reverse process (``OneHotBlocks.reveal``) and the
hole redraw (``hole_redraw``), ``most_likely_rows`` for the best guess. See
``benchmarks/results/learned_missingness/README.md`` for what each rule changes.
"""

import torch

# Highest probability below which ``level_floors`` drops a level, whatever its frequency: a
# binary column's 76% level would otherwise be dropped wherever the network gives it less than
# 15% (with a cutoff of 0.2), which is a real share, not the network's smoothing.
LEVEL_CUTOFF_CAP = 0.02
# Rows that independence must put on a pair of levels before its absence counts as a rule of the
# data (``pairs_ruled_out``): fewer leave a pair's absence to chance.
PAIR_MIN_EXPECTED = 10.0
# Rows of the training table counted at once when the pairs of levels are counted.
_PAIR_COUNT_ROWS = 16_384


def level_floors(frequencies, cutoff):
    """Probability below which a level is not drawn: ``cutoff`` x its frequency, capped.

    Dropping a level whose probability falls well below its overall frequency removes the small
    share a softmax spreads over levels that never go with the rest of the row, and keeps rare
    levels, whose probability is small everywhere; the cap, ``LEVEL_CUTOFF_CAP``, spares
    frequent levels.

    Args:
        frequencies (torch.Tensor):
            Share of each level among the observed cells of its column, (blocks, widest level
            count), 0 past a block's own levels (see ``OneHotBlocks.level_frequencies``).
        cutoff (float):
            Share of its frequency below which a level is dropped (0 drops none).

    Returns:
        torch.Tensor or None:
            The floors, same shape; ``None`` where ``cutoff`` is 0 or nothing is known.
    """
    if not cutoff or frequencies is None:
        return None

    return (cutoff * frequencies).clamp_max(LEVEL_CUTOFF_CAP)


def pairs_ruled_out(blocks, values, observed, cutoff, min_expected=PAIR_MIN_EXPECTED):
    """Pairs of levels of two columns that the rows rule out, as ``(2, pairs)`` dimensions.

    Cells drawn one after the other pair levels the data never pair ('Wife' with 'Male', a
    missing ``workclass`` with a known ``occupation``) in a share of the rows the floors cannot
    reach, as each level is common on its own. Among the rows that observe both columns, a pair
    is ruled out when independence of the two columns would put at least ``min_expected`` rows
    on it and the rows hold fewer than ``cutoff`` times that; and a level that comes with one
    level of the other column in all but fewer than ``cutoff`` times the rows independence
    would give (at least ``min_expected``) rules out every other level of that column, rare ones
    included. Both orders of each pair are listed.

    Args:
        blocks (OneHotBlocks):
            The one-hot columns of the rows.
        values (torch.Tensor):
            Encoded rows (a one-hot block holds +1 at the level).
        observed (torch.Tensor):
            Their observation mask.
        cutoff (float):
            Share of the independence count below which a pair is excluded (0 excludes
            none).
        min_expected (float):
            Fewest rows independence must put on a pair. Defaults to ``PAIR_MIN_EXPECTED``.

    Returns:
        torch.Tensor:
            ``(2, pairs)`` long: the dimension of the level shown, then of the level not
            to draw beside it.
    """
    device = values.device
    slots = blocks.level_slots.cpu()
    num_blocks, widest = slots.shape
    if not cutoff or num_blocks < 2:
        return torch.zeros((2, 0), dtype=torch.long, device=device)

    first, second = torch.triu_indices(num_blocks, num_blocks, offset=1, device=device)
    counts = torch.zeros((len(first), widest * widest), dtype=torch.long, device=device)
    # Each pair of columns codes its level pairs in a range of its own: one bincount counts
    # every pair of every pair of columns.
    offsets = torch.arange(len(first), device=device) * widest * widest
    for start in range(0, len(values), _PAIR_COUNT_ROWS):
        rows = slice(start, start + _PAIR_COUNT_ROWS)
        levels = blocks.levels(values[rows], observed[rows])
        both = (levels[:, first] >= 0) & (levels[:, second] >= 0)
        codes = levels[:, first] * widest + levels[:, second] + offsets
        counts += torch.bincount(codes[both], minlength=counts.numel()).view(counts.shape)

    # The tests run in float64 on the CPU (an MPS device has no float64).
    counts = counts.cpu().to(torch.float64).view(-1, widest, widest)
    first, second, gather = first.cpu(), second.cpu(), blocks.level_dimensions.cpu()
    pairs = []
    for pair, joint in enumerate(counts):
        if not joint.sum():
            continue

        ruled_out = _rare_pairs(joint, cutoff, min_expected)
        ruled_out |= _implied_levels(joint, cutoff, min_expected, slots[second[pair]])
        ruled_out |= _implied_levels(joint.T, cutoff, min_expected, slots[first[pair]]).T
        level_a, level_b = torch.nonzero(ruled_out, as_tuple=True)
        dims_a = gather[first[pair], level_a]
        dims_b = gather[second[pair], level_b]
        pairs += [torch.stack([dims_a, dims_b]), torch.stack([dims_b, dims_a])]

    if not pairs:
        return torch.zeros((2, 0), dtype=torch.long, device=device)

    return torch.cat(pairs, dim=1).to(device)


def _rare_pairs(joint, cutoff, min_expected):
    # Pairs that independence would put on at least min_expected rows, held by fewer than
    # cutoff times that.
    expected = joint.sum(1, keepdim=True) * joint.sum(0, keepdim=True) / joint.sum()
    return (expected >= min_expected) & (joint < cutoff * expected)


def _implied_levels(joint, cutoff, min_expected, levels):
    # A level of the first column that comes with one level of the second in (nearly) every
    # row implies it: every other level of the second is ruled out beside it, however rare
    # (Adult: a missing workclass comes with a missing occupation, never with a known one, even
    # one too rare for a test of its own). The rows pairing the level with any other level are
    # tested together, as one pair.
    rows = joint.sum(1)
    share = joint.sum(0) / joint.sum()
    implied = joint.argmax(dim=1)
    others = rows - joint.max(dim=1).values
    expected = rows * (1 - share[implied])
    implies = (expected >= min_expected) & (others < cutoff * expected)
    ruled_out = implies.unsqueeze(1) & levels.unsqueeze(0)
    ruled_out[torch.arange(len(implied)), implied] = False
    return ruled_out


class LevelPolicy:
    """The levels a generated one-hot cell may take: the floors and ruled-out pairs applied.

    Args:
        blocks (OneHotBlocks):
            The one-hot columns of the rows (their layout: ``level_dimensions``,
            ``level_slots``, ``dimensions``).
        floors (torch.Tensor or None):
            Probability below which a level is not drawn, (blocks, widest level count) (see
            ``level_floors``). Defaults to ``None`` (no floor).
        excluded_pairs (torch.Tensor or None):
            ``(2, pairs)`` dimensions: a cell is not drawn at the level of row 1 while the row
            shows the level of row 0 (see ``pairs_ruled_out``). Defaults to ``None`` (no pair).
    """

    def __init__(self, blocks, floors=None, excluded_pairs=None):
        device = blocks.dimensions.device
        self._dimensions = blocks.dimensions
        self._padding = ~blocks.level_slots
        self.floors = None if floors is None else floors.to(device)
        self.excluded_pairs = None
        if excluded_pairs is not None and excluded_pairs.shape[1]:
            self.excluded_pairs = excluded_pairs.to(device)
            # The level slots (block x widest level count, flat) of the one-hot dimensions, and
            # which slots each slot's level rules out: looking up the levels a row shows costs
            # shown levels x levels of the cell, whatever the number of pairs.
            gather, valid = blocks.level_dimensions, blocks.level_slots
            slots = gather.numel()
            self._slot_of = torch.zeros(len(self._dimensions), dtype=torch.long, device=device)
            self._slot_of[gather[valid]] = torch.arange(slots, device=device)[valid.flatten()]
            self._rules = torch.zeros((slots, slots), dtype=torch.bool, device=device)
            source, target = self.excluded_pairs
            self._rules[self._slot_of[source], self._slot_of[target]] = True

    def _shown_levels(self, rows, shown):
        # (row, slot) of every level shown: +1 in a one-hot dimension (a hidden cell is zeros).
        visible = (rows > 0) & self._dimensions
        if shown is not None:
            visible &= shown > 0

        row, dimension = torch.nonzero(visible, as_tuple=True)
        return row, self._slot_of[dimension]

    def ruled_out(self, rows, shown=None, block=None):
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

    def allowed_logits(self, logits, block, rows=None):
        """``logits`` of one cell a row, -inf at the levels the cell may not take.

        Args:
            logits (torch.Tensor):
                (rows, widest level count) logits of the cell, -inf past its block's levels.
            block (torch.Tensor):
                The cell's block, one per row.
            rows (torch.Tensor or None):
                The rows, whose shown levels rule levels out; ``None`` where ``logits`` already
                hold the ruled-out levels at -inf. Defaults to ``None``.

        Returns:
            torch.Tensor:
                The logits, -inf at ruled-out levels, then at levels whose probability among
                those left is below their floor (the most likely level always stays).
        """
        if rows is not None and self.excluded_pairs is not None:
            logits = logits.masked_fill(self.ruled_out(rows, block=block), -torch.inf)

        if self.floors is None:
            return logits

        probabilities = torch.softmax(logits.float(), dim=1)
        below = probabilities < self.floors[block]
        below &= probabilities < probabilities.amax(dim=1, keepdim=True)
        return logits.masked_fill(below, -torch.inf)

    def draw(self, logits, block, uniform, rows=None):
        """One level of one cell a row, drawn from the softmax of its allowed logits.

        Args:
            logits (torch.Tensor):
                (rows, widest level count) logits of the cell, -inf past its block's levels.
            block (torch.Tensor):
                The cell's block, one per row.
            uniform (callable):
                ``uniform(shape)`` returns U(0, 1) draws on the device (one a level, for the
                Gumbel-max draw).
            rows (torch.Tensor or None):
                The rows, whose shown levels rule levels out (see :meth:`allowed_logits`).
                Defaults to ``None``.

        Returns:
            torch.Tensor:
                (rows,) long: the level drawn, an index into the cell's levels.
        """
        logits = self.allowed_logits(logits, block, rows)
        gumbel = -torch.log(-torch.log(uniform(logits.shape)))
        return (logits + gumbel).argmax(dim=1)

    def most_likely(self, probabilities, rows, shown=None):
        """The most likely level of every cell that the levels shown in ``rows`` allow.

        A floor never drops the most likely level, so only the ruled-out pairs apply.

        Args:
            probabilities (torch.Tensor):
                (rows, blocks, widest level count) level probabilities, 0 past a block's own.
            rows (torch.Tensor):
                The rows, whose shown levels rule levels out.
            shown (torch.Tensor or None):
                (rows, dimensions) mask of the dimensions to read (known cells); ``None``
                reads every visible cell. Defaults to ``None``.

        Returns:
            torch.Tensor:
                (rows, blocks) long level indices.
        """
        ruled_out = self.ruled_out(rows, shown)
        if ruled_out is not None:
            probabilities = probabilities.masked_fill(ruled_out, -1.0)

        return probabilities.argmax(dim=2)


def most_likely_rows(blocks, probabilities, known_values, known_mask):
    """Rows whose unknown one-hot cells hold their most likely level given the known cells.

    Args:
        blocks (OneHotBlocks):
            The one-hot columns, with their ``policy``.
        probabilities (torch.Tensor):
            (rows, blocks, widest level count) level probabilities of each cell (see
            ``ReverseProcess.level_probabilities``).
        known_values (torch.Tensor):
            Encoded rows; their known cells rule levels out.
        known_mask (torch.Tensor):
            1 where ``known_values`` holds a known value.

    Returns:
        torch.Tensor:
            Known dimensions as given, each unknown one-hot cell its most likely allowed level
            (+1 at it, -1 elsewhere), every other unknown dimension 0.
    """
    levels = blocks.policy.most_likely(probabilities, known_values, known_mask)
    return torch.where(known_mask.bool(), known_values, blocks.write_levels(levels))
