"""The tune report: figures drawn from hand-made frames of the data contract, the
performance profile against a hand computation, and the files write_report leaves."""

from __future__ import annotations

import base64
import io
import re

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure
from PIL import Image

from descentlab.tuning import figures
from descentlab.tuning.figures import (
    palette,
    performance_profile,
    seed_boxes,
    sensitivity,
    training_curves,
)
from descentlab.tuning.profile import profile, ratios
from descentlab.tuning.report import DPI, write_report
from descentlab.viz.style import OPTIMIZER_COLOURS

OPTIMIZERS = ["adam", "sgd(momentum=0.9)", "rmsprop"]
TASKS = {  # task -> metric name, maximize, target
    "fashion_mlp": ("val_accuracy", True, 0.8),
    "airfoil_linear": ("val_loss", False, 0.5),
}
SEEDS = [0, 1, 2]


def _trials() -> pd.DataFrame:
    rows = []
    trial = 0
    for task, (name, maximize, _) in TASKS.items():
        for k, optimizer in enumerate(OPTIMIZERS):
            for lr in (1e-4, 1e-3, 1e-2, 1e-1, 1.0):
                # a bowl in log lr, best near 1e-2, shifted per optimizer
                x = np.log10(lr) + 2 + 0.3 * k
                value = 0.9 - 0.08 * x**2 if maximize else 0.3 + 0.1 * x**2
                failed = optimizer == "sgd(momentum=0.9)" and lr == 1.0
                rows.append({
                    "task": task, "optimizer": optimizer, "phase": "search", "trial": trial,
                    "seed": 0, "state": "FAIL" if failed else "COMPLETE",
                    "reason": "diverged at step 37" if failed else "",
                    "metric": np.nan if failed else value, "metric_name": name,
                    "maximize": maximize, "seconds": 1.5 + 0.1 * trial, "hp_lr": lr,
                    "hp_momentum": 0.9 if optimizer.startswith("sgd") else np.nan,
                    "hp_betas_0": 0.9 if optimizer == "adam" else np.nan,
                    "hp_betas_1": 0.999 if optimizer == "adam" else np.nan,
                })  # fmt: skip
                trial += 1
            for seed in SEEDS:
                rows.append({
                    "task": task, "optimizer": optimizer, "phase": "seed", "trial": trial,
                    "seed": seed, "state": "COMPLETE", "reason": "",
                    "metric": 0.85 if maximize else 0.35, "metric_name": name,
                    "maximize": maximize, "seconds": 2.0, "hp_lr": 1e-2,
                    "hp_momentum": np.nan, "hp_betas_0": np.nan, "hp_betas_1": np.nan,
                })  # fmt: skip
                trial += 1
    return pd.DataFrame(rows)


def _curve(task: str, k: int, seed: int, examples: np.ndarray) -> np.ndarray:
    _, maximize, _ = TASKS[task]
    # rmsprop (k = 2) ends short of the target on every task
    end = [0.9, 0.85, 0.7][k] if maximize else [0.3, 0.4, 0.8][k]
    start = 0.1 if maximize else 2.0
    progress = 1 - np.exp(-examples / (2000.0 * (1 + k)))
    return start + (end - start) * progress + 0.01 * (seed - 1)


def _curves() -> pd.DataFrame:
    rows = []
    examples = np.arange(0, 12001, 1000)
    for task, (name, _, _) in TASKS.items():
        for k, optimizer in enumerate(OPTIMIZERS):
            for seed in SEEDS:
                for e, v in zip(examples, _curve(task, k, seed, examples), strict=True):
                    rows.append({"task": task, "optimizer": optimizer, "seed": seed,
                                 "examples": int(e), "value": float(v),
                                 "metric_name": name})  # fmt: skip
    return pd.DataFrame(rows)


def _seeds(curves: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (task, optimizer, seed), run in curves.groupby(["task", "optimizer", "seed"], sort=False):
        name, maximize, target = TASKS[task]
        values = run["value"].to_numpy()
        hit = values >= target if maximize else values <= target
        rows.append({
            "task": task, "optimizer": optimizer, "seed": seed, "final": values[-1],
            "best": values.max() if maximize else values.min(),
            "examples_to_target": run["examples"].to_numpy()[hit][0] if hit.any() else np.nan,
            "metric_name": name, "maximize": maximize,
        })  # fmt: skip
    return pd.DataFrame(rows)


def _results(seeds: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for (task, optimizer), runs in seeds.groupby(["task", "optimizer"], sort=False):
        name, maximize, _ = TASKS[task]
        reached = runs["examples_to_target"].notna()
        rows.append({
            "task": task, "optimizer": optimizer, "metric_name": name, "maximize": maximize,
            "hp_lr": 1e-2, "hp_momentum": 0.9 if optimizer.startswith("sgd") else np.nan,
            "final_median": runs["final"].median(), "final_q1": runs["final"].quantile(0.25),
            "final_q3": runs["final"].quantile(0.75), "best_median": runs["best"].median(),
            "best_q1": runs["best"].quantile(0.25), "best_q3": runs["best"].quantile(0.75),
            "examples_to_target_median": runs["examples_to_target"].median() if reached.any()
            else np.nan,
            "reached": int(reached.sum()), "seeds": len(runs),
        })  # fmt: skip
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    curves = _curves()
    seeds = _seeds(curves)
    return {"trials": _trials(), "seeds": seeds, "curves": curves, "results": _results(seeds)}


def _pixels(fig: Figure) -> np.ndarray:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=80)
    return np.asarray(Image.open(io.BytesIO(buffer.getvalue())).convert("RGB"), dtype=float)


def _has_colour(fig: Figure, colour: str) -> bool:
    """Whether some line or patch of the figure is drawn in ``colour``."""
    wanted = matplotlib.colors.to_rgba(colour)[:3]
    for ax in fig.axes:
        for line in ax.get_lines():
            if matplotlib.colors.to_rgba(line.get_color())[:3] == wanted:
                return True
        for patch in ax.patches:
            if matplotlib.colors.to_rgba(patch.get_facecolor())[:3] == wanted:
                return True
    return False


def test_the_synthetic_frames_hold_what_the_report_must_show(frames):
    assert (frames["trials"]["state"] == "FAIL").sum() == 2  # one per task
    results = frames["results"].set_index(["task", "optimizer"])
    assert (results.xs("rmsprop", level="optimizer")["reached"] == 0).all()
    assert results.xs("rmsprop", level="optimizer")["examples_to_target_median"].isna().all()
    assert (results.xs("adam", level="optimizer")["reached"] == 3).all()


def test_sensitivity_draws_a_panel_per_task_on_log_lr(frames):
    fig = sensitivity(frames["trials"])
    axes = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in axes] == list(TASKS)
    for ax, (name, _, _) in zip(axes, TASKS.values(), strict=True):
        assert ax.get_xscale() == "log"
        assert name in ax.get_ylabel()
        assert "learning rate" in ax.get_xlabel()
        # the joined search trials, in lr order: 5 per optimizer, 4 for the one that failed
        joined = [line for line in ax.get_lines() if line.get_linestyle() == "-"]
        assert sorted(len(line.get_xdata()) for line in joined) == [4, 5, 5]
        for line in joined:
            assert np.all(np.diff(np.asarray(line.get_xdata(), float)) > 0)
    assert _pixels(fig).std() > 10


def test_sensitivity_marks_failed_trials_at_the_worst_edge(frames):
    fig = sensitivity(frames["trials"])
    sgd = palette(OPTIMIZERS)["sgd(momentum=0.9)"]
    for ax, (_, maximize, _) in zip(fig.axes, TASKS.values(), strict=True):
        marks = [line for line in ax.get_lines() if line.get_gid() == "diverged"]
        assert len(marks) == 1
        (mark,) = marks
        assert mark.get_marker() == "x"
        assert matplotlib.colors.same_color(mark.get_color(), sgd)
        assert list(mark.get_xdata()) == [1.0]  # at the failed trial's lr
        (height,) = mark.get_ydata()  # in axes fractions: bottom when maximizing
        assert (height < 0.2) if maximize else (height > 0.8)
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "diverged" in labels
    assert set(OPTIMIZERS) <= set(labels)


def test_a_blown_up_trial_is_marked_off_the_scale(frames):
    trials = frames["trials"].copy()
    blown = (trials["task"] == "airfoil_linear") & (trials["optimizer"] == "adam")
    blown &= (trials["phase"] == "search") & (trials["hp_lr"] == 1.0)
    trials.loc[blown, "metric"] = 1e18  # completed, but ran away
    fig = sensitivity(trials)
    ax = fig.axes[list(TASKS).index("airfoil_linear")]
    (mark,) = [line for line in ax.get_lines() if line.get_gid() == "off scale"]
    assert list(mark.get_xdata()) == [1.0] and mark.get_marker() == "^"
    assert ax.get_yscale() == "linear" and ax.get_ylim()[1] < 2  # the rest stays readable
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert any(label.startswith("off the scale") for label in labels)
    # maximized metrics are bounded: nothing is off their scale
    assert not [line for line in fig.axes[0].get_lines() if line.get_gid() == "off scale"]


def test_sensitivity_without_failures_has_no_diverged_entry(frames):
    trials = frames["trials"]
    fig = sensitivity(trials[trials["state"] == "COMPLETE"])
    labels = [t.get_text() for legend in fig.legends for t in legend.get_texts()]
    assert "diverged" not in labels
    assert not [line for ax in fig.axes for line in ax.get_lines() if line.get_gid()]


def test_sensitivity_without_a_searched_lr_says_so(frames):
    trials = frames["trials"].drop(columns=["hp_lr"])
    fig = sensitivity(trials)
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts == ["no learning rate was searched"] * len(TASKS)


def test_figures_use_the_project_colours(frames):
    fig = training_curves(frames["curves"])
    assert _has_colour(fig, OPTIMIZER_COLOURS["adam"])
    assert _has_colour(fig, OPTIMIZER_COLOURS["sgd"])
    assert _has_colour(fig, OPTIMIZER_COLOURS["rmsprop"])


def test_seed_boxes_draw_a_box_per_optimizer(frames):
    fig = seed_boxes(frames["seeds"])
    for ax, (name, _, _) in zip(fig.axes, TASKS.values(), strict=True):
        assert [t.get_text() for t in ax.get_xticklabels()] == OPTIMIZERS
        assert f"final {name}" in ax.get_ylabel()
        assert "3 seeds" in ax.get_title()
        boxes = [p for p in ax.patches if p.get_alpha() == pytest.approx(0.35)]
        assert len(boxes) == len(OPTIMIZERS)
        # the medians are the seeds' middle values
        medians = [line for line in ax.get_lines() if line.get_gid() == "median"]
        seeds = frames["seeds"]
        want = seeds[seeds["task"] == ax.get_title().split(":")[0]].groupby(
            "optimizer", sort=False)["final"].median()  # fmt: skip
        got = [float(np.mean(line.get_ydata())) for line in medians]
        np.testing.assert_allclose(got, want.to_numpy())
    assert _pixels(fig).std() > 10


def test_training_curves_draw_the_median_and_the_seed_range(frames):
    curves = frames["curves"]
    fig = training_curves(curves)
    task = "airfoil_linear"
    ax = fig.axes[list(TASKS).index(task)]
    assert ax.get_ylabel() == "val_loss"
    assert ax.get_xlabel() == "examples seen"
    lines = ax.get_lines()
    assert len(lines) == len(OPTIMIZERS)
    adam = curves[(curves["task"] == task) & (curves["optimizer"] == "adam")]
    median = adam.groupby("examples")["value"].median()
    np.testing.assert_allclose(lines[0].get_ydata(), median.to_numpy())
    np.testing.assert_allclose(lines[0].get_xdata(), median.index.to_numpy())
    bands = ax.collections
    assert len(bands) == len(OPTIMIZERS)
    # the band spans the smallest and the largest seed
    top = adam.groupby("examples")["value"].max().to_numpy()
    low = adam.groupby("examples")["value"].min().to_numpy()
    ys = np.concatenate([p.vertices[:, 1] for p in bands[0].get_paths()])
    assert ys.max() == pytest.approx(top.max()) and ys.min() == pytest.approx(low.min())
    assert _pixels(fig).std() > 10


# a two-task example computed by hand
#   loss (minimized):      adam 0.1, sgd 0.2, rmsprop 0.4  -> ratios 1, 2, 4
#   accuracy (maximized):  adam 0.9, sgd 0.95, rmsprop NaN -> errors 0.1, 0.05, -
#                                                          -> ratios 2, 1, inf
#   rho(tau):  adam    1/2 on [1, 2), 1 from 2
#              sgd     1/2 on [1, 2), 1 from 2
#              rmsprop 0 on [1, 4), 1/2 from 4
HAND = pd.DataFrame({
    "task": ["loss_task"] * 3 + ["accuracy_task"] * 3,
    "optimizer": ["adam", "sgd", "rmsprop"] * 2,
    "metric_name": ["val_loss"] * 3 + ["val_accuracy"] * 3,
    "maximize": [False] * 3 + [True] * 3,
    "final_median": [0.1, 0.2, 0.4, 0.9, 0.95, np.nan],
})  # fmt: skip


def _rho_at(curve: tuple[np.ndarray, np.ndarray], tau: float) -> float:
    taus, rho = curve
    return float(rho[np.searchsorted(taus, tau, side="right") - 1])


def test_the_ratios_match_a_hand_computation():
    table = ratios(HAND, "final_median")
    np.testing.assert_allclose(table.loc["loss_task"].to_numpy(), [1, 2, 4])
    np.testing.assert_allclose(table.loc["accuracy_task"].to_numpy(), [2, 1, np.inf])


def test_the_profile_matches_a_hand_computation():
    curves = profile(HAND, "final_median")
    assert list(curves) == ["adam", "sgd", "rmsprop"]
    hand = {
        "adam": [(1.0, 0.5), (1.99, 0.5), (2.0, 1.0), (4.3, 1.0)],
        "sgd": [(1.0, 0.5), (1.5, 0.5), (2.0, 1.0), (4.0, 1.0)],
        "rmsprop": [(1.0, 0.0), (3.99, 0.0), (4.0, 0.5), (4.4, 0.5)],
    }
    for label, points in hand.items():
        for tau, rho in points:
            assert _rho_at(curves[label], tau) == pytest.approx(rho), (label, tau)
    for taus, rho in curves.values():
        assert taus[0] == 1.0 and taus[-1] == pytest.approx(1.1 * 4)
        assert np.all(np.diff(taus) > 0) and np.all(np.diff(rho) >= 0)
    np.testing.assert_allclose(curves["rmsprop"][0], [1.0, 4.0, 4.4])
    np.testing.assert_allclose(curves["rmsprop"][1], [0.0, 0.5, 0.5])


def test_a_maximized_metric_that_is_no_accuracy_uses_best_over_score():
    frame = pd.DataFrame({
        "task": ["t", "t"], "optimizer": ["adam", "sgd"], "metric_name": ["reward"] * 2,
        "maximize": [True, True], "final_median": [10.0, 4.0],
    })  # fmt: skip
    np.testing.assert_allclose(ratios(frame).loc["t"].to_numpy(), [1.0, 2.5])


def test_a_perfect_score_is_best_and_ties_count_as_best():
    frame = pd.DataFrame({
        "task": ["t"] * 3, "optimizer": ["adam", "sgd", "lion"],
        "metric_name": ["accuracy"] * 3, "maximize": [True] * 3,
        "final_median": [1.0, 1.0, 0.9],
    })  # fmt: skip
    np.testing.assert_allclose(ratios(frame).loc["t"].to_numpy(), [1.0, 1.0, np.inf])


def test_the_profile_figure_draws_the_steps(frames):
    fig = performance_profile(HAND)
    (ax,) = fig.axes
    lines = ax.get_lines()
    assert len(lines) == 3
    assert "2 tasks" in ax.get_title()
    assert "tau" in ax.get_xlabel()
    one = performance_profile(frames["results"][frames["results"]["task"] == "fashion_mlp"])
    assert "one task" in one.axes[0].get_title()
    assert _pixels(fig).std() > 10


def test_write_report_writes_every_file(tmp_path, frames):
    command = "descentlab tune --tasks fashion_mlp,airfoil_linear --optimizers 'adam' <&>"
    versions = {"descentlab": "0.9.0", "torch": "2.13.0", "optuna": "4.1.0"}
    machine = {"cpu": "16 cores", "gpu": "none", "os": "Linux <test>"}
    folder = tmp_path / "report"
    paths = write_report(folder, frames["trials"], frames["seeds"], frames["curves"],
                         frames["results"], command, versions, machine)  # fmt: skip
    names = ["results.csv", "trials.csv", "seeds.csv", "sensitivity.png", "seeds.png",
             "curves.png", "profile.png", "report.html"]  # fmt: skip
    assert [p.name for p in paths] == names
    assert all(p.parent == folder and p.is_file() for p in paths)
    assert sorted(p.name for p in folder.iterdir()) == sorted(names)  # no partial files left

    for name in ("results", "trials", "seeds"):
        back = pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""])
        want = frames[name]
        if "reason" in want:  # CSV writes "" and NaN alike: an empty field
            back["reason"] = back["reason"].fillna("")
        pd.testing.assert_frame_equal(back, want, check_dtype=False)

    for name in ("sensitivity", "seeds", "curves", "profile"):
        with Image.open(folder / f"{name}.png") as image:
            width, height = image.size
            pixels = np.asarray(image.convert("RGB"), dtype=float)
        assert image.format == "PNG"
        assert 600 <= width <= 3000 and 400 <= height <= 2000
        assert 1.2 <= width / height <= 3.5, (name, width, height)
        assert pixels.std() > 10, name  # not blank
    # the figures' sizes in inches at the report's dpi
    with Image.open(folder / "profile.png") as image:
        assert image.size == (round(8.2 * DPI), round(4.6 * DPI))

    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "descentlab tune --tasks fashion_mlp,airfoil_linear --optimizers &#x27;adam&#x27; " \
        "&lt;&amp;&gt;" in page  # fmt: skip
    assert "<&>" not in page
    for label in OPTIMIZERS:
        assert label in page
    body = page.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == len(frames["results"])
    for key, value in {**versions, **machine}.items():
        assert f"<th>{key}</th><td>{value.replace('<', '&lt;').replace('>', '&gt;')}</td>" in page
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(images) == 4
    for encoded, name in zip(images, ("sensitivity", "seeds", "curves", "profile"), strict=True):
        assert base64.b64decode(encoded) == (folder / f"{name}.png").read_bytes()
    assert page.count("<figcaption>") == 4
    assert "http://" not in page and "https://" not in page  # opens alone


def test_the_results_table_shows_four_significant_figures(tmp_path, frames):
    results = frames["results"].copy()
    results.loc[0, "final_median"] = 0.123456789
    results.loc[1, "hp_lr"] = 0.000123456
    write_report(tmp_path, frames["trials"], frames["seeds"], frames["curves"], results,
                 "descentlab tune", {}, {})  # fmt: skip
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert ">0.1235 [" in page and "0.123456" not in page
    assert ">0.0001235<" in page
    # never reached: a dash, not "nan"
    assert "nan" not in page.split("<tbody>", 1)[1].split("</tbody>", 1)[0].lower()


def test_a_failing_figure_leaves_no_page_and_no_partial_file(tmp_path, frames, monkeypatch):

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(figures, "sensitivity", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        write_report(tmp_path, frames["trials"], frames["seeds"], frames["curves"],
                     frames["results"], "descentlab tune", {}, {})  # fmt: skip
    assert not (tmp_path / "report.html").exists()
    assert not [p for p in tmp_path.iterdir() if "partial" in p.name]


def test_missing_columns_are_named():
    with pytest.raises(ValueError, match=re.escape("lacks the column(s) metric")):
        sensitivity(pd.DataFrame({"task": [], "optimizer": [], "phase": [], "state": []}))


def test_fewer_examples_to_the_target_is_better_on_an_accuracy_task_too():
    frame = pd.DataFrame({
        "task": ["digits", "digits"], "optimizer": ["fast", "slow"],
        "metric_name": ["val_accuracy"] * 2, "maximize": [True, True],
        "examples_to_target_median": [1000.0, 2000.0],
    })  # fmt: skip
    table = ratios(frame, "examples_to_target_median")
    np.testing.assert_allclose(table.loc["digits"].to_numpy(), [1.0, 2.0])
