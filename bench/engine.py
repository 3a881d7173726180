"""Throughput of races and sweeps against the loops people write by hand.

(a) sweeps: 10^6 starts x 100 steps on Himmelblau, in trajectory-steps per second, for
    six optimizers: compiled (the gradient, the update and the summaries as one kernel)
    and eager, against torch's fastest optimizer (fused, else foreach) on one (N, 2)
    tensor with autograd, and for Adam against a loop written by hand for
    torch.compile and the tutorial loop (torch.optim.Adam on a 2-element tensor, one
    start at a time; timed on a sample of starts and scaled). The memory limit is the
    rate at which each call's reads and writes (coordinates, state, summaries) take the
    bandwidth of ``a += b`` measured in the same run.
(b) race: 7 optimizers x 300 steps x 1 start on Beale, wall time of `run`, eager and
    compiled (after its one-off compile), against the same tutorial loop.

Variants are interleaved round by round; medians are reported.

    python bench/engine.py                      # both
    python bench/engine.py --part b --rounds 7
"""

from __future__ import annotations

import argparse
import math
import statistics
import time
from collections.abc import Callable

import torch
from rich.console import Console
from rich.table import Table

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


def hand_compiled_adam(n: int, steps: int, per_call: int) -> Callable[[], None]:
    """Adam on Himmelblau written by hand for torch.compile, coordinates as separate rows,
    with the sweep's own summaries (best loss, first step within tol, divergence), the
    first step eager as ours: the loop a user would write to go fast."""
    lr, b1, b2, eps, tol, limit = 0.01, 0.9, 0.999, 1e-8, 1e-3, 1000.0 * 5

    def steps_of(x, y, mx, my, vx, vy, best, reached, gone, first, count: int) -> None:
        for i in range(count):
            t = first + i
            a, b = x * x + y - 11, x + y * y - 7
            for p, m, v, g in ((x, mx, vx, 4 * x * a + 2 * b), (y, my, vy, 2 * a + 4 * y * b)):
                m.lerp_(g, 1 - b1)
                v.mul_(b2).addcmul_(g, g, value=1 - b2)
                p.sub_(lr / (1 - b1**t) * m / (v.sqrt() / (1 - b2**t) ** 0.5 + eps))
            loss = (x * x + y - 11) ** 2 + (x + y * y - 7) ** 2
            inside = (torch.maximum(x.abs(), y.abs()) / limit <= 1) & (loss.abs() < math.inf)
            fresh = (gone < 0) & ~inside
            alive = (gone < 0) & inside
            gone.copy_(torch.where(fresh, t, gone))
            best.copy_(torch.where(alive, torch.fmin(best, loss), best))
            hit = alive & (reached < 0) & (loss.abs() <= tol)
            reached.copy_(torch.where(hit, t, reached))

    kernel = torch.compile(steps_of, dynamic=False)
    generator = torch.Generator().manual_seed(0)
    x0, y0 = (torch.rand(n, generator=generator) * 10 - 5 for _ in range(2))

    def run() -> None:
        x, y = x0.clone(), y0.clone()
        state = [torch.zeros(n) for _ in range(4)]
        best = torch.full((n,), math.inf)
        reached, gone = torch.full((n,), -1.0), torch.full((n,), -1.0)
        kernel(x, y, *state, best, reached, gone, torch.tensor(1.0), 1)
        for t in range(2, steps + 1, per_call):
            kernel(x, y, *state, best, reached, gone, torch.tensor(float(t)), per_call)

    return run


SWEEP_TABLE = {  # ours -> the torch optimizer stepping one (N, 2) tensor with autograd
    "adam(lr=0.01)": lambda p: torch.optim.Adam(p, lr=0.01, fused=True),
    "sgd(lr=0.002, momentum=0.9)": lambda p: torch.optim.SGD(p, lr=0.002, momentum=0.9,
                                                             fused=True),
    "adagrad(lr=0.5)": lambda p: torch.optim.Adagrad(p, lr=0.5, fused=True),
    "rmsprop(lr=0.01)": lambda p: torch.optim.RMSprop(p, lr=0.01, foreach=True),
    "nadam(lr=0.05)": lambda p: torch.optim.NAdam(p, lr=0.05, foreach=True),
    "lion(lr=0.02)": None,
}  # fmt: skip
STATE_ROWS = {"adam": 2, "sgd": 1, "adagrad": 1, "rmsprop": 1, "nadam": 2, "lion": 1}


def part_a(console: Console, rounds: int) -> None:
    starts = dl.grid_starts("himmelblau", 1000)[:SWEEP_STARTS]
    n = len(starts)
    work = n * SWEEP_STEPS
    as_tensor = torch.as_tensor(starts, dtype=torch.float32)
    sample = starts[:: n // TUTORIAL_SAMPLE][:TUTORIAL_SAMPLE]
    per_call = max(k for k in range(1, 5) if (SWEEP_STEPS - 1) % k == 0)
    bandwidth = memory_bandwidth()

    def vectorised(make) -> Callable[[], None]:
        def run() -> None:
            p = as_tensor.clone().requires_grad_(True)
            optimizer = make([p])
            for _ in range(SWEEP_STEPS):
                optimizer.zero_grad()
                himmelblau_rows(p).sum().backward()
                optimizer.step()

        return run

    def tutorial() -> None:
        for start in sample:
            tutorial_loop(lambda q: torch.optim.Adam(q, lr=0.01), himmelblau_rows,
                          start.tolist(), SWEEP_STEPS)  # fmt: skip

    table = Table(title=f"(a) sweeps on himmelblau, {n:,} starts x {SWEEP_STEPS} steps, "
                        f"trajectory-steps/s, median of {rounds} interleaved rounds")  # fmt: skip
    for column in ("optimizer", "compiled", "eager", "torch, (N, 2) + autograd",
                   "hand-compiled", "memory limit", "compiled/torch", "compiled/eager",
                   "compiled/hand", "compiled/limit"):  # fmt: skip
        table.add_column(column, justify="right")
    compile_seconds = {}
    for spec, make in SWEEP_TABLE.items():
        start = time.perf_counter()  # compiling, once per optimizer: not in the rates
        dl.sweep("himmelblau", spec, starts=starts, steps=1 + per_call, compile=True)
        compile_seconds[spec] = time.perf_counter() - start
        variants: dict[str, Callable[[], object]] = {
            "compiled": lambda spec=spec: dl.sweep("himmelblau", spec, starts=starts,
                                                   steps=SWEEP_STEPS, compile=True),
            "eager": lambda spec=spec: dl.sweep("himmelblau", spec, starts=starts,
                                                steps=SWEEP_STEPS, compile=False),
        }  # fmt: skip
        if make is not None:
            variants["torch"] = vectorised(make)
        if spec.startswith("adam"):
            hand = hand_compiled_adam(n, SWEEP_STEPS, per_call)
            hand()  # compiled once, not timed
            variants["hand"] = hand
            variants["tutorial"] = tutorial
        rate = {k: work / v for k, v in interleave(variants, rounds).items()}
        if "tutorial" in rate:
            rate["tutorial"] = len(sample) * SWEEP_STEPS * rate["tutorial"] / work
        # per call of `per_call` steps: coordinates, state rows and 3 summaries, read and
        # written once each
        rows = 2 * (1 + STATE_ROWS[spec.split("(")[0]]) + 3
        limit = bandwidth * per_call / (rows * 4 * 2)
        cells = [rate.get(k) for k in ("compiled", "eager", "torch", "hand")] + [limit]
        row = [spec] + [f"{v:,.3g}" if v is not None else "-" for v in cells]
        for theirs in ("torch", "eager", "hand"):
            row.append(f"{rate['compiled'] / rate[theirs]:.2f}x" if theirs in rate else "-")
        row.append(f"{rate['compiled'] / limit:.2f}")
        table.add_row(*row)
        if "tutorial" in rate:
            tutorial = (rate["tutorial"], rate["compiled"] / rate["tutorial"])
    console.print(table)
    console.print(
        f"    memory bandwidth (a += b) {bandwidth / 1e9:.1f} GB/s, {per_call} steps per call; "
        f"Adam's tutorial loop (one start at a time) runs {tutorial[0]:,.0f} "
        f"trajectory-steps/s: compiled / tutorial = {tutorial[1]:,.0f}x"
    )
    console.print(
        "    compiling (once per optimizer and process, not in the rates): "
        + ", ".join(f"{spec.split('(')[0]} {s:.1f} s" for spec, s in compile_seconds.items())
    )


def memory_bandwidth() -> float:
    """Bytes a second that ``a += b`` moves on 256 MB tensors (two reads, one write)."""
    a, b = torch.randn(2**26), torch.randn(2**26)
    a.add_(b)
    times = []
    for _ in range(9):
        start = time.perf_counter()
        a.add_(b)
        times.append(time.perf_counter() - start)
    return 3 * a.numel() * 4 / statistics.median(times)


def part_b(console: Console, rounds: int) -> None:
    start = (1.0, 1.5)

    def eager() -> None:
        dl.run("beale", list(RACE_SPECS), starts=[start], steps=300, compile=False)

    def compiled() -> None:
        dl.run("beale", list(RACE_SPECS), starts=[start], steps=300, compile=True)

    def tutorial() -> None:
        for make in RACE_SPECS.values():
            tutorial_loop(make, beale_vector, list(start), 300)

    eager()  # warm up
    began = time.perf_counter()
    compiled()  # its kernels compiled once per process, not in the times
    compile_seconds = time.perf_counter() - began
    variants = {"eager": eager, "compiled": compiled, "tutorial": tutorial}
    seconds = interleave(variants, rounds)
    console.print(f"(b) races: 7 optimizers x 300 steps x 1 start on beale, {rounds} rounds")
    console.print(f"    descentlab run, eager              {seconds['eager'] * 1e3:8.1f} ms")
    console.print(
        f"    descentlab run, compile=True       {seconds['compiled'] * 1e3:8.1f} ms "
        f"(after {compile_seconds:.0f} s compiling its 7 kernels, once per process)"
    )
    console.print(f"    tutorial loop                      {seconds['tutorial'] * 1e3:8.1f} ms")
    console.print(
        f"    tutorial / eager = {seconds['tutorial'] / seconds['eager']:.2f}x, "
        f"tutorial / compiled = {seconds['tutorial'] / seconds['compiled']:.2f}x "
        "(target >= 10x)"
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
