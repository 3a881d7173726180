"""state_dict: bitwise resume, interchange with torch.optim, clear errors."""

from __future__ import annotations

import copy

import pytest
import torch

from descentlab import optim

from .cases import CASES, CONFIGS, case_id
from .harness import assert_params_close, make_mlp, roundtrip, train

TORCH_CASES = [case for case in CASES if case.reference.__module__.startswith("torch.optim")]


@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=case_id)
def test_resume_from_saved_state_is_bitwise_equal(case, config):
    kwargs = case.configs[config]
    straight = make_mlp(torch.float64)
    interrupted = copy.deepcopy(straight)

    straight_opt = case.ours(straight.parameters(), **kwargs)
    train(straight, straight_opt, range(15))

    first_opt = case.ours(interrupted.parameters(), **kwargs)
    train(interrupted, first_opt, range(5))
    saved = roundtrip({"model": interrupted.state_dict(), "optimizer": first_opt.state_dict()})

    resumed = make_mlp(torch.float64, seed=123)  # different weights until loaded
    resumed.load_state_dict(saved["model"])
    resumed_opt = case.ours(resumed.parameters(), **kwargs)
    resumed_opt.load_state_dict(saved["optimizer"])
    train(resumed, resumed_opt, range(5, 15))

    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        assert torch.equal(p, q)


def _continue_both(case, kwargs, source_is_ours):
    model = make_mlp(torch.float64)
    make_source = case.ours if source_is_ours else case.reference
    extra = {} if source_is_ours else case.reference_kwargs
    source = make_source(model.parameters(), **kwargs, **extra)
    train(model, source, range(5))
    state = roundtrip(source.state_dict())

    other_model = copy.deepcopy(model)
    if source_is_ours:
        target = case.reference(other_model.parameters(), **kwargs, **case.reference_kwargs)
    else:
        target = case.ours(other_model.parameters(), **kwargs)
    target.load_state_dict(state)
    for step in range(5, 12):
        train(model, source, [step])
        train(other_model, target, [step])
        assert_params_close(list(model.parameters()), list(other_model.parameters()), step)


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_our_state_dict_loads_into_torch_and_both_go_on_equal(case):
    for kwargs in case.configs.values():
        _continue_both(case, kwargs, source_is_ours=True)


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_torch_state_dict_loads_into_ours_and_both_go_on_equal(case):
    for kwargs in case.configs.values():
        _continue_both(case, kwargs, source_is_ours=False)


def _trained(case):
    model = make_mlp(torch.float64)
    # the last configuration of every case keeps state (SGD's has momentum)
    optimizer = case.ours(model.parameters(), **list(case.configs.values())[-1])
    train(model, optimizer, range(3))
    return model, optimizer


def _snapshot(optimizer):
    return copy.deepcopy(optimizer.state_dict())


def _assert_unchanged(optimizer, before):
    after = optimizer.state_dict()
    assert after["param_groups"] == before["param_groups"]
    for index, state in before["state"].items():
        for key, value in state.items():
            assert torch.equal(after["state"][index][key], value)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_with_wrong_shape_is_a_clear_error(case):
    _, optimizer = _trained(case)
    state = copy.deepcopy(optimizer.state_dict())
    key = next(k for k, v in state["state"][1].items() if v.dim() > 0)
    state["state"][1][key] = torch.zeros(3, 3, dtype=torch.float64)
    before = _snapshot(optimizer)
    with pytest.raises(ValueError, match=rf"state '{key}' of parameter 1 has shape \(3, 3\), "):
        optimizer.load_state_dict(state)
    _assert_unchanged(optimizer, before)


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_state_dict_with_other_group_count_is_a_clear_error(case):
    model, optimizer = _trained(case)
    state = optimizer.state_dict()
    params = list(model.parameters())
    split = case.ours([{"params": params[:2]}, {"params": params[2:]}])
    before = _snapshot(split)
    with pytest.raises(ValueError, match=r"state_dict has 1 parameter group\(s\), this .* has 2"):
        split.load_state_dict(state)
    _assert_unchanged(split, before)

    fewer = case.ours(params[:3])
    with pytest.raises(ValueError, match=r"group 0 of the state_dict holds 5 parameter\(s\)"):
        fewer.load_state_dict(state)


def test_state_dict_with_bad_hyperparameters_is_refused():
    _, optimizer = _trained(CASES[4])  # adam
    state = copy.deepcopy(optimizer.state_dict())
    state["param_groups"][0]["betas"] = (1.5, 0.999)
    before = _snapshot(optimizer)
    with pytest.raises(ValueError, match=r"^group 0 of the state_dict: Adam: betas\[0\] must be"):
        optimizer.load_state_dict(state)
    state["param_groups"][0]["betas"] = (0.9, 0.999)
    state["param_groups"][0]["lr"] = "fast"
    with pytest.raises(ValueError, match=r"group 0 of the state_dict: Adam: lr: expected a number"):
        optimizer.load_state_dict(state)
    _assert_unchanged(optimizer, before)


def test_state_dict_of_another_optimizer_is_refused():
    model = make_mlp(torch.float64)
    adadelta = optim.Adadelta(model.parameters())
    train(model, adadelta, range(2))
    rmsprop = optim.RMSprop(model.parameters())
    with pytest.raises(
        ValueError,
        match=r"holds state \['acc_delta'\] for parameter 0, which "
        r"RMSprop does not keep .*; was it saved by another optimizer\?",
    ):
        rmsprop.load_state_dict(adadelta.state_dict())


@pytest.mark.parametrize(
    "broken",
    [
        None,
        {"state": None, "param_groups": []},
        {"state": {}, "param_groups": None},
        {"state": {}, "param_groups": [{"lr": 0.1}]},
        {"state": {0: [1, 2]}, "param_groups": [{"params": [0]}]},
    ],
)
def test_malformed_state_dicts_are_refused(broken):
    optimizer = optim.Adam([torch.zeros(2, requires_grad=True)])
    with pytest.raises(ValueError, match=r"^Adam: not an optimizer state_dict"):
        optimizer.load_state_dict(broken)


def test_state_that_is_not_a_tensor_is_refused():
    _, optimizer = _trained(CASES[4])
    state = copy.deepcopy(optimizer.state_dict())
    state["state"][1]["exp_avg"] = state["state"][1]["exp_avg"].tolist()
    with pytest.raises(ValueError, match=r"state 'exp_avg' of parameter 1 is a list, not a tensor"):
        optimizer.load_state_dict(state)


@pytest.mark.parametrize("case", TORCH_CASES, ids=case_id)
def test_old_state_dicts_with_plain_number_steps_load(case):
    model = make_mlp(torch.float64)
    optimizer = case.ours(model.parameters(), **list(case.configs.values())[-1])
    train(model, optimizer, range(2))
    state = copy.deepcopy(optimizer.state_dict())
    for saved in state["state"].values():
        if "step" in saved:
            saved["step"] = 2  # as older torch versions stored it
    reloaded = case.ours(model.parameters(), **list(case.configs.values())[-1])
    reloaded.load_state_dict(state)
    train(model, reloaded, [2])
    assert all(s["step"].item() == 3 for s in reloaded.state.values() if "step" in s)


# SGD and Lion keep a single state tensor: without it a parameter has simply not
# been stepped yet, which is not an error.
@pytest.mark.parametrize("case", [c for c in CASES if c.name not in ("sgd", "lion")], ids=case_id)
def test_state_dict_missing_state_is_a_clear_error(case):
    _, optimizer = _trained(case)
    state = copy.deepcopy(optimizer.state_dict())
    dropped = sorted(state["state"][1])[0]
    del state["state"][1][dropped]
    with pytest.raises(ValueError, match=rf"lacks \['{dropped}'\] for parameter 1"):
        optimizer.load_state_dict(state)
    with pytest.raises(ValueError, match="not an optimizer state_dict"):
        optimizer.load_state_dict({"weights": 1})
