"""RMSprop: steps scaled by a running root-mean-square of the gradient."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, is_nonzero, step_counter
from .ops import add_product_, add_quotient_, add_scaled_, scaled
from .validation import check_range


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
    flags = ("centered", "maximize")
    state_keys = frozenset({"step", "square_avg", "momentum_buffer", "grad_avg"})

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        alpha: float | Tensor = 0.99,
        eps: float | Tensor = 1e-8,
        weight_decay: float | Tensor = 0.0,
        momentum: float | Tensor = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            alpha=alpha,
            eps=eps,
            weight_decay=weight_decay,
            momentum=momentum,
            centered=centered,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def validate(self, group: dict[str, Any]) -> None:
        check_range(self.name, "lr", group["lr"], 0.0)
        check_range(self.name, "alpha", group["alpha"], 0.0, 1.0)
        check_range(self.name, "eps", group["eps"], 0.0, low_open=True)
        check_range(self.name, "weight_decay", group["weight_decay"], 0.0)
        check_range(self.name, "momentum", group["momentum"], 0.0)

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["square_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if is_nonzero(group["momentum"]):
            state["momentum_buffer"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        if group["centered"]:
            state["grad_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, alpha, eps, wd = group["lr"], group["alpha"], group["eps"], group["weight_decay"]
        state["step"] += 1
        if is_nonzero(wd):
            grad = scaled(grad, wd, param)

        v = add_product_(state["square_avg"].mul_(alpha), 1 - alpha, grad, grad)
        if group["centered"]:  # subtract the squared running mean: a variance estimate
            if "grad_avg" not in state:  # centering switched on after the first step
                state["grad_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
            g_bar = state["grad_avg"].lerp_(grad, 1 - alpha)
            rms = v.addcmul(g_bar, g_bar, value=-1).sqrt_()
        else:
            rms = v.sqrt()
        rms.add_(eps)

        if is_nonzero(group["momentum"]):  # b_t = mu b_{t-1} + g / rms
            if "momentum_buffer" not in state:  # momentum switched on after the first step
                state["momentum_buffer"] = torch.zeros_like(
                    param, memory_format=torch.preserve_format
                )
            buf = state["momentum_buffer"].mul_(group["momentum"]).addcdiv_(grad, rms)
            add_scaled_(param, -lr, buf)
        else:
            add_quotient_(param, -lr, grad, rms)
