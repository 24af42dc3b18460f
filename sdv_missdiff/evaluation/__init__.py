"""Evaluate synthetic data made from incomplete tables: fidelity, utility and missingness."""

from sdv_missdiff.evaluation.fidelity import FidelityResult, evaluate_fidelity
from sdv_missdiff.evaluation.missingness_fidelity import (
    MissingnessFidelity,
    MissingnessFidelityResult,
    evaluate_missingness_fidelity,
    missingness_details,
)
from sdv_missdiff.evaluation.scores import quality_scores, score_synthetic
from sdv_missdiff.evaluation.utility import UtilityResult, evaluate_utility

__all__ = (
    'FidelityResult',
    'MissingnessFidelity',
    'MissingnessFidelityResult',
    'UtilityResult',
    'evaluate_fidelity',
    'evaluate_missingness_fidelity',
    'evaluate_utility',
    'missingness_details',
    'quality_scores',
    'score_synthetic',
)
