"""Parity: after every step, parameters and every state tensor equal the reference.

The reference is the torch.optim class (single-tensor path, foreach=False), or for
Lion an independent transcription of the paper's algorithm.
"""

from __future__ import annotations

import pytest
import torch

from .cases import CONFIGS, case_id
from .harness import (
    Sized,
    assert_params_close,
    assert_states_close,
    build_pair,
    make_mlp,
    mlp_steps,
)

STEPS = 12


def tolerances(case, dtype):
    if dtype == torch.float64:
        return {}  # torch.testing.assert_close defaults
    rtol, atol = case.float32_tol
    return {"rtol": rtol, "atol": atol}


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=case_id)
def test_mlp_every_step_matches_reference(case, config, dtype):
    kwargs = case.configs[config]
    ours_model, ours, theirs_model, theirs = build_pair(case, kwargs, lambda: make_mlp(dtype))
    tol = tolerances(case, dtype)
    ours_params, theirs_params = list(ours_model.parameters()), list(theirs_model.parameters())
    for step, _ in zip(
        mlp_steps(ours_model, ours, STEPS), mlp_steps(theirs_model, theirs, STEPS), strict=True
    ):
        assert_params_close(ours_params, theirs_params, step, **tol)
        assert_states_close(ours, theirs, (ours_params, theirs_params), **tol)
    # the run really moved the parameters, and the reference agreed on where to
    start = make_mlp(dtype)
    moved = max(
        (p - q).abs().max().item() for p, q in zip(ours_params, start.parameters(), strict=True)
    )
    assert moved > 1e-4


@pytest.mark.parametrize("dtype", [torch.float64, torch.float32], ids=["float64", "float32"])
@pytest.mark.parametrize(("case", "config"), CONFIGS, ids=case_id)
def test_sizes_and_noncontiguous_match_reference(case, config, dtype):
    kwargs = case.configs[config]
    ours_model, ours, theirs_model, theirs = build_pair(case, kwargs, lambda: Sized(dtype))
    tol = tolerances(case, dtype)
    ours_params, theirs_params = list(ours_model.parameters()), list(theirs_model.parameters())
    for step in range(STEPS):
        for model, optimizer in ((ours_model, ours), (theirs_model, theirs)):
            optimizer.zero_grad()
            model.loss(step).backward()
            optimizer.step()
        assert_params_close(ours_params, theirs_params, step, **tol)
        assert_states_close(ours, theirs, (ours_params, theirs_params), **tol)
    assert not ours_model.strided.is_contiguous()
