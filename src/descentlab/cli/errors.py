"""User errors on the command line: one line on stderr, exit code 2, no traceback."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from rich.console import Console
from rich.markup import escape

from ..landscapes import ExpressionError
from ..train import CheckpointError, DatasetUnavailable

USER_ERROR = 2
stderr = Console(stderr=True, soft_wrap=True)

# what the library raises for input a user can get wrong
USER_MISTAKES = (
    ValueError,
    TypeError,
    ExpressionError,
    DatasetUnavailable,
    CheckpointError,
    FileNotFoundError,
    PermissionError,
    IsADirectoryError,
    OSError,
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
    except USER_MISTAKES as error:
        raise fail(one_line(error)) from None
