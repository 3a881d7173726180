"""`descentlab serve`: the installed command starts the page; --open opens it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from descentlab.app.server import CannotListen, PortInUse, is_loopback, listen

from .live import free_port


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True),
     ("[::1]", True), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False),
     ("example.org", False)],
)  # fmt: skip
def test_which_hosts_are_loopback(host, loopback):
    assert is_loopback(host) is loopback


def executable() -> str:
    found = Path(sys.executable).with_name("descentlab")
    assert found.exists(), "the descentlab console script is installed with the package"
    return str(found)


def test_serve_starts_the_playground_and_opens_it(tmp_path):
    port = free_port()
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{opened}"\n')
    browser.chmod(0o755)
    env = {**os.environ, "BROWSER": str(browser), "COLUMNS": "200"}
    process = subprocess.Popen(
        [executable(), "serve", "--port", str(port), "--open"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=2)
                break
            except httpx.TransportError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert page.status_code == 200 and "descentlab playground" in page.text
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text() == f"http://127.0.0.1:{port}/"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert f"descentlab playground: http://127.0.0.1:{port}/" in stderr
    assert "warning" not in stderr.lower()


def test_a_taken_port_is_one_line_with_a_hint_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            listen("127.0.0.1", port)
        assert (caught.value.host, caught.value.port) == ("127.0.0.1", port)
        done = subprocess.run(
            [executable(), "serve", "--port", str(port)],
            capture_output=True, text=True, timeout=60, env={**os.environ, "COLUMNS": "300"},
        )  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert lines == [
        f"error: port {port} on 127.0.0.1 is already in use; pick another with --port, "
        "or --port 0 for a free one"
    ]
    assert done.stdout == ""


def test_an_address_this_machine_does_not_have_is_one_line():
    with pytest.raises(CannotListen) as caught:
        listen("192.0.2.1", 0)  # TEST-NET-1: never a local address
    assert caught.value.host == "192.0.2.1"
    assert "cannot listen on 192.0.2.1 port 0" in str(caught.value)


def test_port_0_listens_on_a_free_port():
    sock = listen("127.0.0.1", 0)
    try:
        assert sock.getsockname()[1] > 0
    finally:
        sock.close()
