"""Hyperparameter grids as typed: ``lr=1e-3:1:30:log``, ``momentum=0.5,0.9``, or lists."""

from __future__ import annotations

import ast
import math
from typing import Any

import numpy as np

from ..errors import SettingError

EXAMPLES = "name=start:stop:count[:log|lin] (e.g. lr=1e-3:1:30:log) or name=v1,v2,... "


def _refused(name: str, reason: str) -> SettingError:
    return SettingError(f"grid.{name}", reason)


def _number(name: str, text: str, where: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _refused(name, f"malformed grid {where!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise _refused(name, f"malformed grid {where!r}: {text!r} is not a finite number")
    return value


def parse_values(name: str, text: str) -> list[Any]:
    """The values one grid entry's text stands for."""
    where = f"{name}={text}"
    if ":" in text:
        parts = text.split(":")
        if len(parts) not in (3, 4):
            raise _refused(name, f"malformed grid {where!r}; expected {EXAMPLES}")
        start, stop = _number(name, parts[0], where), _number(name, parts[1], where)
        try:
            count = int(parts[2])
        except ValueError:
            raise _refused(name, f"malformed grid {where!r}: the count {parts[2]!r} is not a whole "
                            "number") from None  # fmt: skip
        scale = parts[3].strip().lower() if len(parts) == 4 else "lin"
        if scale not in ("log", "lin"):
            raise _refused(name, f"malformed grid {where!r}: the scale must be log or lin")
        if not 1 <= count <= 10_000:
            raise _refused(name, f"malformed grid {where!r}: the count must be from 1 to 10000")
        if scale == "log":
            if start <= 0 or stop <= 0:
                raise _refused(name, f"malformed grid {where!r}: a log range needs positive ends")
            return np.geomspace(start, stop, count).tolist()
        return np.linspace(start, stop, count).tolist()
    try:
        values = ast.literal_eval(f"[{text}]")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        raise _refused(name, f"malformed grid {where!r}; expected {EXAMPLES}") from None
    if not values:
        raise _refused(name, f"grid {where!r} has no values")
    return values


def parse_grid_option(text: str) -> tuple[str, str]:
    """Split ``name=values`` as typed after ``--grid``."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or not name.isidentifier() or not values.strip():
        raise SettingError("grid", f"malformed grid {text!r}; expected {EXAMPLES}")
    return name, values.strip()


def resolve_grid(grid: dict[str, Any]) -> dict[str, list[Any]]:
    """A grid from an experiment: each entry a typed string or a list of values."""
    if not isinstance(grid, dict):
        raise SettingError("grid", f"grid must be a table of name = values, got {grid!r}")
    resolved = {}
    for name, values in grid.items():
        if isinstance(values, str):
            resolved[name] = parse_values(name, values)
        elif isinstance(values, list) and values:
            resolved[name] = [tuple(v) if isinstance(v, list) else v for v in values]
        else:
            raise _refused(name, f"grid {name!r} must be a string such as '1e-3:1:30:log' or a "
                            f"non-empty list, got {values!r}")  # fmt: skip
    return resolved
