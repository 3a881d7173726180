"""Hyperparameter declarations: each optimizer names each hyperparameter once.

A declaration holds the name, the default, the kind (a number, a tuple of numbers
such as a pair, a whole number, a choice among names, or a True/False switch) and
the allowed range, written as the error message says it (``">= 0"``, ``"> 0"``,
``"[0, 1)"``, ``"> 0 or None"``, ``"[1, inf]"``). The checks, the registry's
defaults and what the command line and the page show are all read from it.
"""

from __future__ import annotations

import inspect
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal

from torch import Tensor

from ..names import unknown
from .validation import Hyper as Value
from .validation import check_choice, check_flag, check_integer, check_range, check_tuple

Kind = Literal["number", "pair", "tuple", "integer", "choice", "flag"]

_NUMBER = r"([-+]?(?:\d+\.?\d*(?:e[-+]?\d+)?|inf))"
_HALF_LINE = re.compile(rf"^(>=|>|<=|<)\s*{_NUMBER}$")
_INTERVAL = re.compile(rf"^([\[(])\s*{_NUMBER}\s*,\s*{_NUMBER}\s*([\])])$")


@dataclass(frozen=True)
class Range:
    """An interval of allowed values. Every entry must also be finite, unless the
    interval is closed at infinity (``"[1, inf]"``); ``or_none`` allows None too."""

    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    or_none: bool = False

    @classmethod
    def parse(cls, text: str) -> Range:
        """Read ``">= 0"``, ``"> 1"``, ``"<= 1"``, ``"[0, 1)"``, ``"(0, 1)"``, ``"[1, inf]"``
        and the like, each optionally followed by ``" or None"``."""
        text = text.strip()
        if text.endswith(" or None"):
            return replace(cls.parse(text.removesuffix(" or None")), or_none=True)
        if text == "finite":
            return cls()
        if match := _HALF_LINE.match(text):
            op, bound = match.group(1), float(match.group(2))
            if op.startswith(">"):
                return cls(low=bound, low_open=op == ">")
            return cls(high=bound, high_open=op == "<")
        if match := _INTERVAL.match(text):
            opening, low, high, closing = match.groups()
            return cls(float(low), float(high), opening == "(", closing == ")")
        raise ValueError(f"a range is written like '>= 0', '> 0' or '[0, 1)', got {text!r}")

    def __str__(self) -> str:
        return f"{self._interval()} or None" if self.or_none else self._interval()

    def _interval(self) -> str:
        if self.low is not None and self.high is not None:
            opening, closing = "(" if self.low_open else "[", ")" if self.high_open else "]"
            return f"{opening}{self.low:g}, {self.high:g}{closing}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {self.high:g}"
        return "finite"

    def check(self, owner: str, name: str, value: Value, hyperparameter: str | None = None) -> None:
        """Raise ValueError naming ``owner`` and ``name`` unless ``value`` is in range;
        ``hyperparameter`` is what the error names (``betas`` for ``betas[1]``)."""
        if value is None and self.or_none:
            return
        if self.high == math.inf and not self.high_open and _is_infinite(value):
            return
        check_range(
            owner,
            name,
            value,
            self.low,
            self.high,
            low_open=self.low_open,
            high_open=self.high_open,
            hyperparameter=hyperparameter,
        )


@dataclass(frozen=True)
class Hyperparameter:
    """One hyperparameter of an optimizer: name, default, kind and allowed range.

    A pair or tuple has one range per entry (``ranges[0]`` for ``betas[0]``); a choice
    has its ``options`` and no range; a flag has neither.
    """

    name: str
    default: Any
    kind: Kind
    ranges: tuple[Range, ...] = ()
    keyword_only: bool = False
    options: tuple[Any, ...] = ()

    def __post_init__(self) -> None:
        self.check("a declaration", self.default)  # a declared default must be allowed

    def check(self, owner: str, value: Any) -> None:
        """Raise ValueError or TypeError, naming ``owner``, unless ``value`` is allowed."""
        if self.kind == "flag":
            check_flag(owner, self.name, value)
        elif self.kind == "choice":
            check_choice(owner, self.name, value, self.options)
        elif self.kind == "integer":
            if not (value is None and self.ranges[0].or_none):
                check_integer(owner, self.name, value)
            self.ranges[0].check(owner, self.name, value)
        elif self.kind == "number":
            self.ranges[0].check(owner, self.name, value)
        else:
            items = check_tuple(owner, self.name, value, len(self.ranges))
            for index, (item, allowed) in enumerate(zip(items, self.ranges, strict=True)):
                allowed.check(owner, f"{self.name}[{index}]", item, self.name)

    def normalise(self, value: Any) -> Any:
        """A pair or tuple given as a list becomes a tuple, as torch's state_dicts hold it;
        a one-element tensor becomes 0-d (``tensor([[0.9]])`` is 0.9), as torch takes it;
        a float with no fraction given for a whole number is that int."""
        if self.kind in ("pair", "tuple") and isinstance(value, tuple | list):
            return tuple(_squeezed(item) for item in value)
        if self.kind == "integer" and isinstance(value, float) and value.is_integer():
            return int(value)  # 5.0 from a grid or a file is 5
        return _squeezed(value) if self.kind == "number" else value

    def with_default(self, default: Any) -> Hyperparameter:
        return replace(self, default=default)

    @property
    def allowed(self) -> str:
        """What values are allowed, in words: ``a number >= 0``, ``True or False``."""
        if self.kind == "flag":
            return "True or False"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(option) for option in self.options)
        if self.kind == "integer":
            return f"a whole number {_phrase(self.ranges[0])}"
        if self.kind == "number":
            return f"a number {_phrase(self.ranges[0])}"
        if self.kind == "tuple":
            return f"{len(self.ranges)} numbers: " + ", ".join(_phrase(r) for r in self.ranges)
        first, second = (_phrase(r) for r in self.ranges)
        if first == second:
            return f"a pair of numbers {first}"
        return f"a pair of numbers, the first {first}, the second {second}"

    def as_dict(self) -> dict[str, Any]:
        """Plain data for a page or a file: name, default, kind, ranges and ``allowed``."""
        default = list(self.default) if isinstance(self.default, tuple) else self.default
        ranges = [str(r) for r in self.ranges]
        described = {"name": self.name, "default": default, "kind": self.kind, "ranges": ranges,
                     "allowed": self.allowed}  # fmt: skip
        if self.kind == "choice":
            described["options"] = list(self.options)
        return described


def _squeezed(value: Any) -> Any:
    if isinstance(value, Tensor) and value.ndim > 0 and value.numel() == 1:
        return value.squeeze()
    return value


def _is_infinite(value: Any) -> bool:
    return isinstance(value, float) and value == math.inf


def _phrase(allowed: Range) -> str:
    text = str(allowed)
    return f"in {text}" if text[0] in "[(" else text


def number(name: str, default: float, allowed: str) -> Hyperparameter:
    """A number (or a tensor of them) in ``allowed``, e.g. ``number("lr", 1e-3, ">= 0")``."""
    return Hyperparameter(name, default, "number", (Range.parse(allowed),))


def pair(
    name: str, default: tuple[float, float], allowed: str, second: str | None = None
) -> Hyperparameter:
    """Two numbers, each in ``allowed`` (the second in ``second`` when given)."""
    ranges = (Range.parse(allowed), Range.parse(second if second is not None else allowed))
    return Hyperparameter(name, default, "pair", ranges)


def numbers(name: str, default: tuple[float, ...], *allowed: str) -> Hyperparameter:
    """A fixed-length tuple of numbers, one range per entry, e.g. Muon's
    ``ns_coefficients``: ``numbers("ns_coefficients", (3.4, -4.8, 2.0), "finite", ...)``."""
    return Hyperparameter(name, default, "tuple", tuple(Range.parse(a) for a in allowed))


def integer(name: str, default: int | None, allowed: str) -> Hyperparameter:
    """A whole number (never a tensor) in ``allowed``, e.g. ``integer("history_size", 100,
    ">= 1")``; ``"... or None"`` allows None as well."""
    return Hyperparameter(name, default, "integer", (Range.parse(allowed),))


def choice(name: str, default: Any, options: tuple[Any, ...]) -> Hyperparameter:
    """One of a few names (None may be one), e.g. LBFGS's ``line_search_fn``."""
    return Hyperparameter(name, default, "choice", options=options)


def flag(name: str, default: bool = False, *, keyword_only: bool = False) -> Hyperparameter:
    """A switch, True or False; ``keyword_only`` ones are given by name only, as torch's
    ``maximize``."""
    return Hyperparameter(name, default, "flag", keyword_only=keyword_only)


ANNOTATIONS = {"number": "float | Tensor", "pair": "tuple[float | Tensor, float | Tensor]",
               "tuple": "tuple[float, ...]", "integer": "int", "choice": "str | None",
               "flag": "bool"}  # fmt: skip


def signature(
    declared: tuple[Hyperparameter, ...], switches: tuple[str, ...] = ()
) -> inspect.Signature:
    """``(self, params, <each hyperparameter with its default>, *, <each switch>=None)``:
    the signature of an optimizer's ``__init__``, read from its declarations and its
    implementation switches (torch's ``foreach`` and ``fused``)."""
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    keyword = inspect.Parameter.KEYWORD_ONLY
    parameters = [inspect.Parameter("self", positional), inspect.Parameter("params", positional)]
    for h in declared:
        kind = keyword if h.keyword_only else positional
        parameters.append(
            inspect.Parameter(h.name, kind, default=h.default, annotation=ANNOTATIONS[h.kind])
        )
    for name in switches:
        parameters.append(inspect.Parameter(name, keyword, default=None, annotation="bool | None"))
    return inspect.Signature(parameters, return_annotation="None")


def declared_init(cls: Any, base_init: Callable[[Any, Any, dict[str, Any]], None]) -> Any:
    """An ``__init__`` for an optimizer class whose signature is its declarations:
    ``Adam(params, lr=1e-3, betas=(0.9, 0.999), ...)``, as `help` and `inspect` show it.
    It binds the arguments as that signature would and hands them to ``base_init``."""
    declared = signature(cls.hyper, cls.switches)
    arguments = declared.replace(parameters=list(declared.parameters.values())[1:])
    names = [h.name for h in cls.hyper] + list(cls.switches)

    def __init__(self: Any, params: Any, *args: Any, **kwargs: Any) -> None:
        for name in kwargs:
            if name not in names:
                raise TypeError(unknown("hyperparameter", name, names, owner=cls.__name__,
                                        listed="hyperparameters"))  # fmt: skip
        try:
            bound = arguments.bind(params, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{cls.__name__}(): {error}") from None
        bound.apply_defaults()
        base_init(self, params, bound.arguments)

    __init__.__signature__ = declared  # type: ignore[attr-defined]
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__doc__ = f"Optimize ``params`` with {cls.__name__}'s hyperparameters."
    return __init__


def check_signature(cls: type, declared: tuple[Hyperparameter, ...]) -> None:
    """Raise TypeError unless ``cls.__init__`` takes ``params`` and then exactly the
    declared hyperparameters, in order, with the declared defaults."""
    parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
    names = [p.name for p in parameters]
    expected = ["params", *(h.name for h in declared)]
    if names != expected:
        raise TypeError(
            f"{cls.__name__}.__init__ takes ({', '.join(names)}), "
            f"but its declarations say ({', '.join(expected)})"
        )
    for p, h in zip(parameters[1:], declared, strict=True):
        if p.default != h.default:
            raise TypeError(
                f"{cls.__name__}.__init__ defaults {p.name} to {p.default!r}, "
                f"but its declaration says {h.default!r}"
            )


def document(doc: str | None, declared: tuple[Hyperparameter, ...]) -> str:
    """A class docstring followed by its hyperparameters, as `help()` shows them."""
    lines = [f"    {h.name}: {h.allowed}, default {h.default!r}" for h in declared]
    head = inspect.cleandoc(doc or "")
    return (
        f"{head}\n\nHyperparameters (numbers may be tensors broadcastable to the parameter):\n\n"
        + "\n".join(lines)
    )
