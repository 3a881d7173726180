"""L-BFGS: quasi-Newton steps from a short memory of curvature pairs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor

from ..errors import HyperparameterError
from .base import Optimizer
from .hyper import choice, integer, number
from .line_search import strong_wolfe
from .saved import check_state_dict

#: A new curvature pair (s, y) is kept only when y . s exceeds this.
CURVATURE_THRESHOLD = 1e-10


class LineSearchError(HyperparameterError, RuntimeError):
    """A line search LBFGS does not know: a ValueError, and a RuntimeError as
    torch.optim.LBFGS raises it."""


def two_loop_direction(
    g: Tensor, s: list[Tensor], y: list[Tensor], rho: list[Tensor], gamma: Any, alpha: list[Any]
) -> Tensor:
    """The L-BFGS direction ``d = -H g`` by the two-loop recursion (Nocedal & Wright,
    Algorithm 7.4), with ``H_0 = gamma I``; ``alpha[i]`` receives alpha_i."""
    q = g.neg()  # q <- -g, so that r ends as -H g
    for i in reversed(range(len(s))):
        alpha[i] = s[i].dot(q) * rho[i]  # alpha_i = rho_i s_i^T q
        q.add_(y[i], alpha=-alpha[i])  # q <- q - alpha_i y_i
    r = torch.mul(q, gamma)  # r <- H_0 q
    for i in range(len(s)):
        beta = y[i].dot(r) * rho[i]  # beta = rho_i y_i^T r
        r.add_(s[i], alpha=alpha[i] - beta)  # r <- r + s_i (alpha_i - beta)
    return r


class LBFGS(Optimizer):
    """Limited-memory BFGS (torch.optim.LBFGS semantics, after minFunc).

    All parameters are one flat vector x, in one parameter group. Each `step` takes
    a closure that re-evaluates the loss and runs up to ``max_iter`` iterations of
    Nocedal & Wright's Algorithm 7.5 (at most ``max_eval`` closure calls): the
    direction from the last ``history_size`` pairs by the two-loop recursion, then a
    fixed step ``lr`` or a strong-Wolfe line search. The state lives under the first
    parameter, as torch keeps it, so state_dicts load into torch.optim.LBFGS and back.
    """

    summary = "Quasi-Newton: steps along -H g, with H built from the last m curvature pairs."
    formula = (
        r"d_k = -H_k g_k\ \text{(two-loop recursion over the last } m \text{ pairs } "
        r"s_i = \theta_{i+1} - \theta_i,\ y_i = g_{i+1} - g_i),\quad "
        r"\theta_{k+1} = \theta_k + t_k d_k"
    )
    reference = (
        "Liu & Nocedal 1989, On the limited memory BFGS method for large scale "
        "optimization; Nocedal & Wright 2006, Numerical Optimization, Algorithms 7.4, 7.5, "
        "3.5 and 3.6"
    )
    elementwise = False
    needs_closure = True
    hyper = (
        number("lr", 1, ">= 0"),
        integer("max_iter", 20, ">= 1"),
        integer("max_eval", None, ">= 1 or None"),
        number("tolerance_grad", 1e-7, ">= 0"),
        number("tolerance_change", 1e-9, ">= 0"),
        integer("history_size", 100, ">= 1"),
        choice("line_search_fn", None, (None, "strong_wolfe")),
    )
    state_keys = frozenset({"func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro",
                            "H_diag", "prev_flat_grad", "prev_loss", "al"})  # fmt: skip

    # -- construction and checks ------------------------------------------------------

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Take the one group (torch refuses a second with ValueError, so do we). A
        ``max_eval`` of None becomes ``max_iter * 5 // 4`` of the constructor, in
        ``defaults`` and in the group, as torch keeps it."""
        if self.defaults.get("max_eval") is None:
            self.defaults["max_eval"] = self.defaults["max_iter"] * 5 // 4
        super().add_param_group(param_group)
        if len(self.param_groups) > 1:
            self.param_groups.pop()
            raise HyperparameterError(
                self.name, None, "doesn't support per-parameter options (parameter "
                "groups): give all parameters in one group, with one set of options")  # fmt: skip
        group = self.param_groups[0]
        if group["max_eval"] is None:
            group["max_eval"] = self.defaults["max_iter"] * 5 // 4

    def _check_group(self, group: dict[str, Any]) -> None:
        try:
            super()._check_group(group)
        except HyperparameterError as error:
            if error.hyperparameter != "line_search_fn":
                raise
            raise LineSearchError(self.name, error.hyperparameter, error.reason) from None

    def validate(self, group: dict[str, Any]) -> None:
        for name in ("lr", "tolerance_grad", "tolerance_change"):
            value = group[name]
            if isinstance(value, Tensor) and value.numel() != 1:
                raise HyperparameterError(
                    self.name, name, f"Tensor {name} must be 1-element (one number for the "
                    f"whole model), got a tensor of shape {tuple(value.shape)}")  # fmt: skip

    def _check_params(self, group: dict[str, Any]) -> None:
        # hyperparameters are single numbers for the whole flat vector, so there is no
        # shape to check; complex parameters are optimized as (real, imaginary) pairs
        for index, p in enumerate(group["params"]):
            if not (p.is_floating_point() or p.is_complex()):
                raise TypeError(
                    f"{self.name}: parameter {index} has dtype {p.dtype}; only floating-point "
                    "or complex parameters can be optimized"
                )

    # -- the flat vector x and its gradient g -----------------------------------------

    @property
    def _params(self) -> list[Tensor]:
        return self.param_groups[0]["params"]

    def _numel(self) -> int:
        return sum(torch.view_as_real(p).numel() if p.is_complex() else p.numel()
                   for p in self._params)  # fmt: skip

    def _flat_grad(self) -> Tensor:
        """g as one vector: zeros for a missing gradient, sparse ones made dense, complex
        ones as (real, imaginary) pairs. Non-contiguous gradients are read in order too
        (torch.optim.LBFGS raises there)."""
        pieces = []
        for p in self._params:
            if p.grad is None:
                piece = torch.zeros(p.numel(), dtype=p.dtype, device=p.device)
            else:
                piece = (p.grad.to_dense() if p.grad.is_sparse else p.grad).reshape(-1)
            if piece.is_complex():
                piece = torch.view_as_real(piece).view(-1)
            pieces.append(piece)
        return torch.cat(pieces, 0)

    def _move(self, t: Any, d: Tensor) -> None:
        """x <- x + t d, in place."""
        offset = 0
        for p in self._params:
            x = torch.view_as_real(p) if p.is_complex() else p
            x.add_(d[offset : offset + x.numel()].view_as(x), alpha=t)
            offset += x.numel()

    def _copy_params(self) -> list[Tensor]:
        return [p.clone(memory_format=torch.contiguous_format) for p in self._params]

    def _phi(self, closure: Callable[[], Any], x: list[Tensor], d: Tensor) -> Any:
        """phi(t): the loss and gradient at x + t d, the parameters put back to x after."""

        def phi(t: Any) -> tuple[float, Tensor]:
            self._move(t, d)
            loss = float(closure())
            g = self._flat_grad()
            for p, saved in zip(self._params, x, strict=True):
                p.copy_(saved)
            return loss, g

        return phi

    # -- the step ---------------------------------------------------------------------

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:  # type: ignore[override]
        """Up to ``max_iter`` L-BFGS iterations; ``closure`` (required) zeroes the
        gradients, re-evaluates the loss, calls backward and returns the loss. Returns the
        loss at the start of the step, the closure's first value."""
        if closure is None or not callable(closure):
            raise TypeError(
                f"{self.name}.step needs a closure that re-evaluates the model and returns "
                f"the loss, as torch.optim.LBFGS does: optimizer.step(closure), got {closure!r}"
            )
        closure = torch.enable_grad()(closure)
        group = self.param_groups[0]
        lr = group["lr"]
        if isinstance(lr, Tensor) and lr.dim() != 0:
            lr = lr.squeeze()  # a 1-element tensor, used as a 0-d one
        max_iter, max_eval, m = group["max_iter"], group["max_eval"], group["history_size"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]

        # the whole state is kept under the first parameter, as torch keeps it
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        first_loss = closure()
        f = float(first_loss)  # f_k
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()  # g_k
        stationary = g.abs().max() <= tolerance_grad  # ||g||_inf <= tolerance_grad
        if stationary:
            return first_loss

        d, t = state.get("d"), state.get("t")  # the last direction d and step length t
        y, s, rho = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        gamma = state.get("H_diag")  # H_0 = gamma I
        g_prev, f_prev = state.get("prev_flat_grad"), state.get("prev_loss")

        iteration = 0
        while iteration < max_iter:
            iteration += 1
            state["n_iter"] += 1

            # the direction d = -H g (Algorithm 7.5)
            if state["n_iter"] == 1:  # the very first iteration: steepest descent
                d = g.neg()
                y, s, rho, gamma = [], [], [], 1
            else:
                y_k = g.sub(g_prev)  # y_k = g_{k+1} - g_k
                s_k = d.mul(t)  # s_k = x_{k+1} - x_k = t d
                ys = y_k.dot(s_k)
                if ys > CURVATURE_THRESHOLD:  # keep only pairs of positive curvature
                    if len(y) == m:  # the memory is full: forget the oldest pair
                        del y[0], s[0], rho[0]
                    y.append(y_k)
                    s.append(s_k)
                    rho.append(1.0 / ys)  # rho_k = 1 / y^T s
                    gamma = ys / y_k.dot(y_k)  # gamma_k = s^T y / y^T y (eq. 7.20)
                if "al" not in state:
                    state["al"] = [None] * m
                d = two_loop_direction(g, s, y, rho, gamma, state["al"])

            if g_prev is None:
                g_prev = g.clone(memory_format=torch.contiguous_format)
            else:
                g_prev.copy_(g)
            f_prev = f

            # the step length: the first one ever is min(1, 1 / ||g||_1) lr, then lr
            t = min(1.0, 1.0 / g.abs().sum()) * lr if state["n_iter"] == 1 else lr
            slope = g.dot(d)  # g^T d, the directional derivative
            if slope > -tolerance_change:
                break  # d does not descend

            line_search = group["line_search_fn"]
            if line_search is None:  # a fixed step x <- x + t d
                self._move(t, d)
                calls = 0
                if iteration != max_iter:  # the last iteration's loss is the next step's
                    f = float(closure())
                    g = self._flat_grad()
                    stationary = g.abs().max() <= tolerance_grad
                    calls = 1
            elif line_search == "strong_wolfe":
                # (its own tolerance on the interval stays torch's 1e-9)
                phi = self._phi(closure, self._copy_params(), d)
                f, g, t, calls = strong_wolfe(phi, t, d, f, g, slope, max_ls=max_eval - evals)
                self._move(t, d)
                stationary = g.abs().max() <= tolerance_grad
            else:
                raise LineSearchError(self.name, "line_search_fn", "only 'strong_wolfe' is "
                                      f"supported, got {line_search!r}")  # fmt: skip
            evals += calls
            state["func_evals"] += calls

            # the stopping tests, in torch's order
            if iteration == max_iter or evals >= max_eval:
                break
            if stationary:
                break
            if d.mul(t).abs().max() <= tolerance_change:  # x barely moved
                break
            if abs(f - f_prev) < tolerance_change:  # f barely changed
                break

        state["d"], state["t"] = d, t
        state["old_dirs"], state["old_stps"], state["ro"], state["H_diag"] = y, s, rho, gamma
        state["prev_flat_grad"], state["prev_loss"] = g_prev, f_prev
        return first_loss

    # -- saving and loading -----------------------------------------------------------

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict (ours or torch.optim.LBFGS's) after checking it fits; one
        that does not fit raises ValueError and changes nothing."""
        saved = state_dict.get("state") if isinstance(state_dict, dict) else None
        if not isinstance(saved, dict) or not all(isinstance(v, dict) for v in saved.values()):
            check_state_dict(self, state_dict)  # says what is malformed
        else:
            check_state_dict(self, {**state_dict, "state": {}})  # groups and parameters
            self._check_saved_state(state_dict)
        torch.optim.Optimizer.load_state_dict(self, state_dict)

    def _check_saved_state(self, state_dict: dict[str, Any]) -> None:
        first = state_dict["param_groups"][0]["params"][0]
        n = self._numel()
        for pid, saved in state_dict["state"].items():
            if not saved:
                continue
            if pid != first:
                raise ValueError(f"{self.name}: the state_dict holds state for parameter {pid}; "
                                 "LBFGS keeps all its state under the first parameter")  # fmt: skip
            unknown = saved.keys() - self.state_keys
            if unknown:
                raise ValueError(
                    f"{self.name}: the state_dict holds state {sorted(unknown)}, which LBFGS "
                    "does not keep; was it saved by another optimizer?"
                )
            vectors = [saved.get("d"), saved.get("prev_flat_grad"),
                       *saved.get("old_dirs", []), *saved.get("old_stps", [])]  # fmt: skip
            for vector in vectors:
                if vector is not None and (not isinstance(vector, Tensor) or vector.shape != (n,)):
                    what = f"shape {tuple(vector.shape)}" if isinstance(vector, Tensor) else vector
                    raise ValueError(
                        f"{self.name}: the state_dict holds a direction or gradient of {what}; "
                        f"these parameters make vectors of {n} entries"
                    )
