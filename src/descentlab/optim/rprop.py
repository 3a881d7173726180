"""Rprop: per-coordinate step sizes that grow while the gradient keeps its sign."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterError
from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import like
from .validation import describe


class Rprop(Optimizer):
    """Resilient backpropagation (torch.optim.Rprop semantics: iRprop- variant)."""

    summary = "Uses only the sign of the gradient; each coordinate's step grows or shrinks."
    formula = (
        r"\eta_t = \mathrm{clip}\left(\eta_{t-1}\,\eta_\pm,\ \Gamma_{\min},\ \Gamma_{\max}\right)"
        r"\ \ (\eta_+\ \mathrm{if}\ g_t g_{t-1} > 0,\ \eta_-\ \mathrm{if}\ g_t g_{t-1} < 0),"
        r"\quad \theta_t = \theta_{t-1} - \eta_t\,\mathrm{sign}(g_t)"
    )
    reference = (
        "Riedmiller & Braun 1993, A Direct Adaptive Method for Faster Backpropagation "
        "Learning: The RPROP Algorithm; Igel & Huesken 2000 (the iRprop- variant)"
    )
    hyper = (
        number("lr", 1e-2, ">= 0"),
        pair("etas", (0.5, 1.2), "(0, 1)", "> 1"),
        pair("step_sizes", (1e-6, 50.0), ">= 0"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "prev", "step_size"})

    def validate(self, group: dict[str, Any]) -> None:
        low, high = group["step_sizes"]
        if bool(torch.as_tensor(high < low).any()):
            raise HyperparameterError(
                self.name,
                "step_sizes",
                f"step_sizes must be (min, max) with min <= max, got "
                f"{describe(group['step_sizes'])}",
            )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["prev"] = zeros_like(param)
        state["step_size"] = zeros_like(param).add_(group["lr"])

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        (eta_minus, eta_plus), (size_min, size_max) = group["etas"], group["step_sizes"]
        # in the parameter's dtype, as torch.optim writes them into the sign tensor
        eta_minus, eta_plus = like(eta_minus, param), like(eta_plus, param)
        prev, step_size = state["prev"], state["step_size"]
        state["step"] += 1

        sign = grad.mul(prev).sign()
        factor = torch.where(
            sign > 0, eta_plus, torch.where(sign < 0, eta_minus, sign.new_ones(()))
        )
        if isinstance(size_min, Tensor) or isinstance(size_max, Tensor):
            size_min, size_max = (
                torch.as_tensor(s, dtype=param.dtype, device=param.device)
                for s in (size_min, size_max)
            )
        step_size.mul_(factor).clamp_(size_min, size_max)
        # where the sign flipped, skip this step and forget the gradient (iRprop-)
        grad = grad.masked_fill(sign < 0, 0)
        param.addcmul_(grad.sign(), step_size, value=-1)
        prev.copy_(grad)
