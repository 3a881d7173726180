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


class GradientError(TypeError, RuntimeError):
    """A gradient an optimizer cannot take: sparse where it needs dense ones, or dense
    where it needs sparse ones. A TypeError here, and a RuntimeError as torch.optim
    raises it, so code written for either catches it."""

    def __init__(self, optimizer: str, reason: str) -> None:
        super().__init__(f"{optimizer}: {reason}")
        self.optimizer = optimizer
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.optimizer, self.reason))


class StartError(ValueError):
    """A start point refused: ``start`` is its index among the starts given (None when
    the refusal is about all of them), ``reason`` the refusal."""

    def __init__(self, start: int | None, reason: str) -> None:
        super().__init__(reason if start is None else f"start {start}: {reason}")
        self.start = start
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[int | None, str]]:
        return (type(self), (self.start, self.reason))


class SettingError(ValueError):
    """A setting of an experiment refused.

    Attributes
    ----------
    setting : where the setting is, such as "fps" or "optimizers[1]" (None for the
        experiment as a whole).
    reason : the refusal, naming the setting: "fps must be <= 60, got 61".
    file : the experiment file it was read from, when there is one.
    """

    def __init__(self, setting: str | None, reason: str, file: str | None = None) -> None:
        super().__init__(reason if file is None else f"{file}: {reason}")
        self.setting = setting
        self.reason = reason
        self.file = file

    def __reduce__(self) -> tuple[type, tuple[str | None, str, str | None]]:
        return (type(self), (self.setting, self.reason, self.file))


class ExperimentFileError(ValueError):
    """An experiment file that cannot be read: ``file`` and ``reason``."""

    def __init__(self, file: str, reason: str) -> None:
        super().__init__(f"{file!r} {reason}")
        self.file = file
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str]]:
        return (type(self), (self.file, self.reason))


class SearchSpaceError(ValueError):
    """A search space refused: the ``space`` text, the ``hyperparameter`` it is about
    (None when about the whole), and the ``reason``."""

    def __init__(self, space: str, reason: str, hyperparameter: str | None = None) -> None:
        super().__init__(f"search space {space!r}: {reason}")
        self.space = space
        self.reason = reason
        self.hyperparameter = hyperparameter

    def __reduce__(self) -> tuple[type, tuple[str, str, str | None]]:
        return (type(self), (self.space, self.reason, self.hyperparameter))


class StudyError(ValueError):
    """A tuning study that cannot be opened or joined: its ``storage`` (as given, without
    a password), its ``study`` name, and the ``reason``."""

    def __init__(self, storage: str, study: str, reason: str) -> None:
        super().__init__(f"study {study!r} in {storage}: {reason}")
        self.storage = storage
        self.study = study
        self.reason = reason

    def __reduce__(self) -> tuple[type, tuple[str, str, str]]:
        return (type(self), (self.storage, self.study, self.reason))
