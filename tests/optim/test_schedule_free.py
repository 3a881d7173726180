"""Schedule-Free AdamW and SGD against the authors' package (schedulefree), step by step.

The package's single-tensor path (foreach=False) is the reference: parameters, every
state tensor and every group entry after every step, in train and in eval mode.
"""

from __future__ import annotations

import copy
import inspect

import pytest
import schedulefree
import torch

from descentlab.errors import HyperparameterError, HyperparameterTypeError
from descentlab.optim.schedule_free import AdamWScheduleFree, SGDScheduleFree

from .harness import Sized, make_mlp, mlp_steps, roundtrip, train

PAIRS = {
    "adamw": (AdamWScheduleFree, schedulefree.AdamWScheduleFree),
    "sgd": (SGDScheduleFree, schedulefree.SGDScheduleFree),
}
CONFIGS = {
    "adamw": {
        "default": dict(),
        "lr": dict(lr=0.02),
        "warmup": dict(lr=0.02, warmup_steps=5),
        "weight_decay": dict(lr=0.02, weight_decay=0.1),
        "r": dict(lr=0.02, r=1.5, warmup_steps=3),
        "weight_lr_power_0": dict(lr=0.02, weight_lr_power=0.0, warmup_steps=4),
        "betas_eps": dict(lr=0.02, betas=(0.5, 0.99), eps=1e-3),
        "groups": dict(lr=0.02, groups=[dict(lr=0.05, weight_decay=0.2), dict(lr=0.002)]),
    },
    "sgd": {
        "default": dict(lr=0.2),
        "warmup": dict(lr=0.2, warmup_steps=5),
        "weight_decay": dict(lr=0.2, weight_decay=0.1),
        "r": dict(lr=0.2, r=2.0, warmup_steps=2),
        "weight_lr_power_0": dict(lr=0.2, weight_lr_power=0, warmup_steps=4),
        "momentum": dict(lr=0.2, momentum=0.5),
        "groups": dict(lr=0.2, groups=[dict(lr=0.5, momentum=0.7), dict(lr=0.05)]),
    },
}
CASES = [(name, config) for name in CONFIGS for config in CONFIGS[name]]
STEPS = 12
# ours runs the package's operations in the same order, so float32 agrees to the bit too
TOLERANCES = {torch.float64: {}, torch.float32: {"rtol": 0.0, "atol": 0.0}}
# the package's foreach switch: True there, and False in ours (our single-tensor loop)
SWITCHES = {"foreach", "differentiable"}  # torch adds the last on load


def split(kwargs, model):
    """The parameters of ``model`` as the config asks (one group, or two with their own
    hyperparameters), and the remaining keyword arguments."""
    kwargs = dict(kwargs)
    groups = kwargs.pop("groups", None)
    if groups is None:
        return model.parameters(), kwargs
    rest = [p for n, p in model.named_parameters() if not n.startswith("hidden")]
    return [
        {"params": model.hidden.parameters(), **groups[0]},
        {"params": rest, **groups[1]},
    ], kwargs


def make(name, kwargs, model):
    """Our optimizer over ``model``, in train mode."""
    params, kwargs = split(kwargs, model)
    optimizer = PAIRS[name][0](params, **kwargs)
    optimizer.train()
    return optimizer


def build(name, kwargs, model_ours, model_theirs):
    """Ours and the package's optimizer over the two (equal) models, in train mode."""
    params, rest = split(kwargs, model_theirs)
    theirs = PAIRS[name][1](params, **rest, foreach=False)
    theirs.train()
    return make(name, kwargs, model_ours), theirs


def assert_same(ours, theirs, step, **tol):
    """Parameters, every state tensor and every group entry equal the package's."""
    for g, (a, b) in enumerate(zip(ours.param_groups, theirs.param_groups, strict=True)):
        assert a.keys() - SWITCHES == b.keys() - SWITCHES
        for key in a.keys() - {"params"} - SWITCHES:
            torch.testing.assert_close(
                a[key], b[key], msg=lambda m, k=key, g=g: f"step {step}, group {g}, {k}: {m}"
            )
        for i, (p, q) in enumerate(zip(a["params"], b["params"], strict=True)):
            torch.testing.assert_close(
                p, q, msg=lambda m, i=i: f"step {step}, parameter {i}: {m}", **tol
            )
            mine, package = ours.state.get(p, {}), theirs.state.get(q, {})
            assert mine.keys() == (package.keys() if package else mine.keys())
            for key in mine:
                torch.testing.assert_close(
                    mine[key],
                    package[key],
                    msg=lambda m, k=key, i=i: f"step {step}, state {k} of {i}: {m}",
                    **tol,
                )


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("name", "config"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_every_step_and_both_modes_match_the_package(name, config, dtype):
    tol = TOLERANCES[dtype]
    ours_model = make_mlp(dtype)
    theirs_model = copy.deepcopy(ours_model)
    ours, theirs = build(name, CONFIGS[name][config], ours_model, theirs_model)
    # mlp_steps drops one gradient (step 3) and freezes the hidden layer (steps 6-8)
    for step, _ in zip(
        mlp_steps(ours_model, ours, STEPS), mlp_steps(theirs_model, theirs, STEPS), strict=True
    ):
        assert_same(ours, theirs, step, **tol)
        if step in (2, 7, STEPS - 1):  # to the average x and back, as an evaluation does
            averages = [ours.averaged(p) for p in ours_model.parameters()]
            ours.eval()
            theirs.eval()
            assert_same(ours, theirs, step, **tol)
            for p, x in zip(ours_model.parameters(), averages, strict=True):
                assert torch.equal(p, x)  # averaged() is what eval() sets
            ours.train()
            theirs.train()
            assert_same(ours, theirs, step, **tol)
    start = make_mlp(dtype)
    pairs = zip(ours_model.parameters(), start.parameters(), strict=True)
    moved = max((p - q).abs().max().item() for p, q in pairs)
    assert moved > 1e-3


@pytest.mark.parametrize("name", PAIRS)
def test_sizes_and_noncontiguous_match_the_package(name):
    ours_model, theirs_model = Sized(torch.float32), Sized(torch.float32)
    ours, theirs = build(name, next(iter(CONFIGS[name].values())), ours_model, theirs_model)
    for step in range(8):
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            optimizer.zero_grad()
            model.loss(step).backward()
            optimizer.step()
        assert_same(ours, theirs, step, **TOLERANCES[torch.float32])
    ours.eval()
    theirs.eval()
    assert_same(ours, theirs, 8, **TOLERANCES[torch.float32])
    assert not ours_model.strided.is_contiguous()


@pytest.mark.parametrize("saved_in", ["train", "eval"])
@pytest.mark.parametrize(
    "source_is_ours", [True, False], ids=["ours-to-package", "package-to-ours"]
)
@pytest.mark.parametrize(("name", "config"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_state_dicts_cross_load_and_both_go_on_equal(name, config, source_is_ours, saved_in):
    model = make_mlp(torch.float64)
    other_model = copy.deepcopy(model)
    ours, theirs = build(name, CONFIGS[name][config], model, other_model)
    source, target = (ours, theirs) if source_is_ours else (theirs, ours)
    source_model, target_model = (model, other_model) if source_is_ours else (other_model, model)
    train(source_model, source, range(5))
    if saved_in == "eval":  # the package asks for eval mode when saving a checkpoint
        source.eval()
    target_model.load_state_dict(source_model.state_dict())
    target.load_state_dict(roundtrip(source.state_dict()))
    assert target.param_groups[0]["train_mode"] == (saved_in == "train")
    source.train()
    target.train()
    for step in range(5, 11):
        train(model, ours, [step])
        train(other_model, theirs, [step])
        assert_same(ours, theirs, step)


@pytest.mark.parametrize(("name", "config"), CASES, ids=[f"{n}-{c}" for n, c in CASES])
def test_resume_from_a_saved_state_dict_is_bitwise_equal(name, config):
    straight = make_mlp(torch.float64)
    interrupted = copy.deepcopy(straight)
    kwargs = CONFIGS[name][config]
    straight_opt, first_opt = make(name, kwargs, straight), make(name, kwargs, interrupted)
    train(straight, straight_opt, range(5))
    straight_opt.eval()  # there and back is not the identity to the bit: do it in both
    straight_opt.train()
    train(straight, straight_opt, range(5, 12))
    train(interrupted, first_opt, range(5))
    first_opt.eval()
    saved = roundtrip({"model": interrupted.state_dict(), "optimizer": first_opt.state_dict()})

    resumed = make_mlp(torch.float64, seed=123)
    resumed.load_state_dict(saved["model"])
    resumed_opt = make(name, kwargs, resumed)  # in train mode until the saved state says eval
    resumed_opt.load_state_dict(saved["optimizer"])
    assert resumed_opt.param_groups[0]["train_mode"] is False
    resumed_opt.train()
    train(resumed, resumed_opt, range(5, 12))
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)
    assert resumed_opt.param_groups[0]["k"] == 12


def row_loss(p):
    x, y = p[..., 0], p[..., 1]
    return ((1 - x) ** 2 + (y - 0.5 * x**2) ** 2 + 0.1 * x * y).sum()


@pytest.mark.parametrize(
    ("name", "hyperparameter", "values", "base"),
    [
        ("adamw", "lr", [0.001, 0.01, 0.1], dict(warmup_steps=3)),
        ("adamw", "betas", [(0.5, 0.9), (0.9, 0.99), (0.95, 0.999)], dict(lr=0.05)),
        ("adamw", "weight_decay", [0.0, 0.01, 0.5], dict(lr=0.05)),
        ("sgd", "lr", [0.01, 0.05, 0.2], dict(warmup_steps=4, r=1.0)),
        ("sgd", "momentum", [0.3, 0.6, 0.9], dict(lr=0.05)),
        ("sgd", "weight_lr_power", [0.0, 1.0, 2.0], dict(lr=0.05, warmup_steps=5)),
    ],
)
def test_one_value_per_row_equals_separate_runs(name, hyperparameter, values, base):
    ours_cls = PAIRS[name][0]
    assert ours_cls.elementwise
    start = torch.tensor([[-1.2, 1.0], [0.5, -0.5], [1.5, 1.8]], dtype=torch.float64)
    if isinstance(values[0], tuple):
        stacked = tuple(torch.tensor([[v[i]] for v in values], dtype=torch.float64) for i in (0, 1))
    else:
        stacked = torch.tensor([[v] for v in values], dtype=torch.float64)
    together = start.clone().requires_grad_(True)
    runs = [(ours_cls([together], **base, **{hyperparameter: stacked}), together)]
    rows = [start[i].clone().requires_grad_(True) for i in range(3)]
    runs += [
        (ours_cls([row], **base, **{hyperparameter: v}), row)
        for row, v in zip(rows, values, strict=True)
    ]
    for optimizer, _ in runs:
        optimizer.train()
    for step in range(15):
        for optimizer, param in runs:
            optimizer.zero_grad()
            row_loss(param).backward()
            optimizer.step()
        if step == 9:
            for optimizer, _ in runs:
                optimizer.eval()
            for i in range(3):
                torch.testing.assert_close(together[i], rows[i])
            for optimizer, _ in runs:
                optimizer.train()
    for i in range(3):
        torch.testing.assert_close(together[i], rows[i], msg=lambda m, i=i: f"row {i}: {m}")
        torch.testing.assert_close(
            runs[0][0].averaged(together)[i], runs[i + 1][0].averaged(rows[i])
        )
    assert not torch.equal(together.detach(), start)


@pytest.mark.parametrize("name", PAIRS)
def test_modes_before_any_step_and_step_in_eval_mode(name):
    ours_cls, theirs_cls = PAIRS[name]
    x = torch.tensor([1.0, -2.0], requires_grad=True)
    ours = ours_cls([x])
    theirs = theirs_cls([torch.tensor([1.0, -2.0], requires_grad=True)])
    assert ours.param_groups[0]["train_mode"] is theirs.param_groups[0]["train_mode"] is False
    x.grad = torch.ones(2)
    with pytest.raises(RuntimeError, match=rf"^{ours_cls.__name__}: step\(\) was called in eval"):
        ours.step()
    with pytest.raises(Exception, match="not in train mode"):
        theirs.step()
    assert len(ours.state) == 0 and ours.param_groups[0]["k"] == 0  # nothing happened
    ours.eval()  # no state yet: nothing moves, in either direction
    ours.train()
    ours.train()  # twice is once
    assert torch.equal(x.detach(), torch.tensor([1.0, -2.0]))
    ours.step()
    y = x.detach().clone()
    ours.eval()
    x_avg = x.detach().clone()
    ours.eval()
    assert torch.equal(x.detach(), x_avg)
    assert torch.equal(ours.averaged(x), x_avg)  # in eval mode the parameter is x
    ours.train()
    torch.testing.assert_close(x.detach(), y)
    with pytest.raises(ValueError, match="not a parameter of this optimizer"):
        ours.averaged(torch.zeros(2))
    assert ours_cls.averages_weights is True


@pytest.mark.parametrize("name", PAIRS)
def test_averaged_changes_nothing(name):
    model = make_mlp(torch.float64)
    optimizer = PAIRS[name][0](model.parameters(), **next(iter(CONFIGS[name].values())))
    optimizer.train()
    train(model, optimizer, range(4))
    before = copy.deepcopy(optimizer.state_dict()), [p.clone() for p in model.parameters()]
    for p in model.parameters():
        assert not torch.equal(optimizer.averaged(p), p)
    after = optimizer.state_dict()
    assert after["param_groups"] == before[0]["param_groups"]
    for p, q in zip(model.parameters(), before[1], strict=True):
        assert torch.equal(p, q)


@pytest.mark.parametrize("name", PAIRS)
def test_a_group_added_in_train_mode_is_averaged_by_eval(name):
    model = make_mlp(torch.float64)
    optimizer = PAIRS[name][0](model.hidden.parameters(), **next(iter(CONFIGS[name].values())))
    optimizer.train()
    train(model, optimizer, range(2))
    optimizer.add_param_group({"params": list(model.out.parameters())})
    assert optimizer.param_groups[1]["train_mode"] is True
    assert optimizer.param_groups[1]["k"] == 0 and optimizer.param_groups[1]["lr_max"] == -1.0
    train(model, optimizer, range(2, 5))
    expected = [optimizer.averaged(p) for p in model.out.parameters()]
    optimizer.eval()
    for p, x in zip(model.out.parameters(), expected, strict=True):
        assert torch.equal(p, x)


@pytest.mark.parametrize("name", PAIRS)
def test_signature_and_defaults_are_the_packages(name):
    ours, theirs = (inspect.signature(cls.__init__).parameters for cls in PAIRS[name])
    names = [n for n in theirs if n != "foreach"]
    assert list(ours) == names
    for key in names[2:]:
        assert ours[key].default == theirs[key].default, key
    opt, ref = PAIRS[name][0]([torch.zeros(1)]), PAIRS[name][1]([torch.zeros(1)])
    assert opt.param_groups[0].keys() == ref.param_groups[0].keys()


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "message"),
    [
        (AdamWScheduleFree, dict(lr=-0.1), HyperparameterError, r"lr must be >= 0, got -0\.1"),
        (AdamWScheduleFree, dict(betas=(1.0, 0.999)), HyperparameterError,
         r"betas\[0\] must be in \(0, 1\), got 1\.0"),
        (AdamWScheduleFree, dict(betas=(0.0, 0.999)), HyperparameterError,
         r"betas\[0\] must be in \(0, 1\), got 0\.0"),
        (AdamWScheduleFree, dict(betas=(0.9, 1.0)), HyperparameterError,
         r"betas\[1\] must be in \[0, 1\), got 1\.0"),
        (AdamWScheduleFree, dict(eps=0.0), HyperparameterError, r"eps must be > 0, got 0\.0"),
        (AdamWScheduleFree, dict(warmup_steps=-1), HyperparameterError,
         r"warmup_steps must be >= 0, got -1"),
        (AdamWScheduleFree, dict(warmup_steps=2.5), HyperparameterTypeError,
         r"warmup_steps must be a whole number, got 2\.5"),
        (SGDScheduleFree, dict(warmup_steps=torch.tensor(3)), HyperparameterTypeError,
         r"warmup_steps must be a whole number, got a tensor"),
        (SGDScheduleFree, dict(momentum=1.0), HyperparameterError,
         r"momentum must be in \(0, 1\), got 1\.0"),
        (SGDScheduleFree, dict(momentum=0), HyperparameterError,
         r"momentum must be in \(0, 1\), got 0"),
        (SGDScheduleFree, dict(weight_decay=-1), HyperparameterError,
         r"weight_decay must be >= 0, got -1"),
        (SGDScheduleFree, dict(r=-1.0), HyperparameterError, r"r must be >= 0, got -1\.0"),
        (SGDScheduleFree, dict(weight_lr_power=float("nan")), HyperparameterError,
         r"weight_lr_power must be finite and >= 0, got nan"),
        (SGDScheduleFree, dict(lr="fast"), HyperparameterTypeError,
         r"lr: expected a number or a tensor, got str"),
    ],
)  # fmt: skip
def test_bad_hyperparameters_are_one_clear_line(cls, kwargs, error, message):
    with pytest.raises(error, match=rf"^{cls.__name__}: {message}") as raised:
        cls([torch.zeros(2, requires_grad=True)], **kwargs)
    assert "\n" not in str(raised.value)
    assert raised.value.hyperparameter == next(iter(kwargs))
