"""Request bodies of the playground's API: the experiment models, narrowed to limits a
request cannot talk past."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic.fields import FieldInfo

from ..defaults import STARTS_PER_AXIS
from ..experiments import Experiment, RaceExperiment, SweepExperiment
from ..experiments.fields import Coordinate, Spec
from ..experiments.fields import LandscapeText as Landscape
from ..landscapes.expression import MAX_LENGTH as MAX_EXPRESSION

MAX_STEPS = 1000
MAX_OPTIMIZERS = 8
MAX_STARTS = 10
MAX_SPEC = 200  # characters of one optimizer spec
MAX_COORDINATE = 1e6
MAX_SWEEP_RESOLUTION = 60  # starts per axis
MAX_SWEEP_RATES = 25
MAX_SWEEP_WORK = 20_000_000  # learning rates x starts x steps
MAX_SECONDS = 30.0  # of an exported animation
MAX_EXPORT_FRAMES = 300

Capped = Annotated[Spec, Field(max_length=MAX_SPEC)]
Point = Annotated[
    list[Annotated[Coordinate, Field(ge=-MAX_COORDINATE, le=MAX_COORDINATE)]],
    Field(min_length=1, max_length=2),
]
Rate = Annotated[float, Field(gt=0, le=100, allow_inf_nan=False)]
LandscapeText = Annotated[Landscape, Field(max_length=MAX_EXPRESSION)]


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored."""

    model_config = ConfigDict(extra="forbid", strict=True)


def narrowed(
    name: str, experiment: type[Experiment], fields: dict[str, Any], base: type[BaseModel] = Strict
) -> Any:
    """A request body holding ``fields`` of ``experiment``, each narrowed: a `Field` of
    tighter bounds is merged into the experiment's own; a pair ``(type, Field)``
    replaces its type but keeps its default and description."""
    picked: dict[str, Any] = {}
    for field, narrowing in fields.items():
        own = experiment.model_fields[field]
        if isinstance(narrowing, tuple):
            kind, extra = narrowing
            keep = Field(default=own.default, description=own.description)
            picked[field] = (kind, FieldInfo.merge_field_infos(keep, extra))
        else:
            picked[field] = (own.annotation, FieldInfo.merge_field_infos(own, narrowing))
    return create_model(name, __base__=base, __doc__=experiment.__doc__, **picked)


RACE = {
    "landscape": Field(max_length=MAX_EXPRESSION),
    "optimizers": (list[Capped], Field(min_length=1, max_length=MAX_OPTIMIZERS)),
    "starts": (list[Point] | None, Field(min_length=1, max_length=MAX_STARTS)),
    "steps": Field(le=MAX_STEPS),
    "noise": Field(le=1e6),
    "seed": Field(),
    "xlim": Field(),
    "ylim": Field(),
}
RaceRequest = narrowed("RaceRequest", RaceExperiment, RACE)


class _Rendered(Strict):
    format: Literal["gif", "mp4", "csv"] = "gif"

    @property
    def frames(self) -> int:
        """How many frames an animation holds: one per shown step, at most
        ``duration x fps`` and `MAX_EXPORT_FRAMES`."""
        steps, fps, duration = self.steps, self.fps, self.duration  # type: ignore[attr-defined]
        wanted = steps + 1 if duration is None else round(duration * fps)
        return max(2, min(steps + 1, wanted, MAX_EXPORT_FRAMES))


ExportRequest = narrowed(
    "ExportRequest",
    RaceExperiment,
    {**RACE, "view": Field(), "fps": Field(), "duration": Field(le=MAX_SECONDS)},
    base=_Rendered,
)


class _Bounded(Strict):
    """A sweep the server can finish: one optimizer, learning rates only, and at most
    `MAX_SWEEP_WORK` trajectory-steps."""

    @model_validator(mode="after")
    def _bounded(self) -> Any:
        rates, per_axis, steps = len(self.grid.lr), self.starts, self.steps  # type: ignore[attr-defined]
        work = rates * per_axis**2 * steps
        if work > MAX_SWEEP_WORK:
            raise ValueError(
                f"{rates} learning rates x {per_axis}^2 starts x {steps} "
                f"steps is {work:,} trajectory-steps, over the limit of {MAX_SWEEP_WORK:,}"
            )
        return self


class LearningRates(Strict):
    """The grid of a sweep on the playground: learning rates only."""

    lr: list[Rate] = Field(min_length=1, max_length=MAX_SWEEP_RATES)


SweepRequest = narrowed(
    "SweepRequest",
    SweepExperiment,
    {
        "landscape": Field(max_length=MAX_EXPRESSION),
        "optimizers": (list[Capped], Field(min_length=1, max_length=1)),
        "grid": (LearningRates, Field()),
        "starts": (int, Field(default=STARTS_PER_AXIS, ge=2, le=MAX_SWEEP_RESOLUTION)),
        "steps": Field(le=MAX_STEPS),
        "tol": Field(le=1e6),
    },
    base=_Bounded,
)


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
    sweep_starts: Range = Field(description="Starts per axis of a sweep.")
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
        sweep_starts=_range(SweepRequest, "starts"),
        sweep_rates=int(_constraint(LearningRates, "lr", "maxItems")),
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
    start: int | None = Field(
        None, description="Index, in the request's starts, of the one refused."
    )
    reason: str | None = Field(None, description="What was wrong, without what is allowed.")
    allowed: str | None = Field(None, description="What a landscape expression may hold.")


class RefusedRequest(BaseModel):
    """The body of a 400."""

    detail: Refusal
