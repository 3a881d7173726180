"""Teaching figures for the newer optimizer families: Muon as normalised gradient
descent, L-BFGS's line search at work, and Prodigy finding its own step size."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
from matplotlib.figure import Figure

from .. import landscapes
from .drawing import colorbar, draw_contour
from .style import OPTIMIZER_COLOURS, math

GD_COLOUR = OPTIMIZER_COLOURS["sgd"]
ADAM_COLOUR = OPTIMIZER_COLOURS["adam"]
FIXED_COLOUR = "#00ced1"  # L-BFGS without a line search: a spare colour far from lbfgs'
START = {"marker": "o", "markersize": 9, "color": "white", "markeredgecolor": "black"}


def _descend(
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    f: Callable[[torch.Tensor], torch.Tensor],
    start: torch.Tensor,
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """The iterates (steps + 1, n) and the gradients at each but the last (steps, n)."""
    theta = start.clone().requires_grad_(True)
    opt = make([theta])
    points, grads = [theta.detach().flatten().clone()], []
    for _ in range(steps):
        opt.zero_grad()
        f(theta).backward()
        grads.append(theta.grad.detach().flatten().clone())
        opt.step()
        points.append(theta.detach().flatten().clone())
    return torch.stack(points).numpy(), torch.stack(grads).numpy()


def newton_schulz_gain(coefficients: Sequence[float], steps: int) -> float:
    """What Muon's quintic Newton-Schulz iteration makes of a singular value of 1
    (in exact arithmetic): the length of Muon's step on a rank-1 matrix, over lr."""
    a, b, c = coefficients
    s = 1.0
    for _ in range(steps):
        s = a * s + b * s**3 + c * s**5
    return s


def muon_normalised(
    lr: float = 0.4, steps: int = 30, start: tuple[float, float] = (-5.0, -2.0)
) -> Figure:
    """Muon on a 1x2 matrix W = [x, y] over the elongated bowl is normalised gradient
    descent: the orthogonalised gradient of a rank-1 matrix is g / |g|, so every step
    has the same length, lr times Newton-Schulz's gain (not exactly 1). Beside it:
    normalised GD with that step, and plain GD with the same lr; then the step lengths."""
    from ..optim import SGD
    from ..optim.muon import Muon

    land = landscapes.get("elongated-bowl")

    def f(w: torch.Tensor) -> torch.Tensor:
        return land(w[0, 0], w[0, 1])

    def muon(params: list[torch.Tensor]) -> Muon:
        return Muon(params, lr=lr, momentum=0.0, nesterov=False, weight_decay=0.0)

    w0 = torch.tensor([start], dtype=torch.float64)  # a 1x2 matrix
    path, grads = _descend(muon, f, w0, steps)
    group = muon([w0.clone().requires_grad_(True)]).defaults
    gain = newton_schulz_gain(group["ns_coefficients"], group["ns_steps"])
    gd, _ = _descend(lambda p: SGD(p, lr=lr), f, w0, steps)
    normalised = [w0.flatten()]  # theta <- theta - gain lr g / |g|
    for _ in range(steps):
        g = torch.stack(land.gradient(*normalised[-1]))
        normalised.append(normalised[-1] - gain * lr * g / g.norm())
    normalised = torch.stack(normalised).numpy()

    lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
    unit = grads / np.linalg.norm(grads, axis=1, keepdims=True)
    turned = np.abs(-np.diff(path, axis=0) / lengths[:, None] - unit).max()

    fig = Figure(figsize=(14, 5.6), layout="constrained")
    grid = fig.add_gridspec(1, 2, width_ratios=[1.9, 1])
    ax = fig.add_subplot(grid[0])
    draw_contour(ax, land)
    ax.set_title(f"{land.name}:  {math(land.formula)},  $W = [x, y]$,  lr = {lr:g}", fontsize=11)
    ax.plot(*gd.T, "-o", color=GD_COLOUR, markersize=3, linewidth=1.3, gid="gd-path",
            label=f"gradient descent, lr = {lr:g}")  # fmt: skip
    rule = rf"$\theta \leftarrow \theta - {gain:.3f}\,$lr$\,g/|g|$"
    ax.plot(*normalised.T, "-", color="black", linewidth=7, alpha=0.3, gid="normalised-path",
            label=f"normalised GD: {rule}")  # fmt: skip
    ax.plot(*path.T, "-o", color=OPTIMIZER_COLOURS["muon"], markersize=3.5, linewidth=1.3,
            gid="muon-path", label=f"Muon (momentum 0), lr = {lr:g}")  # fmt: skip
    ax.plot(*start, **START, zorder=7)

    steps_ax = fig.add_subplot(grid[1])
    t = np.arange(1, steps + 1)
    steps_ax.plot(t, np.linalg.norm(np.diff(gd, axis=0), axis=1), "-o", color=GD_COLOUR,
                  markersize=3, gid="gd-steps")  # fmt: skip
    steps_ax.axhline(lr, color="0.3", linestyle=":", linewidth=1.2)
    steps_ax.text(steps, lr * 1.08, f"lr = {lr:g}", ha="right", va="bottom", fontsize=10)
    steps_ax.axhline(gain * lr, color="black", linewidth=5, alpha=0.18)
    steps_ax.text(steps, gain * lr / 1.1, f"normalised GD: {gain:.3f} lr", ha="right", va="top",
                  fontsize=10)  # fmt: skip
    steps_ax.plot(t, lengths, "o", color=OPTIMIZER_COLOURS["muon"], markersize=4.5,
                  gid="muon-steps")  # fmt: skip
    steps_ax.set_yscale("log")
    steps_ax.set_xlabel("step")
    steps_ax.set_ylabel(r"step length $|\theta_{t+1} - \theta_t|$")
    steps_ax.set_title("every Muon step has the same length", fontsize=11)
    steps_ax.grid(alpha=0.3, which="both")
    note = (
        f"Muon: step / lr = {lengths.min() / lr:.3f} to {lengths.max() / lr:.3f}\n"
        f"Newton-Schulz ({group['ns_steps']} steps) maps a singular\n"
        f"value of 1 to {gain:.3f}, not 1; bfloat16 adds the jitter\n"
        f"direction: max |step/|step| + g/|g|| = {turned:.1e}\n"
        "steps never shrink: at the minimum, Muon bounces"
    )
    box = {"facecolor": "white", "alpha": 0.85, "edgecolor": "0.7"}
    steps_ax.text(0.97, 0.97, note, transform=steps_ax.transAxes, ha="right", va="top",
                  fontsize=10, bbox=box)  # fmt: skip
    fig.suptitle("Muon on a 1x2 matrix is normalised gradient descent: "
                 "orthogonalising a rank-1 gradient gives $g/|g|$", fontsize=13)  # fmt: skip
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, frameon=False, fontsize=11)
    return fig


def _lbfgs_run(
    line_search: str | None, lr: float, start: tuple[float, float], iterations: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One L-BFGS run on Rosenbrock, one step() call per iteration (max_iter=1), until a
    call leaves the point where it is (its tolerances) or ``iterations`` calls: the
    accepted iterates, every point the closure was evaluated at, and f at each iterate."""
    from ..optim.lbfgs import LBFGS

    land = landscapes.get("rosenbrock")
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    # max_iter=1 makes torch's default max_eval 1, which leaves the line search no
    # evaluation at all: allow 25, the default budget of max_iter=20
    opt = LBFGS([x], lr=lr, max_iter=1, max_eval=25, line_search_fn=line_search)
    evaluated = []

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = land(x[0], x[1])
        loss.backward()
        evaluated.append(x.detach().clone())
        return loss

    iterates = [x.detach().clone()]
    while len(iterates) <= iterations:
        opt.step(closure)
        if torch.equal(x, iterates[-1]):  # its tolerances have stopped it
            break
        iterates.append(x.detach().clone())
    path = torch.stack(iterates)
    values = land(path[:, 0], path[:, 1]).detach().numpy()
    return path.numpy(), torch.stack(evaluated).numpy(), values


def lbfgs_line_search(
    start: tuple[float, float] = (-1.5, 2.0), lr: float = 1.0, iterations: int = 150
) -> Figure:
    """L-BFGS on Rosenbrock with a strong-Wolfe line search beside the same method with
    fixed steps of lr: the accepted iterates (lines with dots), every closure evaluation
    (small white dots), and f against iteration, until L-BFGS's tolerances stop it."""
    land = landscapes.get("rosenbrock")
    runs = [
        ("strong Wolfe", "strong_wolfe", OPTIMIZER_COLOURS["lbfgs"], "strong_wolfe"),
        (f"fixed step, lr = {lr:g}", None, FIXED_COLOUR, "fixed"),
    ]
    fig = Figure(figsize=(16, 6.6), layout="constrained")
    grid = fig.add_gridspec(1, 3, width_ratios=[1.1, 1.1, 1.05])
    maps = [fig.add_subplot(grid[0]), fig.add_subplot(grid[1])]
    curve = fig.add_subplot(grid[2])
    rises = []
    for ax, (name, line_search, colour, gid) in zip(maps, runs, strict=True):
        path, evaluated, values = _lbfgs_run(line_search, lr, start, iterations)
        rises.append(int((np.diff(values) > 0).sum()))
        filled = draw_contour(ax, land)
        iters, calls = len(path) - 1, len(evaluated)
        miss = np.linalg.norm(path[-1] - 1)
        ax.set_title(f"{name}\n{iters} iterations, {calls} closure calls, "
                     f"ends {miss:.0e} from (1, 1)", fontsize=11)  # fmt: skip
        ax.plot(*path.T, "-o", color=colour, markersize=6, linewidth=1.6, zorder=5,
                gid=f"{gid}-iterates")  # fmt: skip
        ax.plot(*evaluated.T, "o", color="white", markeredgecolor="black", markersize=3.5,
                markeredgewidth=0.5, zorder=6, gid=f"{gid}-evaluations")  # fmt: skip
        ax.plot(*start, **START, zorder=7)
        lows, highs = np.asarray(land.domain).T
        outside = int(((evaluated < lows) | (evaluated > highs)).any(axis=1).sum())
        if outside:
            ax.text(0.03, 0.97, f"{outside} evaluations lie\noutside the map", color="white",
                    transform=ax.transAxes, fontsize=11, va="top")  # fmt: skip
        curve.plot(np.arange(iters + 1), np.maximum(values, 1e-300), "-o", color=colour,
                   markersize=2.5, linewidth=1.6, gid=f"{gid}-curve",
                   label=f"L-BFGS, {name}")  # fmt: skip
    colorbar(fig, maps[1], filled)
    curve.plot([], [], "o", color="white", markeredgecolor="black", markersize=4.5,
               label="a closure evaluation (maps)")  # fmt: skip
    curve.set_yscale("log")
    curve.set_xlabel("iteration (one step() call)")
    curve.set_ylabel(r"$f - f^\star$")
    curve.set_title("loss at the accepted iterates", fontsize=11)
    curve.grid(alpha=0.3, which="both")
    curve.legend(fontsize=11, loc="upper center", bbox_to_anchor=(0.5, -0.13), frameon=False)
    rose = [f"rises {n} times" if n else "never rises" for n in rises]
    fig.suptitle(f"L-BFGS on {land.name} from {start}: the line search tries extra points, "
                 f"and f {rose[0]} along its iterates; with fixed steps, f {rose[1]}",
                 fontsize=13)  # fmt: skip
    fig.supxlabel(
        "One step() call per iteration (max_iter=1, max_eval=25); each call first evaluates the "
        "closure where it starts, so with a line search the accepted point is evaluated twice.\n"
        "A run ends at the first call that does not move (L-BFGS's tolerance_grad and "
        "tolerance_change, at their defaults).",
        fontsize=11,
    )
    return fig


def _least_squares(
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer],
    features: torch.Tensor,
    target: torch.Tensor,
    steps: int,
) -> tuple[np.ndarray, np.ndarray]:
    """Full-batch least squares (loss = mean squared error / 2) from zero weights: the
    loss before each step, and the optimizer's d after each (NaN where it has none)."""
    weight = torch.zeros(features.shape[1], dtype=features.dtype, requires_grad=True)
    bias = torch.zeros((), dtype=features.dtype, requires_grad=True)
    opt = make([weight, bias])
    losses, ds = [], []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((features @ weight + bias - target) ** 2).mean() / 2
        loss.backward()
        opt.step()
        losses.append(loss.item())
        ds.append(float(opt.param_groups[0].get("d", np.nan)))
    return np.array(losses), np.array(ds)


def prodigy_step_size(
    steps: int = 150, d0: float = 1e-6, lrs: Sequence[float] = tuple(np.logspace(-3, 0, 13))
) -> Figure:
    """Prodigy's step-size estimate d on full-batch least squares on the airfoil data,
    from d0, beside a scan of Adam's fixed learning rates (Prodigy is Adam with step
    size d) and the loss curves of Prodigy and of Adam at the scan's best lr."""
    from ..optim import Adam
    from ..optim.prodigy import Prodigy
    from ..train.datasets import airfoil_data

    features, target = (t.double() for t in airfoil_data())
    design = torch.cat([features, torch.ones(len(features), 1, dtype=features.dtype)], dim=1)
    solution = torch.linalg.lstsq(design, target[:, None]).solution.squeeze(1)
    best_value = float(((design @ solution - target) ** 2).mean() / 2)

    def gap(losses: np.ndarray) -> np.ndarray:
        return np.maximum(losses - best_value, 1e-16)

    losses, ds = _least_squares(lambda p: Prodigy(p, lr=1.0, d0=d0), features, target, steps)
    d = np.concatenate([[d0], ds])  # d in use at each step, the last one after it
    scores = []  # the mean of log10(f - f*) over the run: low when fast and stable
    for lr in lrs:
        adam, _ = _least_squares(lambda p, lr=lr: Adam(p, lr=lr), features, target, steps)
        scores.append(float(np.mean(np.log10(gap(adam)))))
    best = int(np.argmin(scores))
    best_lr = float(lrs[best])
    adam, _ = _least_squares(lambda p: Adam(p, lr=best_lr), features, target, steps)
    colour = OPTIMIZER_COLOURS["prodigy"]

    fig = Figure(figsize=(16, 5.4), layout="constrained")
    d_ax, scan_ax, loss_ax = fig.subplots(1, 3, width_ratios=[1.15, 1, 1.15])
    grows = int(np.argmax(d >= 0.99 * d[-1]))
    d_ax.plot(np.arange(steps + 1), d, "-o", color=colour, markersize=4, linewidth=2,
              markeredgecolor="black", markeredgewidth=0.4, markevery=slice(0, grows + 1),
              gid="prodigy-d",
              label=f"Prodigy's d: {d0:g} to {d[-1]:.3g} in {grows} steps")  # fmt: skip
    d_ax.axhline(best_lr, color=ADAM_COLOUR, linestyle="--", linewidth=1.5, gid="best-lr",
                 label=f"best fixed Adam lr from the scan: {best_lr:.3g}")  # fmt: skip
    d_ax.set_yscale("log")
    d_ax.set_xlabel("step")
    d_ax.set_ylabel("step size")
    d_ax.set_title("Prodigy (lr = 1) estimates its own step size d", fontsize=11)
    d_ax.grid(alpha=0.3, which="both")
    d_ax.legend(fontsize=11, loc="lower right")

    scan_ax.plot(lrs, scores, "-o", color=ADAM_COLOUR, markersize=5, gid="adam-scan",
                 label="Adam, fixed lr")  # fmt: skip
    scan_ax.plot(best_lr, scores[best], "*", color=ADAM_COLOUR, markersize=16,
                 markeredgecolor="black")  # fmt: skip
    scan_ax.axvline(d[-1], color=colour, linewidth=2, label=f"Prodigy's final d = {d[-1]:.3g}")
    scan_ax.set_xscale("log")
    scan_ax.set_xlabel("Adam's learning rate")
    scan_ax.set_ylabel(r"mean of $\log_{10}(f - f^\star)$ over the run")
    scan_ax.set_title(f"a scan of {len(lrs)} learning rates, {steps} steps each (lower is "
                      "better)", fontsize=11)  # fmt: skip
    scan_ax.grid(alpha=0.3, which="both")
    scan_ax.legend(fontsize=11, loc="upper center")

    t = np.arange(steps)
    loss_ax.plot(t, gap(losses), color=colour, linewidth=2, gid="prodigy-loss",
                 label=f"Prodigy, d0 = {d0:g}")  # fmt: skip
    loss_ax.plot(t, gap(adam), color=ADAM_COLOUR, linewidth=2, linestyle="--",
                 gid="adam-loss", label=f"Adam, lr = {best_lr:.3g} (the scan's best)")  # fmt: skip
    loss_ax.set_yscale("log")
    loss_ax.set_xlabel("step")
    loss_ax.set_ylabel(r"$f - f^\star$ (training loss gap)")
    loss_ax.set_title("the loss: Prodigy follows Adam's best, some steps behind", fontsize=11)
    loss_ax.grid(alpha=0.3, which="both")
    loss_ax.legend(fontsize=11, loc="upper right")
    fig.suptitle("Prodigy on least squares (airfoil data, full batch): d grows from "
                 f"{d0:g} by {np.log10(d[-1] / d0):.1f} decades, then stays near the best "
                 "fixed Adam learning rate", fontsize=13)  # fmt: skip
    return fig
