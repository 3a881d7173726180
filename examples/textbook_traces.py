"""The textbook's learning-rate pictures.

1-D: gradient descent on x^2 from x = 10 with eta 0.2 (converges), 0.05 (slowly)
and 1.1 (diverges). 2-D: gd, momentum, adagrad, rmsprop, adadelta and adam on the
elongated bowl 0.1 x^2 + 2 y^2 from (-5, -2).

    python examples/textbook_traces.py --out out/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

import descentlab as dl
from descentlab import viz

BOWL = [
    "sgd(lr=0.4)",
    "momentum(lr=0.4, momentum=0.5)",
    "adagrad(lr=0.4)",
    "rmsprop(lr=0.4, alpha=0.9)",
    "adadelta(lr=1.0, rho=0.9)",
    "adam(lr=0.4)",
]


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    line = dl.run("parabola", ["sgd(lr=0.2)", "sgd(lr=0.05)", "sgd(lr=1.1)"],
                  starts=[(10.0,)], steps=10, dtype=torch.float64)  # fmt: skip
    bowl = dl.run("elongated-bowl", BOWL, starts=[(-5.0, -2.0)], steps=20, dtype=torch.float64)
    written = []
    for race, name in ((line, "textbook-1d"), (bowl, "textbook-2d")):
        path = out / f"{name}.png"
        viz.trace(race).savefig(path, dpi=120)
        written.append(path)
    weights = out / "momentum-weights.png"
    viz.ema_weights().savefig(weights, dpi=120)
    return [*written, weights]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    for path in main(parser.parse_args().out):
        print(path)
