"""A catalog landscape as a training task with noisy gradients, as the textbook's
``sgd_2d`` (d2l.ai, "Stochastic Gradient Descent") adds N(0, 1) noise to each
coordinate of the gradient.

The "data" is a stream of noise vectors ``n``; an example's loss is
``f(p) + n . (p - p0)``, where ``p0`` is ``p`` held constant (detached). Its value is
``f(p)``, so the curve's training loss is the landscape's value at the point, free of
noise, and its gradient is ``grad f(p) + n``: one example per batch gives the
textbook's noisy gradient, a batch of B the mean of B noise vectors.
"""

from __future__ import annotations

import torch
from torch import nn

from ..landscapes import Landscape

NOISE_STD = 1.0  # d2l: torch.normal(0.0, 1, (1,)) added to each gradient coordinate


def noise_stream(examples: int, dim: int, seed: int) -> torch.Tensor:
    """``examples`` noise vectors of ``dim`` coordinates, each N(0, 1), drawn from ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return NOISE_STD * torch.randn(examples, dim, generator=generator)


class NoisyPoint(nn.Module):
    """The point on ``landscape``, starting at its start; the output of a batch of noise
    vectors is each example's loss ``f(p) + n . (p - p0)`` (value f(p), gradient
    grad f(p) + n)."""

    def __init__(self, landscape: Landscape) -> None:
        super().__init__()
        self.landscape = landscape
        self.point = nn.Parameter(torch.tensor(landscape.start, dtype=torch.float32))

    def forward(self, noise: torch.Tensor) -> torch.Tensor:
        value = self.landscape(*self.point)
        kick = noise @ (self.point - self.point.detach())  # zero, but its gradient is n
        return value + kick
