"""What every denoiser provides, so that the objective and the samplers work with any of them."""

from typing import Protocol, runtime_checkable


@runtime_checkable
class Denoiser(Protocol):
    """A ``torch.nn.Module`` that predicts the noise added to encoded rows.

    A denoiser class is built as ``cls(layout, conditional=..., **options)`` and keeps:

    Attributes:
        layout (ColumnLayout):
            Which dimensions belong to which column, and how each column is encoded.
        conditional (bool):
            Whether it reads a condition mask and a missing mask (see ``__call__``).
    """

    layout: object
    conditional: bool

    def __call__(self, noisy_rows, timesteps, condition_mask=None, missing_mask=None):
        """Predict the noise in ``noisy_rows`` at integer steps ``timesteps``.

        Args:
            noisy_rows (torch.Tensor):
                Rows at noise level ``timesteps``, shape ``(rows, layout.num_dimensions)``; for a
                conditional denoiser the dimensions where ``condition_mask`` is 1 hold clean
                known values instead.
            timesteps (torch.Tensor):
                Integer step of each row.
            condition_mask (torch.Tensor or None):
                1 where a dimension is a known condition; ``None``: nothing is known. Only read
                by a conditional denoiser.
            missing_mask (torch.Tensor or None):
                1 where a dimension is missing from the training row (its value means nothing);
                ``None``: nothing is missing, as when sampling. Only read by a conditional
                denoiser.

        Returns:
            torch.Tensor:
                Predicted noise, shaped like ``noisy_rows``.
        """

    def parameters(self):
        """The trainable parameters, as ``torch.nn.Module`` gives them."""
