"""The score matching estimators by name, as :class:`GaussianGraphicalModel` chooses them."""

from sdv_missdiff._validation import check_choice
from sdv_missdiff.score_matching.baselines import CompleteCaseScoreMatching, ZeroedScoreMatching
from sdv_missdiff.score_matching.errors import ScoreMatchingError
from sdv_missdiff.score_matching.importance_weighted import MarginalIWScoreMatching
from sdv_missdiff.score_matching.variational import MarginalVariationalScoreMatching

ESTIMATORS = {
    'marginal_iw': MarginalIWScoreMatching,
    'marginal_variational': MarginalVariationalScoreMatching,
    'zeroed': ZeroedScoreMatching,
    'complete_case': CompleteCaseScoreMatching,
}


def get_estimator(name, energy, **kwargs):
    """Build an estimator by name.

    Args:
        name (str):
            ``'marginal_iw'``, ``'marginal_variational'``, ``'zeroed'`` or ``'complete_case'``.
        energy (EnergyModel):
            The model to fit.
        **kwargs:
            Passed to the estimator's constructor.

    Returns:
        BaseScoreMatching:
            The estimator.
    """
    check_choice('name', name, sorted(ESTIMATORS), error=ScoreMatchingError)
    kwargs = {
        key: value
        for key, value in kwargs.items()
        if not (name in ('zeroed', 'complete_case') and key == 'num_samples')
    }
    return ESTIMATORS[name](energy, **kwargs)
