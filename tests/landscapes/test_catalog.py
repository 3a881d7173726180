"""The catalog: formulas, minima and analytic gradients, checked numerically."""

from __future__ import annotations

import math

import pytest
import torch

from descentlab import landscapes

NAMES = landscapes.available()

# published minimum values (../test-functions table and the lecture/textbook functions)
EXPECTED_MIN = {
    "bowl": 0.0, "elongated-bowl": 0.0, "cos-bowl": -4.0, "parabola": 0.0,
    "steep-parabola": 0.0, "xcos": -1.0467211246605712, "beale": 0.0, "rosenbrock": 0.0,
    "himmelblau": 0.0, "rastrigin": 0.0, "ackley": 0.0, "booth": 0.0, "matyas": 0.0,
    "goldstein-price": 3.0, "six-hump-camel": -1.0316284534898774, "three-hump-camel": 0.0,
    "styblinski-tang": -78.33233140754285, "levi13": 0.0, "easom": -1.0,
    "mccormick": -1.9132229549810367, "bukin6": 0.0,
}  # fmt: skip
NO_MINIMUM = {"cs231n-saddle", "cubic", "saddle", "monkey-saddle"}


def test_the_catalog_has_every_landscape_the_project_reproduces():
    assert set(NAMES) == set(EXPECTED_MIN) | NO_MINIMUM
    assert len(NAMES) == 25


@pytest.mark.parametrize("name", NAMES)
def test_metadata(name):
    land = landscapes.get(name)
    assert land.name == name
    assert land.formula.startswith("f(x")
    assert land.dim in (1, 2)
    assert land.contains(land.start)
    assert land.levels in ("linear", "log")
    assert len(land.view) == 2
    assert land.has_analytic_gradient
    assert land.description.endswith(".")


@pytest.mark.parametrize("name", NAMES)
def test_minima_values_and_flat_gradient(name):
    land = landscapes.get(name)
    if name in NO_MINIMUM:
        assert land.minima == () and land.min_value is None
        return
    assert land.min_value == pytest.approx(EXPECTED_MIN[name], abs=1e-12)
    for minimum in land.minima:
        point = [torch.tensor(c, dtype=torch.float64) for c in minimum.point]
        assert land(*point).item() == pytest.approx(minimum.value, abs=1e-9)
        assert land.contains(minimum.point)
        gradient = torch.stack(land.gradient(*point))
        assert gradient.abs().max().item() < 1e-6
        # no lower value nearby: it really is a minimum
        generator = torch.Generator().manual_seed(0)
        offsets = torch.randn(200, land.dim, generator=generator, dtype=torch.float64) * 1e-3
        near = [point[i] + offsets[:, i] for i in range(land.dim)]
        assert land(*near).min().item() >= minimum.value - 1e-12


@pytest.mark.parametrize("name", NAMES)
def test_analytic_gradient_equals_autograd_at_random_points(name):
    land = landscapes.get(name)
    generator = torch.Generator().manual_seed(0)
    coords = [
        low + (high - low) * torch.rand(500, generator=generator, dtype=torch.float64)
        for low, high in land.domain
    ]
    analytic = land.gradient(*coords)
    reference = land.autograd_gradient(*coords)
    for a, r in zip(analytic, reference, strict=True):
        torch.testing.assert_close(a, r, rtol=1e-9, atol=1e-9)


def test_gradients_broadcast_and_keep_shape():
    land = landscapes.get("beale")
    x = torch.linspace(-1, 1, 12).reshape(3, 4)
    gx, gy = land.gradient(x, torch.tensor(0.5))
    assert gx.shape == gy.shape == (3, 4)
    assert land(x, torch.tensor(0.5)).shape == (3, 4)


def test_himmelblau_has_all_four_minima():
    land = landscapes.get("himmelblau")
    points = sorted(m.point for m in land.minima)
    expected = sorted(
        [(3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)]
    )
    for got, want in zip(points, expected, strict=True):
        assert got == pytest.approx(want, abs=1e-6)


def test_mccormick_minimum_is_the_exact_one():
    land = landscapes.get("mccormick")
    (minimum,) = land.minima
    assert minimum.point == pytest.approx((0.5 - math.pi / 3, -0.5 - math.pi / 3))
    assert minimum.value == pytest.approx(-math.sqrt(3) / 2 - math.pi / 3)


def test_get_suggests_close_names():
    with pytest.raises(
        ValueError, match=r"unknown landscape 'rosenbrok' \(did you mean 'rosenbrock'"
    ):
        landscapes.get("rosenbrok")
    with pytest.raises(ValueError, match=r"unknown landscape 'six_hump' .*available: cs231n"):
        landscapes.get("six_hump")
    assert landscapes.get("Six_Hump_Camel").name == "six-hump-camel"
    with pytest.raises(TypeError, match="a landscape is a name such as 'beale'"):
        landscapes.get(3)


def test_wrong_number_of_coordinates():
    with pytest.raises(ValueError, match="beale takes 2 coordinate"):
        landscapes.get("beale")(torch.tensor(1.0))
