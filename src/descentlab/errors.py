"""Errors as data: what a user gave that was refused, in fields a face can format.

Every class here is a ValueError or TypeError, so callers that catch those keep
working; the faces read the fields (which optimizer, which hyperparameter, which
expression) instead of parsing the message. This module imports nothing from
descentlab, so every layer may raise these.
"""

from __future__ import annotations


class HyperparameterProblem(Exception):
    """A hyperparameter an optimizer refuses.

    Attributes
    ----------
    optimizer : the optimizer class's name, such as "Adam".
    hyperparameter : the hyperparameter's name, or None when the refusal is about
        several or none in particular.
    reason : the refusal without the class name, such as "lr must be >= 0, got -1".
    """

    def __init__(self, optimizer: str, hyperparameter: str | None, reason: str) -> None:
        super().__init__(f"{optimizer}: {reason}")
        self.optimizer = optimizer
        self.hyperparameter = hyperparameter
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str]]:
        return (type(self), (self.optimizer, self.hyperparameter, self.reason))


class HyperparameterError(HyperparameterProblem, ValueError):
    """A hyperparameter value out of its range (or too large for the dtype)."""


class HyperparameterTypeError(HyperparameterProblem, TypeError):
    """A hyperparameter of the wrong kind (a pair expected, True or False expected)."""
