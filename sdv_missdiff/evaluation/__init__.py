"""Evaluate synthetic tables with holes: fidelity, utility, missingness, detection, privacy."""

from sdv_missdiff.evaluation.detection import DetectionResult, evaluate_detection
from sdv_missdiff.evaluation.fidelity import FidelityResult, evaluate_fidelity
from sdv_missdiff.evaluation.missingness_fidelity import (
    MissingnessFidelity,
    MissingnessFidelityResult,
    evaluate_missingness_fidelity,
    missingness_details,
    missingness_errors,
)
from sdv_missdiff.evaluation.privacy import evaluate_privacy
from sdv_missdiff.evaluation.privacy_result import PrivacyResult
from sdv_missdiff.evaluation.scores import privacy_scores, quality_scores, score_synthetic
from sdv_missdiff.evaluation.utility import UtilityResult, evaluate_utility

__all__ = (
    'DetectionResult',
    'FidelityResult',
    'MissingnessFidelity',
    'MissingnessFidelityResult',
    'PrivacyResult',
    'UtilityResult',
    'evaluate_detection',
    'evaluate_fidelity',
    'evaluate_missingness_fidelity',
    'evaluate_privacy',
    'evaluate_utility',
    'missingness_details',
    'missingness_errors',
    'privacy_scores',
    'quality_scores',
    'score_synthetic',
)
