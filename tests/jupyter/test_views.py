"""Results in a real Jupyter kernel: each renders as one self-contained HTML block (a
figure and its summary table), a 100-step race stays under 1.5 MB, and long work
draws a progress bar in its cell."""

from __future__ import annotations

import base64
import io
import re

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient
from PIL import Image

import descentlab as dl

CELLS = {
    "setup": "import descentlab as dl\nimport descentlab.jupyter.bars as bars\nbars.DELAY = 0",
    "race": (
        'race = dl.run("beale", ["sgd(lr=1e-3)", "nesterov(lr=1e-3)", "adam(lr=0.1)", '
        '"rmsprop(lr=0.01)", "adagrad(lr=0.3)"], starts=[(1.0, 1.5)], steps=100)\nrace'
    ),
    "line": 'dl.run("x**2", ["sgd(lr=0.1)", "adam(lr=0.3)"], starts=[(2.0,)], steps=20)',
    "sensitivity": (
        'dl.sweep("himmelblau", "adam", grid={"lr": [0.01, 0.1]}, '
        'starts=dl.grid_starts("himmelblau", 6), steps=50)'
    ),
    "basins": 'dl.sweep("himmelblau", "adam(lr=0.1)", starts=dl.grid_starts("himmelblau", 6))',
    "training": 'dl.compare("digits", ["sgd(lr=0.1)", "adam(lr=1e-3)"], epochs=1)',
    "figure": "dl.viz.trace(race)",
    "diverged": 'dl.fit("airfoil", "sgd(lr=1e3)", epochs=2)',
    "space": (
        "ball = dl.landscapes.Landscape('ball', lambda x, y, z: x**2 + y**2 + z**2, "
        "'x^2 + y^2 + z^2', ((-2, 2),) * 3, (1.0, 1.0, 1.0))\n"
        'dl.run(ball, "adam(lr=0.1)", steps=20)'
    ),
}


@pytest.fixture(scope="module")
def shown(tmp_path_factory):
    """What each cell displayed, executed once on a real ipykernel."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in CELLS.values()]
    )
    folder = tmp_path_factory.mktemp("kernel")
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    return dict(zip(CELLS, (cell.outputs for cell in notebook.cells), strict=True))


def _result(outputs):
    (result,) = [o for o in outputs if o.output_type == "execute_result"]
    return result.data


def _table(text):
    """The summary table's rows, as lists of cell texts."""
    table = text[text.index("<table", text.rindex("</iframe>") if "</iframe>" in text else 0) :]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S)
    return [re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row, flags=re.S) for row in rows]


def test_a_race_shows_its_interactive_map_and_its_table_in_under_1_5_mb(shown):
    data = _result(shown["race"])
    page = data["text/html"]
    assert len(page.encode()) < 1_500_000
    assert page.count("<iframe srcdoc=") == 1 and "Plotly" in page  # plotly.js is inside
    assert "Race on beale: 5 optimizers x 1 start x 100 steps" in page
    race = dl.run("beale", ["sgd(lr=1e-3)", "nesterov(lr=1e-3)", "adam(lr=0.1)",
                            "rmsprop(lr=0.01)", "adagrad(lr=0.3)"], starts=[(1.0, 1.5)],
                  steps=100)  # fmt: skip
    rows = _table(page)
    assert rows[0] == ["optimizer", "start", "final_loss", "best_loss", "steps_to_tol",
                       "diverged_at"]  # fmt: skip
    expected = race.summary()
    assert [row[0] for row in rows[1:]] == list(expected["optimizer"])
    shown_losses = [float(row[2]) for row in rows[1:]]
    np.testing.assert_allclose(shown_losses, expected["final_loss"], rtol=1e-3)
    assert data["text/plain"].startswith("Race on beale")  # the plain repr stays


def test_a_one_dimensional_race_shows_its_trace_as_an_image(shown):
    page = _result(shown["line"])["text/html"]
    assert "<iframe" not in page
    (encoded,) = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    assert image.width > 300 and image.height > 200


@pytest.mark.parametrize("cell", ["sensitivity", "basins", "training"])
def test_sweeps_and_training_show_a_figure_and_one_row_per_setting(shown, cell):
    page = _result(shown[cell])["text/html"]
    assert page.count("data:image/png;base64,") == 1
    rows = _table(page)
    assert len(rows) - 1 == {"sensitivity": 2, "basins": 1, "training": 2}[cell]
    assert rows[0][0] == "optimizer"


def test_work_in_a_cell_draws_a_bar_that_ends_full(shown):
    bars = [o for o in shown["race"] if o.output_type == "display_data"]
    assert len(bars) == 1  # one display per cell, updated in place
    final = bars[0].data["text/html"]
    assert "race on beale" in final and "width:100.0%" in final
    training = [o for o in shown["training"] if o.output_type == "display_data"]
    assert len(training) == 1
    assert "digits sgd(lr=0.1)" in training[0].data["text/html"]


def test_a_run_that_stopped_short_says_so_when_its_cell_ends(shown):
    (bar,) = [o for o in shown["diverged"] if o.output_type == "display_data"]
    assert "stopped after" in bar.data["text/html"] and "left" not in bar.data["text/html"]
    assert "diverged" in _result(shown["diverged"])["text/html"]


def test_a_race_in_three_dimensions_shows_its_table_without_a_figure(shown):
    page = _result(shown["space"])["text/html"]
    assert "<iframe" not in page and "data:image" not in page
    assert len(_table(page)) == 2  # the header and adam's row


def test_a_figure_made_without_pyplot_shows_as_an_image(shown):
    data = _result(shown["figure"])
    image = Image.open(io.BytesIO(base64.b64decode(data["image/png"])))
    assert image.width > 300


def test_outside_a_notebook_nothing_registers_and_no_bar_is_drawn():
    from descentlab import jupyter, progress

    assert jupyter.register() is False
    assert progress.resolve(None) is None


def test_a_study_draws_one_bar_for_its_trials_and_shows_its_curves_and_results(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import descentlab as dl\nimport descentlab.jupyter.bars as bars\nbars.DELAY = 0\n"
        "study = dl.tune('airfoil', ['sgd', 'adam'], budget=2, seeds=1, "
        f"folder={str(tmp_path)!r})\nstudy"
    )])  # fmt: skip
    NotebookClient(notebook, timeout=600, kernel_name="python3").execute()
    (bar,) = [o for o in notebook.cells[0].outputs if o.output_type == "display_data"]
    page = bar.data["text/html"]
    assert page.count("<tr>") == 1 and "tune: airfoil" in page and "width:100.0%" in page
    shown = _result(notebook.cells[0].outputs)["text/html"]
    assert shown.count("data:image/png;base64,") == 1
    rows = _table(shown)
    assert rows[0][:3] == ["task", "optimizer", "setting"]
    assert sorted(row[1] for row in rows[1:]) == ["adam", "sgd"]
