"""RAdam: Adam whose adaptive step is switched on only once its variance is tractable."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from .base import Optimizer, is_nonzero, step_counter
from .ops import add_product_, scaled
from .validation import check_pair, check_range


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
    flags = ("maximize", "decoupled_weight_decay")
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def __init__(
        self,
        params: Any,
        lr: float | Tensor = 1e-3,
        betas: tuple[float | Tensor, float | Tensor] = (0.9, 0.999),
        eps: float | Tensor = 1e-8,
        weight_decay: float | Tensor = 0.0,
        decoupled_weight_decay: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = dict(
            lr=lr,
            betas=tuple(betas) if isinstance(betas, list) else betas,
            eps=eps,
            weight_decay=weight_decay,
            decoupled_weight_decay=decoupled_weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def validate(self, group: dict[str, Any]) -> None:
        beta1, beta2 = check_pair(self.name, "betas", group["betas"])
        check_range(self.name, "lr", group["lr"], 0.0)
        check_range(self.name, "betas[0]", beta1, 0.0, 1.0, high_open=True)
        check_range(self.name, "betas[1]", beta2, 0.0, 1.0, high_open=True)
        check_range(self.name, "eps", group["eps"], 0.0, low_open=True)
        check_range(self.name, "weight_decay", group["weight_decay"], 0.0)

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        state["exp_avg"] = torch.zeros_like(param, memory_format=torch.preserve_format)
        state["exp_avg_sq"] = torch.zeros_like(param, memory_format=torch.preserve_format)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps, wd = (
            group["lr"],
            group["betas"],
            group["eps"],
            group["weight_decay"],
        )
        m, v = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = state["step"].item()

        if is_nonzero(wd):
            if group["decoupled_weight_decay"]:
                param.mul_(1 - lr * wd)
            else:
                grad = scaled(grad, wd, param)

        m.lerp_(grad, 1 - beta1)
        add_product_(v.mul_(beta2), 1 - beta2, grad, grad)
        bias_correction1 = 1 - beta1**t
        bias_correction2 = 1 - beta2**t
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
