"""Benchmark tasks: metrics and targets, DeepOBS's noisy quadratic and the noisy
landscapes, each checked against an independent computation (numpy, hand-written
gradients, the textbook's loop)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset
from typer.testing import CliRunner

import descentlab as dl
from descentlab.cli import app
from descentlab.train import Task
from descentlab.train.quadratic import random_rotation
from descentlab.train.tasks import noisy_landscape

NEW = ["quadratic_deep", "noisy_bowl", "noisy_rosenbrock", "noisy_himmelblau", "noisy_beale"]


def tiny(**fields: object) -> Task:
    x, y = torch.zeros(4, 1), torch.zeros(4, dtype=torch.long)
    options = {"name": "tiny", "train": (x, y), "model": lambda: torch.nn.Linear(1, 2),
               "loss": torch.nn.functional.cross_entropy, **fields}  # fmt: skip
    return Task(**options)


# -- metric and target -------------------------------------------------------------
def test_metric_defaults_to_val_loss_with_validation_else_train_loss() -> None:
    pair = (torch.zeros(4, 1), torch.zeros(4, dtype=torch.long))
    assert tiny().metric == "train_loss"
    assert tiny(validation=pair).metric == "val_loss"
    assert tiny().target is None and not tiny().maximize
    accuracy = tiny(validation=pair, kind="classification", metric="val_accuracy", target=0.9)
    assert accuracy.maximize and accuracy.target == 0.9


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"metric": "val_loss"}, "needs validation data"),
        ({"metric": "accuracy"}, "metric must be"),
        ({"metric": "val_accuracy", "validation": (torch.zeros(2, 1), torch.zeros(2))},
         "needs kind='classification'"),
        ({"target": math.nan}, "target must be finite"),
        ({"target": True}, "target must be a number or None"),
        ({"target": "0.9"}, "target must be a number or None"),
    ],
)  # fmt: skip
def test_bad_metric_or_target_is_one_line_error(fields: dict, words: str) -> None:
    with pytest.raises(ValueError, match=words) as caught:
        tiny(**fields)
    assert "\n" not in str(caught.value)


def test_registered_tasks_carry_metrics_and_targets() -> None:
    assert dl.tasks.available() == ["airfoil", "digits", NEW[0], "fashion_mnist", *NEW[1:]]
    from descentlab.train.tasks import SETTINGS

    assert (SETTINGS["fashion_mnist"]["metric"], SETTINGS["fashion_mnist"]["target"]) == (
        "val_accuracy",
        0.85,
    )
    expected = {"airfoil": ("train_loss", 0.245), "digits": ("val_accuracy", 0.95),
                "quadratic_deep": ("val_loss", 88.0)}  # fmt: skip
    for name, (metric, target) in expected.items():
        task = dl.tasks.get(name)
        assert (task.metric, task.target, task.maximize) == (metric, target, name == "digits")
    for name in NEW[1:]:
        assert dl.tasks.get(name).metric == "train_loss" and dl.tasks.get(name).target > 0


def test_airfoil_sgd_reaches_its_target_in_two_epochs() -> None:
    curve = dl.fit("airfoil", "sgd(lr=0.05)").curve  # the textbook's settings
    assert curve["train_loss"].min() <= 0.245 < curve["train_loss"].iloc[0]


def test_digits_adam_reaches_its_target() -> None:
    curve = dl.fit("digits", "adam(lr=1e-3)", epochs=4).curve
    assert curve["val_accuracy"].max() >= 0.95 > curve["val_accuracy"].iloc[0]


def test_list_tasks_shows_the_new_tasks() -> None:
    result = CliRunner().invoke(app, ["list", "tasks"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in NEW:
        assert name in result.output


# -- the noisy quadratic -----------------------------------------------------------
@pytest.fixture(scope="module")
def quadratic() -> Task:
    return dl.tasks.get("quadratic_deep")


def numpy_hessian(task: Task) -> np.ndarray:
    return task.model().hessian.double().numpy()


def test_hessian_spectrum_is_deepobs_draws(quadratic: Task) -> None:
    rng = np.random.RandomState(42)  # the spectrum transcribed from DeepOBS
    drawn = np.concatenate([rng.uniform(0.0, 1.0, 90), rng.uniform(30.0, 60.0, 10)])
    found = np.linalg.eigvalsh(numpy_hessian(quadratic))
    np.testing.assert_allclose(found, np.sort(drawn), atol=2e-5)
    assert np.all((found[:90] > 0) & (found[:90] < 1))
    assert np.all((found[90:] > 30) & (found[90:] < 60))


@pytest.mark.parametrize("seed", [42, 7])
def test_rotation_is_orthogonal_with_determinant_one(seed: int) -> None:
    rotation = random_rotation(100, seed)
    np.testing.assert_allclose(rotation @ rotation.T, np.eye(100), atol=1e-12)
    assert np.linalg.det(rotation) == pytest.approx(1.0, abs=1e-9)


def test_same_seed_same_problem_other_seed_another() -> None:
    first, again = dl.tasks.get("quadratic_deep"), dl.tasks.get("quadratic_deep")
    other = dl.tasks.get("quadratic_deep", problem_seed=7)
    for a, b in ((first.train, again.train), (first.validation, again.validation)):
        assert all(torch.equal(x, y) for x, y in zip(a, b, strict=True))
    assert torch.equal(first.model().hessian, again.model().hessian)
    assert not torch.allclose(first.model().hessian, other.model().hessian)
    assert not torch.allclose(first.train[0], other.train[0])
    assert other.name != first.name


def test_shifts_follow_deepobs_noise(quadratic: Task) -> None:
    rng = np.random.RandomState(42)
    expected = np.float32(rng.normal(0.0, 0.6, (1000, 100)))
    np.testing.assert_array_equal(quadratic.train[0].numpy(), expected)
    rng = np.random.RandomState(44)  # DeepOBS's validation seed
    expected = np.float32(rng.normal(0.0, 0.6, (1000, 100)))
    np.testing.assert_array_equal(quadratic.validation[0].numpy(), expected)


def loss_at(task: Task, theta: np.ndarray) -> tuple[float, np.ndarray]:
    model = task.model().double()
    with torch.no_grad():
        model.theta.copy_(torch.from_numpy(theta))
    inputs, targets = task.train
    loss = task.loss(model(inputs.double()), targets)
    loss.backward()
    return float(loss.detach()), model.theta.grad.numpy()


def test_loss_at_the_optimum_and_at_the_start(quadratic: Task) -> None:
    h, x = numpy_hessian(quadratic), quadratic.train[0].double().numpy()
    optimum = x.mean(axis=0)  # the minimiser of the mean of 0.5 (t - x)^T H (t - x)
    centred = x - optimum
    floor = 0.5 * np.einsum("ni,ij,nj->n", centred, h, centred).mean()
    value, grad = loss_at(quadratic, optimum)
    assert value == pytest.approx(floor, rel=1e-10)
    assert np.abs(grad).max() < 1e-10
    # E[floor] = 0.5 sigma^2 tr(H) (n - 1) / n, with a standard deviation near 1.2 here
    assert floor == pytest.approx(0.5 * 0.36 * np.trace(h) * 0.999, abs=4.0)
    start = np.ones(100)
    value, _ = loss_at(quadratic, start)
    gap = start - optimum
    assert value == pytest.approx(floor + 0.5 * gap @ h @ gap, rel=1e-10)
    assert value > 2 * floor


def test_short_sgd_run_lowers_the_loss(quadratic: Task) -> None:
    run = dl.fit(quadratic, "sgd(lr=0.01)", epochs=3)
    curve = run.curve
    assert run.diverged_at == -1 and len(curve) == 4
    assert np.all(np.diff(curve["train_loss"]) < 0) and np.all(np.diff(curve["val_loss"]) < 0)
    assert curve["val_loss"].iloc[-1] < 0.5 * curve["val_loss"].iloc[0]


# -- noisy landscapes --------------------------------------------------------------
def rosenbrock_gradient(x: float, y: float) -> np.ndarray:
    return np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])


def test_noisy_point_value_is_f_and_gradient_is_grad_f_plus_noise() -> None:
    task = dl.tasks.get("noisy_rosenbrock")
    model = task.model()
    assert model.point.tolist() == [-1.5, 2.0]  # the landscape's start
    noise = task.train[0][:8]
    loss = task.loss(model(noise), task.train[1][:8])
    loss.backward()
    assert float(loss.detach()) == pytest.approx((1 + 1.5) ** 2 + 100 * (2 - 2.25) ** 2, rel=1e-6)
    expected = rosenbrock_gradient(-1.5, 2.0) + noise.double().numpy().mean(axis=0)
    np.testing.assert_allclose(model.point.grad.numpy(), expected, rtol=1e-5)


def test_noise_is_standard_normal_per_coordinate() -> None:
    noise = dl.tasks.get("noisy_bowl", examples=20000).train[0].double()
    assert noise.shape == (20000, 2)
    np.testing.assert_allclose(noise.mean(0).numpy(), 0.0, atol=0.03)
    np.testing.assert_allclose(noise.std(0).numpy(), 1.0, atol=0.03)
    first, again = (dl.tasks.get("noisy_bowl", noise_seed=s).train[0] for s in (0, 0))
    assert torch.equal(first, again)
    assert not torch.equal(first, dl.tasks.get("noisy_bowl", noise_seed=1).train[0])


def test_noisy_bowl_is_the_textbooks_sgd_2d() -> None:
    """d2l's sgd_2d on f = x1^2 + 2 x2^2 from (-5, -2): x -= eta (grad f + noise), the
    noise fed in the order a shuffling DataLoader draws it."""
    task, eta, seed = dl.tasks.get("noisy_bowl"), 0.1, 3
    run = dl.fit(task, f"sgd(lr={eta})", seed=seed, dtype=torch.float64)
    torch.manual_seed(seed)
    loader = DataLoader(TensorDataset(task.train[0].double()), batch_size=1, shuffle=True)
    point, values = np.array([-5.0, -2.0]), [33.0]
    for step, (noise,) in enumerate(loader, start=1):
        point = point - eta * (np.array([2 * point[0], 4 * point[1]]) + noise[0].numpy())
        if step % 10 == 0:
            values.append(point[0] ** 2 + 2 * point[1] ** 2)
    np.testing.assert_allclose(run.curve["train_loss"].to_numpy(), values, rtol=1e-9)
    assert np.min(values) <= task.target < values[0]  # the target is reached in one epoch


def test_noisy_tasks_reach_their_targets() -> None:
    for name, spec in (("noisy_himmelblau", "sgd(lr=0.01)"), ("noisy_rosenbrock", "adam(lr=0.05)")):
        task = dl.tasks.get(name)
        curve = dl.fit(task, spec).curve
        assert curve["train_loss"].min() <= task.target < curve["train_loss"].iloc[0]


def test_any_2d_landscape_can_be_a_noisy_task() -> None:
    task = noisy_landscape("booth", examples=50, epochs=2, target=1.0)
    assert (task.name, task.examples, task.epochs, task.target) == ("noisy_booth", 50, 2, 1.0)
    assert dl.fit(task, "sgd(lr=0.05)").curve["train_loss"].iloc[-1] < 5.0
    with pytest.raises(ValueError, match="needs a 2-D landscape"):
        noisy_landscape("parabola")
