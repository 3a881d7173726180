"""Progress bars in a notebook cell: one HTML display per cell, updated in place.

They are plain HTML display updates (no widget library), so they draw in every
Jupyter front end and the last state stays in the saved notebook and its HTML export.
"""

from __future__ import annotations

import html
import threading
import time
from typing import Any

DELAY = 1.0  # seconds the cell's work runs before its bars appear
EVERY = 0.25  # seconds between redraws at most
SHOWN = 4  # jobs shown at once: the latest ones


class NotebookBar:
    """The bars of the running cell, as an ``on_progress(description, done, total)``.

    Each job (the text before ": " of its description) has a bar; the latest `SHOWN`
    jobs are drawn, and the count of the others above them. When the cell ends, the
    bars are drawn once more as they stand: a job that stopped short (a diverged run,
    an error, an interrupt) says so.
    """

    _cell: tuple[int, NotebookBar] | None = None

    def __new__(cls) -> NotebookBar:  # one per cell: every call of the cell shares it
        count = _execution_count()
        if cls._cell is None or cls._cell[0] != count:
            bars = super().__new__(cls)
            bars._setup()
            cls._cell = (count, bars)
        return cls._cell[1]

    def _setup(self) -> None:
        # job -> (description, done, total, when it began, when it last reported)
        self._jobs: dict[str, tuple[str, int, int, float, float]] = {}
        self._began = time.perf_counter()
        self._drawn = 0.0
        self._handle: Any = None
        self._lock = threading.Lock()

    def __call__(self, description: str, done: int, total: int) -> None:
        job = description.split(": ", 1)[0]
        with self._lock:
            previous = self._jobs.pop(job, None)  # re-added last: the latest job shows last
            # a job counting from below where it was is a new run of it
            now = time.perf_counter()
            began = previous[3] if previous and done >= previous[1] else now
            self._jobs[job] = (description, done, total, began, now)
            if now - self._began < DELAY or (now - self._drawn < EVERY and done < total):
                return
            self._drawn = now
            self._show(self.to_html())

    @classmethod
    def end_of_cell(cls, *args: Any) -> None:
        """IPython's ``post_run_cell``: the cell's bars, if shown, drawn as they ended."""
        if cls._cell is None:
            return
        bars = cls._cell[1]
        cls._cell = None
        with bars._lock:
            if bars._handle is not None:
                bars._show(bars.to_html(ended=True))

    def to_html(self, ended: bool = False) -> str:
        """The bars as they stand (``ended``: the cell is over)."""
        jobs = list(self._jobs.values())
        rows = [_row(*job, ended=ended) for job in jobs[-SHOWN:]]
        earlier = len(jobs) - SHOWN
        if earlier > 0:
            rows.insert(0, f'<tr><td colspan="3" style="color:#666">{earlier} earlier</td></tr>')
        return (
            '<table class="descentlab-progress" style="border-collapse:collapse;'
            'font:12px system-ui,sans-serif">' + "".join(rows) + "</table>"
        )

    def _show(self, text: str) -> None:
        from IPython.display import HTML, display

        if self._handle is None:
            self._handle = display(HTML(text), display_id=True)
        else:
            self._handle.update(HTML(text))


def _row(
    description: str, done: int, total: int, began: float, last: float, ended: bool = False
) -> str:
    share = min(done / total, 1.0) if total > 0 else 1.0
    seconds = last - began
    if share < 1 and ended:
        when = f"stopped after {_clock(seconds)}"
    else:
        left = seconds * (1 - share) / share if 0 < share < 1 else 0.0
        when = f"{_clock(seconds)} elapsed" + (f", {_clock(left)} left" if left else "")
    bar = (
        '<div style="width:16em;height:.8em;background:#e6e6e6;border-radius:.4em">'
        f'<div style="width:{share:.1%};height:100%;background:#2b7bb9;'
        'border-radius:.4em"></div></div>'
    )
    cell = "padding:.1em .6em .1em 0;white-space:nowrap"
    return (
        f'<tr><td style="{cell}">{html.escape(description)}</td>'
        f'<td style="{cell}">{bar}</td>'
        f'<td style="{cell};color:#555">{share:.0%} · {when}</td></tr>'
    )


def _clock(seconds: float) -> str:
    minutes, second = divmod(round(seconds), 60)
    return f"{minutes}:{second:02d}"


def _execution_count() -> int:
    from IPython import get_ipython

    shell = get_ipython()
    return int(getattr(shell, "execution_count", 0) or 0)
