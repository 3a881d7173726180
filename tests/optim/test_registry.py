"""The registry and specs: names, presets, info, torch references and callables."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from descentlab import optim

from .cases import CASES, OWN_SUITES

NAMES = [
    "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "amsgrad",
    "adamw", "adamax", "nadam", "radam", "asgd", "rprop", "lion", "lbfgs", "sparseadam",
    "adafactor", "muon", "muon_adamw", "adamw_schedulefree", "sgd_schedulefree", "prodigy",
]  # fmt: skip
# optimizers whose coordinates interact: a race runs each start on its own
PER_START = {"lbfgs", "adafactor", "muon", "muon_adamw", "prodigy"}


def params():
    return [torch.zeros(2, 2, requires_grad=True)]  # a matrix, which Muon needs


def test_available_lists_every_optimizer_in_order():
    assert optim.available() == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_info_describes_each_optimizer(name):
    entry = optim.info(name)
    assert entry.name == name
    assert issubclass(entry.cls, optim.Optimizer)
    assert entry.defaults["lr"] > 0
    assert set(entry.defaults) == set(entry.hyperparameters)
    assert entry.summary.endswith(".")
    assert "\\theta" in entry.formula
    assert entry.reference
    assert len(entry.colour) == 7 and int(entry.colour[1:], 16) >= 0
    assert entry.elementwise is (name not in PER_START)
    built = optim.create(name, params())
    assert type(built) is entry.cls
    for key, value in entry.defaults.items():
        if name == "lbfgs" and key == "max_eval":  # None means max_iter * 5 // 4, as torch
            assert built.defaults[key] == entry.defaults["max_iter"] * 5 // 4
            continue
        assert built.defaults[key] == value, key


@pytest.mark.parametrize(
    ("name", "cls", "flags"),
    [
        ("momentum", optim.SGD, {"momentum": 0.9, "nesterov": False}),
        ("nesterov", optim.SGD, {"momentum": 0.9, "nesterov": True}),
        ("amsgrad", optim.Adam, {"amsgrad": True}),
        ("adamw", optim.AdamW, {"decoupled_weight_decay": True, "weight_decay": 0.01}),
    ],
)
def test_presets(name, cls, flags):
    optimizer = optim.create(name, params())
    assert type(optimizer) is cls
    for key, value in flags.items():
        assert optimizer.defaults[key] == value


def test_spec_arguments_override_the_preset():
    optimizer = optim.create("momentum(lr=0.1, momentum=0.5)", params())
    assert optimizer.defaults["momentum"] == 0.5 and optimizer.defaults["lr"] == 0.1


def test_spec_with_tuples_and_case():
    spec = optim.parse("  Adam(lr=1e-1,betas=(0.9,0.99), amsgrad=True) ")
    assert spec.name == "adam"
    assert spec.kwargs == {"lr": 0.1, "betas": (0.9, 0.99), "amsgrad": True}
    assert spec.label == "adam(lr=0.1, betas=(0.9, 0.99), amsgrad=True)"
    optimizer = spec.build(params())
    assert optimizer.defaults["betas"] == (0.9, 0.99)
    assert optim.parse(spec) is spec
    assert str(optim.parse("rmsprop")) == "rmsprop"


@pytest.mark.parametrize("text", ["torch.Adam(lr=0.1)", "torch.optim.Adam(lr=0.1)", "torch.adam"])
def test_torch_reference_specs_build_torch_classes(text):
    optimizer = optim.create(text, params())
    assert type(optimizer) is torch.optim.Adam
    assert optim.parse(text).name == "torch.Adam"


def test_torch_specs_reach_optimizers_we_do_not_have():
    assert type(optim.create("torch.LBFGS(lr=0.5)", params())) is torch.optim.LBFGS


def test_callable_specs():
    def sgd_tenth(p):
        return torch.optim.SGD(p, lr=0.1)

    spec = optim.parse(sgd_tenth)
    assert spec.label == "sgd_tenth"
    optimizer = optim.create(sgd_tenth, params())
    assert type(optimizer) is torch.optim.SGD and optimizer.defaults["lr"] == 0.1
    with pytest.raises(TypeError, match=r"returned list, not a torch.optim.Optimizer"):
        optim.create(lambda p: list(p), params())
    with pytest.raises(TypeError, match=r"an optimizer spec is a string .* got int"):
        optim.parse(3)


@pytest.mark.parametrize("name", NAMES)
def test_each_formula_typesets(name):
    """The page and the figures draw the update rule with matplotlib's mathtext."""
    from matplotlib.mathtext import MathTextParser

    width, height, *_ = MathTextParser("path").parse(f"${optim.info(name).formula}$")
    assert width > 100 and height > 5


@pytest.mark.parametrize("name", NAMES)
def test_every_optimizer_has_a_parity_case(name):
    """An optimizer joins the registry only with the cases that prove it equal to its
    reference: in the shared table, or in a suite of its own that steps it against the
    reference class."""
    cls = optim.info(name).cls
    if cls in {case.ours for case in CASES}:
        return
    assert cls.__name__ in OWN_SUITES, f"{name}: no parity case in tests/optim/cases.py"
    suite = Path(__file__).with_name(f"{OWN_SUITES[cls.__name__]}.py").read_text()
    assert "def test_" in suite and cls.__name__ in suite


def test_info_of_unknown_name():
    with pytest.raises(ValueError, match=r"unknown optimizer 'adamm' \(did you mean 'adam'"):
        optim.info("adamm")
