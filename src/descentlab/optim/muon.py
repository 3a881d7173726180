"""Muon: momentum orthogonalised by a Newton-Schulz iteration, for 2-D weight matrices."""

from __future__ import annotations

import math
from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterTypeError
from .base import Optimizer, zeros_like
from .hyper import choice, flag, integer, number, numbers
from .ops import add_scaled_, decoupled_weight_decay_


def newton_schulz(
    g: Tensor, coefficients: tuple[float, float, float], steps: int, eps: float | Tensor
) -> Tensor:
    """An approximately orthogonal matrix with the singular vectors of ``g``.

    From ``X = g / max(||g||_F, eps)`` (so every singular value is at most 1), ``steps``
    rounds of the quintic ``X <- aX + (bA + cA^2)X`` with ``A = XX^T`` push the singular
    values towards 1. It runs in bfloat16, as torch.optim.Muon does, on the wide
    orientation of ``g`` so that ``A`` is the smaller Gram matrix.
    """
    a, b, c = coefficients
    tall = g.size(0) > g.size(1)
    x = g.bfloat16()
    if tall:
        x = x.mT
    x = x / x.norm().clamp(min=eps)
    for _ in range(steps):
        gram = x @ x.mT  # A = X X^T
        poly = torch.addmm(gram, gram, gram, beta=b, alpha=c)  # b A + c A^2
        x = torch.addmm(x, poly, x, beta=a)  # a X + (b A + c A^2) X
    return x.mT if tall else x


def adjusted_lr(lr: float | Tensor, rule: str | None, shape: torch.Size) -> float | Tensor:
    """The step size for a ``shape[0] x shape[1]`` matrix: Keller Jordan's ``"original"``
    (the default) scales by ``sqrt(max(1, A/B))``; ``"match_rms_adamw"`` (Moonshot) by
    ``0.2 sqrt(max(A, B))``, which gives the update the RMS of AdamW's."""
    rows, cols = shape
    if rule == "match_rms_adamw":
        return lr * (0.2 * math.sqrt(max(rows, cols)))
    return lr * math.sqrt(max(1, rows / cols))


class Muon(Optimizer):
    """Muon (torch.optim.Muon semantics), for 2-D parameters only.

    The momentum buffer is a running average, ``B = mu B + (1 - mu) g``; Nesterov steps
    along ``g + mu (B - g)``. Optimize biases, norms and embeddings with AdamW.
    """

    summary = (
        "Momentum whose step, for each weight matrix, is orthogonalised by a Newton-Schulz "
        "iteration, so every direction of the matrix moves by about the same amount."
    )
    formula = (
        r"B_t = \mu B_{t-1} + (1-\mu) g_t,\quad "
        r"\tilde B_t = g_t + \mu (B_t - g_t)\ (\text{Nesterov}),\quad "
        r"O_t = \mathrm{NS}^{(a,b,c)}_k(\tilde B_t),\quad "
        r"\theta_t = (1-\gamma\lambda)\,\theta_{t-1} - \gamma'\,O_t"
    )
    reference = (
        "Jordan et al. 2024, Muon: An optimizer for hidden layers in neural networks; "
        "Liu et al. 2025, Muon is Scalable for LLM Training (match_rms_adamw)"
    )
    hyper = (
        number("lr", 1e-3, ">= 0"),
        number("weight_decay", 0.1, ">= 0"),
        number("momentum", 0.95, ">= 0"),
        flag("nesterov", True),
        numbers("ns_coefficients", (3.4445, -4.775, 2.0315), "finite", "finite", "finite"),
        number("eps", 1e-7, "> 0"),
        integer("ns_steps", 5, "[0, 99]"),
        choice("adjust_lr_fn", None, (None, "original", "match_rms_adamw")),
    )
    elementwise = False
    state_keys = frozenset({"momentum_buffer"})

    def validate(self, group: dict[str, Any]) -> None:
        if any(isinstance(c, Tensor) for c in group["ns_coefficients"]):
            raise HyperparameterTypeError(
                self.name, "ns_coefficients", "ns_coefficients must be numbers, not tensors"
            )

    def _check_params(self, group: dict[str, Any]) -> None:
        super()._check_params(group)
        for index, p in enumerate(group["params"]):
            if p.dim() != 2:
                raise ValueError(
                    f"{self.name}: parameter {index} has shape {tuple(p.shape)}; Muon "
                    "orthogonalises matrices and takes only 2-D parameters; for a whole "
                    "model use muon_adamw (AdamW for the others, such as biases)"
                )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["momentum_buffer"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, wd, mu = group["lr"], group["weight_decay"], group["momentum"]
        buf = state["momentum_buffer"].lerp_(grad, 1 - mu)  # B_t = mu B_{t-1} + (1 - mu) g_t
        direction = grad.lerp(buf, mu) if group["nesterov"] else buf  # g_t + mu (B_t - g_t)
        orthogonal = newton_schulz(
            direction, group["ns_coefficients"], group["ns_steps"], group["eps"]
        )  # O_t
        decoupled_weight_decay_(param, lr, wd)  # theta <- (1 - gamma lambda) theta
        step = -adjusted_lr(lr, group["adjust_lr_fn"], param.shape)
        if isinstance(step, Tensor) and step.numel() == 1:
            step = step.item()  # torch steps by add_(O, alpha=...), rounding once
        add_scaled_(param, step, orthogonal)
