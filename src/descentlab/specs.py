"""What the library accepts wherever it takes an optimizer.

A core-level module beside `optim`: engine and train both import it, neither
importing the other. It belongs in `optim/spec.py` and may move there.
"""

from __future__ import annotations

from .optim.spec import Factory, OptimizerSpec

SpecLike = str | OptimizerSpec | Factory
"""A spec string (``"adam(lr=0.1)"``, ``"torch.Adam"``), a parsed spec, or a factory."""

__all__ = ["SpecLike"]
