"""DeepOBS's noisy quadratic ``quadratic_deep`` (Schneider, Balles & Hennig, ICLR 2019).

The loss of one example ``x`` is ``0.5 (theta - x)^T H (theta - x)`` in 100 dimensions,
with ``H = R^T diag(eigenvalues) R``: 90 eigenvalues from U(0, 1) and 10 from U(30, 60)
(the spectrum reported for deep networks, arXiv:1611.01838), ``R`` a random rotation.
The examples are fixed draws from N(0, 0.6^2 I); ``theta`` starts at all ones.

Everything is a function of one seed. With seed 42 the draws are DeepOBS's: the
eigenvalues and the rotation each from a fresh ``numpy.random.RandomState(42)``, the
training shifts from ``RandomState(42)`` and the validation shifts from
``RandomState(44)`` (DeepOBS keeps 43 for its test set).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

DIM = 100
TRAIN_SIZE = 1000
NOISE_LEVEL = 0.6  # standard deviation of each coordinate of a shift
SMALL = (90, 0.0, 1.0)  # how many eigenvalues, drawn uniformly from [low, high)
LARGE = (10, 30.0, 60.0)
VALIDATION_OFFSET = 2  # DeepOBS: train seed 42, test 43, validation 44


def eigenvalues(seed: int) -> np.ndarray:
    """The Hessian's 100 eigenvalues: 90 from U(0, 1), then 10 from U(30, 60)."""
    rng = np.random.RandomState(seed)
    return np.concatenate([rng.uniform(low, high, count) for count, low, high in (SMALL, LARGE)])


def random_rotation(dim: int, seed: int) -> np.ndarray:
    """A rotation in SO(dim), uniform under the Haar measure, by the subgroup algorithm
    (Diaconis & Shahshahani 1987) as DeepOBS draws it."""
    if dim < 2:
        raise ValueError(f"a random rotation needs dim >= 2, got {dim}")
    rng = np.random.RandomState(seed)
    angle = 2 * np.pi * rng.uniform()
    rotation = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]])
    for d in range(2, dim):
        # grow SO(d) to SO(d + 1): embed the rotation, then reflect e_1 onto a uniform
        # point v of the sphere S^d (the Householder reflection along e_1 - v)
        v = rng.normal(size=d + 1)
        v /= np.linalg.norm(v)
        axis = -v
        axis[0] += 1.0
        axis /= np.linalg.norm(axis)
        embedded = np.eye(d + 1)
        embedded[1:, 1:] = rotation
        rotation = embedded - 2 * np.outer(axis, axis @ embedded)
    return -rotation


def hessian(seed: int) -> torch.Tensor:
    """``R^T diag(eigenvalues) R``, computed in float64 and kept in float32 as DeepOBS does."""
    rotation = random_rotation(DIM, seed)
    return torch.from_numpy(rotation.T @ np.diag(eigenvalues(seed)) @ rotation).float()


def shifts(seed: int, size: int = TRAIN_SIZE) -> torch.Tensor:
    """``size`` examples: draws of N(0, 0.6^2) in 100 dimensions, in float32."""
    rng = np.random.RandomState(seed)
    return torch.from_numpy(np.float32(rng.normal(0.0, NOISE_LEVEL, (size, DIM))))


def validation_shifts(seed: int, size: int = TRAIN_SIZE) -> torch.Tensor:
    """The held-out examples (DeepOBS's validation set for seed 42)."""
    return shifts(seed + VALIDATION_OFFSET, size)


class NoisyQuadratic(nn.Module):
    """The parameter ``theta`` (all ones at first) and the fixed Hessian; the output of a
    batch of shifts is each example's loss ``0.5 (theta - x)^T H (theta - x)``."""

    def __init__(self, hessian: torch.Tensor) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.ones(hessian.shape[0]))
        self.register_buffer("hessian", hessian.clone(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.theta - x
        return 0.5 * ((q @ self.hessian) * q).sum(dim=-1)
