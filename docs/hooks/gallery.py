"""The gallery page: the showcase `make demo` builds (the same exhibits, by the same
code), each picture with its caption and the formulas of its landscape and optimizers,
then the scripts of examples/. With DESCENTLAB_QUICK=1 (CI) only the exhibits that
take seconds are built."""

from __future__ import annotations

import html
import os
import tempfile
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

from descentlab import landscapes, optim
from descentlab.cli import demo
from descentlab.cli.gallery import media
from descentlab.optim.spec import parse

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FOLDER = "gallery"  # where the pictures go in the site
_built = tempfile.TemporaryDirectory(prefix="descentlab-gallery-")


def exhibits() -> list[demo.Exhibit]:
    """The showcase, or (quick) the exhibits that take seconds."""
    if os.environ.get("DESCENTLAB_QUICK") != "1":
        return list(demo.SHOWCASE)
    kind, steps = (lambda e: e.experiment["kind"]), (lambda e: e.experiment.get("steps", 0))
    return [e for e in demo.SHOWCASE if kind(e) == "ema" or (kind(e) == "race" and steps(e) <= 20)]


def formulas(experiment: dict[str, Any]) -> list[str]:
    """The landscape's formula and each optimizer's update rule, as display math."""
    shown = []
    if "landscape" in experiment:
        shown.append(landscapes.get(experiment["landscape"]).formula)
    for name in dict.fromkeys(parse(spec).name for spec in experiment.get("optimizers", [])):
        shown.append(rf"\text{{{name}:}}\quad {optim.info(name).formula}")
    return [f"$$\n{tex}\n$$\n" for tex in shown]


def exhibit_html(exhibit: demo.Exhibit) -> list[str]:
    """The exhibit's first output, as the demo's own gallery shows it, and all its files."""
    outputs = exhibit.experiment["out"]
    preview = exhibit.preview and f"{FOLDER}/{exhibit.preview}"
    links = ", ".join(f'<a href="{FOLDER}/{html.escape(n)}">{html.escape(n)}</a>' for n in outputs)
    return [media(f"{FOLDER}/{outputs[0]}", preview), f"<p>Files: {links}</p>"]


def page(shown: list[demo.Exhibit]) -> str:
    lines = ["# Gallery", "",
             "What `make demo` builds, with the formulas behind each picture (`make demo` "
             "writes each file with a `.json` sidecar of its settings).", ""]  # fmt: skip
    for exhibit in shown:
        lines += [f"## {exhibit.title}", "", exhibit.caption, ""]
        lines += [*exhibit_html(exhibit), ""]
        lines += [*formulas(exhibit.experiment), ""]
    lines += ["## The example scripts", "",
              "Each script in `examples/` makes its pictures with the Python API:", ""]  # fmt: skip
    for script in sorted(EXAMPLES.glob("*.py")):
        lines += [f"### {script.name}", "", "```python", script.read_text().rstrip(), "```", ""]
    return "\n".join(lines)


def on_files(files: Files, config: MkDocsConfig) -> Files:
    out = Path(_built.name)
    shown = exhibits()
    written = demo.build(out, progress=False, showcase=shown)
    for path in written:
        if path.suffix in (".png", ".gif", ".mp4", ".html") and path.parent == out:
            if path.name in ("index.html", demo.REAL_SIZE):
                continue
            files.append(File.generated(config, f"{FOLDER}/{path.name}", abs_src_path=str(path)))
    files.append(File.generated(config, "gallery.md", content=page(shown)))
    return files
