"""Checkpoints: everything a training run needs to continue bit-identically.

A checkpoint holds the model, optimizer and scheduler states, the global random
generator (which draws the data order), the curve so far and the run's configuration. It is
written whole under a temporary name and moved into place (an interrupted write leaves
the previous checkpoint as it was), and read with ``weights_only=True``; anything
damaged, foreign or written for another run is a one-line `CheckpointError`, raised
before any file is touched.

Resuming a comparison (`resumable`): a run with a checkpoint continues from it (a
finished one is only loaded), a run without one starts afresh, and a folder holding
a checkpoint for none of the runs is an error: most likely a mistyped folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch

from .result import CURVE_COLUMNS

FORMAT = "descentlab-checkpoint"
VERSION = 1


class CheckpointError(ValueError):
    """A checkpoint that cannot be resumed from: damaged, foreign or mismatched."""


def first_line(error: BaseException, limit: int = 160) -> str:
    """The start of an error's message, to quote inside a one-line error."""
    text = str(error).strip()
    return (text.splitlines()[0] if text else type(error).__name__)[:limit]


def checkpoint_path(folder: str | Path, task: str, label: str, seed: int) -> Path:
    """Where the checkpoint of one run (task, optimizer label, seed) lives in ``folder``."""
    slug = re.sub(r"[^A-Za-z0-9._]+", "-", label).strip("-.") or "optimizer"
    return Path(folder) / f"{task}-{slug[:80]}-seed{seed}.pt"


def save_checkpoint(path: Path, contents: dict[str, Any]) -> None:
    """Write ``contents`` to ``path`` atomically (a crash leaves the old file intact)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with partial.open("wb") as handle:
            torch.save({"format": FORMAT, "version": VERSION, **contents}, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def load_checkpoint(path: Path, config: dict[str, Any]) -> dict[str, Any]:
    """Read the checkpoint at ``path`` and check it was written by a run with ``config``."""
    if not path.is_file():
        raise CheckpointError(
            f"no checkpoint to resume from at {str(path)!r}; run without resume to start"
        )
    try:
        contents = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises many types for damaged files
        raise CheckpointError(
            f"checkpoint {str(path)!r} is damaged or not a checkpoint ({first_line(error)}); "
            "delete it to start again"
        ) from None
    if not isinstance(contents, dict) or contents.get("format") != FORMAT:
        raise CheckpointError(f"{str(path)!r} is not a descentlab checkpoint")
    if contents.get("version") != VERSION:
        raise CheckpointError(
            f"checkpoint {str(path)!r} has format version {contents.get('version')!r}; "
            f"this descentlab reads version {VERSION}"
        )
    saved = contents.get("config")
    if not isinstance(saved, dict):
        raise CheckpointError(f"checkpoint {str(path)!r} has no run configuration")
    for key, value in config.items():
        if saved.get(key) != value and key == "scheduler_length":
            raise CheckpointError(
                f"checkpoint {str(path)!r} follows a schedule fitted to its run's length "
                f"({saved.get(key)}), not {value}; write the length in the scheduler spec "
                "(e.g. cosine(T_max=50)) to resume to another number of epochs"
            )
        if saved.get(key) != value:
            raise CheckpointError(
                f"checkpoint {str(path)!r} was written with {key}={saved.get(key)!r}, "
                f"not {value!r}; resume with the same settings or delete it"
            )
    missing = {"epoch", "examples", "model", "optimizer", "rng", "curve"} - set(contents)
    if missing:
        raise CheckpointError(f"checkpoint {str(path)!r} lacks {', '.join(sorted(missing))}")
    return contents


def run_config(
    task: Any,
    label: str,
    seed: int,
    batch_size: int,
    dtype: torch.dtype,
    scheduler: Any,
    factory: Any,
) -> dict[str, Any]:
    """What a checkpoint must have been written with to be resumed by this run."""
    return {
        "task": task.name,
        "optimizer": label,
        "seed": seed,
        "batch_size": batch_size,
        "dtype": str(dtype),
        "scheduler": None if scheduler is None else str(scheduler),
        # a schedule fitted to the run's length cannot be stretched on resuming
        "scheduler_length": getattr(factory, "filled", None) or None,
        "examples": task.examples,
    }


def resumable(folder: str | Path, paths: Sequence[Path]) -> list[bool]:
    """Which of ``paths`` (the runs' checkpoints in ``folder``) exist to resume from.

    Raises `CheckpointError` when none does: resuming then would silently start every
    run again, which is most likely a mistyped folder.
    """
    found = [path.is_file() for path in paths]
    if not any(found):
        folder = Path(folder)
        if folder.is_dir():
            where = f"{str(folder)!r} holds none of {', '.join(p.name for p in paths)}"
        else:
            where = f"{str(folder)!r} does not exist"
        raise CheckpointError(f"no checkpoint to resume from: {where}; run without resume to start")
    return found


def pack(
    config: dict[str, Any],
    epoch: int,
    examples: int,
    rows: list[dict[str, float]],
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
) -> dict[str, Any]:
    """What `save_checkpoint` writes after an epoch (the global generator included)."""
    return {
        "config": config,
        "epoch": epoch,
        "examples": examples,
        "seconds": rows[-1]["seconds"] if rows else 0.0,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": None if scheduler is None else scheduler.state_dict(),
        "rng": torch.get_rng_state(),
        "curve": {key: [row[key] for row in rows] for key in CURVE_COLUMNS},
    }


def unpack(
    contents: dict[str, Any],
    path: Path,
    epochs: int,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
) -> tuple[list[dict[str, float]], torch.Tensor]:
    """Load a checkpoint read by `load_checkpoint` into fresh objects of the run.

    Returns the curve's rows and the generator state to train on with; a checkpoint
    beyond ``epochs`` or one that does not fit the objects raises `CheckpointError`.
    """
    if contents["epoch"] > epochs:
        raise CheckpointError(
            f"checkpoint {str(path)!r} is at epoch {contents['epoch']}, beyond epochs={epochs}"
        )
    try:
        model.load_state_dict(contents["model"])
        optimizer.load_state_dict(contents["optimizer"])
        if (contents["scheduler"] is None) != (scheduler is None):
            raise ValueError("the scheduler does not match")
        if scheduler is not None:
            scheduler.load_state_dict(contents["scheduler"])
        rng = contents["rng"]
        torch.Generator().set_state(rng)  # checks it without touching the global one
        curve = contents["curve"]
        rows = [dict(zip(CURVE_COLUMNS, values, strict=True)) for values in
                zip(*(curve[key] for key in CURVE_COLUMNS), strict=True)]  # fmt: skip
    except (RuntimeError, ValueError, KeyError, TypeError) as error:
        raise CheckpointError(
            f"checkpoint {str(path)!r} does not fit this run ({first_line(error)}); "
            "delete it to start again"
        ) from None
    return rows, rng
