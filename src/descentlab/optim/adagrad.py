"""AdaGrad: per-coordinate steps scaled by the root of all past squared gradients."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import GradientError
from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number
from .ops import (
    Coefficient,
    add_product_,
    add_quotient_,
    coupled_weight_decay,
    is_nonzero,
    next_step,
)


class Adagrad(Optimizer):
    """AdaGrad (torch.optim.Adagrad semantics), for dense and sparse gradients.

    As in torch, every parameter's accumulator starts at the constructor's
    ``initial_accumulator_value``; a parameter group's own value is not read. A sparse
    gradient (from ``nn.Embedding(sparse=True)``) updates only the rows it holds, and
    cannot be combined with weight decay.
    """

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
    also_sparse = True

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        s0 = self.defaults["initial_accumulator_value"]  # torch reads the constructor's
        state["sum"] = zeros_like(param).add_(s0)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, lr_decay, eps, wd = group["lr"], group["lr_decay"], group["eps"], group["weight_decay"]
        if grad.is_sparse and is_nonzero(wd):
            raise GradientError(self.name, "weight_decay does not work with sparse gradients")
        t = next_step(state)  # t <- t + 1
        clr = lr / (1 + (t - 1) * lr_decay)  # decayed step size
        if grad.is_sparse:
            sparse_update(param, grad.coalesce(), state["sum"], clr, eps)
            return
        grad = coupled_weight_decay(grad, param, wd)  # g_t + lambda theta_{t-1}
        s = add_product_(state["sum"], 1.0, grad, grad)  # s_t = s_{t-1} + g^2
        std = s.sqrt().add_(eps)
        add_quotient_(param, -clr, grad, std)


def sparse_update(
    param: Tensor, grad: Tensor, s: Tensor, clr: Coefficient, eps: Coefficient
) -> None:
    """The same rule on the entries a coalesced sparse gradient holds; the others keep
    their sum and their value."""

    def on_support(x: Tensor) -> Tensor:  # x's entries where the gradient has values
        return torch.sparse_coo_tensor(grad.indices(), x, grad.shape, check_invariants=False)

    def at_support(value: Coefficient) -> Coefficient:  # a per-coordinate tensor, gathered
        if isinstance(value, Tensor) and value.ndim > 0:
            return value.expand(param.shape).sparse_mask(grad).values()
        return value

    g = grad.values()
    s.add_(on_support(g * g))  # s_t = s_{t-1} + g^2
    std = s.sparse_mask(grad).values().sqrt_().add_(at_support(eps))
    param.add_(on_support(g / std * -at_support(clr)))
