"""`descentlab demo --out DIR`: the showcase, every picture with its sidecar, and an
``index.html`` gallery that opens offline."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from .. import __version__, tasks
from ..experiments import check
from ..provenance import versions
from ..train.datasets import DatasetUnavailable, RemoteFile, locate
from . import experiment
from .errors import stderr
from .gallery import REAL_SIZE, gallery, real_size
from .jobs import read_job

SADDLE = [
    "sgd(lr=0.05)",
    "momentum(lr=0.05, momentum=0.9)",
    "adagrad(lr=0.05)",
    "rmsprop(lr=0.05, alpha=0.9)",
    "adam(lr=0.05, betas=(0.9, 0.99))",
]
BEALE = [
    "sgd(lr=1e-3)",
    "momentum(lr=1e-3)",
    "nesterov(lr=1e-3)",
    "adagrad(lr=0.5)",
    "adadelta(lr=1.0)",
    "rmsprop(lr=0.01)",
    "adam(lr=0.1)",
]
ROSENBROCK = [
    "sgd(lr=1e-3)",
    "momentum(lr=1e-3, momentum=0.9)",
    "rmsprop(lr=1e-2)",
    "adam(lr=0.05)",
    "lion(lr=0.01)",
]
BOWL = [
    "sgd(lr=0.4)",
    "momentum(lr=0.4, momentum=0.5)",
    "adagrad(lr=0.4)",
    "rmsprop(lr=0.4, alpha=0.9)",
    "adadelta(lr=1.0, rho=0.9)",
    "adam(lr=0.4)",
]
AIRFOIL = [
    "sgd(lr=0.05)",
    "momentum(lr=0.004, momentum=0.9)",
    "adagrad(lr=0.1)",
    "rmsprop(lr=0.01, alpha=0.9)",
    "adadelta(rho=0.9, eps=1e-5)",
    "adam(lr=0.01)",
]
DIGITS = ["sgd(lr=0.05)", "momentum(lr=0.05)", "rmsprop(lr=1e-3)", "adam(lr=1e-3)"]


# data an exhibit needs: a built-in training task by name, or a file to download
Need = str | RemoteFile


@dataclass(frozen=True)
class Exhibit:
    """One entry of the showcase: a title, a caption, the experiment that makes it and
    the data it needs (an exhibit whose data cannot be had is skipped)."""

    title: str
    caption: str
    experiment: dict[str, Any]
    wide: bool = False  # a wide figure gets a whole row of the gallery
    preview: str | None = None  # a picture standing for an output that is a page
    needs: tuple[Need, ...] = ()


def unavailable(exhibit: Exhibit) -> str | None:
    """Why the data an exhibit needs cannot be had, or None when it all can."""
    for need in exhibit.needs:
        try:
            if isinstance(need, RemoteFile):
                locate(need)
            else:
                tasks.get(need)
        except DatasetUnavailable as error:
            return str(error)
    return None


def _race(
    landscape: str,
    optimizers: list[str],
    start: list[float],
    steps: int,
    out: list[str],
    **options: Any,
) -> dict[str, Any]:
    return {
        "kind": "race",
        "landscape": landscape,
        "optimizers": optimizers,
        "starts": [start],
        "steps": steps,
        "out": out,
        **options,
    }


def _saddle(out: list[str], view: str, **options: Any) -> dict[str, Any]:
    """The saddle race of cs231n, from just off the saddle point, over the whole saddle."""
    return _race("cs231n-saddle", SADDLE, [1e-5, 0.5], 100, out, view=view,
                 xlim=[-1.5, 1.5], ylim=[-1.0, 1.0], **options)  # fmt: skip


SHOWCASE = [
    Exhibit(
        "Escaping a saddle, in 3-D",
        "f = -x²/2 + y² from (1e-5, 0.5), lr 0.05, 100 steps. Plain SGD hardly leaves the "
        "saddle point; momentum and the adaptive methods escape along x.",
        _saddle(["saddle-surface.gif", "saddle-surface.mp4"], view="surface", look="lit"),
    ),
    Exhibit(
        "The saddle from above and in 3-D",
        "The same race, the surface beside its contour map.",
        _saddle(["saddle-both.gif", "saddle-both.mp4"], view="both"),
        wide=True,
    ),
    Exhibit(
        "The saddle, interactive",
        "Click to open: turn the surface, play and scrub the race (plotly, works offline).",
        _saddle(["saddle-interactive.html"], view="surface"),
        preview="saddle-surface.gif",
    ),
    Exhibit(
        "A race on Beale's function",
        "Seven optimizers from (1, 1.5), 300 steps, towards the minimum at (3, 0.5).",
        _race(
            "beale",
            BEALE,
            [1.0, 1.5],
            300,
            ["beale-race.gif", "beale-race.png"],
            fps=25,
            duration=8.0,
        ),
    ),
    Exhibit(
        "Rosenbrock's banana valley",
        "From (-1.5, 2), 600 steps: reaching the valley floor is easy, following it to "
        "(1, 1) is not.",
        _race(
            "rosenbrock",
            ROSENBROCK,
            [-1.5, 2.0],
            600,
            ["rosenbrock-race.gif", "rosenbrock-race.png"],
            fps=25,
            duration=8.0,
        ),
    ),
    Exhibit(
        "Himmelblau's four basins",
        "Every start of a 60 x 60 grid coloured by the minimum it reached after 300 steps.",
        {
            "kind": "sweep",
            "landscape": "himmelblau",
            "optimizers": ["sgd(lr=0.01)", "momentum(lr=0.005, momentum=0.9)", "adam(lr=0.1)"],
            "starts": 60,
            "steps": 300,
            "plot": "basins",
            "out": ["himmelblau-basins.png"],
        },
        wide=True,
    ),
    Exhibit(
        "Learning-rate sensitivity",
        "Final loss on Rosenbrock after 300 steps against the learning rate, the median "
        "over a 6 x 6 grid of starts with the interquartile band.",
        {
            "kind": "sweep",
            "landscape": "rosenbrock",
            "optimizers": ["sgd", "momentum", "rmsprop", "adam"],
            "grid": {"lr": "1e-4:1:25:log"},
            "starts": 6,
            "steps": 300,
            "plot": "sensitivity",
            "out": ["lr-sensitivity.png"],
        },
    ),
    Exhibit(
        "The learning rate in one dimension",
        "Gradient descent on x² from 10: η = 0.2 converges, 0.05 crawls, 1.1 overshoots "
        "further at every step.",
        _race(
            "parabola",
            ["sgd(lr=0.2)", "sgd(lr=0.05)", "sgd(lr=1.1)"],
            [10.0],
            10,
            ["textbook-1d.png"],
            dtype="float64",
        ),
    ),
    Exhibit(
        "An elongated bowl",
        "0.1 x² + 2 y² from (-5, -2), 20 steps at the textbook's settings: GD zig-zags "
        "across the steep axis and crawls along the flat one; the adaptive methods take "
        "steps of similar size in both directions.",
        _race("elongated-bowl", BOWL, [-5.0, -2.0], 20, ["textbook-2d.png"], dtype="float64"),
    ),
    Exhibit(
        "What momentum remembers",
        "The weight an exponentially weighted average gives a gradient t steps back.",
        {"kind": "ema", "out": ["momentum-weights.png"]},
    ),
    Exhibit(
        "Airfoil self-noise: linear regression",
        "The textbook's settings: 2 epochs of batch 10, the training loss on the full set "
        "recorded every 100 examples.",
        {"kind": "train", "task": "airfoil", "optimizers": AIRFOIL, "out": ["airfoil-curves.png"]},
        needs=("airfoil",),
    ),
    Exhibit(
        "Handwritten digits: a small CNN",
        "A LeNet-style CNN on 8x8 digits, 10 epochs: training (solid) and validation "
        "(dashed) loss, and accuracy.",
        {
            "kind": "train",
            "task": "digits",
            "optimizers": DIGITS,
            "epochs": 10,
            "out": ["digits-curves.png"],
        },
        wide=True,
        needs=("digits",),
    ),
]


def build(
    out: Path, progress: bool | None = None, showcase: Sequence[Exhibit] = SHOWCASE
) -> list[Path]:
    """Make every exhibit into ``out`` and write the gallery; returns the files written.

    An exhibit whose data cannot be had is skipped with one line on stderr; the others
    are built and the gallery shows only what was.
    """
    show = stderr.is_terminal if progress is None else progress
    started = time.perf_counter()
    for exhibit in showcase:  # every setting checked before the minutes of work
        check(read_job(exhibit.experiment).experiment)
    built: list[Exhibit] = []
    skipped: list[str] = []
    for exhibit in showcase:  # missing data is reported now, not after the other exhibits
        reason = unavailable(exhibit)
        if reason is None:
            built.append(exhibit)
        else:
            skipped.append(exhibit.title)
            names = ", ".join(exhibit.experiment["out"])
            stderr.print(f"[bold yellow]skipped[/] {escape(names)}: {escape(reason)}")
    written: list[Path] = []
    with Progress(
        TextColumn("{task.description:<40}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=stderr,
        disable=not show,
    ) as bar:
        task = bar.add_task("descentlab demo", total=len(built))
        for exhibit in built:
            bar.update(task, description=exhibit.title)
            written += experiment.execute(exhibit.experiment, out, progress=False)
            bar.advance(task)
    seconds = time.perf_counter() - started
    out.mkdir(parents=True, exist_ok=True)
    index = out / "index.html"
    index.write_text(gallery(built, seconds), encoding="utf-8")
    pictures = out / REAL_SIZE
    pictures.write_text(real_size(built, out), encoding="utf-8")
    sidecar = index.with_name("index.html.json")
    record = {
        "descentlab": __version__,
        "versions": versions(),
        "seconds": round(seconds, 1),
        "experiment": {"kind": "demo", "out": "."},
        "skipped": skipped,
    }
    sidecar.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return [*written, index, pictures, sidecar]
