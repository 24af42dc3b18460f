"""How a differentially private fit spends its (epsilon, delta): the plan and the accountant.

Everything a private fit learns from the rows is one of two Gaussian mechanisms, and both are
counted by one Renyi-DP accountant (opacus' ``RDPAccountant``), so the epsilon reported is that
of the whole fit:

- the noisy statistics read outside the network (level counts, quantile histograms, counts of
  holes): ``statistics_queries`` histograms, each a Gaussian mechanism of sensitivity 1 (a row
  adds one to one bin) with noise ``statistics_noise``;
- DP-SGD: Poisson-sampled batches (rate ``sample_rate``), each row's gradient clipped to
  ``max_grad_norm`` and Gaussian noise of ``noise_multiplier`` times that norm, ``steps`` times.

Selecting which levels exist from noisy counts (levels under a threshold are dropped) costs a
share of delta of its own (``selection_delta``): the chance that a level only one row holds
passes the threshold. The accountant gets the rest of delta. The number of rows is public, as in
opacus and TabularARGN (neighbouring tables differ by one row's values).
"""

import dataclasses
import math

from scipy.special import ndtri

# Share of delta spent on the threshold that drops rare levels (the rest goes to the accountant).
SELECTION_DELTA_SHARE = 0.25
# Noise multipliers searched when solving for the least noise.
_NOISE_RANGE = (0.3, 200.0)
# Renyi orders of the accountant: opacus' default ones and higher, which a small epsilon of
# little-noised histograms needs (its best order lies in the hundreds).
RDP_ORDERS = (
    [1 + x / 4.0 for x in range(1, 40)]
    + list(range(11, 64))
    + [int(64 * 1.25**k) for k in range(24)]
)


class PrivacyBudgetError(ValueError):
    """The privacy budget cannot pay for what the fit needs (not one step of training)."""


def epsilon_of(history, delta):
    """The epsilon at ``delta`` of Gaussian mechanisms ``[(noise, sample_rate, steps), ...]``."""
    from opacus.accountants.analysis.rdp import compute_rdp, get_privacy_spent

    history = [entry for entry in history if entry[2] > 0]
    if not history:
        return 0.0

    rdp = sum(
        compute_rdp(q=rate, noise_multiplier=noise, steps=steps, orders=RDP_ORDERS)
        for noise, rate, steps in history
    )
    return float(get_privacy_spent(orders=RDP_ORDERS, rdp=rdp, delta=delta)[0])


def _least_noise(history, extra, epsilon, delta):
    # The least noise multiplier z with epsilon(history + [(z, rate, steps)]) <= epsilon.
    rate, steps = extra
    low, high = _NOISE_RANGE
    if epsilon_of(history + [(high, rate, steps)], delta) > epsilon:
        return None

    for _ in range(20):  # a ratio of 1 + 6e-6 between the ends
        middle = math.sqrt(low * high)
        if epsilon_of(history + [(middle, rate, steps)], delta) <= epsilon:
            high = middle
        else:
            low = middle

    return high


@dataclasses.dataclass
class PrivacyPlan:
    """What a private fit may do, and what it spent.

    Attributes:
        epsilon, delta (float):
            The target.
        statistics_queries (int):
            Noisy histograms read outside the network.
        statistics_noise (float):
            Their Gaussian noise (standard deviation of a count).
        selection_delta (float):
            The share of delta spent on dropping rare levels.
        level_threshold (float):
            A level is kept only where its noisy count reaches this.
        max_grad_norm (float):
            Per-row clipping norm of DP-SGD.
        noise_multiplier (float or None):
            DP-SGD's noise over the clipping norm (set by :meth:`plan_training`).
        sample_rate (float or None):
            Poisson sampling rate of a row in a step.
        batch_size (int or None):
            Expected rows per step.
        steps (int or None):
            Optimisation steps.
    """

    epsilon: float
    delta: float
    statistics_queries: int
    statistics_noise: float
    selection_delta: float
    level_threshold: float
    max_grad_norm: float
    noise_multiplier: float = None
    sample_rate: float = None
    batch_size: int = None
    steps: int = None

    @property
    def accountant_delta(self):
        """float: The delta the accountant's epsilon is read at."""
        return self.delta - self.selection_delta

    def history(self, steps=None):
        """The accountant's history: the statistics, then ``steps`` (default: all) of DP-SGD."""
        history = [(self.statistics_noise, 1.0, self.statistics_queries)]
        steps = self.steps if steps is None else steps
        if self.noise_multiplier is not None and steps:
            history.append((self.noise_multiplier, self.sample_rate, steps))

        return history

    def spent(self, steps=None):
        """float: The epsilon spent by the statistics and ``steps`` (default: all) of DP-SGD."""
        return epsilon_of(self.history(steps), self.accountant_delta)

    def statistics_epsilon(self):
        """float: The epsilon of the noisy statistics alone."""
        return epsilon_of(self.history(0), self.accountant_delta)

    def plan_training(self, num_rows, batch_size, max_steps, noise_multiplier=None):
        """Set DP-SGD's noise and steps so that the whole fit spends at most ``epsilon``.

        Args:
            num_rows (int):
                Training rows (public).
            batch_size (int):
                Expected rows per step: the sampling rate is ``batch_size / num_rows``.
            max_steps (int):
                Most optimisation steps (the automatic budget, or ``epochs`` passes).
            noise_multiplier (float or None):
                A fixed noise multiplier: train until epsilon is spent (at most ``max_steps``).
                ``None``: the least noise that spends epsilon over ``max_steps``.

        Raises:
            PrivacyBudgetError:
                If epsilon cannot pay for one step of training.
        """
        self.batch_size = min(int(batch_size), int(num_rows))
        self.sample_rate = self.batch_size / num_rows
        history = self.history(0)
        if noise_multiplier is None:
            noise_multiplier = _least_noise(
                history, (self.sample_rate, max_steps), self.epsilon, self.accountant_delta
            )
            if noise_multiplier is None:
                raise PrivacyBudgetError(
                    f'epsilon={self.epsilon} cannot pay for {max_steps} steps of DP-SGD even '
                    f'with noise {_NOISE_RANGE[1]} times the clipping norm: raise epsilon, '
                    'lower epochs or raise batch_size.'
                )

            self.noise_multiplier, self.steps = noise_multiplier, int(max_steps)
            return self

        self.noise_multiplier = float(noise_multiplier)
        low, high = 0, int(max_steps)
        while low < high:  # the most steps whose epsilon stays within the target
            middle = (low + high + 1) // 2
            if (
                epsilon_of(
                    history + [(self.noise_multiplier, self.sample_rate, middle)],
                    self.accountant_delta,
                )
                <= self.epsilon
            ):
                low = middle
            else:
                high = middle - 1

        if low == 0:
            raise PrivacyBudgetError(
                f'epsilon={self.epsilon} (delta={self.delta}) cannot pay for one step of DP-SGD '
                f'at noise_multiplier={self.noise_multiplier} after the noisy statistics: raise '
                'epsilon or noise_multiplier, or lower statistics_share.'
            )

        self.steps = low
        return self

    def summary(self):
        """dict: The plan and the epsilon spent, in plain numbers."""
        return {
            'epsilon_target': self.epsilon,
            'delta': self.delta,
            'epsilon_spent': self.spent(),
            'epsilon_statistics': self.statistics_epsilon(),
            'noise_multiplier': self.noise_multiplier,
            'max_grad_norm': self.max_grad_norm,
            'sample_rate': self.sample_rate,
            'steps': self.steps,
            'statistics_queries': self.statistics_queries,
            'statistics_noise': self.statistics_noise,
            'level_threshold': self.level_threshold,
        }


def plan_statistics(privacy, statistics_queries):
    """The noise of the statistics read outside the network, and the rare-level threshold.

    Args:
        privacy (PrivacyOptions):
            ``epsilon``, ``delta``, ``statistics_share`` and ``max_grad_norm``.
        statistics_queries (int):
            Noisy histograms the fit reads (at least 1).

    Returns:
        PrivacyPlan:
            Without DP-SGD yet (:meth:`PrivacyPlan.plan_training` adds it).

    Raises:
        PrivacyBudgetError:
            If the share of epsilon cannot pay for the statistics at any noise searched.
    """
    queries = max(int(statistics_queries), 1)
    selection_delta = privacy.delta * SELECTION_DELTA_SHARE
    accountant_delta = privacy.delta - selection_delta
    share = privacy.epsilon * privacy.statistics_share
    noise = _least_noise([], (1.0, queries), share, accountant_delta)
    if noise is None:
        raise PrivacyBudgetError(
            f'{privacy.statistics_share} of epsilon={privacy.epsilon} cannot pay for the '
            f'{queries} noisy statistics of this table: raise epsilon or statistics_share.'
        )

    # A level held by one row passes with probability selection_delta / queries at most.
    threshold = 1.0 + noise * float(ndtri(1.0 - selection_delta / queries))
    return PrivacyPlan(
        epsilon=privacy.epsilon,
        delta=privacy.delta,
        statistics_queries=queries,
        statistics_noise=noise,
        selection_delta=selection_delta,
        level_threshold=threshold,
        max_grad_norm=privacy.max_grad_norm,
    )
