"""Datasets: the airfoil data shipped inside the package, scikit-learn's digits.

The airfoil file (60 KB, CC BY 4.0, its citation and licence in ``data/README.md``)
is read from the installed package and its sha256 checked on every read, so training
and the tests never need the network. Larger data is downloaded once into the cache
by `downloads` (`RemoteFile`, `locate`).
"""

from __future__ import annotations

import hashlib
import io
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import numpy as np
import torch

from .downloads import (
    DATA_ENV,
    OFFLINE_ENV,
    DatasetUnavailable,
    RemoteFile,
    cache_dir,
    download,
    locate,
    search_path,
    sha256_of,
)

__all__ = [
    "AIRFOIL",
    "DATA_ENV",
    "OFFLINE_ENV",
    "DatasetUnavailable",
    "RemoteFile",
    "airfoil_data",
    "cache_dir",
    "digits_data",
    "download",
    "locate",
    "packaged",
    "search_path",
    "sha256_of",
]

AIRFOIL = RemoteFile(
    name="airfoil_self_noise.dat",
    url="https://archive.ics.uci.edu/ml/machine-learning-databases/00291/airfoil_self_noise.dat",
    sha256="74c75fd71783f1e6b71f8a622b993dc592897a97cd689c5090a07147a1b097b3",
    citation="Brooks, T., Pope, D., & Marcolini, M. (1989). Airfoil Self-Noise [Dataset]. "
    "UCI Machine Learning Repository. https://doi.org/10.24432/C5VW2C",
)


def packaged(name: str) -> Traversable:
    """The package's copy of a shipped data file."""
    return files(__package__) / "data" / name


def _shipped_bytes(remote: RemoteFile, data_dir: str | Path | None) -> bytes:
    """The bytes of a shipped file, from ``data_dir`` when it holds one, else from the
    package; either way with the published sha256."""
    if data_dir is not None and (Path(data_dir) / remote.name).is_file():
        path = Path(data_dir) / remote.name
        body = path.read_bytes()
        found = hashlib.sha256(body).hexdigest()
        if found != remote.sha256:
            raise DatasetUnavailable(
                f"{path} has sha256 {found}, not {remote.sha256}: it is not {remote.name} as "
                "published; delete it or pass another data_dir"
            )
        return body
    path = packaged(remote.name)
    try:
        body = path.read_bytes()
    except OSError as error:
        raise DatasetUnavailable(
            f"the copy of {remote.name} shipped with descentlab cannot be read "
            f"({error.strerror or error}); reinstall descentlab"
        ) from None
    found = hashlib.sha256(body).hexdigest()
    if found != remote.sha256:
        raise DatasetUnavailable(
            f"the copy of {remote.name} shipped with descentlab is damaged ({path} has sha256 "
            f"{found}, not {remote.sha256}); reinstall descentlab"
        )
    return body


def airfoil_data(
    data_dir: str | Path | None = None, rows: int = 1500
) -> tuple[torch.Tensor, torch.Tensor]:
    """The NASA airfoil self-noise data, as the textbook prepares it: every column
    standardised (z-score over all 1503 rows), then the first ``rows`` rows.

    The file shipped in the package is used, unless ``data_dir`` names a folder holding
    ``airfoil_self_noise.dat``; either copy must have the published sha256. The shipped
    file is never downloaded, so ``$DESCENTLAB_DATA`` and the cache play no part here.
    Returns features (rows, 5) and the scaled sound pressure level (rows,), float32.
    """
    body = _shipped_bytes(AIRFOIL, data_dir)
    table = np.loadtxt(io.BytesIO(body), dtype=np.float32, delimiter="\t")
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
