"""The base class every descentlab optimizer derives from.

`torch.optim.Optimizer` supplies param groups, ``state_dict``, hooks and scheduler
support. This class supplies the loop over parameters and the checks, read from each
optimizer's declarations (`hyper`), and leaves two things to each optimizer: how
its state starts (`init_state`) and its update rule (`update`), written for one
parameter tensor.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import torch
from torch import Tensor

from ..errors import GradientError, HyperparameterError
from .hyper import Hyperparameter, check_signature, declared_init, document
from .ops import is_nonzero as is_nonzero  # re-exported: it used to live here
from .saved import check_state_dict
from .validation import check_flag, check_switches, plain_value

#: torch's implementation switches: they choose how a step runs, never what it computes
SWITCHES = ("foreach", "fused")


def as_taken(optimizer: torch.optim.Optimizer, grad: Tensor) -> Tensor:
    """A dense gradient as ``optimizer`` takes it: sparse for SparseAdam (whose lazy
    update then skips the coordinates whose gradient is exactly zero), else as it is."""
    return grad.to_sparse() if getattr(optimizer, "sparse_gradients", False) else grad


def scalar_dtype() -> torch.dtype:
    """The dtype torch.optim uses for scalar state such as ``step``."""
    return torch.float64 if torch.get_default_dtype() == torch.float64 else torch.float32


def step_counter() -> Tensor:
    """A fresh step count, held as torch.optim holds it (a 0-d CPU tensor)."""
    return torch.tensor(0.0, dtype=scalar_dtype())


def zeros_like(param: Tensor) -> Tensor:
    """A state tensor of zeros shaped, typed and laid out like ``param``."""
    return torch.zeros_like(param, memory_format=torch.preserve_format)


def hyper_shape(*values: float | Tensor) -> torch.Size:
    """The broadcast shape of some hyperparameters (``()`` when all are numbers)."""
    return torch.broadcast_shapes(*(v.shape for v in values if isinstance(v, Tensor)))


def device_of(*values: float | Tensor) -> torch.device:
    """Where tensor hyperparameters live (the CPU when all are numbers)."""
    for value in values:
        if isinstance(value, Tensor):
            return value.device
    return torch.device("cpu")


def per_run_scalar(value: float | Tensor, *depends_on: float | Tensor) -> Tensor:
    """Scalar state starting at ``value``: 0-d, or one entry per run when any of the
    hyperparameters it depends on is a tensor."""
    shape = hyper_shape(value, *depends_on)
    start = torch.as_tensor(value, dtype=scalar_dtype(), device=device_of(value, *depends_on))
    return start.expand(shape).clone()


def _tensors_in(value: Any) -> Iterable[Tensor]:
    if isinstance(value, Tensor):
        yield value
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _tensors_in(item)


def _holds_tensor(group: dict[str, Any]) -> bool:
    for key, value in group.items():
        if isinstance(value, Tensor) and key != "params":
            return True
        if isinstance(value, tuple) and any(isinstance(item, Tensor) for item in value):
            return True
    return False


def _cast(value: Any, like: Tensor) -> Any:
    if isinstance(value, Tensor):
        return value.to(device=like.device)
    if isinstance(value, tuple):
        return tuple(_cast(item, like) for item in value)
    return value


class Optimizer(torch.optim.Optimizer):
    """A `torch.optim.Optimizer` whose update rule is written per parameter tensor.

    Subclasses declare their hyperparameters in `hyper`, take them in an explicit
    ``__init__(self, params, <the declared ones>)`` that hands ``locals()`` to this
    class (the signature is checked against the declarations when the class is
    made), and implement `init_state` and `update` (and `validate`, for checks
    that tie hyperparameters together).

    Every numeric hyperparameter may be a number or a tensor. A tensor is moved to the
    parameter's device but keeps its dtype, so arithmetic on it is done in its dtype as
    torch.optim does it (a float32 ``lr`` with float64 parameters gives torch's float32
    step size); a one-element tensor is used as a 0-d one, as torch takes
    ``betas=(tensor([[0.9]]), ...)``. descentlab goes further than torch, which takes
    one-element tensors only: a tensor may hold one value per coordinate, of any shape
    that broadcasts to each parameter of its group (an ``(N, 1)`` lr for ``N`` runs
    stacked as the rows of an ``(N, D)`` parameter). That is how a sweep steps a whole
    grid of settings as one tensor; each row then equals a run of its own.
    """

    #: True when rows of a parameter never interact, so one tensor can hold many runs.
    elementwise: ClassVar[bool] = True
    #: One line saying what the optimizer does.
    summary: ClassVar[str] = ""
    #: The update rule in LaTeX.
    formula: ClassVar[str] = ""
    #: Where the method comes from.
    reference: ClassVar[str] = ""
    #: Every hyperparameter, in signature order: name, default, kind and range.
    hyper: ClassVar[tuple[Hyperparameter, ...]] = ()
    #: Group entries the class sets itself rather than taking as arguments.
    fixed: ClassVar[dict[str, Any]] = {}
    #: Hyperparameters that are switches (True/False), not numbers (from `hyper`).
    flags: ClassVar[tuple[str, ...]] = ("maximize",)
    #: Every key the state of a parameter may hold.
    state_keys: ClassVar[frozenset[str]] = frozenset()
    #: True when each parameter's state is made at construction, not at its first step.
    state_up_front: ClassVar[bool] = False
    #: True when each step needs a closure that re-evaluates the loss (L-BFGS).
    needs_closure: ClassVar[bool] = False
    #: True when every gradient must be sparse (SparseAdam); else every one must be dense,
    #: unless `also_sparse`.
    sparse_gradients: ClassVar[bool] = False
    #: True when sparse gradients are taken as well as dense ones (Adagrad).
    also_sparse: ClassVar[bool] = False
    #: Scalar state kept in its own dtype (torch.optim would cast it on load).
    scalar_state: ClassVar[frozenset[str]] = frozenset()
    #: Keyword-only switches taken besides the hyperparameters: `SWITCHES` for every
    #: elementwise optimizer whose step is `update` on each tensor (see `fused`).
    switches: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        steps_each_tensor = cls.step_group is Optimizer.step_group
        declared_only = "__init__" not in cls.__dict__  # a hand-written one takes no switches
        if cls.elementwise and not cls.sparse_gradients and steps_each_tensor and declared_only:
            cls.switches = SWITCHES
        if cls.hyper:
            if "__init__" in cls.__dict__:
                check_signature(cls, cls.hyper)  # written by hand: it must say the same
            else:
                cls.__init__ = declared_init(cls, Optimizer.__init__)  # type: ignore[method-assign]
            cls.flags = tuple(h.name for h in cls.hyper if h.kind == "flag")
            cls.__doc__ = document(cls.__dict__.get("__doc__"), cls.hyper)

    def __init__(self, params: Any, arguments: dict[str, Any]) -> None:
        """Optimize ``params`` (tensors, or dicts of parameter groups) with the given
        hyperparameters; the class docstring lists each one's range."""
        # a declared class hands over its __init__'s locals(); one without
        # declarations hands over its defaults dict
        if self.hyper:
            defaults = {h.name: h.normalise(plain_value(arguments[h.name])) for h in self.hyper}
            defaults.update({name: arguments[name] for name in self.switches})
            defaults.update(self.fixed)
            self._check_group(defaults)  # before the parameters are read, as torch checks
        else:
            defaults = {key: plain_value(value) for key, value in arguments.items()}
        super().__init__(params, defaults)
        if self.state_up_front:
            for group in self.param_groups:
                for p in group["params"]:
                    self.init_state(p, self.state[p], self.hyperparameters(group, p))

    # -- what each optimizer provides -------------------------------------------------

    def validate(self, group: dict[str, Any]) -> None:
        """Raise ValueError for what the declared ranges cannot say alone (checks that
        tie hyperparameters together); each range is checked before this runs."""

    def init_state(self, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
        """Fill the empty ``state`` of ``param`` before its first update."""

    def update(
        self, param: Tensor, grad: Tensor, state: dict[str, Any], group: dict[str, Any]
    ) -> None:
        """Apply one step to ``param`` in place, given its gradient (already negated
        when maximizing) and the hyperparameters of its group."""
        raise NotImplementedError

    # -- the shared machinery ---------------------------------------------------------

    @property
    def name(self) -> str:
        return type(self).__name__

    def hyperparameters(self, group: dict[str, Any], param: Tensor) -> dict[str, Any]:
        """The hyperparameters of ``group`` with tensors on ``param``'s device (each keeps
        its dtype, as torch.optim keeps it)."""
        return {key: _cast(value, param) for key, value in group.items() if key != "params"}

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group as torch does, then check it; a rejected group is not kept."""
        if isinstance(param_group, dict):
            declared = {h.name: h for h in self.hyper}
            param_group = {
                key: value if key == "params" else plain_value(value)
                for key, value in param_group.items()
            }
            for key in declared.keys() & param_group.keys():
                param_group[key] = declared[key].normalise(param_group[key])
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        try:
            self._check_group(group)
            self._check_params(group)
        except (ValueError, TypeError):
            self.param_groups.pop()
            raise

    def _check_group(self, group: dict[str, Any]) -> None:
        if self.hyper:
            for h in self.hyper:
                h.check(self.name, group[h.name])
            check_switches(self.name, {name: group.get(name) for name in self.switches})
        else:
            for flag in self.flags:
                check_flag(self.name, flag, group[flag])
        self.validate(group)

    def _check_params(self, group: dict[str, Any]) -> None:
        tensors = {key: list(_tensors_in(value)) for key, value in group.items() if key != "params"}
        for index, p in enumerate(group["params"]):
            if not p.is_floating_point():
                raise TypeError(
                    f"{self.name}: parameter {index} has dtype {p.dtype}; "
                    "only real floating-point parameters can be optimized"
                )
            for key, values in tensors.items():
                for value in values:
                    try:
                        shape = torch.broadcast_shapes(value.shape, p.shape)
                    except RuntimeError:
                        shape = None
                    if shape != p.shape:
                        raise HyperparameterError(
                            self.name,
                            key,
                            f"hyperparameter {key} has shape {tuple(value.shape)}, which does "
                            f"not broadcast to parameter {index} of shape {tuple(p.shape)}",
                        )

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        # state_dicts written by torch.optim or older versions may lack newer keys,
        # or hold scalar state as plain numbers
        for group in self.param_groups:
            for key, default in self.defaults.items():
                if key != "differentiable":  # torch's __setstate__ adds it to defaults
                    group.setdefault(key, default)
            group.update(self.fixed)
        for param_state in self.state.values():
            for key in {"step", *self.scalar_state} & param_state.keys():
                if not isinstance(param_state[key], Tensor):
                    param_state[key] = torch.tensor(float(param_state[key]), dtype=scalar_dtype())

    @torch.no_grad()
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Perform one optimization step; ``closure`` re-evaluates the loss."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None or (p.grad.is_sparse and self.also_sparse):
                    continue
                if p.grad.is_sparse != self.sparse_gradients:
                    raise GradientError(self.name, self._gradient_kind_refusal())
        for group in self.param_groups:
            self.step_group(group)
        return loss

    def step_group(self, group: dict[str, Any]) -> None:
        """One step of every parameter of ``group`` that has a gradient: its state is
        made on its first step, then `update` runs, on each tensor in turn or, with
        ``fused`` or ``foreach``, compiled into one pass over them all (see `fused`).
        Optimizers with group-level quantities (a step size shared by the group)
        compute them around this."""
        if group.get("fused") or group.get("foreach"):
            from .fused import step_fused  # torch.compile is imported only when asked for

            step_fused(self, group)
            return
        hyper, cast_for = group, None
        has_tensors = _holds_tensor(group)
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            if has_tensors and cast_for != (p.dtype, p.device):
                hyper, cast_for = self.hyperparameters(group, p), (p.dtype, p.device)
            if group.get("maximize", False):  # not every method climbs (L-BFGS, Muon)
                grad = -grad
            state = self.state[p]
            if not state:
                self.init_state(p, state, hyper)
            self.update(p, grad, state, hyper)

    def _gradient_kind_refusal(self) -> str:
        if self.sparse_gradients:
            return (
                "takes only sparse gradients (for example from nn.Embedding(sparse=True)); "
                "use Adam for dense ones"
            )
        return "does not take sparse gradients; use dense ones (nn.Embedding(sparse=False))"

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Load a state_dict (ours or torch.optim's) after checking it fits; a
        state_dict that does not fit raises ValueError and changes nothing."""
        check_state_dict(self, state_dict)
        dtypes = {
            (pid, key): value.dtype
            for pid, saved in state_dict["state"].items()
            for key, value in saved.items()
            if key in self.scalar_state and isinstance(value, Tensor)
        }
        # the switches say how this optimizer steps, not what it computes: they stay
        switches = [{name: g[name] for name in self.switches} for g in self.param_groups]
        super().load_state_dict(state_dict)
        for group, kept in zip(self.param_groups, switches, strict=True):
            group.update(kept)
        # torch casts every state tensor but `step` to its parameter's dtype; scalar
        # state such as NAdam's mu_product keeps its own, so a resumed run is bitwise
        # equal to an uninterrupted one.
        saved_ids = [pid for group in state_dict["param_groups"] for pid in group["params"]]
        params = [p for group in self.param_groups for p in group["params"]]
        for pid, p in zip(saved_ids, params, strict=True):
            state = self.state.get(p, {})
            for key in self.scalar_state & state.keys():
                if (pid, key) in dtypes:
                    state[key] = state[key].to(dtypes[pid, key])
