"""The teaching figures draw what the optimizers do: checked against torch.optim and
prodigyopt run here, and against the mathematics they illustrate."""

from __future__ import annotations

import matplotlib
import numpy as np
import pytest
import torch
from PIL import Image

from descentlab.train.datasets import airfoil_data
from descentlab.viz import teaching

matplotlib.use("Agg")


def lines_by_gid(fig) -> dict:
    return {line.get_gid(): line for ax in fig.axes for line in ax.get_lines() if line.get_gid()}


@pytest.fixture(scope="module")
def muon_figure():
    return teaching.muon_normalised(lr=0.4, steps=30)


@pytest.fixture(scope="module")
def lbfgs_figure():
    return teaching.lbfgs_line_search()


@pytest.fixture(scope="module")
def prodigy_figure():
    return teaching.prodigy_step_size()


def test_muon_on_a_row_vector_takes_steps_of_one_length_along_the_gradient(muon_figure):
    lines = lines_by_gid(muon_figure)
    path = lines["muon-path"].get_xydata()
    # torch's own Muon, on the same 1x2 matrix, draws the same path
    w = torch.tensor([[-5.0, -2.0]], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.Muon([w], lr=0.4, momentum=0.0, nesterov=False, weight_decay=0.0)
    expected = [w.detach().flatten().clone()]
    for _ in range(30):
        opt.zero_grad()
        (0.1 * w[0, 0] ** 2 + 2 * w[0, 1] ** 2).backward()
        opt.step()
        expected.append(w.detach().flatten().clone())
    np.testing.assert_allclose(path, torch.stack(expected).numpy(), rtol=0, atol=1e-9)

    a, b, c = opt.defaults["ns_coefficients"]
    gain = 1.0
    for _ in range(opt.defaults["ns_steps"]):
        gain = a * gain + b * gain**3 + c * gain**5
    assert gain == pytest.approx(0.6964, abs=1e-4)  # not 1: the quintic is tuned for speed
    step = np.diff(path, axis=0)
    length = np.linalg.norm(step, axis=1)
    # measured: 0.681 to 0.714 lr; bfloat16 Newton-Schulz makes the jitter
    assert np.all(np.abs(length / (0.4 * gain) - 1) < 0.03)
    grad = np.stack([0.2 * path[:-1, 0], 4.0 * path[:-1, 1]], axis=1)
    unit = grad / np.linalg.norm(grad, axis=1, keepdims=True)
    assert np.abs(-step / length[:, None] - unit).max() < 1e-2  # measured 4.5e-3
    np.testing.assert_allclose(lines["muon-steps"].get_ydata(), length)

    normalised = lines["normalised-path"].get_xydata()
    np.testing.assert_allclose(np.linalg.norm(np.diff(normalised, axis=0), axis=1), 0.4 * gain)
    assert np.linalg.norm(path - normalised, axis=1).max() < 0.1  # measured 0.054
    gd = lines["gd-path"].get_xydata()
    np.testing.assert_allclose(gd[1], gd[0] - 0.4 * np.array([0.2 * -5.0, 4.0 * -2.0]))


def test_muon_figure_has_its_panels(muon_figure, tmp_path):
    contour, steps = muon_figure.axes[0], muon_figure.axes[1]
    assert contour.get_xlabel() == "$x$" and "elongated-bowl" in contour.get_title()
    assert "step length" in steps.get_ylabel() and steps.get_yscale() == "log"
    assert "0.696" in " ".join(t.get_text() for t in steps.texts)
    assert muon_figure.legends and "normalised" in muon_figure.get_suptitle()
    path = tmp_path / "muon.png"
    muon_figure.savefig(path, dpi=60)
    with Image.open(path) as image:
        assert image.size[0] > 600


def torch_lbfgs(line_search: str | None) -> tuple[np.ndarray, np.ndarray]:
    """torch.optim.LBFGS as the figure runs it: its iterates and every closure call."""
    x = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([x], lr=1.0, max_iter=1, max_eval=25, line_search_fn=line_search)
    calls = []

    def closure():
        opt.zero_grad()
        loss = (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
        loss.backward()
        calls.append(x.detach().clone())
        return loss

    iterates = [x.detach().clone()]
    for _ in range(150):
        opt.step(closure)
        if torch.equal(x, iterates[-1]):
            break
        iterates.append(x.detach().clone())
    return torch.stack(iterates).numpy(), torch.stack(calls).numpy()


@pytest.mark.parametrize("run", ["strong_wolfe", "fixed"])
def test_lbfgs_figure_marks_every_closure_call(lbfgs_figure, run):
    lines = lines_by_gid(lbfgs_figure)
    iterates, calls = torch_lbfgs("strong_wolfe" if run == "strong_wolfe" else None)
    marked = lines[f"{run}-evaluations"].get_xydata()
    assert len(marked) == len(calls)
    np.testing.assert_allclose(marked, calls, rtol=0, atol=1e-12)
    np.testing.assert_allclose(lines[f"{run}-iterates"].get_xydata(), iterates, rtol=0, atol=1e-12)
    assert np.linalg.norm(iterates[-1] - 1) < 1e-5  # measured 3e-6 and 9e-6
    assert len(lines[f"{run}-curve"].get_xdata()) == len(iterates)


def test_the_line_search_needs_fewer_iterations_and_never_goes_uphill(lbfgs_figure):
    lines = lines_by_gid(lbfgs_figure)
    wolfe, fixed = (lines[f"{run}-curve"].get_ydata() for run in ("strong_wolfe", "fixed"))
    # measured: 40 iterations (91 closure calls) against 88 (89 calls)
    assert len(wolfe) - 1 == 40 and len(fixed) - 1 == 88
    assert len(lines["strong_wolfe-evaluations"].get_xdata()) == 91
    assert np.all(np.diff(wolfe) <= 0)
    assert (np.diff(fixed) > 0).sum() == 18
    assert "never rises" in lbfgs_figure.get_suptitle()
    assert "max_iter=1" in lbfgs_figure.get_supxlabel()


def test_prodigy_d_grows_from_d0_and_settles_near_the_best_adam_lr(prodigy_figure):
    lines = lines_by_gid(prodigy_figure)
    d = lines["prodigy-d"].get_ydata()
    assert d[0] == d[1] == 1e-6  # d0, still in use at the first step
    assert d[-1] / d[0] > 1e4  # measured 1.19e5: five decades
    last = d[-len(d) // 10 :]
    assert last.max() / last.min() - 1 < 1e-3  # measured 0: constant from step 14 on
    # prodigyopt, on the same problem, estimates the same d
    import prodigyopt

    features, target = (t.double() for t in airfoil_data())
    weight = torch.zeros(5, dtype=torch.float64, requires_grad=True)
    bias = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = prodigyopt.Prodigy([weight, bias], lr=1.0, d0=1e-6)
    expected = [1e-6]
    for _ in range(150):
        opt.zero_grad()
        (((features @ weight + bias - target) ** 2).mean() / 2).backward()
        opt.step()
        expected.append(opt.param_groups[0]["d"])
    np.testing.assert_allclose(d, expected, rtol=1e-9)

    best = lines["best-lr"].get_ydata()[0]
    scan = lines["adam-scan"]
    assert best == scan.get_xdata()[np.argmin(scan.get_ydata())]
    assert best == pytest.approx(0.1)  # the scan's best; Prodigy's d is 0.119
    assert 0.5 < d[-1] / best < 2
    design = np.c_[features.numpy(), np.ones(len(features))]
    residual = design @ np.linalg.lstsq(design, target.numpy(), rcond=None)[0] - target.numpy()
    best_value = (residual**2).mean() / 2  # 0.2417
    start_gap = float((target**2).mean() / 2) - best_value
    assert lines["prodigy-loss"].get_ydata()[0] == pytest.approx(start_gap, rel=1e-9)


def test_prodigy_figure_has_its_panels(prodigy_figure):
    d_ax, scan_ax, loss_ax = prodigy_figure.axes[:3]
    assert d_ax.get_yscale() == "log" and scan_ax.get_xscale() == "log"
    assert loss_ax.get_yscale() == "log" and "step" in loss_ax.get_xlabel()
    assert all(ax.get_legend() is not None for ax in (d_ax, scan_ax, loss_ax))
