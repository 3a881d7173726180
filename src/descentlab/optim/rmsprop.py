"""RMSprop: steps scaled by a running root-mean-square of the gradient."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number
from .ops import (
    add_product_,
    add_quotient_,
    add_scaled_,
    coupled_weight_decay,
    is_nonzero,
    one_minus,
)


class RMSprop(Optimizer):
    """RMSprop (torch.optim.RMSprop semantics), optionally centered, with momentum."""

    summary = "Divides the step by a running RMS of recent gradients (optionally centered)."
    formula = (
        r"v_t = \alpha v_{t-1} + (1-\alpha) g_t^2,\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,\frac{g_t}{\sqrt{v_t} + \epsilon}"
        r"\ \ (\text{centered: } \sqrt{v_t - \bar g_t^2};\ "
        r"\text{momentum: } b_t = \mu b_{t-1} + g_t/(\sqrt{v_t}+\epsilon))"
    )
    reference = "Tieleman & Hinton 2012, Lecture 6.5 of Neural Networks for Machine Learning"
    hyper = (
        number("lr", 1e-2, ">= 0"),
        number("alpha", 0.99, "[0, 1]"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        number("momentum", 0.0, ">= 0"),
        flag("centered"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["square_avg"] = zeros_like(param)
        if is_nonzero(group["momentum"]):
            state["momentum_buffer"] = zeros_like(param)
        if group["centered"]:
            state["grad_avg"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        state["step"] += 1
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}

        v = add_product_(state["square_avg"].mul_(alpha), 1 - alpha, grad, grad)
        if group["centered"]:  # subtract the squared running mean: a variance estimate
            if "grad_avg" not in state:  # centering switched on after the first step
                state["grad_avg"] = zeros_like(param)
            g_bar = state["grad_avg"].lerp_(grad, one_minus(alpha, param))
            rms = v.addcmul(g_bar, g_bar, value=-1).sqrt_()
        else:
            rms = v.sqrt()
        rms.add_(eps)

        if is_nonzero(group["momentum"]):  # b_t = mu b_{t-1} + g / rms
            if "momentum_buffer" not in state:  # momentum switched on after the first step
                state["momentum_buffer"] = zeros_like(param)
            buf = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(grad, rms)
            add_scaled_(param, -lr, buf)
        else:
            add_quotient_(param, -lr, grad, rms)
