"""Many optimizers stepping many trajectories on one landscape, in lock step.

All trajectories live as columns of one coordinates-first buffer of shape (D, N).
An elementwise optimizer owns a block of columns as a view into that buffer, so
the gradient of every such trajectory comes from one vectorised call (the
*probe*). Any other optimizer owns a single trajectory in a tensor of its own and
gets its gradient through a closure (which is what L-BFGS-like methods need).
Noise is drawn once per step for the whole buffer, so a trajectory sees the same
noise whichever way it is run.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.optim.optimizer as torch_optimizer
from torch import Tensor

from ..defaults import NOISE, SEED
from ..landscapes import Landscape
from ..optim.averaging import averages_weights, evaluation_point, start_training
from ..optim.base import as_taken
from ..optim.validation import too_large_for_dtype

# a trajectory has diverged when a coordinate is farther from the domain's centre
# than this many half-widths of the domain
DIVERGENCE_FACTOR = 1000.0

#: points (D, N) -> (gradient (D, N), diverged (N,) bool, or None when the probe's
#: owner keeps track of divergence itself)
Probe = Callable[[Tensor], tuple[Tensor, Tensor | None]]


@dataclass
class Unit:
    """One optimizer and the columns of the buffer it moves."""

    optimizer: torch.optim.Optimizer
    columns: slice
    param: Tensor
    shared: bool  # param is a view into the buffer (else a tensor of its own)
    scheduler: Any = None
    active: bool = True


def step_of(unit: Unit) -> Callable[[], Any]:
    """``unit.optimizer.step``, without torch's profiling wrapper where nothing would
    hear of it (no step hooks, no lr scheduler counting steps): on a race's 2-element
    columns that wrapper takes as long as the update itself."""
    optimizer = unit.optimizer
    plain = getattr(type(optimizer).step, "__wrapped__", None)
    hooked = (
        unit.scheduler is not None
        or optimizer._optimizer_step_pre_hooks
        or optimizer._optimizer_step_post_hooks
        or torch_optimizer._global_optimizer_pre_hooks
        or torch_optimizer._global_optimizer_post_hooks
    )
    if plain is None or hooked or "step" in optimizer.__dict__:
        return optimizer.step
    return functools.partial(plain, optimizer)


def _stream_seed(seed: int, stream: int) -> int:
    """A seed for one noise stream, distinct for every (seed, stream) pair."""
    return int(np.random.SeedSequence([seed, stream]).generate_state(1, dtype=np.uint64)[0] >> 1)


def divergence_bounds(landscape: Landscape) -> list[tuple[float, float]]:
    """(centre, limit) per axis: beyond the limit from the centre a run has diverged."""
    return [((lo + hi) / 2, DIVERGENCE_FACTOR * (hi - lo) / 2) for lo, hi in landscape.domain]


def excursion(coords: tuple[Tensor, ...], bounds: list[tuple[float, float]]) -> Tensor:
    """How far out each point is, in divergence limits: above 1, or NaN for a non-finite
    point, means diverged. A float, written per coordinate without reductions, so a
    compiler fuses it with the rest of a probe (bool outputs compile poorly on CPUs)."""
    far = None
    for c, (centre, limit) in zip(coords, bounds, strict=True):
        ratio = (c - centre).abs() / limit  # NaN and inf stay NaN and inf
        far = ratio if far is None else torch.maximum(far, ratio)
    assert far is not None
    return far


def diverged(coords: tuple[Tensor, ...], bounds: list[tuple[float, float]]) -> Tensor:
    """Which points are non-finite or out of bounds."""
    return ~(excursion(coords, bounds) <= 1)


def _gradient_probe(
    landscape: Landscape, bounds: list[tuple[float, float]], points: Tensor
) -> tuple[Tensor, Tensor]:
    coords = points.unbind(0)
    return torch.stack(landscape.gradient(*coords)), diverged(coords, bounds)


def gradient_probe(landscape: Landscape) -> Probe:
    """The default probe: the landscape's gradient and the divergence test."""
    return functools.partial(_gradient_probe, landscape, divergence_bounds(landscape))


class Lockstep:
    """Steps units over a landscape and tracks divergence.

    ``starts`` has shape (D, N): one column per trajectory. With ``freeze`` a
    diverged trajectory is put back at its last good point after every step (races
    record whole paths); without it, it is only marked (sweeps keep summaries).
    """

    def __init__(
        self,
        landscape: Landscape,
        starts: Tensor,
        *,
        noise: float = NOISE,
        seed: int = SEED,
        maximize: bool = False,
        probe: Probe | None = None,
        freeze: bool = True,
        noise_streams: Tensor | None = None,
    ) -> None:
        self.landscape = landscape
        self.buffer = starts.clone()
        self.noise = float(noise)
        self.sign = -1.0 if maximize else 1.0
        # noise: one generator for the whole buffer, or one per stream (columns that
        # share a stream id see the same noise)
        self.noise_streams = noise_streams
        ids = [0] if noise_streams is None else sorted(set(noise_streams.tolist()))
        self.generators = [torch.Generator().manual_seed(_stream_seed(seed, i)) for i in ids]
        self.units: list[Unit] = []
        self.step_count = 0
        self.diverged_at = torch.full(
            (self.buffer.shape[1],), -1, dtype=torch.long, device=self.buffer.device
        )
        self.freeze = freeze
        self.frozen = self.buffer.clone() if freeze else None
        self._any_diverged = False
        self._probe = probe or gradient_probe(landscape)
        self._probed: tuple[Tensor, Tensor | None] | None = None
        self._step_noise: Tensor | None = None
        self._averaging: bool | None = None

    # -- building -------------------------------------------------------------------

    def add(
        self,
        build: Callable[[list[Tensor]], torch.optim.Optimizer],
        columns: slice,
        *,
        shared: bool,
        scheduler: Callable[[torch.optim.Optimizer], Any] | None = None,
    ) -> Unit:
        """Give ``columns`` to a new optimizer built over them.

        ``shared``: the optimizer is elementwise and steps a view of the buffer.
        """
        if shared:
            param = self.buffer[:, columns]
            param.requires_grad_(True)
        else:
            param = self.buffer[:, columns].clone().requires_grad_(True)
        optimizer = start_training(build([param]))
        unit = Unit(optimizer, columns, param, shared)
        if scheduler is not None:
            unit.scheduler = scheduler(optimizer)
        self.units.append(unit)
        self._averaging = None
        return unit

    # -- stepping -------------------------------------------------------------------

    def probe(self) -> tuple[Tensor, Tensor | None]:
        """Gradient and divergence test at the current points (computed once per step)."""
        if self._probed is None:
            with torch.no_grad():
                self._probed = self._probe(self.buffer)
        return self._probed

    @torch.no_grad()
    def step(self) -> None:
        """One step of every unit, then the divergence check."""
        self.step_count += 1
        self._step_noise = self._draw_noise() if self.noise else None
        if any(unit.shared and unit.active for unit in self.units):
            grads = self._finish_gradient(self.probe()[0], slice(None))
            for unit in self.units:
                if unit.shared:
                    unit.param.grad = as_taken(unit.optimizer, grads[:, unit.columns])
        for unit in self.units:
            if not unit.active:
                continue
            with too_large_for_dtype(unit.optimizer, self.buffer.dtype):
                if unit.shared:
                    step_of(unit)()
                    loss = None
                else:
                    loss = unit.optimizer.step(self._closure(unit))
                    self.buffer[:, unit.columns] = unit.param.detach()
            if unit.scheduler is not None:
                self._schedule(unit, loss)
        self._probed = None
        self._check_divergence()

    def resume(self, steps: int, diverged_at: Tensor) -> None:
        """Take over after ``steps`` steps taken outside `step` (a compiled race), which
        left the buffer at its new points and found ``diverged_at``."""
        self.moved(steps)
        self.diverged_at.copy_(diverged_at)
        self._any_diverged = bool((diverged_at >= 0).any())
        if self.frozen is not None:
            self.frozen.copy_(self.buffer)

    def moved(self, steps: int) -> None:
        """Count ``steps`` taken outside `step` (by a compiled sweep); the next probe is
        taken afresh at the points they reached."""
        self.step_count += steps
        self._probed = None

    def _draw_noise(self) -> Tensor:
        # drawn on the CPU, so a trajectory meets the same noise on every device
        d, n = self.buffer.shape
        dtype, device = self.buffer.dtype, self.buffer.device
        if self.noise_streams is None:
            return torch.randn((d, n), generator=self.generators[0], dtype=dtype).to(device)
        per_stream = torch.stack(
            [torch.randn(d, generator=g, dtype=dtype) for g in self.generators], dim=1
        )
        return per_stream[:, self.noise_streams].to(device)

    def _finish_gradient(self, grads: Tensor, columns: slice) -> Tensor:
        """Sign (for maximizing) and noise, applied in place to a fresh gradient."""
        if self.sign < 0:
            grads.neg_()
        if self._step_noise is not None:
            grads.add_(self._step_noise[:, columns], alpha=self.noise)
        return grads

    def _closure(self, unit: Unit) -> Callable[[], Tensor]:
        def closure() -> Tensor:
            with torch.no_grad():
                points = unit.param.detach()
                grads = torch.stack(self.landscape.gradient(*points))
                unit.param.grad = as_taken(
                    unit.optimizer, self._finish_gradient(grads, unit.columns)
                )
                return self.sign * self.landscape(*points).sum()

        return closure

    def _schedule(self, unit: Unit, loss: Tensor | None) -> None:
        if isinstance(unit.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            if loss is None:
                loss = self.sign * self.landscape(*self.buffer[:, unit.columns]).sum()
            unit.scheduler.step(float(loss))
        else:
            unit.scheduler.step()

    def _check_divergence(self) -> None:
        bad = self.probe()[1]
        if bad is None:
            return
        fresh = bad & (self.diverged_at < 0)
        if bool(fresh.any()):
            self.diverged_at[fresh] = self.step_count
            self._any_diverged = True
        if self._any_diverged:
            gone = self.diverged_at >= 0
            if self.frozen is not None:
                # frozen columns go back to their last good point; what the probe says
                # of them (taken where the step had moved them) is not used
                self.buffer[:, gone] = self.frozen[:, gone]
            for unit in self.units:
                if not unit.shared and unit.active and bool(gone[unit.columns].all()):
                    unit.active = False  # a trajectory of its own that has stopped
        if self.frozen is not None:
            self.frozen.copy_(self.buffer)

    def positions(self) -> Tensor:
        """The current points, (D, N); with ``freeze``, diverged columns hold their last
        good point."""
        return self.buffer

    @property
    def averaging(self) -> bool:
        """Whether some optimizer measures its loss away from its stepping point (asked
        once after the units are added, not at every recorded step)."""
        if self._averaging is None:
            self._averaging = any(averages_weights(unit.optimizer) for unit in self.units)
        return self._averaging

    def evaluation_points(self) -> Tensor:
        """Where each trajectory's loss is measured, (D, N): the current points, except
        for Schedule-Free methods, whose columns hold their averaged points (a diverged
        column keeps its last good point)."""
        if not self.averaging:
            return self.buffer
        points = self.buffer.clone()
        for unit in self.units:
            if averages_weights(unit.optimizer):
                averaged = evaluation_point(unit.optimizer, unit.param)
                good = self.diverged_at[unit.columns] < 0
                points[:, unit.columns] = torch.where(good, averaged, points[:, unit.columns])
        return points
