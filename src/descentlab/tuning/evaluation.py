"""One trial: a task trained with one optimizer setting and one seed, measured.

The measurement is a pure function of (task, spec, seed): training runs on one thread,
so a trial gives the same number in any process, whatever runs beside it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import torch

from .. import progress
from ..train import Task, fit


@dataclass(frozen=True)
class Outcome:
    """What a trial measured. ``reason`` is why it failed ("" when it did not)."""

    metric: float
    best: float
    examples_to_target: int | None
    curve: list[tuple[int, float]] = field(default_factory=list)
    reason: str = ""
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        return bool(self.reason)


def evaluate(task: Task, spec: str, seed: int, device: str = "cpu") -> Outcome:
    """Train ``task`` with ``spec`` from ``seed`` on ``device``; the final and best value
    of its metric and when it first reached the task's target (examples seen)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    started = time.perf_counter()
    try:
        # the study reports its trials (`tune`), not each trial's batches
        run = fit(task, spec, seed=seed, device=device, on_progress=progress.silent)
    finally:
        torch.set_num_threads(threads)
    seconds = time.perf_counter() - started
    values = run.curve[task.metric].to_numpy(dtype=float)
    examples = run.curve["examples"].to_numpy()
    curve = [(int(e), float(v)) for e, v in zip(examples, values, strict=True)]
    if run.diverged_at >= 0 or not math.isfinite(values[-1]):
        where = run.diverged_at if run.diverged_at >= 0 else int(examples[-1])
        return Outcome(math.nan, math.nan, None, curve, f"diverged after {where} examples", seconds)
    best = float(values.max() if task.maximize else values.min())
    reached = None
    if task.target is not None:
        hits = values >= task.target if task.maximize else values <= task.target
        reached = int(examples[hits.argmax()]) if hits.any() else None
    return Outcome(float(values[-1]), best, reached, curve, "", seconds)


def better(a: float, b: float, maximize: bool) -> bool:
    """Whether metric ``a`` beats ``b`` (NaN never does)."""
    if math.isnan(a):
        return False
    return math.isnan(b) or (a > b if maximize else a < b)


def as_attrs(outcome: Outcome) -> dict[str, Any]:
    """The outcome as JSON-able trial attributes: ``outcome`` in one attribute (one write
    to the storage), and ``reason`` when it failed."""
    reason = {"reason": outcome.reason} if outcome.failed else {}
    return {
        **reason,
        "outcome": {
            "best": outcome.best,
            "examples_to_target": outcome.examples_to_target,
            "curve": outcome.curve,
            "seconds": outcome.seconds,
        },
    }
