"""Stochastic gradient descent, with heavy-ball or Nesterov momentum."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterError
from .base import Optimizer
from .hyper import flag, number
from .ops import add_scaled_, coupled_weight_decay, is_nonzero, scaled
from .validation import check_range, describe


class SGD(Optimizer):
    """Stochastic gradient descent (torch.optim.SGD semantics).

    With momentum ``mu`` the velocity starts as the first gradient and then follows
    ``b = mu * b + (1 - dampening) * g``; Nesterov looks ahead along it.
    """

    summary = "Gradient descent, optionally with heavy-ball or Nesterov momentum."
    formula = (
        r"g_t = \nabla f(\theta_{t-1}) + \lambda\theta_{t-1},\quad "
        r"b_t = \mu b_{t-1} + (1-\tau)\,g_t,\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,b_t"
        r"\ \ (\text{Nesterov: } \theta_t = \theta_{t-1} - \gamma\,(g_t + \mu b_t))"
    )
    reference = "Robbins & Monro 1951; Polyak 1964 (momentum); Sutskever et al. 2013 (Nesterov)"
    hyper = (
        number("lr", 1e-3, ">= 0"),
        number("momentum", 0.0, ">= 0"),
        number("dampening", 0.0, "[0, 1]"),
        number("weight_decay", 0.0, ">= 0"),
        flag("nesterov"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"momentum_buffer"})

    def validate(self, group: dict[str, Any]) -> None:
        if group["nesterov"]:
            try:
                check_range(self.name, "momentum", group["momentum"], 0.0, low_open=True)
                check_range(self.name, "dampening", group["dampening"], 0.0, 0.0)
            except ValueError:
                raise HyperparameterError(
                    self.name,
                    "nesterov",
                    "nesterov=True needs momentum > 0 and dampening = 0, got "
                    f"momentum={describe(group['momentum'])}, "
                    f"dampening={describe(group['dampening'])}",
                ) from None

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, mu, tau, wd = group["lr"], group["momentum"], group["dampening"], group["weight_decay"]
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}
        if is_nonzero(mu):
            buf = state.get("momentum_buffer")
            if buf is None:  # b_1 = g_1
                buf = state["momentum_buffer"] = grad.clone()
            else:  # b_t = mu b_{t-1} + (1 - tau) g_t
                add_scaled_(buf.mul_(mu), 1 - tau, grad)
            step = scaled(grad, mu, buf) if group["nesterov"] else buf
            # runs whose momentum is 0 take the plain gradient step, as torch does
            grad = torch.where(mu != 0, step, grad) if isinstance(mu, Tensor) else step
        add_scaled_(param, -lr, grad)  # theta_t = theta_{t-1} - gamma g_t
