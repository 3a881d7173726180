"""The fast path of every elementwise optimizer, derived from its per-tensor rule.

With ``fused=True`` (or torch's ``foreach=True``, which asks for the same thing here)
a group's step is its optimizer's own `update`, traced by torch.compile over all of
the group's tensors at once. Inductor fuses each tensor's whole update into one loop
that reads the parameter, its gradient and its state once and writes them once, where
the per-tensor path makes a pass per operation; the rule's scalar factors (bias
corrections) are computed once per step ahead of those loops (`hoist`). There is no
second copy of any rule:
the compiled step is the rule, and it equals the default path within rounding (the
default path computes scalar factors such as bias corrections in Python's float64
from the step count, as torch.optim's does; the compiled one computes them on the
device, from the step tensor, as torch's fused kernels do).

A kernel is compiled once per optimizer class and set of tensors stepped (their shapes
and dtypes), on the first fused step (seconds; a changed lr or beta is an input, not a
recompile).
Inductor keeps what it compiled in its on-disk cache (``TORCHINDUCTOR_CACHE_DIR``), so
a later run with the same shapes only traces. A tensor's first step runs the rule as
written, since it may make state (SGD's momentum buffer) that later steps then use.
"""

from __future__ import annotations

import functools
import types
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor
from torch.utils.weak import WeakIdKeyDictionary

from ..errors import GradientError
from . import hoist

KEEP = 64  # compiled kernels kept at most; the oldest goes first

_KERNELS: dict[tuple[Any, ...], Callable[..., None]] = {}


def _each_tensor(
    update: Callable[..., None],
    params: list[Tensor],
    grads: list[Tensor],
    states: list[dict[str, Any]],
    hyper: dict[str, Any],
    maximize: bool,
) -> None:
    for param, grad, state in zip(params, grads, states, strict=True):
        update(param, -grad if maximize else grad, state, hyper)


def kernel(cls: type, params: list[Tensor], states: list[dict[str, Any]]) -> Callable[..., None]:
    """The compiled step of ``cls``'s rule over these tensors. Each set of tensors (their
    shapes, strides, dtypes and state keys: a layer frozen, a gradient dropped) gets a
    kernel with a code object of its own, so none evicts another from torch.compile's
    cache, whose limit of recompiles is per code object."""
    tensors = zip(params, states, strict=True)
    key = (cls, *((p.shape, p.stride(), p.dtype, *state.keys()) for p, state in tensors))
    if key not in _KERNELS:
        while len(_KERNELS) >= KEEP:
            _KERNELS.pop(next(iter(_KERNELS)))
        function = own_code(_each_tensor, f"{cls.__name__}_fused_step")
        # the guards dynamo keeps check every input's size already
        options = {"size_asserts": False, **hoist.OPTIONS}
        _KERNELS[key] = torch.compile(function, fullgraph=True, dynamic=False, options=options)
    return _KERNELS[key]


def own_code(function: Callable[..., Any], name: str | None = None) -> Callable[..., Any]:
    """``function`` with a code object of its own: torch.compile keeps its compiled
    graphs, and its limit of recompiles, per code object, so kernels that share a
    Python function (one per landscape, say) would otherwise evict one another."""
    if isinstance(function, functools.partial):
        return functools.partial(own_code(function.func, name), *function.args,
                                 **function.keywords)  # fmt: skip
    code = function.__code__.replace(co_name=name or function.__code__.co_name)
    return types.FunctionType(code, function.__globals__, code.co_name, function.__defaults__)


@dataclass
class _Plan:
    """How a set of tensors that have all stepped before is stepped: their states, the
    kernel, and the inputs last made from the hyperparameters (kept while they stay)."""

    params: list[Tensor]
    states: list[dict[str, Any]]
    step: Callable[..., None]
    values: tuple[Any, ...] = ()
    inputs: dict[str, Any] = field(default_factory=dict)

    def holds(self, state: dict[Tensor, dict[str, Any]]) -> bool:
        """Whether every state is still the one planned for (load_state_dict replaces them)."""
        return all(state[p] is s for p, s in zip(self.params, self.states, strict=True))

    def run(self, optimizer: Any, hyper: dict[str, Any], maximize: bool) -> None:
        values = _identity(hyper)
        if values != self.values:
            self.values, self.inputs = values, as_inputs(hyper, self.params[0].device)
        grads = [p.grad for p in self.params]
        self.step(optimizer.update, self.params, grads, self.states, self.inputs, maximize)


def step_fused(optimizer: Any, group: dict[str, Any]) -> None:
    """One step of every parameter of ``group`` that has a gradient, compiled as one
    pass per device and dtype."""
    buckets: dict[tuple[torch.device, torch.dtype], list[Tensor]] = {}
    for p in group["params"]:
        if p.grad is None:
            continue
        if p.grad.is_sparse:
            raise GradientError(optimizer.name, "fused=True does not take sparse gradients")
        buckets.setdefault((p.device, p.dtype), []).append(p)
    maximize = bool(group.get("maximize", False))
    plans: dict[tuple[int, ...], _Plan] = optimizer.__dict__.setdefault("_fused_plans", {})
    for params in buckets.values():
        hyper = optimizer.hyperparameters(group, params[0])
        key = tuple(map(id, params))
        plan = plans.get(key)
        if plan is None or not plan.holds(optimizer.state):
            steady = _first_steps(optimizer, params, hyper, maximize)
            if not steady:
                continue
            states = [optimizer.state[p] for p in steady]
            plan = _Plan(steady, states, kernel(type(optimizer), steady, states))
            if len(steady) == len(params):  # kept once every tensor is past its first step
                while len(plans) >= KEEP:
                    plans.pop(next(iter(plans)))
                plans[key] = plan
        plan.run(optimizer, hyper, maximize)


def _first_steps(
    optimizer: Any, params: list[Tensor], hyper: dict[str, Any], maximize: bool
) -> list[Tensor]:
    """Step the tensors taking their first step as the rule is written (it may make
    state, as SGD's momentum buffer); the others, which the kernel steps."""
    stepped = optimizer.__dict__.setdefault("_stepped_before", WeakIdKeyDictionary())
    steady = []
    for p in params:
        state = optimizer.state[p]
        if not state:
            optimizer.init_state(p, state, hyper)
        if p in stepped:
            steady.append(p)
        else:
            optimizer.update(p, -p.grad if maximize else p.grad, state, hyper)
            stepped[p] = True
        _keep_steps_on(state, p.device)
    return steady


def _identity(value: Any) -> Any:
    """A hashable stand-in for hyperparameter values: numbers as they are, tensors by
    identity (a tensor hyperparameter changed in place is the same input)."""
    if isinstance(value, dict):
        return tuple((key, _identity(item)) for key, item in value.items())
    if isinstance(value, tuple | list):
        return tuple(_identity(item) for item in value)
    if isinstance(value, Tensor):
        return ("tensor", id(value))
    return value


def as_inputs(hyper: dict[str, Any], device: torch.device) -> dict[str, Any]:
    """Hyperparameters as a compiled step on ``device`` takes them: each nonzero number
    as a 0-d float64 tensor, so a new lr or beta is a new input rather than a recompile,
    and the scalar factors made from them (``1 - beta2^t``) are double arithmetic, as on
    the default path and in torch's fused kernels (float32 on MPS, which has no
    float64). Zero stays a number: whether a term (weight decay, momentum) exists at
    all is part of the kernel's shape. Every update writes in place, so a factor meets
    a parameter (a 0-d one too) in the parameter's own dtype."""
    dtype = torch.float32 if torch.device(device).type == "mps" else torch.float64

    def as_input(value: Any) -> Any:
        if isinstance(value, tuple):
            return tuple(as_input(item) for item in value)
        if isinstance(value, float | int) and not isinstance(value, bool) and value != 0:
            return torch.tensor(float(value), dtype=dtype)
        return value

    return {key: as_input(value) for key, value in hyper.items()}


def _keep_steps_on(state: dict[str, Any], device: torch.device) -> None:
    """Scalar state on the parameter's device, as torch's fused kernels keep ``step``:
    the kernel then reads nothing back to the host."""
    for key, value in state.items():
        if isinstance(value, Tensor) and value.ndim == 0 and value.device != device:
            state[key] = value.to(device)
