"""Datasets: the airfoil recipe, where files are found, downloads from a local server
(good, truncated, wrong checksum, unreachable), and the digits split."""

from __future__ import annotations

import hashlib
import http.server
import threading
from collections.abc import Iterator
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
)


def test_the_shared_copy_is_the_published_file(airfoil_dir: Path) -> None:
    data = (airfoil_dir / AIRFOIL.name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == AIRFOIL.sha256
    assert data.count(b"\n") == 1503


def test_airfoil_is_standardised_over_all_rows_then_cut_to_1500(airfoil_dir: Path) -> None:
    raw = pd.read_csv(airfoil_dir / AIRFOIL.name, sep="\t", header=None).to_numpy(np.float64)
    assert raw.shape == (1503, 6)
    assert raw[0].tolist() == [800, 0, 0.3048, 71.3, 0.00266337, 126.201]
    expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)  # z-score, population std
    features, target = airfoil_data(airfoil_dir)
    assert features.shape == (1500, 5) and target.shape == (1500,)
    assert features.dtype == target.dtype == torch.float32
    np.testing.assert_allclose(features.numpy(), expected[:1500, :5], rtol=2e-5, atol=2e-5)
    np.testing.assert_allclose(target.numpy(), expected[:1500, 5], rtol=2e-5, atol=2e-5)


def test_a_folder_passed_in_beats_the_environment_which_beats_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    folders = {name: tmp_path / name for name in ("given", "env")}
    for folder in [*folders.values(), private_cache / "descentlab"]:
        folder.mkdir(parents=True)
        (folder / AIRFOIL.name).write_text(folder.name)
    monkeypatch.setenv("DESCENTLAB_DATA", str(folders["env"]))
    assert locate(AIRFOIL, folders["given"]).read_text() == "given"
    assert locate(AIRFOIL).read_text() == "env"
    monkeypatch.delenv("DESCENTLAB_DATA")
    assert locate(AIRFOIL).read_text() == "descentlab"


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
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/{AIRFOIL.name}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.delenv("DESCENTLAB_DATA", raising=False)
    servers: list[_Server] = []

    def start(body: bytes, cut_at: int | None = None) -> _Server:
        servers.append(_Server(body, cut_at))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _cache_files(cache: Path) -> list[str]:
    return sorted(p.name for p in cache.rglob("*") if p.is_file())


def test_a_good_download_is_checked_and_stored_once(
    airfoil_dir: Path, serve: object, private_cache: Path
) -> None:
    body = (airfoil_dir / AIRFOIL.name).read_bytes()
    server = serve(body)
    features, target = airfoil_data(url=server.url)
    assert _cache_files(private_cache) == [AIRFOIL.name]
    assert (private_cache / "descentlab" / AIRFOIL.name).read_bytes() == body
    expected_features, expected_target = airfoil_data(airfoil_dir)
    assert torch.equal(features, expected_features) and torch.equal(target, expected_target)
    airfoil_data(url=server.url)  # found in the cache now
    assert server.requests == 1


def test_a_truncated_download_leaves_no_file(
    airfoil_dir: Path, serve: object, private_cache: Path
) -> None:
    body = (airfoil_dir / AIRFOIL.name).read_bytes()
    server = serve(body, cut_at=len(body) // 3)
    with pytest.raises(DatasetUnavailable, match=r"stopped after \d+ .*try again") as error:
        airfoil_data(url=server.url)
    assert "\n" not in str(error.value)
    assert _cache_files(private_cache) == []


def test_a_download_with_the_wrong_checksum_is_not_kept(
    airfoil_dir: Path, serve: object, private_cache: Path
) -> None:
    body = (airfoil_dir / AIRFOIL.name).read_bytes().replace(b"126.201", b"126.202", 1)
    server = serve(body)
    with pytest.raises(DatasetUnavailable, match=r"has sha256 [0-9a-f]{64}, not 74c75fd7"):
        airfoil_data(url=server.url)
    assert _cache_files(private_cache) == []


def test_offline_without_a_copy_says_where_to_put_the_file(
    monkeypatch: pytest.MonkeyPatch, private_cache: Path
) -> None:
    monkeypatch.delenv("DESCENTLAB_DATA", raising=False)
    server = _Server(b"")
    url = server.url
    server.close()  # nothing listens there any more: the machine is offline
    with pytest.raises(DatasetUnavailable) as error:
        tasks.airfoil(url=url)
    message = str(error.value)
    assert "\n" not in message
    assert "airfoil_self_noise.dat is not on this machine" in message
    assert "DESCENTLAB_DATA" in message and str(private_cache / "descentlab") in message
    assert _cache_files(private_cache) == []


def test_download_uses_the_canonical_address_by_default(tmp_path: Path) -> None:
    assert AIRFOIL.url == (
        "https://archive.ics.uci.edu/ml/machine-learning-databases/00291/airfoil_self_noise.dat"
    )
    unreachable = RemoteFile("x.dat", "http://127.0.0.1:9/x.dat", "0" * 64, "")
    with pytest.raises(DatasetUnavailable, match=r"x\.dat is not on this machine"):
        download(unreachable, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_a_damaged_local_copy_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / AIRFOIL.name).write_text("800\t0\tnot-a-number\n")
    with pytest.raises(DatasetUnavailable, match=r"is not the airfoil data.*delete it"):
        airfoil_data(tmp_path)


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


def test_offline_mode_never_downloads(
    monkeypatch: pytest.MonkeyPatch, serve: object, airfoil_dir: Path, private_cache: Path
) -> None:
    server = serve((airfoil_dir / AIRFOIL.name).read_bytes())
    monkeypatch.setenv("DESCENTLAB_OFFLINE", "1")
    with pytest.raises(DatasetUnavailable, match=r"DESCENTLAB_OFFLINE forbids downloading"):
        airfoil_data(url=server.url)
    assert server.requests == 0 and _cache_files(private_cache) == []
