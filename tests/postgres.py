"""A real, throwaway PostgreSQL server for the tests, started by the suite itself.

The suite runs sealed off (.ci/sealed: new network and mount namespaces with only
loopback up), so a server started outside would be out of reach: this module starts its
own from the installed binaries (Debian: /usr/lib/postgresql/<version>/bin) in a fresh
temporary folder, listening on 127.0.0.1 at a free port and on a Unix socket in that
folder, with durability off (fsync, synchronous_commit, full_page_writes) since its data
lives only as long as the test session. initdb refuses to run as root, so as root (CI)
the server runs as the ``postgres`` user that Debian's package creates.

Fixtures (registered for a folder by importing them into its conftest.py):

- ``postgres_server``: the session's :class:`PostgresServer`;
- ``postgres_url``: the SQLAlchemy URL of a database made for the session;
- ``postgres_database``: the URL of a fresh database made for one test, dropped after it.

Without the binaries CI fails (``CI=true``); elsewhere the tests that need them skip.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest
from psycopg2 import sql

SUPERUSER = "descentlab"
DRIVER = "postgresql+psycopg2"
RUN_AS = "postgres"  # the user Debian's package creates; used only when we are root
START_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0
INSTALL_HINT = "apt-get install postgresql"

_names = itertools.count()


def find_bindir() -> Path | None:
    """The folder holding initdb and postgres: Debian's newest, else whatever is on PATH."""
    found = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    debian = [d for d in found if (d / "postgres").is_file()]
    if debian:
        return max(debian, key=lambda d: [int(n) for n in re.findall(r"\d+", d.parent.name)])
    initdb = shutil.which("initdb")
    if initdb and (Path(initdb).parent / "postgres").is_file():
        return Path(initdb).parent
    return None


def unavailable(reason: str) -> None:
    """Fail in CI, which installs PostgreSQL for these tests; skip elsewhere."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; CI installs PostgreSQL ({INSTALL_HINT}) for these tests")
    pytest.skip(f"{reason} ({INSTALL_HINT})")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """A PostgreSQL server in its own temporary folder, stopped and deleted by :meth:`stop`."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.port = free_port()
        self.user = SUPERUSER
        self.root = Path(tempfile.mkdtemp(prefix="descentlab-pg-"))
        self.data = self.root / "data"
        self.socket_dir = self.root  # short path: a socket's path must fit in 107 bytes
        self.log = self.root / "server.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._as_user: dict[str, object] = {}
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(RUN_AS)
            except KeyError:
                shutil.rmtree(self.root, ignore_errors=True)
                unavailable(f"running as root needs the {RUN_AS!r} user to run PostgreSQL")
            os.chown(self.root, account.pw_uid, account.pw_gid)
            self._as_user = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        os.chmod(self.root, 0o700)

    def _run(self, *args: str) -> None:
        done = subprocess.run(
            args, cwd=self.root, capture_output=True, text=True, check=False, **self._as_user
        )
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    def start(self) -> None:
        self._run(
            str(self.bindir / "initdb"),
            "--pgdata",
            str(self.data),
            "--username",
            self.user,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C",
            "--no-sync",
        )
        settings = {
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "fsync": "off",
            "synchronous_commit": "off",
            "full_page_writes": "off",
            "max_connections": "200",
        }
        command = [str(self.bindir / "postgres"), "-D", str(self.data)]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(
                command,
                cwd=self.root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # a Ctrl-C in the terminal does not reach it
                **self._as_user,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"PostgreSQL exited with {self.process.returncode}:\n{self.logs()}"
                )
            try:
                self.connect("postgres").close()
                return
            except psycopg2.OperationalError:
                if time.monotonic() > deadline:
                    logs = self.logs()
                    self.stop()
                    raise RuntimeError(
                        f"PostgreSQL did not accept connections in {START_TIMEOUT:.0f} s:\n{logs}"
                    ) from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def logs(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-4000:]
        except OSError:
            return "(no log)"

    def url(self, database: str, *, via_socket: bool = False) -> str:
        """The SQLAlchemy URL of ``database``: over TCP, or over the Unix socket.

        The driver is named: SQLAlchemy 2.1 reads a bare ``postgresql://`` as psycopg 3,
        and the ``postgres`` extra installs psycopg2."""
        if via_socket:
            return f"{DRIVER}://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"
        return f"{DRIVER}://{self.user}@127.0.0.1:{self.port}/{database}"

    def connect(self, database: str = "postgres"):
        """A psycopg2 connection to ``database``, in autocommit mode."""
        connection = psycopg2.connect(
            host="127.0.0.1", port=self.port, user=self.user, dbname=database, connect_timeout=5
        )
        connection.autocommit = True
        return connection

    def create_database(self, prefix: str = "test") -> str:
        """Make a new empty database with a unique name and return its URL."""
        name = f"{prefix}_{os.getpid()}_{next(_names)}"
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        finally:
            connection.close()
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop the database ``url`` names, closing whatever connections remain to it."""
        name = url.rsplit("/", 1)[1].split("?", 1)[0]
        connection = self.connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
                )
        finally:
            connection.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bindir = find_bindir()
    if bindir is None:
        unavailable("PostgreSQL's initdb and postgres are not installed")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """A database of the session's server, shared by the tests that ask for it."""
    return postgres_server.create_database("session")


@pytest.fixture
def postgres_database(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database for one test (no tables shared with any other), dropped after it."""
    url = postgres_server.create_database()
    yield url
    postgres_server.drop_database(url)
