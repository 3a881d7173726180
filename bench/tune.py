"""What the tuning engine costs, and what a second worker gains.

Overhead: `dl.tune` on airfoil (journal storage in a temporary folder) against the bare
training of exactly the same trials, the same specs and seeds run by `evaluate` in a
loop, measured in the same run. The goal is under 5% on airfoil trials.

Speed-up: the same study with 2 worker processes against 1 (the physical limit is the
number of cores, here min(2, cores)); spawning a worker costs a Python and torch start.

    python bench/tune.py
    python bench/tune.py --budget 60 --workers 2
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import descentlab as dl
from descentlab.tuning.evaluation import evaluate
from descentlab.tuning.space import parse_space

GOAL = 0.05


def timed_tune(
    folder: Path, task: str | dl.tasks.Task, budget: int, seeds: int, workers: int
) -> tuple[float, dl.Tuning]:
    started = time.perf_counter()
    tuning = dl.tune(task, ["sgd", "adam"], budget=budget, seeds=seeds, workers=workers,
                     folder=folder)  # fmt: skip
    return time.perf_counter() - started, tuning


def bare(task: dl.tasks.Task, tuning: dl.Tuning) -> float:
    """Seconds to train the study's trials one after another, with no study around them."""
    spaces = {label: parse_space(label) for label in tuning.trials.optimizer.unique()}
    started = time.perf_counter()
    for _, row in tuning.trials.iterrows():
        evaluate(task, spaces[row.optimizer].spec({"lr": float(row.hp_lr)}), int(row.seed))
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the overhead timing")
    parser.add_argument("--parallel-task", default="digits", help="task of the speed-up run")
    parser.add_argument("--parallel-budget", type=int, default=8)
    args = parser.parse_args()
    airfoil = dl.tasks.get("airfoil")  # loaded once: both timings train the same task
    with tempfile.TemporaryDirectory() as scratch:
        root = Path(scratch)
        timed_tune(root / "warm", airfoil, 2, 1, 1)  # imports and first calls, untimed
        rounds = []
        for index in range(args.repeats):  # interleaved, so machine noise hits both alike
            tuned, tuning = timed_tune(root / f"one{index}", airfoil, args.budget, args.seeds, 1)
            rounds.append((tuned, bare(airfoil, tuning)))
        tuned, trained = sorted(rounds, key=lambda r: r[0] / r[1])[len(rounds) // 2]
        overhead = tuned / trained - 1
        trials = len(tuning.trials)
        print(f"{trials} airfoil trials, median of {args.repeats} rounds: tune {tuned:.2f} s, "
              f"bare training {trained:.2f} s")  # fmt: skip
        print(f"overhead {overhead:+.1%} ({(tuned - trained) / trials * 1000:.1f} ms a trial; "
              "the journal fsyncs 4 writes a trial); "
              f"goal < {GOAL:.0%}: {'met' if overhead < GOAL else 'NOT met'}")  # fmt: skip
        task, budget = args.parallel_task, args.parallel_budget
        serial, _ = timed_tune(root / "serial", task, budget, 2, 1)
        parallel, _ = timed_tune(root / "parallel", task, budget, 2, args.workers)
        limit = min(args.workers, os.cpu_count() or 1)
        speedup = serial / parallel
        print(f"{task}, {2 * (budget + 2)} trials, {args.workers} workers: {parallel:.2f} s "
              f"against {serial:.2f} s with 1: "
              f"speed-up {speedup:.2f}x (limit {limit}x on {os.cpu_count()} cores)")  # fmt: skip


if __name__ == "__main__":
    main()
