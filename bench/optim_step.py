"""Step time of descentlab's optimizers against torch.optim, measured side by side.

For every optimizer and parameter layout, our class (its default path, and fused=True:
its own rule compiled over all of a group's tensors) and torch's (default settings,
foreach=True, and fused=True where torch has a fused kernel) step the same parameters
with the same gradients; their steps are interleaved round by round so that machine
noise hits all of them alike. Prints the median ms/step, the ratios, and the memory
limit: the bytes a step must read and write (parameter, gradient and state, once each)
at the memory bandwidth measured in the same run (``a += b`` on 256 MB tensors).
Compiling is not timed in the tables;
its cost is printed after them, cold (an empty on-disk cache) and warm (a new process
reading the kernels back from the cache).

    python bench/optim_step.py                 # all layouts, all optimizers
    python bench/optim_step.py --layouts c --repeats 50
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
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
# the 200-tensor layout compiles for a minute per optimizer: there, only torch's fused four
FUSED_ON_B = {"sgd", "momentum", "adagrad", "adam", "adamw"}


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


def variants(
    name: str, shapes: list[tuple[int, ...]], fused: bool
) -> dict[str, Callable[[], None]]:
    """Step functions of ours and each applicable torch variant, on separate copies."""
    torch_cls, kwargs = PAIRS[name]
    steppers = {"ours": optim.create(name, make_params(shapes)).step}
    if fused and optim.info(name).cls.switches:
        steppers["ours fused"] = optim.create(f"{name}(fused=True)", make_params(shapes)).step
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


def memory_bandwidth() -> float:
    """Bytes a second that ``a += b`` moves on 256 MB tensors (a and b read, a written
    in place): the access pattern of an optimizer step, with no write-allocate reads
    (a plain copy has them, and understates what a step can reach)."""
    a, b = torch.randn(2**26), torch.randn(2**26)
    a.add_(b)
    seconds = statistics.median(_timed(lambda: a.add_(b)) for _ in range(9))
    return 3 * a.numel() * a.element_size() / seconds


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bytes_per_step(name: str, shapes: list[tuple[int, ...]]) -> int:
    """What a step must move at least: the parameter read and written, the gradient read,
    and each state tensor shaped like the parameter read and written."""
    params = make_params([shapes[0]])
    optimizer = optim.create(name, params)
    optimizer.step()
    state = optimizer.state[params[0]]
    tensors = sum(1 for v in state.values() if getattr(v, "shape", None) == params[0].shape)
    numel = sum(torch.Size(shape).numel() for shape in shapes)
    return numel * 4 * (3 + 2 * tensors)


COMPILE_SCRIPT = """
import time, torch
from descentlab import optim
params = [torch.randn(s, requires_grad=True) for s in {shapes!r}]
for p in params:
    p.grad = torch.randn_like(p)
optimizer = optim.create({name!r} + "(fused=True)", params)
optimizer.step()  # each tensor's first step runs as written
start = time.perf_counter()
optimizer.step()  # the first compiled step: trace, compile or read back, run
print(time.perf_counter() - start)
"""


def compile_seconds(name: str, shapes: list[tuple[int, ...]]) -> tuple[float, float]:
    """Seconds of the first fused step in a new process: with an empty inductor cache,
    then again with the cache the first one left on disk."""
    script = COMPILE_SCRIPT.format(shapes=shapes, name=name)
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache}
        runs = [
            subprocess.run(
                [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
            ).stdout
            for _ in range(2)
        ]
    cold, warm = (float(out.split()[-1]) for out in runs)
    return cold, warm


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layouts", default="abc", help="any of a, b, c (default abc)")
    parser.add_argument("--optimizers", default=",".join(PAIRS), help="comma-separated names")
    parser.add_argument("--repeats", type=int, default=0, help="timed steps (default by layout)")
    parser.add_argument("--warmup", type=int, default=2)
    args = parser.parse_args()

    console = Console(width=190)
    bandwidth = memory_bandwidth()
    console.print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; median ms/step; "
        f"memory bandwidth (a += b) {bandwidth / 1e9:.1f} GB/s; ratios: lower is better"
    )
    worst: dict[str, tuple[float, str]] = {}
    for layout in args.layouts:
        shapes = layout_shapes(layout)
        repeats = args.repeats or {"a": 15, "b": 25, "c": 200}[layout]
        table = Table(title=f"{LAYOUT_NAMES[layout]}, {repeats} interleaved steps")
        columns = ("optimizer", "ours ms", "ours fused ms", "torch default ms", "foreach ms",
                   "fused ms", "ours/default", "fused/torch fused", "fused/foreach",
                   "limit ms", "limit/fused")  # fmt: skip
        for column in columns:
            table.add_column(column, justify="right")
        for name in args.optimizers.split(","):
            fused = layout != "b" or name in FUSED_ON_B
            ms = measure(variants(name, shapes, fused), repeats, args.warmup)
            row = [name] + [
                f"{ms[k]:.3f}" if k in ms else "-"
                for k in ("ours", "ours fused", "torch default", "torch foreach", "torch fused")
            ]
            for mine, theirs in (("ours", "torch default"), ("ours fused", "torch fused"),
                                 ("ours fused", "torch foreach")):  # fmt: skip
                row.append(f"{ms[mine] / ms[theirs]:.2f}x" if {mine, theirs} <= ms.keys() else "-")
            if layout == "c":  # 0.7 MB that stay in cache: no memory limit applies
                row += ["-", "-"]
            else:
                limit = 1e3 * bytes_per_step(name, shapes) / bandwidth
                row.append(f"{limit:.3f}")
                row.append(f"{limit / ms['ours fused']:.2f}" if "ours fused" in ms else "-")
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
    console.print("compile cost of the first fused step, in a new process (not in the tables):")
    for layout in args.layouts:
        cold, warm = compile_seconds("adam", layout_shapes(layout))
        console.print(
            f"    adam, {LAYOUT_NAMES[layout]}: {cold:.1f} s with an empty cache, "
            f"{warm:.1f} s with the cache on disk"
        )


if __name__ == "__main__":
    main()
