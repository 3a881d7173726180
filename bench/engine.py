"""Throughput of races and sweeps against the loops people write by hand.

(a) sweep: Adam over 10^6 starts x 100 steps on Himmelblau, in trajectory-steps per
    second, against torch.optim.Adam(fused=True) on one (N, 2) tensor with autograd,
    and against the tutorial loop (torch.optim.Adam on a 2-element tensor, one start
    at a time; timed on a sample of starts and scaled).
(b) race: 7 optimizers x 300 steps x 1 start on Beale, wall time of `run` against
    the same tutorial loop.

Variants are interleaved round by round; medians are reported.

    python bench/engine.py                      # both
    python bench/engine.py --part b --rounds 7
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from rich.console import Console

import descentlab as dl

SWEEP_STARTS, SWEEP_STEPS, TUTORIAL_SAMPLE = 1_000_000, 100, 200
RACE_SPECS = {
    "sgd(lr=1e-3)": lambda p: torch.optim.SGD(p, lr=1e-3),
    "momentum(lr=1e-3)": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9),
    "nesterov(lr=1e-3)": lambda p: torch.optim.SGD(p, lr=1e-3, momentum=0.9, nesterov=True),
    "adagrad(lr=0.1)": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "rmsprop(lr=0.01)": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "adadelta(lr=1.0)": lambda p: torch.optim.Adadelta(p, lr=1.0),
    "adam(lr=0.1)": lambda p: torch.optim.Adam(p, lr=0.1),
}


def himmelblau_rows(p: torch.Tensor) -> torch.Tensor:
    x, y = p[..., 0], p[..., 1]
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def beale_vector(p: torch.Tensor) -> torch.Tensor:
    x, y = p[0], p[1]
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def tutorial_loop(make, loss_fn, start, steps) -> list[torch.Tensor]:
    """What a tutorial writes: one start, autograd, a torch optimizer, a list of points."""
    x = torch.tensor(start, requires_grad=True)
    optimizer = make([x])
    path = [x.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss_fn(x).backward()
        optimizer.step()
        path.append(x.detach().clone())
    return path


def interleave(variants: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def part_a(console: Console, rounds: int) -> None:
    starts = dl.grid_starts("himmelblau", 1000)[:SWEEP_STARTS]
    n = len(starts)
    as_tensor = torch.as_tensor(starts, dtype=torch.float32)
    sample = starts[:: n // TUTORIAL_SAMPLE][:TUTORIAL_SAMPLE]

    def ours() -> None:
        dl.sweep("himmelblau", "adam(lr=0.01)", starts=starts, steps=SWEEP_STEPS, compile=True)

    def fused() -> None:
        p = as_tensor.clone().requires_grad_(True)
        optimizer = torch.optim.Adam([p], lr=0.01, fused=True)
        for _ in range(SWEEP_STEPS):
            optimizer.zero_grad()
            himmelblau_rows(p).sum().backward()
            optimizer.step()

    def tutorial() -> None:
        for start in sample:
            tutorial_loop(lambda q: torch.optim.Adam(q, lr=0.01), himmelblau_rows,
                          start.tolist(), SWEEP_STEPS)  # fmt: skip

    console.print("(a) compiling the sweep's probe once (not timed) ...")
    dl.sweep("himmelblau", "adam(lr=0.01)", starts=starts, steps=1, compile=True)
    seconds = interleave({"ours": ours, "fused": fused, "tutorial": tutorial}, rounds)
    work = n * SWEEP_STEPS
    rate = {
        "descentlab sweep": work / seconds["ours"],
        "torch.optim.Adam(fused=True), (N, 2) tensor, autograd": work / seconds["fused"],
        "tutorial loop (one start at a time, scaled)": len(sample) * SWEEP_STEPS
        / seconds["tutorial"],
    }  # fmt: skip
    console.print(f"(a) Adam, {n:,} starts x {SWEEP_STEPS} steps on himmelblau, {rounds} rounds")
    for name, value in rate.items():
        console.print(f"    {name:55s} {value:14,.0f} trajectory-steps/s")
    ours, fused_rate, tutorial_rate = rate.values()
    console.print(
        f"    ours / fused = {ours / fused_rate:.2f}x (target >= 2x); "
        f"ours / tutorial = {ours / tutorial_rate:,.0f}x (target >= 10,000x)"
    )


def part_b(console: Console, rounds: int) -> None:
    start = (1.0, 1.5)

    def ours() -> None:
        dl.run("beale", list(RACE_SPECS), starts=[start], steps=300)

    def tutorial() -> None:
        for make in RACE_SPECS.values():
            tutorial_loop(make, beale_vector, list(start), 300)

    ours()  # warm up
    seconds = interleave({"ours": ours, "tutorial": tutorial}, rounds)
    console.print(f"(b) 7 optimizers x 300 steps x 1 start on beale, {rounds} rounds")
    console.print(f"    descentlab run   {seconds['ours'] * 1e3:8.1f} ms")
    console.print(f"    tutorial loop    {seconds['tutorial'] * 1e3:8.1f} ms")
    console.print(
        f"    tutorial / ours = {seconds['tutorial'] / seconds['ours']:.2f}x (target >= 3x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["a", "b", "ab"], default="ab")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    console = Console(width=120)
    console.print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    if "b" in args.part:
        part_b(console, args.rounds)
    if "a" in args.part:
        part_a(console, max(1, args.rounds // 2))


if __name__ == "__main__":
    main()
