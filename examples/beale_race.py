"""The lecture's contour race on Beale: seven optimizers from (1, 1.5).

python examples/beale_race.py --out out/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import descentlab as dl
from descentlab import viz

OPTIMIZERS = [
    "sgd(lr=1e-3)",
    "momentum(lr=1e-3)",
    "nesterov(lr=1e-3)",
    "adagrad(lr=0.5)",
    "adadelta(lr=1.0)",
    "rmsprop(lr=0.01)",
    "adam(lr=0.1)",
]


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    race = dl.run("beale", OPTIMIZERS, starts=[(1.0, 1.5)], steps=300)
    gif = viz.animate(race, "contour", fps=25, duration=8).save(out / "beale-race.gif")
    still = out / "beale-race.png"
    viz.trace(race).savefig(still, dpi=120)
    curves = out / "beale-loss.png"
    viz.loss_curves(race, gap=True).savefig(curves, dpi=120)
    return [gif, still, curves]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    for path in main(parser.parse_args().out):
        print(path)
