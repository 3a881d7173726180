"""The API under test: the playground served by a real uvicorn on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from .live import running


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture(scope="session")
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=60) as client:
        yield client
