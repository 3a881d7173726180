"""Errors as data: a refusal carries what it is about in fields, so faces format it
without reading the message."""

from __future__ import annotations

import pickle

import pytest
import torch

from descentlab import landscapes, optim
from descentlab.errors import HyperparameterError, HyperparameterProblem, HyperparameterTypeError


def params() -> list[torch.Tensor]:
    return [torch.zeros(3, requires_grad=True)]


@pytest.mark.parametrize(
    ("build", "kind", "owner", "name", "reason"),
    [
        (lambda: optim.Adam(params(), lr=-1), HyperparameterError, "Adam", "lr",
         "lr must be >= 0, got -1"),
        (lambda: optim.Adam(params(), betas=(0.9, 1.0)), HyperparameterError, "Adam", "betas",
         "betas[1] must be in [0, 1), got 1.0"),
        (lambda: optim.Adam(params(), betas=0.9), HyperparameterTypeError, "Adam", "betas",
         "betas must be a pair of numbers, got 0.9"),
        (lambda: optim.SGD(params(), nesterov=1),
         HyperparameterTypeError, "SGD", "nesterov", "nesterov must be True or False, got 1"),
        (lambda: optim.SGD(params(), momentum=0.0, nesterov=True), HyperparameterError, "SGD",
         "nesterov", "nesterov=True needs momentum > 0 and dampening = 0, got momentum=0.0, "
         "dampening=0.0"),
        (lambda: optim.RMSprop(params(), lr=torch.ones(2)), HyperparameterError, "RMSprop", "lr",
         "hyperparameter lr has shape (2,), which does not broadcast to parameter 0 of shape "
         "(3,)"),
    ],
)  # fmt: skip
def test_a_refused_hyperparameter_names_its_optimizer_and_itself(build, kind, owner, name, reason):
    with pytest.raises(kind) as caught:
        build()
    error = caught.value
    assert isinstance(error, HyperparameterProblem)
    assert (error.optimizer, error.hyperparameter, error.reason) == (owner, name, reason)
    assert str(error) == f"{owner}: {reason}"
    again = pickle.loads(pickle.dumps(error))  # crosses process boundaries intact
    assert (type(again), again.hyperparameter, str(again)) == (kind, name, str(error))


def test_the_refusal_types_are_still_value_and_type_errors():
    assert issubclass(HyperparameterError, ValueError)
    assert issubclass(HyperparameterTypeError, TypeError)


@pytest.mark.parametrize("text", ["x +", "x ^ 2", "__import__('os')", "y**"])
def test_a_bad_expression_carries_its_text(text):
    with pytest.raises(landscapes.ExpressionError) as caught:
        landscapes.from_expression(text)
    assert caught.value.expression == text
    assert pickle.loads(pickle.dumps(caught.value)).expression == text


def test_a_bad_domain_is_not_blamed_on_the_text():
    with pytest.raises(landscapes.ExpressionError) as caught:
        landscapes.from_expression("x**2", domain=(1, -1))
    assert caught.value.expression is None
