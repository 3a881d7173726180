"""The command line's progress bars: on stderr, only on a terminal, only after a second.

The library reports progress to a callback (`descentlab.progress`); `Bars` is such a
callback drawing one rich bar per job. A bar appears once the work has run for `DELAY`
seconds, so short jobs stay quiet; pipes and tests never see one.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

DELAY = 1.0  # seconds the work runs before its bars appear


def wanted(progress: bool | None) -> bool:
    """Whether to show bars: as asked, else when stderr is a terminal."""
    return sys.stderr.isatty() if progress is None else bool(progress)


class Bars:
    """Rich progress bars fed by ``on_progress(description, done, total)`` calls.

    Use it as a context manager around the work and pass it as ``on_progress``; each
    job (a new description, or one that starts counting again) gets its own bar. A
    description ``"job: detail"`` keeps its bar while the detail changes (a tuning
    study's running best, say).
    """

    def __init__(self, delay: float = DELAY) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._delay = delay
        self._began = time.perf_counter()
        self._shown = False
        self._current: tuple[str, Any, int] | None = None  # description, task, done

    def __call__(self, description: str, done: int, total: int) -> None:
        current = self._current
        job = description.split(": ", 1)[0]
        if current is None or current[0] != job or done < current[2]:
            task = self._progress.add_task(description, total=total)
        else:
            task = current[1]
        self._current = job, task, done
        self._progress.update(task, completed=done, total=total, description=description)
        if not self._shown and time.perf_counter() - self._began >= self._delay:
            self._progress.start()
            self._shown = True

    def __enter__(self) -> Bars:
        self._began = time.perf_counter()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._shown:
            self._progress.refresh()
            self._progress.stop()


def bars(progress: bool | None, delay: float = DELAY) -> Bars | None:
    """`Bars` when they are wanted (see `wanted`), else None."""
    return Bars(delay) if wanted(progress) else None
