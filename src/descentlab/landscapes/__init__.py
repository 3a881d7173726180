"""Test landscapes: the catalog, and landscapes typed as expressions.

>>> from descentlab import landscapes
>>> landscapes.get("himmelblau").min_value
0.0
>>> landscapes.get("x**2 - y**2").dim
2
"""

from __future__ import annotations

import re

from ..names import unknown
from .catalog import CATALOG
from .expression import ExpressionError, from_expression
from .landscape import Landscape, Minimum

_BY_NAME = {landscape.name: landscape for landscape in CATALOG}
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def available() -> list[str]:
    """Names of the catalog's landscapes."""
    return [landscape.name for landscape in CATALOG]


def describe(land: Landscape) -> dict[str, object]:
    """What it takes to rebuild a landscape later (see `rebuild`), as JSON-able data."""
    common = {
        "name": land.name,
        "domain": [list(p) for p in land.domain],
        "start": list(land.start),
    }
    if _BY_NAME.get(land.name) is land:
        return {"catalog": land.name, **common}
    if land.expression is not None:
        return {"expression": land.expression, **common}
    return {"custom": land.name, **common}


def rebuild(described: dict[str, object]) -> Landscape:
    """The landscape `describe` described: from the catalog, or its expression again."""
    if "catalog" in described:
        return get(str(described["catalog"]))
    if "expression" in described:
        return from_expression(
            str(described["expression"]),
            domain=[tuple(p) for p in described["domain"]],  # type: ignore[attr-defined]
            start=tuple(described["start"]),  # type: ignore[arg-type]
            name=str(described["name"]),
        )
    raise ValueError(
        f"landscape {described.get('custom', described.get('name'))!r} was built in Python and "
        "cannot be rebuilt from a file; pass it as landscape=... when loading"
    )


def get(name_or_expression: str | Landscape, **options: object) -> Landscape:
    """A catalog landscape by name, or one built from an expression in x and y.

    ``options`` (domain, start, name) apply to expressions only.
    """
    if isinstance(name_or_expression, Landscape):
        if options:
            raise ValueError(f"options {sorted(options)} apply only to expressions")
        return name_or_expression
    if not isinstance(name_or_expression, str):
        raise TypeError(
            f"a landscape is a name such as 'beale' or an expression such as 'x**2 + y**2', "
            f"got {name_or_expression!r}"
        )
    text = name_or_expression.strip()
    key = text.lower().replace("_", "-")
    if key in _BY_NAME:
        if options:
            raise ValueError(f"options {sorted(options)} apply only to expressions, not {key!r}")
        return _BY_NAME[key]
    if _WORD.fullmatch(text) and text not in ("x", "y"):
        hint = "; or type an expression such as 'x**2 + y**2'"
        raise ValueError(unknown("landscape", text, available(), key=key, hint=hint))
    return from_expression(text, **options)  # type: ignore[arg-type]


__all__ = [
    "CATALOG",
    "ExpressionError",
    "Landscape",
    "Minimum",
    "available",
    "describe",
    "from_expression",
    "get",
    "rebuild",
]
