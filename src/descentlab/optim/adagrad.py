"""AdaGrad: per-coordinate steps scaled by the root of all past squared gradients."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number
from .ops import add_product_, add_quotient_, coupled_weight_decay, next_step


class Adagrad(Optimizer):
    """AdaGrad (torch.optim.Adagrad semantics; dense gradients only)."""

    summary = "Divides each coordinate's step by the root of its summed squared gradients."
    formula = (
        r"s_t = s_{t-1} + g_t^2,\quad "
        r"\theta_t = \theta_{t-1} - \frac{\gamma}{1 + (t-1)\eta}\,\frac{g_t}{\sqrt{s_t} + \epsilon}"
    )
    reference = (
        "Duchi, Hazan & Singer 2011, Adaptive Subgradient Methods for Online Learning "
        "and Stochastic Optimization"
    )
    hyper = (
        number("lr", 1e-2, ">= 0"),
        number("lr_decay", 0.0, ">= 0"),
        number("weight_decay", 0.0, ">= 0"),
        number("initial_accumulator_value", 0.0, ">= 0"),
        number("eps", 1e-10, "> 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "sum"})
    state_up_front = True  # as torch.optim.Adagrad, so that state_dicts match

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        s0 = group["initial_accumulator_value"]
        state["sum"] = zeros_like(param).add_(s0)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        t = next_step(state)  # t <- t + 1
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}
        clr = lr / (1 + (t - 1) * lr_decay)  # decayed step size
        s = add_product_(state["sum"], 1.0, grad, grad)  # s_t = s_{t-1} + g^2
        std = s.sqrt().add_(eps)
        add_quotient_(param, -clr, grad, std)
