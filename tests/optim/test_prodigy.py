"""Prodigy against the authors' package (prodigyopt), step by step.

Parameters, every state tensor and every group entry (d, d_max, d_numerator, d_denom,
d_hat, k) after every step; state_dicts both ways; the refusals.
"""

from __future__ import annotations

import copy
import inspect
import math

import prodigyopt
import pytest
import torch

from descentlab.errors import HyperparameterError, HyperparameterTypeError
from descentlab.optim.prodigy import Prodigy

from .harness import Sized, make_mlp, mlp_steps, roundtrip, train

CONFIGS = {
    "default": dict(),
    "lr": dict(lr=0.5),
    "weight_decay": dict(weight_decay=0.1),
    "coupled_weight_decay": dict(weight_decay=0.1, decouple=False),
    "bias_correction": dict(use_bias_correction=True),
    "safeguard_warmup": dict(safeguard_warmup=True),
    "beta3": dict(beta3=0.9),
    "betas": dict(betas=(0.8, 0.99)),
    "no_momentum": dict(betas=(0.0, 0.999)),
    "no_momentum_coupled": dict(betas=(0.0, 0.99), weight_decay=0.05, decouple=False),
    "d_coef": dict(d_coef=2.0),
    "growth_rate": dict(growth_rate=1.02),
    "d0_eps": dict(d0=1e-4, eps=1e-6),
    "slice_p": dict(slice_p=3),
    "zero_start": dict(zero="out.bias"),  # a parameter all zeros at the start: p0 is 0-d
    "groups": dict(groups=[dict(weight_decay=0.1, eps=1e-6), dict(safeguard_warmup=True)]),
    "frozen_group": dict(groups=[dict(), dict(lr=0.0)]),
}
STEPS = 12
# ours runs the package's operations in the same order (its sums in float64, as its
# Python floats), so float32 agrees to the bit too
TOLERANCES = {torch.float64: {}, torch.float32: {"rtol": 0.0, "atol": 0.0}}
IGNORED = {"params", "differentiable"}  # torch adds the last when a state_dict is loaded


def model_for(kwargs, dtype=torch.float64, seed=0):
    model = make_mlp(dtype, seed)
    if "zero" in kwargs:
        with torch.no_grad():
            model.get_parameter(kwargs["zero"]).zero_()
    return model


def params_of(kwargs, model):
    kwargs = {k: v for k, v in kwargs.items() if k != "zero"}
    groups = kwargs.pop("groups", None)
    if groups is None:
        return model.parameters(), kwargs
    rest = [p for n, p in model.named_parameters() if not n.startswith("hidden")]
    return [{"params": model.hidden.parameters(), **groups[0]}, {"params": rest, **groups[1]}], (
        kwargs
    )


def make(kwargs, model, cls=Prodigy):
    params, rest = params_of(kwargs, model)
    return cls(params, **rest)


def assert_same(ours, theirs, step, **tol):
    """Parameters, every state tensor and every group entry equal the package's."""
    for g, (a, b) in enumerate(zip(ours.param_groups, theirs.param_groups, strict=True)):
        assert a.keys() - IGNORED == b.keys() - IGNORED
        for key in a.keys() - IGNORED:
            torch.testing.assert_close(
                a[key], b[key], msg=lambda m, k=key, g=g: f"step {step}, group {g}, {k}: {m}"
            )
        for i, (p, q) in enumerate(zip(a["params"], b["params"], strict=True)):
            torch.testing.assert_close(
                p, q, msg=lambda m, i=i: f"step {step}, parameter {i}: {m}", **tol
            )
            mine, package = ours.state.get(p, {}), theirs.state.get(q, {})
            assert mine.keys() == package.keys()
            for key in mine:
                torch.testing.assert_close(
                    mine[key],
                    package[key],
                    msg=lambda m, k=key, i=i: f"step {step}, state {k} of {i}: {m}",
                    **tol,
                )


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_matches_the_package(config, dtype):
    kwargs = CONFIGS[config]
    ours_model = model_for(kwargs, dtype)
    theirs_model = copy.deepcopy(ours_model)
    ours, theirs = make(kwargs, ours_model), make(kwargs, theirs_model, prodigyopt.Prodigy)
    estimates = []
    # mlp_steps drops one gradient (step 3) and freezes the hidden layer (steps 6-8)
    for step, _ in zip(
        mlp_steps(ours_model, ours, STEPS), mlp_steps(theirs_model, theirs, STEPS), strict=True
    ):
        assert_same(ours, theirs, step, **TOLERANCES[dtype])
        estimates.append(ours.param_groups[0]["d"])
    assert all(isinstance(d, float) for d in estimates)
    assert estimates[-1] > 2 * ours.param_groups[0]["d0"]  # d really grew
    if config == "default":  # scale lost one gradient, the hidden layer three
        assert [ours.state[p]["step"] for p in ours_model.parameters()] == [11, 9, 9, 12, 12]


def test_sizes_and_noncontiguous_match_the_package():
    ours_model, theirs_model = Sized(torch.float32), Sized(torch.float32)
    ours = Prodigy(ours_model.parameters(), slice_p=2)
    theirs = prodigyopt.Prodigy(theirs_model.parameters(), slice_p=2)
    for step in range(8):
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            optimizer.zero_grad()
            model.loss(step).backward()
            optimizer.step()
        assert_same(ours, theirs, step, **TOLERANCES[torch.float32])
    assert not ours_model.strided.is_contiguous()


def test_no_gradient_and_zero_gradients_leave_everything_as_the_package_does():
    ours_x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    theirs_x = ours_x.detach().clone().requires_grad_(True)
    ours, theirs = Prodigy([ours_x]), prodigyopt.Prodigy([theirs_x])
    for grad in (None, torch.zeros(2, dtype=torch.float64), torch.tensor([0.5, -1.0]).double()):
        ours_x.grad = None if grad is None else grad.clone()
        theirs_x.grad = None if grad is None else grad.clone()
        ours.step()
        theirs.step()
        assert_same(ours, theirs, 0)
    assert ours.param_groups[0]["k"] == 1  # the steps with nothing to learn from did not count


@pytest.mark.parametrize(
    "source_is_ours", [True, False], ids=["ours-to-package", "package-to-ours"]
)
@pytest.mark.parametrize("config", CONFIGS)
def test_state_dicts_cross_load_and_both_go_on_equal(config, source_is_ours):
    kwargs = CONFIGS[config]
    model = model_for(kwargs)
    other_model = copy.deepcopy(model)
    ours, theirs = make(kwargs, model), make(kwargs, other_model, prodigyopt.Prodigy)
    source, target = (ours, theirs) if source_is_ours else (theirs, ours)
    source_model, target_model = (model, other_model) if source_is_ours else (other_model, model)
    train(source_model, source, range(5))
    target_model.load_state_dict(source_model.state_dict())
    target.load_state_dict(roundtrip(source.state_dict()))
    assert_same(ours, theirs, 4)
    assert all(isinstance(s["step"], int) for s in ours.state.values())
    for step in range(5, 10):
        train(model, ours, [step])
        train(other_model, theirs, [step])
        assert_same(ours, theirs, step)


def test_a_saved_start_of_either_shape_loads_whatever_the_parameter_is_now():
    kwargs = CONFIGS["zero_start"]
    model = model_for(kwargs)
    optimizer = make(kwargs, model)
    train(model, optimizer, range(3))
    saved = roundtrip(optimizer.state_dict())
    assert saved["state"][4]["p0"].shape == ()  # out.bias started at zero
    assert saved["state"][3]["p0"].shape == (48,)
    # load into models whose out.bias is not zero, and whose out.weight is
    for zeroed in (None, "out.weight"):
        other = copy.deepcopy(model)
        if zeroed:
            with torch.no_grad():
                other.get_parameter(zeroed).zero_()
        reference_model = copy.deepcopy(other)
        ours, theirs = Prodigy(other.parameters()), prodigyopt.Prodigy(reference_model.parameters())
        ours.load_state_dict(roundtrip(saved))  # each its own copy: loading shares tensors
        theirs.load_state_dict(roundtrip(saved))
        assert_same(ours, theirs, 3)
        train(other, ours, range(3, 6))
        train(reference_model, theirs, range(3, 6))
        assert_same(ours, theirs, 6)


def test_a_start_of_a_wrong_shape_is_refused():
    model = make_mlp(torch.float64)
    optimizer = Prodigy(model.parameters())
    train(model, optimizer, range(2))
    state = copy.deepcopy(optimizer.state_dict())
    state["state"][1]["p0"] = torch.zeros(3)
    with pytest.raises(ValueError, match=r"state 'p0' of parameter 1 has shape \(3,\), expected"):
        Prodigy(model.parameters()).load_state_dict(state)
    state["state"][1]["p0"] = torch.zeros(80)
    state["state"][2]["s"] = torch.zeros(5)
    with pytest.raises(ValueError, match=r"state 's' of parameter 2 has shape \(5,\), expected"):
        Prodigy(model.parameters()).load_state_dict(state)


@pytest.mark.parametrize("config", CONFIGS)
def test_resume_from_a_saved_state_dict_is_bitwise_equal(config):
    kwargs = CONFIGS[config]
    straight = model_for(kwargs)
    interrupted = copy.deepcopy(straight)
    straight_opt, first_opt = make(kwargs, straight), make(kwargs, interrupted)
    train(straight, straight_opt, range(10))
    train(interrupted, first_opt, range(4))
    saved = roundtrip({"model": interrupted.state_dict(), "optimizer": first_opt.state_dict()})
    resumed = model_for(kwargs, seed=123)
    resumed.load_state_dict(saved["model"])
    resumed_opt = make(kwargs, resumed)
    resumed_opt.load_state_dict(saved["optimizer"])
    train(resumed, resumed_opt, range(4, 10))
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)
    assert resumed_opt.param_groups[0]["d"] == straight_opt.param_groups[0]["d"]


def test_a_frozen_group_keeps_its_weights_even_with_decoupled_decay():
    # the package would shrink them by lr * d * weight_decay each step all the same
    model = make_mlp(torch.float64)
    frozen = [p.clone() for p in model.out.parameters()]
    optimizer = Prodigy(
        [{"params": model.hidden.parameters()}, {"params": model.out.parameters(), "lr": 0.0}],
        weight_decay=0.5,
    )
    train(model, optimizer, range(5))
    for p, q in zip(model.out.parameters(), frozen, strict=True):
        assert torch.equal(p, q)
    assert optimizer.state[model.out.weight]["step"] == 5


def test_the_estimate_is_readable_after_each_step():
    model = make_mlp(torch.float64)
    optimizer = Prodigy(model.parameters())
    assert optimizer.param_groups[0]["d"] == 1e-6
    seen = []
    for step in range(6):
        train(model, optimizer, [step])
        group = optimizer.param_groups[0]
        seen.append(group["d"])
        assert group["d"] <= group["d_max"] and isinstance(group["d_hat"], float)
    assert seen == sorted(seen) and seen[-1] > 1e-5  # d never shrinks


def test_signature_defaults_and_group_layout_are_the_packages():
    ours = inspect.signature(Prodigy.__init__).parameters
    theirs = inspect.signature(prodigyopt.Prodigy.__init__).parameters
    names = [n for n in theirs if n != "fsdp_in_use"]
    assert list(ours) == names
    for key in names[2:]:
        assert ours[key].default == theirs[key].default, key
    x = torch.zeros(1, requires_grad=True)
    assert Prodigy([x]).param_groups[0].keys() == prodigyopt.Prodigy([x]).param_groups[0].keys()
    assert Prodigy.elementwise is False


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        (dict(lr=-0.1), HyperparameterError, r"lr must be >= 0, got -0\.1"),
        (dict(betas=(1.0, 0.999)), HyperparameterError, r"betas\[0\] must be in \[0, 1\), got 1"),
        (dict(betas=(0.9, -0.1)), HyperparameterError, r"betas\[1\] must be in \[0, 1\), got -0"),
        (dict(beta3=1.0), HyperparameterError, r"beta3 must be in \[0, 1\), got 1\.0"),
        (dict(eps=0.0), HyperparameterError, r"eps must be > 0, got 0\.0"),
        (dict(d0=0.0), HyperparameterError, r"d0 must be > 0, got 0\.0"),
        (dict(d_coef=-1.0), HyperparameterError, r"d_coef must be > 0, got -1\.0"),
        (dict(growth_rate=0.5), HyperparameterError, r"growth_rate must be in \[1, inf\], got 0"),
        (dict(growth_rate=math.nan), HyperparameterError, r"growth_rate must be finite and in"),
        (dict(weight_decay=-1), HyperparameterError, r"weight_decay must be >= 0, got -1"),
        (dict(slice_p=0), HyperparameterError, r"slice_p must be >= 1, got 0"),
        (dict(slice_p=2.5), HyperparameterTypeError, r"slice_p must be a whole number, got 2\.5"),
        (dict(decouple="yes"), HyperparameterTypeError, r"decouple must be True or False"),
        (dict(lr=torch.tensor([0.5, 1.0])), HyperparameterTypeError,
         r"lr must be a number, not a tensor \(d is one step size shared by every parameter"),
        (dict(betas=(0.9, torch.tensor(0.99))), HyperparameterTypeError,
         r"betas must be a number, not a tensor"),
    ],
)  # fmt: skip
def test_bad_hyperparameters_are_one_clear_line(kwargs, error, message):
    with pytest.raises(error, match=rf"^Prodigy: {message}") as raised:
        Prodigy([torch.zeros(2, requires_grad=True)], **kwargs)
    assert "\n" not in str(raised.value)
    assert raised.value.hyperparameter == next(iter(kwargs))


def test_groups_share_one_lr_or_are_frozen():
    a, b = torch.ones(2, requires_grad=True), torch.ones(3, requires_grad=True)
    assert math.isinf(Prodigy([a], growth_rate=math.inf).defaults["growth_rate"])
    Prodigy([{"params": [a]}, {"params": [b], "lr": 0.0}])  # a frozen group is fine
    message = r"^Prodigy: every param group's lr must be the same or 0 .*, got 0\.5, 1$"
    with pytest.raises(HyperparameterError, match=message):
        Prodigy([{"params": [a]}, {"params": [b], "lr": 0.5}])
    optimizer = Prodigy([a])
    with pytest.raises(HyperparameterError, match=message):
        optimizer.add_param_group({"params": [b], "lr": 0.5})
    assert len(optimizer.param_groups) == 1  # the refused group is not kept
    optimizer.add_param_group({"params": [b]})
    optimizer.param_groups[1]["lr"] = 0.5  # as a scheduler might: refused at the step
    a.grad, b.grad = torch.ones(2), torch.ones(3)
    with pytest.raises(HyperparameterError, match=message):
        optimizer.step()
    assert torch.equal(a.detach(), torch.ones(2))
