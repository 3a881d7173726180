"""Running a job: its experiment computed, each output written in the format its
extension names, and a sidecar ``<output>.json`` beside each (see `jobs`)."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path
from typing import Any

from .. import experiments, landscapes
from ..errors import SettingError
from ..experiments import (
    RaceExperiment,
    SweepExperiment,
    TrainingExperiment,
    TuningExperiment,
    WeightsPicture,
)
from ..progress import OnProgress
from .errors import warn
from .jobs import Job, check_writable, read_job, sidecar
from .progress import bars


def _save_figure(figure: Any, path: Path, dpi: int | None = None) -> None:
    figure.savefig(path, dpi=dpi or 150)


def _race(config: RaceExperiment, paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    land = landscapes.get(config.landscape)
    if land.dim != 2 and any(p.suffix.lower() in (".gif", ".mp4", ".html") for p in paths):
        raise SettingError("out", f"animations need a 2-D landscape; {land.name} has "
                                  f"{land.dim} coordinate")  # fmt: skip
    _unused_options(config, paths)
    race = dl.run(land, config.optimizers, starts=config.starts, **_engine(config, on_progress))
    for path in paths:
        suffix = path.suffix.lower()
        framing = {"xlim": config.xlim, "ylim": config.ylim} if land.dim == 2 else {}
        if suffix in (".gif", ".mp4"):
            size = tuple(config.size) if config.size else None
            animation = viz.animate(race, config.view, fps=config.fps, duration=config.duration,
                                    size=size, dpi=config.dpi, look=config.look,
                                    **framing)  # fmt: skip
            animation.save(path)
        elif suffix == ".html":
            kind = "surface" if config.view == "surface" else "contour"
            viz.interactive(race, kind=kind, **framing).write_html(path, include_plotlyjs=True)
        elif suffix in (".csv", ".parquet"):
            race.save(path)
        elif config.view == "surface" and land.dim == 2:
            _save_figure(viz.surface(race, look=config.look, **framing), path, config.dpi)
        else:
            _save_figure(viz.trace(race, **framing), path, config.dpi)
    return race


def _unused_options(config: RaceExperiment, paths: list[Path]) -> None:
    """Warn of a setting no output of this race uses (it is kept in the sidecar)."""
    from ..defaults import FPS

    animated = any(p.suffix.lower() in (".gif", ".mp4") for p in paths)
    shaping = [name for name, unused in (("size", config.size is not None),
               ("duration", config.duration is not None), ("fps", config.fps != FPS))
               if unused]  # fmt: skip
    if shaping and not animated:
        warn(f"{', '.join(shaping)} shape animations (.gif, .mp4); no output here is one")
    pictured = any(p.suffix.lower() not in (".csv", ".parquet") for p in paths)
    if config.look != "mesh" and (config.view == "contour" or not pictured):
        warn(f"look {config.look!r} shades the 3-D surface; give --view surface or both")


def _pictures_possible(config: SweepExperiment, grid: dict[str, list[Any]], dim: int) -> None:
    """Refuse, before the sweep, a picture its plot cannot draw."""
    plot, several = config.plot, len(config.optimizers) > 1
    varied = [k for k, values in grid.items() if len(values) > 1]
    if plot == "heatmap" and (len(grid) != 2 or several):
        raise SettingError("plot", "a heatmap needs one optimizer and exactly two --grid settings")
    if plot == "sensitivity" and not grid:
        raise SettingError("plot", "a sensitivity plot needs a --grid, such as lr=1e-3:1:30:log")
    if plot == "basins" and several and varied:
        raise SettingError(
            "plot",
            f"a basin map of several optimizers takes one value per --grid setting, but "
            f"{', '.join(varied)} has several; give one optimizer for one panel per value",
        )
    if plot == "basins" and len(varied) > 1:
        raise SettingError("plot", "a basin map of one optimizer has one panel per value of one "
                                   f"--grid setting; {', '.join(varied)} all vary")  # fmt: skip
    if plot == "basins" and dim != 2:
        raise SettingError("plot", f"basin maps need a 2-D landscape; this one has {dim} "
                                   "coordinate")  # fmt: skip


def _sweep(config: SweepExperiment, paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    from ..engine import Sweeps

    land = landscapes.get(config.landscape)
    grid = config.grid_values()
    plot = config.plot
    pictures = [p for p in paths if p.suffix.lower() in (".png", ".svg", ".pdf")]
    if pictures:
        _pictures_possible(config, grid, land.dim)
    starts = None if config.starts is None else dl.grid_starts(land, config.starts)
    sweeps = Sweeps(
        dl.sweep(
            land,
            spec,
            grid=grid,
            starts=starts,
            tol=config.tol,
            **_engine(config, on_progress),
        )
        for spec in config.optimizers
    )
    for path in paths:
        if path in pictures:
            if plot == "basins":
                figure = viz.basins(sweeps if len(sweeps) > 1 else sweeps[0])
            elif plot == "sensitivity":
                figure = viz.sensitivity(sweeps, x="lr" if "lr" in grid else next(iter(grid)))
            else:
                x, y = list(grid)
                figure = viz.heatmap(sweeps[0], x=x, y=y)
            _save_figure(figure, path)
        else:
            sweeps.save(path)
    return sweeps


def _train(config: TrainingExperiment, paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    training = dl.compare(
        config.task,
        config.optimizers,
        config.epochs,
        config.batch_size,
        seed=config.seed,
        scheduler=config.scheduler,
        checkpoint_dir=config.checkpoint,
        resume=config.resume,
        on_progress=on_progress,
        dtype=_dtype(config),
    )
    for path in paths:
        if path.suffix.lower() in (".csv", ".parquet"):
            training.save(path)
        else:
            _save_figure(viz.loss_curves(training), path)
    return training


def _ema(config: WeightsPicture, paths: list[Path], on_progress: OnProgress | None) -> None:
    from descentlab import viz

    figure = viz.ema_weights(config.betas, config.steps)
    for path in paths:
        _save_figure(figure, path)


def _engine(config: RaceExperiment | SweepExperiment, on_progress: OnProgress | None) -> Any:
    """What `run` and `sweep` both take from an experiment."""
    return {"steps": config.steps, "noise": config.noise, "seed": config.seed,
            "dtype": _dtype(config), "on_progress": on_progress}  # fmt: skip


def _dtype(config: Any) -> Any:
    import torch

    return getattr(torch, config.dtype)


def _tune(config: TuningExperiment, paths: list[Path], on_progress: OnProgress | None) -> Any:
    from ..tuning import tune

    (folder,) = paths
    tuning = tune(
        config.tasks, config.optimizers, config.budget, config.seeds, seed=config.seed,
        workers=config.workers, storage=config.storage, study_name=config.study,
        sampler=config.sampler, folder=folder, on_progress=on_progress,
    )  # fmt: skip
    tuning.save(folder, tune_command(config, folder))
    return tuning


def tune_command(config: TuningExperiment, folder: Path) -> str:
    """The command line that runs (and resumes) this study."""
    import shlex

    words = ["descentlab", "tune", *config.tasks]
    for space in config.optimizers:
        words += ["-o", space]
    defaults = TuningExperiment.model_fields
    for name in ("budget", "seeds", "seed", "workers", "storage", "study", "sampler"):
        value = getattr(config, name)
        if value != defaults[name].default or name in ("budget", "seeds"):
            words += [f"--{name}", str(value)]
    return shlex.join([*words, "--out", str(folder)])


RUNNERS: dict[str, Callable[..., Any]] = {
    "race": _race,
    "sweep": _sweep,
    "train": _train,
    "ema": _ema,
    "tune": _tune,
}


def execute(
    job: Job | dict[str, Any],
    base: Path = Path("."),
    progress: bool | None = None,
    report: Callable[[str, Any], None] | None = None,
) -> list[Path]:
    """Check, run and write a job (or the settings of one); returns the outputs written,
    sidecars too.

    Relative output names (and a relative checkpoint folder) resolve against ``base``.
    ``progress`` draws bars on stderr (default: only on a terminal; see `cli.progress`).
    ``report(kind, result)`` is called with the race, the sweeps or the training once
    they are computed.
    """
    job = job if isinstance(job, Job) else read_job(job)
    experiments.check(job.experiment)
    paths = [(base / name) if not Path(name).is_absolute() else Path(name) for name in job.out]
    for path in paths:
        if job.kind != "tune":  # a study's folder may exist: it is resumed
            check_writable(path)
        check_writable(path.with_name(path.name + ".json"))
    experiment = job.experiment
    checkpoint = None
    if isinstance(experiment, TrainingExperiment) and experiment.checkpoint is not None:
        checkpoint = str(base / experiment.checkpoint)
        experiment = experiment.model_copy(update={"checkpoint": checkpoint})
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
        if job.kind == "tune":  # a study resumes from its sidecar even if it never ends
            sidecar(job, path, checkpoint)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        shown = bars(progress)
        with shown if shown is not None else nullcontext():
            result = RUNNERS[job.kind](experiment, paths, shown)
    for message in dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning):
        warn(message)  # the library's warnings (a start outside the domain, ...), one line each
    if report is not None and result is not None:
        report(job.kind, result)
    written = []
    for path in paths:
        written += [path, sidecar(job, path, checkpoint)]
    return written
