"""The log's file or database itself refuses every rewrite of an event, on
every backend: ``REPLACE INTO``, ``INSERT OR REPLACE``, ``INSERT ... ON
CONFLICT DO UPDATE`` and ``MERGE`` are refused, while the store's own appends
(and its lost races) go on as before."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from nhvflow import ConcurrencyConflict, IdempotencyConflict
from nhvflow.events import iso
from nhvflow.store._chain import canonical, seal
from nhvflow.store._interface import CaseRow, NewEvent, Projection, Store, StoredEvent

AT = iso(datetime(2019, 3, 1, 9, 0, tzinfo=UTC))

COLUMNS = (
    "position, stream_id, version, type, schema_version, actor, payload, occurred_at, "
    "recorded_at, idempotency_key, request_hash, prev_hash, hash"
)
VALUES = "(?,?,?,?,?,?,?,?,?,?,?,?,?)"


def event(stream: str, version: int, *, key: str | None = None, payload: Any = None) -> NewEvent:
    return NewEvent(
        stream,
        version,
        "Noted",
        1,
        {"role": "socialstyrelsen", "name": "handläggare"},
        {"n": version} if payload is None else payload,
        AT,
        key,
        None,
    )


def row(case_id: str, version: int) -> CaseRow:
    return CaseRow(case_id, "nhv", "open", version, {"seen": version}, AT)


def append(store: Store, *events: NewEvent) -> list[StoredEvent]:
    with store.write():
        return [put(store, e, row(e.stream_id, e.version)) for e in events]


def put(store: Store, e: NewEvent, case: CaseRow) -> StoredEvent:
    """Seal ``e`` after the store's tail and append it with ``case``'s projection."""
    sealed = seal(e, store.tail(), iso(datetime.now(UTC)))
    store.append(sealed, Projection(case, canonical(case.data)))
    return sealed.event


def values(e: StoredEvent, **changes: Any) -> tuple[Any, ...]:
    """The stored row of ``e`` (actor and payload as stored text), with some columns changed."""
    fields = {
        "position": e.position,
        "stream_id": e.stream_id,
        "version": e.version,
        "type": e.type,
        "schema_version": e.schema_version,
        "actor": canonical(e.actor),
        "payload": canonical({"forged": True}),
        "occurred_at": e.occurred_at,
        "recorded_at": e.recorded_at,
        "idempotency_key": e.idempotency_key,
        "request_hash": e.request_hash,
        "prev_hash": e.prev_hash,
        "hash": e.hash,
    }
    fields.update(changes)
    return tuple(fields.values())


def refused(backend: Any, store: Store, sql: str, params: tuple[Any, ...]) -> bool:
    """Whether the backend refuses the statement (its driver raises)."""
    try:
        backend.raw(store, sql, params)
    except Exception:  # sqlite3.Error or psycopg.Error, whichever the backend's driver raises
        return True
    return False


def rewrites(backend: Any) -> list[str]:
    """The statements that would replace an existing event on this backend."""
    if backend.name == "postgresql":
        return [
            f"INSERT INTO events ({COLUMNS}) VALUES {VALUES} "
            "ON CONFLICT (position) DO UPDATE SET payload = excluded.payload",
            f"INSERT INTO events ({COLUMNS}) VALUES {VALUES} "
            "ON CONFLICT (stream_id, version) DO UPDATE SET payload = excluded.payload",
            f"INSERT INTO events ({COLUMNS}) VALUES {VALUES} "
            "ON CONFLICT (idempotency_key) DO UPDATE SET payload = excluded.payload",
        ]
    return [
        f"REPLACE INTO events ({COLUMNS}) VALUES {VALUES}",
        f"INSERT OR REPLACE INTO events ({COLUMNS}) VALUES {VALUES}",
        f"INSERT INTO events ({COLUMNS}) VALUES {VALUES} "
        "ON CONFLICT DO UPDATE SET payload = excluded.payload",
    ]


@pytest.mark.parametrize("clash", ["position", "stream version", "idempotency key"])
def test_a_rewrite_of_an_event_is_refused_by_the_log_itself(backend, store, clash):
    """Whatever the existing event shares with the new row (its position,
    its stream and version, or its idempotency key), every statement that
    would replace it is refused and the event stands unchanged."""
    stored = append(store, event("a", 1, key="k-1"), event("b", 1, key="k-2"))
    first = stored[0]
    changes = {
        "position": {"stream_id": "z", "idempotency_key": None},
        "stream version": {"position": 99, "idempotency_key": None},
        "idempotency key": {"position": 99, "stream_id": "z"},
    }[clash]
    params = values(first, **changes)
    for sql in rewrites(backend):
        assert refused(backend, store, sql, params), sql
    assert list(store.events()) == stored
    assert store.verify().ok


def test_merge_cannot_rewrite_an_event_on_postgresql(backend, store):
    """PostgreSQL's MERGE updating or deleting a matched event is refused."""
    if backend.name != "postgresql":
        pytest.skip("MERGE is PostgreSQL's")
    stored = append(store, event("a", 1))
    for action in ("UPDATE SET payload = '{}'", "DELETE"):
        sql = (
            "MERGE INTO events e USING (SELECT 1 AS position) s ON e.position = s.position "
            f"WHEN MATCHED THEN {action}"
        )
        assert refused(backend, store, sql, ())
    assert list(store.events()) == stored


def test_an_ordinary_append_by_hand_is_not_a_rewrite(backend, store):
    """A new row at a new position, stream version and key is not refused by
    the guard (a forged append is the hash chain's to catch)."""
    [first] = append(store, event("a", 1))
    assert not refused(
        backend,
        store,
        f"INSERT INTO events ({COLUMNS}) VALUES {VALUES}",
        values(first, position=2, version=2, prev_hash=first.hash),
    )
    report = store.verify()
    assert report.first_bad_position == 2


def test_lost_races_still_read_as_conflicts(store):
    """The guard leaves the store's answers to a taken version or a reused
    key as they were: ConcurrencyConflict and IdempotencyConflict, nothing
    written."""
    append(store, event("a", 1, key="k-1"))
    with pytest.raises(ConcurrencyConflict), store.write():
        put(store, event("a", 1, payload={"other": True}), row("a", 1))
    with pytest.raises(IdempotencyConflict) as exc, store.write():
        put(store, event("b", 1, key="k-1"), row("b", 1))
    assert exc.value.position == 1
    assert store.count_events() == 1
    assert store.verify().ok


def test_a_log_made_before_the_guard_gains_it_when_opened_for_writing(tmp_path):
    """An SQLite log without ``events_no_rewrite`` (as earlier nhvflow made
    them, before the migration ``0004_no_rewrite``) verifies read-only, as
    it did then, and gains the trigger the next time it is opened for
    writing. Once that migration is recorded, a missing trigger is named."""
    import sqlite3

    import nhvflow

    path = tmp_path / "old.sqlite"
    nhvflow.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_rewrite")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0004_no_rewrite'")
    conn.close()
    with nhvflow.open(path, readonly=True) as reg:
        assert reg.verify().ok
    with nhvflow.open(path) as reg:
        assert reg.verify().ok
    conn = sqlite3.connect(path, isolation_level=None)
    assert conn.execute(
        "SELECT COUNT(*) FROM sqlite_master WHERE name = 'events_no_rewrite'"
    ).fetchone() == (1,)
    conn.execute("DROP TRIGGER events_no_rewrite")
    conn.close()
    with nhvflow.open(path, readonly=True) as reg:
        report = reg.verify()
    assert not report.ok and report.first_bad_position is None
    assert any("events_no_rewrite is missing" in p for p in report.problems)


def test_a_guard_replaced_by_one_that_refuses_nothing_is_reported(tmp_path):
    """A trigger dropped and made again under its name with a body that
    refuses nothing fails ``verify()``, naming it."""
    import sqlite3

    import nhvflow

    path = tmp_path / "log.sqlite"
    nhvflow.open(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("DROP TRIGGER events_no_rewrite")
    conn.execute(
        "CREATE TRIGGER events_no_rewrite BEFORE INSERT ON events WHEN 0 BEGIN SELECT 1; END"
    )
    conn.close()
    with nhvflow.open(path) as reg:
        report = reg.verify()
    assert not report.ok
    assert any("events_no_rewrite was replaced" in p for p in report.problems)


@pytest.mark.parametrize(
    "forgery",
    [
        "CREATE OR REPLACE FUNCTION nhvflow_refuse_event_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$",
        "DROP TRIGGER events_append_only_update ON events; "
        "CREATE TRIGGER events_append_only_update AFTER INSERT ON events "
        "FOR EACH STATEMENT EXECUTE FUNCTION nhvflow_refuse_event_change()",
    ],
)
def test_a_postgresql_guard_that_refuses_nothing_is_reported(backend, store, forgery):
    """On PostgreSQL, a guard whose function no longer raises, or a trigger
    made again under its name to fire at another time, fails ``verify()``."""
    if backend.name != "postgresql":
        pytest.skip("PostgreSQL's triggers")
    append(store, event("a", 1))
    backend.raw(store, forgery)
    report = store.verify()
    assert not report.ok
    assert any("was replaced" in p for p in report.problems)


@pytest.mark.parametrize(
    ("column", "value"),
    [("payload", "[1, 2]"), ("payload", "{not json"), ("actor", "nope")],
)
def test_an_event_edited_into_nonsense_reads_as_an_integrity_error(backend, store, column, value):
    """On every backend, a stored event whose actor or payload is not a JSON
    object reads back as IntegrityError naming its position; verify reports it."""
    from nhvflow import IntegrityError

    append(store, event("a", 1), event("a", 2))
    backend.tamper(store, 2, column, value)
    with pytest.raises(IntegrityError) as exc:
        list(store.events())
    assert exc.value.position == 2
    assert store.verify().first_bad_position == 2
