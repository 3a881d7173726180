"""The graph pass that computes a rule's scalar factors once, ahead of its vector loops."""

from __future__ import annotations

import torch
from torch.fx.experimental.proxy_tensor import make_fx

from descentlab.optim.hoist import HoistScalars


def adam_like(param, m, step, lr, beta):
    """A rule's shape: 0-d factors from a step count, used by a vector update."""
    t = step + 1
    correction = 1 - beta**t
    return param - (lr / correction) * m, t


def inputs():
    torch.manual_seed(0)
    return (torch.randn(37), torch.randn(37), torch.tensor(4.0), torch.tensor(0.1),
            torch.tensor(0.9))  # fmt: skip


def hoisted():
    graph_module = make_fx(adam_like)(*inputs())
    HoistScalars()(graph_module.graph)
    graph_module.recompile()
    return graph_module


def test_the_scalar_part_moves_ahead_of_every_vector_operation():
    nodes = [n for n in hoisted().graph.nodes if n.op == "call_function"]
    barrier = [i for i, n in enumerate(nodes) if "hoist" in str(n.target)]
    assert len(barrier) == 1
    ranks = [n.meta["val"].ndim for n in nodes[: barrier[0]]]
    assert ranks and set(ranks) == {0}  # step + 1, pow, 1 - ..., lr / ...
    assert any("pow" in str(n.target) for n in nodes[: barrier[0]])
    assert not any("pow" in str(n.target) for n in nodes[barrier[0] :])


def test_vector_operations_read_the_factors_through_the_barrier():
    graph = hoisted().graph
    for node in graph.nodes:
        value = node.meta.get("val")
        if node.op != "call_function" or "hoist" in str(node.target) or value.ndim == 0:
            continue
        for source in node.all_input_nodes:  # a factor computed, not an input loaded
            if source.op == "call_function" and source.meta["val"].ndim == 0:
                assert source.target is torch.ops.aten.select.int, node


def test_the_hoisted_graph_computes_what_the_rule_computes():
    expected_param, expected_step = adam_like(*inputs())
    param, step = hoisted()(*inputs())
    torch.testing.assert_close(param, expected_param, rtol=0, atol=0)
    assert step.item() == expected_step.item() == 5.0


def test_a_graph_without_vector_users_of_scalars_is_left_as_it_was():
    graph_module = make_fx(lambda x, y: x * y + 1)(torch.randn(5), torch.randn(5))
    before = [n.target for n in graph_module.graph.nodes]
    HoistScalars()(graph_module.graph)
    assert [n.target for n in graph_module.graph.nodes] == before


def test_random_draws_are_neither_merged_nor_moved():
    def noisy(x):
        return x * torch.rand(()) + x * torch.rand(())

    graph_module = make_fx(noisy)(torch.ones(4))
    HoistScalars()(graph_module.graph)
    graph_module.recompile()
    draws = [n for n in graph_module.graph.nodes if "rand" in str(n.target)]
    assert len(draws) == 2
    torch.manual_seed(3)
    first = graph_module(torch.ones(4))
    torch.manual_seed(3)
    assert torch.equal(first, noisy(torch.ones(4)))


def test_each_tensors_copy_of_the_same_factor_is_computed_once():
    def two_tensors(a, b, beta):
        return a * (1 - beta) + b * (1 - beta)

    graph_module = make_fx(two_tensors)(torch.randn(4), torch.randn(4), torch.tensor(0.9))
    HoistScalars()(graph_module.graph)
    graph_module.recompile()
    targets = [str(n.target) for n in graph_module.graph.nodes]
    assert targets.count("aten.rsub.Scalar") == 1
    a, b = torch.randn(4), torch.randn(4)
    torch.testing.assert_close(graph_module(a, b, torch.tensor(0.9)), (a + b) * 0.1)
