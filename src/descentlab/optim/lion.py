"""Lion: the sign of an interpolated momentum, found by program search."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, is_nonzero
from .ops import add_scaled_
from .validation import check_pair, check_range


class Lion(Optimizer):
    """Lion (EvoLved Sign Momentum), Algorithm 2 of Chen et al. 2023.

    Every coordinate whose interpolated momentum is not zero moves by exactly ``lr``
    (plus weight decay) each step, so Lion wants a learning rate 3-10x smaller than
    AdamW's.
    """

    summary = "Steps by the sign of an interpolation of momentum and gradient; one state tensor."
    formula = (
        r"c_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,(\operatorname{sign}(c_t) + \lambda\theta_{t-1}),"
        r"\quad m_t = \beta_2 m_{t-1} + (1-\beta_2) g_t"
    )
    reference = "Chen et al. 2023, Symbolic Discovery of Optimization Algorithms, Algorithm 2"
    state_keys = frozenset({"exp_avg"})

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-4,
        betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.99),
        weight_decay: float | Tensor = 0.0,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def validate(self, group: dict[str, Any]) -> None:
        beta1, beta2 = check_pair(self.name, "betas", group["betas"])
        check_range(self.name, "lr", group["lr"], 0.0)
        check_range(self.name, "betas[0]", beta1, 0.0, 1.0, high_open=True)
        check_range(self.name, "betas[1]", beta2, 0.0, 1.0, high_open=True)
        check_range(self.name, "weight_decay", group["weight_decay"], 0.0)

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        m = state["exp_avg"]
        if is_nonzero(wd):
            param.mul_(1 - lr * wd)  # the lambda theta_{t-1} term, decoupled
        c = m.lerp(grad, 1 - beta1)  # c_t = b1 m + (1 - b1) g
        add_scaled_(param, -lr, c.sign_())
        m.lerp_(grad, 1 - beta2)  # m_t = b2 m + (1 - b2) g
