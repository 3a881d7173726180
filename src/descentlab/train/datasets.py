"""Datasets: found in a local folder or the cache, else downloaded once and checked.

Where a file is looked for, in order: the folder passed in, ``$DESCENTLAB_DATA``, the
user cache (``$XDG_CACHE_HOME/descentlab`` or ``~/.cache/descentlab``); with
``DESCENTLAB_OFFLINE=1`` nothing is downloaded. A download is
written to a temporary name, its sha256 checked, then moved into place, so an
interrupted or damaged download never leaves a file that looks complete.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

DATA_ENV = "DESCENTLAB_DATA"
OFFLINE_ENV = "DESCENTLAB_OFFLINE"  # set to 1: never download, only look on disk
DOWNLOAD_TIMEOUT = 30.0  # seconds without a byte before a download is given up


class DatasetUnavailable(RuntimeError):
    """A dataset is neither on disk nor downloadable; the message says where to put it."""


@dataclass(frozen=True)
class RemoteFile:
    """A file the project can download: its name, canonical address and checksum."""

    name: str
    url: str
    sha256: str
    citation: str


AIRFOIL = RemoteFile(
    name="airfoil_self_noise.dat",
    url="https://archive.ics.uci.edu/ml/machine-learning-databases/00291/airfoil_self_noise.dat",
    sha256="74c75fd71783f1e6b71f8a622b993dc592897a97cd689c5090a07147a1b097b3",
    citation="Brooks, T., Pope, D., & Marcolini, M. (1989). Airfoil Self-Noise [Dataset]. "
    "UCI Machine Learning Repository. https://doi.org/10.24432/C5VW2C",
)


def cache_dir() -> Path:
    """The user cache folder datasets are downloaded into."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "descentlab"


def search_path(data_dir: str | Path | None = None) -> list[Path]:
    """The folders a dataset is looked for in, in order."""
    folders = [Path(data_dir)] if data_dir is not None else []
    if os.environ.get(DATA_ENV):
        folders.append(Path(os.environ[DATA_ENV]))
    folders.append(cache_dir())
    return folders


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download(remote: RemoteFile, folder: Path, url: str | None = None) -> Path:
    """Fetch ``remote`` into ``folder``, check its sha256, and move it into place.

    Raises `DatasetUnavailable` (and leaves no file behind) when the download fails,
    is cut short or has the wrong checksum.
    """
    url = url or remote.url
    target = folder / remote.name
    if os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes"):
        raise DatasetUnavailable(
            f"{remote.name} is not on this machine and {OFFLINE_ENV} forbids downloading it; "
            f"put the file in a folder and set {DATA_ENV} to that folder (or pass data_dir= "
            f"in Python); looked in: {', '.join(map(str, search_path()))}"
        )
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f".{remote.name}.{os.getpid()}.partial"
    digest = hashlib.sha256()
    size = 0
    try:
        with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response:
            expected = response.headers.get("Content-Length")
            with partial.open("wb") as handle:
                for block in iter(lambda: response.read(1 << 16), b""):
                    handle.write(block)
                    digest.update(block)
                    size += len(block)
                handle.flush()
                os.fsync(handle.fileno())
        if expected is not None and size != int(expected):
            raise DatasetUnavailable(
                f"the download of {remote.name} from {url} stopped after {size} of "
                f"{expected} bytes; try again"
            )
        if digest.hexdigest() != remote.sha256:
            raise DatasetUnavailable(
                f"the download of {remote.name} from {url} has sha256 {digest.hexdigest()}, "
                f"not {remote.sha256}; the file was not kept"
            )
        os.replace(partial, target)
    except http.client.IncompleteRead as error:
        raise DatasetUnavailable(
            f"the download of {remote.name} from {url} stopped after "
            f"{size + len(error.partial)} bytes; try again"
        ) from None
    except (OSError, http.client.HTTPException, urllib.error.URLError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise DatasetUnavailable(
            f"{remote.name} is not on this machine and could not be downloaded from {url} "
            f"({reason}); put the file in a folder and set {DATA_ENV} to that folder (or pass "
            f"data_dir= in Python); looked in: {', '.join(map(str, search_path()))}"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return target


def locate(remote: RemoteFile, data_dir: str | Path | None = None, url: str | None = None) -> Path:
    """The path of ``remote`` on disk, downloading it into the cache when absent."""
    for folder in search_path(data_dir):
        candidate = folder / remote.name
        if candidate.is_file():
            return candidate
    return download(remote, cache_dir(), url)


def airfoil_data(
    data_dir: str | Path | None = None, rows: int = 1500, url: str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """The NASA airfoil self-noise data, as the textbook prepares it: every column
    standardised (z-score over all 1503 rows), then the first ``rows`` rows.

    Returns features (rows, 5) and the scaled sound pressure level (rows,), float32.
    """
    path = locate(AIRFOIL, data_dir, url)
    try:
        table = np.loadtxt(path, dtype=np.float32, delimiter="\t")
    except ValueError as error:
        raise DatasetUnavailable(
            f"{path} is not the airfoil data ({error}); delete it to download a fresh copy"
        ) from None
    if table.ndim != 2 or table.shape[1] != 6:
        raise DatasetUnavailable(
            f"{path} has shape {table.shape}, not 1503 rows of 6 columns; delete it to "
            "download a fresh copy"
        )
    table = (table - table.mean(axis=0)) / table.std(axis=0)
    data = torch.from_numpy(np.ascontiguousarray(table[:rows]))
    return data[:, :-1].contiguous(), data[:, -1].contiguous()


def digits_data(
    validation: float = 0.2, split_seed: int = 0
) -> tuple[tuple[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, no download), pixels
    scaled to [0, 1], split into training and validation sets stratified by digit.

    Returns ((images (n, 1, 8, 8), labels (n,)), (images, labels)).
    """
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not (isinstance(validation, float) and 0.0 < validation < 1.0):
        raise ValueError(f"validation is the held-out fraction in (0, 1), got {validation!r}")
    images, labels = load_digits(return_X_y=True)
    images = (images / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    split = train_test_split(
        images, labels, test_size=validation, stratify=labels, random_state=split_seed
    )
    train_x, val_x, train_y, val_y = (torch.from_numpy(np.ascontiguousarray(a)) for a in split)
    return (train_x, train_y.long()), (val_x, val_y.long())
