"""Races as downloadable files: a GIF or MP4 rendered here, or the tidy CSV."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from .. import viz
from .compute import run_race
from .schemas import ExportRequest

MEDIA_TYPES = {"gif": "image/gif", "mp4": "video/mp4", "csv": "text/csv"}


def export(request: ExportRequest) -> tuple[bytes, str, str]:
    """The file's bytes, its media type and a file name for the download."""
    race = run_race(request)
    name = f"{_slug(race.landscape.name)}-race.{request.format}"
    with tempfile.TemporaryDirectory(prefix="descentlab-") as folder:
        path = Path(folder) / name
        if request.format == "csv":
            race.save(path)
        else:
            animation = viz.animate(
                race,
                request.view,
                fps=request.fps,
                duration=request.frames / request.fps,
                xlim=request.xlim,
                ylim=request.ylim,
            )
            animation.save(path)
        return path.read_bytes(), MEDIA_TYPES[request.format], name


def _slug(name: str) -> str:
    """A file-name-safe version of a landscape name (expressions included)."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower()
    return slug[:40].strip("-") or "landscape"
