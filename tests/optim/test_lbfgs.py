"""L-BFGS equals torch.optim.LBFGS: after every step the parameters, every state entry
(tensors, lists of tensors, numbers) and every closure call (how many, in what order,
at which point) agree; state_dicts go both ways. torch's own table of inputs and error
inputs is checked for every optimizer in test_torch_table.py.
"""

from __future__ import annotations

import copy
import inspect
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

from descentlab import landscapes
from descentlab.errors import HyperparameterError, HyperparameterTypeError
from descentlab.optim.lbfgs import LBFGS

from .harness import SmallMLP, make_mlp, roundtrip

STEPS = 5
# (config, problem) runs that rightly end where they started: max_iter=1 leaves the line
# search max_eval - 1 = 0 further trials, and its one trial is worse than t = 0
STAYS = {("max_iter_1_strong_wolfe", "rosenbrock")}


@pytest.fixture(autouse=True, scope="module")
def one_thread() -> Iterator[None]:
    """These tensors are tiny: a second intra-op thread only adds contention (on a busy
    machine a backward pass takes 100x longer with two)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


DTYPES = [torch.float64, torch.float32]
# float32: the two classes make the same float32 operations in the same order, so they
# agree to the bit (measured); the tolerance, one float32 ulp of unit-sized values in
# both rtol and atol (2**-23 ~ 1.2e-7), leaves room only for a reordered reduction.
FLOAT32_TOL = {"rtol": 1.2e-7, "atol": 1.2e-7}

CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "strong_wolfe": {"line_search_fn": "strong_wolfe"},
    "history_3": {"history_size": 3},
    "history_3_strong_wolfe": {"history_size": 3, "line_search_fn": "strong_wolfe"},
    "tolerance_grad": {"tolerance_grad": 0.1},
    "tolerance_grad_strong_wolfe": {"tolerance_grad": 0.03, "line_search_fn": "strong_wolfe"},
    "tolerance_change": {"tolerance_change": 1e-2},
    "tolerance_change_strong_wolfe": {"tolerance_change": 1e-3, "line_search_fn": "strong_wolfe"},
    "max_eval": {"max_iter": 10, "max_eval": 4},
    "max_eval_strong_wolfe": {"max_iter": 10, "max_eval": 6, "line_search_fn": "strong_wolfe"},
    "max_iter_1": {"max_iter": 1},
    "max_iter_1_strong_wolfe": {"max_iter": 1, "line_search_fn": "strong_wolfe"},
    "lr": {"lr": 0.25},
    "lr_strong_wolfe": {"lr": 0.5, "line_search_fn": "strong_wolfe"},
}


# -- problems ---------------------------------------------------------------------------


class Rosenbrock(nn.Module):
    """The 2-D Rosenbrock function from (-1.5, 2)."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        self.xy = nn.Parameter(torch.tensor([-1.5, 2.0], dtype=dtype))
        self.f = landscapes.get("rosenbrock")

    def loss(self, step: int) -> torch.Tensor:
        return self.f(self.xy[0], self.xy[1])


class MLP(nn.Module):
    """harness's SmallMLP (weights, biases, a 0-d scale) on a regression with a new batch
    each step, its output weight non-contiguous (transposed strides), and no gradient for
    the scale at step 3.

    torch.optim.LBFGS reads gradients with ``view(-1)``, which fails on a non-contiguous
    one, so torch runs on a twin holding the same values contiguously
    (``contiguous=True``). The loss reads the weight through ``.contiguous()``, so that
    autograd computes the same numbers for both layouts: only the optimizer sees them
    differ.
    """

    def __init__(self, dtype: torch.dtype, contiguous: bool = False) -> None:
        super().__init__()
        self.net: SmallMLP = make_mlp(dtype)
        weight = self.net.out.weight.detach()
        weight = weight.clone() if contiguous else weight.t().contiguous().t()
        self.net.out.weight = nn.Parameter(weight)
        assert self.net.out.weight.is_contiguous() == contiguous

    def loss(self, step: int) -> torch.Tensor:
        net = self.net
        generator = torch.Generator().manual_seed(1000 + step)
        x = torch.randn(32, 5, generator=generator, dtype=net.scale.dtype)
        y = torch.randn(32, 3, generator=generator, dtype=net.scale.dtype)
        hidden = torch.tanh(net.hidden(x))
        out = nn.functional.linear(hidden, net.out.weight.contiguous(), net.out.bias)
        return ((net.scale * out - y) ** 2).mean()

    def after_backward(self, step: int) -> None:
        if step == 3:
            self.net.scale.grad = None


PROBLEMS: dict[str, Callable[..., nn.Module]] = {"rosenbrock": Rosenbrock, "mlp": MLP}


def flat(model: nn.Module) -> torch.Tensor:
    """Every parameter in one real vector (complex ones as pairs)."""
    pieces = [torch.view_as_real(p) if p.is_complex() else p for p in model.parameters()]
    return torch.cat([p.detach().reshape(-1) for p in pieces])


def run(
    cls: type[torch.optim.Optimizer], model: nn.Module, kwargs: dict[str, Any], steps: range
) -> Iterator[tuple[torch.optim.Optimizer, Any, list[torch.Tensor]]]:
    """Step ``model`` with ``cls``; yields the optimizer, the loss step() returned and
    where each closure call found the parameters, after each step."""
    optimizer = cls(model.parameters(), **kwargs)
    yield from steps_of(optimizer, model, steps)


def steps_of(
    optimizer: torch.optim.Optimizer, model: nn.Module, steps: range
) -> Iterator[tuple[torch.optim.Optimizer, Any, list[torch.Tensor]]]:
    for step in steps:
        calls: list[torch.Tensor] = []

        def closure(step: int = step, calls: list[torch.Tensor] = calls) -> torch.Tensor:
            calls.append(flat(model))
            optimizer.zero_grad()
            loss = model.loss(step)
            loss.backward()
            if hasattr(model, "after_backward"):
                model.after_backward(step)
            return loss

        loss = optimizer.step(closure)
        yield optimizer, loss, calls


def global_state(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """The state torch keeps under the first parameter; asserts the others have none."""
    params = optimizer.param_groups[0]["params"]
    assert all(not optimizer.state.get(p) for p in params[1:])
    return optimizer.state.get(params[0], {})


def assert_same(ours: Any, theirs: Any, where: str, **tol: Any) -> None:
    """Equal values of the same kind: tensors (close, same dtype and shape), lists and
    dicts of them item by item (dicts in the same key order), Python numbers (close,
    same type), None."""
    assert type(ours) is type(theirs), f"{where}: {type(ours).__name__} != {type(theirs).__name__}"
    if isinstance(ours, list):
        assert len(ours) == len(theirs), f"{where}: {len(ours)} entries != {len(theirs)}"
        kinds = [type(a) for a in ours]
        assert kinds == [type(b) for b in theirs], f"{where}: entries of other kinds"
        tensors = [i for i, a in enumerate(ours) if isinstance(a, torch.Tensor)]
        if tensors and len({ours[i].shape for i in tensors}) == 1:  # one comparison for all
            stacked = [torch.stack([x[i] for i in tensors]) for x in (ours, theirs)]
            assert_same(*stacked, f"{where}[{tensors[0]}:]", **tol)
            tensors = set(tensors)
        for index, (a, b) in enumerate(zip(ours, theirs, strict=True)):
            if index not in tensors:
                assert_same(a, b, f"{where}[{index}]", **tol)
    elif isinstance(ours, dict):
        assert list(ours) == list(theirs), f"{where}: keys {list(ours)} != {list(theirs)}"
        for key in ours:
            assert_same(ours[key], theirs[key], f"{where} {key}", **tol)
    elif isinstance(ours, torch.Tensor | float):
        torch.testing.assert_close(ours, theirs, msg=lambda m: f"{where}: {m}", **tol)
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def assert_runs_equal(ours_run, theirs_run, ours_model, theirs_model, tol, label="") -> int:
    steps = 0
    for step, ((ours, ours_loss, ours_calls), (theirs, theirs_loss, theirs_calls)) in enumerate(
        zip(ours_run, theirs_run, strict=True)
    ):
        where = f"{label}step {step}"
        assert len(ours_calls) == len(theirs_calls), f"{where}: closure calls differ"
        assert_same(ours_calls, theirs_calls, f"{where}: where the closure was called", **tol)
        assert_same(ours_loss, theirs_loss, f"{where}: returned loss", **tol)
        for index, (p, q) in enumerate(
            zip(ours_model.parameters(), theirs_model.parameters(), strict=True)
        ):
            assert_same(p.detach(), q.detach(), f"{where}: parameter {index}", **tol)
        assert_same(global_state(ours), global_state(theirs), f"{where}: state", **tol)
        steps += 1
    return steps


def tolerance(dtype: torch.dtype) -> dict[str, float]:
    return {} if dtype == torch.float64 else FLOAT32_TOL


def pair(problem: str, dtype: torch.dtype) -> tuple[nn.Module, nn.Module]:
    ours = PROBLEMS[problem](dtype)
    theirs = MLP(dtype, contiguous=True) if problem == "mlp" else copy.deepcopy(ours)
    return ours, theirs


# -- parity after every step -----------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES, ids=["float64", "float32"])
@pytest.mark.parametrize("problem", PROBLEMS)
@pytest.mark.parametrize("config", CONFIGS)
def test_every_step_and_every_closure_call_match_torch(config, problem, dtype):
    kwargs = CONFIGS[config]
    ours_model, theirs_model = pair(problem, dtype)
    steps = assert_runs_equal(
        run(LBFGS, ours_model, kwargs, range(STEPS)),
        run(torch.optim.LBFGS, theirs_model, kwargs, range(STEPS)),
        ours_model,
        theirs_model,
        tolerance(dtype),
    )
    assert steps == STEPS
    moved = (flat(ours_model) - flat(PROBLEMS[problem](dtype))).abs().max()
    assert moved == 0 if (config, problem) in STAYS else moved > 1e-3


def reference_record(problem: str, config: str) -> list[tuple[int, dict[str, Any]]]:
    """Closure calls and a copy of torch's state after each step, in float64."""
    model = PROBLEMS[problem](torch.float64, **({"contiguous": True} if problem == "mlp" else {}))
    return [
        (len(calls), dict(global_state(opt)))
        for opt, _, calls in run(torch.optim.LBFGS, model, CONFIGS[config], range(STEPS))
    ]


@pytest.mark.parametrize("problem", PROBLEMS)
def test_each_configuration_does_what_it_is_named_for(problem):
    """Read from torch's runs, so the parity above covers each path it names."""

    def iterations(config: str) -> int:
        return reference_record(problem, config)[-1][1]["n_iter"]

    for line_search in ("", "_strong_wolfe"):
        base = "strong_wolfe" if line_search else "default"
        # the history wraps: three pairs kept, many more iterations made
        record = reference_record(problem, "history_3" + line_search)
        assert len(record[-1][1]["old_dirs"]) == 3 and record[-1][1]["n_iter"] > 10
        # the tolerances stop steps early
        assert iterations("tolerance_grad" + line_search) < iterations(base)
        assert iterations("tolerance_change" + line_search) < iterations(base)
        # max_eval ends each step before max_iter does
        max_eval = CONFIGS["max_eval" + line_search]["max_eval"]
        record = reference_record(problem, "max_eval" + line_search)
        done = [0] + [state["n_iter"] for _, state in record]
        # (the line search's first trial is not counted in its max_ls: one call over)
        assert all(calls <= max_eval + 1 for calls, _ in record)
        assert all(0 < b - a < 10 for a, b in itertools.pairwise(done))
        # max_iter=1: one iteration per step
        assert iterations("max_iter_1" + line_search) == STEPS


def test_a_bad_lr_is_refused_before_the_params_are_read_as_torch_does():
    with pytest.raises(ValueError, match="1-element"):
        torch.optim.LBFGS(None, lr=torch.tensor([1e-3, 1e-3]))
    with pytest.raises(ValueError, match=r"^LBFGS: Tensor lr must be 1-element"):
        LBFGS(None, lr=torch.tensor([1e-3, 1e-3]))


# -- state_dicts ------------------------------------------------------------------------


STATE_CONFIGS = ["default", "history_3_strong_wolfe", "max_eval", "lr_strong_wolfe"]


@pytest.mark.parametrize("config", STATE_CONFIGS)
@pytest.mark.parametrize("source_is_ours", [True, False], ids=["ours_to_torch", "torch_to_ours"])
def test_state_dict_loads_across_and_both_go_on_equal(config, source_is_ours):
    kwargs = CONFIGS[config]
    source_cls, target_cls = (
        (LBFGS, torch.optim.LBFGS) if source_is_ours else (torch.optim.LBFGS, LBFGS)
    )
    model = MLP(torch.float64, contiguous=True)
    source = source_cls(model.parameters(), **kwargs)
    for _ in steps_of(source, model, range(3)):
        pass
    saved = roundtrip(source.state_dict())
    other = copy.deepcopy(model)
    target = target_cls(other.parameters(), **kwargs)
    target.load_state_dict(saved)
    assert_same(global_state(target), global_state(source), "loaded state")
    assert target.param_groups[0]["max_eval"] == source.param_groups[0]["max_eval"]
    mine, theirs = (source, target) if source_is_ours else (target, source)
    mine_model, theirs_model = (model, other) if source_is_ours else (other, model)
    steps = assert_runs_equal(
        steps_of(mine, mine_model, range(3, 7)), steps_of(theirs, theirs_model, range(3, 7)),
        mine_model, theirs_model, {}, label="after loading, ",
    )  # fmt: skip
    assert steps == 4


@pytest.mark.parametrize("config", STATE_CONFIGS)
def test_resume_from_saved_state_is_bitwise_equal(config):
    kwargs = CONFIGS[config]
    straight = MLP(torch.float64)
    interrupted = copy.deepcopy(straight)
    straight_optimizer = LBFGS(straight.parameters(), **kwargs)
    for _ in steps_of(straight_optimizer, straight, range(6)):
        pass
    first = LBFGS(interrupted.parameters(), **kwargs)
    for _ in steps_of(first, interrupted, range(3)):
        pass
    saved = roundtrip({"model": interrupted.state_dict(), "optimizer": first.state_dict()})
    resumed = MLP(torch.float64)
    with torch.no_grad():
        for p in resumed.parameters():
            p.add_(1.0)  # other values until loaded
    resumed.load_state_dict(saved["model"])
    optimizer = LBFGS(resumed.parameters(), **kwargs)
    optimizer.load_state_dict(saved["optimizer"])
    for _ in steps_of(optimizer, resumed, range(3, 6)):
        pass
    assert torch.equal(flat(straight), flat(resumed))
    bitwise = {"rtol": 0, "atol": 0}
    assert_same(global_state(optimizer), global_state(straight_optimizer), "state", **bitwise)


# -- complex, sparse and non-contiguous parameters ------------------------------------


class Complex(nn.Module):
    """A complex vector and a real one, coupled: torch optimizes complex parameters as
    (real, imaginary) pairs."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        generator = torch.Generator().manual_seed(3)
        self.z = nn.Parameter(torch.randn(4, generator=generator, dtype=torch.complex128))
        self.w = nn.Parameter(torch.randn(3, generator=generator, dtype=torch.float64))
        self.c = torch.randn(4, generator=generator, dtype=torch.complex128)

    def loss(self, step: int) -> torch.Tensor:
        coupling = (self.z.real[:3] * self.w).sum()
        return ((self.z - self.c).abs() ** 4).sum() + (self.w**2).sum() + coupling


class Sparse(nn.Module):
    """An embedding with sparse gradients (made dense, as torch does) and a dense layer."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        torch.manual_seed(5)
        self.embedding = nn.Embedding(10, 3, sparse=True).double()
        self.linear = nn.Linear(3, 1).double()

    def loss(self, step: int) -> torch.Tensor:
        rows = torch.tensor([1, 4, 4, 7, (step * 3) % 10])
        return (self.linear(torch.tanh(self.embedding(rows))) - 1).pow(2).mean()


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
@pytest.mark.parametrize("problem", [Complex, Sparse], ids=["complex", "sparse"])
def test_complex_and_sparse_parameters_match_torch(problem, line_search_fn):
    ours_model = problem(torch.float64)
    theirs_model = copy.deepcopy(ours_model)
    kwargs = {"line_search_fn": line_search_fn, "history_size": 4}
    steps = assert_runs_equal(
        run(LBFGS, ours_model, kwargs, range(3)),
        run(torch.optim.LBFGS, theirs_model, kwargs, range(3)),
        ours_model, theirs_model, {},
    )  # fmt: skip
    assert steps == 3


def test_non_contiguous_gradients_are_read_where_torch_raises():
    model = MLP(torch.float64)  # its output weight is non-contiguous
    with pytest.raises(RuntimeError, match="view size"):
        next(run(torch.optim.LBFGS, copy.deepcopy(model), {}, range(1)))
    next(run(LBFGS, model, {}, range(1)))  # the parity runs above compare it with torch


# -- declarations and refusals ---------------------------------------------------------


def test_signature_defaults_and_groups_are_torchs():
    ours = inspect.signature(LBFGS.__init__).parameters
    theirs = inspect.signature(torch.optim.LBFGS.__init__).parameters
    assert list(ours) == list(theirs)
    assert [p.default for p in ours.values()] == [p.default for p in theirs.values()]
    assert LBFGS.elementwise is False and LBFGS.needs_closure is True
    for kwargs in ({}, {"max_iter": 9}, {"max_iter": 9, "max_eval": 3}, {"max_iter": 1}):
        params = [nn.Parameter(torch.zeros(2))]
        mine, reference = LBFGS(params, **kwargs), torch.optim.LBFGS(params, **kwargs)
        assert mine.defaults == reference.defaults  # max_eval None is max_iter * 5 // 4
        assert mine.param_groups == reference.param_groups
    groups = [{"params": [nn.Parameter(torch.zeros(2))], "max_iter": 4}]
    mine, reference = (
        LBFGS(copy.deepcopy(groups), max_iter=8),
        torch.optim.LBFGS(groups, max_iter=8),
    )
    assert mine.param_groups[0]["max_eval"] == reference.param_groups[0]["max_eval"] == 10


def test_step_without_a_closure_says_it_needs_one():
    params = [nn.Parameter(torch.zeros(2))]
    with pytest.raises(TypeError):
        torch.optim.LBFGS(params).step()
    for call in (lambda o: o.step(), lambda o: o.step(None)):
        with pytest.raises(TypeError, match=r"needs a closure .* optimizer.step\(closure\)"):
            call(LBFGS(params))


def test_one_parameter_group_only():
    a, b = nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(3))
    groups = [{"params": [a]}, {"params": [b], "lr": 0.1}]
    with pytest.raises(ValueError, match="per-parameter options"):
        torch.optim.LBFGS(copy.copy(groups))
    with pytest.raises(HyperparameterError, match="per-parameter options"):
        LBFGS([dict(g) for g in groups])
    optimizer = LBFGS([a])
    with pytest.raises(ValueError, match="one group"):
        optimizer.add_param_group({"params": [b]})
    assert len(optimizer.param_groups) == 1


def test_an_unknown_line_search_is_a_runtime_error_as_in_torch():
    params = [nn.Parameter(torch.ones(2))]

    def closure() -> torch.Tensor:
        params[0].grad = torch.ones(2)
        return torch.tensor(1.0)

    with pytest.raises(RuntimeError, match="only 'strong_wolfe'"):
        torch.optim.LBFGS(params, line_search_fn="backtracking").step(closure)
    with pytest.raises(RuntimeError, match="line_search_fn must be one of None, 'strong_wolfe'"):
        LBFGS(params, line_search_fn="backtracking")  # refused at once
    with pytest.raises(ValueError):
        LBFGS(params, line_search_fn="backtracking")
    optimizer = LBFGS(params)
    optimizer.param_groups[0]["line_search_fn"] = "backtracking"  # set by hand: at the step
    with pytest.raises(RuntimeError, match="only 'strong_wolfe'"):
        optimizer.step(closure)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"lr": -1.0}, HyperparameterError),
        ({"lr": torch.tensor([0.1, 0.2])}, HyperparameterError),
        ({"max_iter": 0}, HyperparameterError),
        ({"max_iter": 2.5}, HyperparameterTypeError),
        ({"max_eval": 0}, HyperparameterError),
        ({"history_size": 0}, HyperparameterError),
        ({"history_size": torch.tensor(3)}, HyperparameterTypeError),
        ({"tolerance_grad": -1e-7}, HyperparameterError),
        ({"tolerance_change": float("nan")}, HyperparameterError),
        ({"tolerance_grad": "small"}, HyperparameterTypeError),
    ],
    ids=lambda v: repr(v) if isinstance(v, dict) else None,
)
def test_bad_hyperparameters_get_one_line_errors(kwargs, error):
    params = [nn.Parameter(torch.zeros(2))]
    with pytest.raises(error) as caught:
        LBFGS(params, **kwargs)
    message = str(caught.value)
    assert "\n" not in message and message.startswith("LBFGS: ")
    assert caught.value.hyperparameter == next(iter(kwargs))
    if "lr" in kwargs:  # torch refuses these too, with the same type
        with pytest.raises(ValueError):
            torch.optim.LBFGS(params, **kwargs)


def test_a_state_dict_that_does_not_fit_is_refused_and_changes_nothing():
    small = nn.Linear(2, 1)
    adam = torch.optim.Adam(small.parameters())
    small(torch.ones(1, 2)).sum().backward()
    adam.step()
    target = LBFGS(small.parameters())
    with pytest.raises(ValueError, match="does not keep"):
        target.load_state_dict(adam.state_dict())
    other = MLP(torch.float64, contiguous=True)
    source = LBFGS(other.parameters())
    next(steps_of(source, other, range(1)))
    with pytest.raises(ValueError):  # two parameters here, six there
        target.load_state_dict(source.state_dict())
    bigger = nn.Linear(3, 1)
    source = LBFGS([nn.Parameter(torch.zeros(2)), nn.Parameter(torch.zeros(1))])
    source.state[source.param_groups[0]["params"][0]].update(
        {"func_evals": 1, "n_iter": 1, "d": torch.zeros(5)}
    )
    with pytest.raises(ValueError, match="vectors of 4 entries"):
        LBFGS(bigger.parameters()).load_state_dict(source.state_dict())
    assert not target.state
