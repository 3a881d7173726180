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
# # Which optimizer is better?
#
# Every optimizer paper answers this question with a table, and most of those tables
# compare a carefully tuned new method against baselines run at someone else's
# defaults. In this chapter you will see why such a comparison says more about the
# defaults than about the optimizers, and how to make a fair one: give every optimizer
# the same budget of tuning trials on the same search space, rerun each winner over
# several seeds, and report the spread (the protocol of DeepOBS), then summarise many
# tasks with time-to-target and performance profiles (as AlgoPerf does). You will run
# the whole protocol with `dl.tune` on two small tasks and check the properties any
# correct study must have.

# %%
import dataclasses
import os
import shutil
import tempfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import display

import descentlab as dl
from descentlab import optim
from descentlab.tuning import figures, parse_space
from descentlab.tuning.profile import ratios

# Optuna, which runs the studies, imports tqdm's notebook bars; descentlab draws its own
warnings.filterwarnings("ignore", message="IProgress not found")

# %%
QUICK = os.environ.get("DESCENTLAB_QUICK") == "1"  # CI runs every chapter with small settings
BUDGET = 8 if QUICK else 20  # tuning trials per optimizer and task
SEEDS = 3 if QUICK else 5  # reruns of each optimizer's best setting
QUADRATIC_EPOCHS = 25 if QUICK else 100  # DeepOBS trains its noisy quadratic for 100 epochs
# where the studies' journals live: a fresh scratch folder, so every run of the chapter
# tunes from scratch (name a folder of your own to keep a study and resume it)
scratch = tempfile.TemporaryDirectory(prefix="studies-")  # removed when the kernel stops
STUDIES = Path(scratch.name)

# %% [markdown]
# ## Two tasks and four optimizers
#
# We compare plain SGD, SGD with heavy-ball momentum ($\mu = 0.9$), RMSprop and Adam on
# two tasks that train in well under a second each:
#
# * `airfoil`: linear regression on NASA's airfoil self-noise data, two epochs of
#   minibatches of 10, ranked by the final training loss (the textbook's set-up);
# * `quadratic_deep`: DeepOBS's noisy 100-dimensional quadratic, whose Hessian has
#   the spectrum of a deep network's (a few large eigenvalues, many small ones),
#   ranked by the final validation loss.
#
# Each task also names a *target*, a value of its metric that counts as "trained";
# we will use it for time-to-target.

# %%
airfoil = dl.tasks.airfoil()
quadratic = dl.tasks.quadratic_deep()
if quadratic.epochs != QUADRATIC_EPOCHS:  # the quick settings train it for fewer epochs
    quadratic = dataclasses.replace(quadratic, epochs=QUADRATIC_EPOCHS)
TASKS = [airfoil, quadratic]
OPTIMIZERS = ["sgd", "momentum", "adam", "rmsprop"]

for task in TASKS:
    print(f"{task.name:15} {task.epochs:3} epochs of batch {task.batch_size:3}, "
          f"ranked by {task.metric} (target {task.target:g})")  # fmt: skip
for name in OPTIMIZERS:
    print(f"{name:9} default lr = {optim.info(name).defaults['lr']:g}")

# %% [markdown]
# ## The trap: a comparison at the defaults
#
# The quickest comparison trains every optimizer once, at its library defaults, from
# the same initial weights and the same order of examples. `dl.compare` does exactly
# that:

# %%
at_defaults = dl.compare(airfoil, OPTIMIZERS, seed=0)
at_defaults.summary()[["optimizer", "final_train_loss", "diverged"]]

# %%
dl.viz.training_curves(at_defaults)

# %% [markdown]
# Read naively, the picture ranks the optimizers, and plain SGD looks hopeless. But
# look at what was compared. SGD, momentum and Adam all ran at $\gamma = 10^{-3}$ and
# RMSprop at $10^{-2}$, and the same $\gamma$ means very different steps:
#
# * SGD moves by $\gamma\, g_t$: its step scales with the gradient;
# * heavy-ball momentum with $\mu = 0.9$ averages the gradients, and in a steady
#   slope moves by about $\gamma\, g_t / (1 - \mu) = 10\,\gamma\, g_t$;
# * Adam and RMSprop divide by a running root-mean-square of the gradient, so each
#   coordinate moves by about $\gamma$ whatever the gradient's scale.
#
# A default is its author's guess for some other problem. Here SGD's guess is far too
# small (the tuning below picks learning rates several times larger), and that is
# most of what the picture shows. Two more things are wrong with it: it is one seed
# (one draw of the initial weights and of the order of the examples), so we cannot
# tell a real difference from luck; and it is one task.
#
# ## A fair protocol
#
# DeepOBS (Schneider, Balles & Hennig, ICLR 2019) fixes the comparison this way:
#
# 1. every optimizer gets the **same budget** of $B$ trials on each task, drawn from
#    the **same search space** (for the learning rate, DeepOBS's baselines search
#    $10^{-5}$ to $10^{2}$ on a log scale);
# 2. the trials are ranked by the task's metric, and the best setting is **rerun over
#    several seeds** (ten in DeepOBS's baselines);
# 3. the result is the **spread** over those seeds (median and quartiles), not one
#    number.
#
# Schmidt, Schneider & Hennig ("Descending through a crowded valley", ICML 2021) ran this
# for fifteen optimizers at several budgets and found no optimizer that wins
# everywhere, and that trying several optimizers at their defaults did about as well
# as tuning a single one.
#
# AlgoPerf (Dahl et al., 2023) adds two ideas for many tasks. It scores an optimizer
# by its **time to a target**, here the number of examples seen until the metric first
# reaches the task's target, and it draws the trials of a search by **quasi-random
# search** (a scrambled Halton sequence in its baselines; quasi-random points cover a
# range more evenly than random draws). Across tasks it summarises with a
# **performance profile** (Dolan & Moré, 2002): on task $p$ the ratio of optimizer $o$ is
#
# $$r_{p,o} = \frac{c_{p,o}}{\min_{o'} c_{p,o'}},$$
#
# with $c$ the cost (time to target, or the final loss), so the best optimizer on a
# task has $r = 1$; its profile $\rho_o(\tau)$ is the share of tasks on which it came
# within a factor $\tau$ of the best:
#
# $$\rho_o(\tau) = \frac{1}{|P|}\,\bigl|\{\,p : r_{p,o} \le \tau\,\}\bigr|.$$
#
# A curve that starts high at $\tau = 1$ is often the best; one that reaches 1 early is
# never far behind.
#
# `dl.tune` runs this protocol on Optuna. `budget` is $B$; `seeds` is the number of
# reruns; a plain name such as `"adam"` searches the learning rate over DeepOBS's
# range; the first trial is always the optimizer's defaults, the others a scrambled
# Sobol sequence (Optuna's quasi-random sampler) drawn from `seed`; the study is kept
# in a journal file in `folder`, so the same call again resumes it (or, finished, just
# reads it back).
#
# ## The untuned comparison, done properly
#
# First the defaults again, but on both tasks and over `SEEDS` seeds. A study with a
# budget of one trial is exactly that: its one trial is the defaults, rerun over the
# seeds.

# %%
untuned = dl.tune(TASKS, OPTIMIZERS, budget=1, seeds=SEEDS, folder=STUDIES / "untuned")
untuned.summary()

# %% [markdown]
# Its seed 0 is the comparison we drew above, to float precision:

# %%
rerun = untuned.seeds[(untuned.seeds.task == "airfoil") & (untuned.seeds.seed == 0)]
assert rerun.optimizer.tolist() == at_defaults.labels
np.testing.assert_allclose(
    rerun.final.to_numpy(), at_defaults.summary().final_train_loss.to_numpy(), rtol=1e-6
)
print("dl.compare at seed 0 equals the untuned study's seed 0 on airfoil")

# %% [markdown]
# The boxes below span the quartiles over seeds, the bar is the median and each dot one
# seed. At the defaults the seeds barely matter: on each task the gap between the best
# and the worst optimizer is many times the height of any box.

# %%
colour = figures.palette(OPTIMIZERS)  # one colour per optimizer in every figure
fig = figures.seed_boxes(untuned.seeds, palette=colour)
fig.suptitle("At the defaults: the final metric over seeds", fontsize=11)
display(fig)

# %%
for task, rows in untuned.results.groupby("task"):
    gap = rows.final_median.max() - rows.final_median.min()
    box = (rows.final_q3 - rows.final_q1).max()
    print(f"{task:15} best-to-worst gap {gap:.4g}, tallest box {box:.2g}")
    assert gap > 10 * box

# %% [markdown]
# ## The tuned comparison
#
# Now the same four optimizers, each tuned with `BUDGET` trials on each task, their
# winners rerun over the same `SEEDS` seeds.

# %%
tuned = dl.tune(TASKS, OPTIMIZERS, budget=BUDGET, seeds=SEEDS, folder=STUDIES / "tuned")
tuned.summary()

# %% [markdown]
# `setting` is the learning rate the search chose, `final` the median and quartiles
# of the final metric over the seeds, `to target` the median number of examples seen
# until the metric first reached the task's target (`reached`: on how many seeds), and
# `failed` the trials that diverged. A diverged trial still counts against the budget:
# an optimizer that is fragile over the search space pays for it.
#
# ### Learning-rate sensitivity
#
# Each line joins one optimizer's search trials in order of learning rate; the ringed
# point is its best trial, an x a trial that diverged. Because the search space has one
# dimension and every search is drawn from the same seed, all four optimizers tried the
# same learning rates (RMSprop's default trial aside).

# %%
figures.sensitivity(tuned.trials, palette=colour)

# %% [markdown]
# The runs that blew up stretch the axes; here are the same trials, zoomed in on the
# valley floors (up to 30% above each task's best trial):

# %%
search = tuned.trials[tuned.trials.phase == "search"]
zoomed = figures.sensitivity(tuned.trials, palette=colour)
for ax, (_, rows) in zip(zoomed.axes, search.groupby("task", sort=False), strict=True):
    floor = rows.metric.min()
    ax.set_ylim(0.98 * floor, 1.3 * floor)
zoomed.suptitle("The same trials, zoomed in on the valley floors", fontsize=11)
display(zoomed)

# %% [markdown]
# Read the widths of the valleys as well as their depths: SGD and momentum diverge
# beyond a learning rate the adaptive methods survive, and a method whose good range is
# wide is easier to tune than one whose minimum is deep but narrow. SGD's default, by
# the way, was far from its valley:

# %%
tried = search[search.trial > 0].groupby(["task", "optimizer"]).hp_lr.apply(tuple)
assert tried.nunique() == 1, "every search tried the same learning rates after the defaults"
failed = tuned.results.set_index(["task", "optimizer"]).failed_trials.unstack()
print("diverged search trials:", failed, sep="\n")
assert (failed[["sgd", "momentum"]] > 0).all(axis=None)
assert (failed[["adam", "rmsprop"]] == 0).all(axis=None)
sgd = tuned.results[tuned.results.optimizer == "sgd"]
factor = sgd.hp_lr / optim.info("sgd").defaults["lr"]
print("SGD's tuned lr / its default:", ", ".join(f"{f:.0f}x" for f in factor))
assert (factor > 5).all()

# %% [markdown]
# ### The spread over seeds

# %%
figures.seed_boxes(tuned.seeds, palette=colour)

# %%
figures.training_curves(tuned.curves, palette=colour)

# %% [markdown]
# ### Did tuning change the verdict?
#
# The performance ratio $r_{p,o}$ of each optimizer's median final value, untuned and
# tuned, side by side (1 is the best on that task):

# %%
verdicts = pd.concat(
    {"untuned": ratios(untuned.results), "tuned": ratios(tuned.results)}, names=["study"]
)
verdicts.round(3)


# %%
def ranking(results: pd.DataFrame, task: str) -> list[str]:
    """The optimizers from best to worst median final value on one task."""
    rows = results[results.task == task].sort_values("final_median")
    return rows.optimizer.tolist()


def overlap(results: pd.DataFrame, task: str) -> bool:
    """Whether the winner's and the runner-up's quartile boxes overlap."""
    rows = results[results.task == task].sort_values("final_median")
    return bool(rows.final_q3.iloc[0] >= rows.final_q1.iloc[1])


for task in TASKS:
    name = task.name
    spread = {study: verdicts.loc[(study, name)].max() for study in ("untuned", "tuned")}
    print(f"{name}:")
    print(f"  untuned, best to worst: {', '.join(ranking(untuned.results, name))}; "
          f"the worst is {spread['untuned']:.3f}x the best")  # fmt: skip
    print(f"  tuned,   best to worst: {', '.join(ranking(tuned.results, name))}; "
          f"the worst is {spread['tuned']:.3f}x the best")  # fmt: skip
    print(f"  tuned winner's box overlaps the runner-up's: {overlap(tuned.results, name)}")
    assert spread["tuned"] < spread["untuned"], "tuning narrows the gap between optimizers"
    assert spread["tuned"] < 1.05, "tuned, the worst ends within a few percent of the best"
assert verdicts.loc["untuned"].max(axis=None) > 1.5
changed = [
    task.name
    for task in TASKS
    if ranking(untuned.results, task.name) != ranking(tuned.results, task.name)
]
assert changed, "the untuned ranking survives tuning on every task"
print("the ranking changed with tuning on:", ", ".join(changed))

# %% [markdown]
# At the defaults the worst optimizer ends far behind the best; tuned, the gaps shrink
# to a few percent or less, and the order changes. Where the winner's box overlaps the
# runner-up's, `SEEDS` seeds cannot tell them apart: the honest verdict is a tie. The
# untuned table measured mostly how well each default happened to suit these tasks.
#
# ### The performance profiles
#
# With two tasks a profile has only three levels (0, ½, 1), but it reads the same as
# AlgoPerf's over many workloads. First the final value, untuned and tuned. Mind the
# $\tau$ axes: at the defaults the curves spread over ratios beyond 1.5; tuned, every
# optimizer ends within a few percent of the best on both tasks, so every curve climbs
# to 100% almost at once.

# %%
figures.performance_profile(untuned.results, palette=colour)

# %%
figures.performance_profile(tuned.results, palette=colour)

# %% [markdown]
# AlgoPerf's own score is the time to the target: the examples seen until the metric
# first reached the task's target, fewer being better whatever the metric (an
# optimizer that never reached the target has $r = \infty$ and never counts):

# %%
figures.performance_profile(tuned.results, column="examples_to_target_median", palette=colour)

# %% [markdown]
# Speed separates the tuned optimizers far more than their end points do: the largest
# ratio here is far above the few percent that separate their final values. Two
# caveats: the curve is recorded every 100 examples on airfoil and every epoch (1000
# examples) on the quadratic, so times to target are rounded up to those steps; and our
# search ranked trials by their final value, where AlgoPerf's submissions are tuned to
# reach the target fast.

# %%
speed = ratios(tuned.results, "examples_to_target_median")
finals = ratios(tuned.results)
print("largest finite ratio, time to target:", f"{speed[np.isfinite(speed)].max(axis=None):.3f}")
print("largest ratio, final value:          ", f"{finals.max(axis=None):.3f}")
assert speed[np.isfinite(speed)].max(axis=None) > 1.1 > finals.max(axis=None)

# %% [markdown]
# ### The winner's curse
#
# The search ranks each trial by a single run on the tuning seed, and the best of
# `BUDGET` noisy numbers tends to be a flattering one. The rerun corrects it: one of
# its seeds is the tuning seed itself, the other `SEEDS - 1` are fresh. The table puts
# the winner's search score next to its mean over the fresh seeds, and the defaults'
# mean over the same fresh seeds (from the untuned study):

# %%
tuning_seed = tuned.options["seed"]


def fresh_mean(study: dl.Tuning) -> pd.Series:
    """Each task and optimizer's mean final value over the seeds other than the tuning seed."""
    fresh = study.seeds[study.seeds.seed != tuning_seed]
    return fresh.groupby(["task", "optimizer"], sort=False).final.mean()


curse = pd.DataFrame(
    {
        "tuned lr": tuned.results.set_index(["task", "optimizer"]).hp_lr,
        "on the tuning seed": search.groupby(["task", "optimizer"], sort=False).metric.min(),
        "tuned, fresh seeds": fresh_mean(tuned),
        "default, fresh seeds": fresh_mean(untuned),
    }
)
curse["optimism"] = curse["tuned, fresh seeds"] - curse["on the tuning seed"]
print(f"the winner did worse on fresh seeds than in its search for "
      f"{(curse.optimism > 0).sum()} of {len(curse)} task x optimizer pairs")  # fmt: skip
display(curse)

# %% [markdown]
# `optimism` is how much worse the winner does on fresh seeds than it looked in the
# search (negative: it was unlucky on the tuning seed). Where it is large compared with
# the gaps between optimizers, the search picked a learning rate partly for its luck,
# and a ranking by search scores alone would mislead; the remedy is to score each trial
# on several seeds, at the cost of a larger budget.
#
# ## Checks every correct study passes
#
# **The tuned learning rate lies in the search space**, and so does every trial's:

# %%
for name in OPTIMIZERS:
    (lr,) = parse_space(name).dimensions
    mine = tuned.trials[tuned.trials.optimizer == name]
    assert mine.hp_lr.between(lr.low, lr.high).all()
    best = tuned.results[tuned.results.optimizer == name].hp_lr
    assert best.between(lr.low, lr.high).all()
    print(f"{name:9} tuned lr {', '.join(f'{v:.3g}' for v in best)} in [{lr.low:g}, {lr.high:g}]")

# %% [markdown]
# **Each optimizer spent exactly the budget**, failures included, and every winner was
# rerun `SEEDS` times:

# %%
counts = tuned.trials.groupby(["task", "optimizer", "phase"]).size().unstack("phase")
print(counts)
assert (counts["search"] == BUDGET).all() and (counts["seed"] == SEEDS).all()
assert len(counts) == len(TASKS) * len(OPTIMIZERS)

# %% [markdown]
# **Tuning is at least as good as the defaults.** On the tuning seed this is exact: the
# defaults are trial 0 of every search, and the winner is the best trial. On the
# rerun seeds it holds within noise: the tuned median may exceed the default's (the
# winner's curse) but by less than the tuned runs' own range over seeds. And rerunning
# the winner on the tuning seed reproduces its search score exactly.

# %%
same = ["task", "optimizer", "seed"]
paired = tuned.seeds.merge(untuned.seeds, on=same, suffixes=("_tuned", "_default"))
assert len(paired) == len(TASKS) * len(OPTIMIZERS) * SEEDS  # the same seeds in both studies
for (task, name), rows in paired.groupby(["task", "optimizer"], sort=False):
    trials = search[(search.task == task) & (search.optimizer == name)]
    default, best = trials[trials.trial == 0], trials.metric.min()
    # trial 0 is the defaults, and the setting chosen is the search's best trial
    assert default.hp_lr.iloc[0] == optim.info(name).defaults["lr"]
    chosen = tuned.results[(tuned.results.task == task) & (tuned.results.optimizer == name)]
    assert chosen.hp_lr.iloc[0] == trials[trials.metric == best].hp_lr.iloc[0]
    again = rows[rows.seed == trials.seed.iloc[0]].final_tuned.iloc[0]
    assert again == best  # the rerun of the winner on its own seed
    gap = rows.final_tuned.median() - rows.final_default.median()
    noise = rows.final_tuned.max() - rows.final_tuned.min()
    assert gap <= noise, (task, name, gap, noise)
    print(f"{task:15} {name:9} tuned - default, median over seeds: {gap:+.4g} "
          f"(seed range of the tuned runs {noise:.3g})")  # fmt: skip

# %% [markdown]
# **The same study gives the same numbers.** Every trial trains on one thread from its
# seed, and the trials are planned before any runs, so a study run twice from scratch
# agrees to the last bit (but for the seconds each trial took). A tiny one, twice:

# %%
tiny = dict(tasks=airfoil, specs=["sgd", "adam"], budget=3, seeds=2, seed=7)
runs = []
for name in ("first", "second"):
    shutil.rmtree(STUDIES / "twice" / name, ignore_errors=True)
    runs.append(dl.tune(**tiny, folder=STUDIES / "twice" / name))
first, second = runs
for frame in ("trials", "seeds", "curves", "results"):
    a, b = getattr(first, frame), getattr(second, frame)
    pd.testing.assert_frame_equal(a.drop(columns="seconds", errors="ignore"),
                                  b.drop(columns="seconds", errors="ignore"))  # fmt: skip
print("two runs of the same study: identical trials, seeds, curves and results")

# %% [markdown]
# And the same call on a finished study's folder runs nothing: it reads the journal
# back.

# %%
again = dl.tune(**tiny, folder=STUDIES / "twice" / "first")
pd.testing.assert_frame_equal(again.trials, first.trials)  # the seconds too: nothing reran
print(again)

# %% [markdown]
# ## The report
#
# `save` writes the tables as CSV, the four figures as PNG and one self-contained
# `report.html` with the call that reproduces the study:

# %%
for path in tuned.save(STUDIES / "tuned"):
    print(path)

# %% [markdown]
# ## What to take away
#
# * A comparison at default hyperparameters ranks the defaults, not the optimizers.
# * A fair comparison gives every optimizer the same budget on the same search space,
#   reruns each winner over seeds, and reports the spread; a difference smaller than
#   the spread is not a result.
# * Over many tasks, time-to-target and performance profiles say which optimizer is
#   reliably close to the best, which is usually more useful than which one wins most
#   often.
#
# **Try it.** Add `"digits"` (a small CNN; a few seconds a trial) to the tasks; search
# Adam's $\beta_1$ as well as its learning rate with
# `"adam(betas=(uniform(0.8, 0.99), 0.999))"`, or momentum's $\mu$ with
# `"momentum(momentum=uniform(0, 0.99))"` (is a larger space fair to the optimizers
# that have fewer knobs?); or halve the budget and watch which optimizer suffers most.
