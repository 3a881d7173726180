"""Datasets: the shipped airfoil copy and its recipe, where downloadable files are found,
downloads from a real local server (good, truncated, wrong checksum, unreachable,
offline, a good copy kept), and the digits split."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from descentlab import tasks
from descentlab.train.datasets import (
    AIRFOIL,
    DatasetUnavailable,
    RemoteFile,
    airfoil_data,
    digits_data,
    download,
    locate,
    packaged,
)

SHIPPED = Path(str(packaged(AIRFOIL.name)))
# a made-up downloadable file: 4000 CRLF lines of numbers, about 60 KB, several blocks
BODY = b"".join(f"{i}\t{i * i % 9973}\t{i / 7:.6f}\r\n".encode() for i in range(4000))
SAMPLE = RemoteFile(
    name="sample.tsv",
    url="http://127.0.0.1:9/sample.tsv",
    sha256=hashlib.sha256(BODY).hexdigest(),
    citation="made up for the tests",
)


def test_the_shipped_copy_is_the_published_file() -> None:
    data = SHIPPED.read_bytes()
    assert hashlib.sha256(data).hexdigest() == AIRFOIL.sha256
    assert len(data) == 59984 and data.count(b"\r\n") == data.count(b"\n") == 1503
    notice = (SHIPPED.parent / "README.md").read_text()
    licence = "https://creativecommons.org/licenses/by/4.0/legalcode"
    for needed in ("Brooks", "10.24432/C5VW2C", "NASA RP-1218", "CC BY 4.0", licence):
        assert needed in notice, needed
    assert AIRFOIL.sha256 in notice


def test_airfoil_is_standardised_over_all_rows_then_cut_to_1500() -> None:
    raw = pd.read_csv(SHIPPED, sep="\t", header=None).to_numpy(np.float64)
    assert raw.shape == (1503, 6)
    assert raw[0].tolist() == [800, 0, 0.3048, 71.3, 0.00266337, 126.201]
    expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)  # z-score, population std
    features, target = airfoil_data()
    assert features.shape == (1500, 5) and target.shape == (1500,)
    assert features.dtype == target.dtype == torch.float32
    np.testing.assert_allclose(features.numpy(), expected[:1500, :5], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(target.numpy(), expected[:1500, 5], rtol=2e-5, atol=2e-5)
    task = tasks.airfoil()
    assert torch.equal(task.train[0], features) and torch.equal(task.train[1], target)
    assert "10.24432/C5VW2C" in task.citation and task.examples == 1500
    few, _ = airfoil_data(rows=10)
    assert torch.equal(few, features[:10])


def test_a_folder_passed_in_is_read_and_checked(tmp_path: Path) -> None:
    good, bad, empty = (tmp_path / name for name in ("good", "bad", "empty"))
    for folder in (good, bad, empty):
        folder.mkdir()
    (good / AIRFOIL.name).write_bytes(SHIPPED.read_bytes())
    (bad / AIRFOIL.name).write_bytes(SHIPPED.read_bytes().replace(b"126.201", b"126.202", 1))
    expected = airfoil_data()
    for folder in (good, empty):  # the same file, or none there: the shipped copy
        assert all(map(torch.equal, airfoil_data(folder), expected))
    with pytest.raises(DatasetUnavailable) as error:
        airfoil_data(bad)
    message = str(error.value)
    assert message.startswith(f"{bad / AIRFOIL.name} has sha256 ")
    assert f"not {AIRFOIL.sha256}" in message and "\n" not in message


def test_the_environment_and_the_cache_play_no_part_for_airfoil(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    for folder in (tmp_path, private_cache / "descentlab"):
        folder.mkdir(parents=True, exist_ok=True)
        (folder / AIRFOIL.name).write_text("800\t0\tnot-a-number\n")
    monkeypatch.setenv("DESCENTLAB_DATA", str(tmp_path))
    assert all(map(torch.equal, airfoil_data(), airfoil_data(SHIPPED.parent)))


def test_a_folder_passed_in_beats_the_environment_which_beats_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    folders = {name: tmp_path / name for name in ("given", "env")}
    for folder in [*folders.values(), private_cache / "descentlab"]:
        folder.mkdir(parents=True)
        (folder / SAMPLE.name).write_bytes(BODY)
    monkeypatch.setenv("DESCENTLAB_DATA", str(folders["env"]))
    assert locate(SAMPLE, folders["given"]) == folders["given"] / SAMPLE.name
    assert locate(SAMPLE) == folders["env"] / SAMPLE.name
    monkeypatch.delenv("DESCENTLAB_DATA")
    assert locate(SAMPLE) == private_cache / "descentlab" / SAMPLE.name


def test_a_damaged_copy_in_a_named_folder_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / SAMPLE.name).write_bytes(BODY[:-1])
    with pytest.raises(DatasetUnavailable) as error:
        locate(SAMPLE, tmp_path)
    message = str(error.value)
    assert message == (
        f"{tmp_path / SAMPLE.name} has sha256 {hashlib.sha256(BODY[:-1]).hexdigest()}, not "
        f"{SAMPLE.sha256}: it is damaged or another version; replace or delete it"
    )
    assert (tmp_path / SAMPLE.name).read_bytes() == BODY[:-1]  # left for the user to judge


class _Server:
    """A real HTTP server on 127.0.0.1 serving one body, optionally cut short."""

    def __init__(self, body: bytes, cut_at: int | None = None) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests += 1
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body if cut_at is None else body[:cut_at])
                self.wfile.flush()
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.requests = 0
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{SAMPLE.name}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


Serve = Callable[..., _Server]


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Serve]:
    """Start servers for one test, with downloads allowed (the suite forbids them)."""
    monkeypatch.delenv("DESCENTLAB_DATA", raising=False)
    monkeypatch.delenv("DESCENTLAB_OFFLINE", raising=False)
    servers: list[_Server] = []

    def start(body: bytes, cut_at: int | None = None) -> _Server:
        servers.append(_Server(body, cut_at))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_a_good_download_is_checked_and_stored_once(serve: Serve, private_cache: Path) -> None:
    server = serve(BODY)
    path = locate(SAMPLE, url=server.url)
    assert path == private_cache / "descentlab" / SAMPLE.name
    assert _files(private_cache) == [f"descentlab/{SAMPLE.name}"]
    assert path.read_bytes() == BODY
    assert locate(SAMPLE, url=server.url) == path  # found in the cache now
    assert server.requests == 1


def test_a_truncated_download_leaves_no_file(serve: Serve, private_cache: Path) -> None:
    server = serve(BODY, cut_at=len(BODY) // 3)
    with pytest.raises(DatasetUnavailable) as error:
        locate(SAMPLE, url=server.url)
    assert str(error.value) == (
        f"the download of {SAMPLE.name} from {server.url} stopped after {len(BODY) // 3} of "
        f"{len(BODY)} bytes; try again"
    )
    assert server.requests == 1 and _files(private_cache) == []


def test_a_download_with_the_wrong_checksum_is_not_kept(serve: Serve, private_cache: Path) -> None:
    wrong = BODY.replace(b"\t", b" ", 1)
    server = serve(wrong)
    with pytest.raises(DatasetUnavailable) as error:
        locate(SAMPLE, url=server.url)
    assert str(error.value) == (
        f"the download of {SAMPLE.name} from {server.url} has sha256 "
        f"{hashlib.sha256(wrong).hexdigest()}, not {SAMPLE.sha256}; the file was not kept"
    )
    assert _files(private_cache) == []


@pytest.mark.parametrize(("cut_at", "body"), [(1000, BODY), (None, BODY[:-2] + b"\n\n")])
def test_a_failed_download_never_replaces_a_good_copy(
    serve: Serve, tmp_path: Path, cut_at: int | None, body: bytes
) -> None:
    (tmp_path / SAMPLE.name).write_bytes(BODY)
    server = serve(body, cut_at=cut_at)
    with pytest.raises(DatasetUnavailable, match=r"stopped after 1000 of|has sha256"):
        download(SAMPLE, tmp_path, url=server.url)
    assert server.requests == 1
    assert _files(tmp_path) == [SAMPLE.name] and (tmp_path / SAMPLE.name).read_bytes() == BODY


def test_a_damaged_cached_copy_is_replaced_by_a_good_download(
    serve: Serve, private_cache: Path
) -> None:
    cached = private_cache / "descentlab" / SAMPLE.name
    cached.parent.mkdir(parents=True)
    cached.write_bytes(BODY[: len(BODY) // 2])  # an older tool's partial file, say
    truncating = serve(BODY, cut_at=100)
    with pytest.raises(DatasetUnavailable, match="stopped after 100 of"):
        locate(SAMPLE, url=truncating.url)
    assert cached.read_bytes() == BODY[: len(BODY) // 2]  # not made worse
    good = serve(BODY)
    assert locate(SAMPLE, url=good.url) == cached and cached.read_bytes() == BODY
    assert _files(private_cache) == [f"descentlab/{SAMPLE.name}"]


def test_a_server_that_is_down_is_one_line_saying_where_to_put_the_file(
    serve: Serve, private_cache: Path
) -> None:
    server = serve(BODY)
    url = server.url
    server.close()  # nothing listens on that port any more
    with pytest.raises(DatasetUnavailable) as error:
        locate(SAMPLE, url=url)
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"sample.tsv is not on this machine and could not be downloaded "
                              f"from {url} (")  # fmt: skip
    assert "set DESCENTLAB_DATA to that folder" in message
    assert str(private_cache / "descentlab") in message
    assert _files(private_cache) == []


def test_offline_mode_sends_no_request(
    monkeypatch: pytest.MonkeyPatch, serve: Serve, private_cache: Path
) -> None:
    server = serve(BODY)
    monkeypatch.setenv("DESCENTLAB_OFFLINE", "1")
    with pytest.raises(DatasetUnavailable) as error:
        locate(SAMPLE, url=server.url)
    assert str(error.value).startswith(
        "sample.tsv is not on this machine and DESCENTLAB_OFFLINE forbids downloading it; put "
        "the file in a folder and set DESCENTLAB_DATA to that folder"
    )
    assert server.requests == 0 and _files(private_cache) == []


def test_the_suite_runs_offline_with_an_empty_cache(private_cache: Path) -> None:
    # the session-wide guard in tests/conftest.py; SAMPLE's address is a closed port anyway
    with pytest.raises(DatasetUnavailable, match="DESCENTLAB_OFFLINE forbids downloading"):
        locate(SAMPLE)
    assert AIRFOIL.url == (
        "https://archive.ics.uci.edu/ml/machine-learning-databases/00291/airfoil_self_noise.dat"
    )


def test_digits_split_is_seeded_and_stratified() -> None:
    (train_x, train_y), (val_x, val_y) = digits_data()
    assert train_x.shape == (1437, 1, 8, 8) and val_x.shape == (360, 1, 8, 8)
    assert train_x.dtype == torch.float32 and train_y.dtype == torch.int64
    assert float(train_x.min()) == 0.0 and float(train_x.max()) == 1.0
    everything = torch.cat([train_y, val_y]).bincount()
    assert everything.sum() == 1797 and len(everything) == 10
    # stratified: each digit's share of the validation set is its share of the whole
    expected = everything.double() * 360 / 1797
    assert (val_y.bincount().double() - expected).abs().max() <= 1.0
    (again_x, _), _ = digits_data()
    (other_x, _), _ = digits_data(split_seed=1)
    assert torch.equal(train_x, again_x) and not torch.equal(train_x, other_x)
    with pytest.raises(ValueError, match=r"validation is the held-out fraction in \(0, 1\)"):
        digits_data(validation=1.5)
