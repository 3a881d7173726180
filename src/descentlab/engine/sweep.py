"""Sweeps: a hyperparameter grid crossed with a grid of starts, one summary row each."""

from __future__ import annotations

import functools
import inspect
import itertools
import math
import numbers
from collections.abc import Callable, Iterable
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
from ..optim.validation import plain_value
from . import checks
from .lockstep import Lockstep, divergence_bounds, excursion
from .race import COORDINATES, as_starts, is_vectorisable
from .storage import read_result, save_frame

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
            "landscape": landscapes.describe(self.landscape),
            "spec": self.spec,
            "grid": self.grid,
            "starts": self.starts.tolist(),
            "options": self.options,
        }
        return save_frame(path, self.frame, meta)

    @classmethod
    def load(cls, path: str | Path, landscape: Landscape | None = None) -> Sweep:
        """Read a sweep written by `save` (a landscape built in Python is passed again)."""
        return read_result(path, "sweep", lambda f, m: cls._from_frame(f, m, landscape))

    @classmethod
    def _from_frame(
        cls, frame: pd.DataFrame, meta: dict[str, Any], landscape: Landscape | None
    ) -> Sweep:
        land = landscape if landscape is not None else landscapes.rebuild(meta["landscape"])
        rows = len(meta["starts"]) * int(np.prod([len(v) for v in meta["grid"].values()]))
        if len(frame) != rows:
            raise ValueError(f"it has {len(frame)} rows, not {rows}")
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


def _grid_values(name: str, options: Any, default: Any) -> list[Any]:
    """The values of one grid entry, checked against the kind of its default: numbers,
    switches (True/False), or pairs (for betas, etas, step_sizes)."""
    if isinstance(options, str | bytes) or not isinstance(options, Iterable):
        options = [options]
    pair = isinstance(default, tuple)
    if pair and isinstance(options, tuple) and all(isinstance(v, numbers.Real) for v in options):
        options = [options]  # a single pair, such as betas=(0.9, 0.99)
    values = [plain_value(v) for v in options]
    if not values:
        raise ValueError(f"grid {name!r} has no values")
    for value in values:
        if isinstance(default, bool):
            ok = isinstance(value, bool)
            kind = "True or False"
        elif pair:
            ok = (
                isinstance(value, tuple | list)
                and len(value) == len(default)
                and all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value)
            )
            kind = f"pairs of numbers such as {default!r}"
        else:
            ok = isinstance(value, numbers.Real) and not isinstance(value, bool)
            kind = "numbers"
        if not ok:
            raise ValueError(f"grid {name!r} must hold {kind}, got {value!r}")
    return [tuple(float(x) for x in v) if pair else v for v in values]


def _grid_combinations(spec: OptimizerSpec, grid: dict[str, Any]) -> list[dict[str, Any]]:
    if not isinstance(grid, dict):
        raise TypeError(f"grid must map hyperparameter names to values, got {grid!r}")
    if grid and spec.cls is None:
        raise ValueError(f"a callable optimizer ({spec.name}) cannot be swept over a grid")
    accepted = hyperparameter_names(spec.cls) if spec.cls is not None else ()
    defaults = inspect.signature(spec.cls.__init__).parameters if spec.cls is not None else {}
    values: dict[str, list[Any]] = {}
    for name, options in grid.items():
        if name not in accepted:
            raise TypeError(
                f"{spec.name} has no hyperparameter {name!r}; accepted: {', '.join(accepted)}"
            )
        values[name] = _grid_values(name, options, defaults[name].default)
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
    nearest; -1 if it diverged or none is known) and whether it diverged (then its
    final point and loss are NaN). ``starts`` default to a 20 x 20 grid over the
    domain. Only summaries are kept, so millions of trajectories fit in memory.
    With ``noise``, each chunk of ``chunk`` trajectories draws its own stream, so
    rows depend on the chunk size. Climbing (``maximize``), the best loss is the
    highest value and steps to tolerance and basin are -1.

    ``compile`` fuses the landscape's gradient, value and divergence test into one
    compiled kernel (torch.compile); by default it is used for sweeps of at least
    COMPILE_FROM trajectory-steps, where the seconds it takes to compile pay off.
    """
    land = landscapes.get(landscape)
    spec = optim.parse(optimizer)
    combos = _grid_combinations(spec, grid or {})
    points = as_starts(land, grid_starts(land, 20) if starts is None else starts)
    steps = checks.whole_number("steps", steps)
    tol = checks.real_number("tol", tol)
    noise = checks.real_number("noise", noise)
    seed = checks.whole_number("seed", seed, high=checks.SEED_LIMIT)
    chunk = checks.whole_number("chunk", chunk, low=1)
    dtype = checks.float_dtype(dtype)
    checks.switch("maximize", maximize)
    if compile is not None:
        checks.switch("compile", compile)
    s = len(points)
    vectorised = (
        spec.cls is not None
        and issubclass(spec.cls, optim.Optimizer)
        and spec.cls.elementwise
        and not any(isinstance(v, bool) for v in combos[0].values())
    )
    if compile is None:
        compile = vectorised and len(combos) * s * steps >= COMPILE_FROM
    run = functools.partial(
        _run_columns, land, steps=steps, tol=tol, noise=noise, dtype=dtype,
        maximize=maximize, compile=compile,
    )  # fmt: skip
    base = {**spec.preset, **spec.kwargs}
    summaries = []
    if vectorised:
        # every (combination, start) is a column; columns go in cache-sized chunks, each
        # stepped to the end before the next starts
        tensors = _per_column(combos, s, dtype)
        start_of_column = np.tile(np.arange(s), len(combos))
        for first in range(0, len(combos) * s, chunk):
            part = slice(first, min(first + chunk, len(combos) * s))
            hyper = {k: _take(v, part) for k, v in tensors.items()}

            def add(engine: Lockstep, hyper: dict[str, Any] = hyper) -> None:
                engine.add(lambda p: spec.cls(p, **{**base, **hyper}), slice(None), shared=True)

            summaries.append(run(points[start_of_column[part]], add, seed=_seed(seed, first)))
    else:
        shared = is_vectorisable(spec)
        for index, combo in enumerate(combos):

            def build(p: list[torch.Tensor], combo: dict[str, Any] = combo) -> Any:
                return spec.build(p) if spec.cls is None else spec.cls(p, **{**base, **combo})

            def add(engine: Lockstep, build: Callable[..., Any] = build) -> None:
                if shared:
                    engine.add(build, slice(None), shared=True)
                else:
                    for start in range(s):
                        engine.add(build, slice(start, start + 1), shared=False)

            summaries.append(run(points, add, seed=_seed(seed, index * s)))
    summary = (
        summaries[0]
        if len(summaries) == 1
        else {key: np.concatenate([p[key] for p in summaries]) for key in summaries[0]}
    )

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


def _seed(seed: int, first_column: int) -> int:
    """The noise seed of the chunk of trajectories that begins at ``first_column``."""
    return int(np.random.SeedSequence([seed, first_column]).generate_state(1, np.uint64)[0] >> 1)


def _take(value: Any, part: slice) -> Any:
    if isinstance(value, torch.Tensor):
        return value[part]
    if isinstance(value, tuple):
        return tuple(_take(v, part) for v in value)
    return value


def _run_columns(
    land: Landscape,
    points: np.ndarray,
    add_units: Callable[[Lockstep], None],
    *,
    steps: int,
    tol: float,
    noise: float,
    seed: int,
    dtype: torch.dtype,
    maximize: bool,
    compile: bool,
) -> dict[str, np.ndarray]:
    """Step one column per row of ``points`` and summarise each trajectory."""
    columns = torch.as_tensor(points, dtype=dtype).T.contiguous()  # (D, N)
    n = columns.shape[1]
    sign = -1.0 if maximize else 1.0
    # running summaries; all floats, which a compiled observer handles best
    summary = {
        "best": torch.full((n,), float("inf"), dtype=dtype),
        "steps_to_tol": torch.full((n,), -1.0, dtype=dtype),
        "diverged_at": torch.full((n,), -1.0, dtype=dtype),
    }
    observe = observer(land, tol, maximize, compile)
    grads = torch.empty_like(columns)  # refilled by every probe, read by the next step

    def probe(current: torch.Tensor) -> tuple[torch.Tensor, None]:
        t = torch.tensor(float(engine.step_count), dtype=dtype)
        observe(current, grads, *summary.values(), t)  # fills grads, updates summary
        return grads, None  # divergence is part of the summary

    engine = Lockstep(
        land, columns, noise=noise, seed=seed, maximize=maximize, probe=probe, freeze=False
    )
    add_units(engine)

    engine.probe()  # the starts count as step 0
    for _ in range(steps):
        engine.step()  # each step ends with the probe (and summary) at the new points

    final = engine.positions().T.clone()  # (N, D)
    diverged_at = summary["diverged_at"].long()
    gone = diverged_at >= 0
    final[gone] = float("nan")
    final_loss = land(*final.T)
    return {
        "final": final.numpy(),  # in the sweep's dtype
        "final_loss": final_loss.numpy(),
        "best_loss": (sign * summary["best"]).numpy(),
        "steps_to_tol": summary["steps_to_tol"].long().numpy(),
        "basin": _basins(land, final, gone | maximize).numpy(),
        "diverged": gone.numpy(),
        "diverged_at": diverged_at.numpy(),
    }


Observer = Callable[..., None]
_OBSERVERS: dict[tuple[Any, ...], tuple[Landscape, Observer]] = {}


def observer(land: Landscape, tol: float, maximize: bool, compile: bool) -> Observer:
    """The sweep's probe: gradient, divergence and the running summaries, in one pass
    over the points (one fused kernel when compiled; the last few compiled ones are
    kept for later sweeps)."""
    # climbing, the best value is the highest and no known value is a target
    sign, target = (-1.0, None) if maximize else (1.0, land.min_value)
    observe = functools.partial(_observe, land, divergence_bounds(land), target, tol, sign)
    if not compile:
        return observe
    key = (id(land), tol, sign)
    if key not in _OBSERVERS:
        while len(_OBSERVERS) >= 8:
            _OBSERVERS.pop(next(iter(_OBSERVERS)))
        _OBSERVERS[key] = (land, torch.compile(observe, dynamic=False))
    return _OBSERVERS[key][1]


def _observe(
    land: Landscape,
    bounds: list[tuple[float, float]],
    target: float | None,
    tol: float,
    sign: float,
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
    # False for far-out and non-finite points, and where f itself is not finite
    inside = (excursion(coords, bounds) <= 1) & (loss.abs() < math.inf)
    fresh = (diverged_at < 0) & ~inside
    # a diverged trajectory adds nothing more to its summary
    alive = (diverged_at < 0) & inside
    diverged_at.copy_(torch.where(fresh, t, diverged_at))
    best.copy_(torch.where(alive, torch.fmin(best, sign * loss), best))
    if target is not None:
        reached = alive & (steps_to_tol < 0) & ((loss - target).abs() <= tol)
        steps_to_tol.copy_(torch.where(reached, t, steps_to_tol))


def _basins(land: Landscape, final: torch.Tensor, diverged: torch.Tensor) -> torch.Tensor:
    """Index of the known minimum nearest to each final point; -1 if diverged or none."""
    if not land.minima:
        return torch.full((final.shape[0],), -1, dtype=torch.long)
    nearest = torch.full((final.shape[0],), -1, dtype=torch.long)
    closest = torch.full((final.shape[0],), float("inf"), dtype=final.dtype)
    for index, minimum in enumerate(land.minima):
        distance = sum((final[:, axis] - c) ** 2 for axis, c in enumerate(minimum.point))
        nearer = distance < closest  # False for NaN: such a point keeps -1
        nearest[nearer] = index
        closest = torch.where(nearer, distance, closest)
    nearest[diverged] = -1
    return nearest
