"""Prodigy (Mishchenko & Defazio 2024): Adam whose step size d is estimated as it runs.

d estimates the distance from the start to a solution, from the correlation of the
gradients with the distance travelled. It is one number for the whole model, so a
step takes two passes over every parameter of every group: the first updates the
moments and the sums d is read from, the second moves the parameters with the new d.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..errors import GradientError, HyperparameterError, HyperparameterTypeError
from .base import Optimizer, zeros_like
from .hyper import flag, integer, number, pair
from .ops import add_product_, add_quotient_, add_scaled_, scaled

_NUMBERS = ("lr", "betas", "beta3", "eps", "weight_decay", "d0", "d_coef", "growth_rate")


def _sliced(param: Tensor, slice_p: int) -> Tensor:
    """Every slice_p-th entry of the flattened parameter: where d's statistics are kept."""
    return param.flatten()[::slice_p]


def _start_shape(param: Tensor, slice_p: int) -> torch.Size:
    """The shape of p0: 0-d for a parameter that is all zeros (the package saves the
    memory), else the sliced shape."""
    return _sliced(param, slice_p).shape if param.any() else torch.Size()


def _group_state(d0: float) -> dict[str, Any]:
    """What the package keeps in every param group beside the hyperparameters."""
    return {"d": d0, "d_max": d0, "d_numerator": 0.0, "k": 0}


def _accumulator(like: Tensor) -> Tensor:
    """A 0-d sum on ``like``'s device, in float64 where the device has it (so the sums
    are those of the package, which adds Python floats)."""
    dtype = torch.float32 if like.device.type == "mps" else torch.float64
    return torch.zeros((), dtype=dtype, device=like.device)


class Prodigy(Optimizer):
    """Prodigy (prodigyopt.Prodigy semantics): Adam with the step size ``d * lr``,
    where ``d`` grows from ``d0`` towards the distance to a solution.

    Leave ``lr`` at 1 (it scales d); ``d_coef`` is the knob to tune. After each step
    the estimate is readable in every param group: ``group["d"]`` (the step size in
    use), ``group["d_hat"]`` (this step's raw estimate) and ``group["d_max"]``. The
    shared quantities (betas, beta3, d_coef, growth_rate, decouple,
    use_bias_correction, d, k) are read from the first group, as in the package;
    groups may differ in weight_decay, eps, d0, safeguard_warmup and slice_p, and in
    lr only by being 0 (a frozen group). Such a group keeps its weights; the package
    would still apply decoupled weight decay to it. ``fsdp_in_use`` is left out (no
    sharded all-reduce here); the group entry stays False so state_dicts load into
    the package. Hyperparameters are numbers, not tensors: d is shared by every
    parameter, so rows of a tensor cannot be separate runs.
    """

    elementwise = False
    summary = (
        "Adam with its step size estimated on the fly from how far the weights have "
        "travelled (lr stays 1; read the estimate from group['d'])."
    )
    formula = (
        r"m_t = \beta_1 m_{t-1} + (1-\beta_1) d_t g_t,\quad "
        r"v_t = \beta_2 v_{t-1} + (1-\beta_2) d_t^2 g_t^2,\quad "
        r"r_t = \beta_3 r_{t-1} + \gamma d_t^2 \langle g_t, \theta_0 - \theta_{t-1}\rangle,\quad "
        r"s_t = \beta_3 s_{t-1} + \gamma d_t^2 g_t,\quad "
        r"d_{t+1} = \max\left(d_t, \frac{r_t}{\|s_t\|_1}\right),\quad "
        r"\theta_t = \theta_{t-1} - \gamma d_t \frac{m_t}{\sqrt{v_t} + d_{t+1}\epsilon}"
    )
    reference = (
        "Mishchenko & Defazio 2024, Prodigy: An Expeditiously Adaptive Parameter-Free "
        "Learner (Algorithm 3, Adam version)"
    )
    hyper = (
        number("lr", 1.0, ">= 0"),
        pair("betas", (0.9, 0.999), "[0, 1)"),
        number("beta3", None, "[0, 1) or None"),
        number("eps", 1e-8, "> 0"),
        number("weight_decay", 0, ">= 0"),
        flag("decouple", True),
        flag("use_bias_correction"),
        flag("safeguard_warmup"),
        number("d0", 1e-6, "> 0"),
        number("d_coef", 1.0, "> 0"),
        number("growth_rate", math.inf, "[1, inf]"),
        integer("slice_p", 1, ">= 1"),
    )
    fixed: ClassVar[dict[str, Any]] = {"fsdp_in_use": False}
    state_keys = frozenset({"step", "s", "p0", "exp_avg", "exp_avg_sq"})

    def validate(self, group: dict[str, Any]) -> None:
        for name in _NUMBERS:
            values = group[name] if isinstance(group[name], tuple) else (group[name],)
            if any(isinstance(v, Tensor) for v in values):
                raise HyperparameterTypeError(
                    self.name,
                    name,
                    f"{name} must be a number, not a tensor (d is one step size shared by "
                    "every parameter, so rows cannot be separate runs)",
                )

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group as the package does, with d, d_max and the sums at their start
        (d0 of the optimizer's defaults); its lr must be the other groups' or 0."""
        if isinstance(param_group, dict):
            param_group = {**_group_state(self.defaults["d0"]), **param_group}
        super().add_param_group(param_group)
        try:
            self._check_shared_lr()
        except HyperparameterError:
            self.param_groups.pop()
            raise

    def _check_shared_lr(self) -> None:
        lrs = sorted({g["lr"] for g in self.param_groups if g["lr"] != 0})
        if len(lrs) > 1:
            raise HyperparameterError(
                self.name,
                "lr",
                "every param group's lr must be the same or 0 (they share one step size "
                f"d), got {', '.join(f'{lr:g}' for lr in lrs)}",
            )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        sliced = _sliced(param, group["slice_p"])
        state["step"] = 0  # a plain number, as the package keeps it
        state["s"] = torch.zeros_like(sliced)
        if param.any():
            state["p0"] = sliced.clone()  # theta_0, to measure the distance travelled
        else:  # all zeros: a 0-d zero stands for it, as in the package
            state["p0"] = torch.tensor(0, dtype=param.dtype, device=param.device)
        if self.param_groups[0]["betas"][0] > 0:
            state["exp_avg"] = zeros_like(param)
        state["exp_avg_sq"] = zeros_like(param)

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """One Prodigy step over every group: moments and the estimate of d, then the
        move with the new d."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        live = [(g, p) for g in self.param_groups for p in g["params"] if p.grad is not None]
        if any(p.grad.is_sparse for _, p in live):
            raise GradientError(self.name, self._gradient_kind_refusal())
        self._check_shared_lr()

        first = self.param_groups[0]
        (beta1, beta2), k, d, d_max = first["betas"], first["k"], first["d"], first["d_max"]
        beta3 = math.sqrt(beta2) if first["beta3"] is None else first["beta3"]
        lr = max(g["lr"] for g in self.param_groups)
        bias_correction = 1
        if first["use_bias_correction"]:
            bias_correction = ((1 - beta2 ** (k + 1)) ** 0.5) / (1 - beta1 ** (k + 1))
        dlr = d * lr * bias_correction  # gamma_t d_t, the step size of this step

        # pass 1: m, v and s for every parameter, and the sums r and ||s||_1 over all
        grads: dict[Tensor, Tensor] = {}
        delta = denominator = None
        for group, p in live:
            grad = p.grad
            if not first["decouple"] and group["weight_decay"] != 0:
                grad = scaled(grad, group["weight_decay"], p)  # g_t + lambda theta
            grads[p] = grad
            state = self.state[p]
            if "step" not in state:
                self.init_state(p, state, group)
            if group["lr"] == 0:
                continue  # a frozen group adds nothing to d
            if delta is None:
                delta, denominator = _accumulator(p), _accumulator(p)
            d_ratio, slice_p = d / group["d0"], group["slice_p"]
            g_sliced = _sliced(grad, slice_p)
            # r_t += gamma d_t^2 <g_t, theta_0 - theta_{t-1}> (d_t / d0 keeps it from vanishing)
            distance = state["p0"] - _sliced(p, slice_p)
            delta += torch.dot(g_sliced, distance).to(delta.dtype) * (d_ratio * dlr)
            if beta1 > 0:
                add_scaled_(state["exp_avg"].mul_(beta1), d * (1 - beta1), grad)  # m_t
            add_product_(state["exp_avg_sq"].mul_(beta2), d * d * (1 - beta2), grad, grad)  # v_t
            # s_t = beta3 s_{t-1} + gamma d_t^2 g_t (without gamma: safeguard_warmup)
            s_rate = d_ratio * (d if group["safeguard_warmup"] else dlr)
            add_scaled_(state["s"].mul_(beta3), s_rate, g_sliced)
            denominator += state["s"].abs().sum().to(denominator.dtype)

        if denominator is None:
            return loss
        delta_value, denominator_value = torch.stack([delta, denominator]).tolist()
        if denominator_value == 0:
            return loss  # no gradient yet: d stays where it is

        # d_hat = r_t / ||s_t||_1; d grows to it (at most by growth_rate), never shrinks
        numerator = first["d_numerator"] * beta3 + delta_value
        d_hat = first["d_coef"] * numerator / denominator_value
        if d == self.param_groups[-1]["d0"]:  # the package reads the last group's d0
            d = max(d, d_hat)
        d_max = max(d_max, d_hat)
        d = min(d_max, d * first["growth_rate"])

        # pass 2: theta_t = theta_{t-1} - gamma d_t m_t / (sqrt(v_t) + d_{t+1} eps)
        for group in self.param_groups:
            group.update(d_numerator=numerator, d_denom=denominator_value, d=d, d_max=d_max,
                         d_hat=d_hat)  # fmt: skip
        for group, p in live:
            state = self.state[p]
            state["step"] += 1
            if group["lr"] == 0:
                continue
            denom = state["exp_avg_sq"].sqrt().add_(d * group["eps"])
            if first["decouple"] and group["weight_decay"] != 0:
                add_scaled_(
                    p, -group["weight_decay"] * dlr, p
                )  # theta <- theta - gamma d lambda theta
            if beta1 > 0:
                add_quotient_(p, -dlr, state["exp_avg"], denom)
            else:
                add_quotient_(p, -dlr * d, grads[p], denom)
        for group in self.param_groups:
            group["k"] += 1
        return loss

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        for group in self.param_groups:
            for key, value in _group_state(self.defaults["d0"]).items():
                group.setdefault(key, value)
        for param_state in self.state.values():  # the base made step a tensor
            if isinstance(param_state.get("step"), Tensor):
                param_state["step"] = int(param_state["step"].item())

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict (ours or the package's) after checking it fits.

        p0 is 0-d for a parameter that was all zeros at its first step and sliced
        otherwise, which the shared check cannot tell from the parameter now; so a p0
        of either shape is held aside while the rest is checked and loaded."""
        held: dict[Tensor, Tensor] = {}
        try:
            saved_state = dict(state_dict["state"])
            shapes = {}
            for saved, group in zip(state_dict["param_groups"], self.param_groups, strict=True):
                slice_p = {**self.defaults, **saved}["slice_p"]
                for pid, p in zip(saved["params"], group["params"], strict=True):
                    shapes[pid] = (p, _sliced(p, slice_p).shape, _start_shape(p, slice_p))
        except (TypeError, KeyError, ValueError, RuntimeError):
            shapes = {}  # the shared check says what is wrong with it
        for pid, (p, sliced, start) in shapes.items():
            saved = saved_state.get(pid)
            p0 = saved.get("p0") if isinstance(saved, dict) else None
            if isinstance(p0, Tensor) and p0.shape in (torch.Size(), sliced):
                held[p] = p0
                saved_state[pid] = {**saved, "p0": torch.zeros(start, dtype=p.dtype)}
        if held:
            state_dict = {**state_dict, "state": saved_state}
        super().load_state_dict(state_dict)
        for p, p0 in held.items():
            self.state[p]["p0"] = p0.to(dtype=p.dtype, device=p.device)
