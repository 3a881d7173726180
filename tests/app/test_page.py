"""The page and what it loads: everything from this server, nothing from the internet."""

from __future__ import annotations

import re
from pathlib import Path
from xml.etree import ElementTree

import pytest

from descentlab.app.formulas import split_lines
from descentlab.app.server import PLOTLY_JS, STATIC


def test_the_page_loads_its_script_styles_and_plotly_from_this_server(http):
    page = http.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "/vendor/plotly.min.js" in sources and "/static/main.js" in sources
    assert '<script type="module" src="/static/main.js">' in page.text
    assert all(s.startswith(("/", "#", "data:")) for s in sources), sources
    for source in ("/static/main.js", "/static/style.css"):
        assert http.get(source).status_code == 200
    plotly = http.get("/vendor/plotly.min.js")
    assert plotly.content == PLOTLY_JS.read_bytes()
    assert plotly.headers["content-type"].startswith("text/javascript")


MODULES = sorted(p.name for p in Path(STATIC).glob("*.js"))


def test_the_page_is_native_modules_each_served_as_javascript_and_importing_only_its_own(http):
    assert set(MODULES) >= {"api.js", "spec.js", "geometry.js", "state.js", "map.js", "loss.js",
                            "sweep.js", "share.js", "main.js"}  # fmt: skip
    for name in MODULES:
        response = http.get(f"/static/{name}")
        assert response.status_code == 200
        assert response.headers["content-type"].split(";")[0] in {
            "text/javascript",
            "application/javascript",
        }, name
        text = response.text
        assert len(text.splitlines()) < 400, f"{name} is over 400 lines"
        for target in re.findall(r'^import .* from "([^"]+)";$', text, re.M):
            assert target.startswith("./") and target[2:] in MODULES, (name, target)


def test_the_page_copies_no_limits_and_parses_no_specs_or_paths_itself():
    text = "\n".join((Path(STATIC) / name).read_text() for name in MODULES)
    html = (Path(STATIC) / "index.html").read_text()
    # the limits come from GET /api/limits, not from constants copied from schemas.py
    assert not re.search(r"\bMAX_[A-Z_]+\s*=", text)
    for field in ("steps", "sweep-resolution", "sweep-steps", "expression"):
        tag = re.search(rf'<input id="{field}"[^>]*>', html).group(0)
        assert not re.search(r'\b(min|max|maxlength)="', tag), tag
    assert "/api/limits" in text and "/api/specs" in text
    # no second implementation of spec parsing (optim/spec.py) or path clipping
    for name in ("parseSpec(", "clipPath", "crossing(", "edgePoint"):
        assert name not in text, name


@pytest.mark.parametrize("name", ["index.html", "style.css", *MODULES])
def test_the_static_files_name_no_network_host(name):
    text = (Path(STATIC) / name).read_text()
    assert not re.search(r"https?://", text)
    assert "@import" not in text and "googleapis" not in text


def test_an_update_rule_is_typeset_one_equation_per_line(http):
    response = http.get("/api/formula.svg", params={"optimizer": "adam"})
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    svg = ElementTree.fromstring(response.content)
    assert svg.tag.endswith("svg")
    one = ElementTree.fromstring(http.get("/api/formula.svg", params={"landscape": "bowl"}).content)
    height = float(svg.get("height").removesuffix("pt"))
    assert height > 2.5 * float(one.get("height").removesuffix("pt")), "three lines, not one"
    glyphs = [e for e in svg.iter() if e.tag.endswith("path") or e.tag.endswith("use")]
    assert len(glyphs) > 30, "the formula is drawn as glyph paths, not left as text"
    assert not [e for e in svg.iter() if e.tag.endswith("text")]


def test_split_lines_breaks_at_top_level_quads_only():
    assert split_lines(r"a = 1,\quad b = \left(x,\quad y\right)\ \ (c)") == [
        "a = 1",
        r"b = \left(x,\quad y\right)",
        "(c)",
    ]
    assert split_lines(r"\theta \leftarrow 1,\quad \text{then }x") == [
        r"\theta \leftarrow 1",
        r"\text{then }x",
    ]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "give exactly one of optimizer= or landscape="),
        ({"optimizer": "adam", "landscape": "beale"}, "give exactly one of"),
        ({"optimizer": "adma"}, "unknown optimizer 'adma' (did you mean 'adam'"),
        ({"landscape": "x**"}, "bad expression 'x**'"),
    ],
)
def test_formula_requests_that_name_nothing_known_get_a_400(http, params, message):
    response = http.get("/api/formula.svg", params=params)
    assert response.status_code == 400 and message in response.json()["detail"]["message"]


def test_an_expression_formula_is_typeset(http):
    response = http.get("/api/formula.svg", params={"landscape": "sqrt(x**2 + y**2) / 2"})
    assert response.status_code == 200 and b"<svg" in response.content
