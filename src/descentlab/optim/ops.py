"""In-place update primitives whose coefficient may be a number or a tensor.

torch's fused in-place ops (``add_(alpha=)``, ``addcmul_(value=)``,
``addcdiv_(value=)``) take only Python numbers as coefficients. These helpers keep
that single-pass form for numbers and broadcast a tensor coefficient (one value
per run of a sweep, say) without an extra pass where torch allows it. The pieces
several update rules share (weight decay, coupled or decoupled, and bias
corrections) are written here once.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

Coefficient = float | Tensor


def is_nonzero(value: Coefficient) -> bool:
    """True when a number, or any entry of a tensor, is not zero. A compiled step takes
    a tensor as nonzero without reading it: its zero entries then add a zero term."""
    if isinstance(value, Tensor):
        return torch.compiler.is_compiling() or bool(value.ne(0).any())
    return value != 0


def add_scaled_(target: Tensor, scale: Coefficient, x: Tensor) -> Tensor:
    """``target += scale * x``."""
    if isinstance(scale, Tensor):
        return target.addcmul_(x, scale)
    return target.add_(x, alpha=scale)


def add_product_(target: Tensor, scale: Coefficient, x: Tensor, y: Tensor) -> Tensor:
    """``target += scale * x * y``."""
    if isinstance(scale, Tensor):
        return target.addcmul_(x * scale, y)
    return target.addcmul_(x, y, value=scale)


def add_quotient_(target: Tensor, scale: Coefficient, x: Tensor, y: Tensor) -> Tensor:
    """``target += scale * x / y``."""
    if isinstance(scale, Tensor):
        return target.addcdiv_(x * scale, y)
    return target.addcdiv_(x, y, value=scale)


def scaled(x: Tensor, scale: Coefficient, y: Tensor) -> Tensor:
    """``x + scale * y`` as a new tensor, in ``x``'s dtype (a float64 0-d coefficient
    would otherwise promote a 0-d ``x``)."""
    if isinstance(scale, Tensor):
        return x.addcmul(y, like(scale, x))
    return x.add(y, alpha=scale)


def like(value: Coefficient, tensor: Tensor) -> Coefficient:
    """A tensor coefficient in ``tensor``'s dtype and on its device (a number as it is):
    for ops that take no other dtype (``lerp_``), and where torch.optim rounds the
    coefficient to the parameter's dtype by writing it into a tensor (Rprop's etas)."""
    if isinstance(value, Tensor):
        return value.to(dtype=tensor.dtype, device=tensor.device)
    return value


def one_minus(beta: Coefficient, tensor: Tensor) -> Coefficient:
    """``1 - beta`` as the weight of ``tensor.lerp_(x, weight)``, which needs a weight of
    more than one entry in ``tensor``'s dtype: subtracted first, then rounded (1 - 0.999
    in bfloat16 is 0.001, where 1 - bfloat16(0.999) is 0)."""
    return like(1 - beta, tensor)


def bias_correction(beta: Coefficient, t: float) -> Coefficient:
    """``1 - beta^t``: an average of t terms that started at zero is that much too small."""
    return 1 - beta**t


def coupled_weight_decay(grad: Tensor, param: Tensor, wd: Coefficient) -> Tensor:
    """``g + lambda theta``: L2 regularisation folded into the gradient (a new tensor)."""
    return scaled(grad, wd, param) if is_nonzero(wd) else grad


def decoupled_weight_decay_(param: Tensor, lr: Coefficient, wd: Coefficient) -> Tensor:
    """``theta <- (1 - gamma lambda) theta`` in place: decay outside the adaptive step."""
    if is_nonzero(wd):
        param.mul_(1 - lr * wd)
    return param


def weight_decay(
    param: Tensor, grad: Tensor, lr: Coefficient, wd: Coefficient, *, decoupled: bool
) -> Tensor:
    """The gradient after weight decay ``lambda``: coupled, ``g + lambda theta``; or
    decoupled, shrinking ``theta`` in place (Loshchilov & Hutter) and leaving ``g``."""
    if decoupled:
        decoupled_weight_decay_(param, lr, wd)
        return grad
    return coupled_weight_decay(grad, param, wd)


def next_step(state: dict[str, Any]) -> float | Tensor:
    """Advance the step counter of a parameter's state, ``t <- t + 1``; the new t, read
    as `scalar` reads it."""
    if torch.compiler.is_compiling():
        # a new tensor rather than an add in place: the compiled loop then reads t from
        # an input it never writes, so it computes factors such as 1 - beta^t once per
        # call instead of once per vector of the loop
        state["step"] = state["step"] + 1
        return state["step"]
    state["step"] += 1
    return scalar(state["step"])


def scalar(value: Tensor) -> float | Tensor:
    """0-d state as a rule reads it: a Python number on the default path, as torch.optim
    reads it there (its scalar factors are then float64 arithmetic, bit for bit as
    torch's); the tensor itself in a compiled step, which then reads nothing back."""
    return value if torch.compiler.is_compiling() else value.item()


def adam_moments_(
    m: Tensor, v: Tensor, grad: Tensor, beta1: Coefficient, beta2: Coefficient
) -> None:
    """Adam's moments in place: ``m_t = b1 m + (1 - b1) g``, ``v_t = b2 v + (1 - b2) g^2``."""
    m.lerp_(grad, one_minus(beta1, m))
    add_product_(v.mul_(beta2), 1 - beta2, grad, grad)
