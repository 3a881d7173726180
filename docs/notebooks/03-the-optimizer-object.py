# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: kernelspec,jupytext
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
# # The optimizer object
#
# Every PyTorch training loop talks to one object: the optimizer. This chapter opens it
# up. You will see what it holds (`param_groups`, `state`), what its three methods do
# (`zero_grad`, `step`, `add_param_group`), and how to save it and load it so that a
# training run continues exactly where it stopped. Then we look at its two most
# important settings: the **learning rate**, on the parabola $y = 4x^2$ where every step
# can be worked out by hand, and **momentum**, whose memory of past gradients is an
# exponentially weighted sum. Finally we train a small LeNet on handwritten digits with
# a step-wise learning-rate schedule and look at what it gets right and wrong.
#
# "The tutorial" below is the classic PyTorch lesson on the optimizer object that these
# exercises come from: gradient descent on $y = 4x^2$ for a range of learning rates,
# momentum's exponential weights, and a LeNet trained with SGD, momentum 0.9 and
# `StepLR`. We redo each of its experiments with descentlab's optimizers and check the
# numbers by hand, since the tutorial prints none.
#
# The optimizers come from `descentlab.optim`. They are written from scratch, but each
# is a `torch.optim.Optimizer` with torch's names and defaults, so everything below works
# the same with `torch.optim`.

# %%
import math
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch
from IPython.display import display

import descentlab as dl
from descentlab import optim

# %%
QUICK = os.environ.get("DESCENTLAB_QUICK") == "1"  # CI runs every chapter with small settings
EPOCHS = 3 if QUICK else 15  # LeNet on the digits
STEP_SIZE = 2 if QUICK else 10  # StepLR: multiply the lr by GAMMA every STEP_SIZE epochs
GAMMA = 0.1
LR_STEPS = 100  # gradient-descent steps on y = 4x^2 (as in the tutorial)
RACE_STEPS = 20  # steps on the ill-conditioned quadratic (as in the textbook)

# %% [markdown]
# ## 1. What an optimizer holds
#
# An optimizer is built from the tensors it should update and its hyperparameters. We
# start with a single 2x2 weight (in float64, so that the numbers below print cleanly)
# and plain SGD.

# %%
torch.manual_seed(1)
weight = torch.randn((2, 2), dtype=torch.float64, requires_grad=True)
optimizer = optim.SGD([weight], lr=0.1)
display(optimizer)

# %% [markdown]
# The printout lists one **parameter group**. `optimizer.param_groups` is a plain list
# of dicts: each dict holds its tensors under `"params"` and a full set of
# hyperparameters (`lr`, `momentum`, ...). The tensors are not copies: the optimizer
# keeps references to the very tensors we gave it, which is how `step` can change our
# weight in place.

# %%
group = optimizer.param_groups[0]
print("keys of the group:", sorted(group))
print("the group holds our tensor itself:", group["params"][0] is weight)

# %% [markdown]
# ### `step` and `zero_grad`
#
# `step()` reads each tensor's `.grad` and updates the tensor. For plain SGD the rule is
# $w \leftarrow w - \mathrm{lr}\cdot g$. We set the gradient by hand to a matrix of ones,
# so the step must subtract exactly $0.1$ from every entry.

# %%
before = weight.detach().clone()
weight.grad = torch.ones_like(weight)
optimizer.step()
print("before:\n", before)
print("after step():\n", weight.detach())
assert torch.allclose(weight.detach(), before - 0.1, rtol=0, atol=1e-12)

# %% [markdown]
# Gradients **accumulate**: `backward()` adds into `.grad`, it never overwrites it. So
# before computing the next gradient we clear the old one with `zero_grad()`. Since
# PyTorch 2.0 it sets `.grad` to `None` (`set_to_none=True`, cheaper than writing zeros;
# older tutorials show a tensor of zeros here).

# %%
optimizer.zero_grad()
print("grad after zero_grad():", weight.grad)
assert weight.grad is None

# %% [markdown]
# ### `add_param_group`: a second group with its own learning rate
#
# Different parts of a model may need different settings, for instance a small learning
# rate for a pretrained backbone and a larger one for a new head. Each gets its own
# group. `add_param_group` adds one to an existing optimizer; whatever the new group
# does not specify is taken from the optimizer's defaults.

# %%
weight_2 = torch.randn((3, 3), dtype=torch.float64, requires_grad=True)
optimizer.add_param_group({"params": weight_2, "lr": 1e-4})
for index, g in enumerate(optimizer.param_groups):
    print(
        f"group {index}: lr = {g['lr']:g}, momentum = {g['momentum']:g}, "
        f"tensors of shape {[tuple(p.shape) for p in g['params']]}"
    )

# %% [markdown]
# One `step()` now updates both tensors, each with its group's learning rate: the same
# gradient of ones moves the first weight by $0.1$ and the second by $0.0001$.

# %%
old_1, old_2 = weight.detach().clone(), weight_2.detach().clone()
weight.grad, weight_2.grad = torch.ones_like(weight), torch.ones_like(weight_2)
optimizer.step()
moved_1, moved_2 = old_1 - weight.detach(), old_2 - weight_2.detach()
print("group 0: every entry moved by", np.unique(moved_1.numpy().round(12)))
print("group 1: every entry moved by", np.unique(moved_2.numpy().round(12)))
assert torch.allclose(moved_1, torch.full((2, 2), 0.1, dtype=torch.float64), rtol=0, atol=1e-12)
assert torch.allclose(moved_2, torch.full((3, 3), 1e-4, dtype=torch.float64), rtol=0, atol=1e-12)

# %% [markdown]
# Changing a learning rate during training is nothing more than writing into a group:
# `optimizer.param_groups[0]["lr"] = 0.05`. That is all a learning-rate scheduler does,
# as we will see in section 5.
#
# ### `state_dict`: saving and resuming
#
# Some optimizers keep a **state** per tensor between steps: SGD with momentum keeps a
# velocity (`momentum_buffer`), Adam two running averages and a step count. To stop a
# run and resume it later we must save the model's weights *and* the optimizer's state.
# Let us train a small linear model with momentum SGD for a few steps.

# %%
torch.manual_seed(0)
inputs = torch.randn(64, 3)
targets = inputs @ torch.tensor([1.0, -2.0, 0.5]) + 0.3


def loss_of(model):
    return ((model(inputs).squeeze(-1) - targets) ** 2).mean()


def train(model, opt, steps):
    for _ in range(steps):
        opt.zero_grad()
        loss_of(model).backward()
        opt.step()


model = torch.nn.Linear(3, 1)
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
train(model, opt, 5)
opt.state_dict()

# %% [markdown]
# The state dict has two parts: `state`, keyed by each tensor's position (0 is the weight,
# 1 the bias) and holding its momentum buffer, and `param_groups`, the hyperparameters,
# with the tensors replaced by those positions. Plain tensors and numbers only, so
# `torch.save` writes it to a file. We save the model's weights beside it.

# %%
scratch = tempfile.TemporaryDirectory()  # removed when the kernel stops
folder = Path(scratch.name)  # any folder of yours will do
torch.save(model.state_dict(), folder / "model_state_dict.pt")
torch.save(opt.state_dict(), folder / "optimizer_state_dict.pt")
for name in ("model_state_dict.pt", "optimizer_state_dict.pt"):
    print(f"{name}: {os.path.getsize(folder / name)} bytes")

# %% [markdown]
# Now we build a **fresh** model and a **fresh** optimizer, as a new process would, and
# load both files. Then the original and the restored copy each take ten more steps. If
# the optimizer's state came back complete, the two must stay equal bit for bit.
#
# For contrast, a third copy loads the model's weights but not the optimizer's state: it
# restarts with zero velocity.

# %%
restored = torch.nn.Linear(3, 1)
restored.load_state_dict(torch.load(folder / "model_state_dict.pt"))
restored_opt = optim.SGD(restored.parameters(), lr=0.05, momentum=0.9)
restored_opt.load_state_dict(torch.load(folder / "optimizer_state_dict.pt"))

forgetful = torch.nn.Linear(3, 1)
forgetful.load_state_dict(torch.load(folder / "model_state_dict.pt"))
forgetful_opt = optim.SGD(forgetful.parameters(), lr=0.05, momentum=0.9)  # no state loaded

for copy, copy_opt in ((model, opt), (restored, restored_opt), (forgetful, forgetful_opt)):
    train(copy, copy_opt, 10)


def largest_gap(a, b):
    pairs = zip(a.parameters(), b.parameters(), strict=True)
    return max(float((p - q).detach().abs().max()) for p, q in pairs)


print(f"original vs restored (state loaded):  largest gap {largest_gap(model, restored):.1e}")
print(f"original vs fresh optimizer (no state): largest gap {largest_gap(model, forgetful):.1e}")
assert all(
    torch.equal(p, q) for p, q in zip(model.parameters(), restored.parameters(), strict=True)
)
assert largest_gap(model, forgetful) > 1e-3

# %% [markdown]
# The restored run is identical to the original; the one that lost its momentum has
# drifted away after ten steps. Save both halves when you checkpoint. (`dl.fit` does
# this for you with `checkpoint_dir=`, and `resume=True` continues bit for bit.)
#
# ## 2. The learning rate, on $y = 4x^2$
#
# The learning rate is the size of each step. The tutorial this section follows runs
# plain gradient descent on $y = 4x^2$ from $x_0 = 2$, for ten learning rates evenly
# spaced from 0.01 to 0.2, 100 steps each. We do the same with `optim.SGD` (in float64,
# so that the tiny losses near the end stay representable).

# %%
learning_rates = np.linspace(0.01, 0.2, 10)


def descend(lr, steps=LR_STEPS, x0=2.0):
    """x_0, ..., x_steps of gradient descent on y = 4x^2 with optim.SGD."""
    x = torch.tensor([x0], dtype=torch.float64, requires_grad=True)
    sgd = optim.SGD([x], lr=float(lr))
    path = [x.item()]
    for _ in range(steps):
        sgd.zero_grad()
        (4 * x**2).sum().backward()
        sgd.step()
        path.append(x.item())
    return np.array(path)


paths = {float(lr): descend(lr) for lr in learning_rates}

# %% [markdown]
# Here we hardly need a computer at all. The gradient of $4x^2$ is $8x$, so one step is
#
# $$x_{t+1} = x_t - \mathrm{lr}\cdot 8x_t = (1 - 8\,\mathrm{lr})\,x_t,
# \qquad\text{hence}\qquad x_t = (1 - 8\,\mathrm{lr})^t\,x_0 .$$
#
# Every step multiplies $x$ by the same factor $1 - 8\,\mathrm{lr}$, and the loss
# $4x_t^2$ by its square. Everything about the learning rate follows from that factor:
#
# | learning rate | factor $1 - 8\,\mathrm{lr}$ | what happens |
# |---|---|---|
# | $0 < \mathrm{lr} < 0.125$ | between 0 and 1 | $x$ shrinks towards 0 from one side |
# | $\mathrm{lr} = 0.125$ | exactly 0 | $x = 0$ after **one** step |
# | $0.125 < \mathrm{lr} < 0.25$ | between -1 and 0 | $x$ flips sign every step, but shrinks |
# | $\mathrm{lr} = 0.25$ | exactly -1 | $x$ jumps between $+2$ and $-2$ forever |
# | $\mathrm{lr} > 0.25$ | below -1 | every step overshoots further: divergence |
#
# In general the curvature here is $y'' = 8$: the best step is $1/y'' = 0.125$, and
# steps beyond $2/y'' = 0.25$ diverge. Let us check our runs against the closed form.

# %%
rows = []
for lr, path in paths.items():
    factor = 1 - 8 * lr
    closed = 2.0 * factor ** np.arange(LR_STEPS + 1)
    assert np.allclose(path, closed, rtol=1e-12, atol=0), lr
    losses = 4 * path**2
    assert np.all(np.diff(losses) < 0), lr  # |factor| < 1: the loss falls at every step
    rows.append(
        {
            "lr": lr,
            "factor 1 - 8 lr": factor,
            "x after 1 step": path[1],
            f"loss after {LR_STEPS} steps": losses[-1],
        }
    )
table = pd.DataFrame(rows)
display(table)

# %% [markdown]
# All ten runs follow the formula to rounding, and all ten converge: even 0.2, whose
# factor is $-0.6$, flips sign at every step but shrinks. The fastest of the ten is the
# one closest to 0.125. The plot shows the losses on a log scale, where a constant factor
# per step is a straight line of slope $2\log_{10}|1 - 8\,\mathrm{lr}|$ per step.

# %%
fastest = table.loc[table[f"loss after {LR_STEPS} steps"].idxmin(), "lr"]
closest = learning_rates[np.argmin(abs(learning_rates - 0.125))]
print(f"fastest of the ten: lr = {fastest:.4f} (the one closest to 0.125: {closest:.4f})")
assert fastest == closest

fig, ax = plt.subplots(figsize=(8.5, 4.8), layout="constrained")
colours = plt.cm.viridis(np.linspace(0, 0.9, len(learning_rates)))
for (lr, path), colour in zip(paths.items(), colours, strict=True):
    ax.plot(
        4 * path**2,
        color=colour,
        linewidth=1.8,
        label=rf"lr = {lr:.4f}   ($1-8\,$lr $= {1 - 8 * lr:+.3f}$)",
    )
ax.set_yscale("log")
ax.set_ylim(1e-30, 1e3)
ax.set_xlabel("step")
ax.set_ylabel("loss $4x^2$")
ax.set_title("Gradient descent on $y = 4x^2$ from $x_0 = 2$: ten learning rates")
ax.grid(alpha=0.3)
fig.legend(loc="outside right upper", frameon=False, fontsize=9)
plt.show()

# %% [markdown]
# The tutorial also runs single learning rates one at a time (1, 0.5, 0.2, 0.1 and
# 0.125). Here is $x$ itself over the first ten steps for four telling ones: one step to
# the bottom, a damped zig-zag, an endless zig-zag at the boundary 0.25, and a zig-zag
# that grows.

# %%
edges = {
    0.125: "one step to 0",
    0.2: "zig-zag, shrinking",
    0.25: "zig-zag forever",
    0.3: "zig-zag, growing",
}
edge_paths = {lr: descend(lr, steps=10) for lr in edges}

fig, ax = plt.subplots(figsize=(8.5, 4.4), layout="constrained")
for (lr, words), colour in zip(
    edges.items(), ["tab:green", "tab:blue", "tab:orange", "tab:red"], strict=True
):
    ax.plot(
        edge_paths[lr],
        "-o",
        color=colour,
        markersize=4,
        label=f"lr = {lr:g}: factor {1 - 8 * lr:+.1f}, {words}",
    )
ax.axhline(0, color="black", linewidth=0.8)
ax.set_ylim(-12, 12)
ax.set_xlabel("step")
ax.set_ylabel("$x_t$")
ax.set_title(r"$x_{t+1} = (1 - 8\,\mathrm{lr})\,x_t$ from $x_0 = 2$")
ax.grid(alpha=0.3)
fig.legend(loc="outside right upper", frameon=False)
plt.show()

# %%
x_125, x_02, x_025, x_03 = (edge_paths[lr] for lr in edges)
x_05 = descend(0.5, steps=10)  # the tutorial's 0.5
t = np.arange(11)
print("lr = 0.125: x after one step =", x_125[1])
print("lr = 0.2:   x_(t+1) / x_t =", np.unique(np.round(x_02[1:] / x_02[:-1], 12)))
print("lr = 0.25:  |x_t| =", np.unique(abs(x_025)))
print(f"lr = 0.3:   |x_10| = {abs(x_03[-1]):.2f} = 2 * 1.4^10")
print(f"lr = 0.5:   |x_10| = {abs(x_05[-1]):.0f} = 2 * 3^10")
assert x_125[1] == 0.0 and np.all(x_125[1:] == 0.0)  # exactly zero: 2 - 0.125 * 16 = 0
assert np.allclose(x_02[1:] / x_02[:-1], -0.6)  # 0.2 does not diverge: |x| shrinks
assert abs(x_02[-1]) < 0.02 and np.all(np.diff(abs(x_02)) < 0)
assert np.all(abs(x_025) == 2.0)
assert np.allclose(abs(x_03), 2 * 1.4**t, rtol=1e-12)  # diverges: |x| grows 1.4x a step
assert abs(x_05[-1]) == 2 * 3**10  # |x| triples at every step

# %% [markdown]
# So on this parabola 0.2 is still a safe learning rate: its zig-zag shrinks by a factor
# 0.6 per step. Divergence starts beyond 0.25 (the tutorial notes that widening its range
# to 0.5 makes the loss explode: that is the part above 0.25).
#
# In a real network no one knows the curvature in advance, which is why learning rates
# are tuned, and why they are often lowered during training (section 5).
#
# ## 3. Momentum: a memory of past gradients
#
# SGD with momentum keeps a velocity $v$ and steps along it instead of along the raw
# gradient. PyTorch's rule (and descentlab's) is
#
# $$v_t = \beta\, v_{t-1} + g_t, \qquad w_t = w_{t-1} - \mathrm{lr}\cdot v_t .$$
#
# Unrolled, the velocity is a weighted sum of all past gradients:
#
# $$v_t = g_t + \beta\, g_{t-1} + \beta^2 g_{t-2} + \dots = \sum_{k \ge 0} \beta^k\, g_{t-k}.$$
#
# A gradient $k$ steps in the past has weight $\beta^k$. The textbook (Dive into Deep
# Learning, "Momentum") plots these weights; we draw them for the tutorial's values
# $\beta$ = 0.98, 0.95, 0.9 and 0.8 over its 100 steps. The dotted lines mark
# $k = 1/(1-\beta)$.

# %%
betas = [0.98, 0.95, 0.9, 0.8]
k = np.arange(100)
fig, ax = plt.subplots(figsize=(8.5, 4.4), layout="constrained")
for beta, colour in zip(betas, ["tab:blue", "tab:orange", "tab:green", "tab:red"], strict=True):
    window = 1 / (1 - beta)
    ax.plot(
        k,
        beta**k,
        color=colour,
        linewidth=2,
        label=rf"$\beta = {beta}$: window $1/(1-\beta) = {window:.0f}$ steps",
    )
    ax.axvline(window, color=colour, linestyle=":", linewidth=1.2)
ax.axhline(1 / math.e, color="grey", linewidth=0.8)
ax.annotate("$1/e$", (99, 1 / math.e), ha="right", va="bottom", color="grey")
ax.set_xlabel("steps into the past, $k$")
ax.set_ylabel(r"weight $\beta^k$ of the gradient $g_{t-k}$")
ax.set_title(r"How much of each past gradient is in the velocity $v_t$")
ax.grid(alpha=0.3)
ax.legend(frameon=False)
plt.show()

# %% [markdown]
# $\beta$ is a memory. The larger it is, the slower the weights fade and the further back
# the velocity remembers. A useful rule of thumb is that momentum averages over about
# the last $1/(1-\beta)$ steps: $\beta = 0.9$ remembers about 10 steps, $0.98$ about 50.
# Two facts make that precise:
#
# * The weights sum to a geometric series, $\sum_{k \ge 0} \beta^k = 1/(1-\beta)$. So on a
#   steady slope (the same gradient $g$ at every step) the velocity grows to
#   $g/(1-\beta)$: momentum 0.9 moves ten times as far per step as plain SGD would.
# * At $k = 1/(1-\beta)$ the weight has fallen to $\beta^{1/(1-\beta)}$, a little under
#   $1/e \approx 0.37$ (and exactly $1/e$ in the limit $\beta \to 1$), so the steps inside
#   that window carry $1 - \beta^{1/(1-\beta)}$, about two thirds, of the total weight.
#
# We check both, the first also on the optimizer itself: descentlab's SGD, fed a constant
# gradient of 1, must build a `momentum_buffer` of $\sum_{k<t}\beta^k$.

# %%
rows = []
for beta in betas:
    window = round(1 / (1 - beta))
    partial = np.cumsum(beta ** np.arange(2000))
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    sgd = optim.SGD([w], lr=0.01, momentum=beta)
    buffers = []
    for _ in range(2000):
        w.grad = torch.ones_like(w)
        sgd.step()
        buffers.append(sgd.state[w]["momentum_buffer"].item())
    assert np.allclose(buffers, partial, rtol=1e-12)  # v_t = sum of beta^k, k < t
    assert abs(partial[-1] - 1 / (1 - beta)) < 1e-9  # the sum tends to 1 / (1 - beta)
    rows.append(
        {
            "beta": beta,
            "1/(1-beta)": 1 / (1 - beta),
            "momentum_buffer after 2000 steps": buffers[-1],
            "weight at k = 1/(1-beta)": beta**window,
            "share of weight in the window": 1 - beta**window,
        }
    )
memory = pd.DataFrame(rows)
assert memory["weight at k = 1/(1-beta)"].between(0.32, 1 / math.e).all()
assert memory["share of weight in the window"].between(1 - 1 / math.e, 0.68).all()
display(memory)

# %% [markdown]
# The tutorial draws the same curves scaled by $(1-\beta)$, the weights of an
# exponentially weighted *average* (the form Adam uses for its first moment): they sum to
# 1 instead of $1/(1-\beta)$, but fade at exactly the same pace. `dl.viz.ema_weights`
# draws that version.

# %%
dl.viz.ema_weights(betas, steps=100)

# %% [markdown]
# ## 4. SGD with and without momentum on an ill-conditioned bowl
#
# Why does a memory help? The textbook (Dive into Deep Learning, section "Momentum")
# answers with the quadratic $f(x_1, x_2) = 0.1\,x_1^2 + 2\,x_2^2$, started at $(-5, -2)$
# and run for 20 steps. The bowl is 20 times steeper across ($x_2$) than along ($x_1$).
# Each coordinate is a parabola like the one of section 2, so gradient descent multiplies
# $x_1$ by $1 - 0.2\,\mathrm{lr}$ and $x_2$ by $1 - 4\,\mathrm{lr}$ at every step:
#
# * lr = 0.4: factors $0.92$ and $-0.6$. Across, it zig-zags in but settles; along, it
#   crawls.
# * lr = 0.6: factors $0.88$ and $-1.4$. Along it is faster, but across it diverges.
#
# No single learning rate is good in both directions. `dl.run` races optimizers on any
# formula, given as a string or, as here, as a landscape with a domain of our choosing
# (the default would be $[-5, 5]^2$, with our start on its edge). We use float64, as the
# textbook computes in Python floats.

# %%
bowl = dl.landscapes.from_expression(
    "0.1*x**2 + 2*y**2", domain=((-6, 6), (-3, 3)), start=(-5, -2), name="textbook bowl"
)
start = [(-5.0, -2.0)]
plain = dl.run(
    bowl, ["sgd(lr=0.4)", "sgd(lr=0.6)"], starts=start, steps=RACE_STEPS, dtype=torch.float64
)
heavy = dl.run(
    bowl,
    ["momentum(lr=0.6, momentum=0.5)", "momentum(lr=0.6, momentum=0.25)"],
    starts=start,
    steps=RACE_STEPS,
    dtype=torch.float64,
)
frame = {"xlim": (-5.5, 1.5), "ylim": (-3.0, 3.0)}  # the same view for both pictures
dl.viz.trace(plain, **frame)

# %% [markdown]
# With lr = 0.4 (red) the path zig-zags across the valley and then creeps along its
# floor; with lr = 0.6 (black) it flies across the valley further at every step and
# leaves the picture. Now momentum, with the large learning rate 0.6:

# %%
dl.viz.trace(heavy, **frame)

# %% [markdown]
# With $\beta = 0.5$ the same learning rate that made plain SGD diverge now converges in
# both directions. Along $x_1$ the gradients always point the same way, so they add up in
# the velocity (up to $1/(1-\beta) = 2$ times the plain step); across, they alternate in
# sign and largely cancel. $\beta = 0.25$ remembers too little to cancel the zig-zag well
# and ends further off.
#
# The textbook prints where each run is after 20 steps, to six decimals. Ours, from the
# races, beside theirs:

# %%
textbook = {  # Dive into Deep Learning, "Momentum": "epoch 20, x1: ..., x2: ..."
    "sgd(lr=0.4)": (-0.943467, -0.000073),
    "sgd(lr=0.6)": (-0.387814, -1673.365109),
    "momentum(lr=0.6, momentum=0.5)": (0.007188, 0.002553),
    "momentum(lr=0.6, momentum=0.25)": (-0.126340, -0.186632),
}
TOLERANCE = 6e-7  # they round to 6 decimals (at most 5e-7), plus float64 rounding
rows = []
for race in (plain, heavy):
    for index, label in enumerate(race.labels):
        ours = race.positions[index, 0, -1]
        theirs = textbook[label]
        gap = float(np.max(np.abs(ours - theirs)))
        rows.append(
            {
                "optimizer": label,
                "x1 (ours)": ours[0],
                "x1 (textbook)": theirs[0],
                "x2 (ours)": ours[1],
                "x2 (textbook)": theirs[1],
                "largest gap": f"{gap:.1e}",
                "final loss": race.losses[index, 0, -1],
            }
        )
        assert gap <= TOLERANCE, (label, ours, theirs)
with pd.option_context("display.float_format", "{:.6f}".format):
    display(pd.DataFrame(rows).set_index("optimizer"))

# %% [markdown]
# All four agree with the textbook to its six printed decimals. The final losses tell the
# story in one column: plain SGD is either slow (0.4) or divergent (0.6); momentum 0.5 at
# the divergent learning rate ends lowest.
#
# ## 5. LeNet on handwritten digits, with a step-wise learning rate
#
# Now a real model. `dl.tasks.digits()` holds scikit-learn's 1797 8x8 images of
# handwritten digits, split into 1437 for training and 360 for validation, and a
# LeNet-style CNN for them (two convolutions with pooling, three fully connected layers,
# batch normalisation). We train it as the tutorial trains its LeNet: SGD with momentum
# 0.9 and lr 0.01, with a **StepLR** schedule that multiplies the learning rate by
# $\gamma = 0.1$ every `STEP_SIZE` epochs:
#
# $$\mathrm{lr}_e = \mathrm{lr}_0 \cdot \gamma^{\lfloor e / \mathrm{step\_size} \rfloor}$$
#
# for the epoch that follows $e$ finished epochs. A scheduler is a small object that
# holds the optimizer and, each time its `step()` is called, writes the new learning rate
# into `optimizer.param_groups`. torch's `StepLR` works on descentlab's optimizers as on
# its own:

# %%
toy = optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.01, momentum=0.9)
scheduler = torch.optim.lr_scheduler.StepLR(toy, step_size=STEP_SIZE, gamma=GAMMA)
schedule = []
for _ in range(EPOCHS):
    schedule.append(toy.param_groups[0]["lr"])  # the lr this epoch trains with
    toy.step()  # (an epoch of training would go here)
    scheduler.step()  # once per epoch, after the optimizer's steps
print("lr per epoch:", [f"{lr:g}" for lr in schedule])
assert np.allclose(schedule, [0.01 * GAMMA ** (e // STEP_SIZE) for e in range(EPOCHS)])

# %% [markdown]
# `dl.fit` takes the same schedule as a short spec, `scheduler="step(step_size=..., gamma=...)"`
# (or any callable `optimizer -> scheduler`), builds it on the run's optimizer and steps
# it once per epoch. It evaluates the model on the whole training and validation sets
# after every epoch. (Under `DESCENTLAB_QUICK=1` this trains 3 epochs with a step every
# 2; the full setting is 15 epochs with a step every 10.)

# %%
digits = dl.tasks.digits()
run = dl.fit(
    digits,
    "momentum(lr=0.01, momentum=0.9)",
    epochs=EPOCHS,
    scheduler=f"step(step_size={STEP_SIZE}, gamma={GAMMA})",
)
display(run)

# %% [markdown]
# The run's `curve` is a table with one row per evaluation; its `lr` column is the
# learning rate each epoch trained with (row $e$ describes the model after epoch $e$).
# It must follow the StepLR formula.

# %%
curve = run.curve
curve[["epoch", "train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"]]

# %%
trained_with = curve["lr"].to_numpy()[1:]  # rows 1..EPOCHS: after epochs 1..EPOCHS
assert np.allclose(trained_with, schedule)
final_accuracy = run.final["val_accuracy"]
print(f"final validation accuracy: {final_accuracy:.1%} after {EPOCHS} epochs (chance: 10%)")
assert final_accuracy > (0.95 if not QUICK else 0.9)  # the task's own target is 95%

# %% [markdown]
# `dl.viz.training_curves` draws the losses (solid: training, dashed: validation) and the
# accuracies. The grey line marks where StepLR cut the learning rate tenfold.

# %%
fig = dl.viz.training_curves(run)
for ax in fig.axes:
    ax.axvline(STEP_SIZE, color="grey", linestyle=":", linewidth=1.5)
ax.annotate(
    rf"lr $\times$ {GAMMA:g}",
    (STEP_SIZE, ax.get_ylim()[0]),
    xytext=(4, 6),
    textcoords="offset points",
    color="grey",
)
display(fig)

# %% [markdown]
# The loss falls fast in the first epochs. After the cut to lr = 0.001 the steps are ten
# times smaller: the curves flatten, the training loss keeps creeping down, and the
# validation loss stops jumping around, since the weights no longer bounce between
# neighbouring good solutions. The gap between the solid and dashed losses is the price
# of seeing only 1437 images: the model fits the training set better than new ones.
#
# ## 6. A gallery of predictions
#
# `dl.fit` hands the trained model back as `run.model`, on the CPU. We switch it to
# evaluation mode (batch normalisation then uses its running statistics, as in the
# curve's measurements) and classify the 360 validation images.

# %%
images, labels = digits.validation
model = run.model.eval()
with torch.no_grad():
    predicted = model(images).argmax(dim=1)
correct = predicted == labels
accuracy = correct.double().mean().item()
print(
    f"{int(correct.sum())} of {len(labels)} right ({accuracy:.1%}); "
    f"the curve's last validation accuracy: {final_accuracy:.1%}"
)
assert abs(accuracy - final_accuracy) < 1e-12  # the model handed back is the one measured


# %%
def gallery(indices, title, columns=10):
    """Images with the predicted and the true digit: green when right, red when wrong."""
    rows = math.ceil(len(indices) / columns)
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(1.25 * columns, 1.5 * rows + 0.4),
        squeeze=False,
        layout="constrained",
    )
    for ax in axes.flat:
        ax.axis("off")
    for ax, i in zip(axes.flat, indices, strict=False):
        ax.imshow(images[i, 0], cmap="gray_r", vmin=0, vmax=1)
        colour = "tab:green" if correct[i] else "tab:red"
        ax.set_title(f"pred {predicted[i]} / true {labels[i]}", color=colour, fontsize=9)
    fig.suptitle(title)
    plt.show()


gallery(range(30), "The first 30 validation images: predicted / true digit")

# %% [markdown]
# Most are right. The mistakes are more instructive: on 8x8 pixels some digits really are
# ambiguous, and it is worth looking at them before blaming the optimizer.

# %%
wrong = torch.nonzero(~correct).flatten().tolist()
print(f"{len(wrong)} mistakes among {len(labels)} validation images")
if wrong:
    shown = wrong[:20]
    title = f"Misclassified validation images ({len(shown)} of {len(wrong)})"
    gallery(shown, title, columns=min(len(shown), 10))

# %% [markdown]
# ## Summary
#
# * An optimizer holds **parameter groups** (tensors plus hyperparameters) and a
#   **state** per tensor. `zero_grad` clears gradients, `step` applies the update rule,
#   `add_param_group` adds tensors with settings of their own, and a scheduler only
#   rewrites `param_groups[i]["lr"]`.
# * `state_dict` / `load_state_dict` (with the model's own) resume a run exactly; without
#   the optimizer's state, momentum restarts from zero and the run drifts.
# * On a parabola with curvature $c$ every step multiplies the error by $1 - c\cdot\mathrm{lr}$:
#   best at $\mathrm{lr} = 1/c$, oscillating above it, divergent beyond $2/c$.
# * Momentum's velocity weighs a gradient $k$ steps old by $\beta^k$: a memory of about
#   $1/(1-\beta)$ steps, which adds up consistent directions and cancels zig-zags.
