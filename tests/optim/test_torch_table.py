"""Parity driven by torch's own optimizer table (torch.testing's ``optim_db``).

For every torch optimizer in the table: ours exists; every configuration the table
lists (and the cases added in `torch_table`) steps the same parameters to the same
values with the same state, in float64 and float32; and every error input is refused
as torch refuses it, at construction or at the step.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
import torch
from torch import nn

from .torch_table import (
    COUNTERPARTS,
    DEFAULT_STEPS,
    FLOAT32_TOL,
    ON_STEP,
    STEPS,
    TABLE,
    Input,
    Problem,
    all_error_inputs,
    all_inputs,
    copy_hyper,
    ours_for,
    param_groups,
)

pytestmark = pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")

DTYPES = [pytest.param(torch.float64, id="float64"), pytest.param(torch.float32, id="float32")]
INPUTS = all_inputs()


def test_every_table_entry_has_a_counterpart():
    assert sorted(TABLE) == sorted(COUNTERPARTS)
    for name in TABLE:
        ours = ours_for(name)
        assert issubclass(ours, torch.optim.Optimizer)
        assert ours.__name__ == name


def assert_same(ours: Any, theirs: Any, where: str, **tol: Any) -> None:
    """Tensors close (dtype and shape included), containers item by item, the rest equal."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, torch.Tensor), f"{where}: {type(ours).__name__}, not a tensor"
        torch.testing.assert_close(ours, theirs, msg=lambda m: f"{where}: {m}", **tol)
    elif isinstance(theirs, list | tuple):
        assert isinstance(ours, list | tuple) and len(ours) == len(theirs), where
        for i, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            assert_same(a, b, f"{where}[{i}]", **tol)
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=tol.get("rtol", 1e-7)), where
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def build(item: Input, dtype: torch.dtype, sparse: bool = False):
    ours_cls, torch_cls = ours_for(item.name), TABLE[item.name].optim_cls
    models = Problem(item.name, dtype, sparse), Problem(item.name, dtype, sparse)
    takes_foreach = "foreach" in torch_cls.__init__.__code__.co_varnames
    extra = {"foreach": False} if takes_foreach else {}
    ours = ours_cls(param_groups(models[0], copy_hyper(item.groups)), **copy_hyper(item.kwargs))
    theirs = torch_cls(
        param_groups(models[1], copy_hyper(item.groups)), **copy_hyper(item.kwargs), **extra
    )
    return models, (ours, theirs)


def run_and_compare(item: Input, dtype: torch.dtype, sparse: bool = False) -> None:
    models, optimizers = build(item, dtype, sparse)
    rtol, atol = FLOAT32_TOL
    tol = {} if dtype == torch.float64 else {"rtol": rtol, "atol": atol}
    params = [list(m.parameters()) for m in models]
    start = [p.detach().clone() for p in params[0]]
    for step in range(STEPS.get(item.name, DEFAULT_STEPS)):
        losses = []
        for model, optimizer in zip(models, optimizers, strict=True):

            def closure(model: Problem = model, optimizer=optimizer, step=step) -> torch.Tensor:
                optimizer.zero_grad()
                return model.backward(step)

            if item.name == "LBFGS":
                losses.append(optimizer.step(closure))
            else:
                closure()
                optimizer.step()
        if losses:
            assert_same(losses[0], losses[1], f"step {step}, loss", **tol)
        for i, (p, q) in enumerate(zip(*params, strict=True)):
            assert_same(p, q, f"step {step}, parameter {i}", **tol)
            a, b = optimizers[0].state.get(p, {}), optimizers[1].state.get(q, {})
            assert a.keys() == b.keys(), f"step {step}, parameter {i}: {a.keys()} != {b.keys()}"
            for key in b:
                assert_same(a[key], b[key], f"step {step}, state {key!r} of parameter {i}", **tol)
    moved = max((p - s).abs().max().item() for p, s in zip(params[0], start, strict=True))
    assert moved > 0, "the run moved the parameters"


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("item", INPUTS, ids=lambda item: item.id)
def test_every_step_equals_torch(item, dtype):
    run_and_compare(item, dtype, sparse=item.name == "SparseAdam")


SPARSE_ADAGRAD = [
    item for item in INPUTS if item.name == "Adagrad" and "weight_decay" not in item.kwargs
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("item", SPARSE_ADAGRAD, ids=lambda item: f"{item.id}-sparse")
def test_adagrad_with_sparse_gradients_equals_torch(item, dtype):
    run_and_compare(item, dtype, sparse=True)


def _params_of(given: Any) -> Any:
    # inputs without params are refused for their hyperparameters alone; give both
    # sides the table's own sample parameter (a 1x1 matrix, which Muon takes). Ours
    # refuses lr=tensor([0.001, 0.001]) because it does not broadcast to that
    # parameter: one value per coordinate is allowed (see Optimizer's docstring)
    return [nn.Parameter(torch.randn(1, 1, dtype=torch.float64))] if given is None else given


def _refused_like(kind: type[BaseException], make: Any, step: bool) -> None:
    """``make()`` (or its first step) raises ``kind``, or warns it for a warning class."""
    if issubclass(kind, Warning):
        with pytest.warns(kind):
            optimizer = make()
            if step:
                optimizer.step()
        return
    if step:
        optimizer = make()
        with pytest.raises(kind):
            optimizer.step()
    else:
        with pytest.raises(kind):
            make()


ERRORS = all_error_inputs()
# where descentlab refuses differently on purpose: every descentlab optimizer refuses
# a parameter that is not real floating-point when it is given (TypeError), where
# torch's Muon and Adafactor wait for the first step (RuntimeError)
DELIBERATE = {
    ("Adafactor", "does not support complex parameters"): (False, TypeError),
    ("Muon", "does not support complex parameters"): (False, TypeError),
}


@pytest.mark.parametrize(
    ("name", "error_input"),
    ERRORS,
    ids=[f"{name}-{e.optimizer_error_input.desc}" for name, e in ERRORS],
)
def test_error_inputs_are_refused_as_torch_refuses_them(name, error_input):
    given = error_input.optimizer_error_input
    params = _params_of(given.params)
    step, kind = error_input.error_on == ON_STEP, error_input.error_type
    ours_step, ours_kind = DELIBERATE.get((name, given.desc), (step, kind))
    sides = ((TABLE[name].optim_cls, step, kind), (ours_for(name), ours_step, ours_kind))
    for cls, on_step, error_type in sides:
        with warnings.catch_warnings():
            if not issubclass(error_type, Warning):
                warnings.simplefilter("ignore")
            _refused_like(error_type, lambda cls=cls: cls(params, **given.kwargs), on_step)


def test_lbfgs_refuses_a_second_group_as_torch_does():
    def groups():
        return [{"params": [nn.Parameter(torch.zeros(2))]} for _ in range(2)]

    for cls in (TABLE["LBFGS"].optim_cls, ours_for("LBFGS")):
        with pytest.raises(ValueError):
            cls(groups())
