"""Baselines that ignore the missing coordinates: zero-filled and complete-case score matching."""

import torch

from sdv_missdiff.score_matching.errors import InvalidMissingDataError
from sdv_missdiff.score_matching.fitting import BaseScoreMatching


class ZeroedScoreMatching(BaseScoreMatching):
    """Zeroed score matching: zero-filled inputs, loss on the observed coordinates only.

    This is how MissDiff trains; for explicit models it targets the wrong marginal (for a
    Gaussian it fits ``P_LL`` instead of ``((P^-1)_LL)^-1``). Kept as the baseline.

    Args:
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def _fill(self, x, mask, generator):
        samples = torch.zeros((x.shape[0], 1, x.shape[1]), device=x.device)
        samples = torch.maximum(torch.minimum(samples, self.energy.upper), self.energy.lower)
        return samples, torch.zeros((x.shape[0], 1), device=x.device)


class CompleteCaseScoreMatching(ZeroedScoreMatching):
    """Score matching on the complete rows only (every incomplete row is dropped).

    Args:
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def _select_rows(self, x, mask):
        complete = mask.all(dim=1)
        if not bool(complete.any()):
            raise InvalidMissingDataError(
                'No row is fully observed, so complete-case score matching has no data. Use a '
                "marginal estimator ('marginal_iw' or 'marginal_variational') instead."
            )

        self.num_complete_rows_ = int(complete.sum())
        return x[complete], mask[complete]
