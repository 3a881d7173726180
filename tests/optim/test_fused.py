"""fused=True (and foreach=True): the same rule compiled over all of a group's tensors.

Every elementwise optimizer's compiled step must equal its default step within float32
rounding, keep the same state (so state_dicts move between the two paths, and to and
from torch's fused kernels), take new hyperparameter values without recompiling, and
refuse what the default path refuses.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch._dynamo.utils import counters

from descentlab import optim
from descentlab.errors import GradientError, HyperparameterError, HyperparameterTypeError
from descentlab.optim import fused as fused_steps

from .cases import CASES, case_id
from .harness import Sized, assert_states_close, make_mlp, mlp_steps, train

FUSABLE = [case for case in CASES if case.ours.switches]
# every configuration of Adam, the first and last of the others (each configuration is
# a compile of its own)
CONFIGS = [
    (case, name)
    for case in FUSABLE
    for name in (
        case.configs
        if case.name == "adam"
        else dict.fromkeys([next(iter(case.configs)), list(case.configs)[-1]])
    )
]
TOL = {"rtol": 2e-5, "atol": 2e-6}  # float32 rounding of the scalar factors, over 12 steps


def test_every_elementwise_optimizer_takes_both_switches():
    names = {case.ours.__name__ for case in FUSABLE}
    assert names == {
        "SGD", "Adagrad", "RMSprop", "Adadelta", "Adam", "AdamW", "Adamax", "NAdam",
        "RAdam", "ASGD", "Rprop", "Lion",
    }  # fmt: skip
    for cls in (optim.LBFGS, optim.SparseAdam, optim.Muon, optim.Prodigy, optim.Adafactor):
        assert cls.switches == ()
        with pytest.raises(TypeError, match="fused"):
            cls([torch.zeros(2, 2, requires_grad=True)], fused=True)


@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=lambda v: case_id(v))
def test_the_compiled_step_equals_the_default_step(case, config):
    kwargs = case.configs[config]
    default_model = make_mlp(torch.float32)
    fused_model = copy.deepcopy(default_model)
    default = case.ours(default_model.parameters(), **kwargs)
    fused = case.ours(fused_model.parameters(), **kwargs, fused=True)
    # a dropped gradient (step 3) and a frozen layer (steps 6-8) leave step counts apart
    steps = mlp_steps(default_model, default, 12), mlp_steps(fused_model, fused, 12)
    for _ in zip(*steps, strict=True):
        pass
    assert any(key[0] is case.ours for key in fused_steps._KERNELS)  # it went the fast path
    for p, q in zip(default_model.parameters(), fused_model.parameters(), strict=True):
        torch.testing.assert_close(q, p, **TOL)
    assert_states_close(
        fused, default, (list(fused_model.parameters()), list(default_model.parameters())), **TOL
    )


def test_the_kernel_is_compiled_and_a_new_lr_is_an_input_not_a_recompile():
    model = make_mlp(torch.float32, seed=1)
    reference = copy.deepcopy(model)
    fused = optim.Adam(model.parameters(), lr=0.01, fused=True)
    default = optim.Adam(reference.parameters(), lr=0.01)
    runs = [
        (o, m, torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5))
        for o, m in ((fused, model), (default, reference))
    ]
    for o, m, _ in runs:
        train(m, o, range(3))  # the first step is eager, the next ones compile
    graphs = counters["stats"]["unique_graphs"]
    for step in range(3, 12):
        for o, m, schedule in runs:
            train(m, o, [step])
            schedule.step()
            o.param_groups[0]["betas"] = (0.8, 0.99 - step / 1000)
    assert counters["stats"]["unique_graphs"] == graphs  # lr and betas changed nine times
    assert fused.param_groups[0]["lr"] == 0.01 * 0.5**4
    for p, q in zip(reference.parameters(), model.parameters(), strict=True):
        torch.testing.assert_close(q, p, **TOL)


def test_foreach_is_the_same_fast_path_and_sized_tensors_of_both_dtypes_work():
    for dtype in (torch.float32, torch.float64):
        models = [Sized(dtype, seed=3) for _ in range(3)]
        optimizers = [
            optim.NAdam(models[0].parameters(), lr=0.01),
            optim.NAdam(models[1].parameters(), lr=0.01, foreach=True),
            optim.NAdam(models[2].parameters(), lr=0.01, fused=True),
        ]
        for step in range(6):
            for model, optimizer in zip(models, optimizers, strict=True):
                optimizer.zero_grad()
                model.loss(step).backward()
                optimizer.step()
        # in float64 too, the compiled step takes a few scalar factors in float32, as
        # the step count is kept (NAdam's 1 - mu_product)
        tol = TOL if dtype == torch.float32 else {"rtol": 1e-7, "atol": 1e-9}
        for fast in models[1:]:
            for p, q in zip(models[0].parameters(), fast.parameters(), strict=True):
                assert q.dtype == dtype
                torch.testing.assert_close(q, p, **tol)
        strided = models[2].strided
        assert not strided.is_contiguous()  # stepped in place, strides kept


@pytest.mark.parametrize("case", FUSABLE[:3] + FUSABLE[4:5], ids=case_id)
def test_one_value_per_row_compiles_too(case):
    name, values = next(iter(case.per_row.items()))
    column = torch.tensor(values).reshape(-1, 1)
    start = torch.randn(len(values), 4, generator=torch.Generator().manual_seed(0))
    a, b = start.clone().requires_grad_(), start.clone().requires_grad_()
    default = case.ours([a], **{name: column})
    fused = case.ours([b], **{name: column}, fused=True)
    for step in range(6):
        for p, o in ((a, default), (b, fused)):
            o.zero_grad()
            (torch.sin(p) * (step + 1) + p**2).sum().backward()
            o.step()
    torch.testing.assert_close(b, a, **TOL)


def test_state_dicts_move_between_the_default_path_the_fused_one_and_torchs_fused_adam():
    def run(make, model, steps, state=None):
        optimizer = make(model.parameters())
        if state is not None:  # a copy: loading shares the tensors, as torch's does
            optimizer.load_state_dict(copy.deepcopy(state))
            assert optimizer.param_groups[0]["fused"] == optimizer.defaults["fused"]  # kept
        train(model, optimizer, steps)
        return optimizer

    start = make_mlp(torch.float32, seed=2)
    ours = copy.deepcopy(start)
    saved = run(lambda p: optim.Adam(p, lr=0.01), ours, range(4)).state_dict()
    assert saved["param_groups"][0]["fused"] is None  # the keys torch's groups hold
    resumed = copy.deepcopy(ours)
    fused = run(lambda p: optim.Adam(p, lr=0.01, fused=True), resumed, range(4, 9), saved)
    straight = copy.deepcopy(ours)
    run(lambda p: optim.Adam(p, lr=0.01), straight, range(4, 9), saved)
    for p, q in zip(straight.parameters(), resumed.parameters(), strict=True):
        torch.testing.assert_close(q, p, **TOL)
    # and back: our fused state_dict into torch's fused Adam, and torch's into ours
    theirs = copy.deepcopy(resumed)
    torch_fused = torch.optim.Adam(theirs.parameters(), lr=0.01, fused=True)
    torch_fused.load_state_dict(copy.deepcopy(fused.state_dict()))
    ours_again = copy.deepcopy(resumed)
    back = optim.Adam(ours_again.parameters(), lr=0.01, fused=True)
    back.load_state_dict(copy.deepcopy(torch_fused.state_dict()))
    train(theirs, torch_fused, range(9, 14))
    train(ours_again, back, range(9, 14))
    for p, q in zip(theirs.parameters(), ours_again.parameters(), strict=True):
        torch.testing.assert_close(q, p, **TOL)
    assert {s["step"].item() for s in back.state.values()} == {14.0}


def test_bad_switches_are_refused_in_one_line():
    p = [torch.zeros(3, requires_grad=True)]
    with pytest.raises(HyperparameterError, match="fused=True and foreach=True cannot be used"):
        optim.Adam(p, fused=True, foreach=True)
    with pytest.raises(HyperparameterTypeError, match="fused must be True, False or None, got 1"):
        optim.SGD(p, lr=0.1, fused=1)
    with pytest.raises(
        TypeError, match=r"SGD has no hyperparameter 'fuse' \(did you mean 'fused'\?\)"
    ):
        optim.SGD(p, lr=0.1, fuse=True)
    embedding = torch.nn.Embedding(5, 2, sparse=True)
    adagrad = optim.Adagrad(embedding.parameters(), fused=True)
    embedding(torch.tensor([1, 3])).sum().backward()
    with pytest.raises(GradientError, match="fused=True does not take sparse gradients"):
        adagrad.step()
    assert torch.equal(embedding.weight, embedding.weight)  # nothing was stepped


def test_a_state_dict_with_both_switches_on_is_refused():
    p = [torch.zeros(3, requires_grad=True)]
    saved = optim.Adam(p).state_dict()
    saved["param_groups"][0].update(fused=True, foreach=True)
    with pytest.raises(ValueError, match=r"group 0 of the state_dict: .*cannot be used together"):
        optim.Adam(p).load_state_dict(saved)


def test_fused_adam_stays_with_torchs_default_adam_on_a_relu_network():
    # float32 bias corrections (1 - 0.999^t with beta2 rounded to float32) drift by
    # 2e-3 here in 20 steps: dead ReLUs give v near zero, which divides the error up
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(20, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
    reference = copy.deepcopy(model)
    x, y = torch.randn(128, 20), torch.randn(128, 1)
    ours = optim.Adam(model.parameters(), lr=1e-2, fused=True)
    theirs = torch.optim.Adam(reference.parameters(), lr=1e-2)
    for net, opt in ((model, ours), (reference, theirs)):
        for _ in range(20):
            opt.zero_grad()
            torch.nn.functional.mse_loss(net(x), y).backward()
            opt.step()
    for p, q in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(p, q, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize(
    ("dtype", "tol"),
    [(torch.float32, 1e-6), (torch.float16, 2e-3), (torch.bfloat16, 1e-2)],
    ids=str,
)
def test_a_0_d_parameter_steps_as_torch_steps_it_in_every_float_dtype(dtype, tol):
    # a scalar such as a learnable temperature: no dimension wins type promotion, so
    # the float64 factors must still land in the parameter's own dtype (bfloat16 rounds
    # 0.999 to 1, which would make 1 - beta2 zero and the step NaN)
    ours = torch.tensor(1.0, dtype=dtype, requires_grad=True)
    theirs = ours.detach().clone().requires_grad_()
    fused = optim.Adam([ours], lr=0.01, betas=(0.9, 0.999), weight_decay=0.01, fused=True)
    reference = torch.optim.Adam([theirs], lr=0.01, weight_decay=0.01, foreach=False)
    for step in range(8):
        for p, o in ((ours, fused), (theirs, reference)):
            o.zero_grad()
            ((p - 0.3 * step) ** 2).backward()
            o.step()
    assert ours.dtype == dtype and torch.isfinite(ours)
    torch.testing.assert_close(ours, theirs, rtol=tol, atol=tol)
