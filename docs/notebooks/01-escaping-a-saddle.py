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
# # Escaping a saddle
#
# Stanford's CS231n lecture on optimization shows two animations by Alec Radford: five
# optimizers rolling off a saddle point, and the same optimizers racing down Beale's
# function. This chapter rebuilds both with descentlab and then explains them with
# numbers. You will learn why plain gradient descent sits on a saddle for hundreds of
# steps, why momentum gets off it faster, and why the adaptive methods (AdaGrad,
# RMSprop, Adam) leave at once: they scale each coordinate's step by the size of that
# coordinate's own gradients, so a tiny gradient still gives a full-sized step. Every
# claim is checked against a formula you can work out by hand.

# %%
import math
import os

import numpy as np
import pandas as pd
import torch
from IPython.display import display

import descentlab as dl

# %%
QUICK = os.environ.get("DESCENTLAB_QUICK") == "1"  # CI runs every chapter with small settings
STEPS = 100  # steps on the saddle, as in the lecture (cheap: kept under QUICK)
BEALE_STEPS = 500  # steps on Beale's function
SECONDS = 2.5 if QUICK else 5.0  # length of each animation (fewer frames under QUICK)
FPS = 20

# %% [markdown]
# ## 1. The saddle
#
# The lecture's surface is
#
# $$f(x, y) = -\tfrac{1}{2}x^2 + y^2, \qquad \nabla f(x, y) = (-x,\; 2y).$$
#
# Along $y$ it is a valley (curvature $+2$), along $x$ a ridge that falls away on both
# sides (curvature $-1$). The origin is a **saddle point**: the gradient vanishes there,
# but it is no minimum, and $f$ has no lower bound. The catalog holds this landscape as
# `cs231n-saddle`; any formula in `x` and `y` can also be typed as it is.

# %%
saddle = dl.landscapes.get("cs231n-saddle")
typed = dl.landscapes.get("-x**2/2 + y**2")
print(saddle.name, "  domain:", saddle.domain, "  start:", saddle.start)
print(saddle.description)

# the typed formula is the same function: compare the two on a grid
grid = torch.linspace(-1.5, 1.5, 31)
gx, gy = torch.meshgrid(grid, grid, indexing="xy")
assert torch.allclose(saddle(gx, gy), typed(gx, gy))
dl.viz.landscape(saddle)

# %% [markdown]
# ## 2. The race
#
# The lecture starts every optimizer at $(10^{-5}, 0.5)$: half-way up the valley's side,
# and a hair's breadth off the ridge line $x = 0$. All five use the learning rate 0.05;
# momentum keeps 0.9 of its velocity, RMSprop averages squared gradients with
# $\alpha = 0.9$, Adam uses $\beta = (0.9, 0.99)$.

# %%
OPTIMIZERS = [
    "sgd(lr=0.05)",
    "momentum(lr=0.05, momentum=0.9)",
    "adagrad(lr=0.05)",
    "rmsprop(lr=0.05, alpha=0.9)",
    "adam(lr=0.05, betas=(0.9, 0.99))",
]
START = (1e-5, 0.5)
VIEW = {"xlim": (-1.5, 1.5), "ylim": (-1.0, 1.0)}  # the lecture's window on the saddle

race = dl.run("cs231n-saddle", OPTIMIZERS, starts=[START], steps=STEPS)
print(race)  # `race` alone as a cell's last line shows its interactive contour map

# %% [markdown]
# `race.positions` holds every point of every path: (optimizer, start, step, coordinate).
# First, the paths drawn on the contour map. Look at where each one leaves the window.

# %%
dl.viz.trace(race, **VIEW)

# %% [markdown]
# All five slide down the valley's side to $y \approx 0$. Then they part: plain SGD
# stops at the saddle point, momentum leaves late, and the three adaptive methods head
# off along $x$ almost from the first step.
#
# ## 3. Why SGD stays: the gradient along $x$ is $x$ itself
#
# The gradient's $x$ part is $-x$, whose size at $x_0 = 10^{-5}$ is $10^{-5}$. One SGD step
# changes $x$ by $\mathrm{lr}\cdot x$, and $y$ by $-\mathrm{lr}\cdot 2y$:
#
# $$x_{t+1} = (1 + \mathrm{lr})\,x_t = x_0 (1.05)^{t+1}, \qquad
#   y_{t+1} = (1 - 2\,\mathrm{lr})\,y_t = y_0\,(0.9)^{t+1}.$$
#
# $x$ does grow, geometrically, but from $10^{-5}$ at 5% a step it needs
# $\ln(10^5)/\ln(1.05) \approx 236$ steps to reach 1. Meanwhile $y$ has shrunk to
# nothing: SGD sits at the saddle point, where every gradient is tiny. We compare the
# race's SGD path with the formula at every step.

# %%
LR = 0.05
names = race.labels
sgd = race.positions[names.index("sgd(lr=0.05)"), 0]  # (STEPS + 1, 2)
t = np.arange(STEPS + 1)
x0, y0 = (float(v) for v in sgd[0])  # the start as float32 holds it
x_formula = x0 * (1 + LR) ** t
y_formula = y0 * (1 - 2 * LR) ** t
print(f"{'step':>5} {'SGD x (race)':>14} {'x0 (1.05)^t':>14} {'SGD y (race)':>14} {'y0 0.9^t':>12}")
for step in (0, 1, 10, 50, 100):
    print(f"{step:>5} {sgd[step, 0]:>14.6e} {x_formula[step]:>14.6e} "
          f"{sgd[step, 1]:>14.6e} {y_formula[step]:>12.6e}")  # fmt: skip
assert np.allclose(sgd[:, 0], x_formula, rtol=1e-5, atol=0)
assert np.allclose(sgd[:, 1], y_formula, rtol=1e-5, atol=1e-12)
print(f"SGD needs {math.log(1 / x0) / math.log(1 + LR):.0f} steps to reach x = 1")

# %% [markdown]
# **Momentum** remembers its velocity: $v_{t+1} = 0.9\,v_t + g_t$,
# $x_{t+1} = x_t - \mathrm{lr}\,v_{t+1}$. Along $x$ (where $g = -x$) this is a linear
# recursion in $(x, v)$ whose growth factor $z$ solves
# $z^2 - (1 + \mathrm{lr} + \mu)\,z + \mu = 0$. With $\mathrm{lr} = 0.05$ and
# $\mu = 0.9$ the larger root is exactly
# $z = \tfrac{1}{2}\left(1.95 + \sqrt{1.95^2 - 3.6}\right) = 1.2$: 20% a step instead of
# 5%. Momentum still has to climb out of $10^{-5}$, but nearly four times faster in the
# exponent ($\ln 1.2 / \ln 1.05 = 3.7$). Once the slower mode has died out, the race's
# ratio $x_{t+1}/x_t$ should be that root.

# %%
mu = 0.9
root = ((1 + LR + mu) + math.sqrt((1 + LR + mu) ** 2 - 4 * mu)) / 2
heavy = race.positions[names.index("momentum(lr=0.05, momentum=0.9)"), 0, :, 0]
ratio = heavy[-1] / heavy[-2]
print(f"growth factor: formula {root:.6f}, race (steps {STEPS - 1} -> {STEPS}) {ratio:.6f}")
assert abs(ratio - root) < 1e-3

# %% [markdown]
# ## 4. Why the adaptive methods escape: a step per coordinate
#
# AdaGrad, RMSprop and Adam divide each coordinate's step by a running size of that
# coordinate's gradients, $\sqrt{v}$. For $x$ this means dividing $10^{-5}$ by roughly
# $10^{-5}$: the step no longer depends on how small the gradient is. Their very first
# step, worked out from the update rules (with torch's $\varepsilon$ placement), is
#
# - SGD and momentum: $\mathrm{lr}\,|g| = 0.05 \cdot 10^{-5} = 5\cdot 10^{-7}$;
# - AdaGrad, whose sum of squares is then $v = g^2$:
#   $\mathrm{lr}\,|g|/(\sqrt{v} + \varepsilon) \approx \mathrm{lr} = 0.05$;
# - RMSprop, whose running average is then $v = (1-\alpha)\,g^2$:
#   $\mathrm{lr}\,|g|/(\sqrt{v} + \varepsilon) \approx 0.05/\sqrt{0.1} = 0.158$;
# - Adam, whose bias-corrected moments are then $\hat m = g$ and $\hat v = g^2$:
#   $\mathrm{lr}\,|\hat m|/(\sqrt{\hat v} + \varepsilon) \approx \mathrm{lr} = 0.05$.
#
# The same holds for $y$, whose gradient is $2y = 1$: there, too, each step is about
# `lr` long. The table below checks the first step of each path against these formulas.

# %%
g = x0  # the gradient's size along x at the start: |-x0|
first_steps = {
    "sgd(lr=0.05)": LR * g,
    "momentum(lr=0.05, momentum=0.9)": LR * g,
    "adagrad(lr=0.05)": LR * g / (g + 1e-10),
    "rmsprop(lr=0.05, alpha=0.9)": LR * g / (math.sqrt(1 - 0.9) * g + 1e-8),
    "adam(lr=0.05, betas=(0.9, 0.99))": LR * g / (g + 1e-8),
}
print(f"{'optimizer':34} {'first step in x (race)':>24} {'formula':>12}")
for k, name in enumerate(names):
    moved = float(race.positions[k, 0, 1, 0]) - x0
    print(f"{name:34} {moved:>24.6e} {first_steps[name]:>12.6e}")
    assert math.isclose(moved, first_steps[name], rel_tol=1e-4)

# %% [markdown]
# The adaptive methods move 0.05 to 0.16 in their first step, a hundred thousand times
# SGD's step. After that their gradient along $x$ grows, but so does $\sqrt{v}$, and
# the steps stay about `lr` long. The table shows $x$ along the way and the first step
# at which each path passed $|x| > 1$.

# %%
checkpoints = [10, 25, 50, 100]
table = pd.DataFrame(
    {f"x at {step}": race.positions[:, 0, step, 0] for step in checkpoints}, index=names
)
beyond = np.abs(race.positions[:, 0, :, 0]) > 1
table["first |x| > 1"] = [int(row.argmax()) if row.any() else "not yet" for row in beyond]
display(table.style.format({c: "{:.3g}" for c in table.columns[:-1]}))

N = STEPS
x_at = dict(zip(names, race.positions[:, 0, N, 0], strict=True))
assert x_at["sgd(lr=0.05)"] < 2e-3  # x0 * 1.05^100 = 1.3e-3: still on the saddle
for name in ("adam(lr=0.05, betas=(0.9, 0.99))", "rmsprop(lr=0.05, alpha=0.9)"):
    assert abs(x_at[name]) > 1, name
# off the ridge in this order, and by the end momentum is furthest out
first = [int(row.argmax()) if row.any() else N + 1 for row in beyond]
order = [names[i] for i in np.argsort(first, kind="stable")]
assert [name.split("(")[0] for name in order] == ["rmsprop", "adam", "adagrad", "momentum", "sgd"]
assert max(x_at, key=lambda name: abs(x_at[name])).startswith("momentum")
print(f"after {N} steps SGD is at x = {x_at['sgd(lr=0.05)']:.2e}; "
      f"RMSprop at {x_at['rmsprop(lr=0.05, alpha=0.9)']:.2f}, "
      f"Adam at {x_at['adam(lr=0.05, betas=(0.9, 0.99))']:.2f}")  # fmt: skip

# %% [markdown]
# RMSprop is first off the ridge (its first step is the largest), Adam follows, AdaGrad
# leaves more and more slowly because its sum of squared gradients only grows, and
# momentum, after a slow start, overtakes them all: its growth factor 1.2 a step
# compounds. SGD will need about 236 steps.
#
# ## 5. Balls with trails, in 3-D
#
# Now the lecture's picture: each optimizer a ball rolling on the surface with a trail
# behind it, on a surface shaded by a light (`look="lit"`). `dl.viz.animate` returns an
# animation, which a notebook shows as a looping GIF; its `save("saddle.mp4")` writes a
# file (`.gif`, `.mp4` or `.html`, a page with play, pause and a step slider).

# %%
dl.viz.animate(race, "surface", look="lit", fps=FPS, duration=SECONDS, **VIEW)

# %% [markdown]
# ## 6. From above
#
# The same race on the contour map. Here the split is easiest to see: after sliding down
# to $y = 0$ the SGD ball stays put at the centre while the others run along the ridge
# line towards $x > 0$.

# %%
dl.viz.animate(race, "contour", fps=FPS, duration=SECONDS, **VIEW)

# %% [markdown]
# ## 7. Side by side
#
# `view="both"` draws the surface and the map in step, one frame each.

# %%
dl.viz.animate(race, "both", fps=FPS, duration=SECONDS, **VIEW)

# %% [markdown]
# ## 8. Beale's function
#
# The lecture's second animation races the optimizers on Beale's function,
#
# $$f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2,$$
#
# whose only minimum, $f = 0$, sits at $(3, 0.5)$ at the end of a long, flat, curved
# valley between steep walls. We start at the catalog's classic start $(1, 1.5)$.
# First with exactly the saddle's settings:

# %%
beale = dl.landscapes.get("beale")
B_START = beale.start
print("start", B_START, " minimum", beale.minima[0])
same = dl.run("beale", OPTIMIZERS, starts=[B_START], steps=BEALE_STEPS)
display(same.summary()[["optimizer", "final_x", "final_y", "final_loss", "steps_to_tol",
                        "diverged_at"]])  # fmt: skip
dl.viz.trace(same)

# %% [markdown]
# SGD and momentum blow up (the X marks where): at the start the gradient is large,

# %%
gx, gy = beale.gradient(torch.tensor(B_START[0]), torch.tensor(B_START[1]))
print(f"gradient at the start: ({float(gx):.2f}, {float(gy):.2f})")
diverged = dict(zip(same.labels, same.diverged_at[:, 0], strict=True))
assert diverged["sgd(lr=0.05)"] >= 0 and diverged["momentum(lr=0.05, momentum=0.9)"] >= 0
assert all(diverged[name] < 0 for name in OPTIMIZERS[2:])

# %% [markdown]
# so SGD's first step is $0.05$ times that, a jump over the valley onto the far wall,
# where the gradient is larger still. The adaptive methods cannot blow up this way:
# their steps are about `lr` long whatever the gradient. That same property has a price
# near the minimum. RMSprop, whose steps never shrink, ends hovering around $(3, 0.5)$
# without settling, while Adam, whose first moment averages the back-and-forth steps
# out, gets there (AdaGrad's steps shrink as its sum of squares grows: it is still on
# its way):

# %%
final = same.positions[:, 0, -1]
gap = np.hypot(final[:, 0] - 3.0, final[:, 1] - 0.5)
for name, distance in zip(same.labels, gap, strict=True):
    if diverged[name] < 0:
        print(f"{name:34} ends {distance:.4f} from (3, 0.5)")
summary = same.summary().set_index("optimizer")
assert summary.loc["adam(lr=0.05, betas=(0.9, 0.99))", "steps_to_tol"] >= 0
assert summary.loc["rmsprop(lr=0.05, alpha=0.9)", "steps_to_tol"] == -1

# %% [markdown]
# ### Learning rates for Beale
#
# The lecture gives each optimizer a learning rate of its own. We keep the five methods
# and choose rates that do not blow up: SGD at 0.01, momentum at 0.001 (with $\mu = 0.9$
# its steps add up to $\mathrm{lr}/(1-\mu) = 0.01$, the same as SGD's), AdaGrad at 0.5,
# RMSprop at 0.01 and Adam at 0.1.

# %%
BEALE = [
    "sgd(lr=0.01)",
    "momentum(lr=1e-3, momentum=0.9)",
    "adagrad(lr=0.5)",
    "rmsprop(lr=0.01, alpha=0.9)",
    "adam(lr=0.1)",
]
tuned = dl.run("beale", BEALE, starts=[B_START], steps=BEALE_STEPS)
dl.viz.trace(tuned)

# %%
dl.viz.animate(tuned, "contour", fps=FPS, duration=2 * SECONDS)

# %% [markdown]
# Who gets to the minimum? `summary()` gives, for each path, its final point and loss
# and the first step within $10^{-3}$ of the minimum value 0. We add the distance to
# $(3, 0.5)$.

# %%
result = tuned.summary()
result["distance"] = np.hypot(result["final_x"] - 3.0, result["final_y"] - 0.5)
display(result[["optimizer", "final_x", "final_y", "final_loss", "steps_to_tol", "distance"]])

arrived = result.set_index("optimizer")["steps_to_tol"]
assert arrived["adam(lr=0.1)"] >= 0 and arrived["rmsprop(lr=0.01, alpha=0.9)"] >= 0
assert (result["distance"] < 0.1).all()  # all five are in the minimum's valley
creeping = arrived.drop(["adam(lr=0.1)", "rmsprop(lr=0.01, alpha=0.9)"])
assert (creeping < 0).all()  # the other three have not reached the minimum's value
ends = result.set_index("optimizer")[["final_x", "final_y"]]
sgd_label, heavy_label = tuned.labels[:2]  # the labels name the specs as run
apart = np.hypot(*(ends.loc[sgd_label] - ends.loc[heavy_label]))
print(f"SGD (lr 0.01) and momentum (lr 0.001, mu 0.9) end {apart:.4f} apart")
assert apart < 0.01

# %% [markdown]
# Adam and RMSprop reach the minimum's value within $10^{-3}$; AdaGrad, SGD and
# momentum are still in the valley, within 0.1 of $(3, 0.5)$, creeping along its flat
# floor. SGD at 0.01 and momentum at 0.001 end next to each other: once its velocity has
# built up, momentum 0.9 walks $1/(1 - 0.9) = 10$ times its learning rate per unit of
# gradient, as SGD at 0.01 does. They take different roads, though: on the way down the
# velocity carries momentum far past the valley floor before it turns.
#
# **Try it:** start on the saddle at exactly $(0, 0.5)$. The gradient along $x$ is then
# exactly zero, and no optimizer, adaptive or not, can leave the ridge line; in real
# training, gradient noise plays the role of the lecture's $10^{-5}$
# (`dl.run(..., noise=0.01)`).
