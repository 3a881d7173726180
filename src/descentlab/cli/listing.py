"""`descentlab list optimizers|landscapes|tasks`: what the lab holds."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

if TYPE_CHECKING:
    from ..landscapes import Landscape
    from ..optim import OptimizerInfo

console = Console()


class Catalog(StrEnum):
    optimizers = "optimizers"
    landscapes = "landscapes"
    tasks = "tasks"


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_format_value(v) for v in value) + ")"
    if isinstance(value, str):
        return repr(value)  # as a spec writes it: adjust_lr_fn='match_rms_adamw'
    return str(value)


def races(entry: OptimizerInfo) -> str:
    """How a race runs it: every start in one tensor, or each start on its own."""
    return "all starts at once" if entry.elementwise else "one start at a time"


def list_catalog(
    what: Annotated[Catalog, typer.Argument(help="What to list.")],
    formulas: Annotated[
        bool,
        typer.Option("--formulas", help="Show each formula (LaTeX) in full, with its source."),
    ] = False,
) -> None:
    """List the optimizers, the landscapes or the training tasks.

    Optimizers with their defaults and update rules, landscapes with their domains,
    minima and formulas, tasks with their settings.
    """
    from .. import optim

    if what is Catalog.landscapes:
        _list_landscapes(formulas)
        return
    if what is Catalog.tasks:
        _list_tasks()
        return
    if formulas:
        for name in optim.available():
            entry = optim.info(name)
            console.print(f"[bold cyan]{name}[/] ({entry.cls.__name__}): {escape(entry.summary)}")
            console.print(f"  defaults: {format_defaults(entry)}", soft_wrap=True, markup=False)
            console.print(f"  races:    {races(entry)}", soft_wrap=True, markup=False)
            console.print(f"  update:   {entry.formula}", soft_wrap=True, markup=False)
            console.print(f"  source:   {entry.reference}\n", soft_wrap=True, markup=False)
        return
    table = _table("descentlab optimizers", "class", "defaults", "races", "what it does")
    for name in optim.available():
        entry = optim.info(name)
        table.add_row(name, entry.cls.__name__, format_defaults(entry), races(entry),
                      entry.summary)  # fmt: skip
    console.print(table)


def _list_landscapes(formulas: bool) -> None:
    from .. import landscapes

    if formulas:
        for name in landscapes.available():
            land = landscapes.get(name)
            console.print(f"[bold cyan]{name}[/]: {escape(land.description)}")
            console.print(f"  formula: {land.formula}", soft_wrap=True, markup=False)
            console.print(f"  domain:  {_domain(land)}; start {_point(land.start)}\n")
        return
    table = _table("descentlab landscapes", "domain", "known minima", "start", "what it shows")
    for name in landscapes.available():
        land = landscapes.get(name)
        minima = "; ".join(f"{_point(m.point)} -> {m.value:.6g}" for m in land.minima) or "none"
        table.add_row(name, _domain(land), minima, _point(land.start), land.description)
    console.print(table)


def _point(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in point) + ")"


def _domain(land: Landscape) -> str:
    return " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in land.domain)


def format_defaults(entry: OptimizerInfo) -> str:
    """An optimizer's defaults as ``lr=0.001, betas=(0.9, 0.999), ...``."""
    return ", ".join(f"{k}={_format_value(v)}" for k, v in entry.defaults.items())


def _list_tasks() -> None:
    from ..train.tasks import SETTINGS

    table = Table(title="descentlab training tasks")
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("kind")
    table.add_column("epochs", justify="right")
    table.add_column("batch size", justify="right")
    table.add_column("what it trains", overflow="fold")
    for name, settings in SETTINGS.items():
        table.add_row(name, settings["kind"], str(settings["epochs"]),
                      str(settings["batch_size"]), settings["description"])  # fmt: skip
    console.print(table)


def _table(title: str, *columns: str) -> Table:
    """A table led by a ``name`` column, then ``columns``, each folded to fit."""
    table = Table(title=title)
    table.add_column("name", style="bold cyan", no_wrap=True)
    for column in columns:
        table.add_column(column, overflow="fold")
    return table
