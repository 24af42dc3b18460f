"""Score matching with missing data for energy models (Givens, Liu and Reeve, ICML 2025)."""

from sdv_missdiff.score_matching.energies import (
    EnergyModel,
    FunctionEnergy,
    GaussianEnergy,
    ICALikeEnergy,
    TruncatedGaussianEnergy,
)
from sdv_missdiff.score_matching.errors import (
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
)
from sdv_missdiff.score_matching.estimators import (
    BaseScoreMatching,
    CompleteCaseScoreMatching,
    MarginalIWScoreMatching,
    MarginalVariationalScoreMatching,
    ZeroedScoreMatching,
    gaussian_marginal_score,
    get_estimator,
    marginal_score_iw,
)
from sdv_missdiff.score_matching.ggm import (
    GaussianGraphicalModel,
    PenaltyPath,
    roc_auc,
    roc_curve,
)
from sdv_missdiff.score_matching.proposals import GaussianProposal, GaussianVariationalConditional

__all__ = (
    'BaseScoreMatching',
    'CompleteCaseScoreMatching',
    'EnergyModel',
    'FunctionEnergy',
    'GaussianEnergy',
    'GaussianGraphicalModel',
    'GaussianProposal',
    'GaussianVariationalConditional',
    'ICALikeEnergy',
    'InvalidMissingDataError',
    'MarginalIWScoreMatching',
    'MarginalVariationalScoreMatching',
    'NotFittedError',
    'PenaltyPath',
    'ScoreMatchingError',
    'TruncatedGaussianEnergy',
    'ZeroedScoreMatching',
    'gaussian_marginal_score',
    'get_estimator',
    'marginal_score_iw',
    'roc_auc',
    'roc_curve',
)
