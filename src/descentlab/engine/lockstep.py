"""Many optimizers stepping many trajectories on one landscape, in lock step.

All trajectories live as columns of one coordinates-first buffer of shape (D, N).
An elementwise optimizer owns a block of columns as a view into that buffer, so
the gradient of every such trajectory comes from one vectorised call. Any other
optimizer owns a single trajectory in a tensor of its own and gets its gradient
through a closure (which is what L-BFGS-like methods need). Noise is drawn once
per step for the whole buffer, so a trajectory sees the same noise whichever way
it is run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..landscapes import Landscape

# a trajectory has diverged when a coordinate is farther from the domain's centre
# than this many half-widths of the domain
DIVERGENCE_FACTOR = 1000.0


@dataclass
class Unit:
    """One optimizer and the columns of the buffer it moves."""

    optimizer: torch.optim.Optimizer
    columns: slice
    param: Tensor
    shared: bool  # param is a view into the buffer (else a tensor of its own)
    scheduler: Any = None
    active: bool = True


class Lockstep:
    """Steps units over a landscape and tracks divergence.

    ``starts`` has shape (D, N): one column per trajectory.
    """

    def __init__(
        self,
        landscape: Landscape,
        starts: Tensor,
        *,
        noise: float = 0.0,
        seed: int = 0,
        maximize: bool = False,
        track_loss: bool = False,
        compile: bool = False,
    ) -> None:
        self.landscape = landscape
        self.buffer = starts.clone()
        self.grad = torch.zeros_like(self.buffer)
        self.noise = float(noise)
        self.sign = -1.0 if maximize else 1.0
        self.generator = torch.Generator().manual_seed(int(seed))
        self.units: list[Unit] = []
        self.step_count = 0
        n = self.buffer.shape[1]
        self.diverged_at = torch.full((n,), -1, dtype=torch.long)
        self.frozen = self.buffer.clone()
        self._any_diverged = False
        lows = torch.tensor([lo for lo, _ in landscape.domain], dtype=self.buffer.dtype)
        highs = torch.tensor([hi for _, hi in landscape.domain], dtype=self.buffer.dtype)
        self._centre = ((lows + highs) / 2).unsqueeze(1)
        self._limit = (DIVERGENCE_FACTOR * (highs - lows) / 2).unsqueeze(1)
        self._step_noise: Tensor | None = None
        self.track_loss = track_loss
        self._probe = make_probe(landscape, self._centre, self._limit, track_loss, compile)
        self._probed: tuple[Tensor, Tensor | None, Tensor] | None = None
        #: f at the current points (kept up to date when ``track_loss``)
        self.loss: Tensor | None = None

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
            param.grad = self.grad[:, columns]
        else:
            param = self.buffer[:, columns].clone().requires_grad_(True)
        optimizer = build([param])
        unit = Unit(optimizer, columns, param, shared)
        if scheduler is not None:
            unit.scheduler = scheduler(optimizer)
        self.units.append(unit)
        return unit

    # -- stepping -------------------------------------------------------------------

    def objective(self, points: Tensor) -> Tensor:
        """f at each column of ``points`` (D, M)."""
        return self.landscape(*points)

    @torch.no_grad()
    def step(self) -> None:
        """One step of every unit, then the divergence check."""
        self.step_count += 1
        self._step_noise = (
            torch.randn(self.buffer.shape, generator=self.generator, dtype=self.buffer.dtype)
            if self.noise
            else None
        )
        if any(unit.shared and unit.active for unit in self.units):
            grads = self.probe()[0]
            self._finish_gradient(self.grad, grads, slice(None))
        for unit in self.units:
            if not unit.active:
                continue
            if unit.shared:
                unit.optimizer.step()
                loss = None
            else:
                loss = unit.optimizer.step(self._closure(unit))
                self.buffer[:, unit.columns] = unit.param.detach()
            if unit.scheduler is not None:
                self._schedule(unit, loss)
        self._probed = None
        self._check_divergence()

    def probe(self) -> tuple[Tensor, Tensor | None, Tensor]:
        """Gradient, f (when tracked) and the divergence test at the current points,
        computed together once per step."""
        if self._probed is None:
            self._probed = self._probe(self.buffer)
        return self._probed

    def _finish_gradient(self, out: Tensor, grads: Tensor, columns: slice) -> None:
        out.copy_(grads)
        if self.sign < 0:
            out.neg_()
        if self._step_noise is not None:
            out.add_(self._step_noise[:, columns], alpha=self.noise)

    def _closure(self, unit: Unit) -> Callable[[], Tensor]:
        def closure() -> Tensor:
            with torch.no_grad():
                points = unit.param.detach()
                grad = torch.empty_like(points)
                self._finish_gradient(
                    grad, torch.stack(self.landscape.gradient(*points)), unit.columns
                )
                unit.param.grad = grad
                return self.sign * self.objective(points).sum()

        return closure

    def _schedule(self, unit: Unit, loss: Tensor | None) -> None:
        if isinstance(unit.scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
            if loss is None:
                loss = self.sign * self.objective(self.buffer[:, unit.columns]).sum()
            unit.scheduler.step(float(loss))
        else:
            unit.scheduler.step()

    def _check_divergence(self) -> None:
        _, loss, bad = self.probe()
        self.loss = loss
        fresh = bad & (self.diverged_at < 0)
        if bool(fresh.any()):
            self.diverged_at[fresh] = self.step_count
            self._any_diverged = True
        if self._any_diverged:
            gone = self.diverged_at >= 0
            # frozen columns go back to their last good point; what the probe says of
            # them (taken where the step had moved them) is not used
            self.buffer[:, gone] = self.frozen[:, gone]
            for unit in self.units:
                if not unit.shared and unit.active and bool(gone[unit.columns].all()):
                    unit.active = False  # a trajectory of its own that has stopped
        self.frozen.copy_(self.buffer)

    def positions(self) -> Tensor:
        """The current points, (D, N); diverged columns hold their last good point."""
        return self.buffer


def make_probe(
    landscape: Landscape, centre: Tensor, limit: Tensor, track_loss: bool, compile: bool
) -> Callable[[Tensor], tuple[Tensor, Tensor | None, Tensor]]:
    """A function of the points (D, N) giving the stacked gradient, f (or None) and
    which columns have diverged (non-finite, or farther out than the limit).

    Compiled, the whole probe becomes one pass over the points (the coordinates-first
    layout is what lets the compiler vectorise it).
    """

    def probe(points: Tensor) -> tuple[Tensor, Tensor | None, Tensor]:
        coords = points.unbind(0)
        grads = torch.stack(landscape.gradient(*coords))
        loss = landscape(*coords) if track_loss else None
        # written per coordinate, with no reduction, so a compiler fuses it all
        bad = torch.zeros_like(coords[0], dtype=torch.bool)
        for axis, c in enumerate(coords):
            bad = bad | ~torch.isfinite(c) | ((c - centre[axis, 0]).abs() > limit[axis, 0])
        return grads, loss, bad

    return torch.compile(probe, dynamic=False) if compile else probe
