"""Adam, its AMSGrad variant, and AdamW (decoupled weight decay)."""

from __future__ import annotations

from operator import itemgetter
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..errors import HyperparameterError
from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import (
    adam_moments_,
    add_quotient_,
    bias_correction,
    next_step,
    weight_decay,
)
from .validation import describe


class Adam(Optimizer):
    """Adam (torch.optim.Adam semantics), with AMSGrad and decoupled weight decay.

    ``eps`` is added to the bias-corrected root, ``sqrt(v_hat) + eps``, as in torch.
    """

    summary = "Momentum on the gradient, scaled per coordinate by a running RMS, bias-corrected."
    formula = (
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) g_t,\quad "
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,\frac{m_t/(1-\beta_1^t)}"
        r"{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}"
    )
    reference = (
        "Kingma & Ba 2015, Adam: A Method for Stochastic Optimization; "
        "Reddi et al. 2018 (AMSGrad); Loshchilov & Hutter 2019 (decoupled weight decay)"
    )
    hyper = (
        number("lr", 1e-3, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        flag("amsgrad"),
        flag("maximize", keyword_only=True),
        flag("decoupled_weight_decay", keyword_only=True),
    )
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"})

    def validate(self, group: dict[str, Any]) -> None:
        beta1, beta2 = group["betas"]
        if isinstance(beta1, Tensor) != isinstance(beta2, Tensor):  # torch refuses a mix
            raise HyperparameterError(
                self.name,
                "betas",
                f"betas must be both numbers or both tensors, got {describe(group['betas'])}",
            )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, wd = itemgetter("lr", "betas", "eps", "weight_decay")(group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = next_step(state)  # t <- t + 1

        # g_t + lambda theta, or theta <- (1 - gamma lambda) theta when decoupled
        grad = weight_decay(param, grad, lr, wd, decoupled=group["decoupled_weight_decay"])
        adam_moments_(m, v, grad, beta1, beta2)  # m_t, v_t: running mean of g and of g^2
        if group["amsgrad"]:
            v = torch.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])

        bias_correction1, bias_correction2 = bias_correction(beta1, t), bias_correction(beta2, t)
        # sqrt(v_hat) + eps, then theta -= gamma m_hat / denom (torch's order of operations)
        denom = v.sqrt().div_(bias_correction2**0.5).add_(eps)
        add_quotient_(param, -lr / bias_correction1, m, denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (torch.optim.AdamW semantics)."""

    summary = "Adam whose weight decay shrinks the weights directly, outside the adaptive step."
    formula = (
        r"\theta_{t-1} \leftarrow (1-\gamma\lambda)\,\theta_{t-1},\quad "
        r"\text{then the Adam step: }\theta_t = \theta_{t-1} - \gamma\,"
        r"\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"
    )
    reference = "Loshchilov & Hutter 2019, Decoupled Weight Decay Regularization"
    hyper = (
        number("lr", 1e-3, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 1e-2, ">= 0"),
        flag("amsgrad"),
        flag("maximize", keyword_only=True),
    )
    fixed: ClassVar[dict[str, Any]] = {"decoupled_weight_decay": True}
