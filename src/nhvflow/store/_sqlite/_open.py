"""Opening an SQLite file as an nhvflow log: refuse a file that is not one
before changing anything in it, switch to WAL (waiting for other processes
opening the same new file), and set durability and the busy timeout.

Part of the SQLite store (:mod:`nhvflow.store`), which creates the schema
once the connection is open.
"""

from __future__ import annotations

import functools
import inspect
import os
import sqlite3
import time
import warnings
from collections.abc import Callable, Generator
from contextvars import ContextVar
from pathlib import Path
from typing import Any, TypeVar, cast

from nhvflow.errors import (
    IntegrityError,
    LogFormatError,
    NhvflowError,
    ReadOnlyLog,
    SQLiteVersionWarning,
    StoreBusy,
    StoreError,
)
from nhvflow.store._interface import Durability

__all__ = [
    "WAL_RESET_FIXED",
    "busy",
    "connect",
    "guarded",
    "read_only",
    "store_error",
    "tables",
    "warn_wal_reset",
]

WAL_RESET_FIXED = (3, 51, 3)
"""The first SQLite release without the WAL-reset bug (sqlite.org/wal.html#walresetbug)."""


def busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


def read_only(exc: sqlite3.Error) -> bool:
    """Whether SQLite refused because the file, its directory or its medium is read-only."""
    return "readonly" in str(exc).lower()


def store_error(path: str, exc: sqlite3.Error) -> NhvflowError:
    """SQLite's refusal as the nhvflow error that says what it means."""
    text = str(exc).lower()
    if isinstance(exc, sqlite3.OperationalError) and busy(exc):
        return StoreBusy(
            f"another writer held {path!r} past the busy timeout; nothing was written. "
            "Retry, or open with a longer busy_timeout."
        )
    if read_only(exc):
        return _read_only_log(path, str(exc))
    if "closed database" in text:
        return StoreError(f"the registry on {path!r} was closed; open it again to use it.")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return IntegrityError(
            None,
            f"{path!r} is damaged where SQLite cannot read it ({exc}); nothing was written. "
            "Run `nhvflow verify` on it, and restore the log from a backup or an auditor's copy.",
        )
    return StoreError(f"SQLite could not read or write {path!r} ({exc}); nothing was written.")


def lost_transaction(path: str) -> StoreError:
    """The error for a write whose transaction SQLite ended by itself."""
    return StoreError(
        f"SQLite ended the write transaction on {path!r} by itself (a trigger's "
        "RAISE(ROLLBACK), an interrupt or an I/O error); nothing of it was written, the "
        "steps taken in it before stand no more: leave the batch and take them again."
    )


F = TypeVar("F", bound=Callable[..., Any])


def guarded(method: F) -> F:
    """A store method (or generator, or context manager's generator) whose
    ``sqlite3`` errors reach the caller as :func:`store_error` says; the
    store's ``path`` names the file."""
    if inspect.isgeneratorfunction(method):

        @functools.wraps(method)
        def generator(self: Any, *args: Any, **kwargs: Any) -> Generator[Any, Any, Any]:
            try:
                return (yield from method(self, *args, **kwargs))
            except sqlite3.Error as exc:
                raise store_error(self.path, exc) from exc

        return cast(F, generator)

    @functools.wraps(method)
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc

    return cast(F, call)


def _read_only_log(path: str, why: str) -> ReadOnlyLog:
    return ReadOnlyLog(
        f"{path!r} cannot be written by this process ({why}); open it with readonly=True "
        "to read it, or open a writable copy."
    )


def _writable(target: Path) -> bool:
    """Whether this process may write ``target``: the system allows it, and
    its permissions let someone write it (a file or directory made read-only
    with ``chmod a-w`` is read-only to nhvflow even for root, who the system
    would let write it)."""
    return os.access(target, os.W_OK) and bool(target.stat().st_mode & 0o222)


def _refuse_unwritable(path: str) -> None:
    """Say that a log cannot be opened for writing before SQLite opens it
    read-only behind our back (and fails later, or calls the file not a
    database). The log keeps its write-ahead files beside it, so the
    directory must be writable too."""
    file = Path(path)
    if file.exists() and not _writable(file):
        raise _read_only_log(path, "the file is read-only")
    folder = file.parent
    if folder.is_dir() and not _writable(folder):
        raise _read_only_log(path, f"its directory {str(folder)!r} is read-only")


def _read_only_target(path: str) -> str:
    """The URI that opens ``path`` for reading only.

    In a directory this process cannot write (an auditor's copy on read-only
    media), SQLite cannot make the shared-memory file a WAL log is read
    through. A log closed cleanly there (no ``-wal`` or ``-shm`` file beside
    it: the last connection to close removes them) is opened as immutable,
    which needs neither: no writer can reach it. A log with those files is
    live, or was copied while live, and is read through them as usual
    (immutable would read past the steps still in the ``-wal`` file, and
    without the writers' locks)."""
    file = Path(path).resolve()
    target = f"{file.as_uri()}?mode=ro"
    unwritable = file.parent.is_dir() and not _writable(file.parent)
    if unwritable and not any(f.exists() for f in _side_files(str(file))):
        target += "&immutable=1"
    return target


def tables(conn: sqlite3.Connection) -> set[str]:
    """The names of the tables in the file."""
    rows = conn.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    return {r[0] for r in rows}


def connect(
    path: str, *, durability: Durability, busy_timeout: float, readonly: bool, log: Any
) -> sqlite3.Connection:
    """A connection to ``path`` (autocommit; the store opens its own
    transactions), checked and configured; :class:`LogFormatError` when the
    file is not an nhvflow log or not SQLite at all."""
    if not readonly and path != ":memory:":
        _refuse_unwritable(path)
    try:
        target = _read_only_target(path) if readonly else path
        conn = sqlite3.connect(
            target,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
            uri=readonly,
        )
    except sqlite3.Error as exc:
        if read_only(exc):
            raise _read_only_log(path, str(exc)) from exc
        raise LogFormatError(f"cannot open {path!r} as an SQLite file: {exc}") from exc
    beside = _side_files(path) if readonly else []
    there = [f for f in beside if f.exists()]
    try:
        _refuse_foreign(conn, path, readonly)
        _configure(conn, path, durability, busy_timeout, readonly, log)
    except BaseException as exc:
        conn.close()
        if _unreadable(exc):  # no writer can use the file: a refused read leaves nothing
            for made in set(beside) - set(there):
                made.unlink(missing_ok=True)
        raise
    return conn


def _unreadable(exc: BaseException) -> bool:
    """Whether ``exc`` refused a file SQLite cannot read at all (not a
    database, or damaged), as opposed to one that is busy or not a log yet:
    only beside such a file may a refused read remove the '-wal' and '-shm'
    files it made, for no other connection can be using them."""
    cause = exc.__cause__
    return (
        isinstance(exc, LogFormatError)
        and isinstance(cause, sqlite3.DatabaseError)
        and not isinstance(cause, sqlite3.OperationalError)
    )


def _side_files(path: str) -> list[Path]:
    """The ``-wal`` and ``-shm`` files of the log at ``path``."""
    file = Path(path)
    return [file.with_name(f"{file.name}-{suffix}") for suffix in ("wal", "shm")]


def _not_sqlite(path: str, exc: Exception) -> LogFormatError:
    return LogFormatError(
        f"{path!r} is not an SQLite database, so not an nhvflow log ({exc}); "
        "open a new path or the right file."
    )


def _refuse_foreign(conn: sqlite3.Connection, path: str, readonly: bool) -> None:
    """Refuse a file that is not an nhvflow log before changing anything in
    it (switching to WAL would change another program's database)."""
    try:
        found = tables(conn)
    except sqlite3.OperationalError as exc:
        if busy(exc):  # another process is creating it; _configure waits for it
            return
        if readonly and "unable to open" in str(exc).lower():
            raise LogFormatError(
                f"cannot read {path!r} ({exc}): in a directory this process cannot write, "
                "a log with a '-wal' file beside it needs its '-shm' file too; copy a log "
                "closed cleanly (no '-wal' or '-shm'), or all three files."
            ) from exc
        if read_only(exc):
            raise _read_only_log(path, str(exc)) from exc
        raise _not_sqlite(path, exc) from exc
    except sqlite3.DatabaseError as exc:
        raise _not_sqlite(path, exc) from exc
    if "nhvflow_meta" not in found and found - {"_sqlite_migrations"}:
        raise LogFormatError(
            f"{path!r} is an SQLite database but not an nhvflow log (it has tables "
            f"{sorted(found)[:5]} and no nhvflow_meta); open a new path for a new log."
        )
    if readonly and "nhvflow_meta" not in found:
        raise LogFormatError(f"{path!r} holds no nhvflow log yet, and it was opened read-only.")


def _configure(
    conn: sqlite3.Connection,
    path: str,
    durability: Durability,
    busy_timeout: float,
    readonly: bool,
    log: Any,
) -> None:
    memory = path == ":memory:"
    if readonly:
        conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
        log.debug("log_opened", path=path, sqlite_version=sqlite3.sqlite_version, readonly=True)
        return
    try:
        if not memory:
            mode = _enter_wal(conn, path, busy_timeout)
            if str(mode).lower() != "wal":  # pragma: no cover - e.g. a read-only medium
                log.warning("wal_unavailable", path=path, journal_mode=mode)
    except sqlite3.DatabaseError as exc:
        if read_only(exc):
            raise _read_only_log(path, str(exc)) from exc
        raise _not_sqlite(path, exc) from exc
    conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    log.debug("log_opened", path=path, sqlite_version=sqlite3.sqlite_version, durability=durability)


_warned_wal_reset = False
ONE_WRITER: ContextVar[bool] = ContextVar("nhvflow_one_writer", default=False)
"""Set (by :func:`nhvflow._quiet.one_writer`) where a program writes a file of
its own: the warning is left out there, and not used up."""


def warn_wal_reset() -> None:
    """Warn that this SQLite has the WAL-reset bug (the store does, once a file
    is open for writing and laid out): through :mod:`warnings`, on standard
    error (a host's ``NullHandler`` cannot swallow it), so that a program
    that is the only writer of its file can ignore it by category.

    Once per process, whatever happens to the filters in between: Python's
    own "once per place" forgets what it showed whenever a filter is added,
    as numpy does when the migrations first load ``sqlite_utils``."""
    global _warned_wal_reset
    if _warned_wal_reset or ONE_WRITER.get():
        return
    _warned_wal_reset = True
    warnings.warn(
        f"SQLite {sqlite3.sqlite_version} (before 3.51.3) can corrupt a WAL file when "
        "several connections write or checkpoint it at once "
        "(sqlite.org/wal.html#walresetbug); with several writer processes, prefer one "
        "writer process, a newer SQLite, or the PostgreSQL store (see nhvflow's "
        "docs/deploying.md).",
        SQLiteVersionWarning,
        stacklevel=1,
    )


def _enter_wal(conn: sqlite3.Connection, path: str, busy_timeout: float) -> Any:
    """Switch to WAL, retrying while other processes open the same new
    file: SQLite answers ``SQLITE_BUSY`` to a journal-mode change without
    consulting the busy handler, so the timeout is honoured here."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            return conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        except sqlite3.OperationalError as exc:
            if not busy(exc):
                raise
            if time.monotonic() >= deadline:
                raise StoreBusy(
                    f"another process held {path!r} past the busy timeout while it "
                    "was being opened; nothing was written. Retry, or open with a longer "
                    "busy_timeout."
                ) from exc
            time.sleep(0.005)
