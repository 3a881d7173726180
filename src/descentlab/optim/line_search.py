"""The strong-Wolfe line search L-BFGS uses (torch.optim.LBFGS semantics).

Along a descent direction ``d`` from ``x`` it looks for a step ``t`` where
``phi(t) = f(x + t d)`` satisfies the strong Wolfe conditions (Nocedal & Wright,
Numerical Optimization, 2nd ed., eq. 3.7):

    sufficient decrease   phi(t) <= phi(0) + c1 t phi'(0)
    curvature             |phi'(t)| <= c2 |phi'(0)|

in two phases: bracketing an interval that holds such a step (Algorithm 3.5), then
zooming into it (Algorithm 3.6), each trial step the minimiser of a cubic through
two points (eq. 3.59). The evaluations, their order and every test are those of
torch's ``_strong_wolfe`` (itself minFunc's), so a closure sees the same calls.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

Scalar = float | Tensor
#: phi(t): the loss and flat gradient at x + t d (the parameters are put back after).
Phi = Callable[[Scalar], tuple[float, Tensor]]


def cubic_minimizer(
    a: Scalar,
    f_a: Scalar,
    g_a: Scalar,
    b: Scalar,
    f_b: Scalar,
    g_b: Scalar,
    bounds: tuple[Scalar, Scalar] | None = None,
) -> Scalar:
    """The minimiser of the cubic through (a, f_a, f_a' = g_a) and (b, f_b, g_b), clipped
    to ``bounds`` (default: between a and b); their midpoint when the cubic has none.

    Nocedal & Wright eq. 3.59, written from whichever end lies farther right::

        d1 = g_a + g_b - 3 (f_a - f_b) / (a - b)
        d2 = sqrt(d1^2 - g_a g_b)
        t  = b - (b - a) (g_b + d2 - d1) / (g_b - g_a + 2 d2)
    """
    low, high = bounds if bounds is not None else ((a, b) if a <= b else (b, a))
    d1 = g_a + g_b - 3 * (f_a - f_b) / (a - b)
    d2_squared = d1**2 - g_a * g_b
    if not d2_squared >= 0:  # no real minimiser: bisect
        return (low + high) / 2.0
    d2 = d2_squared.sqrt()
    if a <= b:
        t = b - (b - a) * ((g_b + d2 - d1) / (g_b - g_a + 2 * d2))
    else:
        t = a - (a - b) * ((g_a + d2 - d1) / (g_a - g_b + 2 * d2))
    return min(max(t, low), high)


@dataclass
class Trial:
    """One evaluated step: t, phi(t), the gradient there and phi'(t) = g . d."""

    t: Scalar
    f: Scalar
    g: Tensor
    slope: Scalar


def strong_wolfe(
    phi: Phi,
    t: Scalar,
    d: Tensor,
    f: float,
    g: Tensor,
    slope: Tensor,
    c1: float = 1e-4,
    c2: float = 0.9,
    tolerance_change: float = 1e-9,
    max_ls: int = 25,
) -> tuple[float, Tensor, Scalar, int]:
    """Search along ``d`` from the point where the loss is ``f``, the gradient ``g`` and
    phi'(0) = ``slope``, starting at step ``t``, with at most ``max_ls`` evaluations
    after the first. Returns the loss, the gradient and the step found, and how many
    times ``phi`` was evaluated."""
    d_norm = d.abs().max()
    start = Trial(0, f, g.clone(memory_format=torch.contiguous_format), slope)

    def evaluate(t: Scalar) -> Trial:
        f_t, g_t = phi(t)
        return Trial(t, f_t, g_t, g_t.dot(d))

    def too_high(trial: Trial) -> bool:  # not phi(t) <= phi(0) + c1 t phi'(0)
        return bool(trial.f > f + c1 * trial.t * slope)

    def curvature_holds(trial: Trial) -> bool:  # |phi'(t)| <= c2 |phi'(0)|  (phi'(0) < 0)
        return bool(abs(trial.slope) <= -c2 * slope)

    def kept(trial: Trial) -> Trial:
        return Trial(trial.t, trial.f, trial.g.clone(memory_format=torch.contiguous_format),
                     trial.slope)  # fmt: skip

    # Algorithm 3.5: bracketing. t_{i-1} = previous, t_i = current.
    current = evaluate(t)
    evals = 1
    previous = start
    iteration = 0
    done = False
    while iteration < max_ls:
        # (Algorithm 3.5 tests phi(t_i) >= phi(t_{i-1}) from i > 1; torch, counting from 0,
        # from the third trial on)
        if too_high(current) or (iteration > 1 and current.f >= previous.f):
            bracket = [previous, kept(current)]  # zoom(t_{i-1}, t_i)
            break
        if curvature_holds(current):
            bracket, done = [current], True  # t_i satisfies both conditions
            break
        if current.slope >= 0:
            bracket = [previous, kept(current)]  # zoom(t_{i-1}, t_i): phi turned upwards
            break
        # phi still falls: extrapolate to the cubic's minimiser in [t_i + 0.01 (t_i - t_{i-1}),
        # 10 t_i]
        bounds = (current.t + 0.01 * (current.t - previous.t), current.t * 10)
        t = cubic_minimizer(previous.t, previous.f, previous.slope,
                            current.t, current.f, current.slope, bounds)  # fmt: skip
        previous = kept(current)
        current = evaluate(t)
        evals += 1
        iteration += 1
    else:  # out of evaluations: the interval from 0 to the last step tried
        bracket = [start, current]

    # Algorithm 3.6: zoom. `low` is the end with the smaller phi, `high` the other.
    low, high = (0, 1) if bracket[0].f <= bracket[-1].f else (1, 0)
    insufficient_progress = False
    while not done and iteration < max_ls:
        a, b = bracket
        if abs(b.t - a.t) * d_norm < tolerance_change:
            break  # the interval is too small to tell its ends apart
        t = cubic_minimizer(a.t, a.f, a.slope, b.t, b.f, b.slope)
        t, insufficient_progress = _away_from_ends(t, a.t, b.t, insufficient_progress)
        trial = evaluate(t)
        evals += 1
        iteration += 1
        if too_high(trial) or trial.f >= bracket[low].f:
            bracket[high] = kept(trial)  # t_hi <- t_j
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
            continue
        if curvature_holds(trial):
            done = True
        elif trial.slope * (bracket[high].t - bracket[low].t) >= 0:
            bracket[high] = bracket[low]  # t_hi <- t_lo
        bracket[low] = kept(trial)  # t_lo <- t_j

    best = bracket[low]
    return best.f, best.g, best.t, evals


def _away_from_ends(t: Scalar, a: Scalar, b: Scalar, stalled: bool) -> tuple[Scalar, bool]:
    """Keep a zoom step at least a tenth of the interval from its ends when the last step
    was already close to one, or when this one sits on an end. Returns the step and
    whether it is close to an end (insufficient progress)."""
    left, right = min(a, b), max(a, b)
    margin = 0.1 * (right - left)
    if not min(right - t, t - left) < margin:
        return t, False
    if stalled or t >= right or t <= left:
        return (right - margin if abs(t - right) < abs(t - left) else left + margin), False
    return t, True
