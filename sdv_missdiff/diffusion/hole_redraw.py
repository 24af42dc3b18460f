"""One more draw of a generated row's structural holes, given the row's other cells.

With learned holes a discrete column's hole is a level of its own (a hole level), revealed
during the reverse process like any level, often early, while the numbers it depends on are
still mostly noise: the reverse process puts holes in rows that the conditional network, given
the whole row, would not give them.

``redraw_holes`` draws the hole state of every generated cell of those columns again from the
conditional network given the finished row: one block-Gibbs sweep over the hole columns, in
table order, each drawn given the row's other cells and the hole columns drawn before it (a later
hole column stays hidden, so that holes that go together, ``workclass`` and ``occupation``, are
drawn together rather than held in place by each other). A cell drawn present that was present
keeps its level; a hole drawn present gets a level as a reveal draws one
(``level_rules.LevelPolicy.draw``: floors and ruled-out pairs).

The conditional places the holes; the reverse process keeps their number. The conditional's own
rate of a hole drifts from fit to fit, so the log-odds of the open rows (those no ruled-out pair
decides) are shifted by one constant until their mean chance is the share of holes the reverse
process drew among them. No floor applies to the hole: many rows carry a small chance of one
that together make a real share of the holes.

The model redraws only structural holes: hole levels that a ruled-out pair ties to another
column (``level_rules``). A hole with no such tie is left as drawn: redrawn, holes that no other
column predicts took on a dependence on the row that the real holes do not have.

Only hole levels are redrawn. A column whose holes an indicator column learns (numbers, dates)
is not: a hole drawn present there would show a value generated behind a hole, which training
never scored. Those values are hidden from the conditional where the indicator says missing, as
they were in training.

The measurements behind each choice: ``benchmarks/results/learned_missingness/README.md``
(section 'Structural holes drawn again given the finished row').
"""

import torch


def _at_drawn_rate(chance, drawn_holes, redrawn, iterations=50):
    """``chance`` with the log-odds of its open rows shifted by one constant to the drawn rate.

    Open rows are the redrawn rows whose chance is neither 0 nor 1 (no ruled-out pair decides
    them); after the shift their mean chance is the share of holes the reverse process drew
    among them (see the module's docstring).
    """
    open_rows = redrawn & (chance > 0) & (chance < 1)
    if not open_rows.any():
        return chance

    target = drawn_holes[open_rows].double().mean()
    logits = torch.logit(chance[open_rows].double())
    low, high = -30.0, 30.0  # bisection on the shift: the mean chance grows with it
    for _ in range(iterations):
        middle = (low + high) / 2
        if torch.sigmoid(logits + middle).mean() < target:
            low = middle
        else:
            high = middle

    chance = chance.clone()
    chance[open_rows] = torch.sigmoid(logits + (low + high) / 2).to(chance.dtype)
    return chance


def redraw_holes(sampler, denoiser, rows, noise, hole_levels, indicated_by=None, known=None):
    """Draw the hole state of each generated hole-level cell again, given the rest of its row.

    Args:
        sampler (AncestralSampler):
            The sampler that generated ``rows``, with masked one-hot blocks; its
            ``level_probabilities`` reads the conditional network.
        denoiser (Denoiser):
            The trained conditional network, in eval mode.
        rows (torch.Tensor):
            Finished encoded rows (every one-hot block written).
        noise (CPUNoise):
            Gaussian noise (``noise(shape)``) and uniform draws (``noise.uniform``).
        hole_levels (torch.Tensor):
            Boolean over the dimensions: True at the level of a one-hot column that stands for
            the column's hole.
        indicated_by (torch.Tensor or None):
            Long over the dimensions: for a dimension of a column whose holes an indicator
            column learns, the dimension of the indicator's level that says "missing"; -1
            elsewhere. Defaults to ``None`` (no indicator columns).
        known (tuple[torch.Tensor, torch.Tensor] or None):
            Known values and their mask; known cells are conditions and never redrawn.
            Defaults to ``None``.

    Returns:
        torch.Tensor:
            The rows with their hole-level cells redrawn.
    """
    blocks = sampler.one_hot_blocks
    if blocks is None:
        return rows

    hole_slots = hole_levels[blocks.level_dimensions] & blocks.level_slots
    hole_blocks = torch.nonzero(hole_slots.any(dim=1)).flatten().tolist()
    if not hole_blocks or not len(rows):
        return rows

    num_rows = len(rows)
    redrawn = torch.zeros((num_rows, len(blocks)), dtype=torch.bool, device=rows.device)
    redrawn[:, hole_blocks] = True
    if known is not None:
        redrawn &= ~blocks.cells(known[1]).bool()

    x = rows
    for position, block in enumerate(hole_blocks):
        hidden = redrawn.clone()
        hidden[:, hole_blocks[:position]] = False  # drawn already: part of the condition
        shown = 1 - blocks.spread(hidden.float())
        if indicated_by is not None:
            # A value behind an indicated hole was never a condition in training.
            behind_hole = (indicated_by >= 0) & (x[:, indicated_by.clamp_min(0)] > 0)
            shown = shown.masked_fill(behind_hole, 0.0)

        probabilities = sampler.level_probabilities(denoiser, (x, shown), noise)[:, block]
        cell = torch.full((num_rows,), block, dtype=torch.long, device=x.device)
        ruled_out = blocks.policy.ruled_out(blocks.hide(x, hidden), block=cell)
        if ruled_out is not None:
            probabilities = probabilities.masked_fill(ruled_out, 0.0)

        hole = int(hole_slots[block].to(torch.uint8).argmax())
        dims = blocks.level_dimensions[block][blocks.level_slots[block]]
        current = x[:, dims].argmax(dim=1)
        chance = probabilities[:, hole] / probabilities.sum(dim=1).clamp_min(1e-30)
        chance = _at_drawn_rate(chance, current == hole, redrawn[:, block])
        becomes_hole = noise.uniform((num_rows,)) < chance
        # A hole that comes back takes a level as a reveal draws one (the pairs are in already).
        logits = probabilities.clamp_min(1e-30).log().masked_fill(probabilities <= 0, -torch.inf)
        logits[:, hole] = -torch.inf
        fresh = blocks.policy.draw(logits, cell, noise.uniform)
        level = torch.where(becomes_hole, hole, torch.where(current == hole, fresh, current))
        row = torch.nonzero(redrawn[:, block]).flatten()
        x = blocks.write_cells(x, row, cell[row], level[row])

    return x
