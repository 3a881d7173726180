"""Writing tidy frames with their metadata to .csv, .parquet or .npz, and reading back."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

FORMATS = (".csv", ".parquet", ".npz")
T = TypeVar("T")
_KEY = "descentlab"


def _suffix(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(
            f"cannot save to {str(path)!r}: unsupported extension {suffix or '(none)'!r}; "
            f"use one of {', '.join(FORMATS)}"
        )
    return suffix


def save_frame(path: str | Path, frame: pd.DataFrame, meta: dict[str, Any]) -> Path:
    """Write ``frame`` and ``meta`` (JSON-able) in the format the extension names.

    The file is written whole to a temporary name first, so an existing file is
    never left half-overwritten.
    """
    path = Path(path)
    suffix = _suffix(path)
    if not path.parent.is_dir():
        raise ValueError(
            f"cannot save to {str(path)!r}: the folder {str(path.parent)!r} does not exist"
        )
    text = json.dumps(meta)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        if suffix == ".csv":
            with temporary.open("w", encoding="utf-8", newline="") as handle:
                handle.write(f"# {_KEY} {text}\n")
                frame.to_csv(handle, index=False)
        elif suffix == ".parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            metadata = {**(table.schema.metadata or {}), _KEY.encode(): text.encode()}
            pq.write_table(table.replace_schema_metadata(metadata), temporary)
        else:
            columns = {
                f"column:{name}": frame[name].to_numpy()
                if frame[name].dtype.kind in "biuf"
                else np.asarray(frame[name].to_numpy(), dtype=str)
                for name in frame.columns
            }
            with temporary.open("wb") as handle:
                np.savez_compressed(handle, **columns, **{f"{_KEY}:meta": np.array(text)})
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def read_result(
    path: str | Path, kind: str, build: Callable[[pd.DataFrame, dict[str, Any]], T]
) -> T:
    """Read a file of ``kind`` ('race', 'sweep') and build the result from it; a file of
    another kind, or one whose contents do not fit together, is a one-line ValueError."""
    frame, meta = load_frame(path)
    if meta.get("kind") != kind:
        raise ValueError(f"{str(path)!r} holds a {meta.get('kind')}, not a {kind}")
    try:
        return build(frame, meta)
    except (KeyError, TypeError, IndexError, AttributeError, ValueError) as error:
        raise ValueError(f"{str(path)!r} is not a readable {kind}: {error}") from None


def load_frame(path: str | Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Read what `save_frame` wrote."""
    import pandas as pd

    path = Path(path)
    suffix = _suffix(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {str(path)!r}")
    try:
        if suffix == ".csv":
            with path.open(encoding="utf-8") as handle:
                header = handle.readline()
                if not header.startswith(f"# {_KEY} "):
                    raise ValueError("its first line is not descentlab metadata")
                meta = json.loads(header[len(_KEY) + 3 :])
                frame = pd.read_csv(io.StringIO(handle.read()))
        elif suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            meta = json.loads(table.schema.metadata[_KEY.encode()])
            frame = table.to_pandas()
        else:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(str(data[f"{_KEY}:meta"]))
                frame = pd.DataFrame(
                    {k.split(":", 1)[1]: data[k] for k in data.files if k.startswith("column:")}
                )
    except (KeyError, ValueError, OSError, TypeError, AttributeError, zipfile.BadZipFile) as error:
        why = str(error).split(".")[0] if "pickle" in str(error) else error
        raise ValueError(f"{str(path)!r} is not a descentlab result file: {why}") from None
    if not isinstance(meta, dict):
        raise ValueError(f"{str(path)!r} is not a descentlab result file: bad metadata")
    return frame, meta
