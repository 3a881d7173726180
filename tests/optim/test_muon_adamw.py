"""MuonAdamW equals torch.optim.Muon on the matrices plus torch.optim.AdamW on the rest."""

from __future__ import annotations

import copy
import io
import re

import matplotlib.mathtext
import pytest
import torch
from torch import nn

from descentlab.errors import HyperparameterError
from descentlab.optim.muon_adamw import MuonAdamW
from descentlab.train import tasks

from .harness import DTYPES

STEPS = 12
MUON_ARGS = ("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps",
             "adjust_lr_fn")  # fmt: skip
DEFAULTS = {h.name: h.default for h in MuonAdamW.hyper}

CONFIGS = {
    "default": {},
    "lr": dict(lr=0.02),
    "original": dict(lr=0.02, adjust_lr_fn="original", adamw_lr=0.003),
    "adjust_none": dict(lr=0.02, adjust_lr_fn=None),
    "no_nesterov": dict(lr=0.02, nesterov=False),
    "momentum": dict(lr=0.02, momentum=0.5),
    "ns_steps": dict(lr=0.02, ns_steps=2, ns_coefficients=(2.0, -1.5, 0.5), eps=1e-3),
    "no_weight_decay": dict(lr=0.02, weight_decay=0.0),
    "adamw_lr": dict(lr=0.02, adamw_lr=0.005),
    "adamw_weight_decay": dict(lr=0.02, weight_decay=0.3, adamw_weight_decay=0.01),
    "adamw_betas_eps": dict(lr=0.02, adamw_betas=(0.8, 0.99), adamw_eps=1e-3),
    "tensor_lr": dict(lr=torch.tensor(0.02), adamw_lr=torch.tensor(0.01)),
}


def tolerance(dtype):
    # Both sides run the same operations in the same order on the same kernels (Newton-Schulz
    # in bfloat16 on each side, a tensor lr turned into a number as torch.optim.Muon turns
    # it), so float32 is asserted bitwise equal: any difference at all is a divergence.
    return {} if dtype == torch.float64 else {"rtol": 0.0, "atol": 0.0}


class Net(nn.Module):
    """A 4-D conv kernel, 1-D biases, a tall and a wide matrix, and a 0-d scale."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, kernel_size=3, padding=1)
        self.hidden = nn.Linear(18, 24)  # weight 24 x 18: tall
        self.out = nn.Linear(24, 3)  # weight 3 x 24: wide
        self.scale = nn.Parameter(torch.tensor(1.5))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.tanh(self.conv(x)).flatten(1)
        return self.scale * self.out(torch.tanh(self.hidden(h)))


def make_net(dtype, seed=0):
    torch.manual_seed(seed)
    return Net().to(dtype)


def set_grads(model, step):
    """Gradients of a loss on fresh data each step; at step 3 a matrix and a bias have none."""
    generator = torch.Generator().manual_seed(1000 + step)
    dtype = model.scale.dtype
    x = torch.randn(16, 1, 3, 3, generator=generator, dtype=dtype)
    y = torch.randn(16, 3, generator=generator, dtype=dtype)
    model.zero_grad(set_to_none=True)
    ((model(x) - y) ** 2).mean().backward()
    if step == 3:
        model.hidden.weight.grad = None
        model.conv.bias.grad = None


def reference(model, kwargs, groups=None):
    """torch.optim.Muon over the 2-D parameters and torch.optim.AdamW over the rest, with
    the same hyperparameters (each group split in two); ``groups`` lists (params, options)."""
    groups = groups or [(list(model.parameters()), {})]
    muon_groups, adamw_groups = [], []
    for params, options in groups:
        h = {**DEFAULTS, **kwargs, **options}
        muon = {name: h[name] for name in MUON_ARGS}
        adamw = dict(
            lr=h["lr"] if h["adamw_lr"] is None else h["adamw_lr"],
            betas=h["adamw_betas"],
            eps=h["adamw_eps"],
            weight_decay=h["weight_decay"] if h["adamw_weight_decay"] is None
            else h["adamw_weight_decay"],
        )  # fmt: skip
        muon_groups.append({"params": [p for p in params if p.dim() == 2], **muon})
        adamw_groups.append({"params": [p for p in params if p.dim() != 2], **adamw})
    return torch.optim.Muon(muon_groups), torch.optim.AdamW(adamw_groups, foreach=False)


def owner(pair, param):
    muon, adamw = pair
    return muon if param.dim() == 2 else adamw


def assert_same(ours, theirs, model, twin, step, **tol):
    for (name, p), q in zip(model.named_parameters(), twin.parameters(), strict=True):
        where = f"step {step}, {name}"
        torch.testing.assert_close(p, q, msg=lambda m, w=where: f"{w}: {m}", **tol)
        a, b = ours.state.get(p, {}), owner(theirs, q).state.get(q, {})
        assert a.keys() == b.keys(), where
        for key in a:
            torch.testing.assert_close(
                a[key], b[key], msg=lambda m, w=f"{where} {key}": f"{w}: {m}", **tol
            )


def run_both(kwargs, dtype, ours_groups=None, theirs_groups=None):
    model = make_net(dtype)
    twin = copy.deepcopy(model)
    ours = MuonAdamW(ours_groups(model) if ours_groups else model.parameters(), **kwargs)
    theirs = reference(twin, kwargs, theirs_groups(twin) if theirs_groups else None)
    for step in range(STEPS):
        set_grads(model, step)
        ours.step()
        set_grads(twin, step)
        for optimizer in theirs:
            optimizer.step()
        assert_same(ours, theirs, model, twin, step, **tolerance(dtype))
    return model


@DTYPES
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_equals_torch_muon_plus_adamw(config, dtype):
    model = run_both(CONFIGS[config], dtype)
    start = make_net(dtype)
    for p, q in zip(model.parameters(), start.parameters(), strict=True):
        assert (p - q).abs().max() > 1e-4  # every parameter, of either half, moved


def test_state_layout_is_torch_muon_for_matrices_and_adamw_for_the_rest():
    model = make_net(torch.float64)
    ours = MuonAdamW(model.parameters())
    set_grads(model, 0)
    ours.step()
    for p in model.parameters():
        state = ours.state[p]
        if p.dim() == 2:
            assert state.keys() == {"momentum_buffer"}
        else:
            assert state.keys() == {"step", "exp_avg", "exp_avg_sq"}
            assert state["step"].dtype == torch.float32 and state["step"].dim() == 0


def split(model, options):
    named = dict(model.named_parameters())
    first = [named[n] for n in ("conv.weight", "conv.bias", "hidden.weight")]
    rest = [p for n, p in named.items() if n not in ("conv.weight", "conv.bias", "hidden.weight")]
    return [(first, {}), (rest, options)]


@DTYPES
def test_param_groups_with_their_own_lr_equal_torch(dtype):
    options = dict(lr=0.005, adamw_lr=0.01, weight_decay=0.2)

    def ours_groups(model):
        return [{"params": params, **o} for params, o in split(model, options)]

    run_both(dict(lr=0.02), dtype, ours_groups, lambda twin: split(twin, options))


def test_an_lr_scheduler_steps_both_halves_as_it_steps_torchs():
    model = make_net(torch.float64)
    twin = copy.deepcopy(model)
    ours = MuonAdamW(model.parameters(), lr=0.02)
    theirs = reference(twin, dict(lr=0.02))
    schedulers = [
        torch.optim.lr_scheduler.StepLR(o, step_size=4, gamma=0.5) for o in (ours, *theirs)
    ]
    for step in range(STEPS):
        set_grads(model, step)
        ours.step()
        set_grads(twin, step)
        for optimizer in theirs:
            optimizer.step()
        for scheduler in schedulers:
            scheduler.step()
        assert_same(ours, theirs, model, twin, step)
    assert ours.param_groups[0]["lr"] == 0.02 * 0.5**3


def roundtrip(obj):
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def advance(model, optimizer, steps):
    for step in steps:
        set_grads(model, step)
        optimizer.step()


@DTYPES
def test_resume_from_a_saved_state_dict_is_bitwise_equal(dtype):
    straight = make_net(dtype)
    straight_opt = MuonAdamW(straight.parameters(), lr=0.02)
    advance(straight, straight_opt, range(STEPS))

    first = make_net(dtype)
    first_opt = MuonAdamW(first.parameters(), lr=0.02)
    advance(first, first_opt, range(5))
    saved = roundtrip({"model": first.state_dict(), "optimizer": first_opt.state_dict()})
    resumed = make_net(dtype, seed=1)
    resumed.load_state_dict(saved["model"])
    resumed_opt = MuonAdamW(resumed.parameters(), lr=0.02)
    resumed_opt.load_state_dict(saved["optimizer"])
    advance(resumed, resumed_opt, range(5, STEPS))
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)
        a, b = straight_opt.state[p], resumed_opt.state[q]
        assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def halves(model):
    """For each parameter, in ``model.parameters()`` order: which torch optimizer of the
    pair holds it (0 Muon, 1 AdamW) and its index in that optimizer's state_dict."""
    counts, where = [0, 0], []
    for p in model.parameters():
        half = 0 if p.dim() == 2 else 1
        where.append((half, counts[half]))
        counts[half] += 1
    return where


@pytest.mark.parametrize("source_is_ours", [True, False], ids=["ours_to_torch", "torch_to_ours"])
def test_state_dicts_cross_load_with_torchs_pair_and_both_go_on_equal(source_is_ours):
    kwargs = dict(lr=0.02)
    model = make_net(torch.float64)
    twin = copy.deepcopy(model)
    ours, theirs = MuonAdamW(model.parameters(), **kwargs), reference(twin, kwargs)
    source, target = (model, twin) if source_is_ours else (twin, model)
    for optimizer in (ours,) if source_is_ours else theirs:
        advance(source, optimizer, range(5))
    target.load_state_dict(source.state_dict())
    ours_saved = roundtrip(ours.state_dict())
    theirs_saved = [roundtrip(optimizer.state_dict()) for optimizer in theirs]
    # a copy of each parameter's state: load_state_dict keeps the tensors it is given
    for index, (half, at) in enumerate(halves(model)):
        if source_is_ours:
            theirs_saved[half]["state"][at] = copy.deepcopy(ours_saved["state"][index])
        else:
            ours_saved["state"][index] = copy.deepcopy(theirs_saved[half]["state"][at])
    ours.load_state_dict(ours_saved)
    for optimizer, saved in zip(theirs, theirs_saved, strict=True):
        optimizer.load_state_dict(saved)
    for step in range(5, STEPS):
        advance(model, ours, [step])
        set_grads(twin, step)
        for optimizer in theirs:
            optimizer.step()
        for p, q in zip(model.parameters(), twin.parameters(), strict=True):
            assert torch.equal(p, q)


def test_a_state_dict_of_the_wrong_half_is_refused_and_changes_nothing():
    model = make_net(torch.float64)
    ours = MuonAdamW(model.parameters())
    advance(model, ours, range(2))
    index = {name: i for i, (name, _) in enumerate(model.named_parameters())}
    conv, hidden = index["conv.weight"], index["hidden.weight"]
    swapped = ours.state_dict()
    swapped["state"][conv], swapped["state"][hidden] = (
        swapped["state"][hidden],
        swapped["state"][conv],
    )
    extra = ours.state_dict()
    extra["state"][conv] = {**extra["state"][conv], "momentum_buffer": torch.zeros(2, 1, 3, 3)}
    before = copy.deepcopy(ours.state_dict())
    with pytest.raises(
        ValueError, match=rf"lacks \['exp_avg', 'exp_avg_sq', 'step'\] for parameter {conv}$"
    ):
        ours.load_state_dict(swapped)
    message = (
        f"MuonAdamW: parameter {conv} has shape (2, 1, 3, 3), so it keeps AdamW's state "
        "(exp_avg, exp_avg_sq, step), but the state_dict holds exp_avg, exp_avg_sq, "
        "momentum_buffer, step"
    )
    with pytest.raises(ValueError, match="^" + re.escape(message) + "$"):
        ours.load_state_dict(extra)
    after = ours.state_dict()
    for i, saved in before["state"].items():
        assert after["state"][i].keys() == saved.keys()
        assert all(torch.equal(after["state"][i][k], v) for k, v in saved.items())


BAD = {
    "lr": (dict(lr=-1.0), "lr must be >= 0, got -1.0"),
    "adamw_lr": (dict(adamw_lr=-0.1), "adamw_lr must be >= 0, got -0.1"),
    "adamw_betas": (dict(adamw_betas=(0.9, 1.0)), "adamw_betas[1] must be in [0, 1), got 1.0"),
    "adamw_eps": (dict(adamw_eps=0.0), "adamw_eps must be > 0, got 0.0"),
    "adamw_weight_decay": (
        dict(adamw_weight_decay=-1e-2),
        "adamw_weight_decay must be >= 0, got -0.01",
    ),
    "momentum": (dict(momentum=-0.1), "momentum must be >= 0, got -0.1"),
    "ns_steps": (dict(ns_steps=100), "ns_steps must be in [0, 99], got 100"),
    "adjust_lr_fn": (
        dict(adjust_lr_fn="rms"),
        "adjust_lr_fn must be one of None, 'original', 'match_rms_adamw', got 'rms'",
    ),
    "mixed_betas": (
        dict(adamw_betas=(torch.tensor(0.9), 0.95)),
        "adamw_betas must be both numbers or both tensors",
    ),
}


@pytest.mark.parametrize("case", BAD)
def test_bad_hyperparameters_are_refused_in_one_line(case):
    kwargs, reason = BAD[case]
    with pytest.raises(HyperparameterError) as caught:
        MuonAdamW(make_net(torch.float64).parameters(), **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    assert re.match("^" + re.escape(f"MuonAdamW: {reason}"), message), message
    named = "adamw_betas" if case == "mixed_betas" else case
    assert caught.value.optimizer == "MuonAdamW" and caught.value.hyperparameter == named


def test_declarations():
    assert not MuonAdamW.elementwise
    assert MuonAdamW.summary and "Muon is Scalable" in MuonAdamW.reference
    assert "Muon:" in MuonAdamW.reference
    matplotlib.mathtext.MathTextParser("path").parse(f"${MuonAdamW.formula}$")
    assert {h.name for h in MuonAdamW.hyper} >= set(MUON_ARGS)
    assert DEFAULTS["adjust_lr_fn"] == "match_rms_adamw"


def test_the_digits_model_learns():
    task = tasks.digits()
    torch.manual_seed(0)
    model = task.model()
    kinds = {p.dim() for p in model.parameters()}
    assert kinds == {1, 2, 4}  # norms and biases, matrices, conv kernels
    optimizer = MuonAdamW(model.parameters(), lr=0.01)
    inputs, targets = task.train
    probe = slice(0, 512)

    def probe_loss():
        with torch.no_grad():
            return task.loss(model(inputs[probe]), targets[probe]).item()

    before = probe_loss()
    generator = torch.Generator().manual_seed(0)
    order = torch.randperm(len(inputs), generator=generator)
    for start in range(0, len(inputs) - task.batch_size + 1, task.batch_size):  # one epoch
        batch = order[start : start + task.batch_size]
        optimizer.zero_grad()
        task.loss(model(inputs[batch]), targets[batch]).backward()
        optimizer.step()
    after = probe_loss()
    assert after < 0.2 * before, (before, after)  # measured: 2.40 -> 0.11
    for p in model.parameters():
        assert optimizer.state[p].keys() == ({"momentum_buffer"} if p.dim() == 2 else {
            "step", "exp_avg", "exp_avg_sq"})  # fmt: skip
