"""SparseAdam: Adam on the rows a sparse gradient holds, leaving the others untouched."""

from __future__ import annotations

import math
from typing import Any

from torch import Tensor

from .base import Optimizer, zeros_like
from .hyper import flag, number, pair
from .ops import Coefficient, bias_correction


def _sqrt(x: Coefficient) -> Coefficient:
    return x.sqrt() if isinstance(x, Tensor) else math.sqrt(x)


class SparseAdam(Optimizer):
    """SparseAdam (torch.optim.SparseAdam semantics): dense parameters, sparse gradients
    (as ``nn.Embedding(sparse=True)`` gives them).

    Only the entries a gradient holds move, and only their moments are updated; repeated
    indices are summed first. The step count, as in torch, is a plain int that counts
    every step the parameter had a gradient, even an empty one.
    """

    summary = (
        "Adam for sparse gradients (embeddings): only the rows a gradient touches and "
        "their moments are updated."
    )
    formula = (
        r"\text{for the rows } i \text{ in } g_t:\ "
        r"m_{t,i} = \beta_1 m_{i} + (1-\beta_1) g_{t,i},\ "
        r"v_{t,i} = \beta_2 v_{i} + (1-\beta_2) g_{t,i}^2,\ "
        r"\theta_{t,i} = \theta_{i} - \gamma\,\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}\,"
        r"\frac{m_{t,i}}{\sqrt{v_{t,i}} + \epsilon}"
    )
    reference = (
        "Kingma & Ba 2015, Adam: A Method for Stochastic Optimization (torch's masked variant)"
    )
    hyper = (
        number("lr", 1e-3, "> 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        flag("maximize"),
    )
    sparse_gradients = True
    state_keys = frozenset({"step", "exp_avg", "exp_avg_sq"})

    def _check_params(self, group: dict[str, Any]) -> None:
        # torch refuses both with ValueError, when the optimizer is made
        for index, p in enumerate(group["params"]):
            if p.is_sparse:
                raise ValueError(
                    f"{self.name}: parameter {index} is a sparse tensor; SparseAdam requires "
                    "dense parameter tensors (it takes their gradients sparse)"
                )
            if p.is_complex():
                raise ValueError(
                    f"{self.name}: parameter {index} is complex ({p.dtype}); SparseAdam does "
                    "not support complex parameters"
                )
        super()._check_params(group)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for param_state in self.state.values():  # the base made the step a tensor
            if isinstance(param_state.get("step"), Tensor):
                param_state["step"] = int(param_state["step"].item())

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["step"] = 0  # a plain int, as torch keeps it
        state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
        state["step"] += 1
        t = state["step"]
        grad = grad.coalesce()  # one value per index: the update is not linear in g
        g = grad.values()
        if g.numel() == 0:
            return
        rows = tuple(grad.indices())

        def at_rows(value: Coefficient) -> Coefficient:
            """A hyperparameter with one value per entry of the parameter, at the rows in g
            (numbers and 0-d tensors as they are)."""
            if isinstance(value, Tensor) and value.dim() > 0:
                return value.expand(param.shape)[rows].to(param.dtype)
            return value

        m, v = state["exp_avg"], state["exp_avg_sq"]
        m_old, v_old = m[rows], v[rows]
        # m_t = m + (1 - beta1)(g - m), v_t = v + (1 - beta2)(g^2 - v), on those rows only
        m_new = (g - m_old).mul_(1 - at_rows(beta1)).add_(m_old)
        v_new = (g.square() - v_old).mul_(1 - at_rows(beta2)).add_(v_old)
        m.index_put_(rows, m_new)
        v.index_put_(rows, v_new)

        # theta -= gamma sqrt(1 - beta2^t) / (1 - beta1^t) m_t / (sqrt(v_t) + eps)
        bias1, bias2 = bias_correction(at_rows(beta1), t), bias_correction(at_rows(beta2), t)
        step_size = at_rows(lr) * _sqrt(bias2) / bias1
        denom = v_new.sqrt_().add_(at_rows(eps))
        param.index_put_(rows, -step_size * m_new.div_(denom), accumulate=True)
