"""The PostgreSQL event store: the same log as the SQLite store, for services
that run on several machines and share one log.

Open it with ``nhvflow.open("postgresql://user@host/db")`` (the optional
extra ``nhvflow[postgres]`` brings psycopg 3). The tables mirror the SQLite
store (``events`` with a global position and a SHA-256 hash chain,
``cases``, ``permits``, ``facts``, ``nhvflow_meta``; see
:mod:`nhvflow.store._postgres._schema`); ``events`` is append-only by triggers that
refuse UPDATE, DELETE and TRUNCATE.

Every write transaction starts by taking one transaction-level advisory
lock (``pg_advisory_xact_lock``), held until it commits or rolls back. So
writers, from any number of processes and machines, run one at a time: each
reads the case, the rules judge it on fresh state, and the event gets the
next position and links to the previous hash, with no gaps and no forks.
The lock's wait is bounded by ``busy_timeout`` (PostgreSQL's
``lock_timeout``); past it the step fails with :class:`StoreBusy` and
nothing is written.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

try:
    import psycopg
except ImportError as exc:  # the tests exercise this with psycopg hidden
    raise ImportError(
        "the PostgreSQL store needs psycopg 3, which is not installed; install the extra: "
        "pip install 'nhvflow[postgres]'"
    ) from exc

from nhvflow.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidPayload,
    LogFormatError,
    NhvflowError,
)
from nhvflow.events import iso
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
from nhvflow.store._postgres._schema import (
    CASE_COLUMNS,
    CREATE_SCHEMA,
    EVENT_COLUMNS,
    INSERT_EVENT,
    INSERT_EVENT_AND_CASE,
    LIST_CASES,
    LOAD_CASE,
    OVERVIEW,
    OVERVIEW_SELECTS,
    SCHEMA_VERSION,
    STRICT_INSERT_EVENT,
    STRICT_INSERT_EVENT_AND_CASE,
    TAIL,
    TRIGGER_STATE,
    UPGRADES,
    UPSERT_CASE,
    trigger_problems,
)
from nhvflow.store._postgres._session import Opening, PgSession
from nhvflow.store._targets import is_postgres_url

__all__ = ["SCHEMA_VERSION", "PostgresStore", "is_postgres_url"]


def _now() -> str:
    return iso(datetime.now(UTC))


def _nul_free(value: str | None) -> bool:
    return value is None or "\x00" not in value


class PostgresStore(PgSession, Store):
    """The event log in a PostgreSQL database (in the connection's
    ``current_schema()``; choose another with ``?options=-csearch_path%3Dname``).

    :param url: a libpq connection URL, e.g. ``postgresql://nhv@db.example/nhv``.
    :param durability: ``"full"`` (``synchronous_commit=on``: a commit is on
        disk before the step returns) or ``"normal"`` (``synchronous_commit=off``:
        a server crash may lose the last commits, never corrupt the log).
    :param busy_timeout: seconds a writer waits for another writer's lock
        (the session's ``lock_timeout``) before :class:`StoreBusy`.
    :param readonly: read an existing log only: every write raises
        :class:`~nhvflow.errors.ReadOnlyLog`, and the session is
        ``default_transaction_read_only`` so that the server refuses writes too.
    :param logger: where the store's lines go (default the standard
        ``logging`` logger ``"nhvflow"``; see :func:`nhvflow.open`).
    :param create: lay out a new log in an empty schema (otherwise an empty
        schema is a :class:`LogFormatError`).

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        url: str,
        *,
        durability: Durability = "full",
        busy_timeout: float = 5.0,
        readonly: bool = False,
        logger: Any = None,
        create: bool = True,
    ) -> None:
        self._held: tuple[Sealed, Projection | None] | None = None
        """A step's append held back to travel with the end of its write (``COMMIT``
        or ``RELEASE SAVEPOINT``; see :meth:`append`)."""
        self._opened = False
        self._read_first: tuple[str, tuple[Any, ...]] | None = None
        """The case a write named, and its stream's version, as read with its lock
        (valid until the write appends)."""
        super().__init__(
            url, durability=durability, busy_timeout=busy_timeout, readonly=readonly, logger=logger
        )
        try:
            self._ensure_schema(create and not readonly)
        except BaseException:
            self._conn.close()
            raise
        self._opened = True  # the log's tables exist: a write reads its tail with the lock

    # -- opening ---------------------------------------------------------------------

    def _tables(self) -> set[str]:
        rows = (
            self._connection()
            .execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
            .fetchall()
        )
        return {r[0] for r in rows}

    def _refuse_foreign(self, tables: set[str]) -> None:
        if tables and "nhvflow_meta" not in tables:
            raise LogFormatError(
                f"{self.display} is not an nhvflow log: schema {self.schema!r} holds other "
                f"tables ({', '.join(sorted(tables)[:5])}); open an empty database or schema, "
                "or the right one."
            )

    def _ensure_schema(self, create: bool) -> None:
        self._sealed_rows = True
        tables = self._tables()
        self._refuse_foreign(tables)
        if not tables:
            if not create:
                how = ", and it was opened read-only" if self.readonly else ""
                raise LogFormatError(f"{self.display} holds no nhvflow log yet{how}.")
            with self.write():  # the write lock: two services opening a new log race here
                tables = self._tables()
                self._refuse_foreign(tables)
                if not tables:
                    for statement in (*CREATE_SCHEMA, *OVERVIEW):
                        self._connection().execute(statement)
                    self._connection().execute(
                        "INSERT INTO nhvflow_meta (key, value) VALUES "
                        "('format', %s), ('schema_version', %s), ('created_at', %s)",
                        (FORMAT, str(SCHEMA_VERSION), _now()),
                    )
                    return
        meta = dict(self._connection().execute("SELECT key, value FROM nhvflow_meta").fetchall())
        found = layout_version(meta, self.display, newest=SCHEMA_VERSION)
        if found < SCHEMA_VERSION and create:
            with self.write():  # an older layout: bring it up to date, under the write lock
                row = self._q(
                    "SELECT value FROM nhvflow_meta WHERE key = 'schema_version'"
                ).fetchone()
                now = int(row[0]) if row else found
                for version in range(now, SCHEMA_VERSION):
                    for statement in UPGRADES[version]:
                        self._connection().execute(statement)
                self._q(
                    "UPDATE nhvflow_meta SET value = %s WHERE key = 'schema_version'",
                    (str(SCHEMA_VERSION),),
                )
            found = SCHEMA_VERSION
        self._sealed_rows = found >= 2
        if "regions" not in tables and not self.readonly:
            with self.write():  # a log made before the overview views
                for statement in OVERVIEW:
                    self._connection().execute(statement)

    # -- cases -----------------------------------------------------------------------

    def _begin_write(
        self, conn: psycopg.Connection[Any], opening: Opening, case_id: str | None
    ) -> None:
        """Begin a write (or a savepoint) with the log's tail, unless this
        transaction knows it, and the row of ``case_id`` read in the same round
        trip (once the log's tables exist)."""
        if not self._opened:
            return super()._begin_write(conn, opening, case_id)
        tail = self._tail is None
        reads = [
            *([(TAIL, ())] if tail else []),
            *([(self._load_case_sql(), (case_id,))] if case_id and _nul_free(case_id) else []),
        ]
        cursors = self._begin(conn, opening, *reads)
        if tail:
            found = cursors.pop(0).fetchone()
            self._tail = None if found is None else (found[0], found[1])
        if cursors and case_id is not None:
            row = cursors[0].fetchone()
            assert row is not None  # LOAD_CASE gives one row for any id
            self._read_first = (case_id, tuple(row))
        return None

    def _load_case_sql(self) -> str:
        return LOAD_CASE if self._sealed_rows else LOAD_CASE.replace("c.seal", "''")

    def _read(self, case_id: str) -> tuple[Any, ...]:
        """The ``LOAD_CASE`` row of ``case_id``: as the write read it with its lock
        (nothing has been appended since), or read now."""
        if self._read_first is not None and self._read_first[0] == case_id:
            return self._read_first[1]
        row = self._q(self._load_case_sql(), (case_id,)).fetchone()
        assert row is not None  # LOAD_CASE gives one row for any id
        return tuple(row)

    def load_case(self, case_id: str) -> CaseRow | None:
        if not _nul_free(case_id):
            return None
        row = self._read(case_id)
        if row[0] is None:  # no case
            return None
        self._seen = (row[0], None, row[3])
        return case_row(row)

    def cases(self, query: CaseQuery = EVERY_CASE) -> Iterator[CaseRow]:
        if not (_nul_free(query.state) and _nul_free(query.process)):
            return  # no case has a state or process with a NUL in it
        clause, args = query.conditions("%s")
        sql = LIST_CASES if self._sealed_rows else LIST_CASES.replace("c.seal", "''")
        last = 0
        while True:  # keyset pages, so that no cursor stays open between yields
            rows = self._q(sql.format(clause=clause), (last, *args)).fetchall()
            if not rows:
                return
            for row in rows:
                yield case_row(row[1:])
            last = rows[-1][0]

    def side_rows(self, table: str, case_id: str) -> list[tuple[Any, ...]]:
        if not _nul_free(case_id):
            return []
        return [tuple(r) for r in self._q(side_select(table, "%s"), (case_id,)).fetchall()]

    def overview_problems(self) -> list[str]:
        with self.read():
            present = {
                r[0]
                for r in self._q(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                ).fetchall()
            }
            return overview_problems(
                self._rows_alone, present, OVERVIEW_SELECTS, (psycopg.DataError,)
            )

    def _rows_alone(self, sql: str) -> list[tuple[Any, ...]]:
        """A query's rows, in a savepoint of its own: one the database
        refuses (text its jsonb cannot hold) leaves the transaction usable."""
        self._q("SAVEPOINT nhvflow_read")
        try:
            rows = self._q(sql).fetchall()
        except psycopg.DataError:
            self._q("ROLLBACK TO SAVEPOINT nhvflow_read")
            raise
        self._q("RELEASE SAVEPOINT nhvflow_read")
        return rows

    def stream_version(self, stream_id: str) -> int:
        if not _nul_free(stream_id):
            return 0
        if self._read_first is not None and self._read_first[0] == stream_id:
            version = int(self._read_first[1][7] or 0)
            self._seen = (stream_id, None, version)
            return version
        row = self._q("SELECT MAX(version) FROM events WHERE stream_id = %s", (stream_id,))
        found = row.fetchone()
        version = int(found[0] or 0) if found else 0
        self._seen = (stream_id, None, version)
        return version

    # -- events ----------------------------------------------------------------------

    def tail(self) -> tuple[int, str] | None:
        if self._tail is None:
            found = self._q(TAIL).fetchone()
            return None if found is None else (found[0], found[1])
        return self._tail

    def append(self, sealed: Sealed, projection: Projection | None) -> None:
        if not self._depth:
            with self.write():
                return self.append(sealed, projection)
        event = sealed.event
        for field, value in (
            ("case_id", event.stream_id),
            ("idempotency_key", event.idempotency_key),
        ):
            if not _nul_free(value):
                raise InvalidPayload(
                    field, "must not contain NUL characters (PostgreSQL text cannot hold them)."
                )
        self._flush()  # a step held before this one is written first
        self._read_first = None  # the case may change now
        # Held, and sent with the end of the write (COMMIT, or RELEASE SAVEPOINT) in
        # one round trip; anything the write sends before that writes it first.
        self._held = (sealed, projection)
        self._tail = (event.position, event.hash)
        return None

    def _write(self, sealed: Sealed, projection: Projection | None) -> None:
        """Write the event and its case's rows now, in the open transaction."""
        event = sealed.event
        self._tail = None  # until this append has fully succeeded
        if projection is None:
            written = self._q(INSERT_EVENT, sealed.row).fetchone()
        else:
            written = self._q(INSERT_EVENT_AND_CASE, (*sealed.row, *projection.params)).fetchone()
        if written is None:  # a UNIQUE constraint said no: nothing was written
            raise self._refused(event)
        if projection is not None:
            self._write_tables(projection)
        self._tail = (event.position, event.hash)
        return None

    def _refused(self, event: StoredEvent) -> NhvflowError:
        """Why ``event`` was not written: a unique key of ``events`` refused it
        (its idempotency key was taken, or its stream moved on), or, with
        neither, the database dropped it without an error."""
        key = event.idempotency_key
        first = None if key is None else self.event_by_key(key)
        if key is not None and first is not None:
            return IdempotencyConflict(key, first.position)
        found = self._q(
            "SELECT (SELECT MAX(version) FROM events WHERE stream_id = %s), "
            "EXISTS (SELECT 1 FROM events WHERE position = %s)",
            (event.stream_id, event.position),
        ).fetchone()
        version, position_taken = (int(found[0] or 0), bool(found[1])) if found else (0, False)
        if version < event.version and not position_taken:
            return dropped_event(event.position)
        return ConcurrencyConflict(event.stream_id, None, version)

    def _flush(self) -> None:
        if self._held is not None:
            held, self._held = self._held, None
            self._write(*held)

    def _end(self, conn: psycopg.Connection[Any], end: str, undo: Callable[[], None]) -> None:
        """Send the held step, its side tables and ``end`` (``COMMIT`` or ``RELEASE
        SAVEPOINT``) in one pipeline: a refused event is an error there, so ``end``
        does not run; the block is undone and the refusal named."""
        if self._held is None:
            return super()._end(conn, end, undo)
        (sealed, projection), self._held = self._held, None
        try:
            with self._undone_if_failed(undo), self._pipeline(conn):
                if projection is None:
                    conn.execute(STRICT_INSERT_EVENT, sealed.row)
                else:
                    conn.execute(STRICT_INSERT_EVENT_AND_CASE, (*sealed.row, *projection.params))
                    self._write_tables(projection, conn)
                conn.execute(end)
        except psycopg.errors.UniqueViolation as exc:  # undone: now say why
            raise self._refused(sealed.event) from exc
        except psycopg.errors.DivisionByZero as exc:  # the event was dropped: undone
            raise dropped_event(sealed.event.position) from exc
        return None

    def _forget(self) -> None:
        super()._forget()
        self._held = None
        self._read_first = None

    def _write_tables(
        self, projection: Projection, conn: psycopg.Connection[Any] | None = None
    ) -> None:
        """Each side table's rows for the case, in place of those it had (on
        ``conn`` as it stands, e.g. in a pipeline, if given)."""
        for table, rows in projection.tables:
            delete, insert = side_table(table, "%s")
            with self._lock, (conn or self._connection()).cursor() as cur:
                try:
                    cur.execute(delete, (projection.case.id,))
                    if rows:
                        cur.executemany(insert, rows)
                except psycopg.OperationalError as exc:
                    raise self._failed(exc) from exc

    def event_by_key(self, key: str) -> StoredEvent | None:
        if not _nul_free(key):
            return None
        row = self._q(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE idempotency_key = %s", (key,)
        ).fetchone()
        return None if row is None else stored_event(row)

    def event_rows(
        self, query: EventQuery = EVERY_EVENT, *, page: int = 1000
    ) -> Iterator[tuple[Any, ...]]:
        if not (_nul_free(query.stream_id) and _nul_free(query.until)):
            return  # no event has a stream or time with a NUL in it
        clause, args = query.conditions("%s")
        if query.limit is not None:
            page = max(1, min(page, query.limit))
        last, left = 0, query.limit
        while left is None or left > 0:
            rows = self._q(
                f"SELECT {EVENT_COLUMNS} FROM events WHERE position > %s{clause} "
                f"ORDER BY position LIMIT {int(page)}",
                (last, *args),
            ).fetchall()
            if not rows:
                return
            if left is not None:
                rows = rows[:left]
                left -= len(rows)
            yield from rows
            last = rows[-1][0]

    def stream_ids(self) -> Iterator[str]:
        """Every stream id, in order of its first event."""
        rows = self._q(
            "SELECT stream_id FROM events GROUP BY stream_id ORDER BY MIN(position)"
        ).fetchall()
        for row in rows:
            yield row[0]

    def stream_events(self, stream_ids: Sequence[str]) -> Iterator[tuple[str, list[StoredEvent]]]:
        rows = self._q(
            f"SELECT {EVENT_COLUMNS} FROM events WHERE stream_id = ANY(%s) "
            "ORDER BY stream_id, version",
            (list(stream_ids),),
        ).fetchall()
        return by_stream(stream_ids, map(stored_event, rows))

    def count_events(self) -> int:
        """How many events the log holds."""
        row = self._q("SELECT COUNT(*) FROM events").fetchone()
        return int(row[0]) if row else 0

    def import_rows(self, rows: Iterable[tuple[Any, ...]]) -> int:
        """Append stored events exactly as they are (positions, times, keys and
        hashes kept), for copying a log; inside a write transaction."""
        count = 0
        with self.write(), self._lock:
            self._tail = None  # the imported events come after whatever this transaction knew
            copy_sql = f"COPY events ({EVENT_COLUMNS}) FROM STDIN"
            try:
                with self._connection().cursor() as cur, cur.copy(copy_sql) as copy:
                    for row in rows:
                        copy.write_row(row)
                        count += 1
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                raise LogFormatError(
                    f"event {count + 1} cannot be stored in {self.display}: {exc}"
                ) from exc
        return count

    # -- facts and rebuilds ----------------------------------------------------------

    def get_fact(self, key: str) -> Any:
        row = self._q("SELECT value FROM facts WHERE key = %s", (key,)).fetchone()
        return None if row is None else json_value(row[0], f"the registry fact {key!r}")

    def set_fact(self, key: str, value: Any) -> None:
        if not self._depth:
            with self.write():
                self.set_fact(key, value)
                return
        self._q(
            "INSERT INTO facts (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (key, canonical(value)),
        )

    def replace_projections(self, projections: Iterable[Projection], facts: dict[str, Any]) -> None:
        with self.write():
            for table in SIDE_TABLES:
                self._q(f"DELETE FROM {table}")
            self._q("DELETE FROM cases")
            self._q("DELETE FROM facts")
            for projection in projections:
                self._q(UPSERT_CASE, projection.params)
                self._write_tables(projection)
            for key, value in facts.items():
                self.set_fact(key, value)

    def projection_rows(self) -> tuple[list[Any], list[Any], list[Any]]:
        """Every row of the projections, for comparing a rebuild with the live tables."""
        with self.read():
            return (
                self._q(f"SELECT {CASE_COLUMNS} FROM cases ORDER BY id").fetchall(),
                self._q("SELECT * FROM permits ORDER BY case_id, seq").fetchall(),
                self._q("SELECT * FROM facts ORDER BY key").fetchall(),
            )

    def verify(self) -> VerifyReport:
        def triggers() -> list[str]:
            with self._lock:
                return trigger_problems(self._q(TRIGGER_STATE).fetchall())

        return verify_log(
            triggers, lambda: self.event_rows(page=5000), (psycopg.Error, NhvflowError, ValueError)
        )
