"""Frames into files: GIF by Pillow, MP4 by the ffmpeg binary imageio-ffmpeg ships, and
a self-contained HTML player. Each takes RGB frames, (height, width, 3) uint8."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
from matplotlib.colors import to_rgb
from PIL import Image

Frames = Iterable[np.ndarray]


def write_gif(
    frames: Frames, path: Path | BinaryIO, fps: int, hold: float = 0.0, keep: Sequence[str] = ()
) -> None:
    """A looping GIF on one palette of 255 colours that every frame is mapped to: the
    colours ``keep`` names exactly (the balls'), the rest cut from the first frame by
    median cut; the last frame stays ``hold`` seconds longer.

    One palette keeps a smooth shading from flickering between frames and compresses
    well; a fresh octree per frame banded a lit surface into blotches at twice the size.
    """
    kept = [round(255 * c) for colour in dict.fromkeys(keep) for c in to_rgb(colour)]
    palette = None
    images = []
    for frame in frames:
        image = Image.fromarray(frame)
        if palette is None:
            cut = image.quantize(colors=255 - len(kept) // 3, method=Image.Quantize.MEDIANCUT)
            palette = Image.new("P", (1, 1))
            palette.putpalette(kept + cut.getpalette()[: 3 * (255 - len(kept) // 3)])
        images.append(image.quantize(palette=palette, dither=Image.Dither.NONE))
    durations = [round(1000 / fps)] * len(images)
    durations[-1] += round(1000 * hold)
    images[0].save(path, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=durations, disposal=1)  # fmt: skip


def write_mp4(
    frames: Frames, path: Path, fps: int, size: tuple[int, int], hold: float = 0.0
) -> None:
    """An H.264 MP4 (yuv420p, so every player opens it) of frames ``size`` = (w, h);
    the last frame is repeated to stay ``hold`` seconds longer."""
    import imageio_ffmpeg

    writer = imageio_ffmpeg.write_frames(
        str(path), size, fps=fps, codec="libx264", pix_fmt_out="yuv420p",
        quality=7, macro_block_size=2, ffmpeg_log_level="error",
        # flat fills and thin lines: x264's own tuning for them is faster and as small
        output_params=["-preset", "veryfast", "-tune", "animation"],
    )  # fmt: skip
    writer.send(None)
    try:
        frame = None
        for frame in frames:
            writer.send(np.ascontiguousarray(frame))
        for _ in range(round(hold * fps) if frame is not None else 0):
            writer.send(np.ascontiguousarray(frame))
    finally:
        writer.close()


def player_html(frames: Frames, fps: int, title: str, hold: float = 0.0) -> str:
    """A page holding every frame as a PNG, with play, pause and a slider; playing,
    it waits ``hold`` seconds more on the last frame."""
    encoded = []
    for frame in frames:
        buffer = io.BytesIO()
        Image.fromarray(frame).save(buffer, format="PNG")
        encoded.append(base64.b64encode(buffer.getvalue()).decode("ascii"))
    return (
        PLAYER.replace("__FRAMES__", json.dumps(encoded))
        .replace("__DELAY__", str(round(1000 / fps)))
        .replace("__HOLD__", str(round(1000 * hold)))
        .replace("__TITLE__", title)
    )


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """``write`` into a hidden file beside ``path``, then move it into place, so a
    failed or interrupted export never leaves half a file under the real name."""
    temporary = path.with_name(f".{path.name}.partial{path.suffix}")
    try:
        write(temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


PLAYER = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>descentlab: __TITLE__</title>
<style>body{font-family:sans-serif;margin:1em}img{display:block;max-width:100%}
.controls{display:flex;gap:.6em;align-items:center;margin-top:.4em}
input[type=range]{flex:1}</style></head>
<body><img id="frame" alt="frame">
<div class="controls"><button id="play">pause</button>
<input id="slider" type="range" min="0" value="0"><span id="label"></span></div>
<script>
const frames = __FRAMES__;
const img = document.getElementById("frame"), slider = document.getElementById("slider");
const label = document.getElementById("label"), button = document.getElementById("play");
slider.max = frames.length - 1;
let index = 0, timer = null;
function show(i) { index = i; img.src = "data:image/png;base64," + frames[i];
  slider.value = i; label.textContent = (i + 1) + " / " + frames.length; }
function tick() { show((index + 1) % frames.length);
  timer = setTimeout(tick, __DELAY__ + (index === frames.length - 1 ? __HOLD__ : 0)); }
function play() { timer = setTimeout(tick, __DELAY__); button.textContent = "pause"; }
function pause() { clearTimeout(timer); timer = null; button.textContent = "play"; }
button.onclick = () => (timer ? pause() : play());
slider.oninput = () => { pause(); show(+slider.value); };
show(0); play();
</script></body></html>
"""
