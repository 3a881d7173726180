"""Landscapes typed as text, such as ``"x**2 + 3*sin(y)"``, read through an ast whitelist.

Only numbers, the variables x and y, the constants pi and e, + - * / **, unary
signs and a fixed list of math functions are accepted. The text is parsed once
into a small tree of torch operations; nothing is ever evaluated by Python, and
every number is a float tensor, so ``9**9**9`` is infinity, not a hang.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

import torch
from torch import Tensor

from .landscape import Landscape

MAX_LENGTH = 500
MAX_DEPTH = 40
MAX_NODES = 400

FUNCTIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "sin": torch.sin,
    "cos": torch.cos,
    "tan": torch.tan,
    "asin": torch.asin,
    "acos": torch.acos,
    "atan": torch.atan,
    "sinh": torch.sinh,
    "cosh": torch.cosh,
    "tanh": torch.tanh,
    "exp": torch.exp,
    "log": torch.log,
    "log2": torch.log2,
    "log10": torch.log10,
    "sqrt": torch.sqrt,
    "abs": torch.abs,
}
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLES = ("x", "y")
_LATEX_FUNCTIONS = {
    "asin": r"\arcsin",
    "acos": r"\arccos",
    "atan": r"\arctan",
    "log2": r"\log_2",
    "log10": r"\log_{10}",
}

_BINARY: dict[type, Callable[[Tensor, Tensor], Tensor]] = {
    ast.Add: torch.add,
    ast.Sub: torch.sub,
    ast.Mult: torch.mul,
    ast.Div: torch.div,
    ast.Pow: torch.pow,
}
Evaluator = Callable[[dict[str, Tensor]], Tensor]


def _float_dtype(like: Tensor) -> torch.dtype:
    return like.dtype if like.is_floating_point() else torch.get_default_dtype()


class ExpressionError(ValueError):
    """A landscape expression that is not allowed or cannot be read.

    ``expression`` is the text refused, when the refusal is about the text itself
    (None for a bad domain or start). ``reason`` is what was wrong, and ``allowed``
    what an expression may hold when the text broke that rule (else None); the
    message is both.
    """

    def __init__(
        self, message: str, expression: str | None = None, allowed: str | None = None
    ) -> None:
        super().__init__(f"{message}; {allowed}" if allowed else message)
        self.expression, self.reason, self.allowed = expression, message, allowed

    def __reduce__(self) -> tuple[type, tuple[str, str | None, str | None]]:
        return (type(self), (self.reason, self.expression, self.allowed))


def _allowed() -> str:
    return "allowed: numbers, x, y, pi, e, + - * / **, parentheses and " + ", ".join(
        f"{name}()" for name in FUNCTIONS
    )


class _Compiler:
    """Turns a whitelisted ast into a closure over torch operations."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.variables: set[str] = set()
        self.nodes = 0

    def fail(self, why: str) -> ExpressionError:
        return ExpressionError(f"bad expression {self.text!r}: {why}", self.text, _allowed())

    def compile(self, node: ast.AST, depth: int = 0) -> Evaluator:
        self.nodes += 1
        if depth > MAX_DEPTH or self.nodes > MAX_NODES:
            raise self.fail(f"nested deeper than {MAX_DEPTH} or longer than {MAX_NODES} terms")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, int | float):
                raise self.fail(f"{node.value!r} is not a number")
            try:
                value = float(node.value)
            except OverflowError:  # an integer literal beyond float range
                value = math.inf
            return lambda env: torch.tensor(value, dtype=_float_dtype(env["x"]))
        if isinstance(node, ast.Name):
            if node.id in VARIABLES:
                self.variables.add(node.id)
                name = node.id
                return lambda env: env[name]
            if node.id in CONSTANTS:
                constant = CONSTANTS[node.id]
                return lambda env: torch.tensor(constant, dtype=_float_dtype(env["x"]))
            raise self.fail(f"unknown name {node.id!r}")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            operand = self.compile(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return lambda env: torch.neg(operand(env))
            return operand
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            op = _BINARY[type(node.op)]
            left = self.compile(node.left, depth + 1)
            right = self.compile(node.right, depth + 1)
            return lambda env: op(left(env), right(env))
        if isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
                shown = node.func.id if isinstance(node.func, ast.Name) else "this"
                raise self.fail(f"{shown!r} is not an allowed function")
            if node.keywords or len(node.args) != 1:
                raise self.fail(f"{node.func.id}() takes exactly one argument")
            function = FUNCTIONS[node.func.id]
            argument = self.compile(node.args[0], depth + 1)
            return lambda env: function(argument(env))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitXor):
            raise self.fail("^ is not a power here; write x**2 for x squared")
        raise self.fail(f"{type(node).__name__} is not allowed")


def _latex(node: ast.AST) -> str:
    """A LaTeX rendering of a whitelisted expression (for titles)."""
    if isinstance(node, ast.Constant):
        text = f"{float(node.value):g}" if isinstance(node.value, float) else str(node.value)
        if "e" in text:  # 1e+20 -> 1 \times 10^{20}
            mantissa, exponent = text.split("e")
            return rf"{mantissa} \times 10^{{{int(exponent)}}}"
        return text
    if isinstance(node, ast.Name):
        return {"pi": r"\pi", "e": "e"}.get(node.id, node.id)
    if isinstance(node, ast.UnaryOp):
        inner = _latex(node.operand)
        if isinstance(node.operand, ast.BinOp) and isinstance(node.operand.op, ast.Add | ast.Sub):
            inner = rf"\left({inner}\right)"
        return ("-" if isinstance(node.op, ast.USub) else "+") + inner
    if isinstance(node, ast.Call):
        name = node.func.id  # type: ignore[attr-defined]
        inner = _latex(node.args[0])
        if name == "abs":
            return rf"\left|{inner}\right|"
        if name == "sqrt":
            return rf"\sqrt{{{inner}}}"
        command = _LATEX_FUNCTIONS.get(name, rf"\{name}")
        return rf"{command}\left({inner}\right)"
    assert isinstance(node, ast.BinOp)
    left, right = _latex(node.left), _latex(node.right)
    if isinstance(node.op, ast.Div):
        return rf"\frac{{{left}}}{{{right}}}"
    if isinstance(node.op, ast.Pow):
        base = left if isinstance(node.left, ast.Name | ast.Constant) else rf"\left({left}\right)"
        return f"{base}^{{{right}}}"
    if isinstance(node.op, ast.Mult):
        wrap = [
            rf"\left({s}\right)"
            if (isinstance(n, ast.BinOp) and isinstance(n.op, ast.Add | ast.Sub))
            or isinstance(n, ast.UnaryOp)
            else s
            for s, n in ((left, node.left), (right, node.right))
        ]
        return rf"{wrap[0]}\,{wrap[1]}"
    symbol = "+" if isinstance(node.op, ast.Add) else "-"
    if isinstance(node.right, ast.BinOp) and isinstance(node.right.op, ast.Add | ast.Sub):
        right = rf"\left({right}\right)"
    return f"{left} {symbol} {right}"


def parse_expression(text: str) -> tuple[Evaluator, int, str]:
    """Compile ``text``; return the evaluator, the number of coordinates and LaTeX."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression is text such as 'x**2 + y**2', got {text!r}")
    source = text.strip()
    if not source:
        raise ExpressionError("empty expression; write one in x (and y), e.g. 'x**2 + y**2'", text)
    if len(source) > MAX_LENGTH:
        raise ExpressionError(
            f"bad expression {source[:30] + '...'!r}: longer than {MAX_LENGTH} characters", source
        )
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        why = getattr(error, "msg", None) or type(error).__name__
        raise ExpressionError(f"bad expression {source!r}: {why}", source, _allowed()) from None
    compiler = _Compiler(source)
    try:
        evaluate = compiler.compile(tree.body)
    except RecursionError:
        raise compiler.fail("nested too deeply") from None
    if not compiler.variables:
        raise compiler.fail("it uses neither x nor y")
    dim = 2 if "y" in compiler.variables else 1
    return evaluate, dim, _latex(tree.body)


def from_expression(
    text: str,
    domain: tuple[tuple[float, float], ...] | tuple[float, float] | None = None,
    *,
    start: tuple[float, ...] | None = None,
    name: str | None = None,
) -> Landscape:
    """A landscape from a formula in x (and y).

    ``domain`` is one (low, high) pair per coordinate, or a single pair used for all
    (default (-5, 5)); ``start`` defaults to a point 80% of the way across it.
    """
    evaluate, dim, latex = parse_expression(text)
    domain = _normalise_domain(domain, dim, text)
    if start is None:
        start = tuple(low + 0.8 * (high - low) for low, high in domain)
    try:
        start = tuple(float(v) for v in start)  # type: ignore[union-attr]
    except (TypeError, ValueError):
        raise ExpressionError(f"start must be a point of {dim} number(s), got {start!r}") from None
    inside = all(lo <= v <= hi for v, (lo, hi) in zip(start, domain, strict=False))
    if len(start) != dim or not inside:
        raise ExpressionError(
            f"start {start} must be a point of {dim} coordinate(s) inside the domain {domain}"
        )

    if dim == 1:

        def fn(x: Tensor) -> Tensor:
            return torch.broadcast_to(evaluate({"x": x}), x.shape)

    else:

        def fn(x: Tensor, y: Tensor) -> Tensor:  # type: ignore[misc]
            shape = torch.broadcast_shapes(x.shape, y.shape)
            return torch.broadcast_to(evaluate({"x": x, "y": y}), shape)

    return Landscape(
        name=name or text.strip(),
        fn=fn,
        formula=("f(x) = " if dim == 1 else "f(x, y) = ") + latex,
        domain=domain,
        start=tuple(float(v) for v in start),
        description="A landscape typed as an expression.",
        expression=text.strip(),
    )


def _normalise_domain(domain: object, dim: int, text: str) -> tuple[tuple[float, float], ...]:
    if domain is None:
        return ((-5.0, 5.0),) * dim
    try:
        try:
            pairs = [tuple(float(v) for v in pair) for pair in domain]  # type: ignore[union-attr]
        except TypeError:
            pairs = [tuple(float(v) for v in domain)]  # type: ignore[union-attr]
    except (TypeError, ValueError):
        pairs = []
    if len(pairs) == 1:
        pairs = pairs * dim
    ok = len(pairs) == dim and all(
        len(p) == 2 and math.isfinite(p[0]) and math.isfinite(p[1]) and p[0] < p[1] for p in pairs
    )
    if not ok:
        raise ExpressionError(
            f"domain {domain!r} for {text!r} must be {dim} (low, high) pair(s) of finite "
            "numbers with low < high"
        )
    return tuple(pairs)  # type: ignore[return-value]
