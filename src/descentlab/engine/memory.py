"""How much memory a race or a sweep will need, refused up front when it will not fit.

The estimates are of the peak: what a job holds at once while it runs, counted from
the buffers `run` and `sweep` allocate (their dtype and their number), not just what
the result keeps. The limit is the memory available now (see `memory_limit`).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import torch

ENVIRONMENT = "DESCENTLAB_MEMORY_LIMIT"
_UNITS = {
    "": 1,
    "b": 1,
    "k": 2**10,
    "kb": 10**3,
    "kib": 2**10,
    "m": 2**20,
    "mb": 10**6,
    "mib": 2**20,
    "g": 2**30,
    "gb": 10**9,
    "gib": 2**30,
    "t": 2**40,
    "tb": 10**12,
    "tib": 2**40,
}
# an optimizer of its own per trajectory (torch classes that are not elementwise, such
# as L-BFGS): its Python objects, state and tensors. L-BFGS measured about 50 KB after
# one step here, and its history grows.
UNIT_BYTES = 64 * 1024


class JobTooLarge(ValueError):
    """A race or sweep that would need more memory than is available.

    Attributes
    ----------
    job : what was refused: "race", "sweep" or "grid of starts".
    needed : the estimated peak, in bytes.
    limit : the bytes available (or allowed by DESCENTLAB_MEMORY_LIMIT).
    detail : the sizes behind the estimate, such as "4,000,000 trajectories".
    hint : what to make smaller.
    """

    def __init__(self, job: str, needed: int, limit: int, detail: str, hint: str) -> None:
        self.job, self.needed, self.limit = job, int(needed), int(limit)
        self.detail, self.hint = detail, hint
        room = (
            f"{ENVIRONMENT} allows {human_bytes(limit)}"
            if os.environ.get(ENVIRONMENT)
            else f"{human_bytes(limit)} is available"
        )
        size = human_bytes(needed)
        super().__init__(f"this {job} needs about {size} ({detail}) but {room}; {hint}")

    def __reduce__(self) -> tuple[type, tuple[str, int, int, str, str]]:
        return (type(self), (self.job, self.needed, self.limit, self.detail, self.hint))


def human_bytes(n: float) -> str:
    """Bytes in binary units with one decimal: ``74.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n) < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError("unreachable")


def parse_bytes(text: str) -> int:
    """``"512MiB"``, ``"2 GB"``, ``"1.5G"`` or ``"1000000"`` as a number of bytes.

    K, M, G and T alone, and KiB, MiB, GiB, TiB, are powers of 1024; kB, MB, GB and
    TB powers of 1000.
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+(?:e[0-9]+)?)\s*([a-z]*)\s*", text.lower())
    if match is None or match.group(2) not in _UNITS or float(match.group(1)) <= 0:
        raise ValueError(
            f"{ENVIRONMENT} must be a number of bytes such as 2000000000, 512MiB or 8GB, "
            f"got {text!r}"
        )
    return int(float(match.group(1)) * _UNITS[match.group(2)])


def memory_limit() -> int | None:
    """The bytes a job may use: ``DESCENTLAB_MEMORY_LIMIT`` when set (bytes, or with a
    unit such as ``512MiB`` or ``8GB``; ``off`` for no limit), else the memory
    available now: MemAvailable from /proc/meminfo (capped by a cgroup v2 limit, as in
    a container), else the free physical pages `os.sysconf` reports. None when nothing
    is known (then nothing is refused)."""
    text = os.environ.get(ENVIRONMENT, "").strip()
    if text.lower() in ("off", "none"):
        return None
    if text:
        return parse_bytes(text)
    available = _meminfo_available()
    if available is None:
        available = _sysconf_available()
    room = _cgroup_room()
    if room is not None:
        available = room if available is None else min(available, room)
    return available


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024  # the kernel writes kB (KiB)
    except (OSError, ValueError, IndexError):
        pass
    return None


def _sysconf_available() -> int | None:
    for pages in ("SC_AVPHYS_PAGES", "SC_PHYS_PAGES"):
        try:
            return int(os.sysconf(pages)) * int(os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            continue
    return None


def _cgroup_room() -> int | None:
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit == "max":
            return None
        used = Path("/sys/fs/cgroup/memory.current").read_text().strip()
        return max(int(limit) - int(used), 0)
    except (OSError, ValueError):
        return None


def require(job: str, needed: int, detail: str, hint: str) -> None:
    """Raise `JobTooLarge` when ``needed`` bytes exceed `memory_limit`."""
    limit = memory_limit()
    if limit is not None and needed > limit:
        raise JobTooLarge(job, needed, limit, detail, hint)


def race_bytes(
    optimizers: int,
    starts: int,
    steps: int,
    dim: int,
    dtype: torch.dtype = torch.float32,
    states: int = 0,
) -> int:
    """Peak bytes of `run`: every point and loss of K x S trajectories x (T + 1) steps.

    `run` records positions (T+1, D, K*S) and evaluates the losses (T+1, K*S) in the
    run's dtype, then copies both into the arrays the `Race` keeps, so at the end each
    exists twice: 2 (D + 1) numbers per recorded point. With ``record_state``, each of
    ``states`` recorded tensors (the gradient and every optimizer state like the
    point) adds D numbers per point, kept once. The live buffers (the points, their
    last good copy, gradients, optimizer state: about 8 D numbers per trajectory) are
    small beside the record but counted.
    """
    size = torch.empty((), dtype=dtype).element_size()
    trajectories = optimizers * starts
    recorded = trajectories * (steps + 1) * (2 * (dim + 1) + states * dim)
    return size * (recorded + trajectories * 8 * dim)


def sweep_bytes(
    settings: int,
    starts: int,
    dim: int,
    dtype: torch.dtype = torch.float32,
    *,
    hyperparameters: int = 1,
    chunk: int = 1 << 20,
    vectorised: bool = True,
    separate: bool = False,
) -> int:
    """Peak bytes of `sweep` over ``settings`` grid combinations x ``starts``.

    Steps cost no memory: a sweep keeps running summaries only. What grows with the
    N = settings x starts trajectories, per trajectory:

    - the per-trajectory hyperparameter tensors (``hyperparameters`` numbers in the
      sweep's dtype; a pair counts 2) and the start index of each column (int64);
    - the summary of each chunk (final point and loss, best loss: D + 2 numbers in
      the dtype; steps to tolerance, basin, divergence step: int64; diverged: bool),
      held twice while the chunks are joined (with one chunk, the float running
      summaries and their int64 conversions overlap instead);
    - the frame's own columns: the hyperparameters (8 bytes each), start index and
      start point (8 + 8 D); its summary columns share the joined arrays.

    And per column of one chunk (at most ``chunk`` stepped together): the start
    points gathered for it (float64), the buffer, gradients, noise, optimizer state and
    the temporaries of a step and a probe, about 8 D + 6 numbers in the dtype. Without
    ``vectorised`` one setting runs at a time, over all its starts; with ``separate``
    each of them has an optimizer of its own besides (UNIT_BYTES).
    """
    size = torch.empty((), dtype=dtype).element_size()
    n = settings * starts
    summary = size * (dim + 2) + 8 * 3 + 1
    frame = 8 * hyperparameters + 8 + 8 * dim
    per_trajectory = 2 * summary + frame
    if vectorised:
        per_trajectory += size * hyperparameters + 8
        columns = min(chunk, n)
        working = columns * (size * (8 * dim + 6) + 8 * dim)
    else:
        working = starts * (size * (8 * dim + 6) + (UNIT_BYTES if separate else 0))
    return n * per_trajectory + working + 8 * dim * starts


def grid_bytes(n: int, dim: int) -> int:
    """Bytes of `grid_starts`: n**D points of D float64 coordinates."""
    return 8 * dim * n**dim
