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

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

import torch
from torch import nn

from .. import landscapes
from ..checks import one_of, whole_number
from ..landscapes import Landscape
from ..names import unknown
from .datasets import AIRFOIL, airfoil_data, digits_data
from .fashion import METRIC as FASHION_METRIC
from .fashion import SETTINGS as FASHION
from .fashion import TARGET as FASHION_TARGET
from .landscape_tasks import NoisyPoint, noise_stream
from .quadratic import NoisyQuadratic, hessian, shifts, validation_shifts

Kind = Literal["regression", "classification"]
Pair = tuple[torch.Tensor, torch.Tensor]
#: the curve columns a task can be ranked by (see train/result.py)
METRICS = ("val_loss", "val_accuracy", "train_loss")


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
    metric : the curve column tuning ranks by: "val_loss", "val_accuracy" or
        "train_loss"; empty: "val_loss" with validation data, else "train_loss".
    target : the value of ``metric`` that counts as reached (time to target); None: none.
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
    metric: str = ""
    target: float | None = None

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
        self._check_metric()

    def _check_metric(self) -> None:
        """Fill in the default metric; check the metric and the target."""
        if self.metric == "":
            default = "val_loss" if self.validation is not None else "train_loss"
            object.__setattr__(self, "metric", default)
        what = f"task {self.name!r}: metric"
        metric = one_of(what, self.metric, METRICS)
        if metric.startswith("val_") and self.validation is None:
            raise ValueError(f"{what} {metric!r} needs validation data")
        if metric.endswith("accuracy") and self.kind != "classification":
            raise ValueError(f"{what} {metric!r} needs kind='classification'")
        target = self.target
        if target is None:
            return
        if isinstance(target, bool) or not isinstance(target, numbers.Real):
            raise ValueError(f"task {self.name!r}: target must be a number or None, got {target!r}")
        if not math.isfinite(target):
            raise ValueError(f"task {self.name!r}: target must be finite, got {target!r}")
        object.__setattr__(self, "target", float(target))

    @property
    def maximize(self) -> bool:
        """Whether a higher ``metric`` is better (accuracy), else lower (losses)."""
        return self.metric.endswith("accuracy")

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
        "metric": "train_loss",
        "target": 0.245,
    },
    "digits": {
        "kind": "classification",
        "epochs": 15,
        "batch_size": 32,
        "description": "LeNet-style CNN on 8x8 handwritten digits (1797 images, 10 classes)",
        "metric": "val_accuracy",
        "target": 0.95,
    },
    "quadratic_deep": {
        "kind": "regression",
        "epochs": 100,
        "batch_size": 128,
        "description": "DeepOBS's noisy 100-D quadratic with a deep-learning-like spectrum",
        "metric": "val_loss",
        "target": 88.0,
    },
}
NOISY_EXAMPLES = 100  # noise vectors, so steps of batch 1, in an epoch
NOISY_EVALUATE_EVERY = 10
# catalog landscapes registered as noisy tasks: landscape -> (epochs, target)
NOISY = {"bowl": (1, 0.1), "rosenbrock": (20, 0.1), "himmelblau": (2, 0.01), "beale": (10, 0.01)}


def _noisy_name(landscape: str) -> str:
    return "noisy_" + landscape.replace("-", "_")


SETTINGS.update(
    {
        _noisy_name(land): {
            "kind": "regression",
            "epochs": epochs,
            "batch_size": 1,
            "description": f"the {land} landscape with N(0, 1) gradient noise (d2l's sgd_2d)",
            "metric": "train_loss",
            "target": target,
        }
        for land, (epochs, target) in NOISY.items()
    }
)


def mean_of_outputs(outputs: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """The mean of the outputs, for models whose output is each example's loss (the
    targets are placeholders)."""
    return outputs.mean()


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


def quadratic_deep(problem_seed: int = 42) -> Task:
    """DeepOBS's noisy quadratic (train/quadratic.py): 100-D, 1000 training and 1000
    validation shifts, theta from all ones, DeepOBS's 100 epochs of batch 128 (the last
    batch of an epoch is kept, where DeepOBS drops it). Seed 42 draws DeepOBS's problem."""
    seed = whole_number("problem_seed", problem_seed)
    matrix, train, held_out = hessian(seed), shifts(seed), validation_shifts(seed)
    return Task(
        name="quadratic_deep" if seed == 42 else f"quadratic_deep_{seed}",
        train=(train, torch.zeros(len(train))),
        validation=(held_out, torch.zeros(len(held_out))),
        model=lambda: NoisyQuadratic(matrix),
        loss=mean_of_outputs,
        citation="Schneider, Balles & Hennig, DeepOBS, ICLR 2019, arXiv:1903.05499",
        **SETTINGS["quadratic_deep"],
    )


def noisy_landscape(
    landscape: str | Landscape,
    examples: int = NOISY_EXAMPLES,
    noise_seed: int = 0,
    *,
    epochs: int | None = None,
    batch_size: int = 1,
    target: float | None = None,
) -> Task:
    """A 2-D landscape's point, from its start, trained on noisy gradients: an epoch is
    ``examples`` N(0, 1) noise vectors drawn from ``noise_seed`` (train/landscape_tasks.py),
    and the curve's training loss is the landscape's value at the point. ``epochs`` and
    ``target`` default to the registered task's (`NOISY`), else 10 epochs and no target."""
    land = landscapes.get(landscape)
    if land.dim != 2:
        raise ValueError(f"a noisy landscape task needs a 2-D landscape, got {land.name!r}")
    name = _noisy_name(land.name)
    registered = land.name in NOISY and landscapes.get(land.name) is land
    settings = SETTINGS[name] if registered else {"epochs": 10, "target": None}
    description = settings.get("description", f"{land.name} with N(0, 1) gradient noise")
    examples = whole_number("examples", examples, low=1)
    noise = noise_stream(examples, land.dim, whole_number("noise_seed", noise_seed))
    return Task(
        name=name,
        train=(noise, torch.zeros(examples)),
        model=lambda: NoisyPoint(land),
        loss=mean_of_outputs,
        evaluate_every=NOISY_EVALUATE_EVERY,
        epochs=settings["epochs"] if epochs is None else epochs,
        batch_size=batch_size,
        description=description,
        metric="train_loss",
        target=settings["target"] if target is None else target,
    )


def fashion_mnist(**options: Any) -> Task:
    """LeNet-5 on Fashion-MNIST, downloaded once into the cache (see `train.fashion`)."""
    from .fashion import fashion_mnist as build

    return build(**options)


SETTINGS["fashion_mnist"] = {**FASHION, "metric": FASHION_METRIC, "target": FASHION_TARGET}

TASKS: dict[str, Callable[..., Task]] = {
    "airfoil": airfoil,
    "digits": digits,
    "quadratic_deep": quadratic_deep,
    "fashion_mnist": fashion_mnist,
    **{_noisy_name(land): partial(noisy_landscape, land) for land in NOISY},
}


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
