"""Schedule-Free AdamW and SGD (Defazio et al. 2024): an average instead of a schedule.

Three sequences live side by side. ``z`` takes the plain (SGD or Adam) steps; ``x``
is a weighted average of the ``z`` seen so far, the point to evaluate; the gradient
is taken at ``y``, an interpolation of the two. In train mode the parameters hold
``y`` and the state holds ``z``; `eval` moves the parameters to ``x`` and `train`
back to ``y``, exactly as the ``schedulefree`` package does, so its state_dicts
load here and ours there.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
from torch import Tensor

from .base import Optimizer, zeros_like
from .hyper import integer, number, pair
from .ops import (
    Coefficient,
    add_product_,
    add_scaled_,
    bias_correction,
    is_nonzero,
    like,
    scaled,
)

#: What the package keeps in every param group beside the hyperparameters: the step
#: count k, the mode, the running sum of weights, the largest lr so far, and the lr
#: of the last step after warmup (for logging).
GROUP_STATE: dict[str, Any] = {
    "k": 0,
    "train_mode": False,
    "weight_sum": 0.0,
    "lr_max": -1.0,
    "scheduled_lr": 0.0,
}


def _maximum(a: Coefficient, b: Coefficient) -> Coefficient:
    if isinstance(a, Tensor) or isinstance(b, Tensor):
        return torch.maximum(torch.as_tensor(a), torch.as_tensor(b))
    return max(a, b)


def _share(weight: Coefficient, total: Coefficient) -> Coefficient:
    """``weight / total``, and 0 while the total is 0 (every lr so far was 0)."""
    if isinstance(total, Tensor):
        return torch.where(total == 0, 0.0, weight / total)
    return weight / total if total != 0 else 0


class _ScheduleFree(Optimizer):
    """What both schedule-free methods share: the weights of the average, the
    modes, and the step over a group."""

    # rows never interact: the weight c of each step comes from the lr schedule alone,
    # so a tensor lr (or beta, decay, r, weight_lr_power) holds one run per row
    elementwise: ClassVar[bool] = True
    #: The parameters are not the point to evaluate: call `eval` before measuring a
    #: loss and `train` after (faces do this when the attribute is True).
    averages_weights: ClassVar[bool] = True
    # the package's group carries its foreach switch; ours is the single-tensor loop
    fixed: ClassVar[dict[str, Any]] = {"foreach": False}

    def _beta(self, group: dict[str, Any]) -> Coefficient:
        """The interpolation beta of ``y = (1 - beta) z + beta x``."""
        raise NotImplementedError

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group as the package does, with its step count and running sums at
        their start; a group added in train mode starts in train mode (the package
        would leave it in eval mode and then move it wrongly on the next `train`)."""
        if isinstance(param_group, dict):
            mode = bool(self.param_groups) and self.param_groups[0]["train_mode"]
            param_group = {**GROUP_STATE, "train_mode": mode, **param_group}
        super().add_param_group(param_group)

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in GROUP_STATE.items():
                group.setdefault(key, value)

    @torch.no_grad()
    def eval(self) -> None:
        """Put the average ``x`` in the parameters, to evaluate or save them."""
        for group in self.param_groups:
            if group["train_mode"]:
                beta = self._beta(group)
                for p in group["params"]:
                    state = self.state.get(p)
                    if state and "z" in state:  # x = y + (1 - 1/beta)(z - y)
                        p.lerp_(state["z"], 1 - 1 / like(beta, p))
                group["train_mode"] = False

    @torch.no_grad()
    def train(self) -> None:
        """Put the gradient point ``y`` back in the parameters, to train them."""
        for group in self.param_groups:
            if not group["train_mode"]:
                beta = self._beta(group)
                for p in group["params"]:
                    state = self.state.get(p)
                    if state and "z" in state:  # y = x + (1 - beta)(z - x)
                        p.lerp_(state["z"], 1 - like(beta, p))
                group["train_mode"] = True

    @torch.no_grad()
    def averaged(self, param: Tensor) -> Tensor:
        """The average ``x`` for one parameter, as `eval` would set it; changes nothing."""
        for group in self.param_groups:
            if any(p is param for p in group["params"]):
                state = self.state.get(param)
                if not group["train_mode"] or not state or "z" not in state:
                    return param.detach().clone()
                return param.detach().lerp(state["z"], 1 - 1 / like(self._beta(group), param))
        raise ValueError(f"{self.name}.averaged(): the tensor is not a parameter of this optimizer")

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        """One step at ``y``; the optimizer must be in train mode (call `train` first)."""
        if not self.param_groups[0]["train_mode"]:
            raise RuntimeError(
                f"{self.name}: step() was called in eval mode; call optimizer.train() before "
                "training steps (and optimizer.eval() before evaluating or saving)"
            )
        return super().step(closure)

    def step_group(self, group: dict[str, Any]) -> None:
        """The weight ``c`` of this step in the average, then each parameter's update."""
        k, warmup = group["k"], group["warmup_steps"]
        # gamma_t: a linear warmup over the first warmup_steps steps, then lr
        lr = group["lr"] * ((k + 1) / warmup if k < warmup else 1.0)
        group["scheduled_lr"] = lr
        lr_max = group["lr_max"] = _maximum(lr, group["lr_max"])
        # w_t = t^r * max_i gamma_i^p and c_{t+1} = w_t / sum_i w_i
        weight = (k + 1) ** group["r"] * lr_max ** group["weight_lr_power"]
        weight_sum = group["weight_sum"] = group["weight_sum"] + weight
        step = {**group, "lr": lr, "c": _share(weight, weight_sum)}
        hyper, cast_for = step, None
        for p in group["params"]:
            if p.grad is None:
                continue
            if cast_for != (p.dtype, p.device):
                hyper, cast_for = self.hyperparameters(step, p), (p.dtype, p.device)
            state = self.state[p]
            if not state:
                self.init_state(p, state, hyper)
            self.update(p, p.grad, state, hyper)
        group["k"] = k + 1

    @staticmethod
    def _move(y: Tensor, z: Tensor, grad: Tensor, lr: Coefficient, beta: Coefficient,
              c: Coefficient) -> None:  # fmt: skip
        """y and z after a step along ``grad``, without forming x: ``x_{t+1} = (1 -
        c) x_t + c z_{t+1}`` and ``z_{t+1} = z_t - gamma g`` give ``y_{t+1} = (1 - c)
        y_t + c z_t + gamma (beta (1 - c) - 1) g``."""
        y.lerp_(z, c)
        add_scaled_(y, lr * (beta * (1 - c) - 1), grad)
        add_scaled_(z, -lr, grad)  # z_{t+1} = z_t - gamma g


class AdamWScheduleFree(_ScheduleFree):
    """Schedule-Free AdamW (schedulefree.AdamWScheduleFree semantics, single-tensor path).

    Call ``optimizer.train()`` before the first step and ``optimizer.eval()`` before
    evaluating or saving: in train mode the parameters hold ``y``, in eval mode the
    average ``x``. ``averaged(p)`` gives ``x`` for one parameter in either mode.
    ``betas[0]`` is the interpolation beta (it must be > 0: `eval` divides by it);
    Adam's first moment is replaced by the average, so only ``exp_avg_sq`` is kept.
    """

    summary = (
        "AdamW without a schedule: Adam-normalized steps on z, evaluated at a running "
        "average x, gradients taken between them (call train() and eval())."
    )
    formula = (
        r"\theta_t = y_t = (1-\beta_1) z_t + \beta_1 x_t,\quad "
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2) g_t^2,\quad "
        r"z_{t+1} = z_t - \gamma_t\left(\frac{g_t}{\sqrt{v_t/(1-\beta_2^t)} + \epsilon}"
        r" + \lambda y_t\right),\quad "
        r"x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1},\quad "
        r"c_{t+1} = \frac{t^r \gamma_{\max}^p}{\sum_{i\leq t} i^r \gamma_{\max,i}^p}"
    )
    reference = "Defazio et al. 2024, The Road Less Scheduled (Schedule-Free AdamW, Algorithm 1)"
    hyper = (
        number("lr", 0.0025, ">= 0"),
        pair("betas", (0.9, 0.999), "(0, 1)", "[0, 1)"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0, ">= 0"),
        integer("warmup_steps", 0, ">= 0"),
        number("r", 0.0, ">= 0"),
        number("weight_lr_power", 2.0, ">= 0"),
    )
    state_keys = frozenset({"z", "exp_avg_sq"})

    def _beta(self, group: dict[str, Any]) -> Coefficient:
        return group["betas"][0]

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["z"] = param.clone(memory_format=torch.preserve_format)  # z_1 = x_1 = y_1
        state["exp_avg_sq"] = zeros_like(param)

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        lr, c, (beta1, beta2) = group["lr"], group["c"], group["betas"]
        eps, wd, t = group["eps"], group["weight_decay"], group["k"] + 1
        y, z, v = param, state["z"], state["exp_avg_sq"]

        add_product_(v.mul_(beta2), 1 - beta2, grad, grad)  # v_t = b2 v + (1 - b2) g^2
        denom = v.div(bias_correction(beta2, t)).sqrt_().add_(eps)  # sqrt(v_hat) + eps
        grad = grad / denom
        if is_nonzero(wd):
            grad = add_scaled_(grad, wd, y)  # weight decay taken at y
        self._move(y, z, grad, lr, beta1, c)


class SGDScheduleFree(_ScheduleFree):
    """Schedule-Free SGD (schedulefree.SGDScheduleFree semantics, single-tensor path).

    Call ``optimizer.train()`` before the first step and ``optimizer.eval()`` before
    evaluating or saving; ``averaged(p)`` gives the average ``x`` of one parameter.
    ``momentum`` is the interpolation beta, in (0, 1) as the package requires.
    """

    summary = (
        "SGD without a schedule: plain steps on z, evaluated at a running average x, "
        "gradients taken between them (call train() and eval())."
    )
    formula = (
        r"\theta_t = y_t = (1-\beta) z_t + \beta x_t,\quad "
        r"z_{t+1} = z_t - \gamma_t (g_t + \lambda y_t),\quad "
        r"x_{t+1} = (1-c_{t+1}) x_t + c_{t+1} z_{t+1},\quad "
        r"c_{t+1} = \frac{t^r \gamma_{\max}^p}{\sum_{i\leq t} i^r \gamma_{\max,i}^p}"
    )
    reference = "Defazio et al. 2024, The Road Less Scheduled (Schedule-Free SGD)"
    hyper = (
        number("lr", 1.0, ">= 0"),
        number("momentum", 0.9, "(0, 1)"),
        number("weight_decay", 0, ">= 0"),
        integer("warmup_steps", 0, ">= 0"),
        number("r", 0.0, ">= 0"),
        number("weight_lr_power", 2, ">= 0"),
    )
    state_keys = frozenset({"z"})

    def _beta(self, group: dict[str, Any]) -> Coefficient:
        return group["momentum"]

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        state["z"] = param.clone(memory_format=torch.preserve_format)  # z_1 = x_1 = y_1

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        wd = group["weight_decay"]
        if is_nonzero(wd):
            grad = scaled(grad, wd, param)  # g_t + lambda y_t
        self._move(param, state["z"], grad, group["lr"], group["momentum"], group["c"])
