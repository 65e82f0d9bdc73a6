"""A PostgreSQL session for the event store: connecting (and reconnecting),
one statement at a time under a thread lock, and the transactions.

A write transaction is ``READ COMMITTED`` and starts by taking the log's
transaction-level advisory lock, so writers on every machine take turns and
each statement after the lock sees every commit made before it; a nested
write is a savepoint. A write's opening (``BEGIN`` and the lock, or the
``SAVEPOINT``) travels in one round trip (a psycopg pipeline) with what the
store reads first, and the store may send a step's writes with its end
(``COMMIT``, or ``RELEASE SAVEPOINT``). A read is a ``REPEATABLE READ, READ ONLY``
snapshot.
PostgreSQL's errors become nhvflow's: a lock wait past ``busy_timeout`` and a
lost connection are :class:`StoreBusy`, a serialization failure or deadlock
is :class:`ConcurrencyConflict`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from typing import Any

import psycopg
from psycopg import errors as pg_errors
from psycopg.conninfo import conninfo_to_dict
from psycopg.pq import TransactionStatus

from nhvflow._log import structured
from nhvflow.errors import (
    ConcurrencyConflict,
    LogFormatError,
    NhvflowError,
    ReadOnlyLog,
    StoreBusy,
    StoreError,
)
from nhvflow.store._interface import Durability

__all__ = ["PgSession", "advisory_lock_key", "redact"]

_BEGIN = "BEGIN ISOLATION LEVEL READ COMMITTED"
"""Every write transaction: READ COMMITTED whatever the server's default, so that
each statement after the lock sees every commit made before it was granted."""

_LOCK = "SELECT pg_advisory_xact_lock(%s)"

Opening = tuple[tuple[str, tuple[Any, ...]], ...]
"""The statements that open a write: ``BEGIN`` and the lock, or a ``SAVEPOINT``."""


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "<unparsable PostgreSQL URL>"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def advisory_lock_key(schema: str) -> int:
    """The advisory lock key of the log in ``schema``: one lock per log, since
    PostgreSQL keeps advisory locks per database and the key names the schema."""
    digest = hashlib.sha256(f"nhvflow-log:{schema}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


class PgSession:
    """One connection to the database that holds a log (see the module's docstring)."""

    def __init__(
        self,
        url: str,
        *,
        durability: Durability,
        busy_timeout: float,
        readonly: bool = False,
        logger: Any = None,
    ) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal' (got {durability!r})")
        self.readonly = readonly
        self._log = structured(logger)
        self.url = url
        self.display = redact(url)
        self.path = self.display
        self.durability: Durability = durability
        self.busy_timeout = busy_timeout
        self._lock = threading.RLock()
        self._depth = 0
        self._closed = False
        self._seen: tuple[str, int | None, int] = ("", None, 0)  # the last case read, for errors
        self._tail: tuple[int, str] | None = None
        """The log's last position and hash, read with the lock and moved by each
        append (no one else can append while the lock is held); forgotten when a
        write ends or rolls back."""
        self._pipelines = psycopg.Pipeline.is_supported()
        self._conn = self._connect()
        try:
            schema = self._conn.execute("SELECT current_schema()").fetchone()
            if schema is None or schema[0] is None:
                raise LogFormatError(
                    f"{self.display}: no schema on the search_path exists; create it, or "
                    "name an existing one with ?options=-csearch_path%3Dname."
                )
        except BaseException:
            self._conn.close()
            raise
        self.schema: str = schema[0]
        self.lock_key = advisory_lock_key(self.schema)
        """The key of the log's advisory lock (as ``pg_locks`` shows it, split in two)."""

    def _connect(self, *, again: bool = False) -> psycopg.Connection[Any]:
        extra: dict[str, Any] = {}
        try:
            given = conninfo_to_dict(self.url)
            for name, default in (("application_name", "nhvflow"), ("connect_timeout", 10)):
                if name not in given:  # defaults; the URL's own settings win
                    extra[name] = default
            # UTF-8 whatever the URL or PGCLIENTENCODING say: the log's text is Unicode
            conn = psycopg.connect(self.url, autocommit=True, client_encoding="UTF8", **extra)
        except psycopg.Error as exc:
            if again:  # a service whose server went away: retry later, nothing was written
                raise StoreBusy(
                    f"cannot reach {self.display} again ({exc}); nothing was written. Retry "
                    "when the server is back."
                ) from exc
            raise LogFormatError(
                f"cannot open the PostgreSQL log {self.display}: {exc}".rstrip()
                + " (check the URL, that the server runs and accepts this user)."
            ) from exc
        timeout = f"{max(1, round(self.busy_timeout * 1000))}ms"
        commit = "on" if self.durability == "full" else "off"
        readonly = "on" if self.readonly else "off"  # the server refuses writes too
        row = conn.execute(
            "SELECT set_config('lock_timeout', %s, false), "
            "set_config('synchronous_commit', %s, false), "
            "set_config('default_transaction_read_only', %s, false), "
            "current_setting('server_version')",
            (timeout, commit, readonly),
        ).fetchone()
        self._log.debug(
            "log_opened",
            url=self.display,
            server_version=row[3] if row else None,
            durability=self.durability,
            readonly=self.readonly,
        )
        return conn

    # -- statements and transactions -------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        """The connection, with what the store held back for the ``COMMIT``
        written first: the way every statement reaches the database."""
        if self._closed:
            raise StoreError(f"the registry on {self.display} was closed; open it again to use it.")
        if self._conn.broken and not self._depth:  # the server restarted: start again
            self._log.warning("log_reconnecting", url=self.display)
            self._conn = self._connect(again=True)
        self._flush()
        return self._conn

    def _failed(self, exc: psycopg.OperationalError) -> StoreBusy | ConcurrencyConflict:
        if isinstance(exc, pg_errors.SerializationFailure | pg_errors.DeadlockDetected):
            # Not reached by nhvflow's own writers (one at a time, READ COMMITTED), but a
            # foreign transaction on the same rows can cause it: the step did not happen.
            return ConcurrencyConflict(*self._seen)
        if isinstance(exc, pg_errors.LockNotAvailable):
            return StoreBusy(
                f"another writer held {self.display} past the busy timeout "
                f"({self.busy_timeout} s); nothing was written. Retry, or open with a longer "
                "busy_timeout."
            )
        return StoreBusy(
            f"the connection to {self.display} failed ({exc}); a step being written may or "
            "may not have been recorded. Retry it with the same idempotency_key to record it "
            "at most once (the store reconnects at its next call)."
        )

    def _refused_write(self, exc: psycopg.Error) -> NhvflowError:
        """A database error that ended a write (undone by then): a lost
        connection or a lock as :meth:`_failed` says, anything else (a
        foreign trigger's ``RAISE EXCEPTION``, a constraint of the host's) as
        :class:`StoreError`."""
        if isinstance(exc, psycopg.OperationalError):
            return self._failed(exc)
        return StoreError(
            f"PostgreSQL refused a statement of the write to {self.display} ({exc}); "
            "nothing of the step was written."
        )

    def _q(self, sql: str, params: Iterable[Any] = ()) -> psycopg.Cursor[Any]:
        """Run one statement. A lost connection or a lock is :meth:`_failed`'s
        error; a ``DataError`` stays for the caller that asked for text the
        database cannot hold; anything else (a table or column gone, a
        statement refused) is a :class:`StoreError`."""
        with self._lock:
            try:
                return self._connection().execute(sql, tuple(params))
            except psycopg.OperationalError as exc:
                raise self._failed(exc) from exc
            except psycopg.DataError:
                raise
            except psycopg.Error as exc:
                raise StoreError(
                    f"PostgreSQL refused a statement on {self.display} ({exc}); the log's "
                    "tables may be damaged or not nhvflow's: run verify()."
                ) from exc

    @contextmanager
    def write(self, case_id: str | None = None) -> Iterator[None]:
        """A write transaction holding the log's advisory lock, or a savepoint when
        nested (``case_id``: see :meth:`_begin_write`)."""
        if self.readonly:
            raise ReadOnlyLog(
                f"{self.display} was opened read-only; open it without readonly=True to write."
            )
        with self._lock:
            conn = self._connection()  # reconnects here, between transactions
            depth = self._depth
            name = f"nhvflow_{depth}"
            if depth:
                opening: Opening = ((f"SAVEPOINT {name}", ()),)
                end = f"RELEASE SAVEPOINT {name}"
            else:
                opening = ((_BEGIN, ()), (_LOCK, (self.lock_key,)))
                end = "COMMIT"

            def undo() -> None:
                """Take back what the block wrote: the savepoint, or the transaction."""
                self._forget()
                if not depth:
                    self._rollback(conn)
                elif conn.info.transaction_status != TransactionStatus.IDLE:
                    self._q(f"ROLLBACK TO SAVEPOINT {name}")
                    self._q(f"RELEASE SAVEPOINT {name}")

            try:
                self._begin_write(conn, opening, case_id)
            except BaseException as exc:
                self._forget()
                if not depth:
                    self._rollback(conn)
                if isinstance(exc, psycopg.Error):
                    raise self._refused_write(exc) from exc
                raise
            self._depth = depth + 1
            try:
                try:
                    yield
                except BaseException:
                    undo()
                    raise
                self._end(conn, end, undo)
            except psycopg.Error as exc:  # undone: the error says what it means
                raise self._refused_write(exc) from exc
            finally:
                self._depth = depth
                if not depth:
                    self._forget()

    def _begin_write(
        self, conn: psycopg.Connection[Any], opening: Opening, case_id: str | None
    ) -> None:
        """Begin a write or a savepoint with the statements of ``opening`` (the
        store reads what the write will need, ``case_id`` among it, in the same
        round trip)."""
        self._begin(conn, opening)

    def _begin(
        self, conn: psycopg.Connection[Any], opening: Opening, *reads: tuple[str, tuple[Any, ...]]
    ) -> list[psycopg.Cursor[Any]]:
        """``opening`` and then ``reads`` in one round trip (a psycopg pipeline);
        the cursors of the reads."""
        with self._pipeline(conn):
            for sql, params in opening:
                conn.execute(sql, params)
            return [conn.execute(sql, params) for sql, params in reads]

    def _pipeline(self, conn: psycopg.Connection[Any]) -> AbstractContextManager[Any]:
        """A psycopg pipeline, whose statements travel in one round trip; where
        libpq has no pipeline mode (before libpq 14), nothing: the statements
        then run one by one, to the same effect."""
        return conn.pipeline() if self._pipelines else nullcontext()

    def _flush(self) -> None:
        """Write what the store held back for the end of the write (here: nothing)."""

    def _end(self, conn: psycopg.Connection[Any], end: str, undo: Callable[[], None]) -> None:
        """End the write with ``end`` (``COMMIT``, or ``RELEASE SAVEPOINT``; the store
        sends what it held with it); if that fails, ``undo`` and raise."""
        with self._undone_if_failed(undo):
            conn.execute(end)

    @contextmanager
    def _undone_if_failed(self, undo: Callable[[], None]) -> Iterator[None]:
        """Run the block; if it fails, ``undo`` and raise (a lost connection or
        a lock timeout as :class:`StoreBusy`)."""
        try:
            yield
        except psycopg.OperationalError as exc:
            undo()
            raise self._failed(exc) from exc
        except BaseException:
            undo()
            raise

    def _forget(self) -> None:
        """Forget what the store kept of a write that ended or rolled back."""
        self._tail = None

    @staticmethod
    def _rollback(conn: psycopg.Connection[Any]) -> None:
        with suppress(psycopg.Error):
            if conn.info.transaction_status != TransactionStatus.IDLE:
                conn.execute("ROLLBACK")

    @contextmanager
    def read(self) -> Iterator[None]:
        """A consistent read snapshot (``REPEATABLE READ``), or nothing when nested."""
        with self._lock:
            conn = self._connection()
            if self._depth or conn.info.transaction_status != TransactionStatus.IDLE:
                yield
                return
            self._q("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0
                self._rollback(conn)  # nothing to keep: a read-only snapshot ends

    def close(self) -> None:
        """Close the connection (a transaction still open is rolled back)."""
        with self._lock:
            self._closed = True
            self._conn.close()

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The underlying connection (for tests and tools; do not write to ``events``)."""
        return self._conn
