"""Step rules of the reverse process: from ``x_t`` and its clean estimate to ``x_prev``.

A step rule is pure arithmetic on the Gaussian dimensions, as a scheduler of diffusers' is: the
reverse process (``samplers.ReverseProcess``) predicts the clean row ``x0``, clips it, and hands
``step(x, x0, alpha_bar, previous_alpha_bar, noise)`` the levels ``abar_t`` and ``abar_prev``
(below 1: the last step, to the clean row, is ``x0`` itself and never reaches a rule). Known
cells, resampling, guidance and one-hot reveals are the reverse process's. A rule that keeps a
history (``DPMSolverStep``) forgets it on ``reset()``, which the reverse process calls at the
start and end of every ``sample``. A new rule is a new class here with ``reset`` and ``step``.
"""

import torch

# Default noise share of DDIM steps (see DDIMStep).
DDIM_ETA = 0.3


class AncestralStep:
    """The ancestral step of MissDiff's Algorithm 2 (DDPM), over a possibly respaced chain.

    Written through the predicted clean row; without clipping its mean is exactly Algorithm 2's.
    The step's own beta is ``1 - abar_t / abar_prev`` (``beta_t`` itself when every step is
    taken) and its variance is the paper's ``beta``, not the posterior's (see
    ``benchmarks/results/adult/TUNING.md``).
    """

    def reset(self):
        """Nothing to forget: every step stands on its own."""

    def step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
        """``x_prev`` drawn from ``x`` (level ``alpha_bar``) and its clean estimate ``x0``.

        Args:
            x (torch.Tensor):
                Rows at level ``alpha_bar``.
            x0 (torch.Tensor):
                Their predicted clean rows, clipped.
            alpha_bar (torch.Tensor):
                ``abar_t``, a scalar.
            previous_alpha_bar (torch.Tensor):
                ``abar_prev``, a scalar below 1.
            noise (callable):
                ``noise(shape)`` returns standard normal noise on the device.

        Returns:
            torch.Tensor:
                The rows at level ``previous_alpha_bar``.
        """
        alpha = alpha_bar / previous_alpha_bar
        beta = 1 - alpha
        mean = (
            previous_alpha_bar.sqrt() * beta / (1 - alpha_bar) * x0
            + alpha.sqrt() * (1 - previous_alpha_bar) / (1 - alpha_bar) * x
        )
        return mean + beta.sqrt() * noise(x.shape)


class DDIMStep:
    """DDIM's step (Song et al. 2021) with a share ``eta`` of the posterior's noise.

    From the clean estimate ``x0`` and the noise it implies, ``x_prev = sqrt(abar_prev) x0 +
    sqrt(1 - abar_prev - sigma^2) eps + sigma z``, ``sigma`` being ``eta`` times the posterior's
    standard deviation. It keeps its accuracy with fewer steps than the ancestral step; a little
    noise keeps the correlations that ``eta=0`` loosens (see
    ``benchmarks/results/speed/README.md``).

    Args:
        eta (float or None):
            Share of the posterior's standard deviation added as fresh noise: 0 is
            deterministic DDIM, 1 the ancestral step with the posterior variance. Defaults to
            ``DDIM_ETA`` (0.3).
    """

    def __init__(self, eta=None):
        self.eta = DDIM_ETA if eta is None else float(eta)

    def reset(self):
        """Nothing to forget: every step stands on its own."""

    def noise_scales(self, alpha_bar, previous_alpha_bar):
        """Fresh noise ``sigma`` and the implied noise's scale ``sqrt(1 - abar_prev - sigma^2)``.

        Args:
            alpha_bar (torch.Tensor):
                ``abar_t``, a scalar.
            previous_alpha_bar (torch.Tensor):
                ``abar_prev``, a scalar below 1.

        Returns:
            tuple[torch.Tensor, torch.Tensor]:
                ``sigma`` and the scale of the implied noise.
        """
        posterior_variance = (
            (1 - previous_alpha_bar) / (1 - alpha_bar) * (1 - alpha_bar / previous_alpha_bar)
        )
        sigma = self.eta * posterior_variance.sqrt()
        return sigma, (1 - previous_alpha_bar - sigma**2).clamp_min(0).sqrt()

    def step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
        """``x_prev`` from ``x`` and ``x0``, as :meth:`AncestralStep.step` (same arguments)."""
        # The noise the clipped clean row implies, so that clipping also steers the path.
        implied_noise = (x - alpha_bar.sqrt() * x0) / (1 - alpha_bar).sqrt()
        sigma, kept = self.noise_scales(alpha_bar, previous_alpha_bar)
        step = previous_alpha_bar.sqrt() * x0 + kept * implied_noise
        if self.eta:
            step = step + sigma * noise(x.shape)

        return step


def half_log_snr(alpha_bar):
    """``lambda = log(sqrt(abar) / sqrt(1 - abar))``, the time variable of DPM-Solver."""
    return 0.5 * torch.log(alpha_bar / (1 - alpha_bar))


class DPMSolverStep(DDIMStep):
    """DDIM's step with DPM-Solver++(2M)'s second-order correction (Lu et al. 2022).

    The clean estimate ``x0`` is extrapolated linearly in ``lambda`` from the estimate of the
    step before, ``D = x0 + (x0 - x0_before) * h / (2 h_before)``, and the DDIM step is taken
    with ``D`` in the place of ``x0`` (the implied noise still comes from ``x0``). With
    ``eta=0`` this is DPM-Solver++(2M) exactly; the first step of a ``sample`` call is a plain
    DDIM step. A step repeated at the same level (RePaint resampling) reuses the estimate of
    the last noisier level, not its own. See ``benchmarks/results/speed/README.md``.

    Args:
        eta (float or None):
            As for :class:`DDIMStep`.
    """

    def __init__(self, eta=None):
        super().__init__(eta)
        self.reset()

    def reset(self):
        """Forget the estimates of earlier steps (a new ``sample`` call starts afresh)."""
        # (abar, x0) of the latest step, and of the latest strictly noisier one.
        self._latest = self._before = None

    def step(self, x, x0, alpha_bar, previous_alpha_bar, noise):
        """``x_prev`` from ``x`` and ``x0``, as :meth:`AncestralStep.step` (same arguments)."""
        step = super().step(x, x0, alpha_bar, previous_alpha_bar, noise)
        if self._latest is not None and self._latest[0] != alpha_bar:
            self._before = self._latest  # a new level: the last one becomes the history

        self._latest = (alpha_bar, x0)
        if self._before is None:
            return step

        before_alpha_bar, before_x0 = self._before
        h = half_log_snr(previous_alpha_bar) - half_log_snr(alpha_bar)
        h_before = half_log_snr(alpha_bar) - half_log_snr(before_alpha_bar)
        # DDIM's weight on x0 with x held fixed (alpha_prev (1 - exp(-h)) when eta is 0).
        _, kept = self.noise_scales(alpha_bar, previous_alpha_bar)
        weight = previous_alpha_bar.sqrt() - kept * (alpha_bar / (1 - alpha_bar)).sqrt()
        return step + weight * h / (2 * h_before) * (x0 - before_x0)
