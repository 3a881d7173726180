"""Latency of the playground's POST /api/race against the tutorial loop, in one run.

The Beale race of bench/engine.py (7 optimizers x 300 steps from (1, 1.5)) is asked of
a running server 50 times, one request after another; its p50 and p95 wall times are
set against those of the same race written as the tutorial loop (torch.optim on one
(2,) tensor with autograd, step by step, optimizer after optimizer). The API's final
points are checked against the loop's before anything is timed.

    python bench/serve.py                    # starts the server on a free port
    python bench/serve.py --url http://127.0.0.1:8000 --requests 100
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import numpy as np
import torch
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parent))
from engine import RACE_SPECS, beale_vector, tutorial_loop

START = (1.0, 1.5)
STEPS = 300
BODY = {"landscape": "beale", "optimizers": list(RACE_SPECS), "starts": [list(START)],
        "steps": STEPS}  # fmt: skip


@contextmanager
def server(url: str | None) -> Iterator[str]:
    """The given server, or `descentlab serve` on a free loopback port until the end."""
    if url is not None:
        yield url.rstrip("/")
        return
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # the server `descentlab serve` runs, in a process of its own
    run = f"from descentlab.app.server import serve; serve(port={port})"
    command = [sys.executable, "-c", run]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{address}/api/optimizers", timeout=2).raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=20)


def tutorial() -> np.ndarray:
    """The race as a tutorial writes it; the final point of each optimizer."""
    return np.stack(
        [tutorial_loop(make, beale_vector, list(START), STEPS)[-1].numpy()
         for make in RACE_SPECS.values()]
    )  # fmt: skip


def timed(fn: Callable[[], object], count: int) -> list[float]:
    times = []
    for _ in range(count):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return times


def percentiles(times: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(times, n=100, method="inclusive")
    return statistics.median(times), cuts[94]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one)")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--loops", type=int, default=20, help="tutorial loops to time")
    args = parser.parse_args()
    console = Console(width=110)
    console.print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    with server(args.url) as url, httpx.Client(base_url=url, timeout=120) as http:

        def race() -> dict:
            response = http.post("/api/race", json=BODY)
            response.raise_for_status()
            return response.json()

        body = race()  # warm up, and check the numbers
        served = np.asarray(body["positions"])[:, 0, -1]
        np.testing.assert_allclose(served, tutorial(), rtol=1e-4, atol=1e-5)
        for _ in range(3):
            race()
        api = timed(race, args.requests)
    loop = timed(tutorial, args.loops)
    (api50, api95), (loop50, loop95) = percentiles(api), percentiles(loop)
    console.print(f"POST /api/race, beale, 7 optimizers x {STEPS} steps x 1 start")
    rows = [(f"API, {args.requests} requests", api50, api95),
            (f"tutorial loop, {args.loops} runs", loop50, loop95)]  # fmt: skip
    for name, p50, p95 in rows:
        console.print(f"    {name:28s} p50 {p50 * 1e3:8.1f} ms   p95 {p95 * 1e3:8.1f} ms")
    console.print(
        f"    tutorial / API = {loop50 / api50:.2f}x at p50, {loop95 / api95:.2f}x at p95 "
        "(the API's time includes HTTP and JSON)"
    )


if __name__ == "__main__":
    main()
