"""The SQLite log's layout: the triggers and prepared statements of the
store, and the names of the migrations that lay it out
(:mod:`nhvflow.store._sqlite._migrations`, imported only when one is due).
Part of the store (:mod:`nhvflow.store`), the one place that speaks SQL to
SQLite.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import warnings

from nhvflow.store._chain import foreign_triggers
from nhvflow.store._interface import OVERVIEW_VIEWS, overview_selects

__all__ = [
    "EVENT_COLUMNS",
    "INSERT_EVENT",
    "LIST_CASES",
    "LOAD_CASE",
    "LOG_TRIGGERS",
    "MIGRATIONS",
    "OVERVIEW_SELECTS",
    "OVERVIEW_VIEWS",
    "SCHEMA_VERSION",
    "UPSERT_CASE",
    "apply_migrations",
    "pending_migrations",
    "trigger_problems",
]

SCHEMA_VERSION = 2
"""The layout version of the tables this nhvflow writes (2: case rows carry
the seal that binds them to the event they were folded from)."""

EVENT_COLUMNS = (
    "position, stream_id, version, type, schema_version, actor, payload, occurred_at, "
    "recorded_at, idempotency_key, request_hash, prev_hash, hash"
)
INSERT_EVENT = f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"
UPSERT_CASE = (
    "INSERT INTO cases (id, process, state, version, data, updated_at, seal) "
    "VALUES (?,?,?,?,?,?,?) "
    "ON CONFLICT(id) DO UPDATE SET process=excluded.process, state=excluded.state, "
    "version=excluded.version, data=excluded.data, updated_at=excluded.updated_at, "
    "seal=excluded.seal"
)
LOAD_CASE = (
    # The row, and the version and hash of its stream's last event (along the
    # UNIQUE (stream_id, version) index), for the engine to check one against the other.
    "SELECT c.id, c.process, c.state, c.version, c.data, c.updated_at, c.seal, e.version, e.hash "
    "FROM cases c LEFT JOIN events e ON e.stream_id = c.id AND e.version = "
    "(SELECT MAX(version) FROM events WHERE stream_id = c.id) WHERE c.id = ?"
)
LIST_CASES = (
    # A page of rows (after a rowid, in rowid order), each with the version
    # and hash of its stream's last event, as LOAD_CASE reads one: one
    # indexed lookup per row, one statement per page. ``{clause}`` holds the
    # conditions on ``c.state`` and ``c.process``.
    "SELECT c.rowid, c.id, c.process, c.state, c.version, c.data, c.updated_at, c.seal, "
    "e.version, e.hash FROM cases c LEFT JOIN events e ON e.stream_id = c.id AND e.version = "
    "(SELECT MAX(version) FROM events WHERE stream_id = c.id) "
    "WHERE c.rowid > ?{clause} ORDER BY c.rowid LIMIT ?"
)
APPEND_ONLY_UPDATE = (
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events BEGIN "
    "SELECT RAISE(ABORT, 'nhvflow: the event log is append-only; UPDATE of events is "
    "refused (record a new event instead)'); END"
)
APPEND_ONLY_DELETE = (
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events BEGIN "
    "SELECT RAISE(ABORT, 'nhvflow: the event log is append-only; DELETE of events is "
    "refused'); END"
)
NO_REWRITE = (
    # REPLACE INTO and INSERT OR REPLACE delete the row in the way without
    # firing a DELETE trigger (unless recursive_triggers is on), so an insert
    # that would meet an existing event is refused before SQLite resolves the
    # conflict. The messages name the UNIQUE columns, as SQLite's own do, so a
    # lost race still reads as one to the store.
    "CREATE TRIGGER events_no_rewrite BEFORE INSERT ON events WHEN "
    "EXISTS (SELECT 1 FROM events WHERE position = NEW.position) "
    "OR EXISTS (SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version) "
    "OR EXISTS (SELECT 1 FROM events WHERE idempotency_key = NEW.idempotency_key) "
    "BEGIN "
    "SELECT RAISE(ABORT, 'nhvflow: the event log is append-only; this stream version is "
    "already recorded (events.stream_id, events.version)') WHERE EXISTS "
    "(SELECT 1 FROM events WHERE stream_id = NEW.stream_id AND version = NEW.version); "
    "SELECT RAISE(ABORT, 'nhvflow: the event log is append-only; this idempotency key is "
    "already recorded (events.idempotency_key)') WHERE EXISTS "
    "(SELECT 1 FROM events WHERE idempotency_key = NEW.idempotency_key); "
    "SELECT RAISE(ABORT, 'nhvflow: the event log is append-only; an event at this position "
    "is already recorded (events.position)'); "
    "END"
)

LOG_TRIGGERS = {
    "events_append_only_update": APPEND_ONLY_UPDATE,
    "events_append_only_delete": APPEND_ONLY_DELETE,
    "events_no_rewrite": NO_REWRITE,
}
"""The triggers on ``events`` that make the file itself refuse to change the
log, by name, with their SQL; ``verify()`` reports any that is missing or
whose SQL is not this."""

TRIGGERS_ON_EVENTS = (
    "SELECT name, sql FROM sqlite_master WHERE type='trigger' AND tbl_name='events'"
)


_MADE_BY = {"events_no_rewrite": "0004_no_rewrite"}
"""The migration that made each append-only trigger after the first layout
(the others come with ``0001_initial``)."""

APPLIED_MIGRATIONS = "SELECT name FROM _sqlite_migrations WHERE migration_set = 'nhvflow'"

MIGRATIONS = ("0001_initial", "0002_case_seal", "0003_overview_views", "0004_no_rewrite")
"""The migrations of :mod:`~nhvflow.store._sqlite._migrations`, in order, by
name: a log that has applied them all is opened without importing
``sqlite_utils`` (and the ``numpy`` it loads when installed)."""


def pending_migrations(conn: sqlite3.Connection) -> bool:
    """Whether the log of ``conn`` lacks any of :data:`MIGRATIONS` (or its
    record of them cannot be read: the migrations then judge)."""
    try:
        done = {str(row[0]) for row in conn.execute(APPLIED_MIGRATIONS)}
    except sqlite3.OperationalError:
        return True
    return not done.issuperset(MIGRATIONS)


def apply_migrations(conn: sqlite3.Connection) -> None:
    """Apply the migrations the log of ``conn`` lacks (all of them to a new
    log), inside the caller's write transaction. Their module is loaded on
    first need with the host's :mod:`warnings` filters kept as they were:
    ``sqlite_utils`` imports ``numpy`` where it is installed, and numpy adds
    filters of its own."""
    fresh = "nhvflow.store._sqlite._migrations" not in sys.modules
    with warnings.catch_warnings() if fresh else contextlib.nullcontext():
        from nhvflow.store._sqlite._migrations import migrate
    migrate(conn)


def trigger_problems(conn: sqlite3.Connection) -> list[str]:
    """What ``verify()`` reports of the triggers on ``events`` in the file of
    ``conn``: an append-only trigger missing or not nhvflow's, and any
    trigger that is not nhvflow's. A trigger that a migration not yet
    applied makes is not missing: a log of an earlier nhvflow, opened
    read-only, never had it (it gains it when next opened for writing)."""
    triggers = {str(row[0]): str(row[1]) for row in conn.execute(TRIGGERS_ON_EVENTS)}
    done = {str(row[0]) for row in conn.execute(APPLIED_MIGRATIONS)}
    problems: list[str] = []
    for name, sql in LOG_TRIGGERS.items():
        if name not in triggers:
            if _MADE_BY.get(name, "0001_initial") in done:
                problems.append(f"the append-only trigger {name} is missing")
        elif " ".join(triggers[name].split()) != " ".join(sql.split()):
            problems.append(
                f"the append-only trigger {name} was replaced by one that is not "
                "nhvflow's (its SQL differs)"
            )
    return problems + foreign_triggers(triggers, LOG_TRIGGERS)


OVERVIEW_SELECTS = overview_selects(lambda data, key: f"json_extract({data}, '$.{key}')", "rowid")
"""The ``SELECT`` of each of :data:`OVERVIEW_VIEWS`, in SQLite's dialect."""
