"""Score matching with missing data for energy models (Givens, Liu and Reeve, ICML 2025)."""

from sdv_missdiff.score_matching.baselines import CompleteCaseScoreMatching, ZeroedScoreMatching
from sdv_missdiff.score_matching.energies import EnergyModel, FunctionEnergy
from sdv_missdiff.score_matching.errors import (
    InvalidMissingDataError,
    NotFittedError,
    ScoreMatchingError,
)
from sdv_missdiff.score_matching.fitting import OBJECTIVES, BaseScoreMatching
from sdv_missdiff.score_matching.gaussian_energy import GaussianEnergy, TruncatedGaussianEnergy
from sdv_missdiff.score_matching.ggm import (
    GaussianGraphicalModel,
    PenaltyPath,
    roc_auc,
    roc_curve,
)
from sdv_missdiff.score_matching.ica_energy import ICALikeEnergy
from sdv_missdiff.score_matching.importance_weighted import MarginalIWScoreMatching
from sdv_missdiff.score_matching.marginal_scores import (
    gaussian_marginal_score,
    marginal_score_iw,
    weighted_marginal_score,
)
from sdv_missdiff.score_matching.proposals import GaussianProposal, GaussianVariationalConditional
from sdv_missdiff.score_matching.registry import ESTIMATORS, get_estimator
from sdv_missdiff.score_matching.variational import MarginalVariationalScoreMatching

__all__ = (
    'ESTIMATORS',
    'OBJECTIVES',
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
    'weighted_marginal_score',
)
