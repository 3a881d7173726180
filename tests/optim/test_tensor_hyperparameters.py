"""Hyperparameters as tensors: the same as numbers, and one value per run."""

from __future__ import annotations

import copy

import pytest
import torch

from .cases import CASES, CONFIGS, case_id
from .harness import make_mlp, mlp_steps

ROWS = 3
STEPS = 20


def as_tensors(value, shape=()):
    """Numbers (also inside tuples) become float64 tensors; flags stay as they are."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return torch.full(shape, float(value), dtype=torch.float64)
    if isinstance(value, tuple):
        return tuple(as_tensors(v, shape) for v in value)
    return value


@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=case_id)
def test_tensor_hyperparameters_equal_numbers(case, config):
    kwargs = case.configs[config]
    if "lr" not in kwargs:
        kwargs = {**kwargs, "lr": case.ours([torch.zeros(1, requires_grad=True)]).defaults["lr"]}
    tensor_kwargs = {key: as_tensors(value) for key, value in kwargs.items()}
    assert any(isinstance(v, torch.Tensor) for v in tensor_kwargs.values())

    number_model = make_mlp(torch.float64)
    tensor_model = copy.deepcopy(number_model)
    number_opt = case.ours(number_model.parameters(), **kwargs)
    tensor_opt = case.ours(tensor_model.parameters(), **tensor_kwargs)
    for _ in zip(
        mlp_steps(number_model, number_opt, 12),
        mlp_steps(tensor_model, tensor_opt, 12),
        strict=True,
    ):
        pass
    for p, q in zip(number_model.parameters(), tensor_model.parameters(), strict=True):
        torch.testing.assert_close(q, p)


def row_loss(p: torch.Tensor) -> torch.Tensor:
    """A sum of independent curved valleys, one per row (polynomial, so the gradient
    of a row is computed bit for bit alike alone or among others)."""
    x, y = p[..., 0], p[..., 1]
    return ((1 - x) ** 2 + (y - 0.5 * x**2) ** 2 + 0.1 * x * y).sum()


def descend(runs, steps):
    """Step every (optimizer, parameter) pair on `row_loss`, round after round."""
    for _ in range(steps):
        for optimizer, param in runs:
            optimizer.zero_grad()
            row_loss(param).backward()
            optimizer.step()


def _per_row_cases():
    for case in CASES:
        assert case.ours.elementwise, "every optimizer in the table is elementwise"
        for name in case.per_row:
            yield pytest.param(case, name, id=f"{case.name}-{name}")


@pytest.mark.parametrize(("case", "name"), list(_per_row_cases()))
def test_per_row_hyperparameter_equals_separate_optimizers(case, name):
    values = case.per_row[name]
    assert len(values) == ROWS
    base = dict(next(iter(case.configs.values())))
    start = torch.tensor([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.8]], dtype=torch.float64)

    # one optimizer over an (N, 2) parameter, the hyperparameter an (N, 1) tensor
    if isinstance(values[0], tuple):
        stacked = tuple(
            torch.tensor([[v[i]] for v in values], dtype=torch.float64) for i in range(2)
        )
    else:
        stacked = torch.tensor([[v] for v in values], dtype=torch.float64)
    together = start.clone().requires_grad_(True)
    optimizer = case.ours([together], **{**base, name: stacked})

    # N optimizers, each over one row with a plain number
    rows = [start[i].clone().requires_grad_(True) for i in range(ROWS)]
    separate = [case.ours([rows[i]], **{**base, name: values[i]}) for i in range(ROWS)]

    descend([(optimizer, together), *zip(separate, rows, strict=True)], STEPS)

    for i in range(ROWS):
        torch.testing.assert_close(together[i], rows[i], msg=lambda m, i=i: f"row {i}: {m}")
    assert not torch.equal(together.detach(), start), "the runs moved"


def test_sgd_rows_without_momentum_step_plainly_even_with_dampening():
    start = torch.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=torch.float64)
    together = start.clone().requires_grad_(True)
    momentum = torch.tensor([[0.0], [0.9]], dtype=torch.float64)
    optimizer = CASES[0].ours([together], lr=0.1, momentum=momentum, dampening=0.5)
    rows = [start[i].clone().requires_grad_(True) for i in range(2)]
    references = [
        torch.optim.SGD([rows[0]], lr=0.1, momentum=0.0, dampening=0.5),
        torch.optim.SGD([rows[1]], lr=0.1, momentum=0.9, dampening=0.5),
    ]
    descend([(optimizer, together), *zip(references, rows, strict=True)], 10)
    for i in range(2):
        torch.testing.assert_close(together[i], rows[i])


def test_hyperparameter_that_does_not_broadcast_is_rejected():
    p = torch.zeros(4, 2, requires_grad=True)
    with pytest.raises(ValueError, match=r"Adam: hyperparameter lr has shape \(3, 1\)"):
        CASES[4].ours([p], lr=torch.full((3, 1), 0.1))
    with pytest.raises(ValueError, match=r"hyperparameter betas has shape \(5,\)"):
        CASES[4].ours([p], betas=(torch.full((5,), 0.9), torch.full((5,), 0.999)))


@pytest.mark.parametrize(("case", "name"), list(_per_row_cases()))
def test_per_row_float64_hyperparameter_steps_float32_rows_alike(case, name):
    """descentlab's own extension (torch takes one-element tensors only): one value per
    row, here in float64 for float32 parameters; the state keeps the parameter's dtype."""
    values = case.per_row[name]
    base = dict(next(iter(case.configs.values())))
    start = torch.tensor([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.8]])
    column = [[v] for v in values]
    if isinstance(values[0], tuple):
        stacked = tuple(
            torch.tensor([row[0][i] for row in column], dtype=torch.float64)[:, None]
            for i in range(2)
        )
    else:
        stacked = torch.tensor(column, dtype=torch.float64)
    together = start.clone().requires_grad_(True)
    optimizer = case.ours([together], **{**base, name: stacked})
    rows = [start[i].clone().requires_grad_(True) for i in range(ROWS)]
    separate = [case.ours([rows[i]], **{**base, name: values[i]}) for i in range(ROWS)]

    descend([(optimizer, together), *zip(separate, rows, strict=True)], STEPS)

    for i in range(ROWS):
        torch.testing.assert_close(together[i], rows[i], rtol=1e-5, atol=1e-6)
    state = optimizer.state[together]
    for key, value in state.items():
        if isinstance(value, torch.Tensor) and value.shape == together.shape:
            assert value.dtype == torch.float32, key


@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=case_id)
def test_one_element_tensors_with_extra_dimensions_are_numbers(case, config):
    """``tensor([[0.1]])`` is 0.1 for a parameter of any shape, as torch takes betas."""
    kwargs = case.configs[config]
    if "lr" not in kwargs:
        kwargs = {**kwargs, "lr": case.ours([torch.zeros(1, requires_grad=True)]).defaults["lr"]}
    boxed = {key: as_tensors(value, (1, 1, 1)) for key, value in kwargs.items()}
    number_model = make_mlp(torch.float64)
    boxed_model = copy.deepcopy(number_model)
    number_opt = case.ours(number_model.parameters(), **kwargs)
    boxed_opt = case.ours(boxed_model.parameters(), **boxed)
    assert all(
        v.ndim == 0 for v in boxed_opt.param_groups[0].values() if isinstance(v, torch.Tensor)
    )
    for _ in zip(
        mlp_steps(number_model, number_opt, 6), mlp_steps(boxed_model, boxed_opt, 6), strict=True
    ):
        pass
    for p, q in zip(number_model.parameters(), boxed_model.parameters(), strict=True):
        torch.testing.assert_close(q, p)
