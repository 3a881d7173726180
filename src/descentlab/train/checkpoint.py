"""Checkpoints: everything a training run needs to continue bit-identically.

A checkpoint holds the model, optimizer and scheduler states, the global random
generator (which draws the data order), the curve so far and the run's configuration. It is
written whole under a temporary name and moved into place, and read with
``weights_only=True``; anything damaged, foreign or written for another run is a
one-line `CheckpointError`, raised before any file is touched.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch

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
