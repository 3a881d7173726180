"""Names looked up in a table: close matches and the one-line refusal.

This module imports nothing from descentlab, so every layer may use it.
"""

from __future__ import annotations

from collections.abc import Sequence
from difflib import get_close_matches


def _edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: edits, counting a swap of neighbours as one."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            rows[i][j] = min(rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[len(a)][len(b)]


def suggest(name: str, choices: Sequence[str]) -> str:
    """' (did you mean X?)' for the closest choices, or '' when none is close."""
    close = get_close_matches(name, list(choices), n=6, cutoff=0.6)
    close.sort(key=lambda choice: _edit_distance(name.lower(), choice.lower()))
    matches = close[:3]
    return f" (did you mean {' or '.join(repr(m) for m in matches)}?)" if matches else ""


def unknown(
    what: str,
    name: object,
    choices: Sequence[str],
    *,
    key: str | None = None,
    owner: str | None = None,
    listed: str = "available",
    hint: str = "",
) -> str:
    """The refusal of a name not in ``choices``, close matches and the list included.

    ``"unknown task 'airfoyl' (did you mean 'airfoil'?); available: airfoil, digits"``,
    or with ``owner``: ``"a race has no setting 'step' (did you mean 'steps'?); ..."``.
    ``key`` is the form of the name that is matched (lower-cased, say); ``hint`` is
    appended after the list.
    """
    matched = str(name) if key is None else key
    head = f"unknown {what}" if owner is None else f"{owner} has no {what}"
    return f"{head} {name!r}{suggest(matched, choices)}; {listed}: {', '.join(choices)}{hint}"
