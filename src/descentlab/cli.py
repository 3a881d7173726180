"""The command line: ``descentlab ...``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from . import __version__, landscapes, optim

app = typer.Typer(
    name="descentlab",
    help="An optimizer lab for PyTorch: classic optimizers written from scratch, "
    "proven equal to torch.optim.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()


class Catalog(StrEnum):
    optimizers = "optimizers"
    landscapes = "landscapes"


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
    """descentlab: classic optimizers written from scratch, proven equal to torch.optim."""


@app.command("list")
def list_catalog(
    what: Annotated[Catalog, typer.Argument(help="What to list.")],
    formulas: Annotated[
        bool,
        typer.Option("--formulas", help="Show each formula (LaTeX) in full, with its source."),
    ] = False,
) -> None:
    """List the optimizers (defaults, what each does) or the landscapes (domains, minima)."""
    if what is Catalog.landscapes:
        _list_landscapes(formulas)
        return
    if formulas:
        for name in optim.available():
            entry = optim.info(name)
            console.print(f"[bold cyan]{name}[/] ({entry.cls.__name__}): {escape(entry.summary)}")
            console.print(f"  defaults: {_defaults(entry)}", soft_wrap=True, markup=False)
            console.print(f"  update:   {entry.formula}", soft_wrap=True, markup=False)
            console.print(f"  source:   {entry.reference}\n", soft_wrap=True, markup=False)
        return
    table = Table(title="descentlab optimizers")
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("class", overflow="fold")
    table.add_column("defaults", overflow="fold")
    table.add_column("what it does", overflow="fold")
    for name in optim.available():
        entry = optim.info(name)
        table.add_row(name, entry.cls.__name__, _defaults(entry), entry.summary)
    console.print(table)


def _list_landscapes(formulas: bool) -> None:
    if formulas:
        for name in landscapes.available():
            land = landscapes.get(name)
            console.print(f"[bold cyan]{name}[/]: {escape(land.description)}")
            console.print(f"  formula: {land.formula}", soft_wrap=True, markup=False)
            console.print(f"  domain:  {_domain(land)}; start {_point(land.start)}\n")
        return
    table = Table(title="descentlab landscapes")
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("domain", overflow="fold")
    table.add_column("known minima", overflow="fold")
    table.add_column("start", overflow="fold")
    table.add_column("what it shows", overflow="fold")
    for name in landscapes.available():
        land = landscapes.get(name)
        minima = "; ".join(f"{_point(m.point)} -> {m.value:.6g}" for m in land.minima) or "none"
        table.add_row(name, _domain(land), minima, _point(land.start), land.description)
    console.print(table)


def _point(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in point) + ")"


def _domain(land: landscapes.Landscape) -> str:
    return " x ".join(f"[{lo:g}, {hi:g}]" for lo, hi in land.domain)


def _defaults(entry: optim.OptimizerInfo) -> str:
    return ", ".join(f"{k}={_format_value(v)}" for k, v in entry.defaults.items())


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Address to bind; anything but loopback is reachable by others.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port (0 picks a free one).")] = 8000,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the page in the default browser.")
    ] = False,
) -> None:
    """Start the web playground: pick a landscape, click starts, race optimizers."""
    from .app.server import serve as start_server

    start_server(host=host, port=port, open_browser=open_browser)


def main() -> None:
    """Entry point of the ``descentlab`` executable."""
    app()


if __name__ == "__main__":
    main()
