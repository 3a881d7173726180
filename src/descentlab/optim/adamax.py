"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import add_quotient_, bias_correction, coupled_weight_decay, next_step, one_minus


class Adamax(Optimizer):
    """Adamax (torch.optim.Adamax semantics: ``eps`` inside the max)."""

    summary = "Adam's first moment divided by a decaying maximum of |g| (the infinity norm)."
    formula = (
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon),\quad "
        r"\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,\frac{m_t}{u_t}"
    )
    reference = "Kingma & Ba 2015, Adam: A Method for Stochastic Optimization, section 7.1"
    hyper = (
        number("lr", 2e-3, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "exp_avg", "exp_inf"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["exp_avg"] = zeros_like(param)
        state["exp_inf"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, wd = itemgetter("lr", "betas", "eps", "weight_decay")(group)
        m, u = state["exp_avg"], state["exp_inf"]
        t = next_step(state)  # t <- t + 1
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}
        m.lerp_(grad, one_minus(beta1, m))  # m_t = b1 m + (1 - b1) g
        torch.maximum(u.mul_(beta2), grad.abs().add_(eps), out=u)  # u_t = max(b2 u, |g| + eps)
        add_quotient_(param, -lr / bias_correction(beta1, t), m, u)
