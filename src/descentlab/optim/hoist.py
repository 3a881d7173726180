"""Scalar factors computed once per call, before the loops over the tensors.

An update rule computes 0-d factors from its step count and hyperparameters (Adam's
``1 - beta1^t`` and ``lr / (1 - beta1^t)``). Inductor inlines such a factor into the
vector loop of each tensor that uses it, and since it reads the factor's inputs through
pointers it cannot prove unaliased with the loop's outputs, it computes the factor
again for every 16 elements: two ``pow`` per vector for Adam, which halved its speed.
torch's fused kernels compute those factors once, outside the loop.

`HoistScalars` is an inductor graph pass that does the same to any rule, so no rule is
rewritten: every pure 0-d computation that depends only on 0-d inputs moves to the top
of the graph (each distinct computation once), and the factors the vector loops read
pass through one opaque operator (`hoist`, a stack). Inductor cannot inline through
it, so the loops load each factor as a number computed once.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import torch
from torch import Tensor
from torch._inductor.custom_graph_pass import CustomGraphPass
from torch.fx import Graph, Node

# defined on the dispatcher directly: torch.library.custom_op's Python layers cost
# more per call than a small model's whole step saves
_LIBRARY = torch.library.Library("descentlab", "DEF")
_LIBRARY.define("hoist(Tensor[] factors) -> Tensor")


def hoist(factors: list[Tensor]) -> Tensor:
    """The 0-d ``factors`` as one vector: a barrier inductor does not inline through."""
    return torch.stack(factors)


_LIBRARY.impl("hoist", hoist, "CompositeExplicitAutograd")


@torch.library.register_fake("descentlab::hoist", lib=_LIBRARY)
def _hoist_shape(factors: list[Tensor]) -> Tensor:
    return factors[0].new_empty(len(factors))


def _value(node: Node) -> Tensor | None:
    value = node.meta.get("val")
    return value if isinstance(value, Tensor) else None


def _is_scalar(node: Node) -> bool:
    value = _value(node)
    return value is not None and value.ndim == 0


def _is_vector(node: Node) -> bool:
    value = _value(node)
    return value is not None and value.ndim > 0


def _is_pure(node: Node) -> bool:
    target = node.target
    return (
        isinstance(target, torch._ops.OpOverload)
        and not target._schema.is_mutable
        and torch.Tag.nondeterministic_seeded not in target.tags  # two draws are two
    )


class HoistScalars(CustomGraphPass):
    """Move the scalar part of a graph ahead of its vector part, behind one barrier."""

    def __call__(self, graph: Graph) -> None:
        scalar: set[Node] = set()
        moved: list[Node] = []
        seen: dict[tuple[Any, ...], Node] = {}
        for node in list(graph.nodes):
            if not _is_scalar(node) or not all(i in scalar for i in node.all_input_nodes):
                continue
            if node.op == "placeholder":
                scalar.add(node)
            elif node.op == "call_function" and _is_pure(node):
                key = (node.target, node.args, node.kwargs)  # fx keeps these hashable
                if key in seen:  # each tensor's copy of 1 - beta1 is the same factor
                    node.replace_all_uses_with(seen[key])
                    graph.erase_node(node)
                    continue
                seen[key] = node
                scalar.add(node)
                moved.append(node)
        factors = [n for n in moved if _feeds_vectors(n) and _value(n).dtype.is_floating_point]
        if not factors:
            return
        cursor = [n for n in graph.nodes if n.op == "placeholder"][-1]
        for node in moved:  # in graph order, so each still follows its inputs
            cursor.append(node)
            cursor = node
        kinds: dict[tuple[torch.dtype, torch.device], list[Node]] = {}
        for factor in factors:
            kinds.setdefault((_value(factor).dtype, _value(factor).device), []).append(factor)
        for same in kinds.values():  # one stack per dtype and device
            cursor = _barrier(graph, cursor, same)
        graph.lint()

    def uuid(self) -> str:
        """Inductor's on-disk cache keys compiled graphs by this pass's source."""
        return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _barrier(graph: Graph, cursor: Node, factors: list[Node]) -> Node:
    """Route the vector users of ``factors`` through one `hoist` placed after ``cursor``;
    the last node placed."""
    with graph.inserting_after(cursor):
        stacked = graph.call_function(torch.ops.descentlab.hoist.default, (factors,))
    stacked.meta["val"] = _value(factors[0]).new_empty(len(factors))
    cursor = stacked
    for index, factor in enumerate(factors):
        with graph.inserting_after(cursor):
            cursor = graph.call_function(torch.ops.aten.select.int, (stacked, 0, index))
        cursor.meta["val"] = stacked.meta["val"][index]
        for user in list(factor.users):
            if user is not stacked and _is_vector(user):
                user.replace_input_with(factor, cursor)
    return cursor


def _feeds_vectors(node: Node) -> bool:
    return any(_is_vector(user) for user in node.users)


OPTIONS = {"post_grad_custom_post_pass": HoistScalars()}
