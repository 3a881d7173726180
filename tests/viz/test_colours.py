"""Every optimizer colour stays visible on every map a path is drawn over, and each is told
apart from the others.

Visibility is the WCAG 2 contrast ratio (relative luminance): a thin line is found by its
luminance edge, and WCAG 2.1 asks 3:1 of graphical objects (success criterion 1.4.11).
No colour has 3:1 against both ends of viridis (#440154 and #fde725), so paths carry a
halo (`style.outline`): a path is visible where its colour or its halo has 3:1 against
the map. Telling colours apart is a matter of hue and chroma as much as of luminance, so
pairs are measured with CIEDE2000 (a JND is about 1; thin lines need far more).
"""

from __future__ import annotations

import itertools

import matplotlib
import numpy as np
import plotly.colors
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from descentlab import optim
from descentlab.viz import drawing, surfaces
from descentlab.viz.style import _SPARE, OPTIMIZER_COLOURS, colours, halo, outline, underlay
from descentlab.viz.sweeps import DIVERGED

VISIBLE = 3.0  # WCAG 2.1 SC 1.4.11, non-text contrast
# 30 colours (23 registry + 7 spare), each in a luminance band that keeps 3:1 with its halo
# on every map, can be kept 15 apart; the old palette had a pair at 0 (a spare repeating
# muon_adamw) and lbfgs / prodigy at 17 that users reported as alike: the bands now also
# part colours by their halo, white around dark ones and black around light ones
APART = 15.0

ALL = {**OPTIMIZER_COLOURS, **{f"spare {i}": c for i, c in enumerate(_SPARE)}}


def _rgb(colours_: list[str]) -> np.ndarray:
    return np.array([to_rgb(c) for c in colours_])


def _luminance(rgb: np.ndarray) -> np.ndarray:
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def _contrast(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """WCAG contrast ratio of each colour in a against each in b."""
    la, lb = _luminance(a)[:, None], _luminance(b)[None, :]
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


def _lab(rgb: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of sRGB colours."""
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])  # fmt: skip
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], -1)


def _ciede2000(lab1: np.ndarray, lab2: np.ndarray) -> np.ndarray:
    """CIEDE2000 colour difference (Sharma, Wu and Dalal 2005), broadcasting."""
    (l1, a1, b1), (l2, a2, b2) = np.moveaxis(lab1, -1, 0), np.moveaxis(lab2, -1, 0)
    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    g = 0.5 * (1 - np.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1, a2 = (1 + g) * a1, (1 + g) * a2
    c1, c2 = np.hypot(a1, b1), np.hypot(a2, b2)
    h1, h2 = np.degrees(np.arctan2(b1, a1)) % 360, np.degrees(np.arctan2(b2, a2)) % 360
    chromatic = c1 * c2 != 0
    dh = (h2 - h1 + 180) % 360 - 180
    dh = np.where(chromatic, dh, 0)
    d_l, d_c = l2 - l1, c2 - c1
    d_h = 2 * np.sqrt(c1 * c2) * np.sin(np.radians(dh / 2))
    l_bar, c_bar = (l1 + l2) / 2, (c1 + c2) / 2
    h_sum = h1 + h2
    h_bar = np.where(np.abs(h1 - h2) <= 180, h_sum / 2,
                     np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2))  # fmt: skip
    h_bar = np.where(chromatic, h_bar, h_sum)
    cos = np.cos(np.radians(h_bar - 30)), np.cos(np.radians(2 * h_bar))
    cos += np.cos(np.radians(3 * h_bar + 6)), np.cos(np.radians(4 * h_bar - 63))
    t = 1 - 0.17 * cos[0] + 0.24 * cos[1] + 0.32 * cos[2] - 0.20 * cos[3]
    rotation = 30 * np.exp(-(((h_bar - 275) / 25) ** 2))
    r_c = 2 * np.sqrt(c_bar**7 / (c_bar**7 + 25**7))
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / np.sqrt(20 + (l_bar - 50) ** 2)
    s_c, s_h = 1 + 0.045 * c_bar, 1 + 0.015 * c_bar * t
    r_t = -np.sin(np.radians(2 * rotation)) * r_c
    return np.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2
                   + r_t * (d_c / s_c) * (d_h / s_h))  # fmt: skip


def _plotly(name: str) -> np.ndarray:
    scale = plotly.colors.get_colorscale(name)
    sampled = plotly.colors.sample_colorscale(scale, list(np.linspace(0, 1, 256)))
    return np.array([plotly.colors.unlabel_rgb(c) for c in sampled]) / 255


def _maps() -> dict[str, np.ndarray]:
    """Every background a path or ball is drawn over, colour by colour."""
    at = np.linspace(0, 1, 256)
    mpl = {drawing.CONTOUR_CMAP, surfaces.SURFACE_CMAP, "viridis_r"}
    found = {name: matplotlib.colormaps[name](at)[:, :3] for name in mpl}
    found |= {f"plotly {name}": _plotly(name) for name in ("Viridis", "RdBu_r")}
    found["white axes"] = np.ones((1, 3))  # loss curves and 1-D landscapes
    return found


def test_ciede2000_matches_sharma_test_data():
    # rows of Sharma, Wu and Dalal (2005), Table 1: L*a*b* 1, L*a*b* 2, delta E 00
    rows = np.array([[50, 2.6772, -79.7751, 50, 0, -82.7485, 2.0425],
                     [50, -1.3802, -84.2814, 50, 0, -82.7485, 1.0000],
                     [50, 0, 0, 50, -1, 2, 2.3669],
                     [50, 2.5, 0, 50, 0, -2.5, 4.3065],
                     [50, 2.5, 0, 56, -27, -3, 31.9030],
                     [50, 2.5, 0, 73, 25, -18, 27.1492]])  # fmt: skip
    assert np.allclose(_ciede2000(rows[:, :3], rows[:, 3:6]), rows[:, 6], atol=1e-4)


def test_wcag_luminance_and_contrast():
    assert _contrast(_rgb(["#ffffff"]), _rgb(["#000000"]))[0, 0] == pytest.approx(21.0)
    assert _contrast(_rgb(["#777777"]), _rgb(["#ffffff"]))[0, 0] == pytest.approx(4.48, abs=0.01)


def test_the_maps_we_check_are_the_ones_drawn():
    maps = _maps()
    assert drawing.CONTOUR_CMAP == "viridis" and surfaces.SURFACE_CMAP in maps
    # plotly's Viridis is matplotlib's, through 10 stops (so within 0.07 per channel)
    assert np.abs(maps["plotly Viridis"] - maps["viridis"]).max() < 0.07


@pytest.mark.parametrize("name", sorted(ALL))
def test_every_colour_with_its_halo_is_visible_on_every_map(name):
    colour = ALL[name]
    core, ring = _rgb([colour]), _rgb([outline(colour)])
    assert _contrast(core, ring)[0, 0] >= VISIBLE  # the colour shows inside its halo
    for map_name, background in _maps().items():
        seen = np.maximum(_contrast(core, background), _contrast(ring, background))[0]
        worst = int(np.argmin(seen))
        assert seen[worst] >= VISIBLE, (map_name, background[worst], seen[worst])


def test_no_colour_is_visible_on_viridis_without_a_halo():
    # why the halo is needed: viridis runs from luminance 0.03 to 0.80, so every colour
    # has a stretch of the map nearly as light as itself: none reaches even 1.5 (grey, the
    # best against the two ends alone, reaches only 3.5 there)
    levels = np.linspace(0, 1, 33)
    grid = np.array(list(itertools.product(levels, repeat=3)))
    viridis = _maps()["viridis"]
    assert _contrast(grid, viridis).min(1).max() < 1.5


def test_every_pair_of_colours_is_apart():
    names = sorted(ALL)
    lab = _lab(_rgb([ALL[n] for n in names]))
    apart = _ciede2000(lab[:, None], lab[None])
    np.fill_diagonal(apart, np.inf)
    i, j = np.unravel_index(np.argmin(apart), apart.shape)
    assert apart[i, j] >= APART, (names[i], names[j], apart[i, j])
    # and from the grey of a diverged run and the white of a start marker
    marks = _lab(_rgb([DIVERGED, "#ffffff"]))
    assert _ciede2000(lab[:, None], marks[None]).min() >= APART


def test_halo_is_a_stroke_in_the_outline_colour():
    assert outline(OPTIMIZER_COLOURS["adamw"]) == "#ffffff"  # navy on a white ring
    assert outline(OPTIMIZER_COLOURS["adamw_schedulefree"]) == "#000000"
    stroke = halo(OPTIMIZER_COLOURS["adamw"], 1.4)[0]
    assert stroke._gc["foreground"] == "#ffffff" and stroke._gc["linewidth"] > 1.4


def test_underlay_is_a_wider_line_in_the_outline_colour():
    ax = Figure().add_subplot()
    underlay(ax, np.arange(3.0), np.arange(3.0), colour=OPTIMIZER_COLOURS["adamw"], linewidth=1.4)
    (line,) = ax.get_lines()
    assert line.get_color() == "#ffffff" and line.get_linewidth() == pytest.approx(2.4)


def test_every_registry_name_has_its_own_colour():
    assert set(OPTIMIZER_COLOURS) == set(optim.available())
    picked = colours([*optim.available(), "stranger", "adam#2"])
    assert len(set(picked)) == len(picked)
