"""Which levels a generated categorical cell may not take.

A softmax never says 0: a network spreads a small share of every cell over levels that do not go
with the rest of the row. Two rules, both read from the training rows at fit, keep those levels
out of the sampled rows (``OneHotBlocks.reveal`` applies them):

- floors (``level_floors``): a level whose probability falls far below its overall frequency is
  not drawn (``level_cutoff``);
- ruled-out pairs (``pairs_ruled_out``): a level is not drawn beside a level of another column
  that the rows (nearly) never hold with it, where independence would put many rows on the pair
  (``pair_cutoff``).
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

    A softmax never gives a level exactly 0, so a network spreads a small share over levels
    that never go with the rest of the row (Adult: 0.2-3% for a missing ``workclass`` beside a
    known ``occupation``, which never happens in the data). Dropping a level whose probability
    falls well below its overall frequency removes that floor and keeps rare levels, whose
    probability is small everywhere; the cap, ``LEVEL_CUTOFF_CAP``, spares frequent levels.

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
