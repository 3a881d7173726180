"""The kinds of value an experiment holds, each with its constraints and its help.

A face that accepts less (the playground caps steps and starts) narrows these; it
never writes its own.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo

from ..defaults import MAX_FPS, VIEWS


def listed(value: Any) -> Any:
    """One item where a list is expected stands for a list of one."""
    return [value] if isinstance(value, str) else value


Spec = Annotated[
    str,
    Field(
        min_length=1,
        description="An optimizer with its hyperparameters, e.g. 'adam(lr=0.1)'.",
        examples=["adam(lr=0.1)"],
    ),
]
Specs = Annotated[
    list[Spec],
    BeforeValidator(listed),
    Field(min_length=1, description="Optimizer specs, e.g. ['adam(lr=0.1)', 'sgd']."),
]
LandscapeText = Annotated[
    str,
    Field(
        min_length=1,
        description="A catalog name such as 'beale', or an expression in x and y.",
        examples=["beale", "x**2 + 3*sin(y)"],
    ),
]
Coordinate = Annotated[float, Field(allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=1)]
Steps = Annotated[int, Field(ge=1, description="Optimizer steps.")]


def _increasing(value: list[float], info: ValidationInfo) -> list[float]:
    if value[0] >= value[1]:
        raise ValueError(f"{info.field_name or 'a range'} must be LOW,HIGH with LOW under HIGH, "
                         f"got {value[0]:g},{value[1]:g}")  # fmt: skip
    return value


def _frame_size(value: list[int], info: ValidationInfo) -> list[int]:
    width, height = value
    if width % 2 or height % 2 or not (160 <= width <= 3840 and 120 <= height <= 2160):
        name = info.field_name or "size"
        raise ValueError(f"{name} must be even numbers of pixels from 160 x 120 to 3840 x 2160, "
                         f"got {width} x {height}")  # fmt: skip
    return value


Size = Annotated[
    list[int],
    Field(min_length=2, max_length=2, description="Width and height of an animation in pixels."),
    AfterValidator(_frame_size),
]
Dpi = Annotated[int, Field(ge=20, le=600, description="Dots per inch: scales text and lines.")]
Look = Annotated[
    Literal["mesh", "lit"],
    Field(description="The 3-D surface as a mesh, or lit as in the lecture animations."),
]
Limits = Annotated[
    list[Coordinate],
    Field(min_length=2, max_length=2, description="Low and high limit of an axis in a picture."),
    AfterValidator(_increasing),
]
Noise = Annotated[
    float, Field(ge=0, allow_inf_nan=False, description="Std of Gaussian gradient noise.")
]
Seed = Annotated[int, Field(ge=0, description="Random seed (noise, initial weights, data order).")]
Tol = Annotated[
    float,
    Field(ge=0, allow_inf_nan=False, description="Within this of the minimum is reached."),
]
Dtype = Literal["float32", "float64"]
View = Annotated[Literal[VIEWS], Field(description="contour, surface or both.")]  # type: ignore[valid-type]
Fps = Annotated[int, Field(ge=1, le=MAX_FPS, description="Frames per second of an animation.")]
Seconds = Annotated[
    float,
    Field(gt=0, allow_inf_nan=False, description="Length of an animation in seconds."),
]
GridValues = Annotated[
    str | list[Any],
    Field(description="A range such as '1e-3:1:30:log', values 'v1,v2,...', or a list"),
]
Plot = Annotated[
    Literal["basins", "sensitivity", "heatmap"],
    Field(description="basins, sensitivity or heatmap."),
]
Whole = Annotated[int, Field(ge=1)]
