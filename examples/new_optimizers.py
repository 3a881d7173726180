"""Teaching pictures for the newer optimizer families.

Muon on a 1x2 matrix over the elongated bowl is normalised gradient descent; L-BFGS
on Rosenbrock from (-1.5, 2) with and without its strong-Wolfe line search, every
closure evaluation marked; Prodigy's step-size estimate d on least squares on the
airfoil data, against a scan of Adam's learning rates.

    python examples/new_optimizers.py --out out/
"""

from __future__ import annotations

import argparse
from pathlib import Path

from descentlab.viz import teaching

FIGURES = {
    "muon-normalised": teaching.muon_normalised,
    "lbfgs-line-search": teaching.lbfgs_line_search,
    "prodigy-step-size": teaching.prodigy_step_size,
}


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in FIGURES.items():
        path = out / f"{name}.png"
        draw().savefig(path, dpi=120)
        written.append(path)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    for path in main(parser.parse_args().out):
        print(path)
