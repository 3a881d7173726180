"""The showcase's ``index.html``: one card per exhibit, its first output shown, all
linked with their settings; and ``real-size.html``: every picture at the size it was
made, as it looks embedded in a slide or a page. Nothing is loaded from the network."""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__

if TYPE_CHECKING:
    from .demo import Exhibit


def media(name: str, preview: str | None = None) -> str:
    """An output as a page shows it: a picture, a video, a page in a frame, or the
    ``preview`` picture linking to it."""
    source = html.escape(name)
    suffix = Path(name).suffix
    if preview is not None:
        return (
            f'<a href="{source}"><img src="{html.escape(preview)}" alt="open {source}" '
            'loading="lazy"></a>'
        )
    if suffix in (".png", ".gif"):
        return f'<a href="{source}"><img src="{source}" alt="{source}" loading="lazy"></a>'
    if suffix == ".mp4":
        return f'<video src="{source}" controls loop muted playsinline></video>'
    if suffix == ".html":
        return f'<iframe src="{source}" title="{source}" loading="lazy"></iframe>'
    return f'<a href="{source}">{source}</a>'


STYLE = """
body { font: 16px/1.5 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
header { padding: 2rem 2.5rem 1rem; }
h1 { margin: 0 0 .3rem; font-size: 1.9rem; }
header p { margin: 0; color: #4a5468; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(min(560px, 100%), 1fr));
       grid-auto-flow: dense; gap: 1.5rem; padding: 1rem 2.5rem 3rem; }
figure.wide { grid-column: 1 / -1; }
@media (max-width: 640px) { header, main { padding-left: .8rem; padding-right: .8rem; } }
figure { margin: 0; background: #fff; border-radius: 10px; padding: 1rem;
         box-shadow: 0 1px 3px rgba(0,0,0,.12); }
figure img, figure video { width: 100%; height: auto; display: block; border-radius: 4px; }
figure iframe { width: 100%; height: 560px; border: 0; }
figcaption h2 { font-size: 1.15rem; margin: .8rem 0 .2rem; }
figcaption p { margin: 0 0 .4rem; color: #39414f; }
.files { font-size: .85rem; color: #6a7385; }
.files a { color: #3559c7; margin-right: .6rem; }
"""


REAL_SIZE = "real-size.html"
PICTURES = (".png", ".gif", ".mp4")


def picture_size(path: Path) -> tuple[int, int]:
    """Width and height in pixels of a PNG, GIF or MP4, read from the file."""
    if path.suffix == ".mp4":
        import imageio_ffmpeg

        frames = imageio_ffmpeg.read_frames(str(path))
        width, height = next(frames)["size"]
        frames.close()
        return int(width), int(height)
    from PIL import Image

    with Image.open(path) as image:
        return image.size


def real_size(exhibits: list[Exhibit], out: Path) -> str:
    """The page of every picture at its real size, each labelled with its pixels."""
    rows = []
    for exhibit in exhibits:
        for name in exhibit.experiment["out"]:
            if Path(name).suffix not in PICTURES:
                continue
            width, height = picture_size(out / name)
            source = html.escape(name)
            media = (
                f'<video src="{source}" width={width} height={height} controls loop muted '
                "playsinline></video>"
                if name.endswith(".mp4")
                else f'<img src="{source}" width={width} height={height} alt="{source}">'
            )
            rows.append(
                f"<section><h2>{html.escape(exhibit.title)}</h2><p class=files>"
                f'<a href="{source}">{source}</a> {width} × {height} px</p>'
                f"<div class=frame>{media}</div></section>"
            )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>descentlab showcase at real size</title><style>{STYLE}{REAL_STYLE}</style>"
        "</head><body><header><h1>Every picture at its real size</h1><p>One pixel of the "
        "file to one pixel of the screen, as it looks embedded; scroll sideways where it is "
        'wider than the window. <a href="index.html">Back to the showcase</a>.</p></header>'
        f"<div class=pages>{''.join(rows)}</div></body></html>\n"
    )


REAL_STYLE = """
.pages { padding: 0 2.5rem 3rem; }
section { margin: 0 0 2rem; }
section h2 { font-size: 1.1rem; margin: 1rem 0 .2rem; }
.frame { overflow-x: auto; background: #fff; border-radius: 8px; padding: .5rem; }
.frame img, .frame video { max-width: none; display: block; }
@media (max-width: 640px) { .pages { padding: 0 .8rem 2rem; } }
"""


def gallery(exhibits: list[Exhibit], seconds: float) -> str:
    """The index page: one card per exhibit, its first output shown, all linked."""
    cards = []
    for exhibit in exhibits:
        outputs = exhibit.experiment["out"]
        links = " ".join(
            f'<a href="{html.escape(n)}">{html.escape(n)}</a>'
            f'<a href="{html.escape(n)}.json">(settings)</a>'
            for n in outputs
        )
        opening = "<figure class=wide>" if exhibit.wide else "<figure>"
        cards.append(
            f"{opening}{media(outputs[0], exhibit.preview)}"
            f"<figcaption><h2>{html.escape(exhibit.title)}</h2>"
            f"<p>{html.escape(exhibit.caption)}</p><p class=files>{links}</p></figcaption>"
            "</figure>"
        )
    return (
        "<!doctype html>\n<html lang=en><head><meta charset=utf-8>"
        "<meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>descentlab showcase</title><style>{STYLE}</style></head><body>"
        "<header><h1>descentlab showcase</h1><p>Optimizers written from scratch, raced on "
        "test landscapes, swept, and training real models. Each file has its exact settings "
        "beside it; <code>descentlab run FILE.json</code> makes it again. Built in "
        f"{seconds:.0f} s by descentlab {__version__}. "
        f'<a href="{REAL_SIZE}">Every picture at its real size</a>.</p></header>'
        f"<main>{''.join(cards)}</main></body></html>\n"
    )
