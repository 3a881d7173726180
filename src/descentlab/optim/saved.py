"""Checks that a saved state_dict fits an optimizer before it is loaded."""

from __future__ import annotations

from typing import Any

from torch import Tensor


def check_state_dict(optimizer: Any, state_dict: Any) -> None:
    """Raise ValueError, changing nothing, unless ``state_dict`` fits ``optimizer``: the same
    groups and parameters, allowed hyperparameters, known state of the right shapes."""
    well_formed = (
        isinstance(state_dict, dict)
        and isinstance(state_dict.get("state"), dict)
        and isinstance(state_dict.get("param_groups"), list | tuple)
        and all(
            isinstance(g, dict) and isinstance(g.get("params"), list | tuple)
            for g in state_dict["param_groups"]
        )
        and all(isinstance(s, dict) for s in state_dict["state"].values())
    )
    if not well_formed:
        raise ValueError(
            f"{optimizer.name}: not an optimizer state_dict (expected a dict with 'state', "
            "a dict per parameter, and 'param_groups', a list of dicts with 'params')"
        )
    saved_groups, saved_state = state_dict["param_groups"], state_dict["state"]
    if len(saved_groups) != len(optimizer.param_groups):
        raise ValueError(
            f"{optimizer.name}: the state_dict has {len(saved_groups)} parameter group(s), "
            f"this optimizer has {len(optimizer.param_groups)}"
        )
    for g, (saved, group) in enumerate(zip(saved_groups, optimizer.param_groups, strict=True)):
        if len(saved["params"]) != len(group["params"]):
            raise ValueError(
                f"{optimizer.name}: group {g} of the state_dict holds {len(saved['params'])} "
                f"parameter(s), this optimizer's holds {len(group['params'])}"
            )
        merged = {**optimizer.defaults, **{k: v for k, v in saved.items() if k != "params"}}
        try:
            optimizer._check_group(merged)
        except (ValueError, TypeError) as error:
            raise ValueError(f"group {g} of the state_dict: {error}") from None
        for pid, p in zip(saved["params"], group["params"], strict=True):
            _check_saved_state(optimizer, saved_state.get(pid, {}), p, pid, merged)


def _check_saved_state(
    optimizer: Any, saved: dict[str, Any], p: Tensor, pid: int, group: dict[str, Any]
) -> None:
    if not saved:
        return
    unknown = saved.keys() - optimizer.state_keys
    if unknown:
        raise ValueError(
            f"{optimizer.name}: the state_dict holds state {sorted(unknown)} for parameter "
            f"{pid}, which {optimizer.name} does not keep (it keeps "
            f"{', '.join(sorted(optimizer.state_keys))}); was it saved by another optimizer?"
        )
    expected: dict[str, Any] = {}
    optimizer.init_state(p, expected, optimizer.hyperparameters(group, p))
    missing = expected.keys() - saved.keys()
    if missing:
        raise ValueError(
            f"{optimizer.name}: the state_dict lacks {sorted(missing)} for parameter {pid}"
        )
    for key, value in saved.items():
        if key == "step" or (key in optimizer.scalar_state and not isinstance(value, Tensor)):
            continue  # a plain number is converted on load
        if not isinstance(value, Tensor):
            raise ValueError(
                f"{optimizer.name}: state {key!r} of parameter {pid} is a "
                f"{type(value).__name__}, not a tensor"
            )
        want = expected[key].shape if key in expected else p.shape
        if value.shape != want:
            raise ValueError(
                f"{optimizer.name}: state {key!r} of parameter {pid} has shape "
                f"{tuple(value.shape)}, expected {tuple(want)}"
            )
