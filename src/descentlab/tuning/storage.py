"""Where a tuning study lives: a journal file in the output folder (the default), or a
database that workers on many machines share (``postgresql://...``)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from ..errors import StudyError

JOURNAL = "study.journal"
LOCK_GRACE = 5  # seconds; the journal's lock is held for milliseconds
SCHEMES = ("postgresql", "postgresql+psycopg2", "mysql", "mysql+pymysql", "sqlite")


def shown(storage: str | None, folder: Path) -> str:
    """The storage as messages and reports name it, without a password."""
    if storage is None:
        return str(folder / JOURNAL)
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", storage)


def open_storage(storage: str | None, folder: Path, study: str) -> Any:
    """The Optuna storage: a journal file in ``folder``, or the database at ``storage``.

    An unreachable or malformed address is a one-line `StudyError`."""
    from optuna.storages.journal import JournalFileBackend, JournalFileSymlinkLock, JournalStorage

    if storage is None:
        if folder.exists() and not folder.is_dir():
            raise StudyError(str(folder), study, "is a file; a study is kept in a folder")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            reason = f"cannot make the folder: {error.strerror}"
            raise StudyError(str(folder), study, reason) from None
        path = str(folder / JOURNAL)
        # a lock held longer than this was left by a killed process: it is broken
        lock = JournalFileSymlinkLock(path, grace_period=LOCK_GRACE)
        return JournalStorage(JournalFileBackend(path, lock_obj=lock))
    scheme = storage.split("://", 1)[0] if "://" in storage else ""
    if scheme not in SCHEMES:
        raise StudyError(
            shown(storage, folder),
            study,
            "the storage must be an address such as postgresql://user:password@host/database",
        )
    engine: dict[str, Any] = {}
    if scheme.startswith("postgresql"):
        engine = {"connect_args": {"connect_timeout": 5}}
    url = storage
    if scheme == "postgresql":  # SQLAlchemy's default driver is psycopg 3; we ship psycopg2
        url = "postgresql+psycopg2" + storage[len(scheme) :]
    try:
        return _rdb(url, engine)
    except ModuleNotFoundError as error:
        raise StudyError(
            shown(storage, folder),
            study,
            f"needs the {error.name} package: pip install 'descentlab[postgres]'",
        ) from None
    except Exception as error:  # SQLAlchemy's errors: no route, refused, bad password, ...
        reason = " ".join(str(getattr(error, "orig", None) or error).split())
        raise StudyError(shown(storage, folder), study, f"cannot open it: {reason[:300]}") from None


def _rdb(url: str, engine: dict[str, Any], attempts: int = 5) -> Any:
    """Optuna's RDBStorage; workers that meet an empty database at the same moment race
    to create its tables, and the loser finds them made when it tries again."""
    import optuna
    import sqlalchemy.exc

    for attempt in range(attempts - 1):
        try:
            return optuna.storages.RDBStorage(url, engine_kwargs=engine)
        except (sqlalchemy.exc.IntegrityError, sqlalchemy.exc.ProgrammingError):
            time.sleep(0.2 * (attempt + 1))
    return optuna.storages.RDBStorage(url, engine_kwargs=engine)
