"""The HTML a result shows in a notebook: its summary lines, a figure and a compact
table, in one self-contained block (images inline, an interactive race as a page of
its own in an iframe, so its script and styles touch nothing else in the notebook)."""

from __future__ import annotations

import base64
import html
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from ..engine import Race, Sweep, Sweeps
    from ..train import Training, TrainingRun
    from ..tuning import Tuning

ROWS = 8  # table rows shown; the rest are counted
RACE_COLUMNS = ["optimizer", "start", "final_loss", "best_loss", "steps_to_tol", "diverged_at"]
STYLE = (
    "<style>.descentlab-view{font:13px/1.45 system-ui,sans-serif;color:#222;max-width:980px}"
    ".descentlab-view .head{font-weight:600;font-size:14px}"
    ".descentlab-view .lines{color:#555;white-space:pre-wrap;margin:.2em 0 .5em}"
    ".descentlab-view table{border-collapse:collapse;margin:.4em 0}"
    ".descentlab-view th,.descentlab-view td{border-bottom:1px solid #e3e3e3;"
    "padding:.2em .7em;text-align:right;font-variant-numeric:tabular-nums}"
    ".descentlab-view th:first-child,.descentlab-view td:first-child{text-align:left}"
    ".descentlab-view img{max-width:100%;height:auto}"
    ".descentlab-view .more{color:#777}</style>"
)


def race_html(race: Race) -> str:
    """A race: its interactive contour map (2-D; play, pause, a step slider) or its
    trace (1-D), then one row per optimizer and start (a race in more dimensions: the
    table alone)."""
    from ..viz import interactive, trace

    if race.landscape.dim == 2:
        figure = interactive(race)
        height = int(figure.layout.height or 650) + 20
        page = html.escape(figure.to_html(), quote=True)
        # sandboxed: the page's script runs in an origin of its own
        shown = (
            f'<iframe srcdoc="{page}" sandbox="allow-scripts" style="width:100%;'
            f'max-width:960px;height:{height}px;border:0" title="race"></iframe>'
        )
    elif race.landscape.dim == 1:
        shown = _figure(trace, race)
    else:
        shown = ""
    table = race.summary()
    return _view(repr(race), shown, table[[c for c in RACE_COLUMNS if c in table]])


def sweep_html(sweep: Sweep) -> str:
    """A sweep: final loss against its first swept hyperparameter, or its basin map
    when it swept starts only, then one row per setting."""
    from ..viz import basins, sensitivity

    swept = [name for name, values in sweep.grid.items() if len(values) > 1]
    return _view(repr(sweep), _figure(sensitivity, sweep, swept[0]) if swept
                 else _figure(basins, sweep), sweep.summary())  # fmt: skip


def sweeps_html(sweeps: Sweeps) -> str:
    """Several sweeps: their sensitivity curves together, or their basin maps."""
    from ..viz import basins, sensitivity

    # the first hyperparameter that every sweep swept over more than one value
    swept = [[name for name, values in s.grid.items() if len(values) > 1] for s in sweeps]
    common = [name for name in swept[0] if all(name in names for names in swept)] if swept else []
    shown = _figure(sensitivity, sweeps, common[0]) if common else _figure(basins, sweeps)
    return _view(repr(sweeps), shown, sweeps.summary())


def training_html(result: Training | TrainingRun) -> str:
    """Training: the loss (and accuracy) curves, then one row per optimizer."""
    from ..viz import training_curves

    return _view(repr(result), _figure(training_curves, result), result.summary())


def tuning_html(tuning: Tuning) -> str:
    """A study: each optimizer's tuned curves over the seeds, then its results."""
    from ..tuning.figures import training_curves

    return _view(repr(tuning).splitlines()[0], _figure(training_curves, tuning.curves),
                 tuning.summary())  # fmt: skip


def _figure(draw: Any, *args: Any) -> str:
    """``draw(*args)`` as an inline PNG; a result the figure cannot show (a sweep of
    one start, say) shows why instead."""
    try:
        figure = draw(*args)
    except ValueError as error:
        return f'<div class="more">no figure: {html.escape(str(error))}</div>'
    return _png(figure)


def png(figure: Figure) -> bytes:
    """A figure as PNG bytes, as a notebook shows it."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=96)
    return buffer.getvalue()


def _png(figure: Figure) -> str:
    encoded = base64.b64encode(png(figure)).decode("ascii")
    return f'<img alt="figure" src="data:image/png;base64,{encoded}">'


def _view(text: str, shown: str, table: pd.DataFrame) -> str:
    head, *lines = text.splitlines()
    body = "\n".join(line.strip() for line in lines)
    return (
        f'{STYLE}<div class="descentlab-view"><div class="head">{html.escape(head)}</div>'
        f'<div class="lines">{html.escape(body)}</div>{shown}{_table(table)}</div>'
    )


NEVER = ("steps_to_tol", "diverged_at")  # whole-number columns where -1 means never


def _number(value: float) -> str:
    """4 significant figures; whole numbers of 10,000 and more in full."""
    if value != value:  # NaN
        return "–"
    if abs(value) == float("inf"):
        return "∞" if value > 0 else "-∞"
    if value == int(value) and abs(value) >= 1e4:
        return f"{value:,.0f}"
    return f"{value:.4g}"


def _table(frame: pd.DataFrame) -> str:
    """The first `ROWS` rows, numbers to 4 significant figures, "–" for none."""
    import pandas as pd

    shown = frame.head(ROWS).copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(_number)
        elif column in NEVER:
            shown[column] = shown[column].map(lambda v: "–" if v < 0 else f"{v:,}")
    more = len(frame) - len(shown)
    rest = f'<div class="more">{more} more rows in .summary()</div>' if more > 0 else ""
    return shown.to_html(index=False, border=0, escape=True) + rest
