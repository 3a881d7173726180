"""Request bodies of the playground's API, with limits a request cannot talk past."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ..defaults import FPS, MAX_FPS, STEPS, TOL, VIEW
from ..landscapes.expression import MAX_LENGTH as MAX_EXPRESSION

MAX_STEPS = 1000
MAX_OPTIMIZERS = 8
MAX_STARTS = 10
MAX_SPEC = 200  # characters of one optimizer spec
MAX_COORDINATE = 1e6
MAX_SWEEP_RESOLUTION = 60  # starts per axis
MAX_SWEEP_RATES = 25
MAX_SWEEP_WORK = 20_000_000  # learning rates x starts x steps
MAX_EXPORT_FRAMES = 300

Coordinate = Annotated[float, Field(allow_inf_nan=False, ge=-MAX_COORDINATE, le=MAX_COORDINATE)]
Point = Annotated[list[Coordinate], Field(min_length=1, max_length=2)]
Spec = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_SPEC,
        description="A registry optimizer with its hyperparameters, e.g. 'adam(lr=0.1)'.",
        examples=["adam(lr=0.1)"],
    ),
]
LandscapeText = Annotated[
    str,
    Field(
        min_length=1,
        max_length=MAX_EXPRESSION,
        description="A catalog name such as 'beale', or an expression in x and y.",
        examples=["beale", "x**2 + 3*sin(y)"],
    ),
]


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid")


class RaceRequest(Strict):
    """Every optimizer from every start on one landscape, every step recorded."""

    landscape: LandscapeText
    optimizers: list[Spec] = Field(min_length=1, max_length=MAX_OPTIMIZERS)
    starts: list[Point] | None = Field(
        default=None,
        min_length=1,
        max_length=MAX_STARTS,
        description="Start points; default the landscape's own start.",
    )
    steps: int = Field(default=STEPS, ge=1, le=MAX_STEPS)


class SweepRequest(Strict):
    """One optimizer from a grid of starts, for each of a few learning rates."""

    landscape: LandscapeText
    optimizer: Spec
    lrs: list[Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]] = Field(
        min_length=1, max_length=MAX_SWEEP_RATES
    )
    resolution: int = Field(default=30, ge=2, le=MAX_SWEEP_RESOLUTION)
    steps: int = Field(default=STEPS, ge=1, le=MAX_STEPS)
    tol: float = Field(default=TOL, ge=0, le=1e6, allow_inf_nan=False)

    @model_validator(mode="after")
    def _bounded(self) -> SweepRequest:
        work = len(self.lrs) * self.resolution**2 * self.steps
        if work > MAX_SWEEP_WORK:
            raise ValueError(
                f"{len(self.lrs)} learning rates x {self.resolution}^2 starts x {self.steps} "
                f"steps is {work:,} trajectory-steps, over the limit of {MAX_SWEEP_WORK:,}"
            )
        return self


class ExportRequest(RaceRequest):
    """A race, rendered by the server as an animation or written as a table."""

    format: Literal["gif", "mp4", "csv"] = "gif"
    view: Literal["contour", "surface", "both"] = VIEW
    fps: int = Field(default=FPS, ge=1, le=MAX_FPS)
    seconds: float = Field(default=5.0, gt=0, le=30, allow_inf_nan=False)

    @property
    def frames(self) -> int:
        """How many frames an animation holds: one per shown step."""
        return max(2, min(self.steps + 1, round(self.seconds * self.fps), MAX_EXPORT_FRAMES))


class SpecsRequest(Strict):
    """Optimizer specs to parse, e.g. the ones a share link holds."""

    specs: list[Spec] = Field(min_length=1, max_length=MAX_OPTIMIZERS + 1)


class Range(BaseModel):
    """The bounds of one whole-number field and its default."""

    min: int
    max: int
    default: int


class Limits(BaseModel):
    """What the request bodies above accept, read from their own constraints."""

    steps: Range = Field(description="Steps of a race or a sweep.")
    optimizers: int = Field(description="Optimizers in one race, at most.")
    starts: int = Field(description="Starts of one race, at most.")
    coordinate: float = Field(description="The largest coordinate of a start.")
    spec_length: int = Field(description="Characters of one optimizer spec, at most.")
    expression_length: int = Field(description="Characters of a landscape expression, at most.")
    sweep_resolution: Range = Field(description="Starts per axis of a sweep.")
    sweep_rates: int = Field(description="Learning rates of one sweep, at most.")
    sweep_work: int = Field(description="Learning rates x starts x steps of a sweep, at most.")


def _constraint(model: type[BaseModel], name: str, key: str) -> int | float:
    """A field's bound as the JSON schema publishes it (``maximum``, ``maxItems``, ...)."""
    schema = model.model_json_schema()
    field = schema["properties"][name]
    for option in [field, *field.get("anyOf", [])]:
        if key in option:
            return option[key]
        items = option.get("items", {})
        if key in items:
            return items[key]
    raise KeyError(f"{model.__name__}.{name} has no {key}")


def _range(model: type[BaseModel], name: str) -> Range:
    return Range(
        min=int(_constraint(model, name, "minimum")),
        max=int(_constraint(model, name, "maximum")),
        default=int(model.model_fields[name].default),
    )


def limits() -> Limits:
    """The limits of the request bodies, from their schemas (one source for the page)."""
    start = RaceRequest.model_json_schema()["properties"]["starts"]["anyOf"][0]
    return Limits(
        steps=_range(RaceRequest, "steps"),
        optimizers=int(_constraint(RaceRequest, "optimizers", "maxItems")),
        starts=int(start["maxItems"]),
        coordinate=float(start["items"]["items"]["maximum"]),
        spec_length=int(_constraint(RaceRequest, "optimizers", "maxLength")),
        expression_length=int(_constraint(RaceRequest, "landscape", "maxLength")),
        sweep_resolution=_range(SweepRequest, "resolution"),
        sweep_rates=int(_constraint(SweepRequest, "lrs", "maxItems")),
        sweep_work=MAX_SWEEP_WORK,
    )


class Refusal(BaseModel):
    """What the library refused: one line, and what it names."""

    message: str = Field(description="One line: what was wrong and what is allowed.")
    optimizer: int | None = Field(
        None, description="Index, in the request's optimizers, of the one refused."
    )
    hyperparameter: str | None = Field(None, description="The hyperparameter refused.")
    landscape: str | None = Field(None, description="The landscape expression refused.")


class RefusedRequest(BaseModel):
    """The body of a 400."""

    detail: Refusal
