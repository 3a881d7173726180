"""The table of optimizers: names, presets and what `info` tells about each."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any

from ..names import unknown
from .adadelta import Adadelta
from .adafactor import Adafactor
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .adamax import Adamax
from .asgd import ASGD
from .base import Optimizer
from .hyper import Hyperparameter
from .lbfgs import LBFGS
from .lion import Lion
from .muon import Muon
from .muon_adamw import MuonAdamW
from .nadam import NAdam
from .prodigy import Prodigy
from .radam import RAdam
from .rmsprop import RMSprop
from .rprop import Rprop
from .schedule_free import AdamWScheduleFree, SGDScheduleFree
from .sgd import SGD
from .sparse_adam import SparseAdam


@dataclass(frozen=True)
class OptimizerInfo:
    """What the registry knows about one name: its class, colour, preset and
    documentation."""

    name: str
    cls: type[Optimizer]
    #: its colour in every figure and on the page, chosen to stay apart from the others
    colour: str
    preset: dict[str, Any] = field(default_factory=dict, hash=False)
    preset_summary: str = ""

    @property
    def summary(self) -> str:
        """One line saying what the optimizer does (the preset's, or the class's)."""
        return self.preset_summary or self.cls.summary

    @property
    def hyper(self) -> tuple[Hyperparameter, ...]:
        """The class's declarations (name, default, kind, range), with the preset's
        values as defaults."""
        return tuple(
            h.with_default(self.preset[h.name]) if h.name in self.preset else h
            for h in self.cls.hyper
        )

    @property
    def hyperparameters(self) -> tuple[str, ...]:
        """The keyword arguments the class accepts, in signature order."""
        return tuple(h.name for h in self.cls.hyper)

    @property
    def defaults(self) -> dict[str, Any]:
        """Every hyperparameter's default, with the preset applied."""
        return {h.name: h.default for h in self.hyper}

    @property
    def formula(self) -> str:
        return self.cls.formula

    @property
    def reference(self) -> str:
        return self.cls.reference

    @property
    def elementwise(self) -> bool:
        return self.cls.elementwise


def hyperparameter_names(cls: type) -> tuple[str, ...]:
    """Keyword arguments of an optimizer class other than ``params`` (ours from their
    declarations, torch's from their signatures)."""
    if issubclass(cls, Optimizer) and cls.hyper:
        return tuple(h.name for h in cls.hyper)
    parameters = inspect.signature(cls.__init__).parameters
    return tuple(
        name
        for name, p in parameters.items()
        if name not in ("self", "params")
        and p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    )


_TABLE: tuple[OptimizerInfo, ...] = (
    OptimizerInfo("sgd", SGD, "#96002d"),
    OptimizerInfo(
        "momentum", SGD, "#3cc35a", {"momentum": 0.9}, "SGD with heavy-ball momentum 0.9."
    ),
    OptimizerInfo(
        "nesterov",
        SGD,
        "#0f3cb4",
        {"momentum": 0.9, "nesterov": True},
        "SGD with Nesterov momentum 0.9: the gradient step looks ahead along the velocity.",
    ),
    OptimizerInfo("adagrad", Adagrad, "#ff964b"),
    OptimizerInfo("rmsprop", RMSprop, "#780f96"),
    OptimizerInfo("adadelta", Adadelta, "#4bd2f0"),
    OptimizerInfo("adam", Adam, "#ff78f0"),
    OptimizerInfo(
        "amsgrad",
        Adam,
        "#a5b42d",
        {"amsgrad": True},
        "Adam that divides by the running maximum of v_t, so steps never grow from v alone.",
    ),
    OptimizerInfo("adamw", AdamW, "#000078"),
    OptimizerInfo("adamax", Adamax, "#4bc3b4"),
    OptimizerInfo("nadam", NAdam, "#781e00"),
    OptimizerInfo("radam", RAdam, "#5a3c0f"),
    OptimizerInfo("asgd", ASGD, "#d2a53c"),
    OptimizerInfo("rprop", Rprop, "#004b2d"),
    OptimizerInfo("lion", Lion, "#a5a5ff"),
    OptimizerInfo("lbfgs", LBFGS, "#ff9687"),
    OptimizerInfo("sparseadam", SparseAdam, "#e196b4"),
    OptimizerInfo("adafactor", Adafactor, "#3c4b00"),
    OptimizerInfo("muon", Muon, "#69b4ff"),
    OptimizerInfo("muon_adamw", MuonAdamW, "#3c1e4b"),
    OptimizerInfo("adamw_schedulefree", AdamWScheduleFree, "#ffe11e"),
    OptimizerInfo("sgd_schedulefree", SGDScheduleFree, "#a5f03c"),
    OptimizerInfo("prodigy", Prodigy, "#ffe1a5"),
)
_BY_NAME = {entry.name: entry for entry in _TABLE}


# torch.optim classes whose update never mixes coordinates
_TORCH_ELEMENTWISE = frozenset(
    {"SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam", "RAdam",
     "ASGD", "Rprop"}
)  # fmt: skip


def is_elementwise(optimizer: type | object) -> bool:
    """Whether an optimizer (class or instance) updates every coordinate on its own."""
    cls = optimizer if isinstance(optimizer, type) else type(optimizer)
    if issubclass(cls, Optimizer):
        return cls.elementwise
    return cls.__module__.startswith("torch.optim") and cls.__name__ in _TORCH_ELEMENTWISE


def available() -> list[str]:
    """Registry names of every optimizer, in the order of the documentation."""
    return [entry.name for entry in _TABLE]


def info(name: str) -> OptimizerInfo:
    """Class, preset, defaults, summary, formula and reference of a registry name."""
    if not isinstance(name, str):
        raise TypeError(f"an optimizer name is a string such as 'adam', got {name!r}")
    key = name.strip().lower()
    if key not in _BY_NAME:
        raise ValueError(unknown("optimizer", name, available(), key=key))
    return _BY_NAME[key]
