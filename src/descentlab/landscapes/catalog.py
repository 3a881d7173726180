"""The catalog: lecture and textbook landscapes, and the classic test functions.

Formulas and minima of the classic functions follow Surjanovic & Bingham's Virtual
Library of Simulation Experiments and the Wikipedia list of test functions for
optimization; the minima were re-checked numerically. Domains are theirs, except
where a narrower one shows the interesting part in a plot (rosenbrock, easom,
six-hump-camel, three-hump-camel). Where a function has several local minima,
only the global ones are listed, except for xcos and himmelblau. Each landscape
carries a hand-derived gradient, tested against autograd.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from .landscape import Landscape, Minimum

PI = math.pi


def _square(lo: float, hi: float) -> tuple[tuple[float, float], tuple[float, float]]:
    return ((lo, hi), (lo, hi))


# -- from the lecture animations and the textbook ------------------------------------


def cs231n_saddle(x: Tensor, y: Tensor) -> Tensor:
    return -0.5 * x**2 + y**2


def bowl(x: Tensor, y: Tensor) -> Tensor:
    return x**2 + 2 * y**2


def elongated_bowl(x: Tensor, y: Tensor) -> Tensor:
    return 0.1 * x**2 + 2 * y**2


def cos_bowl(x: Tensor, y: Tensor) -> Tensor:
    return -((torch.cos(x) ** 2 + torch.cos(y) ** 2) ** 2)


def _cos_bowl_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    s = torch.cos(x) ** 2 + torch.cos(y) ** 2  # f = -s^2, ds/dx = -sin(2x)
    return 2 * s * torch.sin(2 * x), 2 * s * torch.sin(2 * y)


def xcos(x: Tensor) -> Tensor:
    return x * torch.cos(PI * x)


def saddle(x: Tensor, y: Tensor) -> Tensor:
    return x**2 - y**2


def monkey_saddle(x: Tensor, y: Tensor) -> Tensor:
    return x**3 - 3 * x * y**2


# -- classic test functions ------------------------------------------------------------


def beale(x: Tensor, y: Tensor) -> Tensor:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _beale_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    a, b, c = 1.5 - x + x * y, 2.25 - x + x * y**2, 2.625 - x + x * y**3
    dx = 2 * (a * (y - 1) + b * (y**2 - 1) + c * (y**3 - 1))
    dy = 2 * x * (a + 2 * b * y + 3 * c * y**2)
    return dx, dy


def rosenbrock(x: Tensor, y: Tensor) -> Tensor:
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    r = y - x**2
    return -2 * (1 - x) - 400 * x * r, 200 * r


def himmelblau(x: Tensor, y: Tensor) -> Tensor:
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _himmelblau_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    a, b = x**2 + y - 11, x + y**2 - 7
    return 4 * x * a + 2 * b, 2 * a + 4 * y * b


def rastrigin(x: Tensor, y: Tensor) -> Tensor:
    return 20 + x**2 - 10 * torch.cos(2 * PI * x) + y**2 - 10 * torch.cos(2 * PI * y)


def _rastrigin_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2 * x + 20 * PI * torch.sin(2 * PI * x), 2 * y + 20 * PI * torch.sin(2 * PI * y)


def ackley(x: Tensor, y: Tensor) -> Tensor:
    r = torch.sqrt(0.5 * (x**2 + y**2))
    waves = 0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y))
    return -20 * torch.exp(-0.2 * r) - torch.exp(waves) + 20 + math.e


def _ackley_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    r = torch.sqrt(0.5 * (x**2 + y**2))
    waves = torch.exp(0.5 * (torch.cos(2 * PI * x) + torch.cos(2 * PI * y)))
    # d/dx of -20 exp(-0.2 r) is 2 x exp(-0.2 r) / r; its limit at the origin is taken as 0
    cone = torch.where(r > 0, 2 * torch.exp(-0.2 * r) / torch.where(r > 0, r, 1.0), 0.0)
    return (
        cone * x + PI * torch.sin(2 * PI * x) * waves,
        cone * y + PI * torch.sin(2 * PI * y) * waves,
    )


def booth(x: Tensor, y: Tensor) -> Tensor:
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


def _booth_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    a, b = x + 2 * y - 7, 2 * x + y - 5
    return 2 * a + 4 * b, 4 * a + 2 * b


def matyas(x: Tensor, y: Tensor) -> Tensor:
    return 0.26 * (x**2 + y**2) - 0.48 * x * y


def _matyas_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 0.52 * x - 0.48 * y, 0.52 * y - 0.48 * x


def goldstein_price(x: Tensor, y: Tensor) -> Tensor:
    u, v = x + y + 1, 2 * x - 3 * y
    a = 19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2
    b = 18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2
    return (1 + u**2 * a) * (30 + v**2 * b)


def _goldstein_price_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    u, v = x + y + 1, 2 * x - 3 * y
    a = 19 - 14 * x + 3 * x**2 - 14 * y + 6 * x * y + 3 * y**2
    b = 18 - 32 * x + 12 * x**2 + 48 * y - 36 * x * y + 27 * y**2
    p, q = 1 + u**2 * a, 30 + v**2 * b
    da = -14 + 6 * x + 6 * y  # the same for x and y
    dp = 2 * u * a + u**2 * da
    dq_dx = 4 * v * b + v**2 * (-32 + 24 * x - 36 * y)
    dq_dy = -6 * v * b + v**2 * (48 - 36 * x + 54 * y)
    return dp * q + p * dq_dx, dp * q + p * dq_dy


def six_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    return (4 - 2.1 * x**2 + x**4 / 3) * x**2 + x * y + (-4 + 4 * y**2) * y**2


def _six_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 8 * x - 8.4 * x**3 + 2 * x**5 + y, x - 8 * y + 16 * y**3


def three_hump_camel(x: Tensor, y: Tensor) -> Tensor:
    return 2 * x**2 - 1.05 * x**4 + x**6 / 6 + x * y + y**2


def _three_hump_camel_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 4 * x - 4.2 * x**3 + x**5 + y, x + 2 * y


def styblinski_tang(x: Tensor, y: Tensor) -> Tensor:
    return 0.5 * (x**4 - 16 * x**2 + 5 * x + y**4 - 16 * y**2 + 5 * y)


def _styblinski_tang_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    return 2 * x**3 - 16 * x + 2.5, 2 * y**3 - 16 * y + 2.5


def levi13(x: Tensor, y: Tensor) -> Tensor:
    return (
        torch.sin(3 * PI * x) ** 2
        + (x - 1) ** 2 * (1 + torch.sin(3 * PI * y) ** 2)
        + (y - 1) ** 2 * (1 + torch.sin(2 * PI * y) ** 2)
    )


def _levi13_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    dx = 3 * PI * torch.sin(6 * PI * x) + 2 * (x - 1) * (1 + torch.sin(3 * PI * y) ** 2)
    dy = (
        3 * PI * (x - 1) ** 2 * torch.sin(6 * PI * y)
        + 2 * (y - 1) * (1 + torch.sin(2 * PI * y) ** 2)
        + 2 * PI * (y - 1) ** 2 * torch.sin(4 * PI * y)
    )
    return dx, dy


def easom(x: Tensor, y: Tensor) -> Tensor:
    return -torch.cos(x) * torch.cos(y) * torch.exp(-((x - PI) ** 2 + (y - PI) ** 2))


def _easom_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    bump = torch.exp(-((x - PI) ** 2 + (y - PI) ** 2))
    cx, cy = torch.cos(x), torch.cos(y)
    dx = cy * bump * (torch.sin(x) + 2 * (x - PI) * cx)
    dy = cx * bump * (torch.sin(y) + 2 * (y - PI) * cy)
    return dx, dy


def mccormick(x: Tensor, y: Tensor) -> Tensor:
    return torch.sin(x + y) + (x - y) ** 2 - 1.5 * x + 2.5 * y + 1


def _mccormick_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    c = torch.cos(x + y)
    return c + 2 * (x - y) - 1.5, c - 2 * (x - y) + 2.5


def bukin6(x: Tensor, y: Tensor) -> Tensor:
    return 100 * torch.sqrt(torch.abs(y - 0.01 * x**2)) + 0.01 * torch.abs(x + 10)


def _bukin6_grad(x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    w = y - 0.01 * x**2
    # d sqrt|w| = sign(w) / (2 sqrt|w|); on the ridge w = 0 it is infinite, taken as 0
    ridge = torch.where(w != 0, torch.sign(w) / torch.sqrt(torch.abs(w)).clamp_min(1e-300), 0.0)
    return -x * ridge + 0.01 * torch.sign(x + 10), 50 * ridge


_HIMMELBLAU_MINIMA = (
    Minimum((3.0, 2.0), 0.0),
    Minimum((-2.805118086952745, 3.131312518250573), 0.0),
    Minimum((-3.779310253377747, -3.2831859912861696), 0.0),
    Minimum((3.5844283403304917, -1.8481265269644034), 0.0),
)
_STYBLINSKI_X = -2.903534018185960

CATALOG: tuple[Landscape, ...] = (
    Landscape(
        "cs231n-saddle",
        cs231n_saddle,
        r"f(x, y) = -\frac{1}{2}x^2 + y^2",
        domain=((-1.5, 1.5), (-1.0, 1.0)),
        start=(1e-5, 0.5),
        grad=lambda x, y: (-x, 2 * y),
        view=(40.0, -55.0),
        description="The saddle of the cs231n lecture animation: y falls, x barely moves.",
    ),
    Landscape(
        "bowl",
        bowl,
        r"f(x, y) = x^2 + 2y^2",
        domain=((-6.0, 6.0), (-3.0, 3.0)),
        start=(-5.0, -2.0),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=lambda x, y: (2 * x, 4 * y),
        description="A convex quadratic bowl, the textbook's first 2-D example.",
    ),
    Landscape(
        "elongated-bowl",
        elongated_bowl,
        r"f(x, y) = 0.1x^2 + 2y^2",
        domain=((-6.0, 6.0), (-3.0, 3.0)),
        start=(-5.0, -2.0),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=lambda x, y: (0.2 * x, 4 * y),
        description="An ill-conditioned bowl (condition number 20): where momentum helps.",
    ),
    Landscape(
        "cos-bowl",
        cos_bowl,
        r"f(x, y) = -\left(\cos^2 x + \cos^2 y\right)^2",
        domain=_square(-2.0, 2.0),
        start=(1.2, 1.4),
        minima=(Minimum((0.0, 0.0), -4.0),),
        grad=_cos_bowl_grad,
        description="A bowl that flattens into a plateau towards the edges.",
    ),
    Landscape(
        "parabola",
        lambda x: x**2,
        r"f(x) = x^2",
        domain=((-10.0, 10.0),),
        start=(10.0,),
        minima=(Minimum((0.0,), 0.0),),
        grad=lambda x: (2 * x,),
        description="The textbook's first gradient-descent example.",
    ),
    Landscape(
        "steep-parabola",
        lambda x: 4 * x**2,
        r"f(x) = 4x^2",
        domain=((-10.0, 10.0),),
        start=(10.0,),
        minima=(Minimum((0.0,), 0.0),),
        grad=lambda x: (8 * x,),
        description="A steeper parabola: a learning rate that works on x^2 overshoots here.",
    ),
    Landscape(
        "xcos",
        xcos,
        r"f(x) = x\cos(\pi x)",
        domain=((-1.5, 2.0),),
        start=(-1.0,),
        minima=(
            Minimum((1.0904082219467213,), -1.0467211246605712),
            Minimum((-0.2738526868008509,), -0.1786025115477333),
        ),
        grad=lambda x: (torch.cos(PI * x) - PI * x * torch.sin(PI * x),),
        description="A global and a local minimum: where plain descent gets stuck.",
    ),
    Landscape(
        "cubic",
        lambda x: x**3,
        r"f(x) = x^3",
        domain=((-2.0, 2.0),),
        start=(1.5,),
        grad=lambda x: (3 * x**2,),
        description="A 1-D saddle: the gradient vanishes at 0, which is no minimum.",
    ),
    Landscape(
        "saddle",
        saddle,
        r"f(x, y) = x^2 - y^2",
        domain=_square(-2.0, 2.0),
        start=(1.0, 1e-3),
        grad=lambda x, y: (2 * x, -2 * y),
        description="The hyperbolic paraboloid: a strict saddle at the origin, no minimum.",
    ),
    Landscape(
        "monkey-saddle",
        monkey_saddle,
        r"f(x, y) = x^3 - 3xy^2",
        domain=_square(-1.5, 1.5),
        start=(0.5, 0.05),
        grad=lambda x, y: (3 * x**2 - 3 * y**2, -6 * x * y),
        description="A degenerate saddle with three valleys; gradients vanish near it.",
    ),
    Landscape(
        "beale",
        beale,
        r"f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
        domain=_square(-4.5, 4.5),
        start=(1.0, 1.5),
        minima=(Minimum((3.0, 0.5), 0.0),),
        grad=_beale_grad,
        levels="log",
        view=(40.0, -130.0),
        description="Flat valleys and steep walls; its minimum sits in a narrow curved valley.",
    ),
    Landscape(
        "rosenbrock",
        rosenbrock,
        r"f(x, y) = (1 - x)^2 + 100\,(y - x^2)^2",
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        start=(-1.5, 2.0),
        minima=(Minimum((1.0, 1.0), 0.0),),
        grad=_rosenbrock_grad,
        levels="log",
        view=(40.0, -115.0),
        description="The banana valley: easy to find, slow to follow.",
    ),
    Landscape(
        "himmelblau",
        himmelblau,
        r"f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        domain=_square(-5.0, 5.0),
        start=(0.0, 0.0),
        minima=_HIMMELBLAU_MINIMA,
        grad=_himmelblau_grad,
        levels="log",
        description="Four equal minima: which one a run reaches depends on start and optimizer.",
    ),
    Landscape(
        "rastrigin",
        rastrigin,
        r"f(x, y) = 20 + x^2 - 10\cos 2\pi x + y^2 - 10\cos 2\pi y",
        domain=_square(-5.12, 5.12),
        start=(3.2, -2.6),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=_rastrigin_grad,
        description="A regular egg-crate of local minima around one global minimum.",
    ),
    Landscape(
        "ackley",
        ackley,
        r"f(x, y) = -20e^{-0.2\sqrt{(x^2+y^2)/2}} - e^{(\cos 2\pi x + \cos 2\pi y)/2} + 20 + e",
        domain=_square(-5.0, 5.0),
        start=(3.5, -2.5),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=_ackley_grad,
        description="A nearly flat, rippled plain with a deep hole in the middle.",
    ),
    Landscape(
        "booth",
        booth,
        r"f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2",
        domain=_square(-10.0, 10.0),
        start=(-7.0, -6.0),
        minima=(Minimum((1.0, 3.0), 0.0),),
        grad=_booth_grad,
        levels="log",
        description="A convex quadratic with a tilted valley.",
    ),
    Landscape(
        "matyas",
        matyas,
        r"f(x, y) = 0.26\,(x^2 + y^2) - 0.48\,xy",
        domain=_square(-10.0, 10.0),
        start=(7.0, -4.0),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=_matyas_grad,
        levels="log",
        description="A flat convex quadratic, condition number 25, valley along x = y.",
    ),
    Landscape(
        "goldstein-price",
        goldstein_price,
        r"f(x, y) = [1 + (x+y+1)^2(19 - 14x + 3x^2 - 14y + 6xy + 3y^2)]"
        r"\,[30 + (2x-3y)^2(18 - 32x + 12x^2 + 48y - 36xy + 27y^2)]",
        domain=_square(-2.0, 2.0),
        start=(-1.2, 1.2),
        minima=(Minimum((0.0, -1.0), 3.0),),
        grad=_goldstein_price_grad,
        levels="log",
        description="A polynomial spanning six orders of magnitude, with several local minima.",
    ),
    Landscape(
        "six-hump-camel",
        six_hump_camel,
        r"f(x, y) = (4 - 2.1x^2 + x^4/3)\,x^2 + xy + (-4 + 4y^2)\,y^2",
        domain=((-2.0, 2.0), (-1.0, 1.0)),
        start=(-1.5, -0.6),
        minima=(
            Minimum((0.08984201310031806, -0.7126564030207396), -1.0316284534898774),
            Minimum((-0.08984201310031806, 0.7126564030207396), -1.0316284534898774),
        ),
        grad=_six_hump_camel_grad,
        description="Six local minima, two of them global.",
    ),
    Landscape(
        "three-hump-camel",
        three_hump_camel,
        r"f(x, y) = 2x^2 - 1.05x^4 + x^6/6 + xy + y^2",
        domain=_square(-2.0, 2.0),
        start=(-1.8, 1.5),
        minima=(Minimum((0.0, 0.0), 0.0),),
        grad=_three_hump_camel_grad,
        levels="log",
        description="Three local minima along a diagonal valley; the middle one is global.",
    ),
    Landscape(
        "styblinski-tang",
        styblinski_tang,
        r"f(x, y) = \frac{1}{2}\left(x^4 - 16x^2 + 5x + y^4 - 16y^2 + 5y\right)",
        domain=_square(-5.0, 5.0),
        start=(4.0, 4.0),
        minima=(Minimum((_STYBLINSKI_X, _STYBLINSKI_X), -78.33233140754285),),
        grad=_styblinski_tang_grad,
        description="Four basins of unequal depth; the deepest is at x = y = -2.9035.",
    ),
    Landscape(
        "levi13",
        levi13,
        r"f(x, y) = \sin^2 3\pi x + (x-1)^2(1 + \sin^2 3\pi y) + (y-1)^2(1 + \sin^2 2\pi y)",
        domain=_square(-10.0, 10.0),
        start=(-4.0, 4.0),
        minima=(Minimum((1.0, 1.0), 0.0),),
        grad=_levi13_grad,
        description="Lévi N.13: a rippled bowl with many shallow local minima.",
    ),
    Landscape(
        "easom",
        easom,
        r"f(x, y) = -\cos x \cos y \, e^{-(x-\pi)^2 - (y-\pi)^2}",
        domain=_square(0.0, 2 * PI),
        start=(2.2, 2.0),
        minima=(Minimum((PI, PI), -1.0),),
        grad=_easom_grad,
        description="A flat plain with one narrow well: gradients vanish away from it.",
    ),
    Landscape(
        "mccormick",
        mccormick,
        r"f(x, y) = \sin(x + y) + (x - y)^2 - 1.5x + 2.5y + 1",
        domain=((-1.5, 4.0), (-3.0, 4.0)),
        start=(3.0, 3.0),
        minima=(Minimum((0.5 - PI / 3, -0.5 - PI / 3), -math.sqrt(3) / 2 - PI / 3),),
        grad=_mccormick_grad,
        description="A gentle valley with a sine ripple.",
    ),
    Landscape(
        "bukin6",
        bukin6,
        r"f(x, y) = 100\sqrt{|y - 0.01x^2|} + 0.01\,|x + 10|",
        domain=((-15.0, -5.0), (-3.0, 3.0)),
        start=(-12.0, 2.0),
        minima=(Minimum((-10.0, 1.0), 0.0),),
        grad=_bukin6_grad,
        description="Bukin N.6: the minimum lies in a non-differentiable curved ridge.",
    ),
)
