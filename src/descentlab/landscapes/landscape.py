"""The Landscape type: a function of D coordinates, evaluated elementwise on tensors."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import torch
from torch import Tensor

Gradient = Callable[..., tuple[Tensor, ...]]


@dataclass(frozen=True)
class Minimum:
    """A known minimum: where it is and the value there."""

    point: tuple[float, ...]
    value: float


@dataclass(frozen=True, eq=False)
class Landscape:
    """A test function ``f(x)`` or ``f(x, y)`` with what a plot or a race needs to know.

    ``fn`` and ``grad`` take one tensor per coordinate (any shape, broadcast together)
    and work elementwise, so a whole grid of points is evaluated in one call.
    """

    name: str
    fn: Callable[..., Tensor]
    formula: str
    domain: tuple[tuple[float, float], ...]
    start: tuple[float, ...]
    minima: tuple[Minimum, ...] = ()
    grad: Gradient | None = field(default=None, repr=False)
    view: tuple[float, float] = (35.0, -60.0)  # 3-D camera: elevation, azimuth (degrees)
    levels: Literal["linear", "log"] = "linear"  # how contour levels are best spaced
    description: str = ""
    expression: str | None = None  # the text it was typed as, for a typed landscape

    def __post_init__(self) -> None:
        if len(self.start) != self.dim:
            raise ValueError(f"{self.name}: start {self.start} has not {self.dim} coordinates")
        for low, high in self.domain:
            if not low < high:
                raise ValueError(f"{self.name}: a domain axis must have low < high")

    @property
    def dim(self) -> int:
        """Number of coordinates (1 or 2 for the catalog)."""
        return len(self.domain)

    @property
    def min_value(self) -> float | None:
        """The lowest known minimum value, or None when none is known."""
        return min((m.value for m in self.minima), default=None)

    @property
    def has_analytic_gradient(self) -> bool:
        return self.grad is not None

    def __call__(self, *coords: Tensor) -> Tensor:
        self._check_arity(coords)
        return self.fn(*coords)

    def gradient(self, *coords: Tensor) -> tuple[Tensor, ...]:
        """The gradient at each point: analytic when known, else by autograd."""
        self._check_arity(coords)
        if self.grad is not None:
            return tuple(torch.broadcast_tensors(*self.grad(*coords)))
        return self.autograd_gradient(*coords)

    def autograd_gradient(self, *coords: Tensor) -> tuple[Tensor, ...]:
        """The gradient by autograd (the reference the analytic one is tested against)."""
        with torch.enable_grad():
            leaves = [c.detach().requires_grad_(True) for c in coords]
            value = self.fn(*leaves)
            grads = torch.autograd.grad(value.sum(), leaves, allow_unused=True)
        return tuple(
            torch.zeros_like(c) if g is None else g for c, g in zip(coords, grads, strict=True)
        )

    def contains(self, point: tuple[float, ...]) -> bool:
        """Whether a point lies inside the domain."""
        return all(low <= v <= high for v, (low, high) in zip(point, self.domain, strict=True))

    def _check_arity(self, coords: tuple[Tensor, ...]) -> None:
        if len(coords) != self.dim:
            raise ValueError(f"{self.name} takes {self.dim} coordinate(s), got {len(coords)}")
