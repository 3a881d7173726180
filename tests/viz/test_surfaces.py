"""3-D surfaces scaled as their contour maps are, and the lit look."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from mpl_toolkits.mplot3d.art3d import Poly3DCollection
from PIL import Image

import descentlab as dl
from descentlab import landscapes, viz
from descentlab.viz.style import evaluate_grid
from descentlab.viz.surfaces import SURFACE_CMAP, draw_surface, lit_colours


def _surface(name, look="mesh", resolution=40):
    fig = Figure()
    ax = fig.add_subplot(projection="3d")
    land = landscapes.get(name)
    height = draw_surface(ax, land, resolution, look=look)
    return fig, ax, height


def test_a_log_map_gets_a_log_surface():
    """Beale spans 0 to about 180,000: on a linear axis its valley is flat."""
    fig, ax, height = _surface("beale")
    low, high = ax.get_zlim()
    assert 4.5 < high < 5.5  # log10 of the highest value over the domain
    assert high - low > 5  # decades, down to the valley's lowest contour level
    FigureCanvasAgg(fig).draw()
    labels = [t.get_text() for t in ax.zaxis.get_ticklabels() if t.get_text()]
    assert labels and all(t.startswith("$10^{") for t in labels)
    assert ax.zaxis.get_label_text() == r"$f - \min f$"
    # a value is placed at log10(f - min f): 100 above the grid's minimum sits at 2
    assert height(np.array([100.0 + _grid_min("beale", 40)]))[0] == pytest.approx(2.0)


def _grid_min(name, resolution):
    return float(np.nanmin(evaluate_grid(landscapes.get(name), resolution)[2]))


def test_a_linear_map_keeps_a_linear_surface():
    _, ax, height = _surface("cs231n-saddle")
    assert ax.get_zlim() == pytest.approx((-1.125, 1.0), abs=2e-3)  # -x^2/2 + y^2 on its domain
    assert height(np.array([0.3]))[0] == 0.3
    assert ax.zaxis.get_label_text() == "$f$"


def test_paths_lie_on_the_log_surface():
    race = dl.run("beale", "adam(lr=0.1)", steps=40)
    ax = viz.surface(race).get_axes()[0]
    path = next(line for line in ax.get_lines() if len(line.get_data_3d()[0]) == 41)
    xs, ys, zs = (np.asarray(v, dtype=float) for v in path.get_data_3d())
    with torch.no_grad():
        f = race.landscape(torch.tensor(xs), torch.tensor(ys)).numpy()
    low, high = ax.get_zlim()
    assert np.all((zs >= low - 1e-9) & (zs <= high + 1e-9))
    # the same transform as the surface's: higher f, higher z
    assert np.all(np.diff(zs)[np.diff(f) > 1e-6] > 0)


def test_the_lit_look_shades_slopes_by_their_facing():
    """The saddle is symmetric in x: mirrored points share a height, so only the light
    colours them apart; the colour map alone gives them one colour."""
    *_, z = evaluate_grid(landscapes.get("cs231n-saddle"), 41)
    lit = lit_colours(z)[..., :3].mean(axis=2)
    plain = np.asarray(colormaps[SURFACE_CMAP]((z - z.min()) / np.ptp(z)))[..., :3].mean(axis=2)
    assert np.abs(plain - plain[:, ::-1]).max() < 1e-9
    assert np.median(np.abs(lit - lit[:, ::-1])) > 0.05
    assert lit.std() > plain.std()  # light and shade on top of the colours


def test_the_lit_surface_is_drawn_without_grid_lines_and_looks_different(tmp_path):
    race = dl.run("cs231n-saddle", "adam(lr=0.05)", steps=20)
    images = {}
    for look in ("mesh", "lit"):
        fig = viz.surface(race, look=look)
        (surface,) = [c for c in fig.axes[0].collections if isinstance(c, Poly3DCollection)]
        widths = np.asarray(surface.get_linewidth())
        assert np.all(widths == 0) if look == "lit" else np.all(widths > 0)
        fig.savefig(tmp_path / f"{look}.png")
        images[look] = np.asarray(Image.open(tmp_path / f"{look}.png").convert("L"), float)
    drawn = (images["lit"] < 250) | (images["mesh"] < 250)  # the surface, not the paper
    assert np.abs(images["lit"] - images["mesh"])[drawn].mean() > 8


def test_the_look_is_checked():
    race = dl.run("beale", "adam", steps=2)
    with pytest.raises(ValueError, match="look must be 'mesh' or 'lit', got 'shiny'"):
        viz.surface(race, look="shiny")
    with pytest.raises(ValueError, match="look must be 'mesh' or 'lit'"):
        viz.animate(race, "surface", look="glossy")
