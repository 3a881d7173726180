"""What a race or a sweep says about itself: a tidy summary table, the best run, a
short repr. pandas is imported inside the functions that build frames."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

    from .race import Race
    from .sweep import Sweep

COORDINATES = ("x", "y", "z")
WIDTH = 96  # characters per repr line at most


@dataclass(frozen=True)
class Best:
    """The trajectory that ended lowest (highest when climbing) among those that did not
    diverge."""

    optimizer: str
    start: int  # index into the result's starts
    point: tuple[float, ...]  # the start's coordinates
    final_loss: float
    #: a sweep's hyperparameters for this trajectory, by grid name (pairs as tuples)
    settings: dict[str, Any] = field(default_factory=dict)


def _steps_to_tol(losses: np.ndarray, target: float | None, tol: float) -> np.ndarray:
    """First step within ``tol`` of ``target`` along the last axis; -1 if never."""
    if target is None:
        return np.full(losses.shape[:-1], -1, dtype=np.int64)
    reached = np.abs(losses - target) <= tol  # False for NaN
    return np.where(reached.any(-1), reached.argmax(-1), -1).astype(np.int64)


def race_table(race: Race, tol: float) -> pd.DataFrame:
    """The body of `Race.summary`."""
    import pandas as pd

    maximize = bool(race.options.get("maximize", False))
    k, s, _, d = race.positions.shape
    target = None if maximize else race.landscape.min_value
    diverged = race.diverged_at >= 0
    best = np.empty((k, s))
    best_step = np.empty((k, s), dtype=np.int64)
    steps_to_tol = np.empty((k, s), dtype=np.int64)
    worst = -np.inf if maximize else np.inf
    for optimizer in range(k):  # one optimizer at a time bounds the temporaries
        losses = race.losses[optimizer].astype(np.float64)
        # frozen steps after divergence repeat the last good point: they change nothing
        ranked = np.where(np.isnan(losses), worst, losses)
        at = ranked.argmax(-1) if maximize else ranked.argmin(-1)
        best[optimizer] = np.take_along_axis(losses, at[:, None], -1)[:, 0]
        best_step[optimizer] = np.where(np.isnan(best[optimizer]), -1, at)
        steps_to_tol[optimizer] = _steps_to_tol(losses, target, tol)
    final = race.positions[:, :, -1].astype(np.float64)
    final[diverged] = np.nan
    final_loss = np.where(diverged, np.nan, race.losses[:, :, -1].astype(np.float64))
    index = np.indices((k, s)).reshape(2, -1)
    columns: dict[str, Any] = {
        "optimizer": np.asarray(race.labels, dtype=object)[index[0]],
        "start": index[1],
    }
    for axis in range(d):
        columns[f"start_{COORDINATES[axis]}"] = race.starts[index[1], axis]
    for axis in range(d):
        columns[f"final_{COORDINATES[axis]}"] = final[..., axis].reshape(-1)
    columns["final_loss"] = final_loss.reshape(-1)
    columns["best_loss"] = best.reshape(-1)
    columns["best_step"] = best_step.reshape(-1)
    columns["steps_to_tol"] = steps_to_tol.reshape(-1)
    columns["diverged"] = diverged.reshape(-1)
    columns["diverged_at"] = race.diverged_at.reshape(-1).astype(np.int64)
    frame = pd.DataFrame(columns)
    # best first; diverged rows (NaN final loss) last; ties in race order
    order = frame.sort_values(
        ["final_loss", "best_loss"], ascending=not maximize, na_position="last", kind="stable"
    )
    return order.reset_index(drop=True)


def race_best(race: Race) -> Best | None:
    """The best trajectory of a race, or None when every one diverged."""
    maximize = bool(race.options.get("maximize", False))
    final = np.where(race.diverged_at >= 0, np.nan, race.losses[:, :, -1].astype(np.float64))
    if np.isnan(final).all():
        return None
    at = np.nanargmax(final) if maximize else np.nanargmin(final)
    optimizer, start = np.unravel_index(at, final.shape)
    return Best(
        optimizer=race.labels[optimizer],
        start=int(start),
        point=tuple(float(v) for v in race.starts[start]),
        final_loss=float(final[optimizer, start]),
    )


def setting_columns(sweep: Sweep) -> list[str]:
    """The hyperparameter columns of a sweep's frame (those before ``start``)."""
    columns = list(sweep.frame.columns)
    return columns[: columns.index("start")]


def sweep_table(sweep: Sweep) -> pd.DataFrame:
    """The body of `Sweep.summary`."""
    import pandas as pd

    frame = sweep.frame
    maximize = bool(sweep.options.get("maximize", False))
    known = not maximize and sweep.landscape.min_value is not None
    keys = setting_columns(sweep)
    steps = frame["steps_to_tol"].to_numpy()
    reached = steps >= 0
    work = pd.DataFrame(
        {
            **{key: frame[key] for key in keys},
            "reached": reached.astype(np.float64) if known else np.nan,
            "diverged": frame["diverged"].to_numpy().astype(np.float64),
            "final_loss": frame["final_loss"].to_numpy(dtype=np.float64),
            "steps": np.where(reached, steps, np.nan),
        }
    )
    groups = work.groupby(keys if keys else np.zeros(len(work)), sort=False, dropna=False)
    table = groups.agg(
        starts=("diverged", "size"),
        reached_fraction=("reached", "mean"),
        diverged_fraction=("diverged", "mean"),
        median_final_loss=("final_loss", "median"),
        best_final_loss=("final_loss", "max" if maximize else "min"),
        median_steps_to_tol=("steps", "median"),
    )
    table = table.reset_index(drop=not keys)
    table.insert(0, "optimizer", sweep.spec)
    # best first: most starts within tolerance, fewest diverged, fastest, then lowest
    # (highest when climbing) median final loss
    return table.sort_values(
        ["reached_fraction", "diverged_fraction", "median_steps_to_tol", "median_final_loss"],
        ascending=[False, True, True, not maximize],
        na_position="last",
        kind="stable",
    ).reset_index(drop=True)


def sweep_best(sweep: Sweep) -> Best | None:
    """The best trajectory of a sweep, or None when every one diverged."""
    frame = sweep.frame
    final = frame["final_loss"].to_numpy(dtype=np.float64)
    if np.isnan(final).all():
        return None
    maximize = bool(sweep.options.get("maximize", False))
    row = frame.iloc[int(np.nanargmax(final) if maximize else np.nanargmin(final))]
    start = int(row["start"])
    return Best(
        optimizer=sweep.spec,
        start=start,
        point=tuple(float(v) for v in sweep.starts[start]),
        final_loss=float(row["final_loss"]),
        settings=_row_settings(sweep, row),
    )


def _row_settings(sweep: Sweep, row: Any) -> dict[str, Any]:
    """A frame or summary row's hyperparameters by grid name, pairs put back together."""
    settings: dict[str, Any] = {}
    for name, values in sweep.grid.items():
        if values and isinstance(values[0], tuple | list):
            settings[name] = tuple(_plain(row[f"{name}[{i}]"]) for i in range(len(values[0])))
        else:
            settings[name] = _plain(row[name])
    return settings


# -- reprs ------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _clip(line: str) -> str:
    return line if len(line) <= WIDTH else line[: WIDTH - 3] + "..."


def _point(point: Any) -> str:
    return "(" + ", ".join(f"{float(v):.3g}" for v in point) + ")"


def _listing(items: list[str], total: int) -> str:
    """Items joined until the line would be too long, then how many there are."""
    shown: list[str] = []
    for item in items:
        if len(", ".join([*shown, item])) > WIDTH - 30:
            break
        shown.append(item)
    text = ", ".join(shown)
    return text if len(shown) == total else f"{text}, ... ({total} in all)"


def _options(options: dict[str, Any], dtype: str | None) -> str:
    parts = ["  options:", dtype] if dtype else ["  options:"]
    if options.get("maximize"):
        parts.append("climbing")
    if options.get("scheduler"):
        parts.append(f"scheduler {options['scheduler']}")
    parts += [f"noise {options.get('noise', 0):g}", f"seed {options.get('seed', 0)}"]
    if "tol" in options:
        parts.append(f"tol {options['tol']:g}")
    return parts[0] + " " + ", ".join(parts[1:])


def _diverged_line(count: int, total: int) -> str:
    noun = "trajectory" if total == 1 else "trajectories"
    return f"  diverged: {count:,} of {total:,} {noun} ({100 * count / total:.1f}%)"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def race_repr(race: Race) -> str:
    """A few lines: what ran, the array sizes, who ended best, how many diverged."""
    k, s, t1, _ = race.positions.shape
    head = (
        f"Race on {race.landscape.name}: {_plural(k, 'optimizer')} x {_plural(s, 'start')} "
        f"x {_plural(t1 - 1, 'step')}"
    )
    best = race_best(race)
    if best is None:
        ended = "  best: none, every trajectory diverged"
    else:
        known = race.landscape.min_value
        ended = (
            f"  best: {best.optimizer} from start {best.start} {_point(best.point)}, "
            f"final loss {best.final_loss:.3g}"
            + ("" if known is None else f" (lowest known {known:.3g})")
        )
    lines = [
        head,
        _options(race.options, str(race.positions.dtype)),
        f"  optimizers: {_listing(race.labels, k)}",
        f"  starts: {_listing([_point(p) for p in race.starts], s)}",
        f"  positions {race.positions.shape}, losses {race.losses.shape}; "
        ".summary(): one row per optimizer and start",
        ended,
        _diverged_line(int((race.diverged_at >= 0).sum()), k * s),
    ]
    return "\n".join(_clip(line) for line in lines)


def _values(values: list[Any]) -> str:
    if len(values) <= 3:
        return ", ".join(_value(v) for v in values)
    return f"{_value(values[0])} .. {_value(values[-1])} ({len(values)} values)"


def _value(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "(" + ", ".join(_value(v) for v in value) + ")"
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def _settings(settings: dict[str, Any]) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in settings.items())


def sweep_repr(sweep: Sweep) -> str:
    """A few lines: what ran, the sizes, the best setting and trajectory, divergence."""
    n, s = len(sweep.frame), len(sweep.starts)
    settings = n // s if s else 0
    options = sweep.options
    sizes = (
        f"{_plural(s, 'start')}"
        if settings == 1
        else (
            f"{_plural(settings, 'setting')} x {_plural(s, 'start')} = "
            f"{n:,} {'trajectory' if n == 1 else 'trajectories'}"
        )
    )
    steps = _plural(int(options.get("steps", 0)), "step")
    head = f"Sweep of {sweep.spec} on {sweep.landscape.name}: {sizes} x {steps}"
    grid = "; ".join(f"{k} = {_values(list(v))}" for k, v in sweep.grid.items())
    lines = [
        head,
        _options(options, options.get("dtype")),
        f"  grid: {grid or 'none (the spec as given)'}",
        f"  frame: {n:,} rows x {sweep.frame.shape[1]} columns, one per trajectory; "
        ".summary(): one row per setting",
    ]
    if n:
        top = sweep_table(sweep).iloc[0]
        reached = top["reached_fraction"]
        lines.append(
            (
                "  over all starts: "
                if settings == 1
                else f"  best setting: {_settings(_row_settings(sweep, top))}: "
            )
            + ("" if np.isnan(reached) else f"{100 * reached:.0f}% within tol, ")
            + f"median final loss {top['median_final_loss']:.3g}"
        )
        best = sweep_best(sweep)
        where = "" if best is None or not best.settings else f" with {_settings(best.settings)}"
        lines.append(
            "  best trajectory: none, every one diverged"
            if best is None
            else f"  best trajectory: start {best.start} {_point(best.point)}{where}, "
            f"final loss {best.final_loss:.3g}"
        )
        lines.append(_diverged_line(int(sweep.frame["diverged"].astype(bool).sum()), n))
    return "\n".join(_clip(line) for line in lines)
