"""The torch.optim.Optimizer contract: groups, zero_grad, closures, hooks, maximize."""

from __future__ import annotations

import copy

import pytest
import torch

from descentlab import optim

from .cases import CASES, case_id
from .harness import assert_params_close, assert_states_close, make_mlp, mlp_loss

TORCH_CASES = [case for case in CASES if case.reference.__module__.startswith("torch.optim")]


def first_config(case):
    return next(iter(case.configs.values()))


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_add_param_group_after_some_steps_matches_reference(case):
    kwargs = first_config(case)
    ours_model = make_mlp(torch.float64)
    theirs_model = copy.deepcopy(ours_model)
    # the output layer joins later, in a group of its own with a smaller lr
    ours = case.ours(ours_model.hidden.parameters(), **kwargs)
    theirs = case.reference(theirs_model.hidden.parameters(), **kwargs, **case.reference_kwargs)
    lr = ours.defaults["lr"] / 2
    for step in range(10):
        if step == 4:
            ours.add_param_group({"params": list(ours_model.out.parameters()), "lr": lr})
            theirs.add_param_group({"params": list(theirs_model.out.parameters()), "lr": lr})
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            optimizer.zero_grad()
            mlp_loss(model, step).backward()
            optimizer.step()
        params = list(ours_model.parameters()), list(theirs_model.parameters())
        assert_params_close(*params, step)
        assert_states_close(ours, theirs, params)
    assert len(ours.param_groups) == 2 and ours.param_groups[1]["lr"] == lr


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_zero_grad_clears_or_zeroes(case):
    model = make_mlp(torch.float64)
    optimizer = case.ours(model.parameters(), **first_config(case))
    mlp_loss(model, 0).backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(torch.count_nonzero(p.grad) == 0 for p in model.parameters())
    mlp_loss(model, 0).backward()
    optimizer.zero_grad()
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_closure_is_called_and_its_loss_returned(case):
    kwargs = first_config(case)
    with_closure = make_mlp(torch.float64)
    by_hand = copy.deepcopy(with_closure)
    opt_a = case.ours(with_closure.parameters(), **kwargs)
    opt_b = case.ours(by_hand.parameters(), **kwargs)
    calls = []

    def closure():
        calls.append(1)
        opt_a.zero_grad()
        loss = mlp_loss(with_closure, 0)
        loss.backward()
        return loss

    returned = opt_a.step(closure)
    opt_b.zero_grad()
    expected = mlp_loss(by_hand, 0)
    expected.backward()
    assert opt_b.step() is None
    assert calls == [1]
    torch.testing.assert_close(returned, expected)
    assert_params_close(list(with_closure.parameters()), list(by_hand.parameters()), 0)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_parameters_without_grad_are_left_alone(case):
    used = torch.tensor([1.0, -2.0], requires_grad=True)
    unused = torch.tensor([3.0, 4.0], requires_grad=True)
    optimizer = case.ours([used, unused], **first_config(case))
    for _ in range(3):
        optimizer.zero_grad()
        (used**2).sum().backward()
        optimizer.step()
    assert torch.equal(unused.detach(), torch.tensor([3.0, 4.0]))
    assert unused.grad is None
    assert not torch.equal(used.detach(), torch.tensor([1.0, -2.0]))
    if case.name != "adagrad":  # Adagrad, as torch's, sets up state for all at once
        assert len(optimizer.state[unused]) == 0


# learning rates that make clear progress on f(x) = (x - 1)^2 from x = 3 in 30 steps
PROGRESS_LR = {"adadelta": 10.0, "asgd": 0.05, "lion": 0.05, "sgd": 0.05}


MAXIMIZING = [n for n in optim.available() if "maximize" in optim.info(n).hyperparameters]
# a matrix, which Muon needs, away from the minimum of (W - T)^2
TARGET = torch.tensor([[1.0, -1.0], [0.5, 2.0]], dtype=torch.float64)


def _gradient_as_taken(optimizer, x: torch.Tensor) -> None:
    if getattr(optimizer, "sparse_gradients", False):
        x.grad = x.grad.to_sparse()


@pytest.mark.parametrize("name", MAXIMIZING)
def test_maximize_climbs_and_minimize_descends(name):
    lr = PROGRESS_LR.get(name, 0.1)
    results = {}
    for maximize in (False, True):
        x = torch.tensor([[3.0]], dtype=torch.float64, requires_grad=True)
        optimizer = optim.create(f"{name}(lr={lr}, maximize={maximize})", [x])
        sign = -1.0 if maximize else 1.0  # maximize the concave -(x-1)^2
        values = []
        for _ in range(30):
            optimizer.zero_grad()
            value = sign * (x - 1) ** 2
            value.sum().backward()
            _gradient_as_taken(optimizer, x)
            optimizer.step()
            values.append(value.item())
        results[maximize] = values
    assert results[False][-1] < 0.5 * results[False][0], f"{name} did not descend"
    assert results[True][-1] > 0.5 * results[True][0], f"{name} did not climb"


@pytest.mark.parametrize("name", optim.available())
def test_every_optimizer_descends_a_quadratic(name):
    """Each with a learning rate that suits the problem (L-BFGS, Prodigy and Schedule-Free
    SGD at their defaults), a closure for the methods that need one, and measured where
    each measures (Schedule-Free at its averaged weights)."""
    from descentlab.optim.averaging import measuring, start_training

    x = torch.full((2, 2), 3.0, dtype=torch.float64, requires_grad=True)
    lr = {"sgd": 0.1, "momentum": 0.05, "nesterov": 0.05, "adam": 0.1, "amsgrad": 0.1,
          "adamw": 0.1, "adamax": 0.1, "nadam": 0.1, "radam": 0.1, "lion": 0.05, "rprop": 0.1,
          "asgd": 0.1, "sparseadam": 0.1, "muon": 0.1, "adagrad": 0.5, "rmsprop": 0.05,
          "adadelta": 50.0, "adafactor": 0.1, "muon_adamw": 0.5,
          "adamw_schedulefree": 0.1}  # fmt: skip
    spec = f"{name}(lr={lr[name]})" if name in lr else name
    optimizer = start_training(optim.create(spec, [x]))

    def loss() -> torch.Tensor:
        return ((x - TARGET) ** 2).sum()

    def closure() -> torch.Tensor:
        optimizer.zero_grad()
        value = loss()
        value.backward()
        _gradient_as_taken(optimizer, x)
        return value

    first = loss().item()
    for _ in range(60):
        optimizer.step(closure)
    with measuring(optimizer), torch.no_grad():
        last = loss().item()
    assert last < 0.1 * first, f"{name}: {first:.3g} -> {last:.3g}"


def test_rmsprop_momentum_and_centering_can_be_switched_on_later():
    x = torch.tensor([1.0, -2.0], dtype=torch.float64, requires_grad=True)
    optimizer = optim.RMSprop([x], lr=0.01)
    for step in range(4):
        if step == 1:
            optimizer.param_groups[0]["momentum"] = 0.9
            optimizer.param_groups[0]["centered"] = True
        optimizer.zero_grad()
        (x**2).sum().backward()
        optimizer.step()
    assert set(optimizer.state[x]) == {"step", "square_avg", "momentum_buffer", "grad_avg"}
    assert torch.count_nonzero(optimizer.state[x]["momentum_buffer"]) == 2


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_step_hooks_run(case):
    x = torch.tensor([1.0], requires_grad=True)
    optimizer = case.ours([x], **first_config(case))
    seen = []
    optimizer.register_step_pre_hook(lambda opt, args, kwargs: seen.append("pre"))
    optimizer.register_step_post_hook(lambda opt, args, kwargs: seen.append("post"))
    x.grad = torch.ones(1)
    optimizer.step()
    assert seen == ["pre", "post"]


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_hyperparameter_names_and_defaults_match_torch(case):
    import inspect

    torch_only = {"foreach", "capturable", "differentiable", "fused"}
    ours = inspect.signature(case.ours.__init__).parameters
    theirs = inspect.signature(case.reference.__init__).parameters
    names = [n for n in theirs if n not in torch_only]
    # the implementation switches torch has, ours takes too, keyword-only, default None
    switches = [n for n in ("foreach", "fused") if n in ours]
    assert switches == list(case.ours.switches)
    assert list(ours) == names + switches
    for name in switches:
        assert ours[name].kind == inspect.Parameter.KEYWORD_ONLY and ours[name].default is None
    for name in names:
        assert ours[name].default == theirs[name].default, name
    # positionally, ours agree with torch up to torch's first torch-only argument
    first_torch_only = min(i for i, n in enumerate(theirs) if n in torch_only)
    for name in list(theirs)[:first_torch_only]:
        assert ours[name].kind == theirs[name].kind, name


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_every_class_says_whether_it_is_elementwise_and_documents_itself(case):
    assert case.ours.elementwise is True
    assert case.ours.summary and case.ours.reference
    assert "\\theta_t" in case.ours.formula
