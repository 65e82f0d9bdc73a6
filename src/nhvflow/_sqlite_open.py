"""Opening an SQLite file as an nhvflow log: refuse a file that is not one
before changing anything in it, switch to WAL (waiting for other processes
opening the same new file), and set durability and the busy timeout.

Part of the SQLite store (:mod:`nhvflow.store`), which creates the schema
once the connection is open.
"""

from __future__ import annotations

import sqlite3
import time
import warnings
from pathlib import Path
from typing import Any

from nhvflow._records import Durability
from nhvflow.errors import LogFormatError, SQLiteVersionWarning, StoreBusy

__all__ = ["WAL_RESET_FIXED", "busy", "connect", "tables", "warn_wal_reset"]

WAL_RESET_FIXED = (3, 51, 3)
"""The first SQLite release without the WAL-reset bug (sqlite.org/wal.html#walresetbug)."""


def busy(exc: sqlite3.OperationalError) -> bool:
    """Whether SQLite refused because another connection holds a lock."""
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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
    try:
        target = f"{Path(path).resolve().as_uri()}?mode=ro" if readonly else path
        conn = sqlite3.connect(
            target,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
            uri=readonly,
        )
    except sqlite3.Error as exc:
        raise LogFormatError(f"cannot open {path!r} as an SQLite file: {exc}") from exc
    try:
        _refuse_foreign(conn, path, readonly)
        _configure(conn, path, durability, busy_timeout, readonly, log)
    except BaseException:
        conn.close()
        raise
    return conn


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
        raise _not_sqlite(path, exc) from exc
    conn.execute(f"PRAGMA synchronous={'FULL' if durability == 'full' else 'NORMAL'}")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout * 1000)}")
    log.debug("log_opened", path=path, sqlite_version=sqlite3.sqlite_version, durability=durability)
    if not memory and sqlite3.sqlite_version_info < WAL_RESET_FIXED:
        warn_wal_reset()


def warn_wal_reset() -> None:
    """Warn that this SQLite has the WAL-reset bug: through :mod:`warnings`,
    from this one place, so Python's default filter shows it once per
    process on standard error (a host's ``NullHandler`` cannot swallow it)
    and a program that is the only writer of its file can ignore it by
    category."""
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
