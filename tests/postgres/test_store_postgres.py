"""The PostgreSQL log: append-only by the database, tamper-evident, refusing
databases that are not nhvflow logs, bounded waits, and clear errors."""

from __future__ import annotations

import contextlib
import importlib
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import timedelta

import psycopg
import pytest
from psycopg import pq

import nhvflow
from nhvflow import ConcurrencyConflict, IntegrityError, InvalidPayload, LogFormatError, StoreBusy
from nhvflow.events import iso
from nhvflow.fixtures import advance, expert_group, proposal
from nhvflow.store._chain import seal
from nhvflow.store._interface import NewEvent
from nhvflow.store._postgres._session import advisory_lock_key, redact
from nhvflow.store_postgres import PostgresStore


@pytest.fixture(name="decided")
def _decided(pg, npo, clock):
    """A case walked to 'decided' (six events)."""
    case = pg.submit(npo, at=clock(), **proposal())
    return advance(pg, case.id, "decided")


def _base(url: str) -> str:
    """The URL without its query (its search_path)."""
    return url.split("?", 1)[0]


def _sql(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def test_a_url_opens_the_postgresql_store(pg):
    """nhvflow.open with a postgresql:// URL chooses the PostgreSQL store."""
    assert isinstance(pg.store, PostgresStore)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET payload = '{}' WHERE position = 1",
        "DELETE FROM events WHERE position = 6",
        "TRUNCATE events",
    ],
)
def test_the_database_refuses_to_change_or_remove_events(postgres_url, decided, statement):
    """Triggers refuse UPDATE, DELETE and TRUNCATE of events, whoever connects."""
    with pytest.raises(psycopg.errors.RestrictViolation, match="append-only"):
        _sql(postgres_url, statement)
    with nhvflow.open(postgres_url) as reg:
        assert reg.verify(strict=True).checked == 6


def test_verify_names_the_first_tampered_position(postgres_url, decided):
    """An event changed behind disabled triggers is found, with its position."""
    _sql(
        postgres_url,
        "ALTER TABLE events DISABLE TRIGGER events_append_only_update",
        "UPDATE events SET payload = replace(payload, '\"units\":2', '\"units\":5') "
        "WHERE position = 3",
    )
    with nhvflow.open(postgres_url) as reg:
        report = reg.verify()
        assert not report.ok and report.first_bad_position == 3
        assert "position 3" in str(report)
        assert any("events_append_only_update is disabled" in p for p in report.problems)
        with pytest.raises(IntegrityError) as exc:
            reg.verify(strict=True)
        assert exc.value.position == 3


def test_verify_reports_a_removed_event_and_a_missing_trigger(postgres_url, decided):
    """A deleted event breaks the chain at the next position; a dropped trigger is named."""
    _sql(
        postgres_url,
        "DROP TRIGGER events_append_only_delete ON events",
        "DELETE FROM events WHERE position = 2",
    )
    with nhvflow.open(postgres_url) as reg:
        report = reg.verify()
    assert report.first_bad_position == 3
    assert any("events_append_only_delete is missing" in p for p in report.problems)


def test_verify_does_not_raise_when_the_log_cannot_be_read(postgres_url, decided):
    """A log whose table is gone gets a report, not an exception."""
    with nhvflow.open(postgres_url) as reg:
        _sql(postgres_url, "ALTER TABLE events RENAME TO events_gone")
        report = reg.verify()
    assert not report.ok
    assert any("could not be read" in p for p in report.problems)


def test_another_database_is_refused_and_left_alone(postgres_url):
    """A database holding other tables is not an nhvflow log; nothing is created in it."""
    _sql(postgres_url, "CREATE TABLE customers (id integer)")
    with pytest.raises(LogFormatError, match="not an nhvflow log"):
        nhvflow.open(postgres_url)
    with psycopg.connect(postgres_url) as conn:
        tables = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname=current_schema()")
        assert [r[0] for r in tables] == ["customers"]


def test_a_log_of_another_format_is_refused(postgres_url, pg):
    """nhvflow_meta naming another format is a LogFormatError."""
    _sql(postgres_url, "UPDATE nhvflow_meta SET value = 'elsewhere' WHERE key = 'format'")
    with pytest.raises(LogFormatError, match="format 'elsewhere'"):
        nhvflow.open(postgres_url)


def test_opening_without_create_refuses_an_empty_database(postgres_url):
    """A store opened to read an existing log does not lay out a new one."""
    with pytest.raises(LogFormatError, match="holds no nhvflow log"):
        PostgresStore(postgres_url, create=False)


def test_an_unreachable_server_is_a_clear_error_without_the_password(postgres_cluster):
    """Connection failures say what to check and never echo the password."""
    url = f"postgresql://nhv:s3cret@127.0.0.1:{postgres_cluster.port}/no_such_database"
    with pytest.raises(LogFormatError, match="cannot open the PostgreSQL log") as exc:
        nhvflow.open(url)
    assert "s3cret" not in str(exc.value)
    assert redact(url) == f"postgresql://nhv@127.0.0.1:{postgres_cluster.port}/no_such_database"


def test_a_writer_waits_at_most_the_busy_timeout(postgres_url, pg, npo, clock, snapshot):
    """While another writer holds the log, a step fails with StoreBusy after busy_timeout."""
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        with pg.batch():
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with (
            nhvflow.open(postgres_url, busy_timeout=0.2) as other,
            pytest.raises(StoreBusy, match="busy timeout"),
        ):
            other.submit(npo, at=clock(), **proposal())
    finally:
        release.set()
        holder.join()
    assert list(pg.events()) == []
    case = pg.submit(npo, at=clock(), **proposal())
    assert pg.get(case.id).version == 1


def _round_trips(reg: nhvflow.Registry, step: Callable[[], object]) -> list[str]:
    """The messages that end a round trip (``Sync``, ``Query``) which the
    client sent while ``step`` ran, read from libpq's protocol trace."""
    conn = reg.store.connection
    with tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            step()
        finally:
            conn.pgconn.untrace()
        trace.seek(0)
        messages = [line.split("\t") for line in trace.read().splitlines()]
    return [m[2] for m in messages if m[0] == "F" and m[2] in ("Sync", "Query")]


def test_a_step_costs_two_round_trips(pg, npo, clock):
    """One durable step on a case: the lock, the log's tail and the case in one
    round trip, the event, the case's row and COMMIT in the other."""
    case = pg.submit(npo, at=clock(), **proposal())
    advance(pg, case.id, "basis_delivered")
    sos = nhvflow.Actor.socialstyrelsen()
    at = pg.get(case.id).updated_at + timedelta(days=1)
    trips = _round_trips(pg, lambda: pg.fire(case.id, "open_consultation", sos, at=at))
    assert trips == ["Sync", "Sync"]
    assert pg.get(case.id).state == "consultation" and pg.verify().ok


def test_a_step_inside_a_batch_costs_two_round_trips(pg, npo, clock):
    """Inside a batch: the savepoint and the case in one round trip, the
    event, the case's row and the savepoint's release in the other."""
    case = pg.submit(npo, at=clock(), **proposal())
    advance(pg, case.id, "basis_delivered")
    sos = nhvflow.Actor.socialstyrelsen()
    at = pg.get(case.id).updated_at + timedelta(days=1)
    with pg.batch():
        pg.fire(case.id, "open_consultation", sos, at=at)
        trips = _round_trips(
            pg, lambda: pg.fire(case.id, "close_consultation", sos, at=at + timedelta(days=1))
        )
    assert trips == ["Sync", "Sync"]
    assert pg.get(case.id).state == "prepared" and pg.verify().ok


def test_without_pipeline_mode_statements_go_one_by_one(postgres_url, npo, clock, monkeypatch):
    """Where libpq has no pipeline mode (before libpq 14), the store sends the
    same statements one at a time: steps, a batch with a failing nested
    batch, and a conflict behave as with pipelines."""
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    with nhvflow.open(postgres_url) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
        advance(reg, case.id, "basis_delivered")
        sos = nhvflow.Actor.socialstyrelsen()
        at = reg.get(case.id).updated_at
        trips = _round_trips(
            reg, lambda: reg.fire(case.id, "open_consultation", sos, at=at + timedelta(days=1))
        )
        assert len(trips) > 2  # one a statement
        with reg.batch():
            later = at + timedelta(days=2)
            with pytest.raises(RuntimeError, match="the caller's failure"):
                _failing_batch(reg, lambda: reg.fire(case.id, "close_consultation", sos, at=later))
            reg.fire(case.id, "close_consultation", sos, at=at + timedelta(days=3))
        store = reg.store
        stale = reg.history(case.id)[0]
        with pytest.raises(ConcurrencyConflict), store.write():
            store.append(seal(_new(stale), store.tail(), iso(stale.recorded_at)), None)
        assert reg.get(case.id).state == "prepared" and reg.get(case.id).version == 5
        assert reg.verify(strict=True, projections=True).ok


def _failing_batch(reg: nhvflow.Registry, step: Callable[[], object]) -> None:
    with reg.batch():
        step()
        raise RuntimeError("the caller's failure")


def _new(event: nhvflow.Event) -> NewEvent:
    """A new event at ``event``'s place in its stream (a version already taken)."""
    actor = {"role": "socialstyrelsen", "name": "handläggare"}
    return NewEvent(event.stream_id, event.version, "Noted", 1, actor, {}, iso(event.occurred_at))


def test_text_postgresql_cannot_hold_is_refused_naming_the_field(pg, npo, clock, snapshot):
    """A case id or idempotency key with a NUL character is InvalidPayload; nothing is written."""
    before = snapshot(pg)
    with pytest.raises(InvalidPayload, match="case_id"):
        pg.submit(npo, case_id="a\x00b", at=clock(), **proposal())
    with pytest.raises(InvalidPayload, match="idempotency_key"):
        pg.submit(npo, idempotency_key="k\x00", at=clock(), **proposal())
    assert snapshot(pg) == before
    with pytest.raises(nhvflow.UnknownCase):
        pg.get("a\x00b")


def test_durability_chooses_synchronous_commit(postgres_url):
    """'full' commits synchronously; 'normal' lets the server flush a moment later."""
    with nhvflow.open(postgres_url) as full, nhvflow.open(postgres_url, durability="normal") as n:
        show = "SHOW synchronous_commit"
        assert full.store.connection.execute(show).fetchone() == ("on",)
        assert n.store.connection.execute(show).fetchone() == ("off",)


def test_two_schemas_hold_two_independent_logs(postgres_url, npo, clock):
    """search_path in the URL's options places a log in a schema of its own."""
    _sql(postgres_url, "CREATE SCHEMA east", "CREATE SCHEMA west")
    east = f"{_base(postgres_url)}?options=-csearch_path%3Deast"
    west = f"{_base(postgres_url)}?options=-csearch_path%3Dwest"
    try:
        with nhvflow.open(east) as a, nhvflow.open(west) as b:
            a.submit(npo, at=clock(), **proposal())
            assert b.store.count_events() == 0 and a.store.count_events() == 1
            assert a.store.schema == "east" and b.store.schema == "west"
            assert a.store.lock_key != b.store.lock_key
    finally:
        _sql(postgres_url, "DROP SCHEMA east CASCADE", "DROP SCHEMA west CASCADE")


def test_a_missing_schema_is_a_clear_error(postgres_url):
    """A search_path naming no existing schema is refused before anything is created."""
    with pytest.raises(LogFormatError, match="no schema on the search_path"):
        nhvflow.open(f"{_base(postgres_url)}?options=-csearch_path%3Dnowhere")


def test_the_store_reconnects_after_the_server_dropped_it(postgres_url, pg, npo, sos, clock):
    """A connection the server terminated is replaced at the next step."""
    case = pg.submit(npo, at=clock(), **proposal())
    pid = pg.store.connection.info.backend_pid
    _sql(postgres_url, f"SELECT pg_terminate_backend({pid})")
    with pytest.raises(StoreBusy, match="connection"):
        pg.get(case.id)
    case = pg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
    assert case.version == 2 and pg.verify(strict=True).ok


def test_an_application_role_without_update_rights_cannot_rewrite_history(
    postgres_url, pg, decided
):
    """The documented role split: the service may append and read, never update events."""
    _sql(
        postgres_url,
        "CREATE ROLE nhv_app_test LOGIN",
        f"GRANT USAGE ON SCHEMA {pg.store.schema} TO nhv_app_test",
        "GRANT SELECT, INSERT ON events TO nhv_app_test",
        "GRANT SELECT, INSERT, UPDATE, DELETE ON cases, permits, facts TO nhv_app_test",
        "GRANT SELECT ON nhvflow_meta TO nhv_app_test",
        "ALTER TABLE events DISABLE TRIGGER events_append_only_update",
    )
    app_url = postgres_url.replace("postgres@", "nhv_app_test@", 1)
    try:
        with nhvflow.open(app_url) as app:
            case_id = decided.id
            assert app.get(case_id).state == "decided"
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                app.store.connection.execute("UPDATE events SET payload = '{}'")
            advance(app, case_id, "permitted")
            assert app.verify().checked == 10
    finally:
        _sql(postgres_url, "DROP OWNED BY nhv_app_test", "DROP ROLE nhv_app_test")


def test_without_psycopg_the_error_names_the_extra(monkeypatch):
    """Opening a PostgreSQL URL without psycopg says to install nhvflow[postgres]."""
    monkeypatch.setitem(sys.modules, "psycopg", None)
    monkeypatch.delitem(sys.modules, "nhvflow.store_postgres", raising=False)
    for name in [m for m in sys.modules if m.startswith("nhvflow.store._postgres")]:
        monkeypatch.delitem(sys.modules, name)
    with pytest.raises(ImportError, match=r"nhvflow\[postgres\]"):
        nhvflow.open("postgresql://nobody@127.0.0.1/none")
    monkeypatch.undo()
    importlib.import_module("nhvflow.store_postgres")


def test_a_pg_dump_backup_restores_to_a_log_that_verifies(postgres_cluster, npo, clock):
    """The documented backup (pg_dump -Fc, pg_restore into an empty database) verifies."""
    dump = postgres_cluster.root / "nhv.dump"
    with postgres_cluster.database() as postgres_url, postgres_cluster.database() as restored:
        with nhvflow.open(postgres_url) as reg:
            advance(reg, reg.submit(npo, at=clock(), **proposal()).id, "decided")
        subprocess.run(
            [str(postgres_cluster.bin_dir / "pg_dump"), "-Fc", "-f", str(dump), postgres_url],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(postgres_cluster.bin_dir / "pg_restore"), "--no-owner", "-d", restored, str(dump)],
            check=True,
            capture_output=True,
        )
        with nhvflow.open(restored) as reg, nhvflow.open(postgres_url) as original:
            assert reg.verify(strict=True, projections=True).checked == 6
            assert list(reg.events()) == list(original.events())
            with pytest.raises(psycopg.errors.RestrictViolation):
                reg.store.connection.execute("DELETE FROM events")


def test_services_opening_a_new_log_at_once_lay_it_out_once(postgres_url):
    """Two stores that both found the database empty wait for the lock; the second finds the log."""
    opened: list[object] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        try:
            opened.append(nhvflow.open(postgres_url, busy_timeout=20))
        except BaseException as exc:  # reported below
            failures.append(exc)

    with psycopg.connect(postgres_url, autocommit=True) as holder:
        [schema] = holder.execute("SELECT current_schema()").fetchone() or [""]
        holder.execute("BEGIN")
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key(schema),))
        threads = [threading.Thread(target=open_one) for _ in range(2)]
        for t in threads:
            t.start()
        waiting = "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'advisory'"
        with psycopg.connect(postgres_url, autocommit=True) as watcher:
            while watcher.execute(waiting).fetchone() != (2,):
                assert all(t.is_alive() for t in threads), failures
                time.sleep(0.02)
        holder.execute("COMMIT")
        for t in threads:
            t.join()
    assert failures == [] and len(opened) == 2
    for reg in opened:
        assert reg.verify(strict=True).checked == 0  # type: ignore[attr-defined]
        reg.close()  # type: ignore[attr-defined]


def test_a_read_only_session_is_refused_writes_by_the_server_too(postgres_url, decided):
    """Behind readonly=True the server itself refuses writes on the store's connection."""
    with nhvflow.open(postgres_url, readonly=True) as reg:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            reg.store.connection.execute("INSERT INTO facts VALUES ('k', '1')")
        assert reg.get(decided.id).state == "decided"


def test_a_log_made_before_the_overview_views_gains_them(postgres_url, decided):
    """An older log (no views, no regions) gets them on its next writable open."""
    _sql(postgres_url, "DROP VIEW permit_overview", "DROP VIEW case_overview", "DROP TABLE regions")
    nhvflow.open(postgres_url, readonly=True).close()
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT to_regclass('case_overview')").fetchone() == (None,)
    nhvflow.open(postgres_url).close()
    with psycopg.connect(postgres_url) as conn:
        rows = conn.execute("SELECT id, title, state, version FROM case_overview").fetchall()
        regions = conn.execute("SELECT count(*) FROM regions").fetchone()
    assert rows == [(decided.id, decided.data["title"], "decided", decided.version)]
    assert regions == (21,)


AFTER = "2019-08-15T09:00:00+00:00"
"""A time after the ``decided`` case's last step, within its application period."""


def _silently_drop(url: str, event_type: str) -> None:
    """A foreign trigger that makes PostgreSQL skip, without an error, every
    insert of events of ``event_type`` (a BEFORE trigger returning NULL)."""
    _sql(
        url,
        "CREATE FUNCTION audit_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.type = '{event_type}' THEN RETURN NULL; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER audit_drop BEFORE INSERT ON events FOR EACH ROW "
        "EXECUTE FUNCTION audit_drop()",
    )


def _counts(url: str, case_id: str) -> tuple[int, int, int]:
    """How many events the log holds, the case row's version, its permits rows."""
    with psycopg.connect(url, autocommit=True) as conn:
        events = conn.execute("SELECT count(*) FROM events").fetchone()
        version = conn.execute("SELECT version FROM cases WHERE id = %s", (case_id,)).fetchone()
        permits = conn.execute(
            "SELECT count(*) FROM permits WHERE case_id = %s", (case_id,)
        ).fetchone()
    assert events is not None and version is not None and permits is not None
    return int(events[0]), int(version[0]), int(permits[0])


@pytest.mark.parametrize("in_batch", [False, True], ids=["own transaction", "batch"])
def test_a_step_whose_event_a_foreign_trigger_dropped_is_not_taken(postgres_url, decided, in_batch):
    """The held append travels with COMMIT (or RELEASE SAVEPOINT): an event a
    foreign trigger drops without an error is an IntegrityError there, and
    nothing of the step is written (no case row, no permits rows). Before,
    the step was reported as taken."""
    from nhvflow import Actor, Region

    skane = Actor.region(Region.SKANE)
    _silently_drop(postgres_url, "PermitApplied")
    before = _counts(postgres_url, decided.id)
    with nhvflow.open(postgres_url) as reg:

        def apply() -> None:
            with reg.batch() if in_batch else contextlib.nullcontext():
                reg.fire(decided.id, "apply_for_permit", skane, unit="SUS", at=AFTER)

        with pytest.raises(IntegrityError, match="dropped"):
            apply()
        # the registry goes on: the next step is judged on the case as the log holds it
        assert reg.get(decided.id).version == before[1]
    assert _counts(postgres_url, decided.id) == before


def test_a_registry_step_whose_event_a_foreign_trigger_dropped_is_not_taken(
    postgres_url, decided, sos
):
    _silently_drop(postgres_url, "MappingCompleted")
    before = _counts(postgres_url, decided.id)
    with nhvflow.open(postgres_url) as reg:
        with pytest.raises(IntegrityError, match="dropped"):
            reg.complete_mapping(sos, at=AFTER)
        assert reg.mapping_completed_at() is None
    assert _counts(postgres_url, decided.id) == before
