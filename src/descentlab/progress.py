"""Progress bars for long work: on stderr, only on a terminal, only after a second.

Library functions take ``progress: bool | None``; None means "when stderr is a
terminal". A bar appears once its job has run for `DELAY` seconds, so short jobs
stay quiet; pipes and tests never see one.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import Any

DELAY = 1.0  # seconds a job runs before its bar appears


def wanted(progress: bool | None) -> bool:
    """Whether to show a bar: as asked, else when stderr is a terminal."""
    return sys.stderr.isatty() if progress is None else bool(progress)


class Bar:
    """A rich progress display that starts drawing after `DELAY` seconds.

    Use it as a context manager; `add` a task with its total, then `advance` it.
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

    def add(self, description: str, total: float) -> Any:
        """A new task of ``total`` units; returns its handle for `advance`."""
        return self._progress.add_task(description, total=total)

    def advance(self, handle: Any, amount: float = 1) -> None:
        self._progress.advance(handle, amount)
        if not self._shown and time.perf_counter() - self._began >= self._delay:
            self._progress.start()
            self._shown = True

    def __enter__(self) -> Bar:
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


def bar(progress: bool | None, delay: float = DELAY) -> Bar | None:
    """A `Bar` when one is wanted (see `wanted`), else None."""
    return Bar(delay) if wanted(progress) else None
