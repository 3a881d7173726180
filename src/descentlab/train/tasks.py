"""Training tasks: data, a model factory, a loss and an evaluation schedule.

A task is a small object; write one for your own data::

    Task(
        name="line",
        train=(x, y),
        model=lambda: torch.nn.Linear(1, 1),
        loss=lambda out, y: ((out.squeeze(-1) - y) ** 2).mean(),
    )
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from ..checks import whole_number
from ..names import unknown
from .datasets import AIRFOIL, airfoil_data, digits_data

Kind = Literal["regression", "classification"]
Pair = tuple[torch.Tensor, torch.Tensor]


@dataclass(frozen=True, eq=False)
class Task:
    """What `fit` trains: a model on data, with a loss and when to measure it.

    Attributes
    ----------
    name : a short name, used in labels and checkpoint names.
    train : (inputs, targets) to train on; the first dimension indexes examples.
    model : builds a fresh model; `fit` calls it under the run's seed.
    loss : ``loss(outputs, targets)``, the mean loss of a batch.
    validation : optional held-out (inputs, targets).
    kind : "classification" also records accuracy (argmax of the outputs).
    evaluate_every : record the curve every this many examples; None: once per epoch.
    epochs, batch_size : defaults for `fit`.
    description : one line for listings.
    """

    name: str
    train: Pair
    model: Callable[[], nn.Module]
    loss: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    validation: Pair | None = None
    kind: Kind = "regression"
    evaluate_every: int | None = None
    epochs: int = 10
    batch_size: int = 32
    description: str = ""
    citation: str = field(default="", repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"a task needs a name, got {self.name!r}")
        for which, pair in (("train", self.train), ("validation", self.validation)):
            if pair is None and which == "validation":
                continue
            if not (
                isinstance(pair, tuple | list)
                and len(pair) == 2
                and all(isinstance(t, torch.Tensor) for t in pair)
                and len(pair[0]) == len(pair[1]) > 0
            ):
                raise ValueError(
                    f"task {self.name!r}: {which} must be (inputs, targets), two tensors with "
                    "the same non-zero number of rows"
                )
        if self.kind not in ("regression", "classification"):
            raise ValueError(
                f"task {self.name!r}: kind must be 'regression' or 'classification', "
                f"got {self.kind!r}"
            )
        for key in ("epochs", "batch_size", "evaluate_every"):
            value = getattr(self, key)
            if value is None and key == "evaluate_every":
                continue
            whole_number(f"task {self.name!r}: {key}", value, low=1)

    @property
    def examples(self) -> int:
        """Number of training examples."""
        return len(self.train[0])


# what the built-in tasks are, known without loading their data
SETTINGS: dict[str, dict[str, Any]] = {
    "airfoil": {
        "kind": "regression",
        "epochs": 2,
        "batch_size": 10,
        "description": "linear regression on NASA airfoil self-noise (1500 rows, 5 features)",
    },
    "digits": {
        "kind": "classification",
        "epochs": 15,
        "batch_size": 32,
        "description": "LeNet-style CNN on 8x8 handwritten digits (1797 images, 10 classes)",
    },
}


def half_squared_error(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean of (prediction - target)^2 / 2, the textbook's squared loss."""
    return ((outputs.reshape(targets.shape) - targets) ** 2 / 2).mean()


def linear_regression(features: int) -> nn.Module:
    """A linear model with weights drawn from N(0, 0.01^2) and a zero bias, as the
    textbook draws them: the weights are the generator's first draw."""
    model = torch.nn.utils.skip_init(nn.Linear, features, 1)
    with torch.no_grad():
        model.weight.copy_(torch.normal(0.0, 0.01, size=(features, 1)).T)
        model.bias.zero_()
    return model


def lenet8() -> nn.Module:
    """A LeNet-style CNN for 8x8 images, with batch normalisation (as in the textbook's
    "LeNet with batch norm"): two 3x3 convolutions with pooling (8x8 -> 4x4 -> 2x2 x 16),
    then fully connected layers 64 -> 120 -> 84 -> 10."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=3, padding=1),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, kernel_size=3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 2 * 2, 120),
        nn.BatchNorm1d(120),
        nn.ReLU(),
        nn.Linear(120, 84),
        nn.BatchNorm1d(84),
        nn.ReLU(),
        nn.Linear(84, 10),
    )


def airfoil(data_dir: str | Path | None = None, rows: int = 1500) -> Task:
    """Linear regression on the NASA airfoil self-noise data, as in the textbook:
    columns standardised, the first 1500 rows, loss = mean squared error / 2, the
    training loss on the full set recorded every 100 examples, 2 epochs of batch 10.
    The data ships in the package (sha256-checked when read); ``data_dir`` may name a
    folder holding another copy of the same file.
    """
    features, target = airfoil_data(data_dir, rows)
    return Task(
        name="airfoil",
        train=(features, target),
        model=lambda: linear_regression(features.shape[1]),
        loss=half_squared_error,
        evaluate_every=100,
        citation=AIRFOIL.citation,
        **SETTINGS["airfoil"],
    )


def digits(validation: float = 0.2, split_seed: int = 0) -> Task:
    """A LeNet-style CNN on scikit-learn's 8x8 handwritten digits: cross-entropy,
    training and validation loss and accuracy each epoch."""
    train, held_out = digits_data(validation, split_seed)
    return Task(
        name="digits",
        train=train,
        validation=held_out,
        model=lenet8,
        loss=nn.functional.cross_entropy,
        **SETTINGS["digits"],
    )


TASKS: dict[str, Callable[..., Task]] = {"airfoil": airfoil, "digits": digits}


def available() -> list[str]:
    """Names of the built-in tasks."""
    return list(TASKS)


def get(name: str | Task, **options: object) -> Task:
    """A built-in task by name (``options`` go to its builder), or a Task as it is."""
    if isinstance(name, Task):
        return name
    if not isinstance(name, str):
        raise TypeError(f"a task is a name such as 'airfoil' or a Task, got {name!r}")
    key = name.strip().lower()
    if key not in TASKS:
        raise ValueError(unknown("task", name, available(), key=key))
    return TASKS[key](**options)
