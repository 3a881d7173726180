"""The layer rule of docs/design.md: imports only point down.

Every import of a descentlab module inside the package is read with ast (including
imports inside functions) and checked against the layer table below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "descentlab"

# package (or top-level module) -> layer; a module may import its own package and
# any package of a lower layer
LAYERS = {
    "names": 0, "progress": 0, "errors": 0, "defaults": 0, "checks": 0, "provenance": 0,
    "optim": 1, "landscapes": 1, "specs": 1,
    "engine": 2, "train": 2,
    "viz": 3,
    "(root)": 4, "tasks": 4, "tuning": 4,  # the public face: descentlab/__init__.py, .tasks
    "experiments": 5,
    "cli": 6, "app": 6, "jupyter": 6, "__main__": 6,
}  # fmt: skip
# imports within one layer (or, for the notebook face, up), each with its reason
SIDEWAYS = {
    ("specs", "optim"): "SpecLike, the one type of an optimizer spec, names optim's types",
    ("train", "engine"): "training results are stored with engine.storage",
    ("(root)", "tasks"): "descentlab.tasks is one of the public names",
    ("(root)", "tuning"): "dl.tune and dl.Tuning are public names",
    ("cli", "app"): "descentlab serve starts the web app",
    ("__main__", "cli"): "python -m descentlab runs the command line",
    ("(root)", "jupyter"): "import descentlab in a notebook registers the notebook face",
}
ANYWHERE = {"__version__"}  # read from the package metadata, imports nothing


def _part(module: str) -> str:
    """The package of the layer table that a dotted descentlab module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "(root)"


def imports() -> list[tuple[str, str, str]]:
    """(importing file, importing package, imported package) for every import."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        here = ".".join(parts) if path.name == "__init__.py" else ".".join(parts[:-1])
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level:
                base = here.split(".")[: len(here.split(".")) - node.level + 1]
                if node.module:
                    names = [".".join([*base, node.module])]
                else:
                    names = [".".join([*base, alias.name]) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                if name == "descentlab" or name.startswith("descentlab."):
                    found.append(
                        (str(path.relative_to(PACKAGE)), _part(".".join(parts)), _part(name))
                    )
    return found


def test_every_package_has_a_layer():
    packages = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert packages | modules <= set(LAYERS), sorted((packages | modules) - set(LAYERS))


def test_imports_only_point_down():
    wrong = sorted(
        f"{path}: {source} (layer {LAYERS[source]}) imports {target} (layer {LAYERS[target]})"
        for path, source, target in imports()
        if target not in ANYWHERE
        and source != target
        and LAYERS[target] >= LAYERS[source]
        and (source, target) not in SIDEWAYS
    )
    assert not wrong, "\n".join(wrong)


def test_every_allowed_sideways_import_is_still_used():
    used = {(source, target) for _, source, target in imports()}
    assert set(SIDEWAYS) <= used, sorted(set(SIDEWAYS) - used)


@pytest.mark.parametrize("core", ["optim", "landscapes"])
def test_the_core_needs_only_torch_and_numpy(core):
    heavy = ("pandas", "matplotlib", "plotly", "fastapi", "typer", "sklearn", "rich", "uvicorn")
    for path in sorted((PACKAGE / core).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                names = [node.module]
            else:
                continue
            assert not [n for n in names if n.split(".")[0] in heavy], (path, names)
