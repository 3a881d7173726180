"""Muon for a network's weight matrices and AdamW for the rest, as one optimizer."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from ..errors import HyperparameterError
from .adam import AdamW
from .base import Optimizer
from .hyper import number, pair
from .muon import Muon
from .saved import check_state_dict
from .validation import describe

# Muon's hyperparameters, under the names torch.optim.Muon gives them
MUON_NAMES = ("lr", "weight_decay", "momentum", "nesterov", "ns_coefficients", "eps", "ns_steps",
              "adjust_lr_fn")  # fmt: skip
# what a matrix keeps (torch.optim.Muon's state) and what any other tensor keeps (AdamW's)
MUON_STATE = Muon.state_keys
ADAMW_STATE = frozenset({"step", "exp_avg", "exp_avg_sq"})


def muon_group(group: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters the Muon half steps a matrix with."""
    return {name: group[name] for name in MUON_NAMES}


def adamw_group(group: dict[str, Any]) -> dict[str, Any]:
    """The hyperparameters the AdamW half steps every other tensor with (torch.optim.AdamW's
    names, ``amsgrad`` off); ``adamw_lr`` and ``adamw_weight_decay`` of None follow Muon's."""
    lr, wd = group["adamw_lr"], group["adamw_weight_decay"]
    return {
        "lr": group["lr"] if lr is None else lr,
        "betas": group["adamw_betas"],
        "eps": group["adamw_eps"],
        "weight_decay": group["weight_decay"] if wd is None else wd,
        "amsgrad": False,
        "maximize": False,
        "decoupled_weight_decay": True,
    }


def is_matrix(param: Tensor) -> bool:
    """Whether Muon steps ``param``: exactly the 2-D parameters, as torch.optim.Muon takes."""
    return param.dim() == 2


class MuonAdamW(Optimizer):
    """Muon on every 2-D parameter, AdamW on every other one (biases, norms, 0-d scales,
    convolution kernels), in one optimizer, so schedulers, ``state_dict`` and checkpoints
    see one object.

    A matrix steps exactly as torch.optim.Muon steps it and keeps its state
    (``momentum_buffer``); any other tensor steps exactly as torch.optim.AdamW
    (``foreach=False``) steps it and keeps its state (``step``, ``exp_avg``, ``exp_avg_sq``).
    The two update rules are Muon's and AdamW's own.

    Defaults. Muon's are torch.optim.Muon's but for ``adjust_lr_fn``, which is
    ``"match_rms_adamw"`` here: Moonshot (Liu et al. 2025, "Muon is Scalable for LLM
    Training") scale the step of an ``A x B`` matrix by ``0.2 sqrt(max(A, B))``; an
    orthogonalised update has RMS about ``1 / sqrt(max(A, B))``, so Muon's steps then have
    RMS 0.2, within the 0.2 to 0.4 they measure for AdamW, and one lr and one weight decay
    suit both halves. torch's default, Keller Jordan's ``"original"`` ("Muon: An optimizer
    for hidden layers in neural networks", 2024), scales by ``sqrt(max(1, A / B))`` and
    wants a far larger lr than AdamW (0.02 for Muon beside 3e-4 for Adam in his
    MuonWithAuxAdam), so it needs ``adamw_lr`` set too. The AdamW half, named as in
    Moonshot's Muon: ``adamw_lr`` None takes ``lr`` (and so follows an lr scheduler; a
    number given is not scheduled), ``adamw_betas`` (0.9, 0.95) are what Moonshot and
    Jordan give the Adam half, ``adamw_eps`` 1e-8 is torch's, and ``adamw_weight_decay``
    None takes ``weight_decay`` (0.1), one decay for every weight as Moonshot use it.
    """

    summary = (
        "Muon's orthogonalised momentum for each weight matrix and AdamW for every other "
        "parameter, with Moonshot's step scaling so that one lr suits both."
    )
    formula = (
        r"W\in\mathbb{R}^{A\times B}:\ B_t = \mu B_{t-1} + (1-\mu) g_t,\ "
        r"W_t = (1-\gamma\lambda) W_{t-1} - 0.2\gamma\sqrt{\max(A,B)}\,"
        r"\mathrm{NS}_k(g_t + \mu (B_t - g_t));\quad "
        r"\text{other }\theta:\ \theta_t = (1-\gamma\lambda)\,\theta_{t-1} - \gamma\,"
        r"\frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}"
    )
    reference = (
        "Jordan et al. 2024, Muon: An optimizer for hidden layers in neural networks; "
        "Liu et al. 2025, Muon is Scalable for LLM Training (match_rms_adamw, the AdamW half); "
        "Loshchilov & Hutter 2019, Decoupled Weight Decay Regularization"
    )
    hyper = (
        # Muon's own declarations, with the lr adjustment that lets one lr suit both halves
        *(h.with_default("match_rms_adamw") if h.name == "adjust_lr_fn" else h for h in Muon.hyper),
        number("adamw_lr", None, ">= 0 or None"),
        pair("adamw_betas", (0.9, 0.95), "[0, 1)"),
        number("adamw_eps", 1e-8, "> 0"),
        number("adamw_weight_decay", None, ">= 0 or None"),
    )
    elementwise = False
    state_keys = MUON_STATE | ADAMW_STATE

    def validate(self, group: dict[str, Any]) -> None:
        Muon.validate(self, group)  # ns_coefficients must be numbers
        beta1, beta2 = group["adamw_betas"]
        if isinstance(beta1, Tensor) != isinstance(beta2, Tensor):  # torch.optim.AdamW's rule
            raise HyperparameterError(
                self.name,
                "adamw_betas",
                "adamw_betas must be both numbers or both tensors, got "
                + describe(group["adamw_betas"]),
            )

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        if is_matrix(param):
            Muon.init_state(self, param, state, muon_group(group))
        else:
            AdamW.init_state(self, param, state, adamw_group(group))

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        if is_matrix(param):
            Muon.update(self, param, grad, state, muon_group(group))
        else:
            AdamW.update(self, param, grad, state, adamw_group(group))

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict after checking it fits, as `Optimizer.load_state_dict` does, and
        that each matrix holds Muon's state and each other tensor AdamW's."""
        check_state_dict(self, state_dict)
        saved_ids = [pid for group in state_dict["param_groups"] for pid in group["params"]]
        params = [p for group in self.param_groups for p in group["params"]]
        for pid, p in zip(saved_ids, params, strict=True):
            saved = state_dict["state"].get(pid, {})
            half, keys = ("Muon", MUON_STATE) if is_matrix(p) else ("AdamW", ADAMW_STATE)
            if saved.keys() - keys:
                raise ValueError(
                    f"{self.name}: parameter {pid} has shape {tuple(p.shape)}, so it keeps "
                    f"{half}'s state ({', '.join(sorted(keys))}), but the state_dict holds "
                    f"{', '.join(sorted(saved))}"
                )
        super().load_state_dict(state_dict)
