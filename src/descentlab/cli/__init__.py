"""The command line: ``descentlab list | race | sweep | train | tune | run | demo | serve``."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
from . import commands, listing, tuning
from .errors import USER_ERROR, fail, user_errors

app = typer.Typer(
    name="descentlab",
    help="An optimizer lab for PyTorch: classic optimizers written from scratch, "
    "proven equal to torch.optim, raced, swept, animated and trained.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(show: bool) -> None:
    if show:
        listing.console.print(f"descentlab {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """descentlab: classic optimizers written from scratch, proven equal to torch.optim."""


app.command("list")(listing.list_catalog)
app.command()(commands.race)
app.command()(commands.sweep)
app.command()(commands.train)
app.command()(tuning.tune)
app.command()(commands.run)
app.command("demo")(commands.showcase)


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
    from ..app.server import PortInUse
    from ..app.server import serve as start_server

    with user_errors():
        try:
            start_server(host=host, port=port, open_browser=open_browser)
        except PortInUse as error:
            raise fail(
                f"port {error.port} on {error.host} is already in use; pick another with "
                "--port, or --port 0 for a free one"
            ) from None


def main() -> None:
    """Entry point of the ``descentlab`` executable: usage mistakes are one line too."""
    try:
        code = app(standalone_mode=False)
    except typer.TyperException as error:  # a usage mistake Typer found in the arguments
        if type(error).__name__ == "NoArgsIsHelpError" or not hasattr(error, "format_message"):
            error.show()  # type: ignore[attr-defined]  # no arguments: the help, as usual
            sys.exit(getattr(error, "exit_code", USER_ERROR))
        context = getattr(error, "ctx", None)
        hint = f" (see {context.command_path} --help)" if context is not None else ""
        try:
            message = " ".join(error.format_message().replace("Value error, ", "").split())
            raise fail(message + hint) from None
        except typer.Exit:
            sys.exit(USER_ERROR)
    except typer.Abort:
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
