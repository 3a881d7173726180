"""A job of the command line: an experiment (`descentlab.experiments`) and the files
to write it to, read from the options, a TOML file or a sidecar .json.

A TOML file and a sidecar hold the experiment's settings with ``out`` beside them;
the sidecar also records when and with which versions the output was made.
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import ExperimentFileError, SettingError
from ..experiments import KINDS, Experiment, read
from ..experiments.models import WHAT
from ..provenance import versions

RACE_FORMATS = (".gif", ".mp4", ".html", ".png", ".svg", ".pdf", ".csv", ".parquet")
TABLE_AND_PICTURE_FORMATS = (".png", ".svg", ".pdf", ".csv", ".parquet")
PICTURE_FORMATS = (".png", ".svg", ".pdf")
FORMATS = {
    "race": RACE_FORMATS,
    "sweep": TABLE_AND_PICTURE_FORMATS,
    "train": TABLE_AND_PICTURE_FORMATS,
    "ema": PICTURE_FORMATS,
    "tune": ("",),  # a folder
}


@dataclass(frozen=True)
class Job:
    """An experiment and the names of its outputs (the extension picks each format)."""

    experiment: Experiment
    out: list[str]

    @property
    def kind(self) -> str:
        return self.experiment.kind


def read_job(data: Any, file: str | None = None) -> Job:
    """The job ``data`` describes: its ``out`` checked against the formats of its kind,
    the rest read as the experiment."""
    if not isinstance(data, dict):
        raise SettingError(None, "an experiment is a table of settings", file)
    settings = dict(data)
    out = settings.pop("out", None)
    experiment = read(settings, file)
    if out is None:
        raise SettingError("out", f"{WHAT[experiment.kind]} needs 'out'", file)
    return Job(experiment, outputs(experiment.kind, out, file))


def outputs(kind: str, value: Any, file: str | None = None) -> list[str]:
    """Output names, each with an extension that ``kind`` is written as."""
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise SettingError("out", f"out must be a file name or a list of them, got {value!r}", file)
    if kind == "tune":
        if len(values) != 1:
            raise SettingError("out", "a tuning study is written into one folder", file)
        return values
    for name in values:
        suffix = Path(name).suffix.lower()
        if suffix not in FORMATS[kind]:
            raise SettingError(
                "out",
                f"cannot write {name!r}: {WHAT[kind]} is written as "
                f"{', '.join(FORMATS[kind])}, not {suffix or '(no extension)'!r}",
                file,
            )
    return values


def load(path: Path) -> tuple[dict[str, Any], Path]:
    """The settings in a .toml file or a sidecar .json, and the folder that relative
    output names resolve against."""
    if not path.is_file():
        raise ExperimentFileError(str(path), "does not exist: give a .toml or a sidecar .json")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ExperimentFileError(path.name, "is not an experiment: use a .toml file or a "
                                             "sidecar .json")  # fmt: skip
    text = path.read_text(encoding="utf-8")
    try:
        if suffix == ".toml":
            data: Any = tomllib.loads(text)
        else:
            data = json.loads(text)
            data = data.get("experiment", data) if isinstance(data, dict) else data
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise ExperimentFileError(
            str(path), f"is not valid {suffix[1:].upper()}: {error}"
        ) from None
    if not isinstance(data, dict) or "kind" not in data:
        raise ExperimentFileError(
            str(path),
            f"is not an experiment: it needs kind = {', '.join(repr(k) for k in KINDS)} "
            "(or is a sidecar .json written with an output)",
        )
    return data, path.parent


def sidecar(job: Job, path: Path, checkpoint: str | None = None) -> Path:
    """Write ``<path>.json``: the experiment that made ``path``, when, and the versions.
    ``checkpoint`` is the checkpoint folder as the job ran it, recorded relative to the
    output so that the pair can move together."""
    settings = job.experiment.model_dump(mode="json")
    if checkpoint is not None:
        settings["checkpoint"] = os.path.relpath(checkpoint, path.parent)
    record = {
        "descentlab": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "experiment": {**settings, "out": [path.name]},
    }
    target = path.with_name(path.name + ".json")
    target.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return target


def check_writable(path: Path) -> None:
    """Refuse, before any work, an output that cannot be written."""
    if path.is_dir():
        raise ExperimentFileError(str(path), "cannot be written: it is a folder")
    existing = path.parent
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise ExperimentFileError(
            str(path), f"cannot be written: {str(existing)!r} is not a writable folder"
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise ExperimentFileError(str(path), "cannot be written: the file is read-only")
