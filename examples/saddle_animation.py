"""The lecture's 3-D saddle animation: five optimizers leaving f = -x^2/2 + y^2.

Start (1e-5, 0.5), 100 steps, learning rate 0.05: plain SGD barely leaves the
saddle, momentum and the adaptive methods escape along x.

    python examples/saddle_animation.py --out out/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import descentlab as dl
from descentlab import viz

OPTIMIZERS = [
    "sgd(lr=0.05)",
    "momentum(lr=0.05, momentum=0.9)",
    "adagrad(lr=0.05)",
    "rmsprop(lr=0.05, alpha=0.9)",
    "adam(lr=0.05, betas=(0.9, 0.99))",
]


def main(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    race = dl.run("cs231n-saddle", OPTIMIZERS, starts=[(1e-5, 0.5)], steps=100)
    written = []
    for view, name in (("surface", "saddle-surface"), ("contour", "saddle-top"),
                       ("both", "saddle-both")):  # fmt: skip
        animation = viz.animate(race, view, fps=20)
        written += [animation.save(out / f"{name}.gif"), animation.save(out / f"{name}.mp4")]
    interactive = out / "saddle-interactive.html"
    viz.interactive(race, kind="surface").write_html(interactive)
    return [*written, interactive]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("out"))
    for path in main(parser.parse_args().out):
        print(path)
