"""Adamax: Adam with the infinity norm in place of the root mean square."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, is_nonzero, step_counter
from .ops import add_quotient_, scaled
from .validation import check_pair, check_range


class Adamax(Optimizer):
    """Adamax (torch.optim.Adamax semantics: ``eps`` inside the max)."""

    summary = "Adam's first moment divided by a decaying maximum of |g| (the infinity norm)."
    formula = (
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"u_t = \max(\beta_2 u_{t-1},\ |g_t| + \epsilon),\quad "
        r"\theta_t = \theta_{t-1} - \frac{\gamma}{1-\beta_1^t}\,\frac{m_t}{u_t}"
    )
    reference = "Kingma & Ba 2015, Adam: A Method for Stochastic Optimization, section 7.1"
    state_keys = frozenset({"step", "exp_avg", "exp_inf"})

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 2e-3,
        betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
        eps: float | Tensor = 1e-8,
        weight_decay: float | Tensor = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def validate(self, group: dict[str, Any]) -> None:
        beta1, beta2 = check_pair(self.name, "betas", group["betas"])
        check_range(self.name, "lr", group["lr"], 0.0)
        check_range(self.name, "betas[0]", beta1, 0.0, 1.0, high_open=True)
        check_range(self.name, "betas[1]", beta2, 0.0, 1.0, high_open=True)
        check_range(self.name, "eps", group["eps"], 0.0, low_open=True)
        check_range(self.name, "weight_decay", group["weight_decay"], 0.0)

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_inf"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, wd = (
            group["lr"],
            group["betas"],
            group["eps"],
            group["weight_decay"],
        )
        m, u = state["exp_avg"], state["exp_inf"]
        state["step"] += 1
        t = state["step"].item()
        if is_nonzero(wd):
            grad = scaled(grad, wd, param)
        m.lerp_(grad, 1 - beta1)
        torch.maximum(u.mul_(beta2), grad.abs().add_(eps), out=u)  # u_t = max(b2 u, |g| + eps)
        add_quotient_(param, -lr / (1 - beta1**t), m, u)
