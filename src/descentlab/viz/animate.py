"""Animations of races: balls and trails on the contour map, the 3-D surface, or both.

Frames are rendered by blitting: the landscape is drawn once, and each frame only
redraws the moving artists over a saved background. The frames are written
to files by `encoding` (GIF, MP4, an HTML player); no ImageMagick, no pyplot state.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Literal

import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..checks import one_of, real_number, whole_number
from ..defaults import FPS, MAX_FPS, VIEW, VIEWS
from ..engine import Race
from . import scene
from .encoding import player_html, write_atomically, write_gif, write_mp4
from .framing import frame
from .style import colours
from .surfaces import LOOKS, Look

View = Literal["contour", "surface", "both"]
FORMATS = (".gif", ".mp4", ".html")
HOLD = 1.5  # seconds the last frame stays before a GIF or the page loops
MP4_HOLD = 1.5  # seconds on the last frame: a looping player (the gallery's) pauses there


class Animation:
    """A race as a sequence of frames; `save` writes .gif, .mp4 or .html.

    ``size`` is in pixels (800 x 600 by default, 1280 wide side by side, 200 taller
    with the loss panel); ``dpi`` scales text and lines (by default 100, more for a
    larger size, so that it shows the same picture sharper). ``look="lit"`` draws the
    3-D surface shaded by a light, as the lecture animations do, instead of a mesh.
    ``duration`` (seconds) picks how many steps are shown at ``fps``; the last frame
    then stays ``hold`` seconds more before it loops (by default 1.5 s in a GIF and
    the page, none in an MP4; 0 for none anywhere).
    The view frames the paths and the known minima (see `framing.frame`), or
    ``xlim``/``ylim`` where given.
    A ball that leaves the view is marked where it crossed the edge by a hollow
    triangle pointing out; a diverged run ends in an X."""

    def __init__(
        self,
        race: Race,
        view: View = VIEW,
        *,
        fps: int = FPS,
        duration: float | None = None,
        hold: float | None = None,
        trail: int | None = None,
        loss: bool = False,
        overlay: bool = False,
        size: tuple[int, int] | None = None,
        dpi: int | None = None,
        look: Look = "mesh",
        xlim: tuple[float, float] | None = None,
        ylim: tuple[float, float] | None = None,
    ) -> None:
        if not isinstance(race, Race):
            raise TypeError(
                f"animate draws a Race (from descentlab.run), got {type(race).__name__}"
            )
        if race.landscape.dim != 2:
            raise ValueError(f"animations need a 2-D landscape; {race.landscape.name} has 1")
        one_of("view", view, VIEWS)
        whole_number("fps", fps, low=1, high=MAX_FPS)
        standard = (1280 if view == "both" else 800, 800 if loss else 600)
        if size is None:  # the side-by-side view needs room for two panels, a loss panel more
            size = standard
        ok = (
            isinstance(size, tuple | list)
            and len(size) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in size)
            and size[0] % 2 == 0
            and size[1] % 2 == 0
            and 160 <= size[0] <= 3840
            and 120 <= size[1] <= 2160
        )
        if not ok:
            raise ValueError(
                f"size must be even numbers of pixels from 160 x 120 to 3840 x 2160, got {size!r}"
            )
        width, height = size
        if duration is not None:
            real_number("duration (seconds)", duration, above=True)
        if hold is not None:
            real_number("hold (seconds)", hold)
        if trail is not None:
            whole_number("trail (steps)", trail, low=1)
        if dpi is None:  # a larger picture is the same picture, sharper
            dpi = round(100 * max(1.0, min(width / standard[0], height / standard[1])))
        whole_number("dpi", dpi, low=20, high=600)
        one_of("look", look, LOOKS)
        if overlay and not race.states:
            raise ValueError("the state overlay needs a race run with record_state=True")
        if overlay and view == "surface":
            raise ValueError(
                "the state overlay is drawn on the contour map; use view='contour' or 'both'"
            )
        self.race, self.view, self.fps, self.trail, self.loss = race, view, fps, trail, loss
        self.overlay, self.look = overlay, look
        self.hold = HOLD if hold is None else float(hold)
        self.mp4_hold = MP4_HOLD if hold is None else float(hold)
        self.size, self.dpi = (int(width), int(height)), dpi
        self.box = frame(race, xlim, ylim)
        steps = race.positions.shape[2]
        count = steps if duration is None else max(2, min(steps, round(duration * fps)))
        self.steps = np.unique(np.linspace(0, steps - 1, count).round().astype(int))

    # -- drawing ----------------------------------------------------------------------

    def _scene(self) -> tuple[Figure, list[Artist], Callable[[int], None]]:
        return scene.build(self)

    def frames(self) -> Iterator[np.ndarray]:
        """RGB frames, (height, width, 3) uint8, one per shown step."""
        fig, artists, update = self._scene()
        canvas = FigureCanvasAgg(fig)
        canvas.draw()  # everything but the animated artists
        background = canvas.copy_from_bbox(fig.bbox)
        for step in self.steps:
            canvas.restore_region(background)
            update(int(step))
            for artist in sorted(artists, key=lambda artist: artist.get_zorder()):
                fig.draw_artist(artist)
            yield np.asarray(canvas.buffer_rgba())[..., :3].copy()

    # -- files ----------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write the animation; the extension chooses .gif, .mp4 or .html."""
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in FORMATS:
            raise ValueError(
                f"cannot save an animation as {suffix or '(no extension)'!r}; "
                f"use one of {', '.join(FORMATS)}"
            )
        if not path.parent.is_dir():
            raise ValueError(f"cannot save to {str(path)!r}: the folder does not exist")
        writers = {
            ".gif": self._write_gif,
            ".mp4": lambda target: write_mp4(
                self.frames(), target, self.fps, self.size, self.mp4_hold
            ),
            ".html": lambda target: target.write_text(self.to_html(), encoding="utf-8"),
        }
        return write_atomically(path, writers[suffix])

    def to_html(self) -> str:
        """A self-contained page: every frame embedded, with play, pause and a slider."""
        return player_html(self.frames(), self.fps, self.race.landscape.name, self.hold)

    def _write_gif(self, target: Path | BinaryIO) -> None:
        keep = [*colours(self.race.labels), "black", "white"]
        write_gif(self.frames(), target, self.fps, self.hold, keep=keep)

    def _repr_html_(self) -> str:
        """In a notebook: the looping GIF, inline (a tenth of the player's size, which
        holds every frame as a PNG)."""
        buffer = io.BytesIO()
        self._write_gif(buffer)
        encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
        title = html.escape(f"{self.race.landscape.name}: animation")
        return f'<img alt="{title}" src="data:image/gif;base64,{encoded}">'


def animate(race: Race, view: View = VIEW, **options: object) -> Animation:
    """An animation of a race (``view``: contour, surface or both); see `Animation`."""
    return Animation(race, view, **options)  # type: ignore[arg-type]
