"""Adafactor: second moments kept as row and column factors, a relative step size and
update clipping."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterError
from .base import Optimizer, step_counter, zeros_like
from .hyper import flag, number, pair
from .ops import Coefficient, add_scaled_, decoupled_weight_decay_, next_step


def _at_least(bound: Coefficient, value: Coefficient) -> Coefficient:
    """``max(bound, value)`` for numbers (as torch writes it), entrywise for tensors."""
    if isinstance(value, Tensor):
        return value.clamp(min=bound)
    if isinstance(bound, Tensor):
        return bound.clamp(min=value)
    return max(bound, value)


def _at_most(value: Coefficient, bound: float) -> Coefficient:
    """``min(value, bound)``, entrywise for a tensor."""
    return value.clamp(max=bound) if isinstance(value, Tensor) else min(value, bound)


def _as_number(x: Coefficient) -> Coefficient:
    """A one-element tensor as a Python number: torch steps by ``add_(u, alpha=...)``,
    rounding once."""
    return x.item() if isinstance(x, Tensor) and x.numel() == 1 else x


def _rms(x: Tensor, per: Coefficient = 1.0) -> Coefficient:
    """The root mean square of all entries over ``per``, in double precision and in
    torch's order of operations."""
    return x.norm(2).item() / (x.numel() ** 0.5 * per)


class Adafactor(Optimizer):
    """Adafactor (torch.optim.Adafactor semantics).

    Tensors of two or more dimensions keep the mean squared gradient of each row
    (``row_var``) and of each column (``col_var``) of their last two dimensions; the rest
    keep it in full (``variance``). ``eps[0]`` None means the dtype's machine epsilon. As in
    torch, ``lr`` caps the relative step size and scales the decoupled weight decay.
    """

    summary = (
        "Adam without first moments whose second moments are row and column averages, "
        "with a step relative to the size of the weights and clipped updates."
    )
    formula = (
        r"\hat\beta_{2,t} = 1 - t^{\tau},\ \rho_t = \min(\gamma, 1/\sqrt{t}),\ "
        r"\alpha_t = \max(\epsilon_2, \mathrm{RMS}(\theta_{t-1}))\,\rho_t,\quad "
        r"\hat V_t = \frac{R_t C_t}{\max(\bar R_t, \epsilon_1)},\ "
        r"U_t = \frac{G_t}{\max(\sqrt{\hat V_t}, \epsilon_1)},\quad "
        r"\theta_t = (1-\gamma\lambda)\theta_{t-1} - \alpha_t\,"
        r"\frac{U_t}{\max(1, \mathrm{RMS}(U_t)/d)}"
    )
    reference = (
        "Shazeer & Stern 2018, Adafactor: Adaptive Learning Rates with Sublinear Memory Cost"
    )
    hyper = (
        number("lr", 1e-2, ">= 0"),
        number("beta2_decay", -0.8, "<= 0"),
        pair("eps", (None, 1e-3), ">= 0 or None", ">= 0"),
        number("d", 1.0, ">= 1"),
        number("weight_decay", 0.0, ">= 0"),
        flag("maximize", keyword_only=True),
    )
    elementwise = False
    state_keys = frozenset({"step", "row_var", "col_var", "variance"})

    def validate(self, group: dict[str, Any]) -> None:
        # the factored moments share these over whole rows and columns
        for name, value in (("beta2_decay", group["beta2_decay"]), ("eps", group["eps"][0])):
            if isinstance(value, Tensor) and value.numel() != 1:
                raise HyperparameterError(
                    self.name, name, f"{name} must be one number (or a one-element tensor)"
                )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = step_counter()
        if param.dim() > 1:
            state["row_var"] = param.new_zeros((*param.shape[:-1], 1))  # R: mean over a row
            state["col_var"] = param.new_zeros((*param.shape[:-2], 1, param.shape[-1]))  # C
        else:
            state["variance"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, tau, d, wd = group["lr"], group["beta2_decay"], group["d"], group["weight_decay"]
        eps1, eps2 = group["eps"]
        if eps1 is None:
            eps1 = torch.finfo(param.dtype).eps
        t = next_step(state)  # t <- t + 1

        one_minus_beta2 = t**tau  # 1 - beta2_t = t^tau
        rho = _at_most(lr, 1 / t**0.5)  # rho_t = min(gamma, 1 / sqrt(t))
        alpha = _at_least(eps2, _rms(param)) * rho  # alpha_t = max(eps2, RMS(theta)) rho_t
        decoupled_weight_decay_(param, lr, wd)  # theta <- (1 - gamma lambda) theta

        if grad.dim() > 1:
            row_var, col_var = state["row_var"], state["col_var"]
            # R_t, C_t: running means of g^2 along each row and each column (without g^2)
            row_var.lerp_(grad.norm(dim=-1, keepdim=True).square_().div_(grad.size(-1)),
                          one_minus_beta2)  # fmt: skip
            col_var.lerp_(grad.norm(dim=-2, keepdim=True).square_().div_(grad.size(-2)),
                          one_minus_beta2)  # fmt: skip
            # V_hat = R C / max(mean of R, eps1)
            v_hat = (row_var @ col_var).div_(row_var.mean(dim=-2, keepdim=True).clamp_(min=eps1))
        else:
            # V_hat = beta2_t V + (1 - beta2_t) g^2
            v_hat = state["variance"].lerp_(grad * grad, one_minus_beta2).clone()

        # U_t = G_t / max(sqrt(V_hat), eps1)
        u = v_hat.clamp_(min=eps1 * eps1).rsqrt_().mul_(grad)
        # clip: U_hat = U / max(1, RMS(U) / d); theta -= alpha U_hat
        clip = _at_least(1.0, _rms(u, per=d))
        add_scaled_(param, _as_number(-alpha / clip), u)
