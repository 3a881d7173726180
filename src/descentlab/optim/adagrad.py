"""AdaGrad: per-coordinate steps scaled by the root of all past squared gradients."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, is_nonzero, step_counter
from .ops import add_product_, add_quotient_, scaled
from .validation import check_range


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
    state_keys = frozenset({"step", "sum"})

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-2,
        lr_decay: float | Tensor = 0.0,
        weight_decay: float | Tensor = 0.0,
        initial_accumulator_value: float | Tensor = 0.0,
        eps: float | Tensor = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            eps=eps,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        # torch.optim.Adagrad creates its state up front; so do we, so state_dicts match
        for group in self.param_groups:
            for p in group["params"]:
                self.init_state(p, self.state[p], self.hyperparameters(group, p))

    def validate(self, group: dict[str, Any]) -> None:
        check_range(self.name, "lr", group["lr"], 0.0)
        check_range(self.name, "lr_decay", group["lr_decay"], 0.0)
        check_range(self.name, "weight_decay", group["weight_decay"], 0.0)
        check_range(self.name, "initial_accumulator_value", group["initial_accumulator_value"], 0.0)
        check_range(self.name, "eps", group["eps"], 0.0, low_open=True)

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        s0 = group["initial_accumulator_value"]
        state["sum"] = torch.zeros_like(param, memory_format=torch.preserve_format).add_(s0)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        state["step"] += 1
        t = state["step"].item()
        if is_nonzero(wd):
            grad = scaled(grad, wd, param)
        clr = lr / (1 + (t - 1) * lr_decay)  # decayed step size
        s = add_product_(state["sum"], 1.0, grad, grad)  # s_t = s_{t-1} + g^2
        std = s.sqrt().add_(eps)
        add_quotient_(param, -clr, grad, std)
