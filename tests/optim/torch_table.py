"""torch's own optimizer table (``optim_db``), read for our parity tests.

Each torch class in the table is mapped to ours; each of its inputs becomes one
parity run (the table's configurations, including those it lists for CUDA only,
with the implementation switches removed, plus the cases this project adds:
tensor learning rates, tensor betas, per-group overrides), and each of its error
inputs one refusal check.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.testing._internal.common_optimizers import (
    ErrorOptimizerInput,
    OptimizerErrorEnum,
    OptimizerInfo,
    optim_db,
)

#: torch.optim's name -> where ours lives ("module:Class").
COUNTERPARTS = {
    "Adadelta": "descentlab.optim:Adadelta",
    "Adafactor": "descentlab.optim.adafactor:Adafactor",
    "Adagrad": "descentlab.optim:Adagrad",
    "Adam": "descentlab.optim:Adam",
    "AdamW": "descentlab.optim:AdamW",
    "Adamax": "descentlab.optim:Adamax",
    "ASGD": "descentlab.optim:ASGD",
    "LBFGS": "descentlab.optim.lbfgs:LBFGS",
    "Muon": "descentlab.optim.muon:Muon",
    "NAdam": "descentlab.optim:NAdam",
    "RAdam": "descentlab.optim:RAdam",
    "RMSprop": "descentlab.optim:RMSprop",
    "Rprop": "descentlab.optim:Rprop",
    "SGD": "descentlab.optim:SGD",
    "SparseAdam": "descentlab.optim.sparse_adam:SparseAdam",
}

#: Switches that choose an implementation (ours has one), not the math.
IMPLEMENTATION_FLAGS = ("foreach", "fused", "capturable", "differentiable")

TABLE: dict[str, OptimizerInfo] = {info.optim_cls.__name__: info for info in optim_db}

#: Steps per run; fewer for LBFGS (up to 20 evaluations a step) and Muon (five
#: Newton-Schulz iterations a step, slow in bfloat16 on the CPU).
STEPS = {"LBFGS": 4, "Muon": 6}
DEFAULT_STEPS = 10

#: float32 tolerances (rtol, atol): about 16 float32 ulps (eps = 1.19e-7). The two sides
#: round the same float32 math in a different order (a fused addcdiv against a product
#: then a division, a step size folded in before or after, a float64 tensor beta cast
#: before or after 1 - beta), a few ulps a step over ten steps; the largest seen is
#: 1.6e-6 (Adamax with float64 tensor lr and betas on float32 parameters).
FLOAT32_TOL = (2e-6, 2e-7)

#: A second group's overrides for the per-group case, per class.
GROUP_OVERRIDES: dict[str, dict[str, Any]] = {
    "Adadelta": {"lr": 0.5, "rho": 0.8, "weight_decay": 0.05},
    "Adafactor": {"lr": 0.02, "weight_decay": 0.05},
    "Adagrad": {"lr": 0.05, "initial_accumulator_value": 0.3, "lr_decay": 0.1},
    "Adam": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "AdamW": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "Adamax": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "ASGD": {"lr": 0.02, "t0": 3.0, "lambd": 1e-2},
    "Muon": {"lr": 0.01, "momentum": 0.9, "weight_decay": 0.05},
    "NAdam": {"lr": 0.01, "betas": (0.8, 0.99), "momentum_decay": 6e-3},
    "RAdam": {"lr": 0.01, "betas": (0.8, 0.99), "weight_decay": 0.05},
    "RMSprop": {"lr": 0.005, "alpha": 0.9, "momentum": 0.5, "centered": True},
    "Rprop": {"lr": 0.02, "etas": (0.3, 1.5)},
    "SGD": {"lr": 0.05, "momentum": 0.5, "dampening": 0.1},
    "SparseAdam": {"lr": 0.01, "betas": (0.8, 0.99)},
}
WITH_BETAS = ("Adam", "AdamW", "Adamax", "NAdam", "RAdam", "SparseAdam")
#: Those whose constructor makes one-element betas 0-d (the others fail at the step
#: on betas of shape (1, 1, 1); ours takes them everywhere).
SQUEEZES_BETAS = ("Adam", "AdamW")


def ours_for(name: str) -> type[torch.optim.Optimizer]:
    """Our class for torch.optim's ``name``; AssertionError when there is none."""
    assert name in COUNTERPARTS, f"torch.optim.{name} has no counterpart in descentlab"
    module, _, attr = COUNTERPARTS[name].partition(":")
    try:
        found = getattr(importlib.import_module(module), attr, None)
    except ModuleNotFoundError as error:
        raise AssertionError(f"torch.optim.{name}: {module} is missing ({error})") from None
    assert found is not None, f"torch.optim.{name}: {module} has no {attr}"
    return found


@dataclass(frozen=True)
class Input:
    """One parity run: kwargs for both classes, and per-group overrides if any."""

    name: str
    desc: str
    kwargs: dict[str, Any]
    groups: tuple[dict[str, Any], ...] = ()

    @property
    def id(self) -> str:
        return f"{self.name}-{self.desc}"


def _strip(kwargs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in kwargs.items() if k not in IMPLEMENTATION_FLAGS}


def _table_inputs(info: OptimizerInfo) -> list[tuple[str, dict[str, Any]]]:
    """The table's inputs for the CPU, then those it lists for CUDA only (run here on
    the CPU without the CUDA switches); descriptions made unique."""
    found: list[tuple[str, dict[str, Any]]] = []
    seen: set[str] = set()
    for device in ("cpu", "cuda"):
        for optim_input in info.optim_inputs_func(device, torch.float64):
            kwargs = _strip(optim_input.kwargs)
            if any(_same(kwargs, k) for _, k in found):
                continue
            desc = optim_input.desc or "default"
            while desc in seen:
                desc += "+"
            seen.add(desc)
            found.append((desc, kwargs))
    return found


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return repr(sorted(a.items())) == repr(sorted(b.items()))


def _tensor_like(value: Any, dtype: torch.dtype | None = None, shape: tuple[int, ...] = ()) -> Any:
    if isinstance(value, tuple):
        return tuple(_tensor_like(v, dtype, shape) for v in value)
    return torch.full(shape, float(value), dtype=dtype)


def added_inputs(name: str) -> list[tuple[str, dict[str, Any], tuple[dict[str, Any], ...]]]:
    """The cases this project adds to the table: tensor learning rates in both float
    dtypes, tensor betas (0-d and with extra singleton dimensions), and a parameter
    group that overrides some hyperparameters (with tensors too; not for LBFGS, which
    takes one group only)."""
    added: list[tuple[str, dict[str, Any], tuple[dict[str, Any], ...]]] = []
    added.append(("tensor lr float32", {"lr": torch.tensor(0.01)}, ()))
    added.append(("tensor lr float64", {"lr": torch.tensor(0.01, dtype=torch.float64)}, ()))
    if name in WITH_BETAS:
        added.append(("tensor betas", {"betas": _tensor_like((0.85, 0.98))}, ()))
        float64 = {"lr": torch.tensor(0.01, dtype=torch.float64),
                   "betas": _tensor_like((0.85, 0.98), torch.float64)}  # fmt: skip
        added.append(("tensor lr and betas float64", float64, ()))
    if name in SQUEEZES_BETAS:
        singleton = (torch.tensor([[[0.85]]]), torch.tensor([[0.98]]))
        added.append(("tensor betas singleton dims", {"betas": singleton}, ()))
    if name in GROUP_OVERRIDES:
        override = GROUP_OVERRIDES[name]
        added.append(("param groups", {}, (override, {})))
        tensors = {k: _tensor_like(v) if k in ("lr", "betas") else v for k, v in override.items()}
        added.append(("param groups tensor lr", {"lr": torch.tensor(0.02)}, (tensors, {})))
    return added


def inputs(info: OptimizerInfo) -> list[Input]:
    name = info.optim_cls.__name__
    table = [Input(name, desc, kwargs) for desc, kwargs in _table_inputs(info)]
    return table + [Input(name, d, k, g) for d, k, g in added_inputs(name)]


def all_inputs() -> list[Input]:
    return [item for info in optim_db for item in inputs(info)]


# -- parameters and gradients ---------------------------------------------------------


class Problem(nn.Module):
    """A few small parameters and a loss whose gradient changes each step.

    Shapes: a matrix, a vector, a non-contiguous matrix and a 0-d scalar (matrices only
    for Muon). The last parameter has no gradient at steps 0, 4 and 5; SparseAdam's (and
    a sparse Adagrad's) parameters are embeddings with sparse gradients.
    """

    NO_GRAD_AT = (0, 4, 5)

    def __init__(self, name: str, dtype: torch.dtype, sparse: bool = False) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(0)
        self.sparse = sparse

        def randn(*shape: int) -> torch.Tensor:
            return torch.randn(shape, generator=generator, dtype=dtype)

        if sparse:
            self.embeddings = nn.ModuleList(
                nn.Embedding(n, 3, sparse=True, dtype=dtype) for n in (10, 6)
            )
            for e in self.embeddings:
                e.weight.data.copy_(randn(*e.weight.shape))
            self.rows = [torch.randint(0, 6, (5,), generator=generator) for _ in range(12)]
        elif name == "Muon":
            self.tensors = nn.ParameterList([nn.Parameter(randn(4, 3)), nn.Parameter(randn(3, 5))])
        else:
            # torch's LBFGS flattens gradients with view(), which a transposed one refuses
            third = randn(2, 5) if name == "LBFGS" else randn(5, 2).t()
            self.tensors = nn.ParameterList(
                [nn.Parameter(randn(4, 3)), nn.Parameter(randn(3)), nn.Parameter(third),
                 nn.Parameter(randn())]
            )  # fmt: skip
        self.weights = [randn(*p.shape) for p in self.parameters()]

    def loss(self, step: int) -> torch.Tensor:
        scale = 1 + 0.1 * step
        if self.sparse:
            total = sum(
                (e(self.rows[step % 12]).sin() * w[:1]).sum()
                for e, w in zip(self.embeddings, self.weights, strict=True)
            )
            return total * scale
        terms = [
            (torch.sin(3 * p) * w + p**2).sum()  # bounded below, for L-BFGS
            for p, w in zip(self.tensors, self.weights, strict=True)
        ]
        return sum(terms) * scale

    def backward(self, step: int) -> torch.Tensor:
        """Fill the gradients for ``step``, dropping the last one where it has none."""
        loss = self.loss(step)
        loss.backward()
        if step in self.NO_GRAD_AT:
            list(self.parameters())[-1].grad = None
        return loss


def param_groups(
    model: Problem, groups: tuple[dict[str, Any], ...]
) -> list[torch.Tensor] | list[dict[str, Any]]:
    params = list(model.parameters())
    if not groups:
        return params
    split = [params[:1], params[1:]]
    return [{"params": ps, **overrides} for ps, overrides in zip(split, groups, strict=True)]


def copy_hyper(value: Any) -> Any:
    """A fresh copy of a hyperparameter (tensors cloned), so the two sides share none."""
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, tuple):
        return tuple(copy_hyper(v) for v in value)
    if isinstance(value, dict):
        return {k: copy_hyper(v) for k, v in value.items()}
    return value


# -- error inputs -----------------------------------------------------------------------


def error_inputs(info: OptimizerInfo) -> list[ErrorOptimizerInput]:
    """The table's error inputs for the CPU, less those that are about implementation
    switches ours does not have (foreach=True with a tensor lr, say)."""
    return [
        e
        for e in info.optim_error_inputs_func("cpu", torch.float64)
        if not set(e.optimizer_error_input.kwargs) & set(IMPLEMENTATION_FLAGS)
    ]


def all_error_inputs() -> list[tuple[str, ErrorOptimizerInput]]:
    return [(info.optim_cls.__name__, e) for info in optim_db for e in error_inputs(info)]


ON_STEP = OptimizerErrorEnum.STEP_ERROR
