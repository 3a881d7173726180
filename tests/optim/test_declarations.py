"""Each hyperparameter is declared once; signatures, info and checks agree with it."""

from __future__ import annotations

import inspect
import math
import re
from typing import Any

import pytest
import torch
from torch import Tensor

from descentlab import optim
from descentlab.optim.hyper import Range, check_signature, flag, number, pair

CLASSES = sorted({optim.info(name).cls for name in optim.available()}, key=lambda c: c.__name__)
TORCH_ONLY = {"foreach", "capturable", "differentiable", "fused"}


def params() -> list[Tensor]:
    return [torch.zeros(2, 2, requires_grad=True)]  # a matrix, which Muon needs


def signature_defaults(cls: type) -> dict[str, Any]:
    parameters = inspect.signature(cls.__init__).parameters
    return {n: p.default for n, p in parameters.items() if n not in ("self", "params")}


@pytest.mark.parametrize("name", optim.available())
def test_declared_defaults_are_the_signature_and_torch_ones(name):
    entry = optim.info(name)
    declared = {h.name: h.default for h in entry.cls.hyper}
    switches = dict.fromkeys(entry.cls.switches)  # foreach and fused, default None
    assert {**declared, **switches} == signature_defaults(entry.cls)
    assert entry.defaults == {**declared, **entry.preset}
    assert [h.name for h in entry.hyper] == list(entry.hyperparameters) == list(declared)
    theirs = getattr(torch.optim, entry.cls.__name__, None)
    if theirs is not None:  # Lion is not in torch.optim
        torch_defaults = {
            k: v for k, v in signature_defaults(theirs).items() if k not in TORCH_ONLY
        }
        assert declared == torch_defaults


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_flags_and_docstrings_come_from_the_declarations(cls):
    assert cls.flags == tuple(h.name for h in cls.hyper if h.kind == "flag")
    for h in cls.hyper:
        assert isinstance(h.default, bool) == (h.kind == "flag"), h.name
        assert isinstance(h.default, tuple) == (h.kind in ("pair", "tuple")), h.name
        assert isinstance(h.default, int) or h.default is None or h.kind != "integer", h.name
        assert f"{h.name}: {h.allowed}, default {h.default!r}" in cls.__doc__


def _edges(allowed: Range, whole: bool = False) -> list[tuple[float, bool]]:
    """(value, accepted) at and just beyond each finite bound of a range (the next whole
    numbers for a whole-number hyperparameter)."""

    def below(x: float) -> float:
        return x - 1 if whole else math.nextafter(x, -math.inf)

    def above(x: float) -> float:
        return x + 1 if whole else math.nextafter(x, math.inf)

    cast = int if whole else float
    edges = []
    if allowed.low is not None:
        edges.append((cast(allowed.low), not allowed.low_open))
        edges.append((cast(below(allowed.low)), False))
        edges.append((cast(above(allowed.low)), True))
    if allowed.high is not None and math.isfinite(allowed.high):
        edges.append((cast(allowed.high), not allowed.high_open))
        edges.append((cast(above(allowed.high)), False))
        edges.append((cast(below(allowed.high)), True))
    return edges


RANGE_CASES = [
    pytest.param(cls, h, index, value, accepted, id=f"{cls.__name__}-{h.name}[{index}]={value!r}")
    for cls in CLASSES
    for h in cls.hyper
    for index, allowed in enumerate(h.ranges)
    for value, accepted in _edges(allowed, whole=h.kind == "integer")
]


def _given(h: Any, index: int, value: Any, accepted: bool) -> Any:
    """The hyperparameter's value with entry ``index`` set to ``value``."""
    if h.kind in ("number", "integer"):
        return value
    if h.kind == "pair" and accepted and len(set(h.ranges)) == 1:
        return (value, value)  # (x, x), so Rprop's min <= max holds
    return tuple(value if i == index else d for i, d in enumerate(h.default))


@pytest.mark.parametrize(("cls", "h", "index", "value", "accepted"), RANGE_CASES)
def test_each_declared_range_is_enforced(cls, h, index, value, accepted):
    label = h.name if h.kind in ("number", "integer") else f"{h.name}[{index}]"
    given = _given(h, index, value, accepted)
    if accepted:
        optimizer = cls(params(), **{h.name: given})
        assert optimizer.defaults[h.name] == given
        return
    phrase = str(h.ranges[index]).removesuffix(" or None")  # the refusal names the interval
    phrase = f"in {phrase}" if phrase[0] in "[(" else phrase
    message = rf"^{cls.__name__}: {re.escape(label)} must be {re.escape(phrase)}, got "
    with pytest.raises(ValueError, match=message):
        cls(params(), **{h.name: given})
    as_tensor = torch.tensor(value, dtype=torch.float64)
    if h.kind == "integer":  # never a tensor
        with pytest.raises(TypeError, match=rf"{re.escape(label)} must be a whole number"):
            cls(params(), **{h.name: as_tensor})
        return
    tensor_given = (
        as_tensor if h.kind == "number" else (*given[:index], as_tensor, *given[index + 1 :])
    )
    with pytest.raises(ValueError, match=rf"{re.escape(label)} must be .*got a tensor"):
        cls(params(), **{h.name: tensor_given})


CHOICES = [
    pytest.param(cls, h, id=f"{cls.__name__}-{h.name}")
    for cls in CLASSES
    for h in cls.hyper
    if h.kind == "choice"
]


@pytest.mark.parametrize(("cls", "h"), CHOICES)
def test_each_choice_takes_its_options_and_refuses_others(cls, h):
    for option in h.options:
        assert cls(params(), **{h.name: option}).defaults[h.name] == option
    listed = re.escape(", ".join(repr(option) for option in h.options))
    with pytest.raises(ValueError, match=rf"^{cls.__name__}: {h.name} must be one of {listed}"):
        cls(params(), **{h.name: "no_such_option"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (">= 0", Range(low=0.0)),
        ("> 0", Range(low=0.0, low_open=True)),
        ("<= 1", Range(high=1.0)),
        ("[0, 1)", Range(0.0, 1.0, high_open=True)),
        ("(0, 1]", Range(0.0, 1.0, low_open=True)),
        ("[1e-05, 2.5]", Range(1e-5, 2.5)),
    ],
)
def test_ranges_are_written_as_the_messages_say_them(text, expected):
    assert Range.parse(text) == expected
    assert str(expected) == text


def test_a_bad_declaration_is_refused_when_written():
    with pytest.raises(ValueError, match=r"a range is written like '>= 0'"):
        number("lr", 1e-3, "positive")
    with pytest.raises(ValueError, match=r"^a declaration: lr must be >= 0, got -1"):
        number("lr", -1, ">= 0")
    with pytest.raises(ValueError, match=r"^a declaration: betas\[1\] must be in \[0, 1\), got 1"):
        pair("betas", (0.9, 1), "[0, 1)")


def test_a_signature_that_disagrees_with_its_declarations_is_refused():
    class Good(optim.Optimizer):
        hyper = (number("lr", 0.1, ">= 0"), flag("maximize"))

        def __init__(self, params: Any, lr: float = 0.1, *, maximize: bool = False) -> None:
            super().__init__(params, locals())

    check_signature(Good, Good.hyper)
    assert Good(params()).defaults == {"lr": 0.1, "maximize": False}
    with pytest.raises(TypeError, match=r"defaults lr to 0.2, but its declaration says 0.1"):

        class WrongDefault(optim.Optimizer):
            hyper = (number("lr", 0.1, ">= 0"), flag("maximize"))

            def __init__(self, params: Any, lr: float = 0.2, *, maximize: bool = False) -> None:
                super().__init__(params, locals())

    with pytest.raises(TypeError, match=r"takes \(params, lr\), but its declarations say"):

        class Missing(optim.Optimizer):
            hyper = (number("lr", 0.1, ">= 0"), flag("maximize"))

            def __init__(self, params: Any, lr: float = 0.1) -> None:
                super().__init__(params, locals())


def test_the_page_and_the_command_line_can_read_the_declarations():
    rows = {h.name: h.as_dict() for h in optim.info("nesterov").hyper}
    assert rows["momentum"] == {
        "name": "momentum",
        "default": 0.9,
        "kind": "number",
        "ranges": [">= 0"],
        "allowed": "a number >= 0",
    }
    assert rows["nesterov"]["default"] is True and rows["nesterov"]["kind"] == "flag"
    etas = {h.name: h for h in optim.Rprop.hyper}["etas"]
    assert etas.as_dict()["default"] == [0.5, 1.2]
    assert etas.allowed == "a pair of numbers, the first in (0, 1), the second > 1"
    betas = {h.name: h for h in optim.Adam.hyper}["betas"]
    assert betas.allowed == "a pair of numbers in [0, 1)"


def test_a_class_without_declarations_still_passes_its_defaults_dict():
    class Legacy(optim.Optimizer):
        def __init__(self, params: Any, lr: float = 0.1) -> None:
            super().__init__(params, {"lr": lr, "maximize": False})

        def update(self, param, grad, state, group):
            param.sub_(grad, alpha=group["lr"])

    x = torch.ones(2, requires_grad=True)
    x.grad = torch.ones(2)
    Legacy([x]).step()
    torch.testing.assert_close(x.detach(), torch.full((2,), 0.9))


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_the_signature_is_the_declarations_and_takes_arguments_like_torch(cls):
    ours = list(inspect.signature(cls).parameters.values())
    assert [p.name for p in ours] == ["params", *(h.name for h in cls.hyper), *cls.switches]
    keyword_only = [p.name for p in ours if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert keyword_only == [h.name for h in cls.hyper if h.keyword_only] + list(cls.switches)
    theirs = getattr(torch.optim, cls.__name__, None)
    if theirs is not None:  # what ours takes by place, torch takes at the same places
        torch_parameters = list(inspect.signature(theirs).parameters.values())
        by_place = [p.name for p in ours if p.kind is not inspect.Parameter.KEYWORD_ONLY]
        torch_by_place = [p.name for p in torch_parameters if p.kind is not p.KEYWORD_ONLY]
        assert by_place == torch_by_place[: len(by_place)]
        torch_by_name = {p.name for p in torch_parameters if p.kind is p.KEYWORD_ONLY}
        assert torch_by_name - TORCH_ONLY <= set(keyword_only)
    positional = [h for h in cls.hyper if not h.keyword_only]
    values = [h.default for h in positional]
    by_place = cls(params(), *values)
    expected = dict(zip([h.name for h in positional], values, strict=True))
    if theirs is not None:  # as torch keeps them (L-BFGS resolves max_eval=None)
        torch_built = theirs(params(), *values)
        expected = {name: torch_built.defaults[name] for name in expected}
    assert {h.name: by_place.defaults[h.name] for h in positional} == expected
    with pytest.raises(TypeError, match="too many positional arguments"):
        cls(params(), *values, True)


def test_a_misspelt_hyperparameter_is_named_with_its_close_match():
    with pytest.raises(
        TypeError, match=r"Adam has no hyperparameter 'beta' \(did you mean 'betas'"
    ):
        optim.Adam(params(), beta=0.9)
    with pytest.raises(TypeError, match=r"SGD\(\): multiple values for argument 'lr'"):
        optim.SGD(params(), 0.1, lr=0.2)


def test_a_whole_number_given_as_a_float_without_fraction_is_that_int():
    optimizer = optim.LBFGS(params(), history_size=5.0, max_iter=3.0)
    assert (
        optimizer.defaults["history_size"] == 5 and type(optimizer.defaults["history_size"]) is int
    )
    with pytest.raises(TypeError, match=r"^LBFGS: history_size must be a whole number, got 2\.5$"):
        optim.LBFGS(params(), history_size=2.5)
