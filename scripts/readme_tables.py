"""Write the README's tables of optimizers, landscapes and tasks from the registries.

    python scripts/readme_tables.py          # rewrite the tables in README.md
    python scripts/readme_tables.py --check  # exit 1 if README.md is out of date

The tables sit between ``<!-- begin NAME -->`` and ``<!-- end NAME -->`` markers.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from descentlab import landscapes, optim
from descentlab.cli.listing import format_defaults, races
from descentlab.train.tasks import SETTINGS

README = Path(__file__).resolve().parents[1] / "README.md"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def optimizers_table() -> str:
    rows = ["| name | class | defaults | races | what it does |", "|---|---|---|---|---|"]
    for name in optim.available():
        entry = optim.info(name)
        defaults = format_defaults(entry)
        rows.append(f"| `{name}` | `{entry.cls.__name__}` | {_cell(defaults)} | {races(entry)} | "
                    f"{_cell(entry.summary)} |")  # fmt: skip
    return "\n".join(rows)


def _point(point: tuple[float, ...]) -> str:
    return "(" + ", ".join(f"{v:.4g}" for v in point) + ")"


def landscapes_table() -> str:
    rows = ["| name | f | domain | minima |", "|---|---|---|---|"]
    for name in landscapes.available():
        land = landscapes.get(name)
        formula = land.formula.split("=", 1)[-1].strip() if "=" in land.formula else land.formula
        domain = " × ".join(f"[{lo:g}, {hi:g}]" for lo, hi in land.domain)
        minima = "; ".join(f"{_point(m.point)} → {m.value:.4g}" for m in land.minima) or "none"
        rows.append(f"| `{name}` | ${_cell(formula)}$ | {domain} | {minima} |")
    return "\n".join(rows)


def tasks_table() -> str:
    rows = ["| name | kind | epochs | batch size | ranked by (target) | what it trains |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for name, settings in SETTINGS.items():
        rows.append(f"| `{name}` | {settings['kind']} | {settings['epochs']} | "
                    f"{settings['batch_size']} | {settings['metric']} ({settings['target']:g}) | "
                    f"{settings['description']} |")  # fmt: skip
    return "\n".join(rows)


TABLES = {"optimizers": optimizers_table, "landscapes": landscapes_table, "tasks": tasks_table}


def render(text: str) -> str:
    """``text`` with every marked table replaced by its current contents."""
    for name, make in TABLES.items():
        pattern = re.compile(rf"(<!-- begin {name} -->\n)(?:.*?\n)?(<!-- end {name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- begin {name} --> ... <!-- end {name} -->")
        text = pattern.sub(lambda m, make=make: m.group(1) + make() + "\n" + m.group(2), text)
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 if stale")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("README.md tables are out of date: run python scripts/readme_tables.py")
            return 1
        return 0
    README.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
