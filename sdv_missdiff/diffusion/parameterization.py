"""What the denoiser predicts: the added noise (the paper's epsilon) or the velocity v.

With ``x_t = s * x_0 + n * eps`` (``s = sqrt(abar_t)``, ``n = sqrt(1 - abar_t)``), an epsilon
network is asked for ``eps`` and the velocity network for ``v = s * eps - n * x_0`` (Salimans and
Ho, 2022). At high noise ``s`` is tiny, so an epsilon target barely depends on ``x_0`` and the
network learns little of how the clean row follows from the known cells, and the clean row
``(x_t - n * eps) / s`` recovered from it amplifies every error by ``1 / s`` (100 at the paper's
last informative step). The velocity target is ``-x_0`` there and ``eps`` at low noise, so every
level teaches the network the clean row's dependence on the rest.
"""

import torch

PREDICTION_TARGETS = ('epsilon', 'v', 'mixed')


def velocity_dimensions(layout, prediction_target):
    """Boolean mask of the dimensions whose target is the velocity, or ``None`` for none.

    Args:
        layout (ColumnLayout):
            The column structure of a row.
        prediction_target (str):
            ``'epsilon'`` (no dimension), ``'v'`` (every dimension) or ``'mixed'`` (the
            dimensions of one-hot columns; continuous ones keep the paper's epsilon).

    Returns:
        list[bool] or None:
            One flag per dimension.
    """
    if prediction_target == 'epsilon':
        return None

    if prediction_target == 'v':
        return [True] * layout.num_dimensions

    return [layout.kinds[column] == 'one_hot' for column in layout.column_index]


def training_target(x0, noise, signal, noise_scale, velocity):
    """The value the denoiser learns to output for ``x_t = signal * x0 + noise_scale * noise``.

    Args:
        x0 (torch.Tensor):
            Clean rows.
        noise (torch.Tensor):
            The noise added.
        signal (torch.Tensor):
            ``sqrt(abar_t)``, broadcastable to the rows.
        noise_scale (torch.Tensor):
            ``sqrt(1 - abar_t)``, broadcastable to the rows.
        velocity (torch.Tensor or None):
            Boolean mask of the dimensions whose target is the velocity; ``None``: none.

    Returns:
        torch.Tensor:
            The target, shaped like ``x0``.
    """
    if velocity is None:
        return noise

    return torch.where(velocity, signal * noise - noise_scale * x0, noise)


def clean_estimate(noisy, output, signal, noise_scale, velocity):
    """The clean rows implied by the denoiser's ``output`` at ``noisy = x_t``.

    Args:
        noisy (torch.Tensor):
            The rows ``x_t``.
        output (torch.Tensor):
            The denoiser's prediction of its target.
        signal (torch.Tensor):
            ``sqrt(abar_t)``.
        noise_scale (torch.Tensor):
            ``sqrt(1 - abar_t)``.
        velocity (torch.Tensor or None):
            Boolean mask of the dimensions whose target is the velocity; ``None``: none.

    Returns:
        torch.Tensor:
            The estimate of ``x_0``.
    """
    from_noise = (noisy - noise_scale * output) / signal
    if velocity is None:
        return from_noise

    return torch.where(velocity, signal * noisy - noise_scale * output, from_noise)
