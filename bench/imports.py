"""Start-up cost: importing descentlab and asking the command line for help, against
importing torch, each in a fresh interpreter, interleaved round by round.

The floor is an interpreter that imports nothing (``python -c pass``); `import torch`
is the baseline, since every optimizer needs it. Prints median seconds and ratios.

    python bench/imports.py --rounds 7
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

CLI = str(Path(sys.executable).with_name("descentlab"))
CASES = {
    "python -c pass (floor)": [sys.executable, "-c", "pass"],
    "import torch (baseline)": [sys.executable, "-c", "import torch"],
    "import descentlab": [sys.executable, "-c", "import descentlab"],
    "import descentlab.optim": [sys.executable, "-c", "import descentlab.optim"],
    "descentlab.run (engine)": [sys.executable, "-c", "import descentlab as dl; dl.run"],
    "descentlab.viz": [sys.executable, "-c", "import descentlab as dl; dl.viz"],
    "descentlab --help": [CLI, "--help"],
    "descentlab race --help": [CLI, "race", "--help"],
    "descentlab list optimizers": [CLI, "list", "optimizers"],
}


def seconds(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    for command in CASES.values():  # warm the file cache once
        seconds(command)
    times: dict[str, list[float]] = {name: [] for name in CASES}
    for _ in range(args.rounds):
        for name, command in CASES.items():
            times[name].append(seconds(command))
    median = {name: statistics.median(values) for name, values in times.items()}
    torch_s = median["import torch (baseline)"]
    floor = median["python -c pass (floor)"]
    table = Table(title=f"start-up, median of {args.rounds} interleaved rounds")
    table.add_column("what")
    table.add_column("seconds", justify="right")
    table.add_column("/ import torch", justify="right")
    table.add_column("above the floor", justify="right")
    for name, value in median.items():
        table.add_row(name, f"{value:.3f}", f"{value / torch_s:.2f}x", f"{value - floor:+.3f}")
    Console(width=100).print(table)


if __name__ == "__main__":
    main()
