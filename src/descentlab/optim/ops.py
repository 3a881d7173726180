"""In-place update primitives whose coefficient may be a number or a tensor.

torch's fused in-place ops (``add_(alpha=)``, ``addcmul_(value=)``,
``addcdiv_(value=)``) take only Python numbers as coefficients. These helpers keep
that single-pass form for numbers and broadcast a tensor coefficient (one value
per run of a sweep, say) without an extra pass where torch allows it.
"""

from __future__ import annotations

from torch import Tensor

Coefficient = float | Tensor


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
    """``x + scale * y`` as a new tensor."""
    if isinstance(scale, Tensor):
        return x.addcmul(y, scale)
    return x.add(y, alpha=scale)
