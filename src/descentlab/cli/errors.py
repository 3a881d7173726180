"""User errors on the command line: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

USER_ERROR = 2
stderr = Console(stderr=True, soft_wrap=True)


def user_mistakes() -> tuple[type[BaseException], ...]:
    """What the library raises for input a user can get wrong.

    Read when an error arrives, so that the command line imports the library (and
    torch) only for the commands that use it.
    """
    from ..landscapes import ExpressionError
    from ..train import CheckpointError, DatasetUnavailable

    return (
        ValueError,
        TypeError,
        ExpressionError,
        DatasetUnavailable,
        CheckpointError,
        OSError,  # FileNotFoundError, PermissionError, IsADirectoryError, a taken port
        tomllib.TOMLDecodeError,
        json.JSONDecodeError,
    )


class UserError(Exception):
    """A mistake in what the user typed; the message says what is allowed."""


def one_line(error: BaseException) -> str:
    text = " ".join(str(error).split()) or type(error).__name__
    return text if len(text) <= 600 else text[:597] + "..."


def fail(message: str) -> typer.Exit:
    """Print ``error: message`` and return the exit to raise."""
    stderr.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(USER_ERROR)


def warn(message: str) -> None:
    stderr.print(f"[bold yellow]warning:[/] {escape(message)}")


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn the library's one-line errors about user input into exit code 2."""
    try:
        yield
    except UserError as error:
        raise fail(one_line(error)) from None
    except Exception as error:
        if isinstance(error, user_mistakes()):
            raise fail(one_line(error)) from None
        raise
