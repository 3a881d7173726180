"""Running a docs notebook as CI does: its .py read through jupytext, executed on a
real ipykernel with small settings (``DESCENTLAB_QUICK=1``), in a folder of its own."""

from __future__ import annotations

import os
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "docs" / "notebooks"
QUICK_ENV = "DESCENTLAB_QUICK"


def sources() -> list[Path]:
    """The notebooks' .py halves, in their chapter order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]-*.py"))


def execute(path: Path, workdir: Path, timeout: int = 900) -> tuple[nbformat.NotebookNode, float]:
    """The notebook executed with its outputs, and the seconds it took."""
    notebook = jupytext.read(path)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir)}},
    )
    previous = os.environ.get(QUICK_ENV)
    os.environ[QUICK_ENV] = "1"  # the kernel inherits it
    try:
        start = time.perf_counter()
        client.execute()
        return notebook, time.perf_counter() - start
    finally:
        if previous is None:
            os.environ.pop(QUICK_ENV)
        else:
            os.environ[QUICK_ENV] = previous


def outputs(notebook: nbformat.NotebookNode, kind: str) -> list[str]:
    """Every output of one mime type (``text/plain``, ``image/png``, ``text/html``) or
    of printed text (``stream``), in cell order."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if kind == "stream" and output.output_type == "stream":
                found.append(output.text)
            elif kind in output.get("data", {}):
                found.append(output.data[kind])
    return found
