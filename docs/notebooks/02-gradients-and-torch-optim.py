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
# # Gradients and torch.optim
#
# This chapter follows a classic first lesson on `torch.optim`, from Zhiqing Xiao's book
# *Neural Networks and PyTorch in Action* (神经网络与PyTorch实战, 2018), chapter 4: let
# autograd compute a gradient, hand the tensor to an optimizer, and loop
# `zero_grad`, `backward`, `step`. The book minimises two functions: a bowl
# $-(\cos^2 x_1 + \cos^2 x_2)^2$ with plain SGD, and Himmelblau's function with Adam.
# We run the book's loops with descentlab's own optimizers (`descentlab.optim`, written
# from scratch), print our numbers next to the ones the book printed, and check them
# step by step against `torch.optim`. Then we look at something the book leaves to a
# comment: Himmelblau's function has four minima, and which one you reach depends on
# where you start.
#
# The book's printed outputs quoted below come from its companion notebooks
# (GitHub repository `ZhiqingXiao/pytorch-book`, folder `chapter04_optim`).

# %%
import io
import math
import os

import numpy as np
import pandas as pd
import torch
from IPython.display import display

import descentlab as dl
from descentlab import optim

# %%
QUICK = os.environ.get("DESCENTLAB_QUICK") == "1"  # CI runs every chapter with small settings
SGD_STEPS = 10  # SGD on the bowl, as in the book (cheap: kept under QUICK)
ADAM_STEPS = 5000 if QUICK else 20000  # Adam on Himmelblau: the book runs 20000
MINIMA_STEPS = 10000 if QUICK else 20000  # the race to the four minima
GRID = 30 if QUICK else 60  # starts per axis on the basin map

# %% [markdown]
# ## 1. A gradient by autograd
#
# The first function is
#
# $$f(x) = -\left(\cos^2 x_1 + \cos^2 x_2\right)^2.$$
#
# At $x = (\pi/3, \pi/6)$, $\cos^2 x_1 = 1/4$ and $\cos^2 x_2 = 3/4$, so the sum is
# $s = 1$ and $f = -1$. By the chain rule
# $\partial f/\partial x_i = -2s \cdot 2\cos x_i \cdot (-\sin x_i) = 2s \sin 2x_i$,
# which here is $2\sin(2\pi/3) = 2\sin(\pi/3) = \sqrt{3} \approx 1.7321$ for both.
# Autograd should find exactly that: mark the tensor with `requires_grad=True`, compute
# $f$, call `backward()`, and read `x.grad`.


# %%
def bowl(x):
    """The book's function of a 2-vector."""
    return -(((x.cos() ** 2).sum()) ** 2)


x = torch.tensor([math.pi / 3, math.pi / 6], requires_grad=True)
f = bowl(x)
f.backward()
print(f"value    = {f.item()}")
print(f"gradient = {x.grad}")

by_hand = torch.full((2,), math.sqrt(3))
print(f"by hand  = {by_hand}   (sqrt(3) = {math.sqrt(3):.6f})")
print("the book printed: value = -1.0, gradient = tensor([ 1.7321,  1.7321])")
assert abs(f.item() - (-1.0)) < 1e-6
assert torch.allclose(x.grad, by_hand, atol=1e-6)
assert torch.allclose(x.grad, torch.tensor([1.7321, 1.7321]), atol=5e-5)  # 4 decimals

# %% [markdown]
# descentlab's landscape catalog holds the same function as `cos-bowl`, with the
# gradient written out by hand. Its value and gradient agree with autograd's:

# %%
cos_bowl = dl.landscapes.get("cos-bowl")
x1, x2 = torch.tensor(math.pi / 3), torch.tensor(math.pi / 6)
analytic = torch.stack(cos_bowl.gradient(x1, x2))
print(f"cos-bowl: f = {cos_bowl(x1, x2).item()}, gradient = {analytic},",
      f"minimum {cos_bowl.minima[0]}")  # fmt: skip
assert torch.allclose(analytic, x.grad, atol=1e-6)

# %% [markdown]
# ## 2. Ten steps of SGD
#
# An optimizer is built from the tensors it may change and its hyperparameters. Each
# round of the loop clears the old gradient (`zero_grad`), computes the new one
# (`backward`) and moves the tensor (`step`); for plain SGD the move is
# $x \leftarrow x - \mathrm{lr}\,\nabla f(x)$. The book's loop steps first and then
# evaluates $f$, so that each printed line shows a point and its value. We write it once
# as a function of the optimizer class, and keep every point.


# %%
def tutorial_loop(optimizer_class, function, start, steps, **hyperparameters):
    """The book's loop: evaluate at the start, then step and evaluate, ``steps`` times.

    Returns every point, (steps + 1, 2), and every value, (steps + 1,)."""
    x = torch.tensor(start, requires_grad=True)
    optimizer = optimizer_class([x], **hyperparameters)
    f = function(x)  # step 0: the start
    points, values = [x.detach().clone()], [f.detach().clone()]
    for _ in range(steps):
        optimizer.zero_grad()  # forget the last gradient
        f.backward()  # the gradient of f at x, into x.grad
        optimizer.step()  # move x
        f = function(x)
        points.append(x.detach().clone())
        values.append(f.detach().clone())
    return torch.stack(points), torch.stack(values)


start = (math.pi / 3, math.pi / 6)
points, values = tutorial_loop(optim.SGD, bowl, start, SGD_STEPS, lr=0.1)

# %% [markdown]
# The book's printed table (its notebook `gradient_optimizer`), and ours beside it:

# %%
BOOK_SGD = """
step x1 x2 f
0 1.0471975803375244 0.5235987901687622 -1.0
1 0.8739925026893616 0.35039371252059937 -1.674528956413269
2 0.6192374229431152 0.1835097223520279 -2.6563119888305664
3 0.3111077845096588 0.06654246151447296 -3.617122173309326
4 0.08941137790679932 0.016069628298282623 -3.9671425819396973
5 0.01855570822954178 0.0032690390944480896 -3.99858021736145
6 0.0037171822041273117 0.0006542906630784273 -3.9999427795410156
7 0.0007434852886945009 0.00013086205581203103 -3.999997615814209
8 0.00014869746519252658 2.6172441721428186e-05 -4.0
9 2.973949449369684e-05 5.234487616689876e-06 -4.0
10 5.947898898739368e-06 1.0468975233379751e-06 -4.0
"""
book_sgd = pd.read_csv(io.StringIO(BOOK_SGD), sep=" ", index_col="step")
ours_sgd = pd.DataFrame({"x1": points[:, 0], "x2": points[:, 1], "f": values}, index=book_sgd.index)
print(f"{'step':>4} {'x (ours)':>28} {'f (ours)':>11}   {'x (book)':>28} {'f (book)':>11}")
for step in book_sgd.index:
    o, b = ours_sgd.loc[step], book_sgd.loc[step]
    print(f"{step:>4} [{o.x1:12.6e}, {o.x2:12.6e}] {o.f:11.7f}   "
          f"[{b.x1:12.6e}, {b.x2:12.6e}] {b.f:11.7f}")  # fmt: skip

assert np.allclose(ours_sgd[["x1", "x2"]], book_sgd[["x1", "x2"]], rtol=1e-6, atol=1e-9)
assert np.allclose(ours_sgd["f"], book_sgd["f"], rtol=1e-6, atol=0)
assert abs(values[-1].item() - cos_bowl.min_value) < 1e-5  # the minimum, -4
print(f"\nafter {SGD_STEPS} steps: f = {values[-1].item()}, the minimum is {cos_bowl.min_value}")

# %% [markdown]
# Every point agrees with the book's to six significant digits or better, and after ten
# steps $f$ has reached its minimum $-4$ at $x = 0$ in float32 (the point is still
# $10^{-6}$ away, but $\cos^2 10^{-6}$ rounds to 1). Why so fast? Near the minimum
# $\cos^2 x_i \approx 1 - x_i^2$, so $f \approx -4 + 4\,(x_1^2 + x_2^2)$, whose gradient
# is $8x$: each SGD step multiplies $x$ by $1 - 0.1 \cdot 8 = 0.2$. From step 5 on the
# table shows just that, each $x$ a fifth of the one before.
#
# The same loop with `torch.optim.SGD` gives the very same floats, step by step:

# %%
torch_points, torch_values = tutorial_loop(torch.optim.SGD, bowl, start, SGD_STEPS, lr=0.1)
assert torch.equal(points, torch_points) and torch.equal(values, torch_values)
ratio = points[6:, 0] / points[5:-1, 0]
print("descentlab.optim.SGD == torch.optim.SGD at all", SGD_STEPS + 1, "points")
print("x1 ratio from step 5 on:", np.round(ratio.numpy(), 6))
assert torch.allclose(ratio, torch.tensor(0.2), rtol=0, atol=5e-4)

# %% [markdown]
# ## 3. Adam on Himmelblau's function
#
# $$f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2$$
#
# has four minima, all with $f = 0$. The book starts Adam at $(0, 0)$ with its default
# learning rate 0.001 and prints every 1000th of 20000 steps. The function comes from
# the catalog (`himmelblau`); a landscape takes one tensor per coordinate.

# %%
himmelblau = dl.landscapes.get("himmelblau")
print(himmelblau.name, ":", himmelblau.description)


def himmelblau_of(x):
    return himmelblau(x[0], x[1])


points, values = tutorial_loop(optim.Adam, himmelblau_of, (0.0, 0.0), ADAM_STEPS, lr=1e-3)

# %% [markdown]
# The book's table (its notebook `himmelblau`), then ours next to it:

# %%
BOOK_ADAM = """
step x y f
0 0.0 0.0 170.0
1000 1.270142912864685 1.118398904800415 88.42723083496094
2000 2.332378387451172 1.9535709619522095 13.730920791625977
3000 2.8519949913024902 2.114161729812622 0.6689225435256958
4000 2.981964111328125 2.0271568298339844 0.014858869835734367
5000 2.9991261959075928 2.0014777183532715 3.956971340812743e-05
6000 2.999983549118042 2.0000221729278564 1.1074007488787174e-08
7000 2.9999899864196777 2.000013589859009 4.150251697865315e-09
8000 2.9999938011169434 2.0000083446502686 1.5572823031106964e-09
9000 2.9999964237213135 2.000005006790161 5.256879376247525e-10
10000 2.999997854232788 2.000002861022949 1.8189894035458565e-10
11000 2.9999988079071045 2.0000014305114746 5.547917680814862e-11
12000 2.9999992847442627 2.0000009536743164 1.6370904631912708e-11
13000 2.999999523162842 2.000000476837158 5.6843418860808015e-12
14000 2.999999761581421 2.000000238418579 1.8189894035458565e-12
15000 3.0 2.0 0.0
16000 3.0 2.0 0.0
17000 3.0 2.0 0.0
18000 3.0 2.0 0.0
19000 3.0 2.0 0.0
20000 3.0 2.0 0.0
"""
book_adam = pd.read_csv(io.StringIO(BOOK_ADAM), sep=" ", index_col="step")
book_adam = book_adam.loc[:ADAM_STEPS]  # QUICK runs the first rows only
rows = book_adam.index.tolist()
ours_adam = pd.DataFrame(
    {"x": points[rows, 0], "y": points[rows, 1], "f": values[rows]}, index=book_adam.index
)
print(f"{'step':>5}  {'x (ours)':>20} {'f (ours)':>10}   {'x (book)':>20} {'f (book)':>10}  same")
for step in rows:
    o, b = ours_adam.loc[step], book_adam.loc[step]
    same = "yes" if (o.x, o.y, o.f) == (b.x, b.y, b.f) else ""
    print(f"{step:>5}  [{o.x:.7f}, {o.y:.7f}] {o.f:10.4g}   "
          f"[{b.x:.7f}, {b.y:.7f}] {b.f:10.4g}  {same}")  # fmt: skip

assert np.allclose(ours_adam[["x", "y"]], book_adam[["x", "y"]], rtol=0, atol=1e-5)
assert np.allclose(ours_adam["f"], book_adam["f"], rtol=1e-5, atol=1e-5)

# %% [markdown]
# Our points agree with the book's to $10^{-5}$ in every coordinate, and its values to
# $10^{-5}$ (relative, or absolute near 0). The first rows differ in the last float32
# digits: the book ran PyTorch 0.4, whose Adam added $\varepsilon$ before the bias
# correction, and whose kernels rounded in their own order. The differences are a few
# units in the last place, and as Adam closes in on $(3, 2)$ they wash out: the column
# *same* marks the rows that agree digit for digit with the book's printout. From
# about step 15000 on, $(3, 2)$ is reached to float32 precision and $f = 0$ exactly.
#
# And against `torch.optim.Adam` of today, the agreement is exact at every step:

# %%
torch_points, torch_values = tutorial_loop(
    torch.optim.Adam, himmelblau_of, (0.0, 0.0), ADAM_STEPS, lr=1e-3
)
assert torch.equal(points, torch_points) and torch.equal(values, torch_values)
print(f"descentlab.optim.Adam == torch.optim.Adam at all {ADAM_STEPS + 1} points")
print(f"final point {points[-1].tolist()}, f = {values[-1].item():.3g}")

# %% [markdown]
# ## 4. Four minima, four starts
#
# The book notes in a comment which minimum each of four starts leads to:
# $(0, 0) \to (3, 2)$, $(-1, 0) \to (-2.81, 3.13)$, $(-4, 0) \to (-3.78, -3.28)$ and
# $(4, 0) \to (3.58, -1.85)$. Instead of editing the loop four times we race Adam from
# all four starts at once with `dl.run`, which steps every start as one tensor.

# %%
STARTS = [(0.0, 0.0), (-1.0, 0.0), (-4.0, 0.0), (4.0, 0.0)]
race = dl.run("himmelblau", "adam(lr=1e-3)", starts=STARTS, steps=MINIMA_STEPS)
print(race)

# %% [markdown]
# The race computes gradients from the catalog's formula for them instead of by
# autograd, so its path from $(0, 0)$ could differ from our loop's by rounding. We
# compare the two at every step:

# %%
common = min(ADAM_STEPS, MINIMA_STEPS) + 1
drift = np.abs(race.positions[0, 0, :common] - points[:common].numpy()).max()
print(f"race vs the hand-written loop, largest difference over {common} points: {drift:.2g}")
assert drift < 1e-5

# %% [markdown]
# The four minima as they are usually published (six decimals, as Wikipedia lists
# them), and where each start ended:

# %%
PUBLISHED = {
    "(3, 2)": (3.0, 2.0),
    "(-2.805118, 3.131312)": (-2.805118, 3.131312),
    "(-3.779310, -3.283186)": (-3.779310, -3.283186),
    "(3.584428, -1.848126)": (3.584428, -1.848126),
}
minima = np.array(list(PUBLISHED.values()))
final = race.positions[0, :, -1].astype(np.float64)  # (starts, 2)
distance = np.linalg.norm(final[:, None, :] - minima[None, :, :], axis=-1)
nearest = distance.argmin(axis=1)
table = pd.DataFrame(
    {
        "start": [str(s) for s in STARTS],
        "final x": final[:, 0],
        "final y": final[:, 1],
        "f": race.losses[0, :, -1],
        "nearest published minimum": [list(PUBLISHED)[i] for i in nearest],
        "distance": distance[np.arange(len(STARTS)), nearest],
    }
)
display(table)

assert list(nearest) == [0, 1, 2, 3]  # each start in the basin the book names
assert (table["distance"] < 1e-4).all()

# %% [markdown]
# Every start lands within $10^{-4}$ of the minimum the book names (the published
# values are rounded to six decimals). The trajectories show why: each start rolls
# into the basin it is already in, and the paths bend with the valleys.

# %%
dl.viz.trace(race, xlim=(-5, 5), ylim=(-5, 5))

# %% [markdown]
# ## 5. Every start at once: the basin map
#
# Which minimum does a start lead to, for every start of a grid? `dl.sweep` runs one
# optimizer from many starts and keeps, for each, a summary: the final point, the loss,
# the step it came within $10^{-3}$ of the minimum value, and `basin`, the index of
# the known minimum it ended nearest. Adam at the book's learning rate would need
# thousands of steps per start; with `lr=0.1` it gets there in a few hundred. Beside it
# we sweep heavy-ball momentum, to see whether the map belongs to the function or to the
# optimizer.

# %%
OTHERS = ["adam(lr=0.1)", "momentum(lr=0.005, momentum=0.9)"]
grid = dl.grid_starts("himmelblau", GRID)
sweeps = [dl.sweep("himmelblau", spec, starts=grid, steps=300) for spec in OTHERS]
for spec, sweep in zip(OTHERS, sweeps, strict=True):
    counts = sweep.frame["basin"].value_counts().sort_index()
    print(f"{spec}: {len(sweep.frame)} starts; reaching minimum 0, 1, 2, 3:",
          counts.tolist())  # fmt: skip
    assert (sweep.frame["steps_to_tol"] >= 0).all()  # every start reached a minimum
    assert len(counts) == 4 and counts.min() > 0.15 * len(sweep.frame)

figure = dl.viz.basins(sweeps)
for axes in figure.axes[: len(sweeps)]:
    for number, (sx, sy) in enumerate(STARTS, start=1):
        axes.plot(sx, sy, "o", color="white", markeredgecolor="black", markersize=13, zorder=5)
        axes.annotate(str(number), (sx, sy), ha="center", va="center", fontsize=8, zorder=6)
display(figure)

# %% [markdown]
# Each colour is one basin, about a quarter of the square each. Adam's map puts the
# book's four starts where the book says. Momentum's map is another: its velocity
# carries a run across a valley and over the ridge beyond, so the borders move, and
# starts 1 and 3, which sit near borders, change sides. A race from the four starts
# confirms what the maps show:

# %%
again = dl.run("himmelblau", OTHERS, starts=STARTS, steps=300)
ends = again.positions[:, :, -1].astype(np.float64)  # (optimizer, start, 2)
basin = np.linalg.norm(ends[:, :, None] - minima[None, None], axis=-1).argmin(-1)
names = list(PUBLISHED)
display(pd.DataFrame({spec: [names[i] for i in basin[k]] for k, spec in enumerate(OTHERS)},
                     index=[f"{n}: {s}" for n, s in enumerate(STARTS, start=1)]))  # fmt: skip
assert list(basin[0]) == [0, 1, 2, 3]  # Adam at lr 0.1: the book's minima
assert list(basin[1]) == [3, 1, 1, 3]  # momentum: starts 1 and 3 land elsewhere

# %% [markdown]
# Which minimum "the" start leads to is a property of the start *and* the optimizer.
# Try other learning rates with `dl.sweep("himmelblau", "momentum", grid={"lr": [...]},
# starts=grid, steps=300)` and `dl.viz.basins`, which draws one panel per value.
