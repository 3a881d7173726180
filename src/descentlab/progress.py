"""Progress of long work, reported to a callback: the library never draws.

`run`, `sweep`, `fit` and `compare` take ``on_progress(description, done, total)``,
called as work advances (``done`` counts up to ``total``, in hundredths of a race's or
sweep's steps, per batch in training; never with a device sync per step). The command
line draws bars from it (`descentlab.cli.progress`).
"""

from __future__ import annotations

from collections.abc import Callable

OnProgress = Callable[[str, int, int], None]
"""``on_progress(description, done, total)``."""


def reporter(
    on_progress: OnProgress | None, description: str, total: int
) -> Callable[[int], None] | None:
    """``advance(n)`` for one job: adds ``n`` to its count and reports the running
    count to ``on_progress``; None when there is no one to tell."""
    if on_progress is None:
        return None
    done = 0

    def advance(amount: int) -> None:
        nonlocal done
        done += amount
        on_progress(description, done, total)

    return advance
