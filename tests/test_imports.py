"""The public face loads on first use: importing the optimizers pays for torch alone,
and the command line's help never imports torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("pandas", "matplotlib", "plotly", "fastapi", "typer", "sklearn", "uvicorn", "scipy")


def loaded_after(code: str) -> set[str]:
    """Top-level packages in sys.modules after running ``code`` in a fresh interpreter."""
    report = "import json, sys\nprint(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    probe = f"{code}\n{report}"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_optimizers_loads_torch_but_nothing_heavy():
    loaded = loaded_after("import descentlab.optim")
    assert "torch" in loaded
    assert loaded.isdisjoint(HEAVY), sorted(loaded & set(HEAVY))


def test_importing_the_package_loads_nothing_until_a_name_is_used():
    loaded = loaded_after("import descentlab")
    assert loaded.isdisjoint({"torch", "numpy", *HEAVY})


@pytest.mark.parametrize("command", [[], ["race"], ["sweep"], ["train"], ["serve"], ["list"]])
def test_help_never_imports_torch(command):
    code = (
        "from descentlab.cli import app\n"
        f"try:\n    app({[*command, '--help']!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass"
    )
    loaded = loaded_after(code)
    assert "typer" in loaded
    assert loaded.isdisjoint({"torch", "numpy", "pandas", "matplotlib", "fastapi"})


def test_public_names_are_attributes():
    import descentlab as dl

    assert dl.viz.animate.__module__ == "descentlab.viz.animate"
    assert dl.tasks.airfoil.__module__ == "descentlab.train.tasks"
    assert dl.optim.Adam.__module__ == "descentlab.optim.adam"
    assert dl.landscapes.get("beale").name == "beale"
    assert callable(dl.run) and callable(dl.sweep) and callable(dl.fit)
    assert set(dl.__all__) <= set(dir(dl))
    with pytest.raises(AttributeError, match="no attribute 'vis'"):
        dl.vis  # noqa: B018
