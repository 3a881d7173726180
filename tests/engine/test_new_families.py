"""The faces run each new family as it must run: Schedule-Free measured at its averaged
point, SparseAdam fed sparse gradients, L-BFGS and Muon one start at a time."""

from __future__ import annotations

import numpy as np
import torch

import descentlab as dl
from descentlab import landscapes, optim

START = (-1.0, 1.0)


def manual_path(make, steps: int, measure_averaged: bool) -> np.ndarray:
    """The recorded points of one trajectory on Himmelblau, stepped by hand."""
    land = landscapes.get("himmelblau")
    point = torch.tensor([[START[0]], [START[1]]], dtype=torch.float64, requires_grad=True)
    optimizer = make([point])
    path = [point.detach().clone()]
    for _ in range(steps):
        point.grad = torch.stack(land.gradient(*point.detach()))
        if getattr(optimizer, "sparse_gradients", False):
            point.grad = point.grad.to_sparse()
        optimizer.step()
        if measure_averaged:
            optimizer.eval()
            path.append(point.detach().clone())
            optimizer.train()
        else:
            path.append(point.detach().clone())
    return torch.stack(path)[..., 0].numpy()


def test_a_schedule_free_race_records_the_averaged_point():
    def make(params):
        built = optim.AdamWScheduleFree(params, lr=0.5, warmup_steps=5)
        built.train()
        return built

    race = dl.run("himmelblau", "adamw_schedulefree(lr=0.5, warmup_steps=5)", starts=[START],
                  steps=40, dtype=torch.float64)  # fmt: skip
    averaged = manual_path(make, 40, measure_averaged=True)
    np.testing.assert_allclose(race.positions[0, 0], averaged, rtol=1e-12, atol=1e-12)
    # the averaged point is not where the gradients were taken
    assert np.abs(manual_path(make, 40, measure_averaged=False) - averaged).max() > 0.05
    land = race.landscape
    np.testing.assert_allclose(race.losses[0, 0], land(*torch.from_numpy(averaged).T).numpy())


def test_a_schedule_free_sweep_summarises_the_averaged_point():
    starts = [START, (2.0, 2.5), (-3.0, -1.0)]
    spec = "adamw_schedulefree(warmup_steps=5)"
    swept = dl.sweep("himmelblau", spec, grid={"lr": [0.05, 0.5]}, starts=starts, steps=40,
                     dtype=torch.float64)  # fmt: skip
    for lr in (0.05, 0.5):
        race = dl.run("himmelblau", f"adamw_schedulefree(lr={lr}, warmup_steps=5)",
                      starts=starts, steps=40, dtype=torch.float64)  # fmt: skip
        row = swept.summary().set_index("lr").loc[lr]
        np.testing.assert_allclose(row["median_final_loss"], np.median(race.losses[0, :, -1]),
                                   rtol=1e-10)  # fmt: skip


def test_sparseadam_races_with_sparse_gradients_and_skips_zero_ones():
    race = dl.run("himmelblau", "sparseadam(lr=0.1)", starts=[START], steps=30,
                  dtype=torch.float64)  # fmt: skip
    by_hand = manual_path(lambda p: optim.SparseAdam(p, lr=0.1), 30, measure_averaged=False)
    np.testing.assert_allclose(race.positions[0, 0], by_hand, rtol=1e-12, atol=1e-12)
    # where every gradient entry is non-zero, lazy Adam is Adam, but for where eps sits
    # (torch's SparseAdam adds it before the bias correction of v)
    adam = dl.run("himmelblau", "adam(lr=0.1)", starts=[START], steps=30, dtype=torch.float64)
    np.testing.assert_allclose(race.positions, adam.positions, rtol=1e-7)
    assert not np.array_equal(race.positions, adam.positions)


def test_per_start_methods_race_like_their_torch_references():
    starts = [(-1.5, 2.0), (0.0, 0.0)]
    ours = dl.run("rosenbrock", ["lbfgs(lr=0.5)", "muon(lr=0.02)"], starts=starts, steps=20,
                  dtype=torch.float64)  # fmt: skip
    theirs = dl.run("rosenbrock", ["torch.LBFGS(lr=0.5)", "torch.Muon(lr=0.02)"], starts=starts,
                    steps=20, dtype=torch.float64)  # fmt: skip
    np.testing.assert_allclose(ours.positions, theirs.positions, rtol=1e-9, atol=1e-12)
    assert ours.losses[0, :, -1].max() < 1e-6  # L-BFGS, 20 iterations a step, is there
