"""The site's build hooks: formulas become MathML at build time, a formula that cannot
be typeset fails the build naming its page, and parameters written ``name : what it
is`` are read as descriptions."""

from __future__ import annotations

import importlib.util
import types
from pathlib import Path

import pytest
from mkdocs.exceptions import PluginError

HOOKS = Path(__file__).resolve().parents[2] / "docs" / "hooks"


def _hook(name: str) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _page(uri: str) -> types.SimpleNamespace:
    return types.SimpleNamespace(file=types.SimpleNamespace(src_uri=uri))


def test_arithmatex_formulas_become_mathml():
    mathml = _hook("mathml")
    text = (
        '<p>Adam: <span class="arithmatex">\\(\\hat m_t / (1-\\beta_1^t)\\)</span></p>'
        '<div class="arithmatex">\\[\\theta_t = \\theta_{t-1} - \\gamma g_t\\]</div>'
    )
    out = mathml.on_page_content(text, _page("index.md"), None, None)
    assert "arithmatex" not in out and "\\(" not in out
    assert out.count("<math") == 2 and 'display="block"' in out and 'display="inline"' in out
    assert "<mi>&#x003B8;</mi>" in out  # theta, typeset


def test_a_notebooks_typed_dollars_are_typeset_in_markdown_cells_only():
    mathml = _hook("mathml")
    text = (
        '<div class="jp-RenderedHTMLCommon jp-RenderedMarkdown"><p>cost $x^2$, or</p>'
        "<p>$$f(x) = x^2$$</p></div>"
        '<div class="highlight"><pre>price = "$5 and $6"</pre></div>'
    )
    out = mathml.on_page_content(text, _page("notebooks/a.ipynb"), None, None)
    assert out.count("<math") == 2
    assert 'price = "$5 and $6"' in out  # code is left as it is


def test_a_formula_that_cannot_be_typeset_fails_the_build_naming_its_page():
    mathml = _hook("mathml")
    text = '<span class="arithmatex">\\(\\frac{1}{\\)</span>'
    with pytest.raises(PluginError, match=r"gallery\.md: cannot typeset"):
        mathml.on_page_content(text, _page("gallery.md"), None, None)


def test_parameters_written_as_name_colon_text_are_descriptions():
    parameters = _hook("parameters")
    docstring = (
        "Race them.\n\nParameters\n----------\nsteps : number of optimizer steps.\n"
        "epochs, batch_size : default to the task's.\nseed : draws the weights\n"
        "    and the order.\n\nNotes\n-----\nname : not a parameter.\n"
    )
    assert parameters.described(docstring) == (
        "Race them.\n\nParameters\n----------\nsteps\n    number of optimizer steps.\n"
        "epochs, batch_size\n    default to the task's.\nseed\n    draws the weights\n"
        "    and the order.\n\nNotes\n-----\nname : not a parameter.\n"
    )
