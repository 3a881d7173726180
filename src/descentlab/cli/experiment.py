"""Experiments: a race, a sweep or a training comparison described as data.

Every command builds one (from its options, a TOML file or a sidecar), checks it
whole before any work, runs it, writes its outputs, and beside each output a
sidecar ``<output>.json`` holding the exact experiment, the seed and the package
versions; `descentlab run` takes a TOML file or such a sidecar back.
"""

from __future__ import annotations

import json
import math
import os
import platform
import tomllib
import warnings
from collections.abc import Callable
from contextlib import nullcontext
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np

from .. import __version__, landscapes, optim
from ..defaults import FPS, MAX_FPS, NOISE, SEED, STEPS, TOL, VIEW, VIEWS
from ..names import unknown
from ..progress import OnProgress
from .errors import UserError, warn
from .grid import resolve_grid
from .progress import bars

RACE_FORMATS = (".gif", ".mp4", ".html", ".png", ".svg", ".pdf", ".csv", ".parquet")
TABLE_AND_PICTURE_FORMATS = (".png", ".svg", ".pdf", ".csv", ".parquet")
PICTURE_FORMATS = (".png", ".svg", ".pdf")
FORMATS = {
    "race": RACE_FORMATS,
    "sweep": TABLE_AND_PICTURE_FORMATS,
    "train": TABLE_AND_PICTURE_FORMATS,
    "ema": PICTURE_FORMATS,
}
PLOTS = ("basins", "sensitivity", "heatmap")
REQUIRED = object()

# every key an experiment of each kind takes, with its default
FIELDS: dict[str, dict[str, Any]] = {
    "race": {
        "landscape": REQUIRED,
        "optimizers": REQUIRED,
        "starts": None,
        "steps": STEPS,
        "noise": NOISE,
        "seed": SEED,
        "dtype": "float32",
        "view": VIEW,
        "fps": FPS,
        "duration": None,
        "out": REQUIRED,
    },
    "sweep": {
        "landscape": REQUIRED,
        "optimizers": REQUIRED,
        "grid": {},
        "starts": None,
        "steps": STEPS,
        "tol": TOL,
        "noise": NOISE,
        "seed": SEED,
        "dtype": "float32",
        "plot": "basins",
        "out": REQUIRED,
    },
    "train": {
        "task": REQUIRED,
        "optimizers": REQUIRED,
        "epochs": None,
        "batch_size": None,
        "scheduler": None,
        "seed": SEED,
        "dtype": "float32",
        "checkpoint": None,
        "resume": False,
        "out": REQUIRED,
    },
    "ema": {"betas": [0.98, 0.95, 0.9, 0.8], "steps": 40, "out": REQUIRED},
}
DTYPES = ("float32", "float64")
WHAT = {"race": "a race", "sweep": "a sweep", "train": "a training comparison",
        "ema": "the weights picture"}  # fmt: skip
PACKAGES = ("torch", "numpy", "matplotlib", "pandas", "plotly", "scikit-learn")


# -- reading and checking ---------------------------------------------------------
def _whole(key: str, value: Any, low: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise UserError(f"{key} must be a whole number >= {low}, got {value!r}")
    return value


def _real(key: str, value: Any, low: float = 0.0) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise UserError(f"{key} must be a number, got {value!r}")
    if value < low:
        raise UserError(f"{key} must be >= {low:g}, got {value!r}")
    return float(value)


def _choice(key: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise UserError(f"{key} must be one of {', '.join(choices)}, got {value!r}")
    return value


def _specs(value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise UserError(f"optimizers must be a list of specs such as 'adam(lr=0.1)', got {value!r}")
    for spec in values:
        optim.parse(spec)  # unknown names and bad values fail now, with close matches
    return values


def _starts(value: Any) -> list[list[float]] | None:
    if value is None:
        return None
    points = value if isinstance(value, list) and value and isinstance(value[0], list) else None
    if points is None or not all(
        isinstance(p, list)
        and p
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in p)
        for p in points
    ):
        raise UserError(f"starts must be a list of points such as [[1.0, 1.5]], got {value!r}")
    return [[float(v) for v in p] for p in points]


def _outputs(kind: str, value: Any) -> list[str]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise UserError(f"out must be a file name or a list of them, got {value!r}")
    for name in values:
        suffix = Path(name).suffix.lower()
        if suffix not in FORMATS[kind]:
            raise UserError(
                f"cannot write {name!r}: {WHAT[kind]} is written as "
                f"{', '.join(FORMATS[kind])}, not {suffix or '(no extension)'!r}"
            )
    return values


def normalise(experiment: dict[str, Any]) -> dict[str, Any]:
    """The experiment with every key present and checked; unknown keys are errors."""
    if not isinstance(experiment, dict):
        raise UserError("an experiment is a table of settings")
    kind = experiment.get("kind")
    if kind not in FIELDS:
        raise UserError(f"kind must be one of {', '.join(FIELDS)}, got {kind!r}")
    fields = FIELDS[kind]
    for key in experiment:
        if key != "kind" and key not in fields:
            raise UserError(
                unknown("setting", key, list(fields), owner=f"a {kind}", listed="settings")
            )
    config: dict[str, Any] = {"kind": kind}
    for key, default in fields.items():
        if key not in experiment and default is REQUIRED:
            raise UserError(f"a {kind} needs {key!r}")
        config[key] = experiment.get(key, default)
    config["out"] = _outputs(kind, config["out"])
    if kind == "ema":
        betas = config["betas"]
        if not isinstance(betas, list) or not betas:
            raise UserError(f"betas must be a list of numbers in [0, 1), got {betas!r}")
        config["betas"] = [_real("each beta", b) for b in betas]
        config["steps"] = _whole("steps", config["steps"], low=2)
        return config
    config["optimizers"] = _specs(config["optimizers"])
    config["seed"] = _whole("seed", config["seed"])
    config["dtype"] = _choice("dtype", config["dtype"], DTYPES)
    if kind == "train":
        from .. import tasks

        if config["task"] not in tasks.available():
            raise UserError(unknown("task", config["task"], tasks.available()))
        for key in ("epochs", "batch_size"):
            if config[key] is not None:
                config[key] = _whole(key, config[key], low=1)
        if config["scheduler"] is not None:
            optim.parse_scheduler(config["scheduler"])
        if not isinstance(config["resume"], bool):
            raise UserError(f"resume must be true or false, got {config['resume']!r}")
        if config["resume"] and config["checkpoint"] is None:
            raise UserError("resume needs the checkpoint folder (--checkpoint DIR) to resume from")
        return config
    if not isinstance(config["landscape"], str):
        raise UserError(f"landscape must be a name or an expression, got {config['landscape']!r}")
    config["steps"] = _whole("steps", config["steps"], low=1)
    config["noise"] = _real("noise", config["noise"])
    if kind == "race":
        config["starts"] = _starts(config["starts"])
        config["view"] = _choice("view", config["view"], VIEWS)
        config["fps"] = _whole("fps", config["fps"], low=1)
        if config["fps"] > MAX_FPS:
            raise UserError(f"fps must be from 1 to {MAX_FPS}, got {config['fps']}")
        if config["duration"] is not None:
            config["duration"] = _real("duration", config["duration"])
    else:
        if config["starts"] is not None:
            config["starts"] = _whole("starts", config["starts"], low=1)
        config["tol"] = _real("tol", config["tol"])
        config["plot"] = _choice("plot", config["plot"], PLOTS)
        resolve_grid(config["grid"])
    return config


def load(path: Path) -> tuple[dict[str, Any], Path]:
    """An experiment from a .toml file, or from a sidecar .json; and the folder its
    relative output names are resolved against."""
    if not path.is_file():
        raise UserError(f"no such experiment file: {str(path)!r}")
    text = path.read_text(encoding="utf-8")
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise UserError(f"an experiment is a .toml file or a sidecar .json, not {path.name!r}")
    try:
        if suffix == ".toml":
            experiment = tomllib.loads(text)
        else:
            data = json.loads(text)
            experiment = data.get("experiment", data) if isinstance(data, dict) else data
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as error:
        raise UserError(f"{str(path)!r} is not valid {suffix[1:].upper()}: {error}") from None
    if not isinstance(experiment, dict) or "kind" not in experiment:
        raise UserError(
            f"{str(path)!r} is not an experiment: it needs kind = "
            f"{', '.join(repr(k) for k in FIELDS)} (or is a sidecar .json written with an output)"
        )
    return experiment, path.parent


# -- running ------------------------------------------------------------------------
def versions() -> dict[str, str]:
    """The versions that made a result: Python, descentlab and the main packages."""
    found = {"python": platform.python_version(), "descentlab": __version__}
    for package in PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            continue
    return found


def _check_writable(path: Path) -> None:
    if path.is_dir():
        raise UserError(f"cannot write {str(path)!r}: it is a folder")
    folder = path.parent
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UserError(f"cannot write {str(path)!r}: {str(existing)!r} is not a writable folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserError(f"cannot write {str(path)!r}: the file is read-only")


def _check_starts(land: landscapes.Landscape, starts: list[list[float]] | None) -> None:
    for point in starts or []:
        if len(point) != land.dim:
            raise UserError(
                f"start {tuple(point)} has {len(point)} coordinates; {land.name} takes {land.dim}"
            )


def _save_figure(figure: Any, path: Path) -> None:
    figure.savefig(path, dpi=150)


def _race(config: dict[str, Any], paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    land = landscapes.get(config["landscape"])
    _check_starts(land, config["starts"])
    if land.dim != 2 and any(p.suffix.lower() in (".gif", ".mp4", ".html") for p in paths):
        raise UserError(f"animations need a 2-D landscape; {land.name} has {land.dim} coordinate")
    race = dl.run(
        land,
        config["optimizers"],
        starts=config["starts"],
        steps=config["steps"],
        noise=config["noise"],
        seed=config["seed"],
        dtype=_dtype(config),
        on_progress=on_progress,
    )
    for path in paths:
        suffix = path.suffix.lower()
        if suffix in (".gif", ".mp4"):
            viz.animate(race, config["view"], fps=config["fps"], duration=config["duration"]).save(
                path
            )
        elif suffix == ".html":
            kind = "surface" if config["view"] == "surface" else "contour"
            viz.interactive(race, kind=kind).write_html(path, include_plotlyjs=True)
        elif suffix in (".csv", ".parquet"):
            race.save(path)
        elif config["view"] == "surface" and land.dim == 2:
            _save_figure(viz.surface(race), path)
        else:
            _save_figure(viz.trace(race), path)
    return race


def _sweep(config: dict[str, Any], paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    from ..engine import Sweeps

    land = landscapes.get(config["landscape"])
    grid = resolve_grid(config["grid"])
    plot = config["plot"]
    pictures = [p for p in paths if p.suffix.lower() in (".png", ".svg", ".pdf")]
    if pictures and plot == "heatmap" and (len(grid) != 2 or len(config["optimizers"]) != 1):
        raise UserError("a heatmap needs one optimizer and exactly two --grid settings")
    if pictures and plot == "sensitivity" and not grid:
        raise UserError("a sensitivity plot needs a --grid, such as lr=1e-3:1:30:log")
    varied = [k for k, values in grid.items() if len(values) > 1]
    if pictures and plot == "basins" and len(config["optimizers"]) > 1 and varied:
        raise UserError(
            f"a basin map of several optimizers takes one value per --grid setting, but "
            f"{', '.join(varied)} has several; give one optimizer for one panel per value"
        )
    if pictures and plot == "basins" and len(varied) > 1:
        raise UserError("a basin map of one optimizer has one panel per value of one --grid "
                        f"setting; {', '.join(varied)} all vary")  # fmt: skip
    if pictures and plot == "basins" and land.dim != 2:
        raise UserError(f"basin maps need a 2-D landscape; {land.name} has {land.dim} coordinate")
    starts = None if config["starts"] is None else dl.grid_starts(land, config["starts"])
    sweeps = Sweeps(
        dl.sweep(
            land,
            spec,
            grid=grid,
            starts=starts,
            steps=config["steps"],
            tol=config["tol"],
            noise=config["noise"],
            seed=config["seed"],
            dtype=_dtype(config),
            on_progress=on_progress,
        )
        for spec in config["optimizers"]
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


def _train(config: dict[str, Any], paths: list[Path], on_progress: OnProgress | None) -> Any:
    import descentlab as dl
    from descentlab import viz

    training = dl.compare(
        config["task"],
        config["optimizers"],
        config["epochs"],
        config["batch_size"],
        seed=config["seed"],
        scheduler=config["scheduler"],
        checkpoint_dir=config["checkpoint"],
        resume=config["resume"],
        on_progress=on_progress,
        dtype=_dtype(config),
    )
    for path in paths:
        if path.suffix.lower() in (".csv", ".parquet"):
            training.save(path)
        else:
            _save_figure(viz.loss_curves(training), path)
    return training


def _ema(config: dict[str, Any], paths: list[Path], on_progress: OnProgress | None) -> None:
    from descentlab import viz

    figure = viz.ema_weights(config["betas"], config["steps"])
    for path in paths:
        _save_figure(figure, path)


def _dtype(config: dict[str, Any]) -> Any:
    import torch

    return getattr(torch, config["dtype"])


RUNNERS: dict[str, Callable[..., Any]] = {
    "race": _race,
    "sweep": _sweep,
    "train": _train,
    "ema": _ema,
}


def execute(
    experiment: dict[str, Any],
    base: Path = Path("."),
    progress: bool | None = None,
    report: Callable[[str, Any], None] | None = None,
) -> list[Path]:
    """Check, run and write an experiment; returns the outputs written (sidecars too).

    Relative output names (and a relative checkpoint folder) resolve against ``base``.
    ``progress`` draws bars on stderr (default: only on a terminal; see `cli.progress`).
    ``report(kind, result)`` is called with the race, the sweeps or the training once
    they are computed.
    """
    config = normalise(experiment)
    paths = [
        (base / name) if not Path(name).is_absolute() else Path(name) for name in config["out"]
    ]
    for path in paths:
        _check_writable(path)
        _check_writable(path.with_name(path.name + ".json"))
    checked = dict(config)  # as given: what each sidecar records
    if config["kind"] == "train" and config["checkpoint"] is not None:
        config["checkpoint"] = str(base / config["checkpoint"])
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", UserWarning)
        shown = bars(progress)
        with shown if shown is not None else nullcontext():
            result = RUNNERS[config["kind"]](config, paths, shown)
    for message in dict.fromkeys(str(w.message) for w in caught if w.category is UserWarning):
        warn(message)  # the library's warnings (a start outside the domain, ...), one line each
    if report is not None and result is not None:
        report(config["kind"], result)
    written = []
    for path in paths:
        sidecar = path.with_name(path.name + ".json")
        shared = {**checked, "out": [path.name]}
        if shared["kind"] == "train" and shared["checkpoint"] is not None:
            shared["checkpoint"] = os.path.relpath(config["checkpoint"], path.parent)
        record = {
            "descentlab": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "versions": versions(),
            "experiment": shared,
        }
        sidecar.write_text(json.dumps(record, indent=2, default=_plain) + "\n", encoding="utf-8")
        written += [path, sidecar]
    return written


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"cannot write {value!r} to JSON")
