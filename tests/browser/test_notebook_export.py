"""A race shown in a notebook and exported to HTML by nbconvert, opened from a file in
Chromium with the network off: its sandboxed map unpacks plotly.js, draws the
landscape and plays, and the summary table sits under it."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter

pytestmark = pytest.mark.browser

PLOT = "document.querySelector('.js-plotly-plot')"
CELL = (
    "import descentlab as dl\n"
    'dl.run("beale", ["sgd(lr=1e-3)", "adam(lr=0.1)", "rmsprop(lr=0.01)"], '
    "starts=[(1.0, 1.5)], steps=100)"
)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CELL)])
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()  # fmt: skip
    body, _ = HTMLExporter().from_notebook_node(notebook)
    path = folder / "race.html"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_exported_race_draws_and_plays_offline(browser, exported, artifacts):
    context = browser.new_context(offline=True, viewport={"width": 1200, "height": 1100})
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(exported.as_uri())
        (frame,) = [f for f in page.frames if f.url == "about:srcdoc"]
        frame.wait_for_function(f"() => {PLOT} && {PLOT}._fullLayout")
        assert frame.locator(".imagelayer image").count() == 1  # the map is drawn
        # sandboxed: the map's script cannot reach into the notebook's page
        isolated = "() => { try { return !window.parent.document; } catch (e) { return true; } }"
        assert frame.evaluate(isolated)
        frame.locator(".updatemenu-button", has_text="play").click()
        frame.wait_for_function(f"() => {PLOT}._fullLayout.sliders[0].active > 20")
        table = page.locator(".descentlab-view table").first
        assert table.locator("tbody tr").count() == 3
        assert "adam(lr=0.1)" in table.inner_text()
        page.screenshot(path=str(artifacts / "notebook-race.png"), full_page=True)
    finally:
        context.close()
    assert not errors, errors
