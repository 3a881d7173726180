"""Every torch.optim.lr_scheduler drives ours exactly as it drives torch's."""

from __future__ import annotations

import copy

import pytest
import torch
from torch.optim import lr_scheduler

from descentlab import optim

from .harness import assert_params_close, make_mlp, mlp_loss

STEPS = 25

SCHEDULERS = {
    "StepLR": lambda opt: lr_scheduler.StepLR(opt, step_size=5, gamma=0.5),
    "MultiStepLR": lambda opt: lr_scheduler.MultiStepLR(opt, milestones=[3, 8, 15], gamma=0.3),
    "ExponentialLR": lambda opt: lr_scheduler.ExponentialLR(opt, gamma=0.9),
    "CosineAnnealingLR": lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=10, eta_min=1e-4),
    "OneCycleLR": lambda opt: lr_scheduler.OneCycleLR(opt, max_lr=0.05, total_steps=STEPS),
    "LambdaLR": lambda opt: lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (1 + epoch)),
    "ReduceLROnPlateau": lambda opt: lr_scheduler.ReduceLROnPlateau(
        opt, mode="min", factor=0.5, patience=1, threshold=0.5
    ),
}

PAIRS = {
    "momentum": (optim.SGD, torch.optim.SGD, dict(lr=0.02, momentum=0.9)),
    "adam": (optim.Adam, torch.optim.Adam, dict(lr=0.02)),
    "rmsprop": (optim.RMSprop, torch.optim.RMSprop, dict(lr=0.01, momentum=0.5)),
}


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("scheduler", SCHEDULERS)
def test_scheduler_gives_the_same_lrs_and_parameters(scheduler, pair):
    ours_cls, theirs_cls, kwargs = PAIRS[pair]
    ours_model = make_mlp(torch.float64)
    theirs_model = copy.deepcopy(ours_model)
    ours = ours_cls(ours_model.parameters(), **kwargs)
    theirs = theirs_cls(theirs_model.parameters(), **kwargs, foreach=False)
    runs = [
        (ours_model, ours, SCHEDULERS[scheduler](ours), []),
        (theirs_model, theirs, SCHEDULERS[scheduler](theirs), []),
    ]
    for step in range(STEPS):
        for model, optimizer, sched, lrs in runs:
            optimizer.zero_grad()
            loss = mlp_loss(model, step % 3)
            loss.backward()
            optimizer.step()
            if scheduler == "ReduceLROnPlateau":
                sched.step(loss.item())
            else:
                sched.step()
            lrs.append(optimizer.param_groups[0]["lr"])
        assert_params_close(list(ours_model.parameters()), list(theirs_model.parameters()), step)
    ours_lrs, theirs_lrs = runs[0][3], runs[1][3]
    assert ours_lrs == theirs_lrs
    assert len(set(ours_lrs)) > 1, "the schedule changed the learning rate"
