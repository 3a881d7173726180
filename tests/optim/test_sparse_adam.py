"""SparseAdam equals torch.optim.SparseAdam after every step, on embedding lookups that
repeat indices and miss rows."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from descentlab.errors import GradientError
from descentlab.optim.sparse_adam import SparseAdam

from .harness import DTYPES, assert_same, roundtrip

STEPS = 15
ROWS = 12
NEVER = (9, 10, 11)  # rows no lookup ever touches

CONFIGS = {
    "default": {},
    "lr": dict(lr=0.05),
    "betas": dict(lr=0.05, betas=(0.5, 0.9)),
    "beta1_zero": dict(lr=0.05, betas=(0.0, 0.99)),
    "eps": dict(lr=0.05, eps=1e-2),
    "maximize": dict(lr=0.05, maximize=True),
    "tensor_lr": dict(lr=torch.tensor(0.05)),
    "tensor_lr_float64": dict(lr=torch.tensor(0.05, dtype=torch.float64)),
}


def tolerance(dtype):
    # The same operations in the same order, so float32 agrees to the last bit or two
    # (a float32 ulp is 1.2e-7); only a tensor lr is rounded differently.
    return {} if dtype == torch.float64 else {"rtol": 1e-6, "atol": 1e-7}


class Lookups(nn.Module):
    """Two sparse embeddings and a matrix whose gradients are sparse in both dimensions."""

    def __init__(self, dtype: torch.dtype, seed: int = 0) -> None:
        super().__init__()
        torch.manual_seed(seed)
        self.words = nn.Embedding(ROWS, 4, sparse=True, dtype=dtype)
        self.tags = nn.Embedding(6, 1, sparse=True, dtype=dtype)
        self.table = nn.Parameter(torch.randn(3, 5, dtype=dtype))

    def set_grads(self, step: int) -> None:
        generator = torch.Generator().manual_seed(100 + step)
        for p in self.parameters():
            p.grad = None
        # indices repeat within a step, and rows in NEVER are never looked up
        words = torch.randint(0, ROWS - len(NEVER), (10,), generator=generator)
        tags = torch.randint(0, 4, (5,), generator=generator)
        x, y = self.words(words), self.tags(tags)
        loss = (torch.sin(3 * x) + 0.5 * x**2).sum() + (y**3).sum() * (1 + 0.1 * step)
        loss.backward()
        # a COO gradient over both dimensions, with a repeated entry
        where = torch.tensor([[0, 2, 2, 1], [4, 1, 1, 0]])
        values = torch.randn(4, generator=generator, dtype=self.table.dtype)
        self.table.grad = torch.sparse_coo_tensor(
            where, values, self.table.shape, check_invariants=True
        )
        if step == 3:
            self.tags.weight.grad = None  # no gradient: no step counted
        if step == 7:  # an empty gradient: the step is counted, nothing moves
            nowhere = torch.zeros(1, 0, dtype=torch.long)
            nothing = torch.zeros(0, 1, dtype=self.tags.weight.dtype)
            empty = torch.sparse_coo_tensor(
                nowhere, nothing, self.tags.weight.shape, check_invariants=True
            )
            self.tags.weight.grad = empty


def run_both(kwargs, dtype, steps=STEPS):
    ours_model = Lookups(dtype)
    theirs_model = copy.deepcopy(ours_model)
    ours = SparseAdam(ours_model.parameters(), **kwargs)
    theirs = torch.optim.SparseAdam(theirs_model.parameters(), **kwargs)
    for step in range(steps):
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            model.set_grads(step)
            optimizer.step()
        ours_params, theirs_params = list(ours_model.parameters()), list(theirs_model.parameters())
        assert_same(ours, theirs, ours_params, theirs_params, step, **tolerance(dtype))
    return ours_model, ours


@DTYPES
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_equals_torch(config, dtype):
    model, optimizer = run_both(CONFIGS[config], dtype)
    start = Lookups(dtype)
    moved = (model.words.weight - start.words.weight).abs().amax(dim=1)
    assert (moved[: ROWS - len(NEVER)] > 1e-3).all()
    # rows no gradient held are left alone, with their moments at zero
    assert torch.equal(model.words.weight[list(NEVER)], start.words.weight[list(NEVER)])
    assert not optimizer.state[model.words.weight]["exp_avg"][list(NEVER)].any()
    assert optimizer.state[model.words.weight]["step"] == STEPS
    assert optimizer.state[model.tags.weight]["step"] == STEPS - 1  # step 3 had no gradient


def test_a_tensor_lr_shaped_like_the_parameter_equals_torch_with_that_lr():
    lr = torch.full((ROWS, 1), 0.05, dtype=torch.float64)
    ours_model, theirs_model = Lookups(torch.float64), Lookups(torch.float64)
    ours = SparseAdam([ours_model.words.weight], lr=lr)
    theirs = torch.optim.SparseAdam([theirs_model.words.weight], lr=0.05)
    for step in range(STEPS):
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            model.set_grads(step)
            optimizer.step()
    torch.testing.assert_close(ours_model.words.weight, theirs_model.words.weight)


def advance(model, optimizer, steps):
    for step in steps:
        model.set_grads(step)
        optimizer.step()


@pytest.mark.parametrize("config", ["default", "betas", "maximize"])
@pytest.mark.parametrize("source_is_ours", [True, False], ids=["ours_to_torch", "torch_to_ours"])
def test_state_dicts_cross_load_and_both_go_on_equal(config, source_is_ours):
    kwargs = CONFIGS[config]
    classes = (SparseAdam, torch.optim.SparseAdam)
    source_cls, target_cls = classes if source_is_ours else classes[::-1]
    model = Lookups(torch.float64)
    source = source_cls(model.parameters(), **kwargs)
    advance(model, source, range(5))
    other = copy.deepcopy(model)
    target = target_cls(other.parameters(), **kwargs)
    target.load_state_dict(roundtrip(source.state_dict()))
    for step in range(5, STEPS):
        advance(model, source, [step])
        advance(other, target, [step])
        for p, q in zip(model.parameters(), other.parameters(), strict=True):
            assert torch.equal(p, q)
    assert_same(source, target, list(model.parameters()), list(other.parameters()), STEPS,
                rtol=0, atol=0)  # fmt: skip


def test_resume_is_bitwise_equal():
    straight = Lookups(torch.float64)
    straight_opt = SparseAdam(straight.parameters(), lr=0.05)
    advance(straight, straight_opt, range(STEPS))

    first = Lookups(torch.float64)
    first_opt = SparseAdam(first.parameters(), lr=0.05)
    advance(first, first_opt, range(5))
    saved = roundtrip({"model": first.state_dict(), "optimizer": first_opt.state_dict()})
    resumed = Lookups(torch.float64, seed=123)
    resumed.load_state_dict(saved["model"])
    resumed_opt = SparseAdam(resumed.parameters(), lr=0.05)
    resumed_opt.load_state_dict(saved["optimizer"])
    assert all(type(s["step"]) is int for s in resumed_opt.state.values())
    advance(resumed, resumed_opt, range(5, STEPS))
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize("cls", [SparseAdam, torch.optim.SparseAdam], ids=["ours", "torch"])
def test_dense_gradients_are_refused_at_the_step(cls):
    p = nn.Parameter(torch.zeros(3, 2))
    optimizer = cls([p])
    p.grad = torch.ones(3, 2)
    with pytest.raises(RuntimeError):  # GradientError is a RuntimeError, as torch raises
        optimizer.step()
    if cls is SparseAdam:
        with pytest.raises(GradientError, match=r"^SparseAdam: takes only sparse gradients"):
            optimizer.step()
        assert not optimizer.state  # refused before anything changed


SPARSE = torch.zeros(3).to_sparse()
COMPLEX = torch.zeros(2, 3, dtype=torch.complex64)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ([SPARSE], r"^SparseAdam: parameter 0 is a sparse tensor; SparseAdam requires dense"),
        ([{"params": [SPARSE]}], r"parameter 0 is a sparse tensor"),
        ([COMPLEX], r"^SparseAdam: parameter 0 is complex \(torch\.complex64\); SparseAdam "),
        ([{"params": [torch.zeros(2)]}, {"params": [COMPLEX]}], r"parameter 0 is complex"),
    ],
    ids=["sparse", "sparse_in_a_group", "complex", "complex_in_a_group"],
)
def test_only_dense_real_parameters_are_taken_as_torch_takes_them(params, message):
    for cls in (SparseAdam, torch.optim.SparseAdam):
        with pytest.raises(ValueError):
            cls(params)
    with pytest.raises(ValueError, match=message):
        SparseAdam(params)


def test_out_of_range_hyperparameters_are_refused_as_torch_refuses_them():
    params = [nn.Parameter(torch.zeros(3, 2))]
    for kwargs in (dict(lr=0.0), dict(eps=0.0), dict(betas=(1.0, 0.9)), dict(betas=(0.9, -0.1))):
        for cls in (SparseAdam, torch.optim.SparseAdam):
            with pytest.raises(ValueError):
                cls(params, **kwargs)
    with pytest.raises(ValueError, match=r"^SparseAdam: lr must be > 0, got 0\.0$"):
        SparseAdam(params, lr=0.0)
