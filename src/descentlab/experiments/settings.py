"""The settings of a race, a sweep and a training comparison: each field with its
default and its constraints. The library's own defaults (`descentlab.defaults`) are
the source; nothing here imports torch, so the command line's help stays light."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from ..defaults import FPS, MAX_FPS, NOISE, SEED, STARTS_PER_AXIS, STEPS, TOL, VIEW

View = Literal["contour", "surface", "both"]


class RaceSettings(BaseModel):
    """Every optimizer from every start on one landscape."""

    steps: int = Field(default=STEPS, ge=1)
    noise: float = Field(default=NOISE, ge=0, allow_inf_nan=False)
    seed: int = Field(default=SEED, ge=0)
    view: View = VIEW
    fps: int = Field(default=FPS, ge=1, le=MAX_FPS)
    duration: float | None = Field(default=None, gt=0, allow_inf_nan=False)


class SweepSettings(BaseModel):
    """One optimizer over a grid of hyperparameters and a grid of starts."""

    starts: int | None = Field(
        default=None, ge=1, description=f"Starts per axis; default {STARTS_PER_AXIS}."
    )
    steps: int = Field(default=STEPS, ge=1)
    tol: float = Field(default=TOL, ge=0, allow_inf_nan=False)
    noise: float = Field(default=NOISE, ge=0, allow_inf_nan=False)
    seed: int = Field(default=SEED, ge=0)


class TrainingSettings(BaseModel):
    """A task's model trained with each optimizer; epochs and batch size default to the
    task's own."""

    epochs: int | None = Field(default=None, ge=1)
    batch_size: int | None = Field(default=None, ge=1)
    seed: int = Field(default=SEED, ge=0)
