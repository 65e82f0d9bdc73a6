"""The SQLite log: append-only, tamper-evident, self-describing, and
refusing files that are not nhvflow logs."""

from __future__ import annotations

import json
import sqlite3

import pytest

import nhvflow
from nhvflow import IntegrityError, LogFormatError
from nhvflow.fixtures import advance, proposal
from nhvflow.store._chain import GENESIS, canonical, chain_hash


@pytest.fixture(name="log_path")
def _log_path(tmp_path, npo, clock):
    path = tmp_path / "log.sqlite"
    with nhvflow.open(path) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
        advance(reg, case.id, "decided")
    return path


def test_update_and_delete_of_events_are_refused(log_path):
    conn = sqlite3.connect(log_path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only; UPDATE"):
        conn.execute("UPDATE events SET payload = '{}' WHERE position = 1")
    with pytest.raises(sqlite3.IntegrityError, match="append-only; DELETE"):
        conn.execute("DELETE FROM events")
    conn.close()


def test_verify_names_the_first_tampered_position(log_path):
    conn = sqlite3.connect(log_path)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET payload = json_set(payload, '$.units', 5) WHERE position = 3")
    conn.commit()
    conn.close()
    with nhvflow.open(log_path) as reg:
        report = reg.verify()
        assert not report.ok
        assert report.first_bad_position == 3
        assert "position 3" in str(report)
        assert any("trigger" in p for p in report.problems)
        with pytest.raises(IntegrityError) as exc:
            reg.verify(strict=True)
        assert exc.value.position == 3


def test_verify_reports_a_removed_event(log_path):
    conn = sqlite3.connect(log_path)
    conn.execute("DROP TRIGGER events_append_only_delete")
    conn.execute("DELETE FROM events WHERE position = 2")
    conn.commit()
    conn.close()
    with nhvflow.open(log_path) as reg:
        report = reg.verify()
    assert report.first_bad_position == 3


def test_a_healthy_log_verifies(log_path):
    with nhvflow.open(log_path) as reg:
        report = reg.verify(strict=True, projections=True)
    assert report.ok and report.checked == 6 and bool(report)
    assert str(report) == "log ok: 6 events checked, hash chain intact"


def test_the_hash_follows_the_documented_recipe(log_path):
    conn = sqlite3.connect(log_path)
    conn.row_factory = sqlite3.Row
    prev = GENESIS
    for row in conn.execute("SELECT * FROM events ORDER BY position"):
        assert row["prev_hash"] == prev
        assert json.loads(row["actor"]) is not None
        assert row["payload"] == canonical(json.loads(row["payload"]))
        expected = chain_hash(
            prev,
            position=row["position"],
            stream_id=row["stream_id"],
            version=row["version"],
            type=row["type"],
            schema_version=row["schema_version"],
            actor=row["actor"],
            payload=row["payload"],
            occurred_at=row["occurred_at"],
            recorded_at=row["recorded_at"],
            idempotency_key=row["idempotency_key"],
            request_hash=row["request_hash"],
        )
        assert row["hash"] == expected
        prev = row["hash"]
    conn.close()


def test_projection_tables_are_plain_and_readable(log_path):
    conn = sqlite3.connect(log_path)
    state, data = conn.execute("SELECT state, data FROM cases").fetchone()
    assert state == "decided"
    assert json.loads(data)["units"] == 2
    conn.close()


def test_a_file_that_is_not_sqlite_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_bytes(b"these are my notes, not a database" * 100)
    with pytest.raises(LogFormatError, match="not an SQLite database"):
        nhvflow.open(path)
    assert path.read_bytes().startswith(b"these are my notes")


def test_another_sqlite_database_is_refused(tmp_path):
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(LogFormatError, match="not an nhvflow log"):
        nhvflow.open(path)
    conn = sqlite3.connect(path)
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"customers"}


def test_a_log_from_a_newer_nhvflow_is_refused(log_path):
    conn = sqlite3.connect(log_path)
    conn.execute("UPDATE nhvflow_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(LogFormatError, match="newer nhvflow"):
        nhvflow.open(log_path)


def test_an_event_from_a_newer_schema_is_refused(log_path):
    conn = sqlite3.connect(log_path)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET schema_version = 9 WHERE position = 1")
    row = conn.execute("SELECT * FROM events WHERE position = 1").fetchone()
    digest = chain_hash(
        row[11], position=row[0], stream_id=row[1], version=row[2], type=row[3],
        schema_version=row[4], actor=row[5], payload=row[6], occurred_at=row[7],
        recorded_at=row[8], idempotency_key=row[9], request_hash=row[10],
    )  # fmt: skip
    conn.execute(
        "UPDATE events SET hash = ? WHERE position = 1", (digest,)
    )  # as a newer nhvflow wrote it
    conn.commit()
    conn.close()
    with nhvflow.open(log_path) as reg, pytest.raises(LogFormatError, match="upgrade nhvflow"):
        reg.rebuild_projections()


def test_an_older_event_shape_is_read_through_its_upcaster(tmp_path, npo):
    """A log written when ProposalSubmitted had no ``pilot`` (schema 1)
    reads with the current code: the upcaster adds ``pilot=False``."""
    path = tmp_path / "old.sqlite"
    with nhvflow.open(path):
        pass
    payload = {k: v for k, v in proposal().items() if k != "pilot"}
    payload["nominated_experts"] = [e.to_json() for e in payload["nominated_experts"]]
    actor = canonical(npo.to_json())
    body = canonical(payload)
    at = "2019-03-01T09:00:00.000000+00:00"
    digest = chain_hash(
        GENESIS,
        position=1,
        stream_id="old-1",
        version=1,
        type="ProposalSubmitted",
        schema_version=1,
        actor=actor,
        payload=body,
        occurred_at=at,
        recorded_at=at,
        idempotency_key=None,
        request_hash=None,
    )
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO events VALUES (1, 'old-1', 1, 'ProposalSubmitted', 1, ?, ?, ?, ?, NULL, "
        "NULL, ?, ?)",
        (actor, body, at, at, GENESIS, digest),
    )
    conn.commit()
    conn.close()
    with nhvflow.open(path) as reg:
        assert reg.verify().ok
        assert reg.rebuild_projections() == 1
        case = reg.get("old-1")
        assert case.data["pilot"] is False and case.state == "proposed"
        [event] = reg.history("old-1")
        assert event.schema_version == 2 and event.payload["pilot"] is False
        assert "pilot" not in json.loads(
            reg.store.connection.execute("SELECT payload FROM events").fetchone()[0]
        )


def test_durability_is_an_explicit_choice(tmp_path):
    full = nhvflow.open(tmp_path / "a.sqlite")
    normal = nhvflow.open(tmp_path / "b.sqlite", durability="normal")
    assert full.store.connection.execute("PRAGMA synchronous").fetchone()[0] == 2
    assert normal.store.connection.execute("PRAGMA synchronous").fetchone()[0] == 1
    assert full.store.connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(ValueError, match="durability"):
        nhvflow.open(tmp_path / "c.sqlite", durability="fast")  # type: ignore[arg-type]


def test_a_foreign_database_is_refused_without_being_changed(tmp_path):
    """Opening another program's SQLite file leaves its journal mode alone."""
    path = tmp_path / "other.sqlite"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER)")
    conn.commit()
    conn.close()
    with pytest.raises(LogFormatError):
        nhvflow.open(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_a_log_opened_read_only_reads_and_refuses_to_write(log_path, npo):
    """readonly=True reads the log and refuses every write, writing nothing."""
    with nhvflow.open(log_path, readonly=True) as reg:
        [case] = reg.cases()
        assert case.state == "decided"
        assert reg.verify(projections=True).ok
        with pytest.raises(nhvflow.ReadOnlyLog):
            reg.submit(npo, **proposal())
        with pytest.raises(nhvflow.ReadOnlyLog):
            reg.rebuild_projections()
    with nhvflow.open(log_path) as reg:
        assert len(list(reg.cases())) == 1


def test_read_only_needs_an_existing_log(tmp_path):
    with pytest.raises(LogFormatError, match="read-only"):
        nhvflow.open(tmp_path / "new.sqlite", readonly=True)


def test_the_store_logs_through_the_registrys_logger(tmp_path):
    """A logger passed to open() gets the store's lines too (a simulation stays quiet)."""
    seen = []

    class Recorder:
        def __getattr__(self, level):
            return lambda event, **kw: seen.append((level, event))

    nhvflow.open(tmp_path / "log.sqlite", logger=Recorder()).close()
    assert ("debug", "log_opened") in seen
