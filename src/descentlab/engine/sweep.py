"""Sweeps: a hyperparameter grid crossed with a grid of starts, one summary row each."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import landscapes
from ..defaults import NOISE, SEED, STEPS, TOL
from ..landscapes import Landscape
from ..progress import OnProgress, reporter
from ..specs import SpecLike
from . import summary
from .grid import grid_starts, unique
from .plan import SweepPlan, plan
from .race import COORDINATES
from .stepping import run_plan
from .storage import read_result, save_frame

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Sweep", "grid_starts", "sweep"]

DEFAULT_CHUNK = 1 << 20  # trajectories stepped together at most


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
    steps: int = STEPS,
    *,
    tol: float = TOL,
    noise: float = NOISE,
    seed: int = SEED,
    dtype: torch.dtype = torch.float32,
    maximize: bool = False,
    chunk: int = DEFAULT_CHUNK,
    compile: bool | None = None,
    device: str | torch.device = "cpu",
    on_progress: OnProgress | None = None,
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

    ``compile`` traces the landscape's gradient, the optimizer's update, the divergence
    test and the summaries into one kernel (torch.compile), several steps per call. By
    default a sweep compiles when the seconds its compile takes (none when this process
    compiled the same kernels before) would be won back: see `plan.worth_compiling`.

    ``device`` is where the trajectories are stepped (anything torch accepts: "cpu",
    "cuda", "mps"); the summaries come back on the CPU.

    ``on_progress("sweep <spec>", done, total)`` hears of the steps done, summed over
    chunks (see `descentlab.progress`).

    A sweep whose summaries and working buffers would not fit in the memory available
    (see `descentlab.engine.memory_limit`; ``DESCENTLAB_MEMORY_LIMIT`` overrides it) is
    refused up front with `JobTooLarge`.
    """
    job = plan(
        landscape, optimizer, grid, starts, steps, tol=tol, noise=noise, seed=seed,
        dtype=dtype, maximize=maximize, chunk=chunk, compile=compile, device=device,
    )  # fmt: skip
    advance = reporter(on_progress, f"sweep {job.spec.label}", job.pieces * job.steps)
    return summarise(job, run_plan(job, advance))


def summarise(job: SweepPlan, summaries: dict[str, np.ndarray]) -> Sweep:
    """The `Sweep` of a plan run: one row per (setting, start), with the plan's options."""
    import pandas as pd

    combos, points, s = job.combos, job.points, len(job.points)
    columns: dict[str, np.ndarray] = {}
    for name, first_value in combos[0].items():
        if isinstance(first_value, tuple):
            for i in range(len(first_value)):
                columns[f"{name}[{i}]"] = np.repeat([c[name][i] for c in combos], s)
        else:
            columns[name] = np.repeat([c[name] for c in combos], s)
    columns["start"] = np.tile(np.arange(s), len(combos))
    for axis in range(job.land.dim):
        columns[f"start_{COORDINATES[axis]}"] = np.tile(points[:, axis], len(combos))
    for axis in range(job.land.dim):
        columns[f"final_{COORDINATES[axis]}"] = summaries["final"][:, axis]
    for key in ("final_loss", "best_loss", "steps_to_tol", "basin", "diverged", "diverged_at"):
        columns[key] = summaries[key]
    return Sweep(
        landscape=job.land,
        spec=job.spec.label,
        grid={name: unique([c[name] for c in combos]) for name in combos[0]},
        starts=points,
        frame=pd.DataFrame(columns, copy=False),
        options={
            "steps": job.steps,
            "tol": float(job.tol),
            "noise": float(job.noise),
            "seed": int(job.seed),
            "dtype": str(job.dtype).removeprefix("torch."),
            "maximize": job.maximize,
        },
    )
