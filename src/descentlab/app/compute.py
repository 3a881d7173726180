"""The playground's work: landscapes, races and sweeps as JSON-able payloads.

Every function here is synchronous and may take a while; the API runs them in a
thread pool under a time limit. Library errors (ValueError, TypeError) pass through
and become 400 responses.
"""

from __future__ import annotations

import math
import warnings
from functools import lru_cache
from typing import Any

import numpy as np

from .. import landscapes, optim
from ..engine import Race, run, sweep
from ..engine.sweep import grid_starts
from ..errors import HyperparameterProblem
from ..experiments import check_starts
from ..landscapes import Landscape
from ..progress import silent
from ..viz.style import colours
from ..viz.sweeps import BASIN_COLOURS, DIVERGED, NONE
from .formulas import formula_svg, wrap_sum
from .framed import field, finite, framed
from .refusals import Refused, for_optimizer, rehearse
from .schemas import RaceRequest, SweepRequest


def parse_optimizer(spec: str, index: int = 0) -> optim.OptimizerSpec:
    """A spec of a registry optimizer (torch's own classes are not offered here), at
    ``index`` in its request; a refusal is a `Refused` naming that place."""
    try:
        parsed = optim.parse(spec)
    except (ValueError, TypeError) as error:
        raise for_optimizer(spec, index, error) from None
    if parsed.name not in optim.available():
        raise Refused(
            f"unknown optimizer {parsed.name!r}; the playground offers "
            f"{', '.join(optim.available())}",
            optimizer=index,
        )
    return parsed


def checked_optimizers(specs: list[str]) -> list[optim.OptimizerSpec]:
    """Every spec parsed and rehearsed for one step, in request order."""
    parsed = []
    for index, text in enumerate(specs):
        spec = parse_optimizer(text, index)
        try:
            rehearse(spec)
        except (ValueError, TypeError, RuntimeError) as error:
            raise for_optimizer(text, index, error) from None
        parsed.append(spec)
    return parsed


def parsed_spec(spec: str) -> dict[str, Any]:
    """A spec as the page needs it: ``{"spec", "name", "kwargs", "label"}``, or
    ``{"spec", "error"}`` when the playground refuses it."""
    try:
        parsed = parse_optimizer(spec)
    except (ValueError, TypeError) as error:
        return {"spec": spec, "error": str(error).strip().splitlines()[0]}
    kwargs = {k: _json_value(v) for k, v in parsed.kwargs.items()}
    return {"spec": spec, "name": parsed.name, "kwargs": kwargs, "label": parsed.label}


def catalog_landscapes() -> list[dict[str, Any]]:
    """Name, formula, domain, start, minima and description of every catalog landscape."""
    return [summary(landscapes.get(name)) for name in landscapes.available()]


def _json_value(value: Any) -> Any:
    """A default as JSON holds it: tuples as lists, infinity as "inf" (JSON has none)."""
    if isinstance(value, tuple | list):
        return [_json_value(item) for item in value]
    return "inf" if isinstance(value, float) and math.isinf(value) else value


def catalog_optimizers() -> list[dict[str, Any]]:
    """Name, defaults, declarations (kind, ranges, options), whether it is elementwise,
    summary, formula, reference and colour of every registry optimizer."""
    names = optim.available()
    out = []
    for name, colour in zip(names, colours(names), strict=True):
        entry = optim.info(name)
        out.append(
            {
                "name": name,
                "defaults": {k: _json_value(v) for k, v in entry.defaults.items()},
                "hyper": {h.name: {**h.as_dict(), "default": _json_value(h.default)}
                          for h in entry.hyper},
                "elementwise": entry.elementwise,
                "summary": entry.summary,
                "formula": entry.formula,
                "reference": entry.reference,
                "colour": colour,
            }
        )  # fmt: skip
    return out


def summary(land: Landscape) -> dict[str, Any]:
    """What the page shows about a landscape, without its sampled surface."""
    return {
        "name": land.name,
        "expression": land.expression,
        "formula": land.formula,
        "description": land.description,
        "dim": land.dim,
        "domain": [list(axis) for axis in land.domain],
        "start": list(land.start),
        "minima": [{"point": list(m.point), "value": m.value} for m in land.minima],
        "levels": land.levels,
        "view": list(land.view),
    }


def landscape(text: str) -> dict[str, Any]:
    """A landscape's summary and its values on a grid, for the contour map and surface."""
    return _landscape(text.strip())


@lru_cache(maxsize=64)
def _landscape(text: str) -> dict[str, Any]:
    land = landscapes.get(text)
    payload = summary(land)
    payload["field"] = field(land)
    return payload


def race(request: RaceRequest) -> dict[str, Any]:
    """Run the race a request describes: positions and losses of every step, and the
    view that frames it with the landscape and the paths as the map draws them."""
    result = run_race(request)
    return {
        "landscape": summary(result.landscape),
        "labels": result.labels,
        "colours": colours(result.labels),
        "starts": result.starts.tolist(),
        "steps": result.steps,
        "positions": finite(result.positions),
        "losses": finite(result.losses),
        "diverged_at": result.diverged_at.tolist(),
        **framed(result, request.xlim, request.ylim),
    }


def run_race(request: RaceRequest) -> Race:
    """The race a request describes (starts outside the domain are allowed, unwarned)."""
    specs = checked_optimizers(request.optimizers)
    land = landscapes.get(request.landscape)
    check_starts(land, request.starts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # starts outside the domain are allowed
        # the page shows its own progress; a server started in a notebook draws no bars
        return run(land, specs, starts=request.starts, steps=request.steps,
                   noise=request.noise, seed=request.seed, on_progress=silent)  # fmt: skip


def formula(optimizer: str | None, landscape: str | None) -> bytes:
    """The update rule of a registry optimizer, or a landscape's formula, as SVG."""
    if optimizer is not None:
        return formula_svg(optim.info(optimizer).formula)
    return formula_svg(wrap_sum(landscapes.get(str(landscape)).formula))


def sweep_map(request: SweepRequest) -> dict[str, Any]:
    """Basin, final loss and steps to tolerance over a grid of starts, per learning rate."""
    land = landscapes.get(request.landscape)
    (text,) = request.optimizers
    spec = parse_optimizer(text)
    lrs, per_axis = request.grid.lr, request.starts
    if "lr" in spec.kwargs:
        raise Refused(
            "the sweep sets lr itself; leave it out of the optimizer spec",
            optimizer=0,
            hyperparameter="lr",
        )
    starts = grid_starts(land, per_axis)
    try:
        result = sweep(
            land,
            spec,
            grid={"lr": lrs},
            starts=starts,
            steps=request.steps,
            tol=request.tol,
            on_progress=silent,
        )
    except HyperparameterProblem as error:
        raise for_optimizer(text, 0, error) from None
    frame = result.frame
    n, shape = len(starts), (per_axis,) * land.dim
    maps = []
    for index, lr in enumerate(lrs):
        rows = frame.iloc[index * n : (index + 1) * n]
        maps.append(
            {
                "lr": lr,
                "basin": rows["basin"].to_numpy().reshape(shape).tolist(),
                "final_loss": finite(rows["final_loss"].to_numpy().reshape(shape)),
                "steps_to_tol": rows["steps_to_tol"].to_numpy().reshape(shape).tolist(),
                "diverged": rows["diverged"].to_numpy().reshape(shape).tolist(),
                "ends_at": _ends_at(rows).reshape(shape).tolist(),
            }
        )
    axes = [np.linspace(lo, hi, per_axis).tolist() for lo, hi in land.domain]
    return {
        "landscape": summary(land),
        "optimizer": spec.label,
        "colour": colours([spec.label])[0],
        "axes": axes,
        "steps": request.steps,
        "tol": request.tol,
        "maps": maps,
        "palette": {"basins": BASIN_COLOURS, "diverged": DIVERGED, "none": NONE},
    }


def _ends_at(rows: Any) -> np.ndarray:
    """Where each start ended, by `viz.basins`'s rule: the index of the known minimum it
    came within tol of, -1 when it reached none (whatever minimum is nearest), -2 when it
    diverged."""
    basin = rows["basin"].to_numpy()
    return np.where(rows["diverged"].to_numpy(), -2,
                    np.where(rows["steps_to_tol"].to_numpy() < 0, -1, basin))  # fmt: skip
