"""Optimizer specs: ``"adam(lr=0.1)"``, ``"torch.Adam(lr=0.1)"`` or a callable.

Spec strings are parsed with `ast` and their values read with `ast.literal_eval`;
nothing a user types is ever evaluated.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from ..names import suggest, unknown
from .registry import available, hyperparameter_names, info

MAX_SPEC_LENGTH = 1000

Factory = Callable[[Any], torch.optim.Optimizer]


def _torch_classes() -> dict[str, type[torch.optim.Optimizer]]:
    return {
        name.lower(): cls
        for name, cls in vars(torch.optim).items()
        if isinstance(cls, type)
        and issubclass(cls, torch.optim.Optimizer)
        and cls is not torch.optim.Optimizer
    }


@dataclass(frozen=True)
class OptimizerSpec:
    """A parsed spec: which class, with which keyword arguments, and a label."""

    name: str
    cls: type[torch.optim.Optimizer] | None
    kwargs: dict[str, Any] = field(default_factory=dict, hash=False)
    preset: dict[str, Any] = field(default_factory=dict, hash=False)
    factory: Factory | None = None

    @property
    def label(self) -> str:
        """The spec written back canonically, e.g. ``adam(lr=0.1)``."""
        if not self.kwargs:
            return self.name
        args = ", ".join(f"{key}={_written(value)}" for key, value in self.kwargs.items())
        return f"{self.name}({args})"

    def build(self, params: Any) -> torch.optim.Optimizer:
        """Create the optimizer over ``params`` (anything torch.optim accepts)."""
        if self.factory is not None:
            optimizer = self.factory(params)
            if not isinstance(optimizer, torch.optim.Optimizer):
                raise TypeError(
                    f"optimizer factory {self.name!r} returned {type(optimizer).__name__}, "
                    "not a torch.optim.Optimizer"
                )
            return optimizer
        if self.cls is None:
            raise TypeError(f"optimizer spec {self.name!r} has neither a class nor a factory")
        return self.cls(params, **{**self.preset, **self.kwargs})

    def __str__(self) -> str:
        return self.label


def _written(value: Any) -> str:
    """A value as a spec writes it: ``inf`` for infinity, else its repr."""
    if isinstance(value, tuple):
        inner = ", ".join(_written(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return "inf" if isinstance(value, float) and value == math.inf else repr(value)


def _malformed(
    text: str,
    why: str,
    what: str = "optimizer spec",
    example: str = "adam(lr=0.1, betas=(0.9, 0.99))",
) -> ValueError:
    return ValueError(
        f"malformed {what} {text!r}: {why}; expected name(key=value, ...), for example {example!r}"
    )


def _dotted_name(node: ast.expr, text: str, what: str, example: str) -> str:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        raise _malformed(
            text, "the name must be a plain word such as adam or torch.Adam", what, example
        )
    parts.append(node.id)
    return ".".join(reversed(parts))


_REFUSED = object()


def _plain_literal(value: Any) -> Any:
    """Numbers, booleans, None and names such as 'strong_wolfe', or tuples of them
    (lists become tuples); else _REFUSED."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, tuple | list):
        items = [_plain_literal(item) for item in value]
        return _REFUSED if any(item is _REFUSED for item in items) else tuple(items)
    return _REFUSED


class _Infinity(ast.NodeTransformer):
    """``inf`` in a spec is the number (Prodigy's ``growth_rate=inf``)."""

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.Constant(math.inf) if node.id == "inf" else node


def _literal(node: ast.expr, key: str, text: str, what: str, example: str) -> Any:
    try:
        value = _plain_literal(ast.literal_eval(_Infinity().visit(node)))
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        value = _REFUSED
    if value is _REFUSED and isinstance(node, ast.Name):
        raise _malformed(
            text,
            f"{key}={node.id}: {node.id} is not a value; a name is written in quotes "
            f"({key}={node.id!r}), a number in digits",
            what,
            example,
        )
    if value is _REFUSED:
        raise _malformed(
            text,
            f"the value of {key} must be a number, True/False, None, a quoted name, "
            "or a tuple of them",
            what,
            example,
        )
    return value


def _resolve(dotted: str) -> tuple[str, type[torch.optim.Optimizer], dict[str, Any]]:
    """Map a written name to (canonical name, class, preset)."""
    parts = dotted.split(".")
    if parts[0] == "torch":
        if parts[1:2] == ["optim"]:
            parts = parts[1:]
        if len(parts) != 2:
            raise ValueError(
                f"unknown torch optimizer {dotted!r}; write torch.<Class>, e.g. torch.Adam"
            )
        classes = _torch_classes()
        key = parts[1].lower()
        if key not in classes:
            names = sorted(cls.__name__ for cls in classes.values())
            hint = suggest(parts[1], names)
            raise ValueError(
                f"unknown torch optimizer {dotted!r}{hint}; available: {', '.join(names)}"
            )
        cls = classes[key]
        return f"torch.{cls.__name__}", cls, {}
    if len(parts) != 1:
        raise ValueError(
            f"unknown optimizer {dotted!r}; write a registry name such as adam, "
            "or torch.<Class> for torch's own"
        )
    entry = info(dotted)
    return entry.name, entry.cls, dict(entry.preset)


def parse_call(
    text: str, what: str = "optimizer spec", example: str = "adam(lr=0.1, betas=(0.9, 0.99))"
) -> tuple[str, dict[str, Any]]:
    """Read ``name(key=value, ...)`` (or a bare name) into the dotted name and kwargs."""
    source = text.strip()
    if not source:
        raise ValueError(f"empty {what}; expected name(key=value, ...), for example {example!r}")
    if len(source) > MAX_SPEC_LENGTH:
        raise _malformed(
            source[:40] + "...", f"longer than {MAX_SPEC_LENGTH} characters", what, example
        )
    try:
        node = ast.parse(source, mode="eval").body
    except (SyntaxError, ValueError, MemoryError, RecursionError) as error:
        why = getattr(error, "msg", None) or str(error) or type(error).__name__
        raise _malformed(source, why, what, example) from None
    if not isinstance(node, ast.Call):
        return _dotted_name(node, source, what, example), {}
    if node.args:
        raise _malformed(source, f"arguments must be named, as in {example}", what, example)
    kwargs: dict[str, Any] = {}
    for keyword in node.keywords:
        if keyword.arg is None:
            raise _malformed(source, "** is not allowed", what, example)
        if keyword.arg in kwargs:
            raise _malformed(source, f"{keyword.arg} is given twice", what, example)
        kwargs[keyword.arg] = _literal(keyword.value, keyword.arg, source, what, example)
    return _dotted_name(node.func, source, what, example), kwargs


def parse(spec: str | OptimizerSpec | Factory) -> OptimizerSpec:
    """Parse a spec string, or wrap a callable ``params -> Optimizer``."""
    if isinstance(spec, OptimizerSpec):
        return spec
    if callable(spec) and not isinstance(spec, str):
        name = getattr(spec, "__name__", None) or type(spec).__name__
        return OptimizerSpec(name=name, cls=None, factory=spec)
    if not isinstance(spec, str):
        raise TypeError(
            f"an optimizer spec is a string such as 'adam(lr=0.1)' or a callable, "
            f"got {type(spec).__name__}"
        )
    if not spec.strip():
        raise ValueError(f"empty optimizer spec; available: {', '.join(available())}")
    dotted, kwargs = parse_call(spec)
    name, cls, preset = _resolve(dotted)
    accepted = hyperparameter_names(cls) + getattr(cls, "switches", ())  # fused=True too
    for key in kwargs:
        if key not in accepted:
            raise TypeError(
                unknown("hyperparameter", key, list(accepted), owner=name, listed="accepted")
            )
    spec = OptimizerSpec(name=name, cls=cls, kwargs=kwargs, preset=preset)
    spec.build([torch.zeros(1, 1, requires_grad=True)])  # range errors now, not at first use
    return spec


def unique_labels(specs: list[OptimizerSpec]) -> list[str]:
    """Each spec's label, numbered (``adam #2``) where the same spec comes again."""
    labels: list[str] = []
    for spec in specs:
        label, n = spec.label, 2
        while label in labels:
            label, n = f"{spec.label} #{n}", n + 1
        labels.append(label)
    return labels


def create(spec: str | OptimizerSpec | Factory, params: Any) -> torch.optim.Optimizer:
    """Build an optimizer from a spec over ``params``, e.g.
    ``create("adam(lr=0.1, betas=(0.9, 0.99))", model.parameters())``."""
    return parse(spec).build(params)
