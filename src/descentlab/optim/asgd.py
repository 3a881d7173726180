"""ASGD: SGD with a decaying step and a running (Polyak-Ruppert) average of the iterates."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, per_run_scalar, step_counter, zeros_like
from .hyper import flag, number
from .ops import add_scaled_, coupled_weight_decay, next_step, scalar


class ASGD(Optimizer):
    """Averaged SGD (torch.optim.ASGD semantics; the average is in state ``ax``)."""

    summary = (
        "SGD with a decaying step size; from step t0 on it also keeps the average of the "
        "iterates (in state 'ax'; the parameters themselves are not averaged)."
    )
    formula = (
        r"\theta_t = (1-\lambda\eta_t)\,\theta_{t-1} - \eta_t g_t,\quad "
        r"\bar\theta_t = \bar\theta_{t-1} + \mu_t(\theta_t - \bar\theta_{t-1}),\quad "
        r"\eta_{t+1} = \frac{\gamma}{(1+\lambda\gamma t)^{\alpha}},\quad "
        r"\mu_{t+1} = \frac{1}{\max(1,\ t - t_0)}"
    )
    reference = "Polyak & Juditsky 1992, Acceleration of Stochastic Approximation by Averaging"
    hyper = (
        number("lr", 1e-2, ">= 0"),
        number("lambd", 1e-4, ">= 0"),
        number("alpha", 0.75, ">= 0"),
        number("t0", 1e6, ">= 0"),
        number("weight_decay", 0.0, ">= 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "eta", "mu", "ax"})
    scalar_state = frozenset({"eta", "mu"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        # eta and mu are scalars, or one per run when what they depend on is a tensor
        state["eta"] = per_run_scalar(group["lr"], group["lambd"], group["alpha"])
        state["mu"] = per_run_scalar(1.0, group["t0"])
        state["ax"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, lambd, alpha = group["lr"], group["lambd"], group["alpha"]
        t0, wd = group["t0"], group["weight_decay"]
        eta, mu, ax = state["eta"], state["mu"], state["ax"]
        t = next_step(state)  # t <- t + 1
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}

        eta_t = scalar(eta) if eta.numel() == 1 else eta.to(param.dtype)
        param.mul_(1 - lambd * eta_t)  # decay towards zero
        add_scaled_(param, -eta_t, grad)

        compiled = torch.compiler.is_compiling()  # which reads no state back to branch on
        if not compiled and bool(mu.eq(1).all()):  # before t0 the "average" is the iterate
            ax.copy_(param)
        else:
            mu_t = mu.to(param.dtype)
            ax.copy_(torch.where(mu_t == 1, param, ax + (param - ax) * mu_t))

        eta.copy_(torch.as_tensor(lr / (1 + lambd * lr * t) ** alpha))
        if isinstance(t0, Tensor) or compiled:
            mu.copy_(1 / torch.clamp(torch.as_tensor(t - t0), min=1))
        else:
            mu.copy_(torch.as_tensor(1 / max(1, t - t0)))
