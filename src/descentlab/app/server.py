"""The playground's app and the server behind ``descentlab serve``."""

from __future__ import annotations

import errno
import ipaddress
import socket
import sys
import threading
import time
import webbrowser
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from pathlib import Path

import plotly
import uvicorn
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles

from .. import __version__
from . import compute
from .api import Jobs, router
from .schemas import RaceRequest

STATIC = Path(str(files("descentlab.app") / "static"))
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
TIMEOUT = 30.0  # seconds a job may run
CONCURRENT_JOBS = 4


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # the first race of a process pays for torch's start-up; pay it before anyone waits
    threading.Thread(target=_warm_up, daemon=True).start()
    yield


def _warm_up() -> None:
    compute.race(RaceRequest(landscape="beale", optimizers=["sgd", "momentum", "adam"], steps=3))
    compute.landscape("beale")


def create_app(timeout: float = TIMEOUT, concurrent_jobs: int = CONCURRENT_JOBS) -> FastAPI:
    """The FastAPI app: the page at /, the JSON API under /api, its schema at /openapi.json."""
    app = FastAPI(
        lifespan=_lifespan,
        title="descentlab playground",
        version=__version__,
        description="Race optimizers on test landscapes: the API behind `descentlab serve`.",
        # the interactive docs pages load their scripts from a CDN; the schema alone does not
        docs_url=None,
        redoc_url=None,
    )
    app.state.jobs = Jobs(timeout, concurrent_jobs)
    app.include_router(router)
    app.add_exception_handler(RequestValidationError, _invalid)

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})

    @app.get("/vendor/plotly.min.js", include_in_schema=False)
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app


async def _invalid(request: Request, error: Exception) -> JSONResponse:
    """422 with one readable line first (``detail``) and pydantic's list (``errors``)."""
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    lines = []
    for entry in errors:
        where = ".".join(str(p) for p in entry.get("loc", ()) if p != "body")
        message = str(entry.get("msg", "invalid")).removeprefix("Value error, ")
        lines.append(f"{where}: {message}" if where else message)
    detail = "; ".join(lines[:3]) + (f" (and {len(lines) - 3} more)" if len(lines) > 3 else "")
    safe = [{"loc": list(e.get("loc", ())), "msg": str(e.get("msg", ""))} for e in errors]
    return JSONResponse({"detail": detail or "invalid request", "errors": safe}, status_code=422)


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server reachable from this machine only."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class CannotListen(OSError):
    """The server cannot listen on ``host``:``port``; ``reason`` says why."""

    def __init__(self, host: str, port: int, reason: str, code: int | None = None) -> None:
        super().__init__(code, reason)
        self.host = host
        self.port = port
        self.reason = reason

    def __str__(self) -> str:
        return f"cannot listen on {self.host} port {self.port}: {self.reason}"


class PortInUse(CannotListen):
    """Another program listens on ``port`` at ``host``."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__(host, port, "the port is already in use", errno.EADDRINUSE)


def listen(host: str, port: int) -> socket.socket:
    """A listening socket on ``host``:``port`` (0: a free port), bound before the server
    starts so that a taken port is a `PortInUse` error rather than a server that exits."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host.strip("[]"), port))
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise PortInUse(host, port) from None
        raise CannotListen(host, port, error.strerror or str(error), error.errno) from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False) -> None:
    """Run the playground on uvicorn until interrupted; warn when others can reach it.

    Raises `PortInUse` when the port is taken, before anything starts.
    """
    from rich.console import Console

    console = Console(stderr=True)
    sock = listen(host, port)
    if not is_loopback(host):
        console.print(
            f"[bold yellow]warning:[/] binding {host} makes the playground reachable from "
            "other machines; it has no authentication. Use --host 127.0.0.1 to keep it local."
        )
    config = uvicorn.Config(create_app(), host=host, port=port, log_level="info")
    server = uvicorn.Server(config)
    threading.Thread(
        target=_announce, args=(server, host, console, open_browser), daemon=True
    ).start()
    server.run(sockets=[sock])


def _announce(server: uvicorn.Server, host: str, console: object, open_browser: bool) -> None:
    """Once the server listens: print its address and, if asked, open the page."""
    while not server.started:
        if server.should_exit:
            return
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
    console.print(f"descentlab playground: [bold cyan]{url}[/]")  # type: ignore[attr-defined]
    if open_browser:
        webbrowser.open(url)
    sys.stderr.flush()
