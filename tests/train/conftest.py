"""Training tests read the airfoil data from DESCENTLAB_DATA and never touch the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from descentlab.train.datasets import AIRFOIL, DATA_ENV


@pytest.fixture(scope="session")
def airfoil_dir() -> Path:
    """The folder holding airfoil_self_noise.dat; tests fail (never download) without it."""
    folder = os.environ.get(DATA_ENV)
    if not folder or not (Path(folder) / AIRFOIL.name).is_file():
        pytest.fail(
            f"set {DATA_ENV} to a folder holding {AIRFOIL.name} (sha256 {AIRFOIL.sha256}); "
            "`make test` points it at ../shared/data"
        )
    return Path(folder)


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test gets an empty download cache of its own."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    return cache
