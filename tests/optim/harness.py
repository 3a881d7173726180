"""Models, losses and comparisons shared by the optimizer tests."""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

from .cases import Case

#: every parity test runs in both dtypes
DTYPES = pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=str)


class SmallMLP(nn.Module):
    """5 -> 16 -> 3 with tanh, and a 0-d output scale (a 0-d parameter)."""

    def __init__(self) -> None:
        super().__init__()
        self.hidden = nn.Linear(5, 16)
        self.out = nn.Linear(16, 3)
        self.scale = nn.Parameter(torch.tensor(1.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.scale * self.out(torch.tanh(self.hidden(x)))


def make_mlp(dtype: torch.dtype, seed: int = 0) -> SmallMLP:
    torch.manual_seed(seed)
    return SmallMLP().to(dtype)


def mlp_loss(model: SmallMLP, step: int) -> torch.Tensor:
    generator = torch.Generator().manual_seed(1000 + step)
    dtype = model.scale.dtype
    x = torch.randn(32, 5, generator=generator, dtype=dtype)
    y = torch.randn(32, 3, generator=generator, dtype=dtype)
    return ((model(x) - y) ** 2).mean()


class Sized(nn.Module):
    """Parameters of 1, 7, 33 and 1000 elements, and a non-contiguous one."""

    def __init__(self, dtype: torch.dtype, seed: int = 0) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(seed)
        tensors = [torch.randn(n, generator=generator, dtype=dtype) for n in (1, 7, 33, 1000)]
        self.flat = nn.ParameterList(nn.Parameter(t) for t in tensors)
        transposed = torch.randn(8, 5, generator=generator, dtype=dtype).t()
        self.strided = nn.Parameter(transposed)  # keeps the transposed strides
        assert not self.strided.is_contiguous()
        self.weights = [
            torch.randn(p.shape, generator=generator, dtype=dtype) for p in self.parameters()
        ]

    def loss(self, step: int) -> torch.Tensor:
        total = torch.zeros((), dtype=self.strided.dtype)
        for p, w in zip(self.parameters(), self.weights, strict=True):
            total = total + ((torch.sin(3 * p) + 0.5 * p**2) * w).sum() * (1 + 0.1 * step)
        return total


def assert_states_close(
    ours: torch.optim.Optimizer,
    theirs: torch.optim.Optimizer,
    params: tuple[list[torch.Tensor], list[torch.Tensor]],
    **tol: Any,
) -> None:
    for index, (p, q) in enumerate(zip(*params, strict=True)):
        a, b = ours.state.get(p, {}), theirs.state.get(q, {})
        assert a.keys() == b.keys(), f"parameter {index}: state keys {a.keys()} != {b.keys()}"
        for key in a:
            torch.testing.assert_close(
                a[key], b[key], msg=lambda m, k=key, i=index: f"state {k} of param {i}: {m}", **tol
            )


def assert_params_close(
    ours: list[torch.Tensor], theirs: list[torch.Tensor], step: int, **tol: Any
) -> None:
    for index, (p, q) in enumerate(zip(ours, theirs, strict=True)):
        torch.testing.assert_close(
            p, q, msg=lambda m, i=index: f"step {step}, parameter {i}: {m}", **tol
        )


def mlp_steps(model: SmallMLP, optimizer: torch.optim.Optimizer, steps: int) -> Iterator[int]:
    """Train ``model``; step 3 drops a gradient, steps 6-8 freeze the hidden layer."""
    for step in range(steps):
        frozen = step in (6, 7, 8)
        model.hidden.requires_grad_(not frozen)
        optimizer.zero_grad()
        mlp_loss(model, step).backward()
        if step == 3:
            model.scale.grad = None
        optimizer.step()
        yield step
    model.hidden.requires_grad_(True)


def build_pair(
    case: Case, config: dict[str, Any], make: Callable[[], nn.Module]
) -> tuple[nn.Module, torch.optim.Optimizer, nn.Module, torch.optim.Optimizer]:
    ours_model = make()
    theirs_model = copy.deepcopy(ours_model)
    ours = case.ours(ours_model.parameters(), **config)
    theirs = case.reference(theirs_model.parameters(), **config, **case.reference_kwargs)
    return ours_model, ours, theirs_model, theirs


def assert_same(
    ours: torch.optim.Optimizer,
    theirs: torch.optim.Optimizer,
    ours_params: list[torch.Tensor],
    theirs_params: list[torch.Tensor],
    step: int,
    **tol: Any,
) -> None:
    """Parameters and every state tensor equal after ``step``."""
    assert_params_close(ours_params, theirs_params, step, **tol)
    assert_states_close(ours, theirs, (ours_params, theirs_params), **tol)


def train(model: SmallMLP, optimizer: torch.optim.Optimizer, steps: Iterable[int]) -> None:
    """Step ``optimizer`` on the MLP's loss at each of ``steps``."""
    for step in steps:
        optimizer.zero_grad()
        mlp_loss(model, step).backward()
        optimizer.step()


def roundtrip(obj: Any) -> Any:
    """``obj`` through torch.save and torch.load(weights_only=True), as a file would."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)
