"""The argument checks every layer shares: what each allows, and its one-line refusal."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from descentlab import checks


@pytest.mark.parametrize(
    ("call", "kind", "message"),
    [
        (lambda: checks.whole_number("steps", 2.0), ValueError,
         "steps must be a whole number >= 0, got 2.0"),
        (lambda: checks.whole_number("steps", True), ValueError,
         "steps must be a whole number >= 0, got True"),
        (lambda: checks.whole_number("chunk", 0, low=1), ValueError,
         "chunk must be a whole number >= 1, got 0"),
        (lambda: checks.whole_number("fps", 61, low=1, high=60), ValueError,
         "fps must be a whole number in [1, 60], got 61"),
        (lambda: checks.real_number("tol", -1e-3), ValueError,
         "tol must be a finite number >= 0, got -0.001"),
        (lambda: checks.real_number("tol", float("inf")), ValueError,
         "tol must be a finite number >= 0, got inf"),
        (lambda: checks.real_number("duration", 0, above=True), ValueError,
         "duration must be a finite number > 0, got 0.0"),
        (lambda: checks.switch("maximize", 1), TypeError, "maximize must be True or False, got 1"),
        (lambda: checks.one_of("view", "side", ("contour", "surface", "both")), ValueError,
         "view must be 'contour', 'surface' or 'both', got 'side'"),
        (lambda: checks.seed(-1), ValueError, "seed must be a whole number >= 0 and below 2^63"),
        (lambda: checks.seed(2**63), ValueError, "seed must be a whole number >= 0 and below"),
        (lambda: checks.float_dtype(torch.float16), ValueError,
         "dtype must be torch.float32 or torch.float64, got torch.float16"),
    ],
)  # fmt: skip
def test_a_refusal_is_one_line_naming_the_argument(call, kind, message):
    with pytest.raises(kind) as caught:
        call()
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_what_is_allowed_comes_back_as_a_plain_value():
    assert checks.whole_number("n", np.int64(7), low=1) == 7
    assert type(checks.whole_number("n", np.int64(7))) is int
    assert checks.real_number("tol", np.float32(0.5)) == 0.5
    assert checks.real_number("duration", 2, above=True) == 2.0
    assert checks.seed(2**63 - 1) == 2**63 - 1
    assert checks.one_of("kind", "contour", ("surface", "contour")) == "contour"
    assert checks.float_dtype(torch.float64) is torch.float64
