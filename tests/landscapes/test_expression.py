"""Typed landscapes: the ast whitelist, hostile input, and a fuzz test."""

from __future__ import annotations

import contextlib
import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from descentlab import landscapes
from descentlab.landscapes import ExpressionError, from_expression


def test_an_expression_is_a_landscape():
    land = landscapes.get("x**2 + 3*sin(y)")
    assert land.dim == 2 and land.domain == ((-5.0, 5.0), (-5.0, 5.0))
    x, y = torch.tensor([1.0, 2.0]), torch.tensor([0.5, -1.0])
    torch.testing.assert_close(land(x, y), x**2 + 3 * torch.sin(y))
    gx, gy = land.gradient(x, y)
    torch.testing.assert_close(gx, 2 * x)
    torch.testing.assert_close(gy, 3 * torch.cos(y))
    assert land.formula == r"f(x, y) = x^{2} + 3\,\sin\left(y\right)"


def test_one_variable_is_one_dimensional_and_options_apply():
    land = from_expression("x*cos(pi*x)", domain=(-1.5, 2.0), start=(-1.0,))
    assert land.dim == 1 and land.domain == ((-1.5, 2.0),) and land.start == (-1.0,)
    assert land(torch.tensor(1.0)).item() == pytest.approx(-1.0)
    constant = from_expression("x*0 + 2")
    assert constant(torch.zeros(3)).tolist() == [2.0, 2.0, 2.0]


def test_all_functions_and_constants():
    land = from_expression(
        "sin(x)+cos(x)+tan(x/9)+asin(x/9)+acos(x/9)+atan(x)+sinh(x)+cosh(x)+tanh(x)"
        "+exp(x)+log(x+9)+log2(x+9)+log10(x+9)+sqrt(x+9)+abs(x)+pi+e-+x"
    )
    value = land(torch.tensor(0.5, dtype=torch.float64)).item()
    v = 0.5
    expected = (
        math.sin(v) + math.cos(v) + math.tan(v / 9) + math.asin(v / 9) + math.acos(v / 9)
        + math.atan(v) + math.sinh(v) + math.cosh(v) + math.tanh(v) + math.exp(v)
        + math.log(v + 9) + math.log2(v + 9) + math.log10(v + 9) + math.sqrt(v + 9) + abs(v)
        + math.pi + math.e - v
    )  # fmt: skip
    assert value == pytest.approx(expected)


HOSTILE = [
    "__import__('os')",
    "__import__('os').system('echo pwned')",
    "x.__class__",
    "x.__class__.__bases__[0].__subclasses__()",
    "lambda: x",
    "[x for x in (1, 2)]",
    "{x: 1}",
    "x[0]",
    "y.real",
    "open('/etc/passwd')",
    "eval('1')",
    "exec('x=1')",
    "sin(x, y)",
    "sin(x=1)",
    "x if y else 1",
    "x < y",
    "x and y",
    "x @ y",
    "x // y",
    "x % 2",
    "'text'",
    "b'bytes' + x",
    "x + True",
    "1j * x",
    "z + 1",
    "(x := 2)",
    "x; y",
    "9**9**9",
    "(" * 100_000 + "x" + ")" * 100_000,
    "-" * 100_000 + "x",
    "sin(" * 41 + "x" + ")" * 41,
    "",
    "   ",
    "x +",
]


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: t[:30])
def test_hostile_input_is_refused_before_it_is_evaluated(text, capsys):
    with pytest.raises(ValueError, match=r"expression"):
        from_expression(text)
    assert capsys.readouterr().out == ""


def test_huge_exponents_are_infinite_not_a_hang():
    land = from_expression("x + 9**9**9")  # Python's int power would run for ages
    assert math.isinf(land(torch.tensor(1.0)).item())


@pytest.mark.parametrize(
    ("domain", "message"),
    [((1, -1), r"low < high"), (((0, 1), (0, 1), (0, 1)), r"must be 2 \(low, high\) pair"),
     ((0, float("inf")), "finite")],
)  # fmt: skip
def test_bad_domains(domain, message):
    with pytest.raises(ExpressionError, match=message):
        from_expression("x + y", domain=domain)


ATOMS = st.sampled_from(["x", "y", "pi", "e", "1", "2.5", "0", "1e308", "sin", "(", ")", "**",
                         "*", "+", "-", "/", "__", ".", "[", "]", ",", "lambda", ":", "import",
                         "os", "'", "exp", "log", " "])  # fmt: skip


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.lists(ATOMS, max_size=25).map("".join))
def test_fuzz_only_valid_expressions_pass_and_they_evaluate(text):
    try:
        land = from_expression(text)
    except ExpressionError as error:
        assert str(error).count("\n") == 0
        return
    points = [torch.linspace(-2, 2, 7, dtype=torch.float64) for _ in range(land.dim)]
    value = land(*points)
    assert value.shape == (7,)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=60))
def test_fuzz_arbitrary_text_never_escapes_as_another_error(text):
    with contextlib.suppress(ExpressionError):
        from_expression(text)


def test_caret_gets_a_hint_and_huge_literals_are_infinite():
    with pytest.raises(ExpressionError, match=r"\^ is not a power here; write x\*\*2"):
        from_expression("x^2 + y")
    assert math.isinf(from_expression("1" + "0" * 400 + " * x")(torch.tensor(1.0)).item())


@pytest.mark.parametrize(
    ("text", "latex"),
    [
        ("-(x + y)", r"-\left(x + y\right)"),
        ("x*-y", r"x\,\left(-y\right)"),
        ("1e20*x", r"1 \times 10^{20}\,x"),
        ("(x - 1)**2 / y", r"\frac{\left(x - 1\right)^{2}}{y}"),
        ("log10(x) + abs(y)", r"\log_{10}\left(x\right) + \left|y\right|"),
    ],
)
def test_latex(text, latex):
    assert from_expression(text).formula.split(" = ", 1)[1] == latex


def test_integer_inputs_are_evaluated_in_floating_point():
    assert from_expression("x**2 + 0.5")(torch.tensor([1])).tolist() == [1.5]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (dict(domain=5), r"must be 1 \(low, high\) pair"),
        (dict(start=5), r"start must be a point of 1 number"),
        (dict(start=(9.0,)), r"inside the domain"),
        (dict(start=(float("nan"),)), r"inside the domain"),
    ],
)
def test_bad_options(options, message):
    with pytest.raises(ExpressionError, match=message):
        from_expression("x", **options)
