"""Progress of long work, reported to a callback: the library never draws.

`run`, `sweep`, `fit` and `compare` take ``on_progress(description, done, total)``,
called as work advances (``done`` counts up to ``total``, in hundredths of a race's or
sweep's steps, per batch in training; never with a device sync per step). The command
line draws bars from it (`descentlab.cli.progress`), and so does a notebook, where
`descentlab.jupyter` makes its bars the default for calls that name none.
"""

from __future__ import annotations

from collections.abc import Callable

OnProgress = Callable[[str, int, int], None]
"""``on_progress(description, done, total)``."""

_default: Callable[[], OnProgress | None] | None = None


def set_default(source: Callable[[], OnProgress | None] | None) -> None:
    """Where progress goes when a call names no ``on_progress``: ``source()`` gives the
    callback for the work starting now (a notebook's bars for the running cell), or
    None for silence. None as ``source``: silence, the default."""
    global _default
    _default = source


def resolve(on_progress: OnProgress | None) -> OnProgress | None:
    """``on_progress``, or the default's callback when it is None."""
    if on_progress is None and _default is not None:
        return _default()
    return on_progress


def silent(description: str, done: int, total: int) -> None:
    """An ``on_progress`` that tells no one: for work inside a job that reports itself
    (a tuning study's trials)."""


def reporter(
    on_progress: OnProgress | None, description: str, total: int
) -> Callable[[int], None] | None:
    """``advance(n)`` for one job: adds ``n`` to its count and reports the running
    count to ``on_progress`` (or to the default, `set_default`); None when there is no
    one to tell."""
    on_progress = resolve(on_progress)
    if on_progress is None:
        return None
    done = 0

    def advance(amount: int) -> None:
        nonlocal done
        done += amount
        on_progress(description, done, total)

    return advance
