"""Search spaces: an optimizer spec whose values may be ranges to search.

``adam(lr=log(1e-4, 1), betas=(uniform(0.8, 0.99), 0.999))`` searches lr on a log
scale and beta1 uniformly, and fixes beta2. A plain ``adam`` searches lr over
DeepOBS's range, 1e-5 to 1e2, on a log scale. The text is read with `ast`; nothing
typed is evaluated.
"""

from __future__ import annotations

import ast
import math
from dataclasses import dataclass, replace
from typing import Any, Literal

from .. import optim
from ..errors import SearchSpaceError
from ..names import unknown

Scale = Literal["log", "uniform", "choice"]
DEFAULT_LR = (1e-5, 1e2)  # DeepOBS's learning-rate range
EXAMPLE = "adam(lr=log(1e-4, 1), betas=(uniform(0.8, 0.99), 0.999))"


@dataclass(frozen=True)
class Dimension:
    """One searched value: ``lr``, or ``betas_0`` for the first entry of a pair."""

    name: str
    hyperparameter: str
    index: int | None
    scale: Scale
    low: float = 0.0
    high: float = 0.0
    choices: tuple[Any, ...] = ()
    whole: bool = False  # a whole-number hyperparameter (L-BFGS's history_size): rounded

    def value(self, u: float) -> Any:
        """The value at ``u`` in [0, 1): log and uniform scales are linear in u there."""
        if self.scale == "choice":
            return self.choices[min(int(u * len(self.choices)), len(self.choices) - 1)]
        if self.scale == "log":
            value = math.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        else:
            value = self.low + u * (self.high - self.low)
        return round(value) if self.whole else value

    def nearest(self, value: Any) -> Any:
        """``value`` if this dimension can take it, else the closest value it can."""
        if self.scale == "choice":
            return value if value in self.choices else self.choices[0]
        if value is None:  # a default of None (max_eval) lies nowhere in a range
            value = self.low
        clipped = min(max(float(value), self.low), self.high)
        return round(clipped) if self.whole else clipped

    def distribution(self) -> Any:
        """The Optuna distribution of this dimension (for the dashboard and TPE)."""
        import optuna

        if self.scale == "choice":
            return optuna.distributions.CategoricalDistribution(list(self.choices))
        if self.whole:
            low, high = math.ceil(self.low), math.floor(self.high)
            return optuna.distributions.IntDistribution(low, high, log=self.scale == "log")
        return optuna.distributions.FloatDistribution(self.low, self.high, log=self.scale == "log")


@dataclass(frozen=True)
class SearchSpace:
    """An optimizer, its fixed hyperparameters and the dimensions searched."""

    text: str
    optimizer: str
    fixed: dict[str, Any]
    dimensions: tuple[Dimension, ...]

    @property
    def label(self) -> str:
        """How results name it: the text as given, without spaces."""
        return "".join(self.text.split())

    def spec(self, params: dict[str, Any]) -> str:
        """The optimizer spec of one trial: the fixed values with ``params`` filled in."""
        values = {k: list(v) if isinstance(v, list) else v for k, v in self.fixed.items()}
        for dimension in self.dimensions:
            value = params[dimension.name]
            if dimension.whole:  # storages may hand whole numbers back as floats
                value = round(value)
            if dimension.index is None:
                values[dimension.hyperparameter] = value
            else:
                values[dimension.hyperparameter][dimension.index] = value
        shown = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        return f"{self.optimizer}({', '.join(f'{k}={v!r}' for k, v in shown.items())})"

    def same_search(self, other: SearchSpace) -> bool:
        """Whether ``other`` searches exactly what this one does (however it is written)."""
        return (self.optimizer, self.fixed, self.dimensions) == (
            other.optimizer,
            other.fixed,
            other.dimensions,
        )

    def defaults(self) -> dict[str, Any]:
        """Each searched dimension at the optimizer's declared default, where the range
        allows it (else at the nearest end of the range, or the first choice)."""
        declared = optim.info(self.optimizer).defaults
        out = {}
        for dimension in self.dimensions:
            value = declared[dimension.hyperparameter]
            value = value if dimension.index is None else value[dimension.index]
            out[dimension.name] = dimension.nearest(value)
        return out


def parse_space(text: str) -> SearchSpace:
    """Read a search space; a one-line `SearchSpaceError` says what is wrong."""
    if not isinstance(text, str) or not text.strip():
        raise SearchSpaceError(str(text), f"a search space is a spec such as {EXAMPLE!r}")
    try:
        node = ast.parse(text.strip(), mode="eval").body
    except SyntaxError:
        raise SearchSpaceError(text, f"not a spec; write it as {EXAMPLE!r}") from None
    name_node, keywords = (node.func, node.keywords) if isinstance(node, ast.Call) else (node, [])
    if not isinstance(name_node, ast.Name) or (isinstance(node, ast.Call) and node.args):
        raise SearchSpaceError(text, f"write it as name(key=value, ...), e.g. {EXAMPLE!r}")
    name = name_node.id.lower()
    if name not in optim.available():
        raise SearchSpaceError(text, unknown("optimizer", name_node.id, optim.available()))
    entry = optim.info(name)
    declared = {h.name: h for h in entry.hyper}
    fixed: dict[str, Any] = {}
    dimensions: list[Dimension] = []
    for keyword in keywords:
        key = keyword.arg
        if key is None or key not in declared:
            raise SearchSpaceError(
                text,
                unknown(
                    "hyperparameter", key, list(declared), owner=name, listed="hyperparameters"
                ),
                hyperparameter=key,
            )
        value = keyword.value
        if isinstance(value, ast.Tuple) and declared[key].kind == "pair":
            items = []
            for index, item in enumerate(value.elts):
                found = _range(text, f"{key}_{index}", key, index, item)
                items.append(None if found else _constant(text, key, item))
                if found:
                    dimensions.append(found)
            fixed[key] = items
        elif found := _range(text, key, key, None, value):
            whole = declared[key].kind == "integer" and found.scale != "choice"
            dimensions.append(replace(found, whole=whole))
        else:
            fixed[key] = _constant(text, key, value)
    if "lr" in declared and "lr" not in fixed and all(d.hyperparameter != "lr" for d in dimensions):
        dimensions.insert(0, Dimension("lr", "lr", None, "log", *DEFAULT_LR))
    space = SearchSpace(text.strip(), name, fixed, tuple(dimensions))
    _check_bounds(space)
    return space


def _range(text: str, name: str, key: str, index: int | None, node: ast.AST) -> Dimension | None:
    """A ``log(a, b)``, ``uniform(a, b)`` or ``choice(v, ...)`` node as a dimension."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
        return None
    scale = node.func.id
    if scale not in ("log", "uniform", "choice") or node.keywords:
        raise SearchSpaceError(
            text,
            f"{key}: a range is log(low, high), uniform(low, high) or choice(a, b, ...)",
            hyperparameter=key,
        )
    values = tuple(_constant(text, key, arg) for arg in node.args)
    if scale == "choice":
        if not values:
            raise SearchSpaceError(text, f"{key}: choice() needs values", hyperparameter=key)
        return Dimension(name, key, index, "choice", choices=values)
    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in values)
    if len(values) != 2 or not numeric or not math.isfinite(sum(values)):
        raise SearchSpaceError(
            text, f"{key}: {scale}() takes two finite numbers, low and high", hyperparameter=key
        )
    low, high = float(values[0]), float(values[1])
    if not low < high or (scale == "log" and low <= 0):
        needs = "0 < low < high" if scale == "log" else "low < high"
        raise SearchSpaceError(
            text, f"{key}: {scale}({low:g}, {high:g}) needs {needs}", hyperparameter=key
        )
    return Dimension(name, key, index, scale, low, high)  # type: ignore[arg-type]


def _constant(text: str, key: str, node: ast.AST) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError):
        raise SearchSpaceError(
            text, f"{key}: {ast.unparse(node)} is neither a value nor a range", hyperparameter=key
        ) from None


def _check_bounds(space: SearchSpace) -> None:
    """Every end of every range must be a value the optimizer takes."""
    for dimension in space.dimensions:
        for end in dimension.choices or (dimension.low, dimension.high):
            try:
                optim.parse(
                    space.spec({**space.defaults(), dimension.name: dimension.nearest(end)})
                )
            except (ValueError, TypeError) as error:
                reason = getattr(error, "reason", str(error))
                raise SearchSpaceError(
                    space.text,
                    f"{dimension.hyperparameter}: {reason}",
                    hyperparameter=dimension.hyperparameter,
                ) from None
