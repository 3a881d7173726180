"""Seconds per epoch of training with descentlab's optimizers against torch.optim.

For each task (airfoil linear regression at batch 10, the digits CNN at batch 32) and
each optimizer, `fit` trains the same model from the same seed with our class and
with torch's; the two are interleaved epoch-run by epoch-run so that machine noise
hits both alike. Prints the median seconds per epoch and the ratio ours / torch
(target: at most 1.1).

    python bench/train.py
    python bench/train.py --tasks digits --repeats 3
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from rich.console import Console
from rich.table import Table

import descentlab as dl

TARGET = 1.1

# ours and the torch class with the same settings
PAIRS = {
    "sgd": ("sgd(lr=0.05)", "torch.SGD(lr=0.05)"),
    "momentum": ("momentum(lr=0.01, momentum=0.9)", "torch.SGD(lr=0.01, momentum=0.9)"),
    "adagrad": ("adagrad(lr=0.1)", "torch.Adagrad(lr=0.1)"),
    "rmsprop": ("rmsprop(lr=0.001, alpha=0.9)", "torch.RMSprop(lr=0.001, alpha=0.9)"),
    "adadelta": ("adadelta(rho=0.9)", "torch.Adadelta(rho=0.9)"),
    "adam": ("adam(lr=0.001)", "torch.Adam(lr=0.001)"),
}
SETTINGS = {"airfoil": {"batch_size": 10, "epochs": 2}, "digits": {"batch_size": 32, "epochs": 2}}


def seconds_per_epoch(task: dl.tasks.Task, spec: str, epochs: int, batch_size: int) -> float:
    started = time.perf_counter()
    dl.fit(task, spec, epochs=epochs, batch_size=batch_size)
    return (time.perf_counter() - started) / epochs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    parser.add_argument("--repeats", type=int, default=5, help="interleaved rounds")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (default 1: these models are small, and on a busy machine "
        "spinning worker threads swamp the optimizer's share of the time)",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    console = Console()
    console.print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    worst = 0.0
    for name in args.tasks:
        task = dl.tasks.get(name)
        settings = SETTINGS[name]
        table = Table(title=f"{name}: seconds per epoch (batch {settings['batch_size']}), medians")
        for column in ("optimizer", "ours", "torch", "ours / torch"):
            table.add_column(column, justify="right" if column != "optimizer" else "left")
        for key, (ours, theirs) in PAIRS.items():
            seconds_per_epoch(task, ours, 1, settings["batch_size"])  # warm up both paths
            seconds_per_epoch(task, theirs, 1, settings["batch_size"])
            times: dict[str, list[float]] = {ours: [], theirs: []}
            for round_ in range(args.repeats):
                order = (ours, theirs) if round_ % 2 == 0 else (theirs, ours)
                for spec in order:
                    times[spec].append(seconds_per_epoch(task, spec, **settings))
            a, b = statistics.median(times[ours]), statistics.median(times[theirs])
            worst = max(worst, a / b)
            table.add_row(key, f"{a:.4f}", f"{b:.4f}", f"{a / b:.3f}x")
        console.print(table)
    verdict = "within" if worst <= TARGET else "OVER"
    console.print(f"slowest ratio ours / torch: {worst:.3f}x ({verdict} the {TARGET}x target)")


if __name__ == "__main__":
    main()
