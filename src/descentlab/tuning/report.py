"""The report `descentlab tune` writes: the frames as CSV, the four figures as PNG and
one self-contained HTML page (figures embedded) with the command, the results table,
versions and machine."""

from __future__ import annotations

import base64
import html
import io
import math
import numbers
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from descentlab.viz.encoding import write_atomically

from . import figures

DPI = 150
NUMERIC = re.compile(r"^[-+]?(\d|\.\d|\u2013$|\u221e)")  # right-aligned cells
# file name, figure, caption (one sentence each)
FIGURES: list[tuple[str, str, str]] = [
    ("sensitivity.png", "Learning-rate sensitivity",
     "The metric of every search trial against its learning rate, one line per optimizer "
     "in learning-rate order, the best trial ringed and diverged trials marked x at the "
     "worst edge."),
    ("seeds.png", "Seeds",
     "The final metric of each optimizer's tuned setting over its seeds: boxes span the "
     "quartiles, the bar is the median and each dot one seed."),
    ("curves.png", "Training curves",
     "The metric against examples seen for each optimizer's tuned setting: the median "
     "over seeds, with a band from the worst to the best seed."),
    ("profile.png", "Performance profile",
     "AlgoPerf's performance profile: for each ratio \u03c4, the share of tasks on which an "
     "optimizer's median final value came within a factor \u03c4 of the best optimizer's "
     "(losses as they are, accuracies as errors 1 \u2212 accuracy), so higher and further "
     "left is better."),
]  # fmt: skip


def _atomic(path: Path, data: bytes) -> Path:
    return write_atomically(path, lambda temporary: temporary.write_bytes(data))


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _number(value: object) -> str:
    """A cell: numbers to 4 significant figures, missing values as a dash."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isinf(number):
            return "\u221e" if number > 0 else "-\u221e"
        if number.is_integer() and 1 <= abs(number) < 1e15:  # counts: 11,000 not 1.1e+04
            return f"{int(float(f'{number:.4g}')):,}"
        return f"{number:.4g}"
    return str(value)


def _table(frame: pd.DataFrame, bold: set[tuple[int, str]] | None = None) -> str:
    """An HTML table of a frame, every cell escaped."""
    bold = bold or set()
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in frame.columns)
    body = []
    for i, row in enumerate(frame.itertuples(index=False)):
        cells = []
        for column, value in zip(frame.columns, row, strict=True):
            text = html.escape(_number(value))
            numeric = isinstance(value, numbers.Number) or NUMERIC.match(str(value))
            kind = "num" if numeric else "text"
            if (i, column) in bold:
                text = f"<strong>{text}</strong>"
            cells.append(f'<td class="{kind}">{text}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n"
        + "\n".join(body)
        + "\n</tbody>\n</table>"
    )


def _pairs(values: Mapping[str, str]) -> str:
    rows = "".join(
        f"<tr><th>{html.escape(str(k))}</th><td>{html.escape(str(v))}</td></tr>"
        for k, v in values.items()
    )
    return f'<table class="pairs"><tbody>{rows}</tbody></table>'


def _spread(rows: pd.DataFrame, prefix: str) -> pd.Series:
    """'median [q1, q3]' of a statistic, each to 4 significant figures."""
    parts = [rows.get(f"{prefix}_{k}", pd.Series(np.nan, index=rows.index))
             for k in ("median", "q1", "q3")]  # fmt: skip
    return pd.Series(
        [f"{_number(m)} [{_number(a)}, {_number(b)}]" for m, a, b in zip(*parts, strict=True)],
        index=rows.index,
        dtype=object,
    )


def results_table(results: pd.DataFrame) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """The results as the page shows them (the CSV keeps every column): the metric and
    its direction, the chosen setting, 'median [q1, q3]' of the final and best values,
    the median examples to the target and how many seeds reached it; with the (row,
    column) of each task's best final median, shown in bold."""
    rows = results.reset_index(drop=True)
    shown = pd.DataFrame(index=rows.index)
    shown["task"] = rows["task"]
    shown["optimizer"] = rows["optimizer"]
    if "metric_name" in rows:
        goal = rows["maximize"].map({True: " (max)", False: " (min)"}) if "maximize" in rows \
            else ""  # fmt: skip
        shown["metric"] = rows["metric_name"].astype(str) + goal
    for column in rows.columns:
        if column.startswith("hp_"):
            shown[f"tuned {column.removeprefix('hp_')}"] = rows[column]
    shown["final: median [q1, q3]"] = _spread(rows, "final")
    shown["best: median [q1, q3]"] = _spread(rows, "best")
    if "examples_to_target_median" in rows:
        shown["examples to target (median)"] = rows["examples_to_target_median"]
    if "failed_trials" in rows:
        shown["failed trials"] = rows["failed_trials"]
    if "reached" in rows and "seeds" in rows:
        shown["seeds reaching target"] = [
            f"{_number(r)} of {_number(n)}" for r, n in zip(rows["reached"], rows["seeds"],
                                                           strict=True)
        ]  # fmt: skip
    bold = set()
    if "final_median" in rows:
        for _, group in rows.groupby("task", sort=False):
            scores = group["final_median"].astype(float)
            if scores.notna().any():
                maximize = bool(group["maximize"].iloc[0]) if "maximize" in group else False
                best = scores.idxmax() if maximize else scores.idxmin()
                bold.add((int(best), "final: median [q1, q3]"))
    return shown, bold


def _summary(trials: pd.DataFrame, seeds: pd.DataFrame, results: pd.DataFrame) -> str:
    search = trials[trials["phase"] == "search"] if "phase" in trials else trials
    failed = int((search["state"] != "COMPLETE").sum()) if "state" in search else 0
    return (
        f"{results['task'].nunique()} task(s), {results['optimizer'].nunique()} optimizer(s); "
        f"{len(search)} search trial(s), {failed} of them failed; "
        f"{len(seeds)} seed run(s) of the tuned settings."
    )


def page(
    command: str,
    results: pd.DataFrame,
    images: list[tuple[str, str, str, bytes]],
    versions: Mapping[str, str],
    machine: Mapping[str, str],
    summary: str = "",
) -> str:
    """The report's HTML: ``images`` are (file name, heading, caption, PNG bytes)."""
    shown = []
    for name, heading, caption, data in images:
        encoded = base64.b64encode(data).decode("ascii")
        shown.append(
            f'<figure id="{html.escape(Path(name).stem)}"><h3>{html.escape(heading)}</h3>'
            f'<img src="data:image/png;base64,{encoded}" alt="{html.escape(heading)}">'
            f"<figcaption>{html.escape(caption)} ({html.escape(name)})</figcaption></figure>"
        )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>descentlab tune: report</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;
max-width:1200px;padding:0 1em;color:#222;line-height:1.45}}
h1{{font-size:1.5em}}h2{{font-size:1.2em;margin-top:1.8em;border-bottom:1px solid #ddd}}
h3{{font-size:1em;margin:.2em 0}}
pre{{background:#f5f5f5;padding:.7em;overflow-x:auto;white-space:pre-wrap}}
table{{border-collapse:collapse;font-size:.9em;margin:.5em 0}}
th,td{{border:1px solid #ddd;padding:.25em .55em}}td{{white-space:nowrap}}
th{{background:#f0f0f0;text-align:left}}
td.num{{text-align:right;font-variant-numeric:tabular-nums}}
tbody tr:nth-child(even){{background:#fafafa}}
.scroll{{overflow-x:auto}}figure{{margin:1.2em 0}}
img{{max-width:100%;height:auto;display:block}}figcaption{{color:#555;font-size:.9em}}
</style></head>
<body>
<h1>descentlab tune: report</h1>
<h2>Command</h2>
<pre><code>{html.escape(command)}</code></pre>
<p>{html.escape(summary)}</p>
<h2>Results</h2>
<p>One row per task and optimizer: the tuned setting, the final and the best value of
the metric over the seeds of that setting (median and quartiles), the median examples
seen until the metric reached the task's target and how many seeds reached it.
Numbers to 4 significant figures; each task's best final median in bold; every column
in full in results.csv.</p>
<div class="scroll">{_table(*results_table(results))}</div>
<h2>Figures</h2>
{chr(10).join(shown)}
<h2>Versions</h2>
{_pairs(versions)}
<h2>Machine</h2>
{_pairs(machine)}
</body></html>
"""


def write_report(
    folder: str | Path,
    trials: pd.DataFrame,
    seeds: pd.DataFrame,
    curves: pd.DataFrame,
    results: pd.DataFrame,
    command: str,
    versions: dict[str, str],
    machine: dict[str, str],
) -> list[Path]:
    """Write results.csv, trials.csv, seeds.csv, sensitivity.png, seeds.png, curves.png,
    profile.png and report.html into ``folder`` (made if missing), each file whole
    under a temporary name first; returns the paths written, in that order."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, frame in (("results.csv", results), ("trials.csv", trials), ("seeds.csv", seeds)):
        written.append(_atomic(folder / name, frame.to_csv(index=False).encode("utf-8")))
    colour = figures.palette(
        [*results["optimizer"].astype(str), *trials["optimizer"].astype(str),
         *seeds["optimizer"].astype(str), *curves["optimizer"].astype(str)]
    )  # fmt: skip
    draw: dict[str, Callable[[], Figure]] = {
        "sensitivity.png": lambda: figures.sensitivity(trials, palette=colour),
        "seeds.png": lambda: figures.seed_boxes(seeds, palette=colour),
        "curves.png": lambda: figures.training_curves(curves, palette=colour),
        "profile.png": lambda: figures.performance_profile(results, palette=colour),
    }
    images = []
    for name, heading, caption in FIGURES:
        data = _png(draw[name]())
        written.append(_atomic(folder / name, data))
        images.append((name, heading, caption, data))
    text = page(command, results, images, versions, machine, _summary(trials, seeds, results))
    written.append(_atomic(folder / "report.html", text.encode("utf-8")))
    return written
