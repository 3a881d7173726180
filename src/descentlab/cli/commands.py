"""`descentlab race | sweep | train | run`: each builds an experiment and runs it."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from ..defaults import FPS, NOISE, SEED, STARTS_PER_AXIS, STEPS, TOL, VIEW
from .errors import UserError, user_errors

console = Console()

Optimizers = Annotated[
    list[str],
    typer.Option("-o", "--optimizer", help="An optimizer spec, e.g. 'adam(lr=0.1)'; repeat it."),
]
Out = Annotated[
    list[Path],
    typer.Option("--out", help="Output file; the extension picks the format. Repeatable."),
]
Landscape = Annotated[
    str, typer.Argument(help="A catalog name such as 'beale', or an expression in x and y.")
]
Seed = Annotated[int, typer.Option(help="Random seed (noise, initial weights, data order).")]


def _point(text: str) -> list[float]:
    try:
        return [float(v) for v in text.replace(" ", "").split(",")]
    except ValueError:
        raise UserError(f"malformed start {text!r}; write it as X,Y such as 1,1.5") from None


def _pair(text: str | None, option: str, form: str) -> list[float] | None:
    if text is None:
        return None
    try:
        low, high = (float(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise UserError(f"malformed {option} {text!r}; write it as {form}") from None
    return [low, high]


def _size(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        width, height = (int(v) for v in text.lower().replace(" ", "").split("x"))
    except ValueError:
        raise UserError(
            f"malformed --size {text!r}; write it as WIDTHxHEIGHT such as 1200x900"
        ) from None
    return [width, height]


def finish(settings: dict[str, Any], base: Path = Path("."), file: str | None = None) -> None:
    from . import experiment
    from .jobs import read_job
    from .report import print_summary

    written = experiment.execute(
        read_job(settings, file),
        base,
        report=lambda kind, result: print_summary(console, kind, result),
    )
    for path in written:
        console.print(f"wrote {path}", highlight=False, soft_wrap=True)


def race(
    landscape: Landscape,
    optimizers: Optimizers,
    out: Out,
    start: Annotated[
        list[str] | None, typer.Option("--start", help="A start point X,Y; repeatable.")
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = STEPS,
    noise: Annotated[float, typer.Option(help="Std of Gaussian gradient noise.")] = NOISE,
    seed: Seed = SEED,
    view: Annotated[str, typer.Option(help="contour, surface or both.")] = VIEW,
    fps: Annotated[int, typer.Option(help="Frames per second of an animation.")] = FPS,
    duration: Annotated[
        float | None,
        typer.Option(help="Length of an animation in seconds; default one frame a step."),
    ] = None,
    xlim: Annotated[
        str | None,
        typer.Option(help="The x range a picture shows, LOW,HIGH; default the paths and minima."),
    ] = None,
    ylim: Annotated[
        str | None,
        typer.Option(help="The y range a picture shows, LOW,HIGH; default the paths and minima."),
    ] = None,
    size: Annotated[
        str | None,
        typer.Option(
            help="Animation size in pixels, WIDTHxHEIGHT; default 800x600 (1280 wide for both)."
        ),
    ] = None,
    dpi: Annotated[
        int | None,
        typer.Option(help="Scales text and lines; default 100 for animations, 150 for pictures."),
    ] = None,
    look: Annotated[
        str,
        typer.Option(help="The 3-D surface as a mesh, or lit as in the lecture animations."),
    ] = "mesh",
) -> None:
    """Race optimizers on a landscape.

    Writes an animation (.gif .mp4), an interactive page (.html), a picture
    (.png .svg .pdf) or the trajectories (.csv .parquet), by the extension of --out.
    """
    with user_errors():
        settings = {
            "kind": "race",
            "landscape": landscape,
            "optimizers": optimizers,
            "starts": [_point(s) for s in start] if start else None,
            "steps": steps,
            "noise": noise,
            "seed": seed,
            "view": view,
            "fps": fps,
            "duration": duration,
            "xlim": _pair(xlim, "--xlim", "LOW,HIGH such as -1,2"),
            "ylim": _pair(ylim, "--ylim", "LOW,HIGH such as -1,2"),
            "size": _size(size),
            "dpi": dpi,
            "look": look,
            "out": [str(p) for p in out],
        }
        finish(settings)


def sweep(
    landscape: Landscape,
    optimizers: Optimizers,
    out: Out,
    grid: Annotated[
        list[str] | None,
        typer.Option("--grid", help="name=start:stop:count[:log] or name=v1,v2,...; repeatable."),
    ] = None,
    starts: Annotated[
        int | None,
        typer.Option(help=f"An N x N grid of starts over the domain (default {STARTS_PER_AXIS})."),
    ] = None,
    steps: Annotated[int, typer.Option(help="Optimizer steps.")] = STEPS,
    tol: Annotated[float, typer.Option(help="Within this of the minimum is reached.")] = TOL,
    noise: Annotated[float, typer.Option(help="Std of Gaussian gradient noise.")] = NOISE,
    seed: Seed = SEED,
    plot: Annotated[str, typer.Option(help="basins, sensitivity or heatmap.")] = "basins",
) -> None:
    """Sweep hyperparameters and start points.

    Writes a basin map, a sensitivity plot or a heatmap (.png .svg .pdf, chosen by
    --plot), or the table of every trajectory's summary (.csv .parquet).
    """
    from ..experiments.grid import parse_grid_option

    with user_errors():
        entries = dict(parse_grid_option(text) for text in grid or [])
        settings = {
            "kind": "sweep",
            "landscape": landscape,
            "optimizers": optimizers,
            "grid": entries,
            "starts": starts,
            "steps": steps,
            "tol": tol,
            "noise": noise,
            "seed": seed,
            "plot": plot,
            "out": [str(p) for p in out],
        }
        finish(settings)


def train(
    task: Annotated[str, typer.Argument(help="A task: airfoil or digits.")],
    optimizers: Optimizers,
    out: Out,
    epochs: Annotated[int | None, typer.Option(help="Epochs (default: the task's).")] = None,
    batch_size: Annotated[
        int | None, typer.Option("--batch-size", help="Batch size (default: the task's).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="An lr schedule, e.g. 'step(step_size=10, gamma=0.1)'.")
    ] = None,
    seed: Seed = SEED,
    checkpoint: Annotated[
        Path | None, typer.Option(help="Write a checkpoint per optimizer here each epoch.")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the checkpoint folder.")
    ] = False,
) -> None:
    """Train a task's model with each optimizer, from the same weights.

    Writes the loss (and accuracy) curves (.png .svg .pdf) or the table (.csv .parquet).
    """
    with user_errors():
        settings = {
            "kind": "train",
            "task": task,
            "optimizers": optimizers,
            "epochs": epochs,
            "batch_size": batch_size,
            "scheduler": scheduler,
            "seed": seed,
            "checkpoint": None if checkpoint is None else str(checkpoint),
            "resume": resume,
            "out": [str(p) for p in out],
        }
        try:
            finish(settings)
        except KeyboardInterrupt:
            if checkpoint is None:
                raise
            from .errors import stderr

            stderr.print(
                f"interrupted; every finished epoch is saved in {checkpoint}: run the same "
                "command with --resume to continue",
                highlight=False,
            )
            raise typer.Exit(130) from None


def run(
    path: Annotated[Path, typer.Argument(help="An experiment .toml, or a sidecar .json.")],
    out: Annotated[
        list[Path] | None,
        typer.Option("--out", help="Write here instead of the file's own outputs."),
    ] = None,
) -> None:
    """Run an experiment file, or make an output again from its sidecar .json.

    An experiment .toml describes a race, a sweep or a training comparison with the
    same settings as the commands (kind = "race", landscape, optimizers, out, ...).
    """
    from . import demo
    from .jobs import load

    with user_errors():
        settings, base = load(path)
        if isinstance(settings, dict) and settings.get("kind") == "demo":
            target = out[0] if out else base / str(settings.get("out", "."))
            written = demo.build(target)
            console.print(f"wrote {len(written)} files; open {target / 'index.html'}")
            return
        if out:
            settings = {**settings, "out": [str(p.resolve()) for p in out]}
        finish(settings, base, file=str(path))


def showcase(
    out: Annotated[Path, typer.Option("--out", help="Folder for the showcase.")] = Path("out"),
) -> None:
    """Build the showcase, with an index.html gallery that opens offline.

    Animations, races, basin maps, learning-rate sensitivity, the textbook's traces
    and training curves, each with its settings beside it.
    """
    from . import demo

    with user_errors():
        started = time.perf_counter()
        written = demo.build(out)
        seconds = time.perf_counter() - started
        console.print(f"wrote {len(written)} files in {seconds:.0f} s; open {out / 'index.html'}")
