"""Sources of the random draws of sampling: Gaussian noise and uniform level draws.

A sampler calls ``noise(shape)`` for standard normal noise and ``noise.uniform(shape)`` for the
U(0, 1) draws that reveal and draw categorical levels. Both are drawn on the CPU from one
generator, so that a seed gives the same rows on every device.
"""

import torch


class CPUNoise:
    """Standard normal noise drawn on the CPU, so that a seed gives the same rows on every device.

    Args:
        generator (torch.Generator or None):
            CPU generator of the draws; ``None`` uses torch's global one.
        device (torch.device):
            Where the noise is used.
    """

    def __init__(self, generator, device):
        self.generator = generator
        self.device = device

    def __call__(self, shape):
        """Draw standard normal noise of ``shape`` on ``device``."""
        return torch.randn(shape, generator=self.generator).to(self.device)

    def uniform(self, shape):
        """Draw U(0, 1) values of ``shape`` on ``device``, never exactly 0."""
        return torch.rand(shape, generator=self.generator).clamp_min(1e-12).to(self.device)


class AntitheticNoise(CPUNoise):
    """``CPUNoise`` whose Gaussian draws come in antithetic pairs of neighbouring rows.

    Rows ``2i`` and ``2i + 1`` get noise ``e`` and ``-e`` (an odd last row gets its own draw),
    so two draws of the same cell that sit side by side err in opposite directions and their
    mean is closer to the conditional mean than the mean of two independent draws (each draw
    is still an exact draw of the sampler). Level draws (``uniform``) stay independent.
    """

    def __call__(self, shape):
        """Draw standard normal noise of ``shape``, negated on every second row."""
        rows = shape[0]
        half = torch.randn((rows // 2, *shape[1:]), generator=self.generator)
        paired = torch.stack([half, -half], dim=1).reshape(2 * (rows // 2), *shape[1:])
        if rows % 2:
            extra = torch.randn((1, *shape[1:]), generator=self.generator)
            paired = torch.cat([paired, extra])

        return paired.to(self.device)
