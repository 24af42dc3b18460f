"""What ``epochs=None`` and ``denoiser_width=None`` become for a table of a given size.

A diffusion model needs optimisation steps, not passes: small tables get more epochs. The
measurements behind these numbers are in ``benchmarks/results/speed/README.md``.
"""

import math

import numpy as np

# Optimisation steps of the automatic budget on complete rows, divided by the share of observed
# cells (a step of rows with holes scores fewer cells), which counts as at least
# AUTO_MIN_OBSERVED_SHARE (at most 4x the steps).
AUTO_TRAINING_STEPS = 6_000
AUTO_MIN_OBSERVED_SHARE = 0.25
# Most epochs of the automatic budget: tables under ~2,800 rows reach it first.
AUTO_MAX_EPOCHS = 500
# Rows per step of batch_size=None, without and with differential privacy.
DEFAULT_BATCH_SIZE = 256
PRIVATE_BATCH_SIZE = 1_024
# Tables under SMALL_TABLE_ROWS training rows get the narrower network.
SMALL_TABLE_ROWS = 1_000
SMALL_TABLE_WIDTH = 128
DEFAULT_WIDTH = 256


def training_epochs(epochs, num_rows, batch_size, observed_share=1.0):
    """``epochs``, or the automatic budget where it is ``None``.

    Args:
        epochs (int or None):
            The option's value.
        num_rows (int):
            Training rows.
        batch_size (int):
            Rows per step.
        observed_share (float):
            Share of the table's cells (one per row and column) that are observed. Defaults
            to 1.

    Returns:
        int:
            Passes over the rows.
    """
    if epochs is not None:
        return int(epochs)

    steps = AUTO_TRAINING_STEPS / max(observed_share, AUTO_MIN_OBSERVED_SHARE)
    steps_per_epoch = math.ceil(num_rows / min(batch_size, num_rows))
    epochs = math.ceil(steps / steps_per_epoch)
    return int(min(max(epochs, 1), AUTO_MAX_EPOCHS))


def batch_rows(batch_size, private=False):
    """``batch_size``, or where it is ``None`` the default batch with or without DP.

    Under DP-SGD the noise of a step is the same whatever its rows, so fewer, larger steps learn
    more (measured in ``benchmarks/results/adult_dp/README.md``).
    """
    if batch_size is not None:
        return int(batch_size)

    return PRIVATE_BATCH_SIZE if private else DEFAULT_BATCH_SIZE


def denoiser_width(width, num_rows):
    """``width``, or the width for a table of ``num_rows`` training rows where it is ``None``."""
    if width is not None:
        return int(width)

    return SMALL_TABLE_WIDTH if num_rows < SMALL_TABLE_ROWS else DEFAULT_WIDTH


def observed_cell_share(observed, column_index):
    """Share of the cells (one per row and column, whatever its width) that are observed.

    Args:
        observed (numpy.ndarray):
            Observation mask of encoded rows.
        column_index (array-like):
            Column that owns each dimension.

    Returns:
        float:
            Observed cells over all cells; 1 for a table without rows.
    """
    if not len(observed):
        return 1.0

    first_dimensions = np.unique(np.asarray(column_index), return_index=True)[1]
    return float(np.asarray(observed)[:, first_dimensions].mean())
