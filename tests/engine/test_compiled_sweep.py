"""Compiled sweeps: the gradient, each optimizer's own update and the summaries traced as
one kernel must give the rows the eager sweep gives; the choice to compile weighs the
work against the compile's seconds; and any device torch has can step them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

import descentlab as dl
from descentlab.engine import compiled, compiled_steps, plan

SPECS = [
    "adam(lr=0.05)",
    "sgd(lr=0.002, momentum=0.9, nesterov=True)",
    "rmsprop(lr=0.01, centered=True, weight_decay=0.01)",
    "nadam(lr=0.05)",
    "adagrad(lr=0.5)",
    "lion(lr=0.02)",
    "asgd(lr=0.005, t0=10)",  # 0-d state (eta, mu) the rule updates in place
    "rprop(lr=0.01)",
    "radam(lr=0.002)",
]


def both(spec: str, **kwargs: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    starts = kwargs.pop("starts", dl.grid_starts("himmelblau", 9))
    args = dict(starts=starts, steps=41, **kwargs)
    eager = dl.sweep("himmelblau", spec, compile=False, **args).frame
    fused = dl.sweep("himmelblau", spec, compile=True, **args).frame
    return eager, fused


def assert_same_rows(eager: pd.DataFrame, fused: pd.DataFrame, tol: float = 2e-4) -> None:
    """Counts and basins equal; points and losses within float32 rounding of 40 steps."""
    for column in ("basin", "diverged", "diverged_at", "steps_to_tol", "start"):
        np.testing.assert_array_equal(fused[column], eager[column], err_msg=column)
    for column in ("final_x", "final_y", "final_loss", "best_loss"):
        np.testing.assert_allclose(fused[column], eager[column], rtol=tol, atol=tol)


@pytest.mark.parametrize("spec", SPECS)
def test_a_compiled_sweep_gives_the_eager_rows(spec):
    eager, fused = both(spec)
    assert_same_rows(eager, fused)
    if not spec.startswith("radam"):  # RAdam's warm-up takes more than these 41 steps
        assert (eager.steps_to_tol > 0).any()  # some reach a minimum: the counts are tested


def test_a_grid_divergence_and_climbing_compile_alike():
    # in float64: heavy-ball orbits on Himmelblau magnify float32 rounding 10x per 10 steps
    grid = {"lr": [0.001, 0.01, 0.2], "momentum": [0.0, 0.9]}
    eager, fused = both("sgd", grid=grid, dtype=torch.float64)
    assert eager.diverged.any() and not eager.diverged.all()
    assert_same_rows(eager, fused, tol=1e-9)
    eager, fused = both("adam", grid={"lr": [0.01, 0.3], "betas": [(0.9, 0.999), (0.5, 0.9)]})
    assert_same_rows(eager, fused)
    eager, fused = both("sgd(lr=0.01)", maximize=True, starts=[[0.1, 0.2], [-1.0, 0.5]])
    assert_same_rows(eager, fused)


def test_the_kernel_steps_many_steps_per_call(monkeypatch):
    calls = []
    original = compiled_steps.Stepper.advance

    def counted(self: object, summaries: object, first: torch.Tensor, count: int) -> None:
        calls.append((int(first), count))
        original(self, summaries, first, count)

    monkeypatch.setattr(compiled_steps.Stepper, "advance", counted)
    dl.sweep("himmelblau", "adam", starts=[[0.0, 0.0]], steps=41, compile=True)
    # step 1 as written (it makes the state), then the 40 others, 4 per call
    assert calls == [(2 + 4 * i, 4) for i in range(10)]


def test_methods_with_group_level_steps_or_noise_still_compile_only_the_probe():
    for spec, noise in (("prodigy", 0.0), ("sgd_schedulefree(lr=0.5)", 0.0), ("adam", 0.5)):
        eager, fused = both(spec, noise=noise)
        assert_same_rows(eager, fused)


def test_compiling_is_chosen_by_the_seconds_it_would_win():
    assert not plan.worth_compiling(1e6, compiled_before=False)  # seconds to compile, 0.02 won
    assert plan.worth_compiling(1e6, compiled_before=True)  # nothing left to pay
    assert plan.worth_compiling(1e10, compiled_before=False)  # minutes won
    # the break-even: COMPILE_SECONDS of the eager rate's head start
    even = plan.COMPILE_SECONDS / (1 / plan.EAGER_RATE - 1 / plan.COMPILED_RATE)
    assert not plan.worth_compiling(0.99 * even, False) and plan.worth_compiling(1.01 * even, False)
    compiled.clear()
    starts = dl.grid_starts("himmelblau", 5)

    def chosen() -> bool:
        return plan.plan("himmelblau", "adam", None, starts, 10, tol=1e-3, noise=0.0, seed=0,
                         dtype=torch.float32, maximize=False, chunk=1 << 20,
                         compile=None).compile  # fmt: skip

    assert not chosen()  # 250 trajectory-steps are not worth a compile
    small = dl.sweep("himmelblau", "adam", starts=starts, steps=10)
    assert not compiled._CACHE
    dl.sweep("himmelblau", "adam", starts=starts, steps=10, compile=True)
    assert chosen()  # now compiled, so the same sweep compiles by default
    before = dict(compiled._CACHE)
    again = dl.sweep("himmelblau", "adam", starts=starts, steps=10)
    assert compiled._CACHE.keys() == before.keys()  # it reused the kernels
    pd.testing.assert_frame_equal(again.frame, small.frame, rtol=1e-5, atol=1e-6)
    assert not plan.plan("himmelblau", "adam", None, starts[:7], 10, tol=1e-3, noise=0.0,
                         seed=0, dtype=torch.float32, maximize=False, chunk=1 << 20,
                         compile=None).compile  # another shape is another compile  # fmt: skip


@pytest.mark.parametrize(
    ("device", "message"),
    [
        ("cuda:7", r"device 'cuda:7' is not available on this machine .*use 'cpu'"),
        ("gpu", r"device must be one torch accepts, such as 'cpu', 'cuda' or 'mps', got 'gpu'"),
        ("meta", r"device 'meta' holds no numbers"),
        (3.5, r"device must be one torch accepts"),
    ],
)
def test_a_device_this_machine_lacks_is_refused_in_one_line(device, message):
    if str(device).startswith("cuda") and torch.cuda.device_count() > 7:
        pytest.skip("this machine has eight GPUs")
    for call in (
        lambda: dl.sweep("himmelblau", "adam", starts=[[0.0, 0.0]], device=device),
        lambda: dl.run("himmelblau", "adam", device=device),
        lambda: dl.fit("airfoil", "adam", epochs=1, device=device),
    ):
        with pytest.raises(ValueError, match=message) as caught:
            call()
        assert "\n" not in str(caught.value)


def test_device_cpu_gives_the_rows_and_paths_on_the_cpu():
    starts = [[0.0, 0.0], [1.0, -2.0]]
    here = dl.sweep("himmelblau", "adam", starts=starts, steps=20, device=torch.device("cpu"))
    default = dl.sweep("himmelblau", "adam", starts=starts, steps=20)
    pd.testing.assert_frame_equal(here.frame, default.frame)
    race = dl.run("beale", ["adam(lr=0.1)", "lbfgs"], steps=10, noise=0.1, device="cpu")
    assert isinstance(race.positions, np.ndarray)
    default_race = dl.run("beale", ["adam(lr=0.1)", "lbfgs"], steps=10, noise=0.1)
    np.testing.assert_array_equal(race.positions, default_race.positions)
