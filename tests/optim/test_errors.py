"""Bad input gets a ValueError or TypeError that says what was wrong and what is allowed."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from descentlab import optim

from .cases import CASES, case_id

EPS_CASES = [c for c in CASES if "eps" in optim.info(c.name).defaults]
BETA_CASES = [c for c in CASES if "betas" in optim.info(c.name).defaults]


def params():
    return [torch.zeros(3, requires_grad=True)]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_negative_lr(case):
    with pytest.raises(ValueError, match=rf"^{case.ours.__name__}: lr must be >= 0, got -0\.1$"):
        case.ours(params(), lr=-0.1)
    with pytest.raises(
        ValueError, match=r"lr must be >= 0, got a tensor with entries in \[-1, 2\]"
    ):
        case.ours(params(), lr=torch.tensor([-1.0, 0.5, 2.0]))


@pytest.mark.parametrize("case", BETA_CASES, ids=case_id)
@pytest.mark.parametrize(
    ("betas", "message"),
    [
        ((1.0, 0.999), r"betas\[0\] must be in \[0, 1\), got 1\.0"),
        ((-0.1, 0.999), r"betas\[0\] must be in \[0, 1\), got -0\.1"),
        ((0.9, 1.5), r"betas\[1\] must be in \[0, 1\), got 1\.5"),
        ((0.9,), r"betas must be a pair of numbers, got \(0\.9,\)"),
    ],
)
def test_betas_outside_unit_interval(case, betas, message):
    with pytest.raises(ValueError, match=message):
        case.ours(params(), betas=betas)


@pytest.mark.parametrize("case", EPS_CASES, ids=case_id)
@pytest.mark.parametrize("eps", [0.0, -1e-8, float("nan")])
def test_eps_must_be_positive(case, eps):
    with pytest.raises(ValueError, match=r"eps must be (finite and )?> 0, got"):
        case.ours(params(), eps=eps)


def test_other_ranges():
    with pytest.raises(ValueError, match=r"SGD: momentum must be >= 0, got -0\.5"):
        optim.SGD(params(), momentum=-0.5)
    with pytest.raises(ValueError, match=r"RMSprop: alpha must be in \[0, 1\], got 1\.5"):
        optim.RMSprop(params(), alpha=1.5)
    with pytest.raises(ValueError, match=r"Adadelta: rho must be in \[0, 1\], got 2"):
        optim.Adadelta(params(), rho=2)
    with pytest.raises(ValueError, match=r"Rprop: etas\[1\] must be > 1, got 0\.9"):
        optim.Rprop(params(), etas=(0.5, 0.9))
    with pytest.raises(ValueError, match=r"Rprop: step_sizes must be \(min, max\) with min <= max"):
        optim.Rprop(params(), step_sizes=(1.0, 0.1))
    with pytest.raises(ValueError, match=r"Adam: weight_decay must be finite and >= 0, got inf"):
        optim.Adam(params(), weight_decay=float("inf"))
    with pytest.raises(ValueError, match=r"^Adam: lr must be finite and >= 0, got an integer of"):
        optim.Adam(params(), lr=10**400)
    with pytest.raises(ValueError, match=r"^Adam: eps: an empty tensor has no value$"):
        optim.Adam(params(), eps=torch.tensor([]))
    with pytest.raises(TypeError, match=r"^Adam: betas must be a pair of numbers, got 0.9$"):
        optim.Adam(params(), betas=0.9)
    with pytest.raises(TypeError, match=r"Adam: amsgrad must be True or False, got 'yes'"):
        optim.Adam(params(), amsgrad="yes")
    with pytest.raises(TypeError, match=r"Adam: lr: expected a number or a tensor, got str"):
        optim.Adam(params(), lr="fast")


@pytest.mark.parametrize(
    "kwargs", [dict(nesterov=True), dict(nesterov=True, momentum=0.9, dampening=0.1)]
)
def test_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(
        ValueError, match=r"SGD: nesterov=True needs momentum > 0 and dampening = 0"
    ):
        optim.SGD(params(), **kwargs)
    with pytest.raises(ValueError, match=r"nesterov=True needs momentum > 0"):
        optim.create("sgd(nesterov=True)", params())


def test_messages_about_tensors_fit_on_one_line():
    momentum = torch.tensor([[0.0], [0.5], [0.9]])
    with pytest.raises(ValueError) as caught:
        optim.SGD([torch.zeros(3, 2, requires_grad=True)], momentum=momentum, nesterov=True)
    message = str(caught.value)
    assert "\n" not in message
    assert "momentum=a tensor with entries in [0, 0.9]" in message


def test_numpy_scalars_are_plain_numbers():
    np = pytest.importorskip("numpy")
    a, b = params(), params()
    for p in a + b:
        p.grad = torch.ones(3)
    optim.Adam(a, lr=np.float32(0.5), betas=(np.float64(0.9), 0.99), amsgrad=np.True_).step()
    optim.Adam(b, lr=0.5, betas=(0.9, 0.99), amsgrad=True).step()
    torch.testing.assert_close(a[0], b[0])


def test_rejected_param_group_is_not_kept():
    optimizer = optim.Adam(params(), lr=0.1)
    with pytest.raises(ValueError, match=r"Adam: lr must be >= 0, got -1"):
        optimizer.add_param_group({"params": [torch.ones(2, requires_grad=True)], "lr": -1})
    assert len(optimizer.param_groups) == 1
    optimizer.add_param_group({"params": [torch.ones(2, requires_grad=True)], "lr": 0.5})
    assert len(optimizer.param_groups) == 2


def test_integer_parameters_are_refused():
    with pytest.raises(TypeError, match=r"parameter 0 has dtype torch.int64; only real floating"):
        optim.Adam([torch.zeros(3, dtype=torch.long)])


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("adma(lr=0.1)", r"unknown optimizer 'adma' \(did you mean 'adam' or .*\); available: sgd"),
        ("rmsprp", r"unknown optimizer 'rmsprp' \(did you mean 'rmsprop'\?\)"),
        ("torch.Adma(lr=0.1)", r"unknown torch optimizer 'torch.Adma' \(did you mean 'Adam' or"),
        ("numpy.Adam", r"unknown optimizer 'numpy.Adam'"),
        ("", r"empty optimizer spec; available: sgd, momentum"),
        ("adam(lr=)", r"malformed optimizer spec 'adam\(lr=\)'.*expected name\(key=value"),
        ("adam(0.1)", r"arguments must be named, as in adam\(lr=0.1, betas"),
        ("adam(**{'lr': 1})", r"\*\* is not allowed"),
        ("adam(lr=__import__('os'))", r"the value of lr must be a number"),
        ("adam(lr=1).step()", r"the name must be a plain word"),
        ("adam(lr=0.1", r"malformed optimizer spec"),
        ("x" * 2000, r"longer than 1000 characters"),
    ],
)
def test_bad_specs(spec, message):
    with pytest.raises(ValueError, match=message):
        optim.create(spec, params())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("adam(lr=0.1, lr=0.2)", r"lr is given twice"),
        ("adam(lr='0.1')", r"^Adam: lr: expected a number or a tensor, got str '0.1'$"),
        ("adam(betas={0.9, 0.99})", r"the value of betas must be a number"),
        ("adam(eps=None)", r"^Adam: eps: expected a number or a tensor, got NoneType None$"),
        ("adam(eps=0)", r"^Adam: eps must be > 0, got 0$"),
        ("muon(adjust_lr_fn=original)", r"a name is written in quotes \(adjust_lr_fn='original'\)"),
        ("rprop(etas=(0.5,))", r"^Rprop: etas must be a pair of numbers, got \(0.5,\)$"),
    ],
)
def test_specs_are_checked_when_parsed(spec, message):
    with pytest.raises((ValueError, TypeError), match=message):
        optim.parse(spec)


def test_spec_lists_become_tuples():
    assert optim.parse("adam(betas=[0.9, 0.99])").label == "adam(betas=(0.9, 0.99))"


def test_info_needs_a_name():
    with pytest.raises(TypeError, match=r"an optimizer name is a string such as 'adam', got None"):
        optim.info(None)


def test_spec_values_are_never_evaluated(capsys):
    with pytest.raises(ValueError, match=r"the value of lr must be a number"):
        optim.parse("adam(lr=print('executed'))")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (
            "adam(lrr=0.1)",
            r"^adam has no hyperparameter 'lrr' \(did you mean 'lr'\?\); accepted: lr, betas, "
            r"eps, weight_decay, amsgrad, maximize, decoupled_weight_decay, foreach, fused$",
        ),
        ("sgd(momentun=0.9)", r"sgd has no hyperparameter 'momentun' \(did you mean 'momentum'"),
        ("torch.Adam(speed=1)", r"torch.Adam has no hyperparameter 'speed'.*; accepted: lr, betas"),
    ],
)
def test_unknown_keywords_list_the_accepted_ones(spec, message):
    with pytest.raises(TypeError, match=message):
        optim.create(spec, params())


DENSE_ONLY = [c for c in CASES if not c.ours.also_sparse]


@pytest.mark.parametrize("case", DENSE_ONLY, ids=case_id)
def test_sparse_gradients_are_refused(case):
    embedding = nn.Embedding(10, 3, sparse=True)
    optimizer = case.ours(embedding.parameters(), **next(iter(case.configs.values())))
    embedding(torch.tensor([1, 2])).sum().backward()
    assert embedding.weight.grad.is_sparse
    before = embedding.weight.detach().clone()
    with pytest.raises(TypeError, match=rf"^{case.ours.__name__}: does not take sparse grad"):
        optimizer.step()
    assert torch.equal(embedding.weight.detach(), before)


@pytest.mark.parametrize("case", DENSE_ONLY, ids=case_id)
def test_a_sparse_gradient_anywhere_stops_the_step_before_any_update(case):
    dense = torch.ones(3, requires_grad=True)
    embedding = nn.Embedding(10, 3, sparse=True)
    optimizer = case.ours([dense, embedding.weight], **next(iter(case.configs.values())))
    ((dense**2).sum() + embedding(torch.tensor([1])).sum()).backward()
    with pytest.raises(RuntimeError, match="does not take sparse gradients"):
        optimizer.step()
    assert torch.equal(dense.detach(), torch.ones(3))
    assert len(optimizer.state[dense]) == 0


@pytest.mark.filterwarnings("ignore:Sparse invariant checks:UserWarning")
def test_adagrad_takes_sparse_gradients_as_torch_does():
    embeddings = [nn.Embedding(10, 3, sparse=True) for _ in range(2)]
    embeddings[1].load_state_dict(embeddings[0].state_dict())
    ours = optim.Adagrad(embeddings[0].parameters(), lr=0.1)
    theirs = torch.optim.Adagrad(embeddings[1].parameters(), lr=0.1, foreach=False)
    for rows in ([1, 2, 2], [2, 5], [0, 9, 1]):
        for embedding, optimizer in zip(embeddings, (ours, theirs), strict=True):
            optimizer.zero_grad()
            embedding(torch.tensor(rows)).pow(2).sum().backward()
            assert embedding.weight.grad.is_sparse
            optimizer.step()
        torch.testing.assert_close(embeddings[0].weight, embeddings[1].weight)
    untouched = [3, 4, 6, 7, 8]  # never looked up: neither the weights nor the sums move
    torch.testing.assert_close(ours.state[embeddings[0].weight]["sum"][untouched],
                               torch.zeros(5, 3))  # fmt: skip


@pytest.mark.parametrize("cls", [optim.Adagrad, torch.optim.Adagrad], ids=["ours", "torch"])
def test_adagrad_refuses_weight_decay_with_sparse_gradients_at_the_step(cls):
    embedding = nn.Embedding(10, 3, sparse=True)
    optimizer = cls(embedding.parameters(), weight_decay=0.1)
    embedding(torch.tensor([1, 2])).sum().backward()
    with pytest.raises(RuntimeError, match="weight_decay"):
        optimizer.step()
