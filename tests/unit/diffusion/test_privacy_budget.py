import math

import pytest

from sdv_missdiff.diffusion.options import OptionError, PrivacyOptions
from sdv_missdiff.diffusion.privacy_budget import (
    PrivacyBudgetError,
    epsilon_of,
    plan_statistics,
)


@pytest.mark.parametrize(
    'epsilon,num_rows,steps', [(0.5, 16_000, 7_500), (3.0, 500, 300), (10.0, 16_000, 7_500)]
)
def test_solved_noise_spends_at_most_epsilon(epsilon, num_rows, steps):
    privacy = PrivacyOptions(epsilon=epsilon, delta=1e-5)
    plan = plan_statistics(privacy, 30).plan_training(num_rows, 256, steps)

    spent = plan.spent()
    assert spent <= epsilon
    assert spent > 0.99 * epsilon  # the least noise: the budget is used, not wasted
    assert plan.steps == steps
    assert plan.statistics_epsilon() == pytest.approx(0.2 * epsilon, rel=1e-3)


@pytest.mark.parametrize('epsilon', [1.0, 10.0])
def test_fixed_noise_trains_until_the_budget_is_spent(epsilon):
    privacy = PrivacyOptions(epsilon=epsilon, noise_multiplier=1.5)
    plan = plan_statistics(privacy, 20).plan_training(
        16_000, 256, 100_000, privacy.noise_multiplier
    )

    assert plan.noise_multiplier == 1.5
    assert plan.spent() <= epsilon
    assert plan.spent(plan.steps + 1) > epsilon  # one step more would exceed it
    assert 0 < plan.steps < 100_000


def test_epsilon_of_a_gaussian_mechanism_matches_the_known_bound():
    # One Gaussian mechanism of noise z: epsilon <= min over orders of a/(2 z^2) + log(1/d)/(a-1).
    noise, delta = 10.0, 1e-5
    spent = epsilon_of([(noise, 1.0, 1)], delta)
    bound = min(a / (2 * noise**2) + math.log(1 / delta) / (a - 1) for a in range(2, 500))
    assert spent <= bound + 1e-9
    assert spent > 0.7 * bound  # opacus converts with the tighter bound of Balle et al. 2020


def test_budget_too_small_for_one_step_is_refused():
    privacy = PrivacyOptions(epsilon=0.5, noise_multiplier=0.5)
    plan = plan_statistics(privacy, 5)
    with pytest.raises(PrivacyBudgetError, match='cannot pay for one step'):
        plan.plan_training(1_000, 1_000, 1_000, privacy.noise_multiplier)


def test_budget_too_small_for_the_statistics_is_refused():
    with pytest.raises(PrivacyBudgetError, match='cannot pay for the 5 noisy statistics'):
        plan_statistics(PrivacyOptions(epsilon=0.001), 5)


def test_level_threshold_grows_with_the_noise():
    low = plan_statistics(PrivacyOptions(epsilon=1.0), 20)
    high = plan_statistics(PrivacyOptions(epsilon=10.0), 20)
    assert low.level_threshold > high.level_threshold > 1
    assert low.selection_delta == pytest.approx(0.25e-5)


@pytest.mark.parametrize(
    'changes,message',
    [
        ({'epsilon': 0}, "'epsilon'"),
        ({'epsilon': -1.0}, "'epsilon'"),
        ({'epsilon': 1.0, 'delta': 0}, "'delta'"),
        ({'epsilon': 1.0, 'delta': 1.0}, "'delta'"),
        ({'epsilon': 1.0, 'statistics_share': 1.0}, "'statistics_share'"),
        ({'epsilon': 1.0, 'max_grad_norm': 0}, "'max_grad_norm'"),
        ({'epsilon': 1.0, 'protect_rare_levels': 'yes'}, "'protect_rare_levels'"),
    ],
)
def test_invalid_privacy_options_name_the_option(changes, message):
    with pytest.raises(OptionError, match=message):
        PrivacyOptions(**changes)
