"""A sweep's plan: its arguments checked, its grid crossed and its size accepted."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from .. import checks, landscapes, optim
from ..defaults import STARTS_PER_AXIS
from ..landscapes import Landscape
from ..optim.spec import OptimizerSpec
from ..specs import SpecLike
from . import memory
from .checks import as_starts, is_vectorisable
from .compiled import holds
from .compiled_steps import kernel_settings, steps_per_call
from .grid import combinations, grid_starts

# what compiling a sweep costs and gives, measured by bench/engine.py on a 2-core CPU:
EAGER_RATE = 5e7  # trajectory-steps a second, stepped eagerly
COMPILED_RATE = 5e8  # trajectory-steps a second, compiled
COMPILE_SECONDS = 8.0  # the first compile of a sweep's kernels in a process


def worth_compiling(work: float, compiled_before: bool) -> bool:
    """Whether compiling ``work`` trajectory-steps pays: the seconds they would take
    eagerly against the compile's (none when this process compiled the same kernels
    before) plus the compiled run's."""
    cost = 0.0 if compiled_before else COMPILE_SECONDS
    return work / EAGER_RATE > cost + work / COMPILED_RATE


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """Everything a sweep will run, checked: the settings (``combos``) x the starts."""

    land: Landscape
    spec: OptimizerSpec
    combos: list[dict[str, Any]]
    points: np.ndarray
    steps: int
    tol: float
    noise: float
    seed: int
    chunk: int
    dtype: torch.dtype
    maximize: bool
    compile: bool
    vectorised: bool
    device: torch.device

    @property
    def trajectories(self) -> int:
        return len(self.combos) * len(self.points)

    @property
    def pieces(self) -> int:
        """How many parts run one after the other: chunks, or one per setting."""
        return math.ceil(self.trajectories / self.chunk) if self.vectorised else len(self.combos)


def plan(
    landscape: str | Landscape,
    optimizer: SpecLike,
    grid: dict[str, Any] | None,
    starts: Any,
    steps: int,
    *,
    tol: float,
    noise: float,
    seed: int,
    dtype: torch.dtype,
    maximize: bool,
    chunk: int,
    compile: bool | None,
    device: Any = "cpu",
) -> SweepPlan:
    """Check a sweep's arguments and its memory need (`JobTooLarge` when over the limit)."""
    land = landscapes.get(landscape)
    spec = optim.parse(optimizer)
    combos = combinations(spec, grid or {})
    points = as_starts(land, grid_starts(land, STARTS_PER_AXIS) if starts is None else starts)
    steps = checks.whole_number("steps", steps)
    tol = checks.real_number("tol", tol)
    noise = checks.real_number("noise", noise)
    seed = checks.seed(seed)
    chunk = checks.whole_number("chunk", chunk, low=1)
    dtype = checks.float_dtype(dtype)
    device = checks.device(device)
    checks.switch("maximize", maximize)
    if compile is not None:
        checks.switch("compile", compile)
    vectorised = (
        spec.cls is not None
        and issubclass(spec.cls, optim.Optimizer)
        and spec.cls.elementwise
        and not any(isinstance(v, bool) for v in combos[0].values())
    )
    s, n = len(points), len(combos) * len(points)
    numbers = sum(len(v) if isinstance(v, tuple) else 1 for v in combos[0].values())
    memory.require(
        "sweep",
        memory.sweep_bytes(
            len(combos), s, land.dim, dtype, hyperparameters=numbers, chunk=chunk,
            vectorised=vectorised, separate=not vectorised and not is_vectorisable(spec),
        ),
        f"{len(combos):,} setting(s) x {s:,} start(s) = {n:,} trajectories",
        "use fewer starts or settings",
    )  # fmt: skip
    if compile is None:
        shape = (land.dim, min(chunk, n))
        key = kernel_settings(spec.cls, tol, bool(maximize), shape, dtype, steps_per_call(steps))
        compile = vectorised and worth_compiling(n * steps * land.dim / 2, holds(land, key))
    return SweepPlan(
        land=land, spec=spec, combos=combos, points=points, steps=steps, tol=tol,
        noise=noise, seed=seed, chunk=chunk, dtype=dtype, maximize=bool(maximize),
        compile=bool(compile), vectorised=vectorised, device=device,
    )  # fmt: skip
