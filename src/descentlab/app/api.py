"""The JSON API: catalogs, races, sweeps, exports and formulas.

Heavy work runs in a thread pool under a time limit, and at most a few jobs run at
once, so no request can hang the server or starve it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from . import compute
from .export import export as export_file
from .refusals import refusal
from .schemas import (
    ExportRequest,
    LandscapeText,
    Limits,
    RaceRequest,
    RefusedRequest,
    SpecsRequest,
    SweepRequest,
    limits,
)

T = TypeVar("T")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {
        "model": RefusedRequest,
        "description": "The library refused the request: `detail.message` says why in one "
        "line; `optimizer`, `hyperparameter` and `landscape` say what it names.",
    },
    422: {"description": "The request broke the schema or a limit."},
    503: {"description": "Too many jobs are running; try again shortly."},
    504: {"description": "The job ran past the time limit."},
}


class Jobs:
    """Runs blocking functions in threads: at most ``limit`` at once, each awaited for
    at most ``timeout`` seconds. A job that runs late still holds its place until it ends,
    so late jobs cannot pile up behind the server's back."""

    def __init__(self, timeout: float, limit: int) -> None:
        self.timeout, self.limit = timeout, limit
        self._running = 0
        self._lock = threading.Lock()

    async def __call__(self, fn: Callable[..., T], *args: Any, light: bool = False) -> T:
        """``fn(*args)`` in a thread; ``light`` jobs (cached look-ups, formulas) take no
        place, so a page loading its formulas is never turned away."""
        if not light:
            with self._lock:
                if self._running >= self.limit:
                    raise HTTPException(
                        503, f"the server is busy with {self.limit} jobs; try again"
                    )
                self._running += 1

        def job() -> T:
            try:
                return fn(*args)
            finally:
                if not light:
                    with self._lock:
                        self._running -= 1

        try:
            return await asyncio.wait_for(run_in_threadpool(job), self.timeout)
        except TimeoutError:
            raise HTTPException(
                504, f"the job took longer than {self.timeout:g} s; ask for fewer steps or starts"
            ) from None
        except (ValueError, TypeError, ArithmeticError, RuntimeError) as error:
            # the library's refusals, and torch's own (overflow, bad shapes): never a 500;
            # the detail names what was refused (see refusals.Refused)
            raise HTTPException(400, refusal(error)) from None


def jobs(request: Request) -> Jobs:
    return request.app.state.jobs


router = APIRouter(prefix="/api", responses=ERRORS)


@router.get("/optimizers", summary="The registry's optimizers")
def optimizers() -> list[dict[str, Any]]:
    """Every optimizer: name, defaults, summary, update rule (LaTeX), reference, colour."""
    return compute.catalog_optimizers()


@router.get("/limits", summary="The limits and defaults of the request bodies")
def limit_list() -> Limits:
    """Steps, optimizers, starts, spec and expression lengths and sweep sizes the API
    accepts, read from the request schemas, so the page checks what the server checks."""
    return limits()


@router.post("/specs", summary="Optimizer specs, parsed")
def specs(body: SpecsRequest) -> list[dict[str, Any]]:
    """Each spec's optimizer name, keyword arguments and canonical label, or the error
    that refuses it; the page reads share links with this instead of parsing them."""
    return [compute.parsed_spec(spec) for spec in body.specs]


@router.get("/landscapes", summary="The catalog's landscapes")
def landscape_list() -> list[dict[str, Any]]:
    """Every catalog landscape: name, formula, domain, start, minima, description."""
    return compute.catalog_landscapes()


@router.get("/landscape", summary="One landscape, sampled for plotting")
async def landscape(
    request: Request, name: Annotated[LandscapeText, Query(description="Name or expression.")]
) -> dict[str, Any]:
    """A catalog landscape or an expression (validated), with f sampled over its domain."""
    return await jobs(request)(compute.landscape, name, light=True)


@router.post("/race", summary="Race optimizers on a landscape")
async def race(request: Request, body: RaceRequest) -> dict[str, Any]:
    """Positions (K, S, T+1, D), losses (K, S, T+1) and divergence steps (K, S)."""
    return await jobs(request)(compute.race, body)


@router.post("/sweep", summary="Basin maps over a grid of starts")
async def sweep(request: Request, body: SweepRequest) -> dict[str, Any]:
    """For each learning rate: basin, final loss and steps to tolerance per start."""
    return await jobs(request)(compute.sweep_map, body)


@router.post(
    "/export",
    summary="Download a race as GIF, MP4 or CSV",
    response_class=Response,
    responses={
        200: {"content": {"image/gif": {}, "video/mp4": {}, "text/csv": {}},
              "description": "The file, as an attachment."}
    },
)  # fmt: skip
async def export(request: Request, body: ExportRequest) -> Response:
    """The race rendered as an animation (gif, mp4) or its table of every step (csv)."""
    content, media_type, name = await jobs(request)(export_file, body)
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(content, media_type=media_type, headers=headers)


@router.get(
    "/formula.svg",
    summary="A formula typeset as SVG",
    response_class=Response,
    responses={200: {"content": {"image/svg+xml": {}}, "description": "The formula."}},
)
async def formula(
    request: Request,
    optimizer: Annotated[str | None, Query(max_length=40)] = None,
    landscape: Annotated[LandscapeText | None, Query()] = None,
) -> Response:
    """The update rule of an optimizer, or the formula of a landscape (exactly one)."""
    if (optimizer is None) == (landscape is None):
        raise HTTPException(400, {"message": "give exactly one of optimizer= or landscape="})

    svg = await jobs(request)(compute.formula, optimizer, landscape, light=True)
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "max-age=3600"})
