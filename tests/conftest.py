"""Shared fixtures. Tests read datasets from DESCENTLAB_DATA and never touch the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from descentlab.train.datasets import AIRFOIL, DATA_ENV, search_path


@pytest.fixture(scope="session")
def airfoil_dir() -> Path:
    """The folder holding airfoil_self_noise.dat: ``$DESCENTLAB_DATA``, else the user
    cache. Tests never download it; without a copy they fail and say where to put one."""
    for folder in search_path():
        if (folder / AIRFOIL.name).is_file():
            os.environ[DATA_ENV] = str(folder)  # every test (and subprocess) finds it here
            return folder
    pytest.fail(
        f"no {AIRFOIL.name} (sha256 {AIRFOIL.sha256}) in {DATA_ENV} or the cache; set "
        f"{DATA_ENV} to a folder holding it, or download it once with "
        "`.venv/bin/python -c 'import descentlab; descentlab.tasks.airfoil()'`"
    )
