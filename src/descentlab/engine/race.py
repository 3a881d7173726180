"""Races: every optimizer from every start on one landscape, every step recorded."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from .. import checks, landscapes, optim
from ..defaults import NOISE, SEED, STEPS, TOL
from ..landscapes import Landscape
from ..optim.spec import OptimizerSpec, unique_labels
from ..progress import OnProgress, reporter
from ..specs import SpecLike
from . import memory, summary
from .checks import as_starts
from .compiled_race import can_compile
from .recording import build_engine, freeze_undefined, state_count, step_all
from .storage import read_result, save_frame

if TYPE_CHECKING:
    import pandas as pd

COORDINATES = ("x", "y", "z")
RECORD_LIMIT = 2_000_000_000  # numbers a race may record (8 GB in float32)


@dataclass(eq=False, repr=False)
class Race:
    """The result of `run`: K optimizers x S starts x (T + 1) recorded points.

    ``positions`` (K, S, T+1, D) and ``losses`` (K, S, T+1) hold step 0 (the start)
    to step T. A diverged trajectory is frozen at its last good point from
    ``diverged_at`` (K, S) on; -1 means it never diverged. ``summary()`` gives one
    row per optimizer and start, ``to_frame()`` one per step as well.
    """

    landscape: Landscape
    labels: list[str]
    specs: list[str]
    starts: np.ndarray
    positions: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray
    options: dict[str, Any]
    #: with ``run(record_state=True)``: the gradient each step used ("grad") and each
    #: optimizer state tensor shaped like the point ("exp_avg", "momentum_buffer", ...),
    #: as (K, S, T+1, D) arrays, NaN where an optimizer keeps no such state. Not saved.
    states: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def steps(self) -> int:
        return self.positions.shape[2] - 1

    def __repr__(self) -> str:
        return summary.race_repr(self)

    @property
    def best(self) -> summary.Best | None:
        """The trajectory with the lowest final loss (highest when climbing) among those
        that did not diverge; None when all did."""
        return summary.race_best(self)

    def summary(self, tol: float = TOL) -> pd.DataFrame:
        """One row per optimizer and start, best final loss first.

        Columns: optimizer, start (index into ``starts``), start_x (, start_y), final_x
        (, final_y), final_loss, best_loss, best_step (the step it was reached),
        steps_to_tol (first step within ``tol`` of the landscape's lowest known minimum
        value; -1 if never, when none is known, or climbing), diverged, diverged_at (-1
        if never). A diverged trajectory's final point and loss are NaN (as in a
        sweep) and it sorts last; its best loss is the best before it diverged.
        Climbing, best means highest.
        """
        tol = checks.real_number("tol", tol)
        return summary.race_table(self, tol)

    def to_frame(self) -> pd.DataFrame:
        """One row per optimizer, start and step: optimizer, start, step, x, (y,) loss,
        diverged."""
        import pandas as pd

        k, s, t1, d = self.positions.shape
        index = np.indices((k, s, t1)).reshape(3, -1)
        frame = pd.DataFrame(
            {
                "optimizer": np.asarray(self.labels, dtype=object)[index[0]],
                "start": index[1],
                "step": index[2],
            }
        )
        for axis in range(d):
            frame[COORDINATES[axis]] = self.positions[..., axis].reshape(-1)
        frame["loss"] = self.losses.reshape(-1)
        at = self.diverged_at[index[0], index[1]]
        frame["diverged"] = (at >= 0) & (index[2] >= at)
        return frame

    def save(self, path: str | Path) -> Path:
        """Write the race as .csv, .parquet or .npz (chosen by the extension)."""
        meta = {
            "kind": "race",
            "landscape": landscapes.describe(self.landscape),
            "labels": self.labels,
            "specs": self.specs,
            "starts": self.starts.tolist(),
            "dtype": str(self.positions.dtype),
            "options": self.options,
        }
        return save_frame(path, self.to_frame(), meta)

    @classmethod
    def load(cls, path: str | Path, landscape: Landscape | None = None) -> Race:
        """Read a race written by `save`. A landscape built in Python (not from the
        catalog or an expression) must be passed again as ``landscape``."""
        return read_result(path, "race", lambda f, m: cls._from_frame(f, m, landscape))

    @classmethod
    def _from_frame(
        cls, frame: pd.DataFrame, meta: dict[str, Any], landscape: Landscape | None
    ) -> Race:
        land = landscape if landscape is not None else landscapes.rebuild(meta["landscape"])
        k, s = len(meta["labels"]), len(meta["starts"])
        t1 = int(meta["options"]["steps"]) + 1
        if len(frame) != k * s * t1:
            raise ValueError(f"it has {len(frame)} rows, not {k} x {s} x {t1}")
        dtype = np.dtype(meta["dtype"])
        axes = [COORDINATES[a] for a in range(land.dim)]
        positions = frame[axes].to_numpy().astype(dtype).reshape(k, s, t1, land.dim)
        losses = frame["loss"].to_numpy().astype(dtype).reshape(k, s, t1)
        diverged = frame["diverged"].to_numpy().astype(bool).reshape(k, s, t1)
        first = np.where(diverged.any(-1), diverged.argmax(-1), -1)
        return cls(
            landscape=land,
            labels=list(meta["labels"]),
            specs=list(meta["specs"]),
            starts=np.asarray(meta["starts"], dtype=np.float64).reshape(s, land.dim),
            positions=positions,
            losses=losses,
            diverged_at=first,
            options=dict(meta["options"]),
        )


def run(
    landscape: str | Landscape,
    optimizers: SpecLike | Sequence[SpecLike],
    starts: Any = None,
    steps: int = STEPS,
    *,
    noise: float = NOISE,
    seed: int = SEED,
    dtype: torch.dtype = torch.float32,
    scheduler: str | Callable[[torch.optim.Optimizer], Any] | None = None,
    maximize: bool = False,
    vectorize: bool = True,
    record_state: bool = False,
    device: str | torch.device = "cpu",
    compile: bool = False,
    on_progress: OnProgress | None = None,
) -> Race:
    """Race every optimizer from every start on a landscape.

    Parameters
    ----------
    landscape : a catalog name, an expression such as ``"x**2 - y**2"``, or a Landscape.
    optimizers : one spec or a list (``"adam(lr=0.1)"``, ``"torch.SGD(lr=0.01)"``, a callable).
    starts : one point, a list of points, an (S, D) array; default the landscape's start.
    steps : number of optimizer steps.
    noise : standard deviation of Gaussian noise added to every gradient (seeded).
    scheduler : an lr schedule spec such as ``"step(step_size=50, gamma=0.5)"``.
    maximize : climb instead of descend.
    vectorize : run each elementwise optimizer's starts as one tensor (else one by one;
        both give the same trajectories).
    record_state : also record, per step, the gradient used and the optimizer's state
        (momentum, second moments, ...) in ``Race.states``.
    device : where the trajectories are stepped (anything torch accepts: "cpu", "cuda",
        "mps"); the race comes back on the CPU.
    compile : step each optimizer's block of columns as a compiled kernel, ten steps a
        call (`compiled_race`): seconds to compile, then many times faster, so it pays
        for races run again in one process (a server, a notebook); the paths equal the
        eager ones within float32 rounding. Races with noise, a
        schedule, ``record_state``, or an optimizer that steps otherwise than by its
        per-tensor update (L-BFGS, Prodigy, Schedule-Free, torch's) run eagerly.
    on_progress : called as ``on_progress("race on <landscape>", done, steps)`` every
        hundredth of the steps (see `descentlab.progress`).

    Notes
    -----
    A race that would need more memory than is available (see
    `descentlab.engine.memory_limit`; ``DESCENTLAB_MEMORY_LIMIT`` overrides it) is
    refused before anything is allocated, with `JobTooLarge`.
    """
    land = landscapes.get(landscape)
    if isinstance(optimizers, str | OptimizerSpec) or callable(optimizers):
        optimizers = [optimizers]
    specs = [optim.parse(spec) for spec in optimizers]
    if not specs:
        raise ValueError("give at least one optimizer")
    steps = checks.whole_number("steps", steps)
    noise = checks.real_number("noise", noise)
    seed = checks.seed(seed)
    dtype = checks.float_dtype(dtype)
    device = checks.device(device)
    checks.switch("maximize", maximize)
    checks.switch("vectorize", vectorize)
    checks.switch("record_state", record_state)
    checks.switch("compile", compile)
    points = as_starts(land, starts)
    _check_size(specs, len(points), steps, land.dim, dtype, record_state)
    schedule = None
    if scheduler is not None:
        schedule = optim.parse_scheduler(scheduler)
        optim.check_scheduler(schedule, steps)
        # a schedule driven by the loss must see each trajectory's own loss
        vectorize = vectorize and not optim.is_metric_driven(schedule)

    engine = build_engine(
        land, specs, points, noise, seed, dtype, maximize, vectorize, schedule, device
    )
    advance = reporter(on_progress, f"race on {land.name}", steps)
    compiled = compile and can_compile(engine, noise, record_state, schedule is not None)
    record, states = step_all(engine, steps, dtype, record_state, advance, compiled, maximize)
    record, states = record.cpu(), {key: value.cpu() for key, value in states.items()}

    losses = land(*record.unbind(1))  # (T+1, K*S)
    diverged_at = freeze_undefined(record, losses, engine.diverged_at.cpu())
    options = {
        "steps": steps,
        "noise": float(noise),
        "seed": int(seed),
        "scheduler": scheduler if isinstance(scheduler, str) or scheduler is None else "custom",
        "maximize": bool(maximize),
    }
    return _result(land, specs, points, record, losses, diverged_at, states, options)


def _check_size(
    specs: list[OptimizerSpec], s: int, steps: int, d: int, dtype: torch.dtype, states: bool
) -> None:
    """Refuse a race too large to record every point of, or for the memory available."""
    k = len(specs)
    if (steps + 1) * d * k * s > RECORD_LIMIT:
        raise ValueError(
            f"{steps} steps x {k} optimizer(s) x {s} start(s) is too much to record every "
            f"point (over {RECORD_LIMIT:,} numbers); use sweep() for summaries"
        )
    memory.require(
        "race",
        memory.race_bytes(k, s, steps, d, dtype, state_count(specs) if states else 0),
        f"{k:,} optimizer(s) x {s:,} start(s) x {steps + 1:,} recorded steps",
        "use fewer steps, starts or optimizers, or sweep() for summaries",
    )


def _result(
    land: Landscape,
    specs: list[OptimizerSpec],
    points: np.ndarray,
    record: torch.Tensor,
    losses: torch.Tensor,
    diverged_at: torch.Tensor,
    states: dict[str, torch.Tensor],
    options: dict[str, Any],
) -> Race:
    """The recorded (T+1, D, K*S) points as a Race of (K, S, T+1, ...) arrays."""
    k, s, d, steps = len(specs), len(points), land.dim, record.shape[0] - 1
    return Race(
        landscape=land,
        labels=unique_labels(specs),
        specs=[spec.label for spec in specs],
        starts=points,
        positions=record.permute(2, 0, 1).reshape(k, s, steps + 1, d).numpy().copy(),
        losses=losses.T.reshape(k, s, steps + 1).numpy().copy(),
        diverged_at=diverged_at.reshape(k, s).numpy().copy(),
        states={
            key: value.permute(2, 0, 1).reshape(k, s, steps + 1, d).numpy()
            for key, value in states.items()
        },
        options=options,
    )
