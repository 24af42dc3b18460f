"""Marg-Var: marginal score matching with a learned Gaussian conditional of the missing cells."""

import torch

from sdv_missdiff._validation import check_choice, check_integer, check_number, check_positive_int
from sdv_missdiff.score_matching.errors import ScoreMatchingError
from sdv_missdiff.score_matching.fitting import BaseScoreMatching
from sdv_missdiff.score_matching.marginal_scores import complete_rows
from sdv_missdiff.score_matching.proposals import GaussianVariationalConditional

VARIATIONAL_OBJECTIVES = ('reverse_kl', 'fisher')


class MarginalVariationalScoreMatching(BaseScoreMatching):
    """Marg-Var: marginal score matching with a learned Gaussian conditional.

    The missing coordinates are drawn from ``N(mu_phi(x_L), sigma^2 I)`` (truncated to the
    support), ``mu_phi`` an MLP; ``phi`` takes ``variational_steps`` steps (reverse KL or Fisher
    divergence to the model's conditional) before each model step.

    Args:
        energy (EnergyModel):
            The model to fit.
        num_samples (int):
            Variational draws per row and step. Defaults to ``10``.
        variational_objective (str):
            ``'reverse_kl'`` or ``'fisher'``. Defaults to ``'reverse_kl'``.
        variational_steps (int):
            Steps of ``phi`` per model step. Defaults to ``10`` (the paper's value).
        variational_learning_rate (float):
            Adam step size of ``phi``. Defaults to ``0.001``.
        hidden_dims (tuple[int, ...]):
            Hidden widths of ``mu_phi``. Defaults to ``(200, 200)``.
        warmup_steps (int):
            Steps of ``phi`` on the whole table before the first model step, so that the model
            does not start from an untrained conditional. Defaults to ``100``.
        variational (GaussianVariationalConditional or None):
            A conditional to start from, for example one fitted at the previous penalty of a
            path. Defaults to ``None`` (a new one, seeded).
        **kwargs:
            Passed to :class:`BaseScoreMatching`.
    """

    def __init__(
        self,
        energy,
        num_samples=10,
        variational_objective='reverse_kl',
        variational_steps=10,
        variational_learning_rate=0.001,
        hidden_dims=(200, 200),
        warmup_steps=100,
        variational=None,
        **kwargs,
    ):
        super().__init__(energy, **kwargs)
        check_choice(
            'variational_objective',
            variational_objective,
            VARIATIONAL_OBJECTIVES,
            error=ScoreMatchingError,
        )
        check_positive_int('num_samples', num_samples, error=ScoreMatchingError)
        check_integer('variational_steps', variational_steps, 0, error=ScoreMatchingError)
        check_integer('warmup_steps', warmup_steps, 0, error=ScoreMatchingError)
        check_number(
            'variational_learning_rate',
            variational_learning_rate,
            0,
            strict=True,
            what='a positive number',
            error=ScoreMatchingError,
        )
        self.num_samples = num_samples
        self.variational_objective = variational_objective
        self.variational_steps = variational_steps
        self.variational_learning_rate = variational_learning_rate
        self.hidden_dims = tuple(hidden_dims)
        self.warmup_steps = warmup_steps
        self.variational = variational
        self.variational_ = None

    def _prepare(self, device):
        if self.variational_ is None:
            if self.variational is None:
                self.variational_ = GaussianVariationalConditional(
                    self.energy.dim, self.hidden_dims
                )
            else:
                self.variational_ = self.variational

            self._variational_optimizer = torch.optim.Adam(
                self.variational_.parameters(), lr=self.variational_learning_rate
            )

        self.variational_.to(device)
        self._warmup_pending = True

    def _variational_loss(self, x, mask, generator):
        energy = self.energy
        draws, log_p, score_p = self.variational_.sample(
            x, mask, self.num_samples, energy.lower, energy.upper, generator
        )
        n, r, dim = draws.shape
        missing = (~mask)[:, None, :].to(x.dtype)
        full = complete_rows(x, mask, draws).reshape(n * r, dim)
        if self.variational_objective == 'reverse_kl':
            log_q = energy.log_density(full).reshape(n, r)
            return ((log_p * missing).sum(dim=2) - log_q).mean()

        score = energy.score(full).reshape(n, r, dim)
        return (((score_p - score) ** 2) * missing).sum(dim=2).mean()

    def _before_model_step(self, x, mask, generator):
        parameters = list(self.variational_.parameters())
        steps = self.variational_steps
        if self._warmup_pending:
            steps += self.warmup_steps
            self._warmup_pending = False

        for _ in range(steps):
            loss = self._variational_loss(x, mask, generator)
            gradients = torch.autograd.grad(loss, parameters)
            for parameter, gradient in zip(parameters, gradients):
                parameter.grad = gradient

            self._variational_optimizer.step()

    def _fill(self, x, mask, generator):
        with torch.no_grad():
            samples, _, _ = self.variational_.sample(
                x, mask, self.num_samples, self.energy.lower, self.energy.upper, generator
            )

        n, r, dim = samples.shape
        full = complete_rows(x, mask, samples).reshape(n * r, dim)
        log_q = self.energy.log_density(full).reshape(n, r)
        # Equal weights whose gradient in theta is the covariance (score-function) term.
        return samples, log_q - log_q.detach()
