"""LaTeX formulas as SVG, typeset by matplotlib's mathtext (nothing loaded from the web).

An update rule written as several equations joined by ``\\quad`` is set one equation
per line, so it fits a narrow column.
"""

from __future__ import annotations

import io
import re
import threading
from functools import lru_cache

import matplotlib as mpl
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.mathtext import MathTextParser

INK = "#1f2937"
LINE_GAP = 6.0  # points between lines
_LOCK = threading.Lock()  # matplotlib's rc settings are global
_BREAK = re.compile(r",?\\quad\s*|\\ \\ ")
_LEFT, _RIGHT = re.compile(r"\\left(?![A-Za-z])"), re.compile(r"\\right(?![A-Za-z])")


def split_lines(latex: str) -> list[str]:
    """The top-level equations of a formula: breaks at ``\\quad`` and ``\\ \\ `` outside
    braces and \\left ... \\right pairs."""
    lines, start, depth, i = [], 0, 0, 0
    while i < len(latex):
        if _LEFT.match(latex, i):
            depth += 1
        elif _RIGHT.match(latex, i):
            depth -= 1
        elif latex[i] == "{":
            depth += 1
        elif latex[i] == "}":
            depth -= 1
        elif latex[i] in ",\\" and depth == 0:
            match = _BREAK.match(latex, i)
            if match:
                lines.append(latex[start:i])
                start = i = match.end()
                continue
        i += 1
    lines.append(latex[start:])
    return [line.strip() for line in lines if line.strip()]


def wrap_sum(latex: str, limit: int = 40) -> str:
    """A long ``f(...) = a + b - c`` with its top-level terms packed into lines of at
    most ``limit`` characters (joined by ``\\quad``, where `split_lines` breaks)."""
    if len(latex) <= limit or "=" not in latex:
        return latex
    head = latex.index("=") + 1
    cuts, depth, i = [], 0, head
    while i < len(latex):
        if _LEFT.match(latex, i) or latex[i] in "([{":
            depth += 1
        elif _RIGHT.match(latex, i) or latex[i] in ")]}":
            depth -= 1
        elif depth == 0 and latex.startswith((" + ", " - "), i):
            cuts.append(i)
        i += 1
    if not cuts:
        return latex
    lines, start = [], 0
    for cut, after in zip(cuts, [*cuts[1:], len(latex)], strict=True):
        if after - start > limit and cut > start:
            lines.append(latex[start:cut].strip())
            start = cut
    lines.append(latex[start:].strip())
    return r"\quad ".join(lines)


@lru_cache(maxsize=256)
def formula_svg(latex: str, size: float = 13.0) -> bytes:
    """A formula (without dollar signs) typeset as a standalone SVG of glyph paths."""
    texts = [f"${line}$" for line in split_lines(latex)] or ["$ $"]
    with _LOCK, mpl.rc_context({"mathtext.fontset": "cm", "svg.fonttype": "path"}):
        prop = FontProperties(size=size)
        parser = MathTextParser("path")
        boxes = []
        for text in texts:
            try:
                width, height, depth, _, _ = parser.parse(text, dpi=72, prop=prop)
            except ValueError as error:
                first = (str(error).strip().splitlines() or ["unreadable"])[0]
                raise ValueError(f"cannot typeset the formula: {first}") from None
            boxes.append((width, height, depth))
        total_width = max(b[0] for b in boxes) + 2
        total_height = sum(b[1] for b in boxes) + LINE_GAP * (len(boxes) - 1) + 2
        figure = Figure(figsize=(total_width / 72, total_height / 72))
        top = total_height - 1
        for text, (_, height, depth) in zip(texts, boxes, strict=True):
            baseline = top - height + depth
            figure.text(1 / total_width, baseline / total_height, text, fontproperties=prop,
                        color=INK)  # fmt: skip
            top -= height + LINE_GAP
        buffer = io.BytesIO()
        figure.savefig(buffer, format="svg", dpi=72, transparent=True, metadata={"Date": None})
    return buffer.getvalue()
