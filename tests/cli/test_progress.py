"""The command line's bars: drawn from the library's progress calls, after a delay."""

from __future__ import annotations

import pytest

import descentlab as dl
from descentlab.cli.progress import Bars, bars


def test_bars_draw_every_job_on_stderr(capfd: pytest.CaptureFixture) -> None:
    with Bars(delay=0) as shown:
        dl.run("himmelblau", "adam", steps=50, on_progress=shown)
        dl.sweep("himmelblau", "adam", grid={"lr": [0.1, 0.2, 0.3]},
                 starts=dl.grid_starts("himmelblau", 4), steps=20, chunk=16,
                 on_progress=shown)  # fmt: skip
    out, err = capfd.readouterr()
    assert out == ""
    assert "race on himmelblau" in err and "50/50" in err
    assert "sweep adam" in err and "60/60" in err


def test_a_job_shorter_than_the_delay_draws_nothing(capfd: pytest.CaptureFixture) -> None:
    with Bars(delay=60) as shown:
        dl.run("himmelblau", "adam", steps=50, on_progress=shown)
    assert capfd.readouterr() == ("", "")


def test_a_job_counting_again_gets_a_bar_of_its_own(capfd: pytest.CaptureFixture) -> None:
    with Bars(delay=0) as shown:
        for _ in range(2):
            for done in (1, 2):
                shown("sweep adam", done, 2)
    err = capfd.readouterr().err
    assert err.count("sweep adam") >= 2 and "2/2" in err


def test_bars_only_when_asked_or_on_a_terminal() -> None:
    assert bars(False) is None
    assert isinstance(bars(True), Bars)
    assert bars(None) is None  # stderr is not a terminal under pytest
