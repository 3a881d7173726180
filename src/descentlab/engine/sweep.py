"""Sweeps: a hyperparameter grid crossed with a grid of starts, one summary row each."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import landscapes, optim
from .. import progress as progress_bars
from ..landscapes import Landscape
from ..optim.spec import OptimizerSpec
from ..specs import SpecLike
from . import checks, memory, summary
from .checks import as_starts, is_vectorisable
from .grid import combinations, grid_starts, per_column, unique
from .lockstep import Lockstep
from .observe import basins, observer
from .race import COORDINATES
from .storage import read_result, save_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "grid_starts", "sweep"]

DEFAULT_CHUNK = 1 << 20  # trajectories stepped together at most
COMPILE_FROM = 50_000_000  # trajectory-steps from which a sweep compiles by default


@dataclass(eq=False, repr=False)
class Sweep:
    """The result of `sweep`: one row per (hyperparameters, start) in ``frame``;
    ``summary()`` aggregates them per setting."""

    landscape: Landscape
    spec: str
    grid: dict[str, list[Any]]
    starts: np.ndarray
    frame: pd.DataFrame
    options: dict[str, Any]

    def __repr__(self) -> str:
        return summary.sweep_repr(self)

    @property
    def best(self) -> summary.Best | None:
        """The trajectory with the lowest final loss (highest when climbing) among those
        that did not diverge, with its hyperparameters; None when all diverged. The
        best setting is the first row of `summary`."""
        return summary.sweep_best(self)

    def summary(self) -> pd.DataFrame:
        """One row per setting (combination of the grid's values), best first.

        Columns: optimizer (the spec), the hyperparameter columns of ``frame``, starts
        (trajectories of that setting), reached_fraction (of starts within ``tol`` of
        the lowest known minimum value; NaN when none is known or climbing),
        diverged_fraction, median_final_loss and best_final_loss (over the starts that
        did not diverge), median_steps_to_tol (over those that reached it; NaN if
        none). Sorted by reached_fraction (high first), diverged_fraction, median
        steps, then median final loss. One row per trajectory is in ``frame``
        (`to_frame` for a copy).
        """
        return summary.sweep_table(self)

    def to_frame(self) -> pd.DataFrame:
        """The tidy table of one row per trajectory (a copy)."""
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
    progress: bool | None = None,
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

    ``progress`` shows a bar on stderr (default: only when stderr is a terminal; it
    appears after a second). A sweep whose summaries and working buffers would not fit
    in the memory available (see `descentlab.engine.memory_limit`;
    ``DESCENTLAB_MEMORY_LIMIT`` overrides it) is refused up front with `JobTooLarge`.
    """
    land = landscapes.get(landscape)
    spec = optim.parse(optimizer)
    combos = combinations(spec, grid or {})
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
    n = len(combos) * s
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
        compile = vectorised and n * steps >= COMPILE_FROM
    bar = progress_bars.bar(progress, progress_bars.DELAY)
    pieces = math.ceil(n / chunk) if vectorised else len(combos)
    with bar if bar is not None else nullcontext():
        handle = None if bar is None else bar.add(f"sweep {spec.label}", total=pieces * steps)
        on_steps = None if bar is None else functools.partial(bar.advance, handle)
        summaries = _run_sweep(
            land, spec, combos, points, vectorised, seed, chunk, dtype,
            functools.partial(
                _run_columns, land, steps=steps, tol=tol, noise=noise, dtype=dtype,
                maximize=maximize, compile=compile, on_steps=on_steps,
            ),
        )  # fmt: skip
    import pandas as pd

    joined = (
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
        columns[f"final_{COORDINATES[axis]}"] = joined["final"][:, axis]
    for key in ("final_loss", "best_loss", "steps_to_tol", "basin", "diverged", "diverged_at"):
        columns[key] = joined[key]
    frame = pd.DataFrame(columns, copy=False)
    return Sweep(
        landscape=land,
        spec=spec.label,
        grid={name: unique([c[name] for c in combos]) for name in combos[0]},
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


def _run_sweep(
    land: Landscape,
    spec: OptimizerSpec,
    combos: list[dict[str, Any]],
    points: np.ndarray,
    vectorised: bool,
    seed: int,
    chunk: int,
    dtype: torch.dtype,
    run: Callable[..., dict[str, np.ndarray]],
) -> list[dict[str, np.ndarray]]:
    """The summaries of every chunk (vectorised) or every combination, in column order."""
    s = len(points)
    base = {**spec.preset, **spec.kwargs}
    summaries = []
    if vectorised:
        # every (combination, start) is a column; columns go in cache-sized chunks, each
        # stepped to the end before the next starts
        tensors = per_column(combos, s, dtype)
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
    return summaries


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
    on_steps: Callable[[int], None] | None = None,
) -> dict[str, np.ndarray]:
    """Step one column per row of ``points`` and summarise each trajectory; report
    progress to ``on_steps`` every hundredth of the steps (no device sync)."""
    columns = torch.as_tensor(points, dtype=dtype).T.contiguous()  # (D, N)
    n = columns.shape[1]
    sign = -1.0 if maximize else 1.0
    # running summaries; all floats, which a compiled observer handles best
    running = {
        "best": torch.full((n,), float("inf"), dtype=dtype),
        "steps_to_tol": torch.full((n,), -1.0, dtype=dtype),
        "diverged_at": torch.full((n,), -1.0, dtype=dtype),
    }
    observe = observer(land, tol, maximize, compile)
    grads = torch.empty_like(columns)  # refilled by every probe, read by the next step

    def probe(current: torch.Tensor) -> tuple[torch.Tensor, None]:
        t = torch.tensor(float(engine.step_count), dtype=dtype)
        observe(current, grads, *running.values(), t)  # fills grads, updates summary
        return grads, None  # divergence is part of the summary

    engine = Lockstep(
        land, columns, noise=noise, seed=seed, maximize=maximize, probe=probe, freeze=False
    )
    add_units(engine)

    engine.probe()  # the starts count as step 0
    every = max(1, steps // 100)
    for t in range(1, steps + 1):
        engine.step()  # each step ends with the probe (and summary) at the new points
        if on_steps is not None and (t % every == 0 or t == steps):
            on_steps(every if t % every == 0 else t % every)

    final = engine.positions().T.clone()  # (N, D)
    diverged_at = running["diverged_at"].long()
    gone = diverged_at >= 0
    final[gone] = float("nan")
    final_loss = land(*final.T)
    return {
        "final": final.numpy(),  # in the sweep's dtype
        "final_loss": final_loss.numpy(),
        "best_loss": (sign * running["best"]).numpy(),
        "steps_to_tol": running["steps_to_tol"].long().numpy(),
        "basin": basins(land, final, gone | maximize).numpy(),
        "diverged": gone.numpy(),
        "diverged_at": diverged_at.numpy(),
    }
