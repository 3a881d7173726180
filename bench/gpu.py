"""The optimizer-step and sweep tables again, on a GPU (cuda, else mps) when there is one.

Every variant steps tensors that live on the device and is timed between two
synchronisations, so the times are the device's. Without a GPU it says so and exits
cleanly.

    python bench/gpu.py
    python bench/gpu.py --device cuda:1
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

import descentlab as dl
from descentlab import optim

sys.path.insert(0, str(Path(__file__).parent))
from optim_step import FUSED_ON_B, LAYOUT_NAMES, PAIRS, layout_shapes

SWEEP_SPECS = {
    "adam(lr=0.01)": lambda p: torch.optim.Adam(p, lr=0.01, fused=True),
    "sgd(lr=0.002, momentum=0.9)": lambda p: torch.optim.SGD(p, lr=0.002, momentum=0.9,
                                                             fused=True),
    "rmsprop(lr=0.01)": lambda p: torch.optim.RMSprop(p, lr=0.01, foreach=True),
}  # fmt: skip


def gpu(requested: str | None) -> torch.device | None:
    if requested:
        return torch.device(requested)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return None


def synchronise(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


def interleave(
    variants: dict[str, Callable[[], object]], rounds: int, device: torch.device
) -> dict[str, float]:
    """Median seconds of each variant, run round by round, synchronised around each,
    after two untimed calls (a fused step's first is eager, its second compiles)."""
    for _ in range(2):
        for fn in variants.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, fn in variants.items():
            synchronise(device)
            start = time.perf_counter()
            fn()
            synchronise(device)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def params_on(shapes: list[tuple[int, ...]], device: torch.device) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(0)
    out = []
    for shape in shapes:
        p = torch.randn(shape, generator=generator).to(device).requires_grad_(True)
        p.grad = (torch.randn(shape, generator=generator) * 1e-2).to(device)
        out.append(p)
    return out


def step_table(console: Console, device: torch.device, layout: str, rounds: int) -> None:
    shapes = layout_shapes(layout)
    table = Table(title=f"{LAYOUT_NAMES[layout]} on {device}, median ms/step")
    for column in ("optimizer", "ours", "ours fused", "torch default", "torch foreach",
                   "torch fused", "fused/torch best"):  # fmt: skip
        table.add_column(column, justify="right")
    for name, (torch_cls, kwargs) in PAIRS.items():
        info = optim.info(name)
        variants = {"ours": optim.create(name, params_on(shapes, device)).step}
        if info.cls.switches and (layout != "b" or name in FUSED_ON_B):
            variants["ours fused"] = optim.create(
                f"{name}(fused=True)", params_on(shapes, device)
            ).step
        if torch_cls is not None:
            shared = {**info.preset, **kwargs}
            variants["torch default"] = torch_cls(params_on(shapes, device), **shared).step
            variants["torch foreach"] = torch_cls(params_on(shapes, device), **shared,
                                                  foreach=True).step  # fmt: skip
            with contextlib.suppress(RuntimeError, ValueError, TypeError):  # none here
                fused_torch = torch_cls(params_on(shapes, device), **shared, fused=True)
                variants["torch fused"] = fused_torch.step
        ms = {k: 1e3 * v for k, v in interleave(variants, rounds, device).items()}
        best = min((ms[k] for k in ("torch foreach", "torch fused") if k in ms), default=None)
        row = [name] + [
            f"{ms[k]:.3f}" if k in ms else "-"
            for k in ("ours", "ours fused", "torch default", "torch foreach", "torch fused")
        ]
        row.append(f"{ms['ours fused'] / best:.2f}x" if best and "ours fused" in ms else "-")
        table.add_row(*row)
    console.print(table)


def sweep_table(console: Console, device: torch.device, rounds: int) -> None:
    starts = dl.grid_starts("himmelblau", 1000)
    n, steps = len(starts), 100
    table = Table(title=f"sweeps on himmelblau on {device}, {n:,} starts x {steps} steps, "
                        "trajectory-steps/s")  # fmt: skip
    for column in ("optimizer", "compiled", "eager", "torch, (N, 2) + autograd",
                   "compiled/torch"):  # fmt: skip
        table.add_column(column, justify="right")
    points = torch.as_tensor(starts, dtype=torch.float32, device=device)

    def himmelblau(p: torch.Tensor) -> torch.Tensor:
        x, y = p[:, 0], p[:, 1]
        return ((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2).sum()

    for spec, make in SWEEP_SPECS.items():
        dl.sweep("himmelblau", spec, starts=starts, steps=4, compile=True, device=device)

        def vectorised(make: Callable = make) -> None:
            p = points.clone().requires_grad_(True)
            optimizer = make([p])
            for _ in range(steps):
                optimizer.zero_grad()
                himmelblau(p).backward()
                optimizer.step()

        variants = {
            "compiled": lambda spec=spec: dl.sweep("himmelblau", spec, starts=starts,
                                                   steps=steps, compile=True, device=device),
            "eager": lambda spec=spec: dl.sweep("himmelblau", spec, starts=starts,
                                                steps=steps, compile=False, device=device),
            "torch": vectorised,
        }  # fmt: skip
        rate = {k: n * steps / v for k, v in interleave(variants, rounds, device).items()}
        table.add_row(spec, *(f"{rate[k]:,.3g}" for k in ("compiled", "eager", "torch")),
                      f"{rate['compiled'] / rate['torch']:.2f}x")  # fmt: skip
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", help="a device torch accepts (default: cuda, else mps)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--layouts", default="abc", help="any of a, b, c (default abc)")
    args = parser.parse_args()
    console = Console(width=150)
    device = gpu(args.device)
    if device is None:
        console.print(f"no GPU on this machine (torch {torch.__version__}): nothing to measure")
        return
    console.print(f"torch {torch.__version__} on {device}")
    for layout in args.layouts:
        step_table(console, device, layout, args.rounds)
    sweep_table(console, device, max(1, args.rounds // 3))


if __name__ == "__main__":
    main()
