"""Step time of descentlab's optimizers against torch.optim, measured side by side.

For every optimizer and parameter layout, our class and torch's (default settings,
foreach=True, and fused=True where torch has a fused kernel) step the same
parameters with the same gradients; their steps are interleaved round by round so
that machine noise hits all of them alike. Prints the median ms/step and the ratio
of ours to each torch variant.

    python bench/optim_step.py                 # all layouts, all optimizers
    python bench/optim_step.py --layouts c --repeats 50
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import torch
from rich.console import Console
from rich.table import Table

from descentlab import optim

TARGET = 1.25  # ours may take at most this many times torch's default on layouts b and c

# registry name -> (torch class, keyword arguments shared by ours and torch's)
PAIRS: dict[str, tuple[type[torch.optim.Optimizer], dict]] = {
    "sgd": (torch.optim.SGD, {"lr": 1e-3}),
    "momentum": (torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9}),
    "nesterov": (torch.optim.SGD, {"lr": 1e-3, "momentum": 0.9, "nesterov": True}),
    "adagrad": (torch.optim.Adagrad, {}),
    "rmsprop": (torch.optim.RMSprop, {}),
    "adadelta": (torch.optim.Adadelta, {}),
    "adam": (torch.optim.Adam, {}),
    "amsgrad": (torch.optim.Adam, {"amsgrad": True}),
    "adamw": (torch.optim.AdamW, {}),
    "adamax": (torch.optim.Adamax, {}),
    "nadam": (torch.optim.NAdam, {}),
    "radam": (torch.optim.RAdam, {}),
    "asgd": (torch.optim.ASGD, {}),
    "rprop": (torch.optim.Rprop, {}),
    "lion": (None, {}),
    "adafactor": (torch.optim.Adafactor, {}),
}
HAS_FUSED = {torch.optim.SGD, torch.optim.Adam, torch.optim.AdamW, torch.optim.Adagrad}


def layout_shapes(layout: str) -> list[tuple[int, ...]]:
    if layout == "a":  # one flat 2^24-element parameter
        return [(2**24,)]
    if layout == "b":  # 200 tensors, about 2^24 elements in all
        return [(2**24 // 200,)] * 200
    if layout == "c":  # LeNet-5: 61,706 parameters in 10 tensors
        return [
            (6, 1, 5, 5), (6,), (16, 6, 5, 5), (16,), (120, 400), (120,),
            (84, 120), (84,), (10, 84), (10,),
        ]  # fmt: skip
    raise ValueError(f"unknown layout {layout!r}; choose from a, b, c")


LAYOUT_NAMES = {
    "a": "(a) one flat 2^24-element parameter",
    "b": "(b) 200 tensors, 2^24 elements in all",
    "c": "(c) LeNet-sized: 61,706 parameters in 10 tensors",
}


def make_params(shapes: list[tuple[int, ...]], seed: int = 0) -> list[torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    params = []
    for shape in shapes:
        p = torch.randn(shape, generator=generator).requires_grad_(True)
        p.grad = torch.randn(shape, generator=generator) * 1e-2
        params.append(p)
    return params


def variants(name: str, shapes: list[tuple[int, ...]]) -> dict[str, Callable[[], None]]:
    """Step functions of ours and each applicable torch variant, on separate copies."""
    torch_cls, kwargs = PAIRS[name]
    steppers = {"ours": optim.create(name, make_params(shapes)).step}
    if torch_cls is not None:
        spec = optim.info(name)
        shared = {**spec.preset, **kwargs}
        steppers["torch default"] = torch_cls(make_params(shapes), **shared).step
        steppers["torch foreach"] = torch_cls(make_params(shapes), **shared, foreach=True).step
        if torch_cls in HAS_FUSED:
            steppers["torch fused"] = torch_cls(make_params(shapes), **shared, fused=True).step
    return steppers


def measure(steppers: dict[str, Callable[[], None]], repeats: int, warmup: int) -> dict[str, float]:
    times: dict[str, list[float]] = {key: [] for key in steppers}
    for _ in range(warmup):
        for step in steppers.values():
            step()
    for _ in range(repeats):  # interleaved: one step of each, round after round
        for key, step in steppers.items():
            start = time.perf_counter()
            step()
            times[key].append(time.perf_counter() - start)
    return {key: 1e3 * statistics.median(values) for key, values in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", default="abc", help="any of a, b, c (default abc)")
    parser.add_argument("--optimizers", default=",".join(PAIRS), help="comma-separated names")
    parser.add_argument("--repeats", type=int, default=0, help="timed steps (default by layout)")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    console = Console(width=150)
    console.print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        "median ms/step; ratio = ours / torch (lower is better)"
    )
    worst: dict[str, tuple[float, str]] = {}
    for layout in args.layouts:
        shapes = layout_shapes(layout)
        repeats = args.repeats or {"a": 15, "b": 25, "c": 200}[layout]
        table = Table(title=f"{LAYOUT_NAMES[layout]}, {repeats} interleaved steps")
        for column in ("optimizer", "ours ms", "torch default ms", "foreach ms", "fused ms"):
            table.add_column(column, justify="right")
        for column in ("ours/default", "ours/foreach", "ours/fused"):
            table.add_column(column, justify="right")
        for name in args.optimizers.split(","):
            ms = measure(variants(name, shapes), repeats, args.warmup)
            row = [name] + [
                f"{ms[k]:.3f}" if k in ms else "-"
                for k in ("ours", "torch default", "torch foreach", "torch fused")
            ]
            for key in ("torch default", "torch foreach", "torch fused"):
                row.append(f"{ms['ours'] / ms[key]:.2f}x" if key in ms else "-")
            if "torch default" in ms:
                ratio = ms["ours"] / ms["torch default"]
                if ratio > worst.get(layout, (0.0, ""))[0]:
                    worst[layout] = (ratio, name)
            table.add_row(*row)
        console.print(table)
    for layout, (ratio, name) in worst.items():
        verdict = "within" if ratio <= TARGET else "ABOVE"
        console.print(
            f"{LAYOUT_NAMES[layout]}: slowest ours/torch-default ratio {ratio:.2f}x ({name}), "
            f"{verdict} the {TARGET}x target"
        )


if __name__ == "__main__":
    main()
