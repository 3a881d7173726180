"""A race, a sweep, a training comparison and the weights picture, as typed models.

These are the experiments every face runs: the command line's options and its TOML
files are read into them, each output's sidecar .json holds one, and the
playground's request bodies are them, narrowed to the server's limits. Defaults come
from `descentlab.defaults`; nothing here imports torch.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from ..defaults import FPS, NOISE, SEED, STARTS_PER_AXIS, STEPS, TOL, VIEW
from ..errors import SettingError
from .fields import (
    Dpi,
    Dtype,
    Fps,
    GridValues,
    LandscapeText,
    Limits,
    Look,
    Noise,
    Plot,
    Point,
    Seconds,
    Seed,
    Size,
    Specs,
    Steps,
    Tol,
    View,
    Whole,
    listed,
)
from .grid import resolve_grid


def _grid(grid: dict[str, Any]) -> dict[str, Any]:
    resolve_grid(grid)  # a malformed range is refused when read, not when run
    return grid


class Experiment(BaseModel):
    """What every experiment shares: strict types, no unknown settings, immutable."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RaceExperiment(Experiment):
    """Every optimizer from every start on one landscape, every step recorded."""

    kind: Literal["race"] = "race"
    landscape: LandscapeText
    optimizers: Specs
    starts: list[Point] | None = Field(
        default=None, min_length=1, description="Start points; default the landscape's own start."
    )
    steps: Steps = STEPS
    noise: Noise = NOISE
    seed: Seed = SEED
    dtype: Dtype = "float32"
    view: View = VIEW
    fps: Fps = FPS
    duration: Seconds | None = Field(
        default=None, description="Length of an animation in seconds; default one frame a step."
    )
    xlim: Limits | None = Field(
        default=None,
        description="The x range a picture shows, LOW,HIGH; default the paths and minima.",
    )
    ylim: Limits | None = Field(
        default=None,
        description="The y range a picture shows, LOW,HIGH; default the paths and minima.",
    )
    size: Size | None = Field(
        default=None,
        description="Animation size in pixels, WIDTHxHEIGHT; default 800x600 (1280 wide for both).",
    )
    dpi: Dpi | None = Field(
        default=None,
        description="Scales text and lines; default 100 for animations, 150 for pictures.",
    )
    look: Look = "mesh"


class SweepExperiment(Experiment):
    """Each optimizer over a grid of hyperparameters and a grid of starts."""

    kind: Literal["sweep"] = "sweep"
    landscape: LandscapeText
    optimizers: Specs
    grid: Annotated[dict[str, GridValues], AfterValidator(_grid)] = Field(
        default_factory=dict, description="Hyperparameter name to its values."
    )
    starts: Whole | None = Field(
        default=None,
        description=f"An N x N grid of starts over the domain (default {STARTS_PER_AXIS}).",
    )
    steps: Steps = STEPS
    tol: Tol = TOL
    noise: Noise = NOISE
    seed: Seed = SEED
    dtype: Dtype = "float32"
    plot: Plot = "basins"

    def grid_values(self) -> dict[str, list[Any]]:
        """Each grid entry as the list of values it stands for."""
        return resolve_grid(dict(self.grid))


class TrainingExperiment(Experiment):
    """A task's model trained with each optimizer from the same weights; epochs and
    batch size default to the task's own."""

    kind: Literal["train"] = "train"
    task: Annotated[str, Field(min_length=1, description="A task: airfoil or digits.")]
    optimizers: Specs
    epochs: Whole | None = Field(default=None, description="Epochs (default: the task's).")
    batch_size: Whole | None = Field(default=None, description="Batch size (default: the task's).")
    scheduler: str | None = Field(
        default=None, description="An lr schedule, e.g. 'step(step_size=10, gamma=0.1)'."
    )
    seed: Seed = SEED
    dtype: Dtype = "float32"
    checkpoint: str | None = Field(
        default=None, description="Write a checkpoint per optimizer here each epoch."
    )
    resume: bool = Field(default=False, description="Continue from the checkpoint folder.")

    @model_validator(mode="after")
    def _resumable(self) -> TrainingExperiment:
        if self.resume and self.checkpoint is None:
            raise SettingError(
                "resume", "resume needs the checkpoint folder (--checkpoint DIR) to resume from"
            )
        return self


Beta = Annotated[float, Field(ge=0, lt=1, allow_inf_nan=False)]


class WeightsPicture(Experiment):
    """The weights an exponential moving average gives the past, for a few betas."""

    kind: Literal["ema"] = "ema"
    betas: list[Beta] = Field(default=[0.98, 0.95, 0.9, 0.8], min_length=1)
    steps: Annotated[int, Field(ge=2)] = 40


class TuningExperiment(Experiment):
    """Each optimizer tuned on each task with the same budget, its best setting rerun
    over seeds (see `descentlab.tuning`)."""

    kind: Literal["tune"] = "tune"
    tasks: Annotated[list[str], BeforeValidator(listed), Field(min_length=1)] = Field(
        description="Tasks to tune on, e.g. airfoil, digits, quadratic_deep."
    )
    optimizers: Annotated[
        list[str],
        BeforeValidator(listed),
        Field(min_length=1, description="Search spaces, e.g. 'adam(lr=log(1e-4, 1))'."),
    ]
    budget: Whole = Field(default=20, description="Trials of each optimizer's search.")
    seeds: Whole = Field(default=5, description="Seeds the best setting is rerun with.")
    seed: Seed = SEED
    workers: Whole = Field(default=1, description="Worker processes on this machine.")
    storage: str | None = Field(
        default=None,
        description="Where the study lives (default: a journal file in the output folder), "
        "e.g. postgresql://user:password@host/database.",
    )
    study: str = Field(default="descentlab", min_length=1, description="The study's name.")
    sampler: Literal["qmc", "tpe"] = Field(
        default="qmc", description="qmc: quasi-random (Sobol), as AlgoPerf; tpe: Optuna's TPE."
    )


KINDS: dict[str, type[Experiment]] = {
    "race": RaceExperiment,
    "sweep": SweepExperiment,
    "train": TrainingExperiment,
    "ema": WeightsPicture,
    "tune": TuningExperiment,
}
WHAT = {"race": "a race", "sweep": "a sweep", "train": "a training comparison",
        "ema": "the weights picture", "tune": "a tuning study"}  # fmt: skip
