"""Marg-IW: marginal score matching with importance-weighted missing coordinates."""

from sdv_missdiff._validation import check_positive_int
from sdv_missdiff.score_matching.errors import ScoreMatchingError
from sdv_missdiff.score_matching.fitting import BaseScoreMatching
from sdv_missdiff.score_matching.marginal_scores import importance_log_weights
from sdv_missdiff.score_matching.proposals import GaussianProposal


class MarginalIWScoreMatching(BaseScoreMatching):
    """Marg-IW: marginal score matching with importance-weighted missing coordinates.

    Args:
        energy (EnergyModel):
            The model to fit.
        num_samples (int):
            Proposal draws ``r`` per row and step. Defaults to ``10`` (the paper's value).
        proposal (GaussianProposal or None):
            Proposal of the missing coordinates. Defaults to ``None`` (``N(0, 16 I)``,
            truncated to the model's support).
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def __init__(self, energy, num_samples=10, proposal=None, **kwargs):
        super().__init__(energy, **kwargs)
        check_positive_int('num_samples', num_samples, error=ScoreMatchingError)
        self.num_samples = num_samples
        self.proposal = GaussianProposal() if proposal is None else proposal

    def _fill(self, x, mask, generator):
        shape = (x.shape[0], self.num_samples, x.shape[1])
        samples, log_p = self.proposal.sample(
            shape, self.energy.lower, self.energy.upper, generator
        )
        log_weights = importance_log_weights(self.energy, x, mask, samples, log_p)
        return samples, log_weights
