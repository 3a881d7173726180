"""Adafactor equals torch.optim.Adafactor after every step, on 0-d to 3-D parameters."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from descentlab.optim.adafactor import Adafactor

from .harness import DTYPES, assert_same, roundtrip

# 0-d, vectors (one of zeros, so eps2 sets its first step), matrices of both orientations,
# a row, a column and a 3-D tensor (factored over its last two dimensions)
SHAPES = [(), (5,), (5,), (4, 6), (6, 4), (1, 3), (3, 1), (2, 3, 4)]
ZEROS = 2
STEPS = 12

CONFIGS = {
    "default": {},
    "lr": dict(lr=0.05),
    "large_lr": dict(lr=0.5),  # rho_t = 1/sqrt(t) from step 5 on
    "weight_decay": dict(lr=0.05, weight_decay=0.2),
    "maximize": dict(lr=0.05, weight_decay=0.1, maximize=True),
    "beta2_decay": dict(lr=0.05, beta2_decay=-0.5),
    "beta2_decay_zero": dict(lr=0.05, beta2_decay=0.0),  # V is the last g^2
    "d": dict(lr=0.05, d=1.5),
    "d_large": dict(lr=0.05, d=100.0),  # never clips
    "eps1": dict(lr=0.05, eps=(1e-2, 1e-3)),  # eps1 large enough to bind
    "eps1_tiny": dict(lr=0.05, eps=(1e-30, 1e-3)),
    "eps2": dict(lr=0.05, eps=(None, 0.5)),  # eps2 above the RMS of most weights
    "tensor_lr": dict(lr=torch.tensor(0.05), weight_decay=0.1),
    "tensor_lr_float64": dict(lr=torch.tensor(0.05, dtype=torch.float64), weight_decay=0.1),
}


def tolerance(dtype):
    # The same operations in the same order, with torch's double-precision scalars, so
    # float32 results agree to the last bit or two (a float32 ulp is 1.2e-7).
    return {} if dtype == torch.float64 else {"rtol": 1e-6, "atol": 1e-7}


def make_params(dtype, seed=0):
    generator = torch.Generator().manual_seed(seed)
    params = [nn.Parameter(torch.randn(s, generator=generator, dtype=dtype)) for s in SHAPES]
    params[ZEROS].data.zero_()
    return params


def set_grads(params, step):
    """Gradients of a smooth loss that changes each step; step 3 drops the last one."""
    generator = torch.Generator().manual_seed(100 + step)
    for p in params:
        p.grad = None
    weights = [torch.randn(p.shape, generator=generator, dtype=p.dtype) for p in params]
    pairs = zip(params, weights, strict=True)
    sum(((torch.sin(3 * p) + 0.5 * p**2) * w).sum() for p, w in pairs).backward()
    if step == 3:
        params[-1].grad = None


def run_both(kwargs, dtype, steps=STEPS):
    ours_params = make_params(dtype)
    theirs_params = copy.deepcopy(ours_params)
    ours = Adafactor(ours_params, **kwargs)
    theirs = torch.optim.Adafactor(theirs_params, **kwargs, foreach=False)
    for step in range(steps):
        for params, optimizer in ((ours_params, ours), (theirs_params, theirs)):
            set_grads(params, step)
            optimizer.step()
        assert_same(ours, theirs, ours_params, theirs_params, step, **tolerance(dtype))
    return ours, ours_params


@DTYPES
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_equals_torch(config, dtype):
    optimizer, params = run_both(CONFIGS[config], dtype)
    start = make_params(dtype)
    assert max((p - q).abs().max().item() for p, q in zip(params, start, strict=True)) > 1e-3
    # the factored moments are kept for tensors of two or more dimensions only
    for p in params:
        keys = {"step", "row_var", "col_var"} if p.dim() > 1 else {"step", "variance"}
        assert optimizer.state[p].keys() == keys


def test_eps1_none_is_the_machine_epsilon_of_each_parameter():
    # Gradients of 1e-8 put V below float32's eps^2, so eps1 binds on the float32 matrix.
    # torch takes the machine epsilon of a group's first parameter for all of them; ours
    # takes each one's, and equals torch given one group per dtype.
    generator = torch.Generator().manual_seed(0)
    mixed = [nn.Parameter(torch.randn(3, 4, generator=generator, dtype=dtype))
             for dtype in (torch.float64, torch.float32)]  # fmt: skip
    split, together = copy.deepcopy(mixed), copy.deepcopy(mixed)
    ours = Adafactor(mixed)
    theirs = torch.optim.Adafactor([{"params": [p]} for p in split], foreach=False)
    quirk = torch.optim.Adafactor(together, foreach=False)
    for _ in range(3):
        grads = [1e-8 * torch.randn(3, 4, generator=generator) for _ in mixed]
        for params, optimizer in ((mixed, ours), (split, theirs), (together, quirk)):
            for p, g in zip(params, grads, strict=True):
                p.grad = g.to(p.dtype)
            optimizer.step()
    for p, q in zip(mixed, split, strict=True):
        assert torch.equal(p, q)
    assert not torch.equal(mixed[1], together[1])


def test_the_state_has_torch_shapes_and_dtypes():
    ours, params = run_both({}, torch.float32, steps=1)
    state = ours.state[params[-1]]  # (2, 3, 4)
    assert state["row_var"].shape == (2, 3, 1) and state["col_var"].shape == (2, 1, 4)
    assert state["step"].dtype == torch.float32 and state["step"].shape == ()
    assert ours.state[params[0]]["variance"].shape == ()


def advance(params, optimizer, steps):
    for step in steps:
        set_grads(params, step)
        optimizer.step()


@pytest.mark.parametrize("config", ["default", "weight_decay", "maximize", "eps1"])
@pytest.mark.parametrize("source_is_ours", [True, False], ids=["ours_to_torch", "torch_to_ours"])
def test_state_dicts_cross_load_and_both_go_on_equal(config, source_is_ours):
    kwargs = CONFIGS[config]
    ours = lambda params: Adafactor(params, **kwargs)  # noqa: E731
    theirs = lambda params: torch.optim.Adafactor(params, **kwargs, foreach=False)  # noqa: E731
    make_source, make_target = (ours, theirs) if source_is_ours else (theirs, ours)
    params = make_params(torch.float64)
    source = make_source(params)
    advance(params, source, range(5))
    other = copy.deepcopy(params)
    target = make_target(other)
    target.load_state_dict(roundtrip(source.state_dict()))
    for step in range(5, 12):
        advance(params, source, [step])
        advance(other, target, [step])
        for p, q in zip(params, other, strict=True):
            assert torch.equal(p, q)
    assert_same(source, target, params, other, 11, rtol=0, atol=0)


def test_resume_is_bitwise_equal():
    straight = make_params(torch.float64)
    straight_opt = Adafactor(straight, lr=0.05, weight_decay=0.1)
    advance(straight, straight_opt, range(12))

    first = make_params(torch.float64)
    first_opt = Adafactor(first, lr=0.05, weight_decay=0.1)
    advance(first, first_opt, range(5))
    saved = roundtrip({"params": [p.detach() for p in first], "optimizer": first_opt.state_dict()})
    resumed = [nn.Parameter(p.clone()) for p in saved["params"]]
    resumed_opt = Adafactor(resumed, lr=0.05, weight_decay=0.1)
    resumed_opt.load_state_dict(saved["optimizer"])
    advance(resumed, resumed_opt, range(5, 12))
    for p, q in zip(straight, resumed, strict=True):
        assert torch.equal(p, q)


def test_signature_and_groups_are_torch_ones():
    ours, theirs = Adafactor(make_params(torch.float64)), torch.optim.Adafactor([torch.zeros(1)])
    group = {k: v for k, v in theirs.param_groups[0].items() if k not in ("params", "foreach")}
    assert {k: v for k, v in ours.param_groups[0].items() if k != "params"} == group
    with pytest.raises(TypeError):
        Adafactor(make_params(torch.float64), 0.01, -0.8, (None, 1e-3), 1.0, 0.0, True)


def test_out_of_range_hyperparameters_are_refused_as_torch_refuses_them():
    params = make_params(torch.float64)
    refused = [dict(lr=-1.0), dict(beta2_decay=0.1), dict(eps=(-1e-3, 1e-3)),
               dict(eps=(None, -1e-3)), dict(d=0.5), dict(weight_decay=-0.1)]  # fmt: skip
    for kwargs in refused:
        for cls in (Adafactor, torch.optim.Adafactor):
            with pytest.raises(ValueError):
                cls(params, **kwargs)
    with pytest.raises(ValueError, match=r"^Adafactor: eps\[0\] must be >= 0, got -0\.001"):
        Adafactor(params, eps=(-1e-3, 1e-3))
    with pytest.raises(ValueError, match=r"^Adafactor: beta2_decay must be <= 0, got 0\.1$"):
        Adafactor(params, beta2_decay=0.1)
    with pytest.raises(ValueError, match=r"^Adafactor: d must be >= 1, got 0\.5$"):
        Adafactor(params, d=0.5)
    with pytest.raises(ValueError, match=r"beta2_decay must be one number"):
        Adafactor(params[:2], beta2_decay=torch.tensor([-0.8, -0.5, -0.5, -0.5, -0.5]))
