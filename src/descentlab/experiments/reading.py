"""Reading an experiment from plain data (options, TOML, a sidecar): the model checked
whole, and its first refusal as one `SettingError` naming the setting."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from ..errors import SettingError
from ..names import unknown
from .fields import GridValues
from .models import KINDS, WHAT, Experiment


def read(data: Any, file: str | None = None) -> Experiment:
    """The experiment ``data`` describes (its ``kind`` picks the model).

    Raises `SettingError` for a missing, unknown or out-of-range setting, with
    ``file`` recorded when the data came from one.
    """
    if not isinstance(data, dict):
        raise SettingError(None, "an experiment is a table of settings", file)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise SettingError("kind", f"kind must be one of {', '.join(KINDS)}, got {kind!r}", file)
    model = KINDS[kind]
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        raise refusal(model, invalid.errors()[0], file) from None


def refusal(model: type[Experiment], error: Any, file: str | None = None) -> SettingError:
    """One pydantic error of ``model`` as a `SettingError` in the project's words."""
    location = _location(error["loc"])
    original = error.get("ctx", {}).get("error")
    if isinstance(original, SettingError):
        return SettingError(original.setting, original.reason, file)
    kind = model.model_fields["kind"].default
    if error["type"] == "extra_forbidden":
        key = str(error["loc"][-1])
        fields = [name for name in model.model_fields if name != "kind"]
        return SettingError(key, unknown("setting", key, fields, owner=f"a {kind}",
                                         listed="settings"), file)  # fmt: skip
    if error["type"] == "missing":
        return SettingError(location, f"{WHAT[kind]} needs {location!r}", file)
    if _union_member(error["loc"]):  # neither of a union's kinds: say what both allow
        field = model.model_fields[str(error["loc"][0])]
        described = GridValues.__metadata__[0].description if error["loc"][0] == "grid" else None
        wanted = described or field.description or "of another kind"
        return SettingError(location, f"{location} must be {wanted[:1].lower()}{wanted[1:]}"
                                      f", got {error['input']!r}", file)  # fmt: skip
    if isinstance(original, ValueError):
        return SettingError(location or None, str(original), file)
    return SettingError(location, f"{location} {_reason(error)}, got {error['input']!r}", file)


def _union_member(parts: tuple[Any, ...]) -> bool:
    last = str(parts[-1]) if parts else ""
    return last in ("str", "int", "float") or last.startswith("list[")


def _location(parts: tuple[Any, ...]) -> str:
    """("optimizers", 1) as "optimizers[1]"; ("grid", "lr") as "grid.lr"."""
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif not str(part).startswith(("function-", "union[", "list[", "str")):
            text += f".{part}" if text else str(part)
    return text


REASONS = {
    "greater_than_equal": "must be >= {ge}",
    "greater_than": "must be > {gt}",
    "less_than_equal": "must be <= {le}",
    "less_than": "must be < {lt}",
    "int_type": "must be a whole number",
    "float_type": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a table of name = values",
    "literal_error": "must be one of {expected}",
    "too_short": "must hold at least {min_length}",
    "too_long": "must hold at most {max_length}",
    "string_too_short": "must not be empty",
}


def _reason(error: Any) -> str:
    template = REASONS.get(error["type"])
    if template is None:
        message = str(error["msg"])
        return "is refused: " + message[:1].lower() + message[1:]
    bounds = {k: f"{v:g}" if isinstance(v, float) else v for k, v in error.get("ctx", {}).items()}
    return template.format(**bounds)
