"""Fashion-MNIST: tiny IDX files written here and served from a real server on 127.0.0.1
(downloaded once, checked, read back exactly), damaged and missing files, the IDX
reader's refusals, LeNet-5's shape and size, and one epoch of training."""

from __future__ import annotations

import gzip
import hashlib
import http.server
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import torch

import descentlab as dl
from descentlab.train.datasets import DatasetUnavailable, RemoteFile
from descentlab.train.fashion import (
    BASE_URL,
    CHECKSUMS,
    FILES,
    METRIC,
    SETTINGS,
    TARGET,
    fashion_mnist,
    fashion_mnist_data,
    lenet5,
    read_idx,
    remote_files,
)

NAMES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
TRAIN, TEST = 64, 16


def idx(values: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX file, written from the format: 0, 0, type code, dimensions, then the sizes
    and the values, big-endian."""
    header = struct.pack(">BBBB", 0, 0, code, values.ndim)
    return header + struct.pack(f">{values.ndim}I", *values.shape) + values.tobytes()


def gz(body: bytes) -> bytes:
    return gzip.compress(body, mtime=0)


# known pixels (0 and 255 among them) and labels, every class in each split
_rng = np.random.default_rng(1708)
PIXELS = {
    "train": _rng.integers(0, 256, size=(TRAIN, 28, 28), dtype=np.uint8),
    "test": _rng.integers(0, 256, size=(TEST, 28, 28), dtype=np.uint8),
}
PIXELS["train"][0, 0, 0], PIXELS["train"][0, 0, 1] = 0, 255
LABELS = {
    "train": (np.arange(TRAIN) % 10).astype(np.uint8),
    "test": (np.arange(TEST)[::-1] % 10).astype(np.uint8),
}
BODIES = {
    NAMES[0]: gz(idx(PIXELS["train"])),
    NAMES[1]: gz(idx(LABELS["train"])),
    NAMES[2]: gz(idx(PIXELS["test"])),
    NAMES[3]: gz(idx(LABELS["test"])),
}
TINY_SUMS = {name: hashlib.sha256(body).hexdigest() for name, body in BODIES.items()}


class _Server:
    """A real HTTP server on 127.0.0.1 serving the tiny files by name, counting requests."""

    def __init__(self, bodies: dict[str, bytes]) -> None:
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append(self.path)
                body = bodies.get(self.path.lstrip("/"))
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.requests: list[str] = []
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Server]:
    """The tiny files on a local server, with downloads allowed (the suite forbids them)."""
    monkeypatch.delenv("DESCENTLAB_DATA", raising=False)
    monkeypatch.delenv("DESCENTLAB_OFFLINE", raising=False)
    running = _Server(BODIES)
    yield running
    running.close()


def tiny(base_url: str) -> dict[str, RemoteFile]:
    return remote_files(base_url, TINY_SUMS)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data folder holding the tiny files (no server, the suite stays offline)."""
    data = tmp_path / "data"
    data.mkdir()
    for name, body in BODIES.items():
        (data / name).write_bytes(body)
    return data


def _files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_the_canonical_files_are_the_published_ones() -> None:
    assert list(FILES) == list(NAMES) == list(CHECKSUMS)
    assert BASE_URL == "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
    for name, remote in FILES.items():
        assert remote.name == name
        assert remote.url == f"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/{name}"
        assert "arXiv:1708.07747" in remote.citation and "MIT" in remote.citation
    assert [FILES[name].sha256 for name in NAMES] == [
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
    ]
    assert METRIC == "val_accuracy" and 0.8 <= TARGET < 0.9
    assert SETTINGS["kind"] == "classification"
    assert (SETTINGS["epochs"], SETTINGS["batch_size"]) == (10, 256)


def test_a_download_is_stored_once_and_read_back_exactly(
    server: _Server, private_cache: Path
) -> None:
    task = fashion_mnist(files=tiny(server.url))
    assert sorted(server.requests) == sorted(f"/{name}" for name in NAMES)
    assert _files(private_cache) == sorted(f"descentlab/{name}" for name in NAMES)
    for name in NAMES:
        assert (private_cache / "descentlab" / name).read_bytes() == BODIES[name]
    again = fashion_mnist(files=tiny(server.url))
    assert len(server.requests) == 4  # found in the cache: no request
    (train_x, train_y), (val_x, val_y) = task.train, task.validation
    for pair, split in (((train_x, train_y), "train"), ((val_x, val_y), "test")):
        images, labels = pair
        assert images.shape == (len(PIXELS[split]), 1, 28, 28) and images.dtype == torch.float32
        assert labels.dtype == torch.int64
        expected = torch.from_numpy(PIXELS[split]).float().unsqueeze(1) / 255
        assert torch.equal(images, expected)
        assert torch.equal((images * 255).round().to(torch.uint8).squeeze(1),
                           torch.from_numpy(PIXELS[split]))  # fmt: skip
        assert torch.equal(labels, torch.from_numpy(LABELS[split]).long())
    assert float(train_x.min()) == 0.0 and float(train_x.max()) == 1.0
    assert all(map(torch.equal, again.train, task.train))
    assert task.name == "fashion_mnist" and task.kind == "classification"
    assert (task.epochs, task.batch_size) == (10, 256)
    assert task.loss is torch.nn.functional.cross_entropy
    assert "1708.07747" in task.citation and task.description == SETTINGS["description"]


def test_a_damaged_download_is_refused_in_one_line(server: _Server, private_cache: Path) -> None:
    files = tiny(server.url)
    wrong = {**files, NAMES[3]: RemoteFile(NAMES[3], files[NAMES[3]].url, "0" * 64, "")}
    with pytest.raises(DatasetUnavailable) as error:
        fashion_mnist(files=wrong)
    message = str(error.value)
    assert "\n" not in message
    assert message == (
        f"the download of {NAMES[3]} from {server.url}{NAMES[3]} has sha256 "
        f"{TINY_SUMS[NAMES[3]]}, not {'0' * 64}; the file was not kept"
    )
    assert f"descentlab/{NAMES[3]}" not in _files(private_cache)


def test_a_damaged_copy_in_the_data_folder_is_refused_in_one_line(folder: Path) -> None:
    damaged = BODIES[NAMES[0]][:-1]
    (folder / NAMES[0]).write_bytes(damaged)
    with pytest.raises(DatasetUnavailable) as error:
        fashion_mnist(folder, files=tiny("http://127.0.0.1:9/"))
    assert str(error.value) == (
        f"{folder / NAMES[0]} has sha256 {hashlib.sha256(damaged).hexdigest()}, not "
        f"{TINY_SUMS[NAMES[0]]}: it is damaged or another version; replace or delete it"
    )


def test_offline_with_nothing_cached_is_one_line(private_cache: Path) -> None:
    # tests/conftest.py sets DESCENTLAB_OFFLINE=1: the canonical address is never contacted
    with pytest.raises(DatasetUnavailable) as error:
        fashion_mnist()
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(
        f"{NAMES[0]} is not on this machine and DESCENTLAB_OFFLINE forbids downloading it; "
        "put the file in a folder and set DESCENTLAB_DATA to that folder"
    )
    assert str(private_cache / "descentlab") in message and _files(private_cache) == []


def test_a_data_folder_is_used_without_the_network(folder: Path) -> None:
    (train_x, train_y), (test_x, test_y) = fashion_mnist_data(folder, tiny("http://127.0.0.1:9/"))
    assert torch.equal(train_y, torch.from_numpy(LABELS["train"]).long())
    assert test_x.shape == (TEST, 1, 28, 28) and len(test_y) == TEST and len(train_x) == TRAIN


def test_subsets_are_seeded_rows_of_the_full_sets(folder: Path) -> None:
    files = tiny("http://127.0.0.1:9/")
    full = fashion_mnist(folder, files=files)
    part = fashion_mnist(folder, train_size=20, validation_size=5, files=files)
    assert part.examples == 20 and len(part.validation[0]) == 5
    assert all(map(torch.equal, part.validation, fashion_mnist(folder, None, 5, files=files)
                   .validation))  # fmt: skip
    rows = {tuple(x.flatten().tolist()): int(y) for x, y in zip(*full.train, strict=True)}
    for x, y in zip(*part.train, strict=True):
        assert rows[tuple(x.flatten().tolist())] == int(y)
    same = fashion_mnist(folder, train_size=20, validation_size=5, files=files)
    other = fashion_mnist(folder, train_size=20, validation_size=5, seed=1, files=files)
    assert all(map(torch.equal, same.train, part.train))
    assert not torch.equal(other.train[0], part.train[0])
    with pytest.raises(ValueError, match=r"train_size must be a whole number in \[1, 64\]"):
        fashion_mnist(folder, train_size=65, files=files)
    with pytest.raises(ValueError, match="validation_size must be a whole number >= 1"):
        fashion_mnist(folder, validation_size=0, files=files)


def test_the_reader_refuses_a_bad_magic_a_cut_file_and_mismatched_counts(
    tmp_path: Path,
) -> None:
    good = idx(PIXELS["test"])
    cases = {
        "magic.gz": (gz(b"\x08\x03" + good[2:]), "is not an IDX file: its magic number is "
                     "0x08030803"),
        "code.gz": (gz(good[:2] + b"\x07" + good[3:]), "is not an IDX file"),
        "cut.gz": (gz(good[:-1]), f"is truncated: {len(good) - 1} bytes, its header "
                   f"[{TEST}, 28, 28] of uint8 says {len(good)}"),
        "header.gz": (gz(good[:10]), "is truncated: 10 bytes, shorter than its 16-byte header"),
        "long.gz": (gz(good + b"\0"), "is too long"),
        "stream.gz": (gz(good)[:-20], "is not a complete gzip file"),
        "plain.gz": (good, "is not a complete gzip file"),
    }  # fmt: skip
    for name, (body, expected) in cases.items():
        (tmp_path / name).write_bytes(body)
        with pytest.raises(ValueError) as error:
            read_idx(tmp_path / name)
        message = str(error.value)
        assert message.startswith(f"{tmp_path / name} {expected}"), message
        assert "\n" not in message
    (tmp_path / "ok.gz").write_bytes(gz(good))
    assert np.array_equal(read_idx(tmp_path / "ok.gz"), PIXELS["test"])
    wide = np.arange(-3, 3, dtype=">i4").reshape(2, 3)
    (tmp_path / "int32.gz").write_bytes(gz(idx(wide, 0x0C)))
    assert read_idx(tmp_path / "int32.gz").tolist() == [[-3, -2, -1], [0, 1, 2]]


def test_images_and_labels_must_agree(tmp_path: Path) -> None:
    bodies = {**BODIES, NAMES[3]: gz(idx(LABELS["test"][:-1]))}
    for name, body in bodies.items():
        (tmp_path / name).write_bytes(body)
    sums = {name: hashlib.sha256(body).hexdigest() for name, body in bodies.items()}
    with pytest.raises(ValueError) as error:
        fashion_mnist(tmp_path, files=remote_files("http://127.0.0.1:9/", sums))
    assert str(error.value) == (
        f"{tmp_path / NAMES[2]} holds {TEST} images but {tmp_path / NAMES[3]} holds "
        f"{TEST - 1} labels"
    )
    wrong = {
        NAMES[2]: (gz(idx(PIXELS["test"][:, :27])), "holds uint8 of shape [16, 27, 28], not "
                   "28x28 images of unsigned bytes"),
        NAMES[3]: (gz(idx(LABELS["test"] + 1)), "holds label 10, not a class 0 to 9"),
    }  # fmt: skip
    for name, (body, expected) in wrong.items():
        bodies = {**BODIES, name: body}
        for each, content in bodies.items():
            (tmp_path / each).write_bytes(content)
        sums = {each: hashlib.sha256(content).hexdigest() for each, content in bodies.items()}
        with pytest.raises(ValueError) as error:
            fashion_mnist(tmp_path, files=remote_files("http://127.0.0.1:9/", sums))
        assert str(error.value) == f"{tmp_path / name} {expected}"


def test_lenet5_has_the_tutorial_shape_and_size() -> None:
    expected = 6 * (25 + 1) + 16 * (6 * 25 + 1) + (16 * 5 * 5 + 1) * 120 + (120 + 1) * 84
    expected += (84 + 1) * 10
    for activation, unit in (("relu", torch.nn.ReLU), ("sigmoid", torch.nn.Sigmoid)):
        model = lenet5(activation)
        assert sum(p.numel() for p in model.parameters()) == expected == 61706
        assert sum(isinstance(m, unit) for m in model.modules()) == 4
        assert model(torch.zeros(3, 1, 28, 28)).shape == (3, 10)
    pools = [m for m in lenet5().modules() if isinstance(m, torch.nn.AvgPool2d)]
    assert len(pools) == 2
    with pytest.raises(ValueError, match="activation must be 'relu' or 'sigmoid'"):
        lenet5("tanh")  # type: ignore[arg-type]


def test_one_epoch_of_the_tiny_task_trains(folder: Path) -> None:
    task = fashion_mnist(folder, files=tiny("http://127.0.0.1:9/"))
    run = dl.fit(task, "sgd(lr=0.1)", epochs=1, batch_size=16)
    curve = run.curve
    assert len(curve) >= 1 and curve["epoch"].iloc[-1] == 1
    measured = ["train_loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert np.isfinite(curve[measured].to_numpy()).all()
    assert run.diverged_at == -1  # -1: it never diverged
