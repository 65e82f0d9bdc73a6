"""The tables of the PostgreSQL event store, how they are checked, and the
statements of the hot path.

The same layout as the SQLite store (``events``, ``cases``, ``permits``,
``facts``, ``nhvflow_meta``), with the JSON of actors, payloads and case data
kept as the exact canonical text that the hash chain covers, and times as
the same ISO text, so that a log copied between the backends verifies hash
for hash. Text columns that are compared or sorted use the ``"C"`` collation
(byte order, as SQLite compares), never the database's locale.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from nhvflow.model import Region
from nhvflow.store._chain import foreign_triggers
from nhvflow.store._interface import overview_selects

__all__ = [
    "APPEND_ONLY_TRIGGERS",
    "CASE_COLUMNS",
    "CREATE_SCHEMA",
    "EVENT_COLUMNS",
    "INSERT_EVENT",
    "INSERT_EVENT_AND_CASE",
    "LIST_CASES",
    "LOAD_CASE",
    "OVERVIEW",
    "OVERVIEW_SELECTS",
    "SCHEMA_VERSION",
    "STRICT_INSERT_EVENT",
    "STRICT_INSERT_EVENT_AND_CASE",
    "TAIL",
    "TRIGGER_STATE",
    "TRIGGER_TYPES",
    "UPGRADES",
    "UPSERT_CASE",
    "trigger_problems",
]

SCHEMA_VERSION = 2
"""The layout version of the PostgreSQL tables this nhvflow writes (2: case
rows carry the seal that binds them to the event they were folded from)."""

APPEND_ONLY_TRIGGERS = (
    "events_append_only_update",
    "events_append_only_delete",
    "events_append_only_truncate",
)
"""The triggers that make ``events`` append-only (TRUNCATE skips row triggers).
``INSERT ... ON CONFLICT DO UPDATE`` and ``MERGE`` fire the UPDATE and DELETE
statement triggers whenever they may update or delete, so they are refused too."""

TRIGGER_TYPES = {
    "events_append_only_update": 2 | 16,  # BEFORE | UPDATE, for each statement
    "events_append_only_delete": 2 | 8,  # BEFORE | DELETE
    "events_append_only_truncate": 2 | 32,  # BEFORE | TRUNCATE
}
"""``pg_trigger.tgtype`` of each append-only trigger, as nhvflow creates it."""

REFUSE_EVENT_CHANGE = """
    BEGIN
        RAISE EXCEPTION 'nhvflow: the event log is append-only; % of events is refused '
            '(record a new event instead)', TG_OP
            USING ERRCODE = 'restrict_violation';
    END
    """
"""The body of the function every append-only trigger runs (``verify()``
compares the function's source with it, white space aside)."""

CREATE_SCHEMA = (
    """
    CREATE TABLE nhvflow_meta (
        key TEXT COLLATE "C" PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
    """
    CREATE TABLE events (
        position BIGINT PRIMARY KEY CHECK (position >= 1),
        stream_id TEXT COLLATE "C" NOT NULL,
        version INTEGER NOT NULL CHECK (version >= 1),
        type TEXT COLLATE "C" NOT NULL,
        schema_version INTEGER NOT NULL,
        actor TEXT NOT NULL,
        payload TEXT NOT NULL,
        occurred_at TEXT COLLATE "C" NOT NULL,
        recorded_at TEXT COLLATE "C" NOT NULL,
        idempotency_key TEXT COLLATE "C" UNIQUE,
        request_hash TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        UNIQUE (stream_id, version)
    )
    """,
    f"""
    CREATE FUNCTION nhvflow_refuse_event_change() RETURNS trigger
    LANGUAGE plpgsql AS $${REFUSE_EVENT_CHANGE}$$
    """,
    "CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION nhvflow_refuse_event_change()",
    "CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION nhvflow_refuse_event_change()",
    "CREATE TRIGGER events_append_only_truncate BEFORE TRUNCATE ON events "
    "FOR EACH STATEMENT EXECUTE FUNCTION nhvflow_refuse_event_change()",
    """
    CREATE TABLE cases (
        seq BIGINT GENERATED ALWAYS AS IDENTITY UNIQUE,
        id TEXT COLLATE "C" PRIMARY KEY,
        process TEXT COLLATE "C" NOT NULL,
        state TEXT COLLATE "C" NOT NULL,
        version INTEGER NOT NULL,
        data TEXT NOT NULL,
        updated_at TEXT COLLATE "C" NOT NULL,
        seal TEXT NOT NULL DEFAULT ''
    )
    """,
    "CREATE INDEX cases_state ON cases (state)",
    """
    CREATE TABLE permits (
        case_id TEXT COLLATE "C" NOT NULL,
        seq INTEGER NOT NULL,
        region TEXT COLLATE "C",
        unit TEXT,
        valid BOOLEAN NOT NULL,
        granted_at TEXT COLLATE "C",
        starts_on TEXT COLLATE "C",
        revoked_at TEXT COLLATE "C",
        conditions TEXT NOT NULL,
        PRIMARY KEY (case_id, seq)
    )
    """,
    "CREATE INDEX permits_region ON permits (region)",
    """
    CREATE TABLE facts (
        key TEXT COLLATE "C" PRIMARY KEY,
        value TEXT NOT NULL
    )
    """,
)
"""The statements that lay out a new log (run in one transaction), before :data:`OVERVIEW`."""

_REGION_ROWS = ", ".join(f"('{r.name}', '{r.swedish_name}')" for r in Region)

_NUL_ESCAPE = r"'(?<!\\)((?:\\\\)*)\\u0000', '\1\\ufffd', 'g'"
"""``regexp_replace`` arguments that turn each ``\u0000`` escape of a JSON
text (one not itself escaped, ``\\u0000``) into ``\ufffd``: ``jsonb``
cannot hold U+0000, which nhvflow's JSON text may, and a view that cast it
would fail for every reader. Only the views read this way; the log keeps
its text as written."""

OVERVIEW_SELECTS = overview_selects(
    lambda data, key: f"regexp_replace({data}, {_NUL_ESCAPE})::jsonb ->> '{key}'", "seq"
)
"""The ``SELECT`` of each overview view, in PostgreSQL's dialect."""

OVERVIEW = (
    'CREATE TABLE IF NOT EXISTS regions (code TEXT COLLATE "C" PRIMARY KEY, name TEXT NOT NULL)',
    f"INSERT INTO regions (code, name) VALUES {_REGION_ROWS} ON CONFLICT (code) DO NOTHING",
    f"CREATE OR REPLACE VIEW case_overview AS {OVERVIEW_SELECTS[0]}",
    f"CREATE OR REPLACE VIEW permit_overview AS {OVERVIEW_SELECTS[1]}",
)
"""The views that read the log without JSON functions (``case_overview``,
``permit_overview``) and the lookup table ``regions`` (code, Swedish name)
they join. They add to the layout without changing what is written (the
schema version stays); a log made before them gains them when it is next
opened for writing. Each statement can run again."""

UPGRADES: dict[int, tuple[str, ...]] = {
    1: ("ALTER TABLE cases ADD COLUMN seal TEXT NOT NULL DEFAULT ''",),
}
"""The statements that bring a log from a layout version to the next."""

TRIGGER_STATE = """
    SELECT t.tgname, t.tgenabled, t.tgtype, p.proname, p.prosrc
    FROM pg_trigger t
    JOIN pg_class c ON c.oid = t.tgrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_proc p ON p.oid = t.tgfoid
    WHERE c.relname = 'events' AND n.nspname = current_schema() AND NOT t.tgisinternal
"""
"""The triggers on ``events``: whether each is enabled (``'D'``: disabled),
when it fires (``tgtype``), and the function it runs with that function's source."""


def trigger_problems(found: Iterable[Sequence[Any]]) -> list[str]:
    """What ``verify()`` reports of the triggers on ``events`` (the rows of
    :data:`TRIGGER_STATE`): an append-only trigger missing, disabled or not
    nhvflow's, and any trigger that is not nhvflow's."""
    triggers = {row[0]: tuple(row[1:]) for row in found}
    problems: list[str] = []
    for name in APPEND_ONLY_TRIGGERS:
        if name not in triggers:
            problems.append(f"the append-only trigger {name} is missing")
            continue
        enabled, kind, function, source = triggers[name]
        if enabled not in ("O", "A"):  # "D": disabled; "R": fires only in replication
            problems.append(f"the append-only trigger {name} is disabled")
        elif (
            kind != TRIGGER_TYPES[name]
            or function != "nhvflow_refuse_event_change"
            or " ".join(str(source).split()) != " ".join(REFUSE_EVENT_CHANGE.split())
        ):
            problems.append(
                f"the append-only trigger {name} was replaced by one that is not "
                "nhvflow's (it fires at another time or runs another function)"
            )
    return problems + foreign_triggers(triggers, APPEND_ONLY_TRIGGERS)


# -- the statements of the hot path ---------------------------------------------------

EVENT_COLUMNS = (
    "position, stream_id, version, type, schema_version, actor, payload, occurred_at, "
    "recorded_at, idempotency_key, request_hash, prev_hash, hash"
)
_INSERT = (
    f"INSERT INTO events ({EVENT_COLUMNS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) "
    "{conflict}RETURNING position"
)
_CASE_FROM_E = (
    "INSERT INTO cases (id, process, state, version, data, updated_at, seal) "
    "SELECT %s,%s,%s,%s,%s,%s,%s FROM e ON CONFLICT (id) DO UPDATE SET "
    "process = excluded.process, state = excluded.state, version = excluded.version, "
    "data = excluded.data, updated_at = excluded.updated_at, seal = excluded.seal RETURNING id"
)
"""The case's row, written only if the event ``e`` was (one round trip)."""
_WRITTEN_OR_FAIL = "SELECT 1 / count(*) FROM e"
"""Fails (``division_by_zero``) when the event ``e`` was not written: a
foreign trigger on ``events`` that returns NULL drops a row without an
error, and SQL outside PL/pgSQL has no statement that raises. A statement
pipelined with ``COMMIT`` must fail, so that the commit does not run."""
INSERT_EVENT = _INSERT.format(conflict="ON CONFLICT DO NOTHING ")
"""Append an event; no row comes back when a unique key refuses it."""
INSERT_EVENT_AND_CASE = f"WITH e AS ({INSERT_EVENT}) {_CASE_FROM_E}"
"""Append an event and write its case's row; no row comes back when a unique key
refuses the event, and then the case's row is not written either."""
STRICT_INSERT_EVENT = f"WITH e AS ({_INSERT.format(conflict='')}) {_WRITTEN_OR_FAIL}"
"""Append an event; a unique key that refuses it is an error, and so is an
event the database did not write, either of which aborts the transaction
(the statements pipelined after it, ``COMMIT`` among them, do not run)."""
STRICT_INSERT_EVENT_AND_CASE = (
    f"WITH e AS ({_INSERT.format(conflict='')}), c AS ({_CASE_FROM_E}) {_WRITTEN_OR_FAIL}"
)
""":data:`INSERT_EVENT_AND_CASE`, with a refused or unwritten event an error."""
UPSERT_CASE = (
    "INSERT INTO cases (id, process, state, version, data, updated_at, seal) "
    "VALUES (%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO UPDATE SET process = excluded.process, "
    "state = excluded.state, version = excluded.version, data = excluded.data, "
    "updated_at = excluded.updated_at, seal = excluded.seal"
)
CASE_COLUMNS = "id, process, state, version, data, updated_at"
LIST_CASES = (
    # A page of rows (after a seq, in seq order), each with the version and
    # hash of its stream's last event, as LOAD_CASE reads one: one index scan
    # per row, one statement per page. ``{clause}`` holds the conditions on
    # ``c.state`` and ``c.process``.
    "SELECT c.seq, c.id, c.process, c.state, c.version, c.data, c.updated_at, c.seal, "
    "e.version, e.hash FROM cases c LEFT JOIN LATERAL (SELECT version, hash, type FROM events "
    "WHERE stream_id = c.id ORDER BY version DESC LIMIT 1) e ON TRUE "
    "WHERE c.seq > %s{clause} ORDER BY c.seq LIMIT 500"
)
LOAD_CASE = (
    # The row, and the version and hash of its stream's last event, for the
    # engine to check one against the other; one round trip. One row always:
    # without a case, its columns are NULL and the stream's version still shows.
    "SELECT c.id, c.process, c.state, c.version, c.data, c.updated_at, c.seal, e.version, e.hash "
    "FROM (SELECT %s::text AS id) k LEFT JOIN cases c ON c.id = k.id "
    "LEFT JOIN LATERAL (SELECT version, hash FROM events "
    "WHERE stream_id = k.id ORDER BY version DESC LIMIT 1) e ON TRUE"
)

TAIL = "SELECT position, hash FROM events ORDER BY position DESC LIMIT 1"
"""The log's last position and hash."""
