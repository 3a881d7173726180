"""NAdam: Adam with Nesterov momentum and a momentum schedule."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from .base import Optimizer, per_run_scalar, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import (
    adam_moments_,
    add_quotient_,
    bias_correction,
    next_step,
    scalar,
    weight_decay,
)


class NAdam(Optimizer):
    """NAdam (torch.optim.NAdam semantics, with Dozat's momentum schedule mu_t)."""

    summary = "Adam with a Nesterov look-ahead: the step mixes the new gradient and next momentum."
    formula = (
        r"\mu_t = \beta_1\left(1 - \frac{1}{2}\,0.96^{t\psi}\right),\quad "
        r"\theta_t = \theta_{t-1} - \gamma\left(\frac{(1-\mu_t)\,g_t}{1-\prod_{i\leq t}\mu_i}"
        r" + \frac{\mu_{t+1} m_t}{1-\prod_{i\leq t+1}\mu_i}\right)"
        r" / \left(\sqrt{v_t/(1-\beta_2^t)} + \epsilon\right)"
    )
    reference = "Dozat 2016, Incorporating Nesterov Momentum into Adam"
    hyper = (
        number("lr", 2e-3, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0.0, ">= 0"),
        number("momentum_decay", 4e-3, ">= 0"),
        flag("decoupled_weight_decay"),
        flag("maximize", keyword_only=True),
    )
    state_keys = frozenset({"step", "mu_product", "exp_avg", "exp_avg_sq"})
    scalar_state = frozenset({"mu_product"})

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        # prod of mu_i, one per run when beta1 or momentum_decay is a tensor
        state["mu_product"] = per_run_scalar(1.0, group["betas"][0], group["momentum_decay"])
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        wd, psi = group["weight_decay"], group["momentum_decay"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        t = next_step(state)  # t <- t + 1

        # g_t + lambda theta, or theta <- (1 - gamma lambda) theta when decoupled
        grad = weight_decay(param, grad, lr, wd, decoupled=group["decoupled_weight_decay"])

        mu = beta1 * (1.0 - 0.5 * 0.96 ** (t * psi))
        mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((t + 1) * psi))
        stored = state["mu_product"].mul_(mu)  # kept in its stored dtype, as torch does
        mu_product = scalar(stored) if stored.numel() == 1 else stored.to(param.dtype)
        mu_product_next = mu_product * mu_next

        adam_moments_(m, v, grad, beta1, beta2)  # m_t, v_t: running mean of g and of g^2
        denom = v.div(bias_correction(beta2, t)).sqrt_().add_(eps)
        add_quotient_(param, -lr * (1.0 - mu) / (1.0 - mu_product), grad, denom)
        add_quotient_(param, -lr * mu_next / (1.0 - mu_product_next), m, denom)
