"""Lion: the sign of an interpolated momentum, found by program search."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .base import Optimizer, zeros_like
from .hyper import flag, number, pair
from .ops import add_scaled_, decoupled_weight_decay_, one_minus


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
    hyper = (
        number("lr", 1e-4, ">= 0"),
        pair("betas", (0.9, 0.99), "[0, 1)"),
        number("weight_decay", 0.0, ">= 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"exp_avg"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["exp_avg"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), wd = group["lr"], group["betas"], group["weight_decay"]
        m = state["exp_avg"]
        decoupled_weight_decay_(param, lr, wd)  # the lambda theta_{t-1} term, decoupled
        c = m.lerp(grad, one_minus(beta1, m))  # c_t = b1 m + (1 - b1) g
        add_scaled_(param, -lr, c.sign_())
        m.lerp_(grad, one_minus(beta2, m))  # m_t = b2 m + (1 - b2) g
