"""The SQLite event store: an append-only ``events`` table with a SHA-256
hash chain, and the projections (``cases``, ``permits``, ``facts``) written in
the same transaction as each event.

This module (with its layout in ``_schema``, its migrations in
``_migrations`` and its opening in ``_open``) is the only one that speaks SQL
to SQLite. Schema changes go through ``sqlite_utils.Migrations``, loaded only
when one is due; the per-step hot path uses prepared ``sqlite3`` statements. Writers take
the lock up front with ``BEGIN IMMEDIATE`` (a deferred ``BEGIN`` that
upgrades to a write lock fails at once with ``SQLITE_BUSY`` under
contention), in WAL mode with a busy timeout, so several processes may
write one file.

.. versionadded:: 0.1
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from nhvflow._log import structured
from nhvflow.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    LogFormatError,
    NhvflowError,
    ReadOnlyLog,
    StoreBusy,
)
from nhvflow.store._chain import canonical, dropped_event, verify_log
from nhvflow.store._decode import json_value
from nhvflow.store._interface import (
    EVERY_CASE,
    EVERY_EVENT,
    FORMAT,
    SIDE_TABLES,
    CaseQuery,
    CaseRow,
    Durability,
    EventQuery,
    Projection,
    Sealed,
    Store,
    StoredEvent,
    VerifyReport,
    by_stream,
    case_row,
    layout_version,
    overview_problems,
    side_select,
    side_table,
    stored_event,
)
from nhvflow.store._sqlite._buffer import Held, WriteBuffer
from nhvflow.store._sqlite._cache import RowCache
from nhvflow.store._sqlite._open import (
    WAL_RESET_FIXED,
    connect,
    guarded,
    lost_transaction,
    store_error,
    warn_wal_reset,
)
from nhvflow.store._sqlite._open import busy as _busy
from nhvflow.store._sqlite._open import tables as table_names
from nhvflow.store._sqlite._schema import (
    EVENT_COLUMNS,
    INSERT_EVENT,
    LIST_CASES,
    LOAD_CASE,
    OVERVIEW_SELECTS,
    SCHEMA_VERSION,
    UPSERT_CASE,
    apply_migrations,
    pending_migrations,
    trigger_problems,
)

__all__ = ["FORMAT", "SCHEMA_VERSION", "SQLiteStore"]


class SQLiteStore(Store):
    """The event log in one SQLite file (or in memory).

    :param durability: ``"full"`` (synchronous=FULL: a commit survives power
        loss; the default for a legal record) or ``"normal"``
        (synchronous=NORMAL: survives a process crash, may lose the last
        commits on power loss).
    :param busy_timeout: seconds a writer waits for another writer's lock.
    """

    def __init__(
        self,
        path: str | Path = ":memory:",
        *,
        durability: Durability = "full",
        busy_timeout: float = 5.0,
        readonly: bool = False,
        logger: Any = None,
    ) -> None:
        if durability not in ("full", "normal"):
            raise ValueError(f"durability must be 'full' or 'normal' (got {durability!r})")
        self.path = str(path)
        self.durability: Durability = durability
        self.memory = self.path == ":memory:"
        self.readonly = readonly
        self._log = structured(logger)
        if readonly and self.memory:
            raise ValueError("a read-only registry needs a file; ':memory:' starts empty")
        if readonly and not Path(self.path).is_file():
            raise LogFormatError(f"{self.path!r} does not exist, and it was opened read-only.")
        self._lock = threading.RLock()
        self._depth = 0
        self._writing = False
        self._lost = False
        self._cache = RowCache()
        """The case rows and the log's tail this store wrote, valid while no
        other connection has committed (``PRAGMA data_version``): inside a
        write transaction (which holds SQLite's write lock) a step need not
        read back what the step before it wrote."""
        self._data_version: int | None = None
        self._held = WriteBuffer(self._write_held, lambda sql: self._conn.execute(sql))
        """The steps of a batch, written together (``_buffer``)."""
        self._conn = connect(
            self.path,
            durability=durability,
            busy_timeout=busy_timeout,
            readonly=readonly,
            log=self._log,
        )
        try:
            self._ensure_schema()
            columns = {r[1] for r in self._conn.execute("PRAGMA table_info(cases)")}
        except BaseException:
            self._conn.close()
            raise
        if not (readonly or self.memory) and sqlite3.sqlite_version_info < WAL_RESET_FIXED:
            warn_wal_reset()  # after the layout, whose first migration may import sqlite_utils
        # A log of layout 1 opened read-only has no seals: its rows are checked by folding.
        self._load_case = LOAD_CASE if "seal" in columns else LOAD_CASE.replace("c.seal", "''")
        self._list_cases = LIST_CASES if "seal" in columns else LIST_CASES.replace("c.seal", "''")

    # -- opening ---------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        try:
            tables = table_names(self._conn)
        except sqlite3.DatabaseError as exc:
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                raise store_error(self.path, exc) from exc  # StoreBusy: a sound log, locked
            raise LogFormatError(f"{self.path!r} is not an SQLite database ({exc}).") from exc
        if "nhvflow_meta" in tables:
            self._check_meta()
        elif tables - {"_sqlite_migrations"}:
            raise LogFormatError(
                f"{self.path!r} is an SQLite database but not an nhvflow log (it has tables "
                f"{sorted(tables)[:5]} and no nhvflow_meta); open a new path for a new log."
            )
        # A new log, or one an earlier nhvflow made that lacks a layout change (e.g. the
        # trigger that refuses REPLACE INTO events); a log that has them all is left as it is
        # without loading the migrations.
        if "nhvflow_meta" not in tables or (not self.readonly and pending_migrations(self._conn)):
            with self.write():  # a new log opened read-only: ReadOnlyLog
                apply_migrations(
                    self._conn
                )  # what is still due: another process may have applied some,
                self._check_meta()  # or made the log meanwhile (perhaps a newer nhvflow)

    def _check_meta(self) -> None:
        meta = dict(self._conn.execute("SELECT key, value FROM nhvflow_meta").fetchall())
        layout_version(meta, repr(self.path), newest=SCHEMA_VERSION)

    # -- transactions ----------------------------------------------------------------

    @contextmanager
    @guarded
    def write(self, case_id: str | None = None) -> Iterator[None]:
        """A write transaction (``BEGIN IMMEDIATE``), or a savepoint when nested
        (``case_id`` is not needed: a case is read without a round trip)."""
        if self.readonly:
            raise ReadOnlyLog(
                f"{self.path!r} was opened read-only; open it without readonly=True to write."
            )
        with self._lock:
            conn = self._conn
            if self._depth:  # a nested write: its steps are held (see _buffer)
                self._alive()
                self._cache.savepoint()
                self._held.begin()
                self._depth += 1
                try:
                    yield
                except BaseException:
                    self._cache.roll_back()
                    self._held.roll_back(conn.in_transaction)
                    self._alive(raising=False)
                    raise
                else:
                    self._held.release()
                    self._cache.release()
                finally:
                    self._depth -= 1
                return
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                if _busy(exc):
                    raise StoreBusy(
                        f"another writer held {self.path!r} past the busy timeout; nothing was "
                        "written. Retry, or open with a longer busy_timeout."
                    ) from exc
                raise
            self._depth = 1
            try:
                self._validate_cache()
                self._writing = True
                yield
                self._alive()
                self._held.sync()
            except BaseException:
                self._held.clear()
                self._cache.clear()
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
            else:
                try:
                    conn.execute("COMMIT")
                except sqlite3.Error as exc:  # e.g. a deferred constraint: nothing stands
                    self._cache.clear()
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                        raise StoreBusy(f"could not commit to {self.path!r}: {exc}") from exc
                    raise
            finally:
                self._depth = 0
                self._writing = False
                self._lost = False
                self._held.clear()
                self._cache.finish()

    def _alive(self, *, raising: bool = True) -> None:
        """Inside a write, refuse to go on once SQLite has ended its transaction
        by itself (``RAISE(ROLLBACK)``, an interrupt, some I/O errors): what it
        held and wrote is gone, and a statement now would run in autocommit."""
        if not self._writing or (self._conn.in_transaction and not self._lost):
            return
        self._lost = True
        self._held.clear()
        self._cache.clear()
        if raising:
            raise lost_transaction(self.path)

    @contextmanager
    def _database(self) -> Iterator[sqlite3.Connection]:
        """The connection, under the lock, with every step a batch holds
        written: the way each read and direct write reaches the database."""
        with self._lock:
            if self._depth:
                self._alive()
                self._held.sync()
            yield self._conn

    def _validate_cache(self) -> None:
        """Drop the cached rows if another connection committed since this
        store last looked (under the write lock just taken)."""
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._cache.clear()
            self._data_version = version

    @contextmanager
    @guarded
    def read(self) -> Iterator[None]:
        """A consistent read snapshot (a deferred transaction), or nothing when nested."""
        with self._lock:
            if self._depth or self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            self._depth = 1
            try:
                yield
            finally:
                self._depth = 0
                self._conn.execute("COMMIT")

    # -- cases -----------------------------------------------------------------------

    @guarded
    def load_case(self, case_id: str) -> CaseRow | None:
        with self._lock:
            cached = (
                (self._held.rows.get(case_id) or self._cache.get(case_id))
                if self._writing
                else None
            )
            row: tuple[Any, ...] | None = (
                (case_id, *cached)
                if cached is not None
                else self._conn.execute(self._load_case, (case_id,)).fetchone()
            )
        return None if row is None else case_row(row)

    @guarded
    def cases(self, query: CaseQuery = EVERY_CASE) -> Iterator[CaseRow]:
        clause, args = query.conditions("?")
        sql = self._list_cases.format(clause=clause)
        last = 0
        while True:  # keyset pages, so that no cursor stays open between yields
            with self._database() as conn:
                rows = conn.execute(sql, (last, *args, 500)).fetchall()
            if not rows:
                return
            for row in rows:
                yield case_row(row[1:])
            if len(rows) < 500:  # the last page: no need to ask again
                return
            last = rows[-1][0]

    @guarded
    def stream_version(self, stream_id: str) -> int:
        with self._lock:
            held = self._held.rows.get(stream_id)
            if held is not None:
                return held[6]
            row = self._conn.execute(
                "SELECT MAX(version) FROM events WHERE stream_id = ?", (stream_id,)
            ).fetchone()
        return int(row[0] or 0)

    # -- events ----------------------------------------------------------------------

    @guarded
    def tail(self) -> tuple[int, str] | None:
        if self._held.steps:
            return self._held.tail
        if self._writing and self._cache.tail is not None:
            return self._cache.tail
        with self._lock:
            last = self._conn.execute(
                "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"
            ).fetchone()
        return None if last is None else (last[0], last[1])

    @guarded
    def append(self, sealed: Sealed, projection: Projection | None) -> None:
        if not self._depth:
            with self.write():
                return self.append(sealed, projection)
        self._alive()
        event = sealed.event
        entry = None
        if projection is not None:
            case = projection.case
            entry = (
                case.process, case.state, case.version, projection.data_text,
                case.updated_at, case.seal, event.version, event.hash,
            )  # fmt: skip
            if self._depth > 1:  # a step of a batch: held, and written with the others
                held = Held(
                    sealed.row, case.id, projection.params, projection.tables, entry,
                    event.idempotency_key, (event.position, event.hash),
                )  # fmt: skip
                if self._follows(held, event):
                    self._held.hold(held)
                    self._cache.put(case.id, entry)
                    self._cache.tail = held.tail
                    if len(self._held.steps) >= WriteBuffer.LIMIT:
                        self._held.sync()
                    return None
        self._held.sync()
        conn = self._conn
        self._cache.tail = None  # until this append has fully succeeded
        try:
            written = conn.execute(INSERT_EVENT, sealed.row).rowcount
        except sqlite3.IntegrityError as exc:
            if "events.stream_id" in str(exc):  # UNIQUE (stream_id, version)
                raise ConcurrencyConflict(
                    event.stream_id, None, self.stream_version(event.stream_id)
                ) from exc
            key = event.idempotency_key
            if "events.idempotency_key" in str(exc) and key is not None:
                first = self.event_by_key(key)
                raise IdempotencyConflict(key, first.position if first else 0) from exc
            raise
        if written != 1:
            raise dropped_event(event.position)
        if projection is not None and entry is not None:
            conn.execute(UPSERT_CASE, projection.params)
            self._replace_rows(projection.case.id, projection.tables)
            self._cache.put(projection.case.id, entry)
        self._cache.tail = (event.position, event.hash)
        return None

    def _follows(self, held: Held, event: StoredEvent) -> bool:
        """Whether a step may be held: its event comes next in the log and in
        its stream, and its idempotency key is new. One that may not is
        written at once, and the database refuses it as it refuses any."""
        tail = self.tail()
        if event.position != (tail[0] + 1 if tail else 1):
            return False
        entry = self._held.rows.get(held.case_id) or self._cache.get(held.case_id)
        version = entry[6] if entry is not None else self.stream_version(held.case_id)
        if event.version != version + 1:
            return False
        key = held.key
        return key is None or (key not in self._held.keys and self.event_by_key(key) is None)

    def _write_held(self, held: Sequence[Held]) -> None:
        """Write held steps, in order: their events, then the last row of
        each case and the last rows of each of its side tables."""
        if not held:
            return
        conn = self._conn
        if conn.executemany(INSERT_EVENT, [step.event for step in held]).rowcount != len(held):
            raise dropped_event(held[0].tail[0], held=True)
        conn.executemany(UPSERT_CASE, list({step.case_id: step.case for step in held}.values()))
        tables: dict[tuple[str, str], tuple[tuple[Any, ...], ...]] = {}
        for step in held:
            for table, rows in step.tables:
                tables[step.case_id, table] = rows
        for (case_id, table), rows in tables.items():
            self._replace_rows(case_id, ((table, rows),))

    def _replace_rows(
        self, case_id: str, tables: Iterable[tuple[str, Iterable[tuple[Any, ...]]]]
    ) -> None:
        """Each side table's rows for the case, in place of those it had."""
        for table, rows in tables:
            delete, insert = side_table(table, "?")
            self._conn.execute(delete, (case_id,))
            self._conn.executemany(insert, rows)

    @guarded
    def event_by_key(self, key: str) -> StoredEvent | None:
        with self._lock:
            if key in self._held.keys:
                self._held.sync()
            row = self._conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE idempotency_key = ?", (key,)
            ).fetchone()
        return None if row is None else stored_event(row)

    @guarded
    def event_rows(self, query: EventQuery = EVERY_EVENT) -> Iterator[tuple[Any, ...]]:
        clause, args = query.conditions("?")
        # Keyset pages, so that no cursor stays open between yields. One
        # stream's events are paged by version, in the order of the
        # UNIQUE (stream_id, version) index (the same order as position,
        # without sorting); the whole log by position.
        key, column = (2, "version") if query.stream_id is not None else (0, "position")
        sql = (
            f"SELECT {EVENT_COLUMNS} FROM events WHERE {column} > ?{clause} "
            f"ORDER BY {column} LIMIT ?"
        )
        last, left = 0, query.limit
        while True:
            page = 1000 if left is None else min(1000, left)
            with self._database() as conn:
                rows = conn.execute(sql, (last, *args, page)).fetchall()
            if not rows:
                return
            yield from rows
            if left is not None:
                left -= len(rows)
            if len(rows) < page or left == 0:  # the last page: no need to ask again
                return
            last = rows[-1][key]

    @guarded
    def side_rows(self, table: str, case_id: str) -> list[tuple[Any, ...]]:
        with self._database() as conn:
            return [tuple(r) for r in conn.execute(side_select(table, "?"), (case_id,))]

    @guarded
    def overview_problems(self) -> list[str]:
        with self._database() as conn:
            present = {
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
                )
            }
            return overview_problems(
                lambda sql: conn.execute(sql).fetchall(),
                present,
                OVERVIEW_SELECTS,
                (sqlite3.DataError, sqlite3.OperationalError),
            )

    @guarded
    def stream_ids(self) -> Iterator[str]:
        """Every stream id, in order of its first event."""
        with self._database() as conn:
            rows = conn.execute(
                "SELECT stream_id FROM events GROUP BY stream_id ORDER BY MIN(position)"
            ).fetchall()
        for row in rows:
            yield row[0]

    @guarded
    def stream_events(self, stream_ids: Sequence[str]) -> Iterator[tuple[str, list[StoredEvent]]]:
        marks = ",".join("?" * len(stream_ids))
        with self._database() as conn:
            rows = conn.execute(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id IN ({marks}) "
                "ORDER BY stream_id, version",
                tuple(stream_ids),
            ).fetchall()
        return by_stream(stream_ids, map(stored_event, rows))

    @guarded
    def count_events(self) -> int:
        """How many events the log holds."""
        with self._database() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    # -- facts and rebuilds ----------------------------------------------------------

    @guarded
    def get_fact(self, key: str) -> Any:
        with self._database() as conn:
            row = conn.execute("SELECT value FROM facts WHERE key = ?", (key,)).fetchone()
        return None if row is None else json_value(row[0], f"the registry fact {key!r}")

    @guarded
    def set_fact(self, key: str, value: Any) -> None:
        if not self._depth:
            with self.write():
                self.set_fact(key, value)
                return
        with self._database() as conn:
            conn.execute(
                "INSERT INTO facts (key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                (key, canonical(value)),
            )

    @guarded
    def replace_projections(self, projections: Iterable[Projection], facts: dict[str, Any]) -> None:
        with self.write():
            self._held.sync()
            self._cache.clear()
            conn = self._conn
            for table in SIDE_TABLES:
                conn.execute(f"DELETE FROM {table}")
            conn.execute("DELETE FROM cases")
            conn.execute("DELETE FROM facts")
            # The tables are empty: rows go in by the page.
            remaining = iter(projections)
            while page := list(itertools.islice(remaining, _PROJECTION_PAGE)):
                conn.executemany(UPSERT_CASE, [p.params for p in page])
                by_table: dict[str, list[tuple[Any, ...]]] = {}
                for p in page:
                    for table, table_rows in p.tables:
                        by_table.setdefault(table, []).extend(table_rows)
                for table, collected in by_table.items():
                    conn.executemany(side_table(table, "?")[1], collected)
            for key, value in facts.items():
                self.set_fact(key, value)

    @guarded
    def projection_rows(self) -> tuple[list[Any], list[Any], list[Any]]:
        """Every row of the projections, for comparing a rebuild with the live tables."""
        with self._database() as conn:
            return (
                conn.execute("SELECT * FROM cases ORDER BY id").fetchall(),
                conn.execute("SELECT * FROM permits ORDER BY case_id, seq").fetchall(),
                conn.execute("SELECT * FROM facts ORDER BY key").fetchall(),
            )

    def verify(self) -> VerifyReport:
        def triggers() -> list[str]:
            with self._database() as conn:
                return trigger_problems(conn)

        return verify_log(triggers, self.event_rows, (sqlite3.DatabaseError, NhvflowError))

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @property
    def connection(self) -> sqlite3.Connection:
        """The underlying connection (for tests and tools; do not write to
        ``events``), with the steps a batch holds written."""
        with self._database() as conn:
            return conn


_PROJECTION_PAGE = 500
"""Cases a rebuild writes per ``executemany``."""
