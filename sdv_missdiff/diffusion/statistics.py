"""What a fit reads from the rows besides the network's weights.

The range of every dimension (predicted clean rows are clipped to it), the loss weights, which
column owns each dimension, where the network predicts the velocity, and for masked one-hot
columns the level frequencies, the ruled-out pairs of levels and the structural holes that are
drawn once more after the reverse steps (``hole_redraw``).
"""

import dataclasses

import numpy as np
import torch

from sdv_missdiff.diffusion.level_rules import pairs_ruled_out
from sdv_missdiff.diffusion.parameterization import velocity_dimensions
from sdv_missdiff.diffusion.samplers import TABLE_CHUNK_ROWS, value_bounds

# A hole level is structural, and drawn again given the finished row, when a pair ruled out at
# this cutoff ties it to another column (Adult's missing workclass and occupation). The redraw
# owns this cutoff: ``pair_cutoff`` decides which levels a reveal may draw, not which holes are
# redrawn.
STRUCTURAL_HOLE_CUTOFF = 0.01


@dataclasses.dataclass
class FittedStatistics:
    """Tensors fitted to the data, moved with the model between devices.

    Attributes:
        lower, upper (torch.Tensor):
            Range of the observed values of each dimension, widened by 5% on each side.
        column_index (torch.Tensor):
            Column that owns each dimension.
        dimension_weights (torch.Tensor or None):
            Loss weight of each dimension.
        velocity (torch.Tensor or None):
            Dimensions where the network predicts the velocity.
        level_frequencies (torch.Tensor or None):
            Share of each level among its column's observed cells (masked one-hot columns).
        excluded_pairs (torch.Tensor or None):
            ``(2, pairs)`` dimensions of level pairs never drawn together (``pair_cutoff``).
        structural_holes (torch.Tensor or None):
            Hole levels drawn again given the finished row.
        indicated_by (torch.Tensor or None):
            For a dimension whose holes an indicator column learns, the dimension of the
            indicator's "missing" level; -1 elsewhere.
    """

    lower: torch.Tensor
    upper: torch.Tensor
    column_index: torch.Tensor
    dimension_weights: torch.Tensor = None
    velocity: torch.Tensor = None
    level_frequencies: torch.Tensor = None
    excluded_pairs: torch.Tensor = None
    structural_holes: torch.Tensor = None
    indicated_by: torch.Tensor = None

    def to(self, device):
        """The same statistics on ``device``."""
        moved = {
            field.name: None if value is None else value.to(device)
            for field in dataclasses.fields(self)
            for value in [getattr(self, field.name)]
        }
        return FittedStatistics(**moved)


def zero_where_missing(values, observed):
    """``values`` with 0 in every missing dimension (NaN too), copied only where needed."""
    # The paper's fill, 0 in every missing dimension (NaN too), read by chunks of rows so that a
    # table already holding 0 there is trained on without a filled copy of it.
    for start in range(0, len(values), TABLE_CHUNK_ROWS):
        rows = slice(start, start + TABLE_CHUNK_ROWS)
        if (values[rows] * (1 - observed[rows]) != 0).any():
            return torch.where(observed.bool(), values, 0.0)

    return values


def _structural_holes(hole_levels, excluded_pairs):
    # Hole levels that a ruled-out pair ties to another column.
    if hole_levels is None or excluded_pairs is None or not excluded_pairs.shape[1]:
        return None

    tied = torch.zeros_like(hole_levels)
    tied[excluded_pairs[0]] = True
    holes = hole_levels & tied
    return holes if bool(holes.any()) else None


def fit_statistics(
    values,
    observed,
    layout,
    column_index,
    options,
    blocks,
    dimension_weights=None,
    hole_levels=None,
    indicated_by=None,
):
    """The statistics of the training rows ``values`` (0 where missing) and ``observed``.

    Args:
        values (torch.Tensor):
            Encoded rows, 0 where missing, on the device.
        observed (torch.Tensor):
            Their observation mask.
        layout (ColumnLayout):
            The column structure.
        column_index (numpy.ndarray):
            Column that owns each dimension.
        options (ModelOptions):
            The model's options (``prediction_target``, ``pair_cutoff``).
        blocks (OneHotBlocks or None):
            The masked one-hot columns.
        dimension_weights (numpy.ndarray or None):
            Loss weight of each dimension. Defaults to ``None``.
        hole_levels (numpy.ndarray or None):
            The levels that stand for a column's hole. Defaults to ``None``.
        indicated_by (numpy.ndarray or None):
            The indicator level of each dimension whose holes an indicator learns, -1
            elsewhere. Defaults to ``None``.

    Returns:
        FittedStatistics:
            On the device of ``values``.
    """
    device = values.device
    lower, upper = value_bounds(values, observed)
    statistics = FittedStatistics(
        lower, upper, torch.as_tensor(column_index, dtype=torch.long, device=device)
    )
    if dimension_weights is not None:
        statistics.dimension_weights = torch.as_tensor(
            dimension_weights, dtype=torch.float32, device=device
        )

    velocity = velocity_dimensions(layout, options.diffusion.prediction_target)
    if velocity is not None:
        statistics.velocity = torch.as_tensor(velocity, dtype=torch.bool, device=device)

    if blocks is None:
        return statistics

    pair_cutoff = options.training.pair_cutoff
    statistics.level_frequencies = blocks.level_frequencies(values, observed)
    statistics.excluded_pairs = pairs_ruled_out(blocks, values, observed, pair_cutoff)
    if hole_levels is not None and np.any(hole_levels):
        hole_levels = torch.as_tensor(np.asarray(hole_levels, dtype=bool), device=device)
        tying_pairs = statistics.excluded_pairs
        if pair_cutoff != STRUCTURAL_HOLE_CUTOFF:
            tying_pairs = pairs_ruled_out(blocks, values, observed, STRUCTURAL_HOLE_CUTOFF)

        statistics.structural_holes = _structural_holes(hole_levels, tying_pairs)

    if statistics.structural_holes is not None and indicated_by is not None:
        indicated_by = np.asarray(indicated_by, dtype=np.int64)
        if np.any(indicated_by >= 0):
            statistics.indicated_by = torch.as_tensor(indicated_by, device=device)

    return statistics


def structural_holes_of_before(hole_levels, excluded_pairs):
    """The structural holes of a model pickled before they were stored (its tying pairs)."""
    return _structural_holes(hole_levels, excluded_pairs)
