"""Muon equals torch.optim.Muon after every step, on matrices of every orientation."""

from __future__ import annotations

import copy
import re

import pytest
import torch
from torch import nn

from descentlab.errors import GradientError
from descentlab.optim.muon import Muon, newton_schulz

from .harness import DTYPES, assert_same, roundtrip

SHAPES = [(4, 4), (3, 7), (7, 3), (1, 2), (2, 1)]  # square, wide, tall, a row, a column
STEPS = 12

CONFIGS = {
    "default": {},
    "lr": dict(lr=0.02),
    "no_nesterov": dict(lr=0.02, nesterov=False),
    "no_weight_decay": dict(lr=0.02, weight_decay=0.0),
    "weight_decay": dict(lr=0.02, weight_decay=0.3),
    "original": dict(lr=0.02, adjust_lr_fn="original"),
    "match_rms_adamw": dict(lr=0.02, adjust_lr_fn="match_rms_adamw"),
    "match_rms_adamw_plain": dict(lr=0.02, adjust_lr_fn="match_rms_adamw", nesterov=False),
    "momentum": dict(lr=0.02, momentum=0.5),
    "no_momentum": dict(lr=0.02, momentum=0.0),
    "ns_steps": dict(lr=0.02, ns_steps=2),
    "no_ns_steps": dict(lr=0.02, ns_steps=0),
    "ns_coefficients": dict(lr=0.02, ns_coefficients=(2.0, -1.5, 0.5)),
    "eps": dict(lr=0.02, eps=1e-3),
}


def tolerance(dtype):
    # Both run the same operations in the same order (the iteration in bfloat16), so in
    # float32 only rounding of a tensor lr may differ: a few float32 ulps at most.
    return {} if dtype == torch.float64 else {"rtol": 1e-6, "atol": 1e-7}


def make_params(dtype, seed=0, shapes=SHAPES):
    generator = torch.Generator().manual_seed(seed)
    return [nn.Parameter(torch.randn(s, generator=generator, dtype=dtype)) for s in shapes]


def set_grads(params, step):
    """Gradients of a smooth loss that changes each step; step 3 drops the last one."""
    generator = torch.Generator().manual_seed(100 + step)
    for p in params:
        p.grad = None
    weights = [torch.randn(p.shape, generator=generator, dtype=p.dtype) for p in params]
    pairs = zip(params, weights, strict=True)
    loss = sum(((torch.sin(3 * p) + 0.5 * p**2) * w).sum() for p, w in pairs)
    loss.backward()
    if step == 3:
        params[-1].grad = None


def run_both(kwargs, dtype, steps=STEPS, shapes=SHAPES):
    ours_params = make_params(dtype, shapes=shapes)
    theirs_params = copy.deepcopy(ours_params)
    ours, theirs = Muon(ours_params, **kwargs), torch.optim.Muon(theirs_params, **kwargs)
    for step in range(steps):
        for params, optimizer in ((ours_params, ours), (theirs_params, theirs)):
            set_grads(params, step)
            optimizer.step()
        assert_same(ours, theirs, ours_params, theirs_params, step, **tolerance(dtype))
    return ours_params


@DTYPES
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_equals_torch(config, dtype):
    params = run_both(CONFIGS[config], dtype)
    start = make_params(dtype)
    assert max((p - q).abs().max().item() for p, q in zip(params, start, strict=True)) > 1e-3


@DTYPES
@pytest.mark.parametrize("lr_dtype", [torch.float32, torch.float64], ids=str)
def test_tensor_lr_equals_torch(dtype, lr_dtype):
    run_both(dict(lr=torch.tensor(0.02, dtype=lr_dtype)), dtype)


def test_newton_schulz_orthogonalises():
    g = torch.randn(6, 10, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    u, _, vh = torch.linalg.svd(g, full_matrices=False)
    for matrix, polar in ((g, u @ vh), (g.T, (u @ vh).T)):
        o = newton_schulz(matrix, (3.4445, -4.775, 2.0315), 5, 1e-7).double()
        singular = torch.linalg.svdvals(o)
        assert singular.min() > 0.5 and singular.max() < 1.5  # US'V^T, S' near 1
        cosine = (o * polar).sum() / (o.norm() * polar.norm())
        assert cosine > 0.95


def test_param_groups_and_state_dict_layout_are_torch_ones():
    ours, theirs = Muon(make_params(torch.float64)), torch.optim.Muon(make_params(torch.float64))
    ours_group, theirs_group = ours.state_dict()["param_groups"][0], theirs.param_groups[0]
    assert ours_group.keys() == theirs_group.keys() - {"params"} | {"params"}
    assert {k: v for k, v in ours_group.items() if k != "params"} == {
        k: v for k, v in theirs_group.items() if k != "params"
    }


def advance(params, optimizer, steps):
    for step in steps:
        set_grads(params, step)
        optimizer.step()


@pytest.mark.parametrize("config", ["default", "no_nesterov", "match_rms_adamw"])
@pytest.mark.parametrize("source_is_ours", [True, False], ids=["ours_to_torch", "torch_to_ours"])
def test_state_dicts_cross_load_and_both_go_on_equal(config, source_is_ours):
    kwargs = CONFIGS[config]
    source_cls, target_cls = (
        (Muon, torch.optim.Muon) if source_is_ours else (torch.optim.Muon, Muon)
    )
    params = make_params(torch.float64)
    source = source_cls(params, **kwargs)
    advance(params, source, range(5))
    other = copy.deepcopy(params)
    target = target_cls(other, **kwargs)
    target.load_state_dict(roundtrip(source.state_dict()))
    for step in range(5, 12):
        advance(params, source, [step])
        advance(other, target, [step])
        for p, q in zip(params, other, strict=True):
            assert torch.equal(p, q)


def test_resume_is_bitwise_equal():
    straight = make_params(torch.float64)
    straight_opt = Muon(straight, lr=0.02)
    advance(straight, straight_opt, range(12))

    first = make_params(torch.float64)
    first_opt = Muon(first, lr=0.02)
    advance(first, first_opt, range(5))
    saved = roundtrip({"params": [p.detach() for p in first], "optimizer": first_opt.state_dict()})
    resumed = [nn.Parameter(p.clone()) for p in saved["params"]]
    resumed_opt = Muon(resumed, lr=0.02)
    resumed_opt.load_state_dict(saved["optimizer"])
    advance(resumed, resumed_opt, range(5, 12))
    for p, q in zip(straight, resumed, strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)], ids=str)
def test_parameters_that_are_not_matrices_are_refused_at_construction(shape):
    for cls in (Muon, torch.optim.Muon):  # torch refuses them at construction too
        with pytest.raises(ValueError):
            cls([nn.Parameter(torch.zeros(shape))])
    with pytest.raises(
        ValueError, match="^" + re.escape(f"Muon: parameter 0 has shape {tuple(shape)}; ")
    ):
        Muon([nn.Parameter(torch.zeros(shape))])


def test_a_group_added_later_is_refused_when_added_not_at_its_step():
    ours = Muon(make_params(torch.float64))
    with pytest.raises(ValueError, match=r"parameter 0 has shape \(3,\)"):
        ours.add_param_group({"params": [nn.Parameter(torch.zeros(3))]})
    assert len(ours.param_groups) == 1
    # torch takes the group and refuses it at the next step
    theirs = torch.optim.Muon(make_params(torch.float64))
    vector = nn.Parameter(torch.zeros(3))
    theirs.add_param_group({"params": [vector]})
    vector.grad = torch.ones(3)
    with pytest.raises(ValueError):
        theirs.step()


def test_out_of_range_hyperparameters_are_refused():
    params = make_params(torch.float64)
    with pytest.raises(ValueError, match=r"^Muon: ns_steps must be in \[0, 99\], got 100$"):
        Muon(params, ns_steps=100)  # torch refuses it at the first step
    with pytest.raises(TypeError, match=r"ns_steps must be a whole number, got 5\.5"):
        Muon(params, ns_steps=5.5)
    with pytest.raises(ValueError, match=r"ns_coefficients must be 3 numbers, got \(1\.0, 2\.0\)"):
        Muon(params, ns_coefficients=(1.0, 2.0))  # torch: at the first step
    with pytest.raises(TypeError, match=r"ns_coefficients must be numbers, not tensors"):
        Muon(params, ns_coefficients=(torch.tensor(3.0), -4.0, 2.0))
    with pytest.raises(ValueError, match=r"adjust_lr_fn must be one of None, 'original', "):
        Muon(params, adjust_lr_fn="arbitrary")
    with pytest.raises(ValueError, match=r"momentum must be >= 0, got -0\.1"):
        Muon(params, momentum=-0.1)
    with pytest.raises(ValueError, match=r"eps must be > 0, got 0\.0"):
        Muon(params, eps=0.0)


@pytest.mark.parametrize("cls", [Muon, torch.optim.Muon], ids=["ours", "torch"])
def test_sparse_gradients_are_refused_as_torch_refuses_them(cls):
    p = nn.Parameter(torch.zeros(3, 2))
    optimizer = cls([p])
    p.grad = torch.zeros(3, 2).to_sparse()
    with pytest.raises(GradientError if cls is Muon else RuntimeError):
        optimizer.step()  # GradientError is a RuntimeError, as torch raises
