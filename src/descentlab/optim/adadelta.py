"""AdaDelta: steps whose units match the parameters, from two running averages."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number
from .ops import add_product_, add_scaled_, coupled_weight_decay


class Adadelta(Optimizer):
    """AdaDelta (torch.optim.Adadelta semantics, including its ``lr`` factor)."""

    summary = "Scales the gradient by RMS(past updates) / RMS(gradients): no step size to tune."
    formula = (
        r"v_t = \rho v_{t-1} + (1-\rho) g_t^2,\quad "
        r"\Delta_t = \frac{\sqrt{u_{t-1} + \epsilon}}{\sqrt{v_t + \epsilon}}\,g_t,\quad "
        r"u_t = \rho u_{t-1} + (1-\rho)\Delta_t^2,\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,\Delta_t"
    )
    reference = "Zeiler 2012, ADADELTA: An Adaptive Learning Rate Method"
    hyper = (
        number("lr", 1.0, ">= 0"),
        number("rho", 0.9, "[0, 1]"),
        number("eps", 1e-6, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "square_avg", "acc_delta"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["square_avg"] = zeros_like(param)
        state["acc_delta"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, rho, eps, wd = group["lr"], group["rho"], group["eps"], group["weight_decay"]
        v, u = state["square_avg"], state["acc_delta"]
        state["step"] += 1
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}
        add_product_(v.mul_(rho), 1 - rho, grad, grad)  # v_t = rho v + (1 - rho) g^2
        std = v.add(eps).sqrt_()
        delta = u.add(eps).sqrt_().div_(std).mul_(grad)  # Delta_t = RMS(u)/RMS(v) g
        add_product_(u.mul_(rho), 1 - rho, delta, delta)  # u_t = rho u + (1 - rho) Delta^2
        add_scaled_(param, -lr, delta)
