"""Shared fixtures. The airfoil data ships in the package; nothing touches the network."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from descentlab.train.downloads import DATA_ENV, OFFLINE_ENV


@pytest.fixture(scope="session", autouse=True)
def isolated_environment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """No test reads the user's data folder or cache, or downloads anything: downloads
    are forbidden and the cache is an empty folder of the session (subprocesses inherit
    both). Download tests undo this locally with monkeypatch."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(OFFLINE_ENV, "1")
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        patch.delenv(DATA_ENV, raising=False)
        yield


@pytest.fixture(autouse=True)
def seeded_generators() -> None:
    """Every test starts from the same global random state, so a draw a test does not
    seed itself (a layer's initial weights, say) is the same on every run."""
    import random

    import numpy as np
    import torch

    random.seed(0)
    np.random.seed(0)
    torch.manual_seed(0)
