"""Shared fixtures. Tests read datasets from DESCENTLAB_DATA and never touch the network."""

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
