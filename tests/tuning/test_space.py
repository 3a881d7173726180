"""Search spaces: what they search, what they fix, and one-line refusals."""

from __future__ import annotations

import math
import pickle

import pytest

from descentlab import optim
from descentlab.errors import SearchSpaceError
from descentlab.tuning import parse_space
from descentlab.tuning.study import Protocol, plan


def test_a_plain_optimizer_searches_lr_over_deepobs_range():
    space = parse_space("adam")
    (lr,) = space.dimensions
    assert (lr.name, lr.scale, lr.low, lr.high) == ("lr", "log", 1e-5, 1e2)
    assert lr.value(0.0) == pytest.approx(1e-5) and lr.value(0.5) == pytest.approx(10**-1.5)
    assert space.defaults() == {"lr": 1e-3}
    assert optim.parse(space.spec({"lr": 0.01})).kwargs == {"lr": 0.01}


def test_ranges_and_fixed_values_of_a_pair():
    space = parse_space("adam(lr=log(1e-4, 1), betas=(uniform(0.8, 0.99), 0.999), eps=1e-6)")
    assert [d.name for d in space.dimensions] == ["lr", "betas_0"]
    assert space.defaults() == {"lr": 1e-3, "betas_0": 0.9}
    spec = optim.parse(space.spec({"lr": 0.01, "betas_0": 0.85}))
    assert spec.kwargs == {"lr": 0.01, "betas": (0.85, 0.999), "eps": 1e-6}
    again = optim.parse(space.spec({"lr": 0.02, "betas_0": 0.95}))  # the first is not kept
    assert again.kwargs["betas"] == (0.95, 0.999)
    beta = space.dimensions[1]
    assert beta.value(0.25) == pytest.approx(0.8 + 0.25 * 0.19)


def test_a_fixed_lr_is_not_searched_and_choices_are():
    space = parse_space("rmsprop(lr=0.01, alpha=choice(0.9, 0.99))")
    (alpha,) = space.dimensions
    assert alpha.choices == (0.9, 0.99) and alpha.value(0.7) == 0.99
    assert optim.parse(space.spec({"alpha": 0.9})).kwargs == {"lr": 0.01, "alpha": 0.9}


@pytest.mark.parametrize(
    ("text", "hyperparameter", "reason"),
    [
        ("adam(beta=log(1e-3, 1))", "beta",
         "adam has no hyperparameter 'beta' (did you mean 'betas'?)"),
        ("adam(lr=log(0, 1))", "lr", "lr: log(0, 1) needs 0 < low < high"),
        ("adam(lr=uniform(1, 0.5))", "lr", "lr: uniform(1, 0.5) needs low < high"),
        ("adam(betas=(uniform(0.8, 1.2), 0.999))", "betas",
         "betas: betas[0] must be in [0, 1), got 1.2"),
        ("sgd(momentum=uniform(-1, 0.9))", "momentum", "momentum: momentum must be >= 0, got -1"),
        ("adam(lr=exp(2))", "lr", "lr: a range is log(low, high), uniform(low, high) or choice"),
        ("adam(lr=__import__('os'))", "lr", "lr: a range is log(low, high)"),
        ("adma", None, "unknown optimizer 'adma' (did you mean 'adam'"),
        ("adam(", None, "not a spec"),
    ],
)  # fmt: skip
def test_a_bad_space_is_one_line_naming_the_hyperparameter(text, hyperparameter, reason):
    with pytest.raises(SearchSpaceError) as caught:
        parse_space(text)
    error = caught.value
    assert error.hyperparameter == hyperparameter and error.space == text
    assert error.reason.startswith(reason), error.reason
    assert "\n" not in str(error)
    assert pickle.loads(pickle.dumps(error)).reason == error.reason


def test_the_plan_is_the_defaults_then_a_seeded_sobol_sequence():
    space = parse_space("adam(lr=log(1e-4, 1), betas=(uniform(0.8, 0.99), 0.999))")
    first = plan(space, Protocol(budget=9, seeds=1, seed=3, sampler="qmc"))
    assert len(first) == 9 and first[0] == {"lr": 1e-3, "betas_0": 0.9}
    assert first == plan(space, Protocol(budget=9, seeds=1, seed=3, sampler="qmc"))
    assert first != plan(space, Protocol(budget=9, seeds=1, seed=4, sampler="qmc"))
    lrs = [p["lr"] for p in first[1:]]
    assert all(1e-4 <= lr <= 1 for lr in lrs) and len(set(lrs)) == 8
    # a Sobol sequence covers each half of the log range with half of its first 8 points
    low_half = sum(math.log10(lr) < -2 for lr in lrs)
    assert low_half == 4
    assert plan(space, Protocol(budget=9, seeds=1, seed=3, sampler="tpe")) == first[:1]


def test_whole_number_hyperparameters_are_searched_as_whole_numbers():
    space = parse_space(
        "lbfgs(history_size=uniform(3, 20), line_search_fn=choice(None, 'strong_wolfe'))"
    )
    size, search = space.dimensions[1], space.dimensions[2]
    assert (size.name, size.whole, search.whole) == ("history_size", True, False)
    assert space.defaults()["history_size"] == 20  # the default 100, clipped into range
    points = plan(space, Protocol(budget=12, seeds=1, seed=0, sampler="qmc"))
    sizes = {p["history_size"] for p in points}
    assert all(isinstance(s, int) and 3 <= s <= 20 for s in sizes) and len(sizes) > 5
    assert {p["line_search_fn"] for p in points} == {None, "strong_wolfe"}
    # a storage that hands the whole number back as a float still gives a valid spec
    spec = space.spec({"lr": 0.5, "history_size": 7.0, "line_search_fn": "strong_wolfe"})
    assert spec == "lbfgs(lr=0.5, history_size=7, line_search_fn='strong_wolfe')"
    assert optim.parse(spec).kwargs["history_size"] == 7
    assert size.distribution().__class__.__name__ == "IntDistribution"
