"""Rendering speed of animations: ours against matplotlib's FuncAnimation.save.

The same scenes (the lecture's 3-D saddle race: 5 optimizers, 100 steps, at the default size;
and the Beale contour race) are written as GIF and MP4 by `viz.animate(...).save`
and by `FuncAnimation(...).save` with Pillow and ffmpeg writers, interleaved
round by round. Prints median seconds, file sizes and the speed-ups.

    python bench/render.py --rounds 3
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import imageio_ffmpeg
import matplotlib
from matplotlib.animation import FFMpegWriter, FuncAnimation, PillowWriter
from rich.console import Console

import descentlab as dl
from descentlab import viz

matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()

SADDLE = ["sgd(lr=0.05)", "momentum(lr=0.05)", "adagrad(lr=0.05)",
          "rmsprop(lr=0.05, alpha=0.9)", "adam(lr=0.05, betas=(0.9, 0.99))"]  # fmt: skip
BEALE = ["sgd(lr=1e-3)", "momentum(lr=1e-3)", "nesterov(lr=1e-3)", "adagrad(lr=0.5)",
         "adadelta", "rmsprop(lr=0.01)", "adam(lr=0.1)"]  # fmt: skip
TARGETS = {"surface": 15.0, "contour": 5.0}  # the lecture saddle: 15x


def funcanimation_save(animation: viz.Animation, path: Path) -> None:
    """The same scene, animated the usual way: FuncAnimation redrawing every frame."""
    fig, artists, update = animation._scene()
    for artist in artists:
        artist.set_animated(False)
    anim = FuncAnimation(fig, lambda i: update(int(animation.steps[i])),
                         frames=len(animation.steps), blit=False)  # fmt: skip
    writer = (
        PillowWriter(fps=animation.fps)
        if path.suffix == ".gif"
        else FFMpegWriter(fps=animation.fps, codec="libx264", extra_args=["-pix_fmt", "yuv420p"])
    )
    anim.save(path, writer=writer, dpi=animation.dpi)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    console = Console(width=110)
    scenes = {
        "surface": viz.animate(dl.run("cs231n-saddle", SADDLE, steps=99), "surface"),
        "contour": viz.animate(dl.run("beale", BEALE, starts=[(1.0, 1.5)], steps=99), "contour"),
    }
    times: dict[tuple[str, str, str], list[float]] = {}
    sizes: dict[tuple[str, str, str], int] = {}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):
            for scene, animation in scenes.items():
                for suffix in (".gif", ".mp4"):
                    for who in ("ours", "FuncAnimation"):
                        path = Path(folder) / f"{scene}-{who}{suffix}"
                        start = time.perf_counter()
                        if who == "ours":
                            animation.save(path)
                        else:
                            funcanimation_save(animation, path)
                        times.setdefault((scene, suffix, who), []).append(
                            time.perf_counter() - start
                        )
                        sizes[scene, suffix, who] = path.stat().st_size
    width, height = scenes["surface"].size
    console.print(f"100 frames, {width}x{height}, median of {args.rounds} interleaved rounds")
    for scene in scenes:
        for suffix in (".gif", ".mp4"):
            ours = statistics.median(times[scene, suffix, "ours"])
            theirs = statistics.median(times[scene, suffix, "FuncAnimation"])
            mb = {who: sizes[scene, suffix, who] / 1e6 for who in ("ours", "FuncAnimation")}
            console.print(
                f"{scene:8s} {suffix}: ours {ours:6.2f} s ({mb['ours']:.2f} MB)"
                f"  FuncAnimation.save {theirs:6.2f} s ({mb['FuncAnimation']:.2f} MB)"
                f"  speed-up {theirs / ours:5.2f}x (target {TARGETS[scene]:g}x)"
            )


if __name__ == "__main__":
    main()
