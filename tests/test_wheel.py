"""The built wheel is the whole product: pure Python, holding its data and no tests, and,
installed on its own into an empty folder, it trains on the shipped airfoil data and
serves the playground with no network, no data folder and an empty home."""

from __future__ import annotations

import csv
import email.parser
import hashlib
import math
import os
import socket
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import descentlab as dl
from descentlab import __version__

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "descentlab"
AIRFOIL_SHA256 = "74c75fd71783f1e6b71f8a622b993dc592897a97cd689c5090a07147a1b097b3"
PAGE_MODULES = ("api", "frame", "geometry", "loss", "main", "map", "marks", "race", "share",
                "spec", "state", "sweep")  # fmt: skip
# the interactive races' page, and the partial plotly.js bundles it embeds
PLOTLY = ("LICENSE", "page.html", "plotly-cartesian.min.js", "plotly-gl3d.min.js")
DATA = {
    *(f"descentlab/app/static/{name}.js" for name in PAGE_MODULES),
    *(f"descentlab/viz/plotlyjs/{name}" for name in PLOTLY),
    "descentlab/app/static/index.html",
    "descentlab/app/static/style.css",
    "descentlab/train/data/README.md",
    "descentlab/train/data/airfoil_self_noise.dat",
}


def _pip(*args: str, cwd: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args, "--no-index", "--disable-pip-version-check"],
        capture_output=True, text=True, timeout=300, cwd=cwd,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, offline, with the hatchling of the venv."""
    dist = tmp_path_factory.mktemp("dist")
    _pip("wheel", "--no-deps", "--no-build-isolation", "--wheel-dir", str(dist), str(ROOT),
         cwd=dist)  # fmt: skip
    (built,) = dist.glob("*.whl")
    return built


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty folder with the wheel installed into it, nothing else."""
    target = tmp_path_factory.mktemp("site")
    _pip("install", "--no-deps", "--target", str(target), str(wheel), cwd=target)
    return target


@pytest.fixture
def environment(installed: Path, tmp_path: Path) -> dict[str, str]:
    """A stranger's shell: an empty home, no cache folder set, offline; the venv supplies
    the dependencies and the installed folder supplies descentlab."""
    home = tmp_path / "home"
    home.mkdir()
    return {
        "PATH": os.environ["PATH"],
        "HOME": str(home),
        "XDG_CACHE_HOME": "",
        "DESCENTLAB_OFFLINE": "1",
        "PYTHONPATH": str(installed),
        "PYTHONNOUSERSITE": "1",
        "COLUMNS": "200",
    }


def _python(code: str, env: dict[str, str], cwd: Path) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120, env=env, cwd=cwd)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_wheel_is_pure_python_with_its_data_and_no_tests(wheel: Path) -> None:
    assert wheel.name == f"descentlab-{__version__}-py3-none-any.whl"
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = f"descentlab-{__version__}.dist-info/"
        info = email.parser.Parser().parsestr(archive.read(f"{metadata}WHEEL").decode())
        entry_points = archive.read(f"{metadata}entry_points.txt").decode()
        airfoil = archive.read("descentlab/train/data/airfoil_self_noise.dat")
        notice = archive.read("descentlab/train/data/README.md").decode()
    assert info["Wheel-Version"] == "1.0" and info["Root-Is-Purelib"] == "true"
    assert info.get_all("Tag") == ["py3-none-any"]
    assert "descentlab = descentlab.cli:main" in entry_points
    assert all(n.startswith(("descentlab/", metadata)) for n in names), names
    assert not [n for n in names if "test" in n.split("/")[0] or "__pycache__" in n]
    package = {n for n in names if n.startswith("descentlab/")}
    assert {n for n in package if not n.endswith(".py")} == DATA
    sources = {f"descentlab/{p.relative_to(PACKAGE).as_posix()}" for p in PACKAGE.rglob("*.py")}
    assert {n for n in package if n.endswith(".py")} == sources
    assert hashlib.sha256(airfoil).hexdigest() == AIRFOIL_SHA256
    assert airfoil.count(b"\r\n") == 1503  # line endings kept as published
    assert "CC BY 4.0" in notice and "https://doi.org/10.24432/C5VW2C" in notice


def test_the_installed_wheel_trains_airfoil_offline(
    installed: Path, environment: dict[str, str], tmp_path: Path
) -> None:
    found = _python(
        "import descentlab; from descentlab.train.datasets import AIRFOIL, packaged; "
        "print(descentlab.__file__); print(packaged(AIRFOIL.name))",
        environment,
        tmp_path,
    ).splitlines()
    assert [Path(p).resolve().is_relative_to(installed.resolve()) for p in found] == [True] * 2
    done = subprocess.run(
        [sys.executable, "-m", "descentlab", "train", "airfoil", "-o", "sgd(lr=0.05)",
         "--epochs", "1", "--out", "curve.csv"],
        capture_output=True, text=True, timeout=300, env=environment, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    with (tmp_path / "curve.csv").open() as handle:
        rows = list(csv.DictReader(line for line in handle if not line.startswith("#")))
    assert [int(r["examples"]) for r in rows] == list(range(0, 1501, 100))
    losses = [float(r["train_loss"]) for r in rows]
    assert all(math.isfinite(loss) for loss in losses)
    # weights near zero on a standardised target: half the variance, about 0.5; one
    # epoch of SGD brings it to the textbook's 0.24 or so
    assert 0.4 < losses[0] < 0.6 and 0.2 < losses[-1] < 0.3
    expected = dl.fit("airfoil", "sgd(lr=0.05)", epochs=1).curve["train_loss"]
    assert losses == pytest.approx(expected.tolist(), rel=1e-6)  # as from the checkout
    assert not list(Path(environment["HOME"]).rglob("descentlab"))  # no cache written


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(environment: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """``python -m descentlab serve`` from the installed folder, until the test ends."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "descentlab", "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=environment,
        cwd=tmp_path,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{url}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_the_installed_wheel_serves_the_playground(installed: Path, served: str) -> None:
    static = installed / "descentlab" / "app" / "static"
    with httpx.Client(base_url=served, timeout=30) as http:
        page = http.get("/")
        assert page.status_code == 200 and page.content == (static / "index.html").read_bytes()
        assert "descentlab playground" in page.text
        assert '"/static/main.js"' in page.text and '"/static/style.css"' in page.text
        for name in [f"{module}.js" for module in PAGE_MODULES] + ["style.css"]:
            response = http.get(f"/static/{name}")
            assert response.status_code == 200
            assert response.content == (static / name).read_bytes()
            if name.endswith(".js"):  # served so that the browser runs it as a module
                assert "javascript" in response.headers["content-type"]
        assert '"/vendor/plotly.min.js"' in page.text
        plotly = http.get("/vendor/plotly.min.js")
        assert plotly.status_code == 200 and "javascript" in plotly.headers["content-type"]
        assert len(plotly.content) > 1_000_000 and b"plotly.js v" in plotly.content[:500]
