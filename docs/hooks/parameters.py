"""A griffe extension for the API reference: descentlab's docstrings list parameters
as ``name : what it is`` (the signature holds the types), which numpy style reads as
``name : type``. This moves that text to the description, leaving the type to the
signature's annotation."""

from __future__ import annotations

import re
from typing import Any

import griffe

# a parameters section, up to the next section's underlined heading
SECTION = re.compile(
    r"^(Parameters|Other Parameters)\n-+\n(.*?)(?=\n\S[^\n]*\n-+\n|\Z)", re.S | re.M
)
ENTRY = re.compile(r"^(\w[\w, ]*?) : (.+)$", re.M)


def described(text: str) -> str:
    def section(match: re.Match[str]) -> str:
        body = ENTRY.sub(lambda m: f"{m.group(1)}\n    {m.group(2)}", match.group(2))
        return f"{match.group(1)}\n{'-' * len(match.group(1))}\n{body}"

    return SECTION.sub(section, text)


class DescribedParameters(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = described(obj.docstring.value)
