"""The command line: ``descentlab ...``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from . import __version__, optim

app = typer.Typer(
    name="descentlab",
    help="An optimizer lab for PyTorch: optimizers from scratch, raced, swept and animated.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


class Catalog(StrEnum):
    optimizers = "optimizers"


def _format_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return "(" + ", ".join(_format_value(v) for v in value) + ")"
    return str(value)


def _version(show: bool) -> None:
    if show:
        console.print(f"descentlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """descentlab: optimizers from scratch, raced, swept and animated."""


@app.command("list")
def list_catalog(
    what: Annotated[Catalog, typer.Argument(help="What to list.")],
    formulas: Annotated[
        bool, typer.Option("--formulas", help="Add each update rule (LaTeX) and its reference.")
    ] = False,
) -> None:
    """List the optimizers with their defaults and what each does."""
    table = Table(title="descentlab optimizers", show_lines=formulas)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("class")
    table.add_column("defaults")
    table.add_column("what it does")
    if formulas:
        table.add_column("update rule (LaTeX)")
        table.add_column("reference")
    for name in optim.available():
        entry = optim.info(name)
        defaults = ", ".join(f"{k}={_format_value(v)}" for k, v in entry.defaults.items())
        row = [name, entry.cls.__name__, defaults, entry.summary]
        if formulas:
            row += [entry.formula, entry.reference]
        table.add_row(*row)
    console.print(table)


def main() -> None:
    """Entry point of the ``descentlab`` executable."""
    app()


if __name__ == "__main__":
    main()
