"""Data files too large to ship: found on disk or downloaded once into the cache, checked.

Where a `RemoteFile` is looked for, in order: the folder passed in, ``$DESCENTLAB_DATA``,
the user cache (``$XDG_CACHE_HOME/descentlab`` or ``~/.cache/descentlab``). Every file
found or fetched must have the published sha256. With ``DESCENTLAB_OFFLINE=1`` nothing
is downloaded. A download is written to a temporary name in the target folder, synced,
checked, and only then moved over the target, so an interrupted or damaged download
never leaves a file that looks complete and never replaces a good one.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

DATA_ENV = "DESCENTLAB_DATA"
OFFLINE_ENV = "DESCENTLAB_OFFLINE"  # set to 1: never download, only look on disk
DOWNLOAD_TIMEOUT = 30.0  # seconds without a byte before a download is given up
BLOCK = 1 << 16


class DatasetUnavailable(RuntimeError):
    """A dataset is neither on disk nor downloadable, or is damaged; the message says
    what to do."""


@dataclass(frozen=True)
class RemoteFile:
    """A file the project can download: its name, canonical address and checksum."""

    name: str
    url: str
    sha256: str
    citation: str


def cache_dir() -> Path:
    """The user cache folder datasets are downloaded into."""
    root = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(root) / "descentlab"


def search_path(data_dir: str | Path | None = None) -> list[Path]:
    """The folders a downloadable file is looked for in, in order."""
    folders = [Path(data_dir)] if data_dir is not None else []
    if os.environ.get(DATA_ENV):
        folders.append(Path(os.environ[DATA_ENV]))
    folders.append(cache_dir())
    return folders


def offline() -> bool:
    """Whether ``DESCENTLAB_OFFLINE`` forbids downloads."""
    return os.environ.get(OFFLINE_ENV, "").strip().lower() in ("1", "true", "yes")


def sha256_of(path: Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _where(data_dir: str | Path | None = None) -> str:
    return (
        f"put the file in a folder and set {DATA_ENV} to that folder (or pass data_dir= in "
        f"Python); looked in: {', '.join(map(str, search_path(data_dir)))}"
    )


def download(
    remote: RemoteFile,
    folder: Path | None = None,
    url: str | None = None,
    data_dir: str | Path | None = None,
) -> Path:
    """Fetch ``remote`` into ``folder`` (default the cache), check its sha256, and move
    it into place.

    Raises `DatasetUnavailable` when offline, or when the download fails, is cut short
    or has the wrong checksum; then no new file is left and an existing one is untouched.
    """
    url = url or remote.url
    folder = cache_dir() if folder is None else Path(folder)
    if offline():
        raise DatasetUnavailable(
            f"{remote.name} is not on this machine and {OFFLINE_ENV} forbids downloading "
            f"it; {_where(data_dir)}"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        descriptor, name = tempfile.mkstemp(
            dir=folder, prefix=f".{remote.name}.", suffix=".partial"
        )
    except OSError as error:
        raise DatasetUnavailable(f"cannot write {remote.name} into {folder}: {error}") from None
    partial = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with (
            os.fdopen(descriptor, "wb") as handle,
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT) as response,
        ):
            expected = response.headers.get("Content-Length")
            for block in iter(lambda: response.read(BLOCK), b""):
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
        os.chmod(partial, 0o644)  # mkstemp makes it private; a data file is not secret
        os.replace(partial, folder / remote.name)
        _sync_folder(folder)
    except http.client.IncompleteRead as error:
        raise DatasetUnavailable(
            f"the download of {remote.name} from {url} stopped after "
            f"{size + len(error.partial)} bytes; try again"
        ) from None
    except (OSError, http.client.HTTPException, urllib.error.URLError, ValueError) as error:
        reason = getattr(error, "reason", None) or error
        raise DatasetUnavailable(
            f"{remote.name} is not on this machine and could not be downloaded from {url} "
            f"({reason}); {_where(data_dir)}"
        ) from None
    finally:
        partial.unlink(missing_ok=True)
    return folder / remote.name


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def locate(remote: RemoteFile, data_dir: str | Path | None = None, url: str | None = None) -> Path:
    """The path of ``remote`` on disk, checked, downloading it into the cache when absent.

    A copy with the wrong sha256 in a folder the user named is an error; one in the
    cache is fetched again (and replaced only by a good download).
    """
    cache = cache_dir()
    for folder in search_path(data_dir):
        candidate = folder / remote.name
        if not candidate.is_file():
            continue
        found = sha256_of(candidate)
        if found == remote.sha256:
            return candidate
        if folder != cache:
            raise DatasetUnavailable(
                f"{candidate} has sha256 {found}, not {remote.sha256}: it is damaged or "
                "another version; replace or delete it"
            )
        break  # a damaged cached copy: download a fresh one over it
    return download(remote, cache, url, data_dir)
