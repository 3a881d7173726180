"""Sweeps: a hyperparameter grid crossed with a grid of starts, one summary row each."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from .. import landscapes, optim
from ..landscapes import Landscape
from ..optim.registry import hyperparameter_names
from ..optim.spec import OptimizerSpec
from .lockstep import Lockstep, divergence_bounds, excursion
from .race import COORDINATES, as_starts, is_vectorisable
from .storage import load_frame, save_frame

SpecLike = str | OptimizerSpec | Callable[[Any], torch.optim.Optimizer]
DEFAULT_CHUNK = 1 << 20  # trajectories stepped together at most
COMPILE_FROM = 50_000_000  # trajectory-steps from which a sweep compiles by default


def grid_starts(landscape: str | Landscape, n: int) -> np.ndarray:
    """``n`` evenly spaced points per axis over the domain: an (n**D, D) array, x fastest."""
    land = landscapes.get(landscape)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a whole number >= 1, got {n!r}")
    axes = [np.linspace(low, high, n) for low, high in land.domain]
    mesh = np.meshgrid(*axes, indexing="xy")
    return np.stack([m.reshape(-1) for m in mesh], axis=1)


@dataclass(eq=False)
class Sweep:
    """The result of `sweep`: one row per (hyperparameters, start) in ``frame``."""

    landscape: Landscape
    spec: str
    grid: dict[str, list[Any]]
    starts: np.ndarray
    frame: pd.DataFrame
    options: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """The tidy summary table (a copy)."""
        return self.frame.copy()

    def save(self, path: str | Path) -> Path:
        """Write the sweep as .csv, .parquet or .npz (chosen by the extension)."""
        meta = {
            "kind": "sweep",
            "landscape": {"name": self.landscape.name, "domain": list(self.landscape.domain)},
            "spec": self.spec,
            "grid": self.grid,
            "starts": self.starts.tolist(),
            "options": self.options,
        }
        return save_frame(path, self.frame, meta)

    @classmethod
    def load(cls, path: str | Path) -> Sweep:
        """Read a sweep written by `save`."""
        from .race import _rebuild_landscape

        frame, meta = load_frame(path)
        if meta.get("kind") != "sweep":
            raise ValueError(f"{str(path)!r} holds a {meta.get('kind')}, not a sweep")
        land = _rebuild_landscape(meta["landscape"])
        grid = {
            k: [tuple(v) if isinstance(v, list) else v for v in vs]
            for k, vs in meta["grid"].items()
        }
        return cls(
            landscape=land,
            spec=meta["spec"],
            grid=grid,
            starts=np.asarray(meta["starts"], dtype=np.float64).reshape(-1, land.dim),
            frame=frame,
            options=dict(meta["options"]),
        )


def _grid_combinations(spec: OptimizerSpec, grid: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(grid, dict):
        raise TypeError(f"grid must map hyperparameter names to values, got {grid!r}")
    if grid and spec.cls is None:
        raise ValueError(f"a callable optimizer ({spec.name}) cannot be swept over a grid")
    accepted = hyperparameter_names(spec.cls) if spec.cls is not None else ()
    values: dict[str, list[Any]] = {}
    for name, options in grid.items():
        if name not in accepted:
            raise TypeError(
                f"{spec.name} has no hyperparameter {name!r}; accepted: {', '.join(accepted)}"
            )
        listed = list(np.atleast_1d(np.asarray(options, dtype=object)).tolist())
        if isinstance(options, tuple) and all(isinstance(v, int | float) for v in options):
            listed = [options]  # a single pair such as betas=(0.9, 0.99)
        if not listed:
            raise ValueError(f"grid {name!r} has no values")
        values[name] = [tuple(v) if isinstance(v, list | tuple) else v for v in listed]
    names = list(values)
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*values.values())]


def _per_column(combos: list[dict[str, Any]], repeat: int, dtype: torch.dtype) -> dict[str, Any]:
    """Hyperparameters as tensors with one entry per trajectory (combination-major)."""
    tensors: dict[str, Any] = {}
    for name in combos[0]:
        first = combos[0][name]
        if isinstance(first, tuple):
            parts = [
                torch.tensor([c[name][i] for c in combos], dtype=dtype).repeat_interleave(repeat)
                for i in range(len(first))
            ]
            tensors[name] = tuple(parts)
        elif isinstance(first, bool):
            tensors[name] = first  # a switch cannot vary per trajectory within one tensor
        else:
            tensors[name] = torch.tensor(
                [float(c[name]) for c in combos], dtype=dtype
            ).repeat_interleave(repeat)
    return tensors


def sweep(
    landscape: str | Landscape,
    optimizer: SpecLike,
    grid: dict[str, Any] | None = None,
    starts: Any = None,
    steps: int = 100,
    *,
    tol: float = 1e-3,
    noise: float = 0.0,
    seed: int = 0,
    dtype: torch.dtype = torch.float32,
    maximize: bool = False,
    chunk: int = DEFAULT_CHUNK,
    compile: bool | None = None,
) -> Sweep:
    """Run one optimizer over every (hyperparameters, start) pair and summarise each.

    ``grid`` maps hyperparameter names to values (``{"lr": np.logspace(-3, 0, 40)}``;
    tuples for pairs such as betas); the spec's own arguments are the base. Every
    trajectory gets a row: its hyperparameters, start, final point and loss, best
    loss, ``steps_to_tol`` (first step within ``tol`` of the known minimum value, -1
    if never or none is known), ``basin`` (index of the known minimum it ends
    nearest; -1 if it diverged or none is known) and whether it diverged. Only
    summaries are kept, so millions of trajectories fit in memory.

    ``compile`` fuses the landscape's gradient, value and divergence test into one
    compiled kernel (torch.compile); by default it is used for sweeps of at least
    COMPILE_FROM trajectory-steps, where the seconds it takes to compile pay off.
    """
    land = landscapes.get(landscape)
    spec = optim.parse(optimizer)
    combos = _grid_combinations(spec, grid or {})
    points = as_starts(land, grid_starts(land, 20) if starts is None else starts)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a whole number >= 0, got {steps!r}")
    if dtype not in (torch.float32, torch.float64):
        raise ValueError(f"dtype must be torch.float32 or torch.float64, got {dtype}")
    if not (np.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    s = len(points)
    vectorised = (
        spec.cls is not None
        and issubclass(spec.cls, optim.Optimizer)
        and spec.cls.elementwise
        and not any(isinstance(v, bool) for v in combos[0].values())
    )
    per_chunk = max(1, chunk // s) if vectorised else 1
    if compile is None:
        compile = vectorised and len(combos) * s * steps >= COMPILE_FROM
    summaries = []
    for first in range(0, len(combos), per_chunk):
        part = combos[first : first + per_chunk]
        summaries.append(
            _sweep_part(
                land,
                spec,
                part,
                points,
                steps,
                tol,
                noise,
                seed + first,
                dtype,
                maximize,
                vectorised,
                compile,
            )
        )
    summary = {key: np.concatenate([p[key] for p in summaries]) for key in summaries[0]}

    columns: dict[str, np.ndarray] = {}
    for name, first_value in combos[0].items():
        if isinstance(first_value, tuple):
            for i in range(len(first_value)):
                columns[f"{name}[{i}]"] = np.repeat([c[name][i] for c in combos], s)
        else:
            columns[name] = np.repeat([c[name] for c in combos], s)
    columns["start"] = np.tile(np.arange(s), len(combos))
    for axis in range(land.dim):
        columns[f"start_{COORDINATES[axis]}"] = np.tile(points[:, axis], len(combos))
    for axis in range(land.dim):
        columns[f"final_{COORDINATES[axis]}"] = summary["final"][:, axis]
    for key in ("final_loss", "best_loss", "steps_to_tol", "basin", "diverged", "diverged_at"):
        columns[key] = summary[key]
    frame = pd.DataFrame(columns, copy=False)
    return Sweep(
        landscape=land,
        spec=spec.label,
        grid={name: _unique([c[name] for c in combos]) for name in combos[0]},
        starts=points,
        frame=frame,
        options={
            "steps": steps,
            "tol": float(tol),
            "noise": float(noise),
            "seed": int(seed),
            "dtype": str(dtype).removeprefix("torch."),
            "maximize": bool(maximize),
        },
    )


def _unique(values: list[Any]) -> list[Any]:
    seen: list[Any] = []
    for value in values:
        if value not in seen:
            seen.append(value)
    return seen


def _sweep_part(
    land: Landscape,
    spec: OptimizerSpec,
    combos: list[dict[str, Any]],
    points: np.ndarray,
    steps: int,
    tol: float,
    noise: float,
    seed: int,
    dtype: torch.dtype,
    maximize: bool,
    vectorised: bool,
    compile: bool,
) -> dict[str, np.ndarray]:
    s, c = len(points), len(combos)
    columns = torch.as_tensor(points, dtype=dtype).T.repeat(1, c)  # (D, C*S)
    n = columns.shape[1]
    # running summaries; all floats, which a compiled observer handles best
    summary = {
        "best": torch.full((n,), float("inf"), dtype=dtype),
        "steps_to_tol": torch.full((n,), -1.0, dtype=dtype),
        "diverged_at": torch.full((n,), -1.0, dtype=dtype),
    }
    observe = observer(land, tol, compile)
    grads = torch.empty_like(columns)  # refilled by every probe, read by the next step

    def probe(current: torch.Tensor) -> tuple[torch.Tensor, None]:
        t = torch.tensor(float(engine.step_count), dtype=dtype)
        observe(current, grads, *summary.values(), t)  # fills grads, updates summary
        return grads, None  # divergence is part of the summary

    engine = Lockstep(
        land, columns, noise=noise, seed=seed, maximize=maximize, probe=probe, freeze=False
    )
    base = {**spec.preset, **spec.kwargs}
    if vectorised:
        tensors = _per_column(combos, s, dtype)
        engine.add(lambda p: spec.cls(p, **{**base, **tensors}), slice(None), shared=True)
    else:
        shared = is_vectorisable(spec)
        for index, combo in enumerate(combos):

            def build(p: list[torch.Tensor], combo: dict[str, Any] = combo) -> Any:
                if spec.cls is None:
                    return spec.build(p)
                return spec.cls(p, **{**base, **combo})

            if shared:
                engine.add(build, slice(index * s, (index + 1) * s), shared=True)
            else:
                for start in range(s):
                    column = index * s + start
                    engine.add(build, slice(column, column + 1), shared=False)

    engine.probe()  # the starts count as step 0
    for _ in range(steps):
        engine.step()
    engine.probe()  # the summary of the last step

    final = engine.positions().T.clone()  # (N, D)
    diverged_at = summary["diverged_at"].long()
    gone = diverged_at >= 0
    final[gone] = float("nan")
    final_loss = land(*final.T)
    return {
        "final": final.double().numpy(),
        "final_loss": final_loss.double().numpy(),
        "best_loss": summary["best"].double().numpy(),
        "steps_to_tol": summary["steps_to_tol"].long().numpy(),
        "basin": _basins(land, final, gone).numpy(),
        "diverged": gone.numpy(),
        "diverged_at": diverged_at.numpy(),
    }


Observer = Callable[..., None]
_OBSERVERS: dict[tuple[Any, ...], tuple[Landscape, Observer]] = {}


def observer(land: Landscape, tol: float, compile: bool) -> Observer:
    """The sweep's probe: gradient, divergence and the running summaries, in one pass
    over the points (one fused kernel when compiled; compiled ones are reused)."""
    observe = functools.partial(_observe, land, divergence_bounds(land), land.min_value, tol)
    if not compile:
        return observe
    key = (id(land), tol)
    if key not in _OBSERVERS:
        _OBSERVERS[key] = (land, torch.compile(observe, dynamic=False))
    return _OBSERVERS[key][1]


def _observe(
    land: Landscape,
    bounds: list[tuple[float, float]],
    target: float | None,
    tol: float,
    points: torch.Tensor,
    grads: torch.Tensor,
    best: torch.Tensor,
    steps_to_tol: torch.Tensor,
    diverged_at: torch.Tensor,
    t: torch.Tensor,
) -> None:
    """Write the gradient at ``points`` into ``grads`` and update the summaries in
    place (in place, a compiled kernel allocates nothing)."""
    coords = points.unbind(0)
    grads.copy_(torch.stack(land.gradient(*coords)))
    loss = land(*coords)
    inside = excursion(coords, bounds) <= 1  # False for far-out and non-finite points
    fresh = (diverged_at < 0) & ~inside
    # a diverged trajectory adds nothing more to its summary
    alive = (diverged_at < 0) & inside
    diverged_at.copy_(torch.where(fresh, t, diverged_at))
    best.copy_(torch.where(alive, torch.fmin(best, loss), best))
    if target is not None:
        reached = alive & (steps_to_tol < 0) & ((loss - target).abs() <= tol)
        steps_to_tol.copy_(torch.where(reached, t, steps_to_tol))


def _basins(land: Landscape, final: torch.Tensor, diverged: torch.Tensor) -> torch.Tensor:
    """Index of the known minimum nearest to each final point; -1 if diverged or none."""
    if not land.minima:
        return torch.full((final.shape[0],), -1, dtype=torch.long)
    minima = torch.tensor([m.point for m in land.minima], dtype=final.dtype)
    nearest = torch.cdist(final, minima).argmin(1)
    nearest[diverged | ~torch.isfinite(final).all(1)] = -1
    return nearest
