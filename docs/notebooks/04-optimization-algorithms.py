# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Optimization algorithms
#
# This chapter walks through the optimization chapter of *Dive into Deep Learning*
# (Zhang, Lipton, Li & Smola, chapter "Optimization Algorithms") with descentlab. You
# will see why deep-learning losses are hard to minimise (local minima, saddle points),
# how the learning rate makes gradient descent converge, crawl or diverge, what noise
# and minibatches do, and then five classic algorithms: **momentum, AdaGrad, RMSProp,
# AdaDelta and Adam**. Each one is written from scratch in a few lines, run beside
# descentlab's own class (`descentlab.optim`), and checked against the numbers the
# textbook prints.
#
# The textbook's numbers quoted below are the outputs printed in its PyTorch edition
# (version 1.0.3). Two kinds of comparison appear:
#
# * **deterministic 2-D traces** (gradient descent from a fixed start): ours must print
#   the same digits as the textbook;
# * **training on the airfoil data**, whose minibatches are random: there our
#   from-scratch code and descentlab's class must give the same numbers for the same
#   seed, and the textbook's loss is shown for reference, with a loose check.

# %%
import math
import os
import re
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import Math, display
from torch.optim import lr_scheduler
from torch.utils.data import DataLoader, TensorDataset

import descentlab as dl
from descentlab import optim, progress

torch.set_num_threads(1)  # a linear model on 1500 rows: threads only add overhead

# %%
QUICK = os.environ.get("DESCENTLAB_QUICK") == "1"  # CI runs every chapter with small settings
SEEDS = [0] if QUICK else [0, 1, 2]  # airfoil runs: each compared on every seed
NOISY_RUNS = 100 if QUICK else 500  # noisy SGD: trajectories per learning-rate schedule

# %% [markdown]
# ## 1. Why optimization is hard: local minima and saddle points
#
# The textbook's first pictures. $f(x) = x\cos(\pi x)$ on $[-1, 2]$ has a *local*
# minimum near $x = -0.3$ and a *global* one near $x = 1.1$: gradient descent started on
# the left stops in the local one. $f(x) = x^3$ has $f'(0) = f''(0) = 0$ at $x = 0$,
# a point that is no minimum (a *saddle point* in one dimension), and
# $f(x, y) = x^2 - y^2$ has a saddle at the origin: a minimum along $x$, a maximum
# along $y$. All three are descentlab landscapes; the minima are read from its catalog.

# %%
xcos, cubic, saddle = (dl.landscapes.get(name) for name in ("xcos", "cubic", "saddle"))
for m in xcos.minima:
    print(f"{xcos.name}: minimum at x = {m.point[0]:.4f}, f = {m.value:.4f}")

# %% [markdown]
# Check the catalog: each listed point must be stationary ($f'(x) = 0$), the one on the
# right lower than the one on the left, and both where the textbook's arrows point
# ($x \approx -0.3$ and $x \approx 1.1$, read off its annotations to $\pm 0.05$). At the
# saddle of $x^2 - y^2$ the Hessian has one positive and one negative eigenvalue.

# %%
(glob, local) = sorted(xcos.minima, key=lambda m: m.value)
for m in (glob, local):
    slope = xcos.gradient(torch.tensor(m.point[0], dtype=torch.float64))[0]
    assert abs(float(slope)) < 1e-9, (m, slope)
assert glob.value < local.value
assert abs(local.point[0] - (-0.3)) < 0.05 and abs(glob.point[0] - 1.1) < 0.05

hessian = torch.autograd.functional.hessian(
    lambda p: saddle(p[0], p[1]), torch.zeros(2, dtype=torch.float64)
)
eigenvalues = torch.linalg.eigvalsh(hessian)
print("Hessian of x^2 - y^2 at (0, 0):", hessian.tolist(), "eigenvalues", eigenvalues.tolist())
assert eigenvalues[0] < 0 < eigenvalues[1]


# %%
def plot_curve(ax, land, lo, hi):
    x = torch.linspace(lo, hi, 400, dtype=torch.float64)
    ax.plot(x, land(x), color="C0")
    ax.set(xlabel="$x$", ylabel="$f(x)$", title=f"${land.formula}$")
    ax.grid(alpha=0.3)


def mark(ax, text, point, offset):
    ax.plot(*point, "o", color="C3", markersize=6, zorder=5)
    ax.annotate(
        text,
        point,
        xytext=offset,
        textcoords="offset points",
        arrowprops={"arrowstyle": "->"},
        fontsize=10,
    )


fig = plt.figure(figsize=(15, 4.3), layout="constrained")
ax1, ax2 = fig.add_subplot(1, 3, 1), fig.add_subplot(1, 3, 2)
plot_curve(ax1, xcos, -1.0, 2.0)
mark(ax1, "local minimum", (local.point[0], local.value), (-50, -60))
mark(ax1, "global minimum", (glob.point[0], glob.value), (-80, 70))
plot_curve(ax2, cubic, -2.0, 2.0)
mark(ax2, "saddle point", (0.0, 0.0), (-90, -60))

ax3 = fig.add_subplot(1, 3, 3, projection="3d")
x, y = torch.meshgrid(torch.linspace(-1, 1, 101), torch.linspace(-1, 1, 101), indexing="ij")
ax3.plot_wireframe(x, y, saddle(x, y), rstride=10, cstride=10, linewidth=0.8)
ax3.plot([0], [0], [0], "rx", markersize=12, markeredgewidth=3, label="saddle point")
ax3.set(
    xlabel="$x$",
    ylabel="$y$",
    zlabel="$f$",
    xticks=[-1, 0, 1],
    yticks=[-1, 0, 1],
    zticks=[-1, 0, 1],
    title=f"${saddle.formula}$",
)
ax3.legend(loc="upper left")
fig.suptitle("Where the gradient vanishes: a local minimum, and two saddle points")
plt.show()

# %% [markdown]
# ## 2. Gradient descent
#
# ### One dimension
#
# Gradient descent steps against the derivative, $x \leftarrow x - \eta f'(x)$. On
# $f(x) = x^2$ the step is $x \leftarrow (1 - 2\eta)\,x$, so after $t$ steps from
# $x_0 = 10$ we are at $10\,(1 - 2\eta)^t$: the iterates shrink when
# $|1 - 2\eta| < 1$ and blow up otherwise. Here is the textbook's loop in a few lines:


# %%
def gd(eta, grad=lambda x: 2 * x, x=10.0, steps=10):
    """Gradient descent in 1-D: the list of iterates, the start first."""
    path = [x]
    for _ in range(steps):
        x = x - eta * grad(x)
        path.append(x)
    return path


TEXTBOOK_1D = {
    0.2: "epoch 10, x: 0.060466",
    0.05: "epoch 10, x: 3.486784",
    1.1: "epoch 10, x: 61.917364",
}

# %% [markdown]
# descentlab races the same three learning rates on its `parabola` landscape
# ($x^2$, start $x = 10$). Below: the textbook's line, ours from scratch, descentlab's,
# and the closed form $10\,(1 - 2\eta)^{10}$.

# %%
etas = list(TEXTBOOK_1D)
line = dl.run(
    "parabola", [f"sgd(lr={eta})" for eta in etas], starts=[(10.0,)], steps=10, dtype=torch.float64
)
for k, eta in enumerate(etas):
    ours = gd(eta)[-1]
    library = line.positions[k, 0, -1, 0]
    print(
        f"eta = {eta:<5} textbook: {TEXTBOOK_1D[eta]}   from scratch: {ours:f}   "
        f"descentlab: {library:f}   10 (1 - 2 eta)^10 = {10 * (1 - 2 * eta) ** 10:f}"
    )
    assert f"epoch 10, x: {ours:f}" == TEXTBOOK_1D[eta]
    assert f"epoch 10, x: {library:f}" == TEXTBOOK_1D[eta]
    assert np.allclose(gd(eta), line.positions[k, 0, :, 0], rtol=1e-14, atol=0)

# %% [markdown]
# The pictures: $\eta = 0.2$ reaches the minimum, $\eta = 0.05$ is still on its way
# after ten steps, and $\eta = 1.1$ overshoots further each time.

# %%
dl.viz.trace(
    dl.run(
        "parabola", ["sgd(lr=0.2)", "sgd(lr=0.05)"], starts=[(10.0,)], steps=10, dtype=torch.float64
    )
)

# %%
dl.viz.trace(dl.run("parabola", "sgd(lr=1.1)", starts=[(10.0,)], steps=10, dtype=torch.float64))

# %% [markdown]
# ### Two dimensions
#
# On $f(\mathbf x) = x_1^2 + 2x_2^2$ from $(-5, -2)$ with $\eta = 0.1$ each coordinate
# shrinks on its own: $x_1$ by $1 - 2\eta = 0.8$ a step, $x_2$ by $1 - 4\eta = 0.6$.
# The textbook's `train_2d` runs 20 steps; descentlab's landscape `bowl` is this $f$.

# %%
TEXTBOOK_BOWL = "epoch 20, x1: -0.057646, x2: -0.000073"


def textbook_line(point, steps=20):
    """A point printed as the textbook's train_2d prints it."""
    return f"epoch {steps}, x1: {point[0]:f}, x2: {point[1]:f}"


def printed(line):
    """The numbers in one of the textbook's lines (x1, x2)."""
    return np.array([float(v) for v in re.findall(r"x\d: (-?[\d.]+)", line)])


x = np.array([-5.0, -2.0])
for _ in range(20):  # from scratch
    x = x - 0.1 * np.array([2 * x[0], 4 * x[1]])
bowl = dl.run("bowl", "sgd(lr=0.1)", starts=[(-5.0, -2.0)], steps=20, dtype=torch.float64)
print(
    f"textbook:     {TEXTBOOK_BOWL}\nfrom scratch: {textbook_line(x)}\n"
    f"descentlab:   {textbook_line(bowl.positions[0, 0, -1])}"
)
assert textbook_line(x) == textbook_line(bowl.positions[0, 0, -1]) == TEXTBOOK_BOWL
dl.viz.trace(bowl, xlim=(-5.5, 1.0), ylim=(-3.0, 1.0))

# %% [markdown]
# ## 3. Stochastic gradient descent
#
# A deep-learning loss is an average over examples, $f = \frac1n\sum_i f_i$, and SGD
# steps with the gradient of one example, an unbiased but noisy estimate of
# $\nabla f$. The textbook imitates that noise on the same bowl by adding
# $\mathcal N(0, 1)$ to each coordinate of the gradient, and compares three learning
# rates $\eta_t = \eta \cdot \mathrm{lr}(t)$ with $\eta = 0.1$:
#
# * constant, $\mathrm{lr}(t) = 1$, for 50 steps;
# * exponential decay, $\mathrm{lr}(t) = e^{-0.1 t}$, for 1000 steps;
# * polynomial decay, $\mathrm{lr}(t) = (1 + 0.1 t)^{-1/2}$, for 50 steps
#
# (its counter $t$ starts at 2 for the first step). Its printed end points are one
# random run each, so we do not expect to hit them. Instead we run many trajectories
# and check what the textbook says about them: with a constant rate SGD ends near the
# minimum but keeps jittering; exponential decay shrinks the steps so fast that $x_1$
# stalls far from 0; polynomial decay ends near the minimum.

# %%
TEXTBOOK_NOISY = {
    "constant": ("epoch 50, x1: 0.225517, x2: -0.076646", 50, lambda t: 1.0),
    "exponential": ("epoch 1000, x1: -0.758829, x2: -0.115584", 1000, lambda t: math.exp(-0.1 * t)),
    "polynomial": ("epoch 50, x1: 0.144834, x2: 0.041688", 50, lambda t: (1 + 0.1 * t) ** -0.5),
}


def sgd_2d(lr, steps, runs, eta=0.1, seed=0):
    """The textbook's noisy SGD on x1^2 + 2 x2^2, from scratch, ``runs`` at once: the
    end points (runs, 2)."""
    generator = torch.Generator().manual_seed(seed)
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64).repeat(runs, 1)
    for t in range(2, steps + 2):
        grad = torch.stack([2 * x[:, 0], 4 * x[:, 1]], dim=1)
        grad += torch.randn(runs, 2, dtype=torch.float64, generator=generator)
        x = x - eta * lr(t) * grad
    return x.numpy()


# %% [markdown]
# descentlab's `run` adds the same noise with `noise=1.0`, and takes the decaying rate
# as a torch scheduler, stepped once per step. Each start is its own trajectory with
# its own noise, so we give it `NOISY_RUNS` copies of the start.


# %%
def noisy_race(lr, steps, noise=1.0):
    def schedule(opt):  # the k-th step (from 0) uses the textbook's lr(t) with t = k + 2
        return lr_scheduler.LambdaLR(opt, lambda k: lr(k + 2))

    starts = np.tile([-5.0, -2.0], (NOISY_RUNS, 1))
    return dl.run(
        "bowl",
        "sgd(lr=0.1)",
        starts=starts,
        steps=steps,
        noise=noise,
        scheduler=schedule,
        dtype=torch.float64,
    )


noisy = {name: noisy_race(lr, steps) for name, (_, steps, lr) in TEXTBOOK_NOISY.items()}

# %% [markdown]
# First a check that needs no statistics: without noise, descentlab's scheduled SGD
# must follow the textbook's update $x \leftarrow x - \eta_t \nabla f(x)$ exactly.

# %%
_, steps, lr = TEXTBOOK_NOISY["polynomial"]
x = np.array([-5.0, -2.0])
for t in range(2, steps + 2):
    x = x - 0.1 * lr(t) * np.array([2 * x[0], 4 * x[1]])
clean = noisy_race(lr, steps, noise=0.0).positions[0, 0, -1]
print("polynomial decay without noise: from scratch", x, " descentlab", clean)
assert np.allclose(x, clean, rtol=1e-12, atol=1e-15)

# %% [markdown]
# Now the noisy runs, ours from scratch and descentlab's: the median end point's
# distance to the minimum, and where the textbook's single run ended.

# %%
rows = []
for name, (line, steps, lr) in TEXTBOOK_NOISY.items():
    scratch = sgd_2d(lr, steps, NOISY_RUNS)
    library = noisy[name].positions[0, :, -1]
    theirs = printed(line)
    rows.append(
        {
            "schedule": name,
            "steps": steps,
            "textbook (one run)": line.split(", ", 1)[1],
            "|x| textbook": np.linalg.norm(theirs),
            "median |x|, from scratch": np.median(np.linalg.norm(scratch, axis=1)),
            "median |x|, descentlab": np.median(np.linalg.norm(library, axis=1)),
            "median x1, descentlab": np.median(library[:, 0]),
        }
    )
noisy_table = pd.DataFrame(rows).set_index("schedule")
noisy_table.round(3)

# %% [markdown]
# The checks, on both our from-scratch runs and descentlab's: constant and polynomial
# rates end within 0.5 of the minimum (the median run), exponential decay leaves $x_1$
# stuck between $-1$ and $-0.6$ (about $-5\,e^{-2\eta\sum_t e^{-0.1t}} \approx -0.9$,
# plus noise), as the textbook's run does at $-0.76$. Each textbook end point must look
# like one of our runs: its distance to the minimum inside the range our runs span.

# %%
for name, row in noisy_table.iterrows():
    library = noisy[name].positions[0, :, -1]
    spread = np.linalg.norm(library, axis=1)
    assert spread.min() <= row["|x| textbook"] <= spread.max(), name
    for key in ("median |x|, from scratch", "median |x|, descentlab"):
        if name == "exponential":
            assert -1.0 < row["median x1, descentlab"] < -0.6 and 0.6 < row[key] < 1.0, row
        else:
            assert row[key] < 0.5, (name, key, row[key])
print("noisy SGD behaves as the textbook describes")


# %%
def contour_bowl(ax):
    x1, x2 = np.meshgrid(np.arange(-5.5, 1.0, 0.1), np.arange(-3.0, 1.0, 0.1))
    ax.contour(x1, x2, x1**2 + 2 * x2**2, levels=12, colors="#1f77b4", linewidths=0.8)
    ax.set(xlabel="$x_1$", ylabel="$x_2$", xlim=(-5.5, 1.0), ylim=(-3.0, 1.0), aspect="equal")


fig, axes = plt.subplots(1, 3, figsize=(15, 3.9), layout="constrained")
for ax, (name, (line, steps, _)) in zip(axes, TEXTBOOK_NOISY.items(), strict=True):
    race = noisy[name]
    contour_bowl(ax)
    ax.plot(
        *race.positions[0, 0].T,
        "-o",
        color="#ff7f0e",
        markersize=2.5,
        linewidth=1,
        label="one run (descentlab)",
    )
    ax.plot(
        *race.positions[0, :, -1].T,
        ".",
        color="0.2",
        markersize=2.5,
        label=f"end points of {NOISY_RUNS} runs",
    )
    ax.plot(
        *printed(line),
        "*",
        color="C3",
        markersize=14,
        markeredgecolor="black",
        label="the textbook's end point",
    )
    ax.set_title(f"{name} learning rate, {steps} steps")
axes[0].legend(loc="upper left", fontsize=9)
fig.suptitle(r"SGD with noisy gradients on $x_1^2 + 2x_2^2$, $\eta = 0.1$")
plt.show()

# %% [markdown]
# ## 4. Minibatch SGD on the airfoil data
#
# Now a real problem: linear regression on NASA's airfoil self-noise data (1500 rows,
# 5 standardised features), loss $\frac12(\hat y - y)^2$, weights drawn from
# $\mathcal N(0, 0.01^2)$, bias 0. `dl.tasks.airfoil()` is exactly the textbook's
# setup. A minibatch of $b$ examples averages $b$ gradients: $b = 1500$ is gradient
# descent (one step an epoch), $b = 1$ is SGD (1500 steps an epoch).
#
# Our from-scratch trainer is the textbook's `train_ch11`: an update function with its
# state and hyperparameters, a shuffling `DataLoader`, the loss on the whole data every
# 100 examples, and a clock that stops while the loss is measured. After
# `torch.manual_seed(seed)` it draws the weights and the batches as `dl.fit` does, so
# for the same seed the two must give the same curve.

# %%
airfoil = dl.tasks.airfoil()
features, target = airfoil.train
print(airfoil.description, features.shape)


def train_ch11(update, init_states, hyper, batch_size=10, epochs=2, seed=0):
    """Train the linear model with a from-scratch ``update(params, states, hyper)``:
    the curve (examples seen, training seconds, loss on the whole data)."""
    torch.manual_seed(seed)
    w = torch.normal(0.0, 0.01, size=(5, 1), requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    states, hyper = init_states([w, b]), dict(hyper)

    def loss_on(x, y):
        return ((x @ w + b - y.reshape(-1, 1)) ** 2 / 2).mean()

    with torch.no_grad():
        rows, n, seconds = [(0, 0.0, float(loss_on(features, target)))], 0, 0.0
    loader = DataLoader(TensorDataset(features, target), batch_size, shuffle=True)
    for _ in range(epochs):
        tic = time.perf_counter()
        for x, y in loader:
            loss_on(x, y).backward()
            update([w, b], states, hyper)
            w.grad = b.grad = None
            n += len(x)
            if n % 100 == 0:  # stop the clock, measure, restart it
                seconds += time.perf_counter() - tic
                with torch.no_grad():
                    rows.append((n, seconds, float(loss_on(features, target))))
                tic = time.perf_counter()
    return pd.DataFrame(rows, columns=["examples", "seconds", "loss"])


# %% [markdown]
# Plain SGD from scratch (no state), and a helper that runs one setting both ways:
# from scratch, and with descentlab's class through `dl.fit`, whose optimizer spec
# `"sgd(lr=0.05)"` builds `optim.SGD(params, lr=0.05)` (the textbook's concise
# version passes `torch.optim.SGD` the same way). On every seed it checks that the two
# curves agree (float32 rounding, $10^{-6}$) and that the final loss is within 0.005
# of the textbook's (one random run of its own: between seeds our final losses differ
# by about that much). It prints the first seed's result in the textbook's format: the
# loss, and the seconds per epoch spent training.


# %%
def sgd(params, states, hyper):
    for p in params:
        with torch.no_grad():
            p -= hyper["lr"] * p.grad


def no_states(params):
    return None


def both_ways(update, init_states, hyper, spec, textbook, batch_size=10, epochs=2):
    """From scratch and with descentlab's optimizer ``spec``, on each seed; checked."""
    results = []
    for seed in SEEDS:
        scratch = train_ch11(update, init_states, hyper, batch_size, epochs, seed)
        run = dl.fit(airfoil, spec, epochs=epochs, batch_size=batch_size, seed=seed,
                     on_progress=progress.silent)  # fmt: skip
        assert run.curve["examples"].tolist() == scratch["examples"].tolist()
        gap = np.abs(run.curve["train_loss"].to_numpy() - scratch["loss"].to_numpy()).max()
        assert gap < 1e-6, (seed, gap)
        assert abs(run.final["train_loss"] - textbook) <= 0.005, (seed, run.final["train_loss"])
        results.append((scratch, run))
    scratch, run = results[0]
    print(f"  textbook:     loss: {textbook:.3f}")
    print(
        f"  from scratch: loss: {scratch['loss'].iloc[-1]:.3f}, "
        f"{scratch['seconds'].iloc[-1] / epochs:.3f} sec/epoch"
    )
    print(
        f"  descentlab:   loss: {run.final['train_loss']:.3f}, "
        f"{run.curve['seconds'].iloc[-1] / epochs:.3f} sec/epoch (with the measurements)"
        f"   {spec}"
    )
    worst = max(abs(r.final["train_loss"] - textbook) for _, r in results)
    print(f"  seeds {SEEDS}: curves agree; final loss within {worst:.4f} of the textbook's")
    return scratch, run


_ = train_ch11(sgd, no_states, {"lr": 0.1}, batch_size=100, epochs=1)  # warm up, untimed

# %% [markdown]
# The textbook's four runs: gradient descent ($b = 1500$, $\eta = 1$, 10 epochs), SGD
# ($b = 1$, $\eta = 0.005$), and minibatches of 100 ($\eta = 0.4$) and 10
# ($\eta = 0.05$), 2 epochs each. Its printed lines come first; its seconds are from
# its own machine, so only their order carries over.

# %%
BATCHES = {  # batch size: (lr, epochs, the textbook's "loss: ..., ... sec/epoch")
    1500: (1.0, 10, (0.247, 0.020)),
    1: (0.005, 2, (0.245, 0.685)),
    100: (0.4, 2, (0.246, 0.025)),
    10: (0.05, 2, (0.246, 0.090)),
}
minibatch = {}
for size, (lr, epochs, (loss, seconds)) in BATCHES.items():
    print(
        f"batch size {size}, lr {lr}, {epochs} epochs "
        f"(textbook: loss: {loss:.3f}, {seconds:.3f} sec/epoch)"
    )
    minibatch[size] = both_ways(sgd, no_states, {"lr": lr}, f"sgd(lr={lr})", loss, size, epochs)

# %% [markdown]
# Per epoch, SGD ($b = 1$) is by far the slowest: 1500 small steps, each paying
# Python's and torch's fixed overhead, where a minibatch of 10 or 100 pays it 150 or
# 15 times. The textbook finds that order on its machine (0.685, 0.090, 0.025 seconds
# an epoch); compare it with ours (timings depend on the machine, so nothing here
# checks them).

# %%
per_epoch = {size: minibatch[size][0]["seconds"].iloc[-1] / BATCHES[size][1] for size in BATCHES}
print({size: round(seconds, 4) for size, seconds in per_epoch.items()})

# %% [markdown]
# The textbook's last picture of the section: the loss against time (log scale). Gradient
# descent is cheap per epoch but needs many of them; SGD makes quick progress per
# example but spends the most time; minibatches get the best of both. (By epoch, SGD
# and the minibatches of 10 and 100 nearly coincide: with these learning rates each
# takes about the same step per example, $\eta / b \approx 0.005$.)

# %%
names = {1500: "gd (batch 1500)", 1: "sgd (batch 1)", 100: "batch size 100", 10: "batch size 10"}
fig, (by_epoch, by_time) = plt.subplots(1, 2, figsize=(12, 4.4), layout="constrained")
for size, (scratch, run) in minibatch.items():
    by_epoch.plot(run.curve["epoch"], run.curve["train_loss"], label=names[size])
    by_time.plot(scratch["seconds"].iloc[1:], scratch["loss"].iloc[1:])
by_epoch.set(
    xlabel="epoch",
    ylabel="loss",
    ylim=(0.22, 0.35),
    xlim=(0, 2),
    title="descentlab (dl.fit): the first 2 epochs",
)
by_time.set(
    xscale="log",
    xlabel="training time (sec)",
    ylabel="loss",
    ylim=(0.22, 0.35),
    title="from scratch: loss against training time (gd: 10 epochs)",
)
for ax in (by_epoch, by_time):
    ax.grid(alpha=0.3, which="both")
fig.legend(loc="outside lower center", ncols=4, frameon=False)
plt.show()

# %% [markdown]
# ## 5. Momentum
#
# On the elongated bowl $f(\mathbf x) = 0.1x_1^2 + 2x_2^2$ (descentlab's
# `elongated-bowl`) the two directions need different step sizes: $\eta = 0.4$ crawls
# along $x_1$, and $\eta = 0.6$, which would suit $x_1$, makes $x_2$ diverge
# ($|1 - 4\eta| = 1.4 > 1$). Momentum averages the past gradients,
#
# $$\mathbf v_t = \beta\,\mathbf v_{t-1} + \mathbf g_t, \qquad
#   \mathbf x_t = \mathbf x_{t-1} - \eta\,\mathbf v_t,$$
#
# so the oscillating $x_2$ components cancel while the steady $x_1$ ones add up (to
# $\mathbf g/(1-\beta)$ for a constant gradient).
#
# From here on every algorithm is written once, as an update of a list of parameters
# with their state (the textbook's `init_*_states` and update functions, in our own
# words), and that one function runs both the 2-D trace and the airfoil training.


# %%
def zeros(params):
    return [torch.zeros_like(p) for p in params]


def momentum(params, states, hyper):
    for p, v in zip(params, states, strict=True):
        with torch.no_grad():
            v.mul_(hyper["momentum"]).add_(p.grad)
            p -= hyper["lr"] * v


def elongated(p):
    return 0.1 * p[0] ** 2 + 2 * p[1] ** 2


def trace_2d(update, init_states, hyper, f=elongated, steps=20):
    """The textbook's train_2d with a from-scratch update: the path (steps + 1, 2)
    from (-5, -2), in float64 as the textbook's Python floats."""
    x = torch.tensor([-5.0, -2.0], dtype=torch.float64, requires_grad=True)
    states, hyper, path = init_states([x]), dict(hyper), [x.detach().clone()]
    for _ in range(steps):
        f(x).backward()
        update([x], states, hyper)
        x.grad = None
        path.append(x.detach().clone())
    return torch.stack(path).numpy()


# %% [markdown]
# The comparison helper prints the textbook's line, ours from scratch and descentlab's
# (a race on `elongated-bowl`, in float64). The from-scratch line must print exactly
# the textbook's digits. descentlab's must agree with the textbook to one unit of the
# last printed digit ($10^{-6}$), and exactly where its rule is the textbook's; we will
# meet a rule that differs in a detail.


# %%
def race_2d(spec):
    return dl.run("elongated-bowl", spec, starts=[(-5.0, -2.0)], steps=20, dtype=torch.float64)


def compare_2d(textbook, scratch, spec, exact=True):
    library = race_2d(spec).positions[0, 0]
    print(
        f"  textbook:     {textbook}\n  from scratch: {textbook_line(scratch[-1])}\n"
        f"  descentlab:   {textbook_line(library[-1])}   {spec}"
    )
    assert textbook_line(scratch[-1]) == textbook
    assert np.abs(library[-1] - printed(textbook)).max() <= 1e-6
    if exact:
        assert textbook_line(library[-1]) == textbook
    return library


TEXTBOOK_MOMENTUM = [  # (update, hyperparameters, descentlab's spec, the textbook's line)
    (sgd, {"lr": 0.4}, "sgd(lr=0.4)", "epoch 20, x1: -0.943467, x2: -0.000073"),
    (sgd, {"lr": 0.6}, "sgd(lr=0.6)", "epoch 20, x1: -0.387814, x2: -1673.365109"),
    (
        momentum,
        {"lr": 0.6, "momentum": 0.5},
        "momentum(lr=0.6, momentum=0.5)",
        "epoch 20, x1: 0.007188, x2: 0.002553",
    ),
    (
        momentum,
        {"lr": 0.6, "momentum": 0.25},
        "momentum(lr=0.6, momentum=0.25)",
        "epoch 20, x1: -0.126340, x2: -0.186632",
    ),
]
for update, hyper, spec, textbook in TEXTBOOK_MOMENTUM:
    print(f"{update.__name__} {hyper}")
    compare_2d(textbook, trace_2d(update, zeros, hyper), spec)

# %% [markdown]
# descentlab's `momentum(lr=..., momentum=...)` is its class `optim.SGD` with
# `momentum` set, torch's rule $\mathbf b_t = \mu\,\mathbf b_{t-1} + \mathbf g_t$, the
# textbook's exactly, so the digits agree. The paths (without $\eta = 0.6$ alone, whose
# $x_2$ swings out to $\pm 1673$):

# %%
momentum_race = race_2d(
    ["sgd(lr=0.4)", "momentum(lr=0.6, momentum=0.5)", "momentum(lr=0.6, momentum=0.25)"]
)
dl.viz.trace(momentum_race, xlim=(-5.5, 1.0), ylim=(-3.0, 3.0))

# %% [markdown]
# On the airfoil data the textbook trains three momentum settings with minibatches of
# 10. Each setting runs from scratch and as descentlab's class; the helper first checks
# that the spec given to `dl.fit` builds the class named (here `optim.SGD`).

# %%
airfoil_rows, airfoil_runs = [], [minibatch[10][1]]  # the table; the runs, from plain SGD


def airfoil_case(update, init_states, hyper, spec, cls, textbook):
    """One airfoil setting, from scratch and with descentlab's class, recorded."""
    assert type(optim.create(spec, [torch.zeros(1, requires_grad=True)])) is cls
    print(f"{update.__name__} {hyper}")
    scratch, run = both_ways(update, init_states, hyper, spec, textbook)
    airfoil_runs.append(run)
    airfoil_rows.append(
        {
            "algorithm": update.__name__,
            "descentlab": spec,
            "class": f"optim.{cls.__name__}",
            "textbook": textbook,
            "from scratch": scratch["loss"].iloc[-1],
            "descentlab loss": run.final["train_loss"],
        }
    )


for lr, beta, textbook in [(0.02, 0.5, 0.245), (0.01, 0.9, 0.248), (0.005, 0.9, 0.243)]:
    spec = f"momentum(lr={lr}, momentum={beta})"
    airfoil_case(momentum, zeros, {"lr": lr, "momentum": beta}, spec, optim.SGD, textbook)

# %% [markdown]
# ## 6. AdaGrad
#
# AdaGrad gives each coordinate its own step size, shrinking with the squared gradients
# that coordinate has seen:
#
# $$\mathbf s_t = \mathbf s_{t-1} + \mathbf g_t^2, \qquad
#   \mathbf x_t = \mathbf x_{t-1} - \frac{\eta}{\sqrt{\mathbf s_t + \epsilon}} \odot \mathbf g_t.$$
#
# The textbook puts $\epsilon = 10^{-6}$ *inside* the root. torch's `Adagrad`, and
# descentlab's, add it *outside*: $\eta\,\mathbf g_t / (\sqrt{\mathbf s_t} + \epsilon)$.
# Our from-scratch root takes either placement, so that we can match both.


# %%
def root(s, hyper):
    """sqrt(s + eps) as the textbook writes it; sqrt(s) + eps as torch does."""
    if hyper.get("eps_outside"):
        return s.sqrt() + hyper["eps"]
    return (s + hyper["eps"]).sqrt()


def adagrad(params, states, hyper):
    for p, s in zip(params, states, strict=True):
        with torch.no_grad():
            s += p.grad**2
            p -= hyper["lr"] * p.grad / root(s, hyper)


display(Math(r"\text{descentlab's optim.Adagrad: }" + optim.info("adagrad").formula))

# %% [markdown]
# The textbook's traces with $\eta = 0.4$ (the steps die out: $x_1$ stops at $-2.38$)
# and $\eta = 2$. descentlab's class gets the textbook's $\epsilon = 10^{-6}$, in its
# own place; the two placements differ by less than $10^{-6}$ after 20 steps, so the
# last printed digit may differ by one.

# %%
TEXTBOOK_ADAGRAD = {
    0.4: "epoch 20, x1: -2.382563, x2: -0.158591",
    2.0: "epoch 20, x1: -0.002295, x2: -0.000000",
}
for eta, textbook in TEXTBOOK_ADAGRAD.items():
    print(f"adagrad, eta = {eta}")
    hyper = {"lr": eta, "eps": 1e-6}
    library = compare_2d(
        textbook, trace_2d(adagrad, zeros, hyper), f"adagrad(lr={eta}, eps=1e-6)", exact=False
    )
    torch_way = trace_2d(adagrad, zeros, {**hyper, "eps_outside": True})
    print(f"  from scratch with eps outside the root: {textbook_line(torch_way[-1])}")
    assert np.allclose(torch_way, library, rtol=1e-12, atol=1e-300)  # every step

# %% [markdown]
# With $\epsilon$ moved outside the root, our from-scratch AdaGrad *is* descentlab's:
# the paths agree at every step to float64 rounding ($10^{-12}$ relative). On the
# airfoil data ($\eta = 0.1$) we therefore run ours with $\epsilon$ outside the root
# too, and the two must agree to float32 rounding. (With the textbook's placement the
# curves differ by up to a few $10^{-6}$: a genuinely different rule, if barely.)

# %%
hyper = {"lr": 0.1, "eps": 1e-6, "eps_outside": True}
airfoil_case(adagrad, zeros, hyper, "adagrad(lr=0.1, eps=1e-6)", optim.Adagrad, textbook=0.243)

# %% [markdown]
# ## 7. RMSProp
#
# AdaGrad's sum only grows, so its steps only shrink. RMSProp replaces the sum by a
# leaky average,
#
# $$\mathbf s_t = \gamma\,\mathbf s_{t-1} + (1 - \gamma)\,\mathbf g_t^2, \qquad
#   \mathbf x_t = \mathbf x_{t-1} - \frac{\eta}{\sqrt{\mathbf s_t + \epsilon}} \odot \mathbf g_t,$$
#
# which weighs the gradient $t$ steps back by $(1-\gamma)\gamma^t$: about
# $1/(1-\gamma)$ steps of memory (torch calls $\gamma$ `alpha`). descentlab draws the
# weights, the textbook's picture for $\gamma = 0.95, 0.9, 0.8, 0.7$:

# %%
dl.viz.ema_weights(betas=(0.95, 0.9, 0.8, 0.7))


# %%
def rmsprop(params, states, hyper):
    gamma = hyper["gamma"]
    for p, s in zip(params, states, strict=True):
        with torch.no_grad():
            s.mul_(gamma).add_((1 - gamma) * p.grad**2)
            p -= hyper["lr"] * p.grad / root(s, hyper)


print("rmsprop, eta = 0.4, gamma = 0.9")
hyper = {"lr": 0.4, "gamma": 0.9, "eps": 1e-6}
library = compare_2d(
    "epoch 20, x1: -0.010599, x2: 0.000000",
    trace_2d(rmsprop, zeros, hyper),
    "rmsprop(lr=0.4, alpha=0.9, eps=1e-6)",
    exact=False,
)
torch_way = trace_2d(rmsprop, zeros, {**hyper, "eps_outside": True})
print(f"  from scratch with eps outside the root: {textbook_line(torch_way[-1])}")
assert np.allclose(torch_way, library, rtol=1e-12, atol=1e-300)

# %% [markdown]
# The same story as AdaGrad: ours from scratch prints the textbook's digits, and with
# $\epsilon$ outside the root it is descentlab's `optim.RMSprop` step for step. On the
# airfoil data ($\eta = 0.01$, $\gamma = 0.9$), again with $\epsilon$ outside the root:

# %%
hyper = {"lr": 0.01, "gamma": 0.9, "eps": 1e-6, "eps_outside": True}
airfoil_case(
    rmsprop, zeros, hyper, "rmsprop(lr=0.01, alpha=0.9, eps=1e-6)", optim.RMSprop, textbook=0.245
)

# %% [markdown]
# ## 8. AdaDelta
#
# AdaDelta has no learning rate at all: it scales the gradient by the ratio of two
# leaky RMS values, of the past *updates* and of the gradients,
#
# $$\mathbf s_t = \rho\,\mathbf s_{t-1} + (1-\rho)\,\mathbf g_t^2, \quad
#   \mathbf g_t' = \frac{\sqrt{\Delta\mathbf x_{t-1} + \epsilon}}{\sqrt{\mathbf s_t + \epsilon}}
#   \odot \mathbf g_t, \quad
#   \mathbf x_t = \mathbf x_{t-1} - \mathbf g_t', \quad
#   \Delta\mathbf x_t = \rho\,\Delta\mathbf x_{t-1} + (1-\rho)\,\mathbf g_t'^2,$$
#
# so a step has the units of $\mathbf x$. Here $\epsilon$ sits inside both roots in the
# textbook and in torch alike (torch multiplies by `lr`, default 1). The state is a pair
# per parameter.


# %%
def zero_pairs(params):
    return [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]


def adadelta(params, states, hyper):
    rho, eps = hyper["rho"], hyper["eps"]
    for p, (s, delta) in zip(params, states, strict=True):
        with torch.no_grad():
            s.mul_(rho).add_((1 - rho) * p.grad**2)
            step = (delta + eps).sqrt() / (s + eps).sqrt() * p.grad
            p -= step
            delta.mul_(rho).add_((1 - rho) * step**2)


display(Math(r"\text{descentlab's optim.Adadelta: }" + optim.info("adadelta").formula))

# %% [markdown]
# The textbook shows AdaDelta on the airfoil data only. On the elongated bowl we can
# still check that our function and descentlab's class take the same 20 steps, the
# same rule written twice ($\rho = 0.9$, $\epsilon = 10^{-5}$ as in the textbook). They
# are tiny steps: AdaDelta starts with steps of about $\sqrt{\epsilon}$ and grows them.

# %%
ours = trace_2d(adadelta, zero_pairs, {"rho": 0.9, "eps": 1e-5})
library = race_2d("adadelta(rho=0.9, eps=1e-5)").positions[0, 0]
print(f"from scratch: {textbook_line(ours[-1])}\ndescentlab:   {textbook_line(library[-1])}")
assert np.allclose(ours, library, rtol=1e-12, atol=0)

hyper = {"rho": 0.9, "eps": 1e-5}
airfoil_case(
    adadelta, zero_pairs, hyper, "adadelta(rho=0.9, eps=1e-5)", optim.Adadelta, textbook=0.245
)

# %% [markdown]
# ## 9. Adam
#
# Adam combines momentum (a leaky average $\mathbf v$ of the gradients) with RMSProp's
# per-coordinate scale (a leaky average $\mathbf s$ of their squares), and corrects
# both for starting at zero:
#
# $$\mathbf v_t = \beta_1\mathbf v_{t-1} + (1-\beta_1)\,\mathbf g_t, \quad
#   \mathbf s_t = \beta_2\mathbf s_{t-1} + (1-\beta_2)\,\mathbf g_t^2, \quad
#   \hat{\mathbf v}_t = \frac{\mathbf v_t}{1-\beta_1^t}, \quad
#   \hat{\mathbf s}_t = \frac{\mathbf s_t}{1-\beta_2^t}, \quad
#   \mathbf x_t = \mathbf x_{t-1}
#     - \frac{\eta\,\hat{\mathbf v}_t}{\sqrt{\hat{\mathbf s}_t} + \epsilon}.$$
#
# Here $\epsilon$ is outside the root in the textbook too ($10^{-6}$ there, $10^{-8}$ by
# default in torch). The step counter $t$ lives in the hyperparameters, as in the
# textbook.


# %%
def adam(params, states, hyper):
    (beta1, beta2), eps = hyper["betas"], hyper["eps"]
    hyper["t"] = t = hyper.get("t", 0) + 1
    for p, (v, s) in zip(params, states, strict=True):
        with torch.no_grad():
            v.mul_(beta1).add_((1 - beta1) * p.grad)
            s.mul_(beta2).add_((1 - beta2) * p.grad**2)
            v_hat, s_hat = v / (1 - beta1**t), s / (1 - beta2**t)
            p -= hyper["lr"] * v_hat / (s_hat.sqrt() + eps)


display(Math(r"\text{descentlab's optim.Adam: }" + optim.info("adam").formula))

# %%
adam_hyper = {"lr": 0.4, "betas": (0.9, 0.999), "eps": 1e-6}
ours = trace_2d(adam, zero_pairs, adam_hyper)
library = race_2d("adam(lr=0.4, eps=1e-6)").positions[0, 0]
print(f"from scratch: {textbook_line(ours[-1])}\ndescentlab:   {textbook_line(library[-1])}")
assert np.allclose(ours, library, rtol=1e-12, atol=0)

hyper = {**adam_hyper, "lr": 0.01}
airfoil_case(adam, zero_pairs, hyper, "adam(lr=0.01, eps=1e-6)", optim.Adam, textbook=0.243)

# %% [markdown]
# ## 10. All of them side by side
#
# The airfoil runs first: for each algorithm the textbook's final loss (its
# from-scratch run, 2 epochs of minibatches of 10), ours from scratch and descentlab's
# (seed 0). The last two agree to float32 rounding; the textbook's is one random run
# of its own, within 0.005 of ours on every seed we checked.

# %%
table = pd.DataFrame(airfoil_rows).set_index("algorithm")
table["|descentlab - textbook|"] = (table["descentlab loss"] - table["textbook"]).abs()
table.round(4)

# %%
dl.viz.loss_curves(airfoil_runs)

# %% [markdown]
# And the elongated bowl, with the textbook's settings where it has a 2-D trace
# (gradient descent $\eta = 0.4$, momentum $\eta = 0.6$, $\beta = 0.5$, AdaGrad
# $\eta = 0.4$, RMSProp $\eta = 0.4$, $\gamma = 0.9$), AdaDelta as above and Adam with
# $\eta = 0.4$. Gradient descent zig-zags along $x_2$ and crawls along $x_1$; momentum
# damps the zig-zag; AdaGrad's steps die out; RMSProp goes straight to the minimum;
# AdaDelta has barely started; Adam's momentum carries it past the minimum.

# %%
finale = race_2d(
    [
        "sgd(lr=0.4)",
        "momentum(lr=0.6, momentum=0.5)",
        "adagrad(lr=0.4, eps=1e-6)",
        "rmsprop(lr=0.4, alpha=0.9, eps=1e-6)",
        "adadelta(rho=0.9, eps=1e-5)",
        "adam(lr=0.4, eps=1e-6)",
    ]
)
finale.summary()

# %%
dl.viz.trace(finale, xlim=(-5.5, 1.5), ylim=(-2.5, 3.0))

# %% [markdown]
# ## What to take away
#
# * Gradient descent's learning rate must suit the steepest direction
#   ($|1 - \eta\lambda_{\max}| < 1$), which makes it slow along the flat ones.
# * Noise and minibatches trade accuracy per step for cost per step; a decaying
#   learning rate removes the noise floor, but decaying too fast stalls.
# * Momentum averages gradients over time; AdaGrad, RMSProp and AdaDelta scale each
#   coordinate by its own gradient history; Adam does both.
# * Every one of them is a few lines of code, and where $\epsilon$ goes is the kind of
#   detail in which two correct implementations differ.
