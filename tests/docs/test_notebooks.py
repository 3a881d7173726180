"""The docs notebooks, executed as CI executes them (small settings) and read back.

Each notebook checks its own numbers against the tutorial or textbook it teaches
(its ``assert`` cells); here every one must run to the end, show its figures and
printed tables, and keep its .ipynb half in step with the reviewed .py half.
"""

from __future__ import annotations

import jupytext
import nbformat
import pytest

from .notebooks import execute, outputs, sources

NOTEBOOKS = sources()


def test_the_chapters_are_all_there():
    names = [path.stem for path in NOTEBOOKS]
    assert names == [
        "01-escaping-a-saddle",
        "02-gradients-and-torch-optim",
        "03-the-optimizer-object",
        "04-optimization-algorithms",
        "05-which-optimizer-is-better",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_ipynb_half_matches_the_py_half(path):
    paired = nbformat.read(path.with_suffix(".ipynb"), as_version=4)
    reviewed = jupytext.read(path)
    assert [(c.cell_type, c.source) for c in paired.cells] == [
        (c.cell_type, c.source) for c in reviewed.cells
    ], f"run: jupytext --sync {path.name}"
    assert all(not c.get("outputs") for c in paired.cells), "the .ipynb is kept without outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_the_notebook_runs_to_the_end_and_shows_its_results(path, tmp_path):
    notebook, seconds = execute(path, tmp_path)
    print(f"{path.stem}: executed in {seconds:.1f} s")
    assert notebook.cells[0].cell_type == "markdown"
    assert notebook.cells[0].source.startswith("# "), "a chapter opens with its title"
    pictures = outputs(notebook, "image/png") + outputs(notebook, "text/html")
    assert len(pictures) >= 2, "a chapter shows its figures"
    assert outputs(notebook, "stream") or outputs(notebook, "text/plain")
    errors = [o for c in notebook.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
