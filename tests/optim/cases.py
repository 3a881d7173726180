"""One table describing every optimizer and its configurations.

In the style of torch's ``OptimizerInfo`` (torch/testing/_internal/common_optimizers.py):
every optimizer test is generated from `CASES`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from descentlab import optim


class PaperLion(torch.optim.Optimizer):
    """Lion transcribed from Algorithm 2 of Chen et al. 2023, independent of ours.

    update = interp(g, m, beta1)          # c = beta1 m + (1 - beta1) g
    update = sign(update)
    m = interp(g, m, beta2)
    update = update + lambda * theta
    theta = theta - lr * update
    """

    def __init__(self, params, lr=1e-4, betas=(0.9, 0.99), weight_decay=0.0, maximize=False):
        super().__init__(
            params, dict(lr=lr, betas=betas, weight_decay=weight_decay, maximize=maximize)
        )

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            beta1, beta2 = group["betas"]
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                g = -theta.grad if group["maximize"] else theta.grad
                state = self.state[theta]
                if not state:
                    state["exp_avg"] = torch.zeros_like(theta)
                m = state["exp_avg"]
                update = torch.sign(beta1 * m + (1 - beta1) * g)
                m.copy_(beta2 * m + (1 - beta2) * g)
                update = update + group["weight_decay"] * theta
                theta.copy_(theta - group["lr"] * update)


@dataclass(frozen=True)
class Case:
    """One optimizer: ours, the reference it must equal, and configurations to test."""

    name: str
    ours: type[torch.optim.Optimizer]
    reference: type[torch.optim.Optimizer]
    configs: dict[str, dict[str, Any]]
    # hyperparameters worth giving one value per run, for the per-row tests
    per_row: dict[str, list[Any]] = field(default_factory=dict)
    # float32 tolerances (rtol, atol) against the reference
    float32_tol: tuple[float, float] = (1e-5, 1e-6)

    @property
    def reference_kwargs(self) -> dict[str, Any]:
        return {"foreach": False} if self.reference is not PaperLion else {}


CASES: list[Case] = [
    Case(
        "sgd",
        optim.SGD,
        torch.optim.SGD,
        {
            "plain": dict(lr=0.1),
            "momentum": dict(lr=0.05, momentum=0.9),
            "dampening": dict(lr=0.05, momentum=0.9, dampening=0.3),
            "nesterov": dict(lr=0.05, momentum=0.9, nesterov=True),
            "weight_decay": dict(lr=0.05, momentum=0.8, weight_decay=0.1),
            "maximize": dict(lr=0.05, momentum=0.5, maximize=True),
        },
        per_row={"lr": [0.01, 0.05, 0.1], "momentum": [0.0, 0.5, 0.9]},
    ),
    Case(
        "adagrad",
        optim.Adagrad,
        torch.optim.Adagrad,
        {
            "default": dict(lr=0.1),
            "lr_decay": dict(lr=0.1, lr_decay=0.05),
            "initial_accumulator_value": dict(lr=0.1, initial_accumulator_value=0.2),
            "eps": dict(lr=0.1, eps=1e-3),
            "weight_decay": dict(lr=0.1, weight_decay=0.1),
            "maximize": dict(lr=0.1, maximize=True),
        },
        per_row={"lr": [0.01, 0.1, 0.5], "lr_decay": [0.0, 0.1, 1.0]},
    ),
    Case(
        "rmsprop",
        optim.RMSprop,
        torch.optim.RMSprop,
        {
            "default": dict(lr=0.01),
            "alpha": dict(lr=0.01, alpha=0.9),
            "eps": dict(lr=0.01, eps=1e-3),
            "momentum": dict(lr=0.01, momentum=0.9),
            "centered": dict(lr=0.01, centered=True),
            "centered_momentum": dict(lr=0.01, centered=True, momentum=0.5),
            "weight_decay": dict(lr=0.01, weight_decay=0.1),
            "maximize": dict(lr=0.01, maximize=True, momentum=0.3),
        },
        per_row={"lr": [0.001, 0.01, 0.1], "alpha": [0.5, 0.9, 0.99]},
    ),
    Case(
        "adadelta",
        optim.Adadelta,
        torch.optim.Adadelta,
        {
            "default": dict(),
            "rho_eps": dict(lr=0.5, rho=0.95, eps=1e-4),
            "weight_decay": dict(weight_decay=0.1),
            "maximize": dict(maximize=True),
        },
        per_row={"lr": [0.1, 1.0, 3.0], "rho": [0.5, 0.9, 0.99]},
    ),
    Case(
        "adam",
        optim.Adam,
        torch.optim.Adam,
        {
            "default": dict(lr=0.01),
            "betas": dict(lr=0.01, betas=(0.8, 0.99)),
            "eps": dict(lr=0.01, eps=1e-3),
            "amsgrad": dict(lr=0.01, amsgrad=True),
            "weight_decay": dict(lr=0.01, weight_decay=0.1),
            "decoupled_weight_decay": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
            "amsgrad_decoupled": dict(
                lr=0.01, amsgrad=True, weight_decay=0.05, decoupled_weight_decay=True
            ),
            "maximize": dict(lr=0.01, maximize=True),
        },
        per_row={"lr": [0.001, 0.01, 0.1], "betas": [(0.5, 0.9), (0.9, 0.99), (0.95, 0.999)]},
    ),
    Case(
        "adamw",
        optim.AdamW,
        torch.optim.AdamW,
        {
            "default": dict(lr=0.01),
            "weight_decay": dict(lr=0.01, weight_decay=0.2),
            "amsgrad": dict(lr=0.01, amsgrad=True),
            "maximize": dict(lr=0.01, maximize=True),
        },
        per_row={"lr": [0.001, 0.01, 0.1], "weight_decay": [0.0, 0.01, 0.5]},
    ),
    Case(
        "adamax",
        optim.Adamax,
        torch.optim.Adamax,
        {
            "default": dict(),
            "betas_eps": dict(lr=0.01, betas=(0.8, 0.95), eps=1e-3),
            "weight_decay": dict(weight_decay=0.1),
            "maximize": dict(maximize=True),
        },
        per_row={"lr": [0.001, 0.01, 0.1], "betas": [(0.5, 0.9), (0.9, 0.99), (0.95, 0.999)]},
    ),
    Case(
        "nadam",
        optim.NAdam,
        torch.optim.NAdam,
        {
            "default": dict(lr=0.01),
            "momentum_decay": dict(lr=0.01, momentum_decay=0.05),
            "weight_decay": dict(lr=0.01, weight_decay=0.1),
            "decoupled_weight_decay": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
            "maximize": dict(lr=0.01, maximize=True),
        },
        per_row={
            "lr": [0.001, 0.01, 0.1],
            "betas": [(0.5, 0.9), (0.9, 0.99), (0.95, 0.999)],
            "momentum_decay": [0.0, 4e-3, 0.1],
        },
    ),
    Case(
        "radam",
        optim.RAdam,
        torch.optim.RAdam,
        {
            "default": dict(lr=0.01),
            "betas": dict(lr=0.01, betas=(0.9, 0.9)),
            "weight_decay": dict(lr=0.01, weight_decay=0.1),
            "decoupled_weight_decay": dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
            "maximize": dict(lr=0.01, maximize=True),
        },
        # beta2 0.8 never rectifies, 0.9 from step 6, 0.999 from step 7
        per_row={"lr": [0.001, 0.01, 0.1], "betas": [(0.9, 0.8), (0.9, 0.9), (0.5, 0.999)]},
    ),
    Case(
        "asgd",
        optim.ASGD,
        torch.optim.ASGD,
        {
            "default": dict(lr=0.05),
            "averaging": dict(lr=0.05, t0=3.0, lambd=1e-2, alpha=0.5),
            "weight_decay": dict(lr=0.05, weight_decay=0.1, t0=5.0),
            "maximize": dict(lr=0.05, maximize=True),
        },
        per_row={
            "lr": [0.01, 0.05, 0.1],
            "t0": [2.0, 5.0, 1e6],
            "lambd": [1e-4, 1e-2, 1e-1],
            "alpha": [0.5, 0.75, 1.0],
        },
    ),
    Case(
        "rprop",
        optim.Rprop,
        torch.optim.Rprop,
        {
            "default": dict(),
            "etas": dict(lr=0.05, etas=(0.3, 1.5)),
            "step_sizes": dict(lr=0.05, step_sizes=(1e-3, 0.06)),
            "maximize": dict(maximize=True),
        },
        per_row={"lr": [0.001, 0.01, 0.1], "etas": [(0.3, 1.1), (0.5, 1.2), (0.9, 2.0)]},
    ),
    Case(
        "lion",
        optim.Lion,
        PaperLion,
        {
            "default": dict(lr=1e-3),
            "betas": dict(lr=1e-3, betas=(0.95, 0.98)),
            "weight_decay": dict(lr=1e-3, weight_decay=0.5),
            "maximize": dict(lr=1e-3, maximize=True),
        },
        per_row={"lr": [1e-4, 1e-3, 1e-2], "betas": [(0.5, 0.9), (0.9, 0.99), (0.95, 0.98)]},
    ),
]

CONFIGS = [(case, config) for case in CASES for config in case.configs]

#: optimizers proven in a suite of their own, by class: the test module. They need what
#: the shared harness cannot give (a closure, sparse gradients, matrices only, sums over
#: every parameter, a train/eval switch, or a reference outside torch.optim).
OWN_SUITES = {
    "LBFGS": "test_lbfgs",
    "SparseAdam": "test_sparse_adam",
    "Adafactor": "test_adafactor",
    "Muon": "test_muon",
    "MuonAdamW": "test_muon_adamw",
    "AdamWScheduleFree": "test_schedule_free",
    "SGDScheduleFree": "test_schedule_free",
    "Prodigy": "test_prodigy",
}


def case_id(value: Any) -> str:
    return value.name if isinstance(value, Case) else str(value)
