"""Debian's Chromium driven by Playwright against the playground on a real uvicorn."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.live import running
from tests.browser.sizes import SIZES

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "browser"


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    with running() as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing; CI installs Chromium for the browser tests")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def context(browser, base_url):
    # one context for all tests: its cache keeps plotly.js compiled between pages
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000}, base_url=base_url, accept_downloads=True
    )
    context.set_default_timeout(20_000)
    yield context
    context.close()


@pytest.fixture
def page(context):
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    if not page.is_closed():
        page.close()
    assert not errors, f"the page threw: {errors}"


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(params=list(SIZES))
def size(request) -> str:
    return request.param


@pytest.fixture
def device(browser, base_url, size):
    """A page at one size, with every error it throws collected (and asserted none)."""
    context = browser.new_context(base_url=base_url, accept_downloads=True, **SIZES[size])
    context.set_default_timeout(20_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/")
    page.wait_for_selector("body[data-ready=true]")
    yield page, size, errors
    context.close()
    assert not errors, f"the page threw at {size} size: {errors}"
