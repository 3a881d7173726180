"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""

from __future__ import annotations

from operator import itemgetter
from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import adam_moments_, bias_correction, next_step, weight_decay


def rectification(rho_t: float | Tensor, rho_inf: float | Tensor) -> float | Tensor:
    """The variance rectification term r_t of Liu et al.; meaningful where rho_t > 5
    (elsewhere a tensor holds 0 and the caller takes the unrectified step)."""
    ratio = (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
    if isinstance(ratio, Tensor):
        return ratio.clamp(min=0).sqrt()
    return ratio**0.5


class RAdam(Optimizer):
    """RAdam (torch.optim.RAdam semantics, with optional decoupled weight decay)."""

    summary = "Adam with a warm-up built in: plain momentum until the variance estimate settles."
    formula = (
        r"\rho_t = \rho_\infty - \frac{2t\beta_2^t}{1-\beta_2^t},\quad "
        r"\theta_t = \theta_{t-1} - \gamma\,\hat m_t\,r_t\,"
        r"\frac{\sqrt{1-\beta_2^t}}{\sqrt{v_t} + \epsilon}"
        r"\ \ (\rho_t > 5;\ \mathrm{else}\ \theta_t = \theta_{t-1} - \gamma\,\hat m_t)"
    )
    reference = "Liu et al. 2020, On the Variance of the Adaptive Learning Rate and Beyond"
    hyper = (
        number("lr", 1e-3, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        flag("decoupled_weight_decay"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, wd = itemgetter("lr", "betas", "eps", "weight_decay")(group)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = next_step(state)  # t <- t + 1

        # g_t + lambda theta, or theta <- (1 - gamma lambda) theta when decoupled
        grad = weight_decay(param, grad, lr, wd, decoupled=group["decoupled_weight_decay"])

        adam_moments_(m, v, grad, beta1, beta2)  # m_t, v_t: running mean of g and of g^2
        bias_correction1, bias_correction2 = bias_correction(beta1, t), bias_correction(beta2, t)
        m_hat = m / bias_correction1

        # length of the approximated simple moving average, and its limit
        rho_inf = 2 / (1 - beta2) - 1
        rho_t = rho_inf - 2 * t * beta2**t / bias_correction2

        def adaptive() -> Tensor:  # sqrt(1 - b2^t) / (sqrt(v_t) + eps)
            return bias_correction2**0.5 / v.sqrt().add_(eps)

        if isinstance(rho_t, Tensor):  # a tensor beta2: decide per run
            factor = torch.where(rho_t > 5.0, rectification(rho_t, rho_inf) * adaptive(), 1.0)
            param.sub_(m_hat * lr * factor)
        elif rho_t > 5.0:
            param.sub_(m_hat * lr * adaptive() * rectification(rho_t, rho_inf))
        else:
            param.sub_(m_hat * lr)
