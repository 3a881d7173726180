"""Refused requests as data: the one-line message and what it names (the optimizer's
place in the request, the hyperparameter, the landscape, the start), so the page marks the right
card and field without reading the message."""

from __future__ import annotations

from typing import Any

import torch

from .. import optim
from ..errors import HyperparameterProblem, StartError
from ..landscapes import ExpressionError
from ..optim.averaging import start_training
from ..optim.base import as_taken
from ..optim.validation import too_large_for_dtype


class Refused(ValueError):
    """A request the library refused: ``message`` and the fields of what it names."""

    def __init__(
        self,
        message: str,
        *,
        optimizer: int | None = None,
        hyperparameter: str | None = None,
        landscape: str | None = None,
        start: int | None = None,
        reason: str | None = None,
        allowed: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.optimizer = optimizer
        self.hyperparameter = hyperparameter
        self.landscape = landscape
        self.start = start
        self.reason, self.allowed = reason, allowed

    def detail(self) -> dict[str, Any]:
        """The 400's ``detail``: the message, and each field that names something."""
        fields = {
            "optimizer": self.optimizer,
            "hyperparameter": self.hyperparameter,
            "landscape": self.landscape,
            "start": self.start,
            "reason": self.reason,
            "allowed": self.allowed,
        }
        return {"message": self.message, **{k: v for k, v in fields.items() if v is not None}}


def one_line(error: BaseException) -> str:
    """The first line of an error's message (or its type's name when it has none)."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def refusal(error: BaseException) -> dict[str, Any]:
    """The ``detail`` of a 400 for anything the library raised."""
    if isinstance(error, Refused):
        return error.detail()
    if isinstance(error, ExpressionError):
        return Refused(one_line(error), landscape=error.expression, reason=error.reason,
                       allowed=error.allowed).detail()  # fmt: skip
    if isinstance(error, StartError):
        return Refused(one_line(error), start=error.start).detail()
    return {"message": one_line(error)}


def for_optimizer(spec: str, index: int, error: BaseException) -> Refused:
    """An optimizer's refusal, led by the spec it came from (``sgd(lr=1e+39): ...``)."""
    if isinstance(error, HyperparameterProblem):
        return Refused(
            f"{spec.strip()}: {error.reason}", optimizer=index, hyperparameter=error.hyperparameter
        )
    return Refused(one_line(error), optimizer=index)


def rehearse(spec: optim.OptimizerSpec, dtype: torch.dtype = torch.float32) -> None:
    """Build the optimizer on a point and take one step, so that what it refuses only
    once it steps (a value beyond the dtype's range) is refused before the real run."""
    point = torch.ones(2, 1, dtype=dtype, requires_grad=True)  # a race's point: (D, 1)
    optimizer = start_training(spec.build([point]))

    def closure() -> torch.Tensor:  # for the methods that re-evaluate (L-BFGS)
        point.grad = as_taken(optimizer, torch.ones_like(point))
        return point.detach().sum()

    closure()
    with too_large_for_dtype(optimizer, dtype):
        optimizer.step(closure)
