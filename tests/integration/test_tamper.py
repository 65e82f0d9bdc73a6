"""Someone with write access to the file drops the append-only triggers and
edits the log behind nhvflow's back: ``verify()`` names the first event
that no longer matches, and never raises while doing so.

(tests/unit/test_store.py covers the triggers themselves, one edited
payload and one removed event; here every column of an event is edited at
the start, middle and end of a real multi-case log.)
"""

from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

import nhvflow
from nhvflow import Actor, IntegrityError
from nhvflow.fixtures import advance, proposal
from nhvflow.store._chain import canonical, chain_hash, seal
from nhvflow.store._interface import NewEvent
from nhvflow.store._sqlite._schema import LOG_TRIGGERS

EDITS = {
    "stream_id": "stream_id || '-moved'",
    "version": "version + 100",
    "type": "'ProposalWithdrawn'",
    "schema_version": "schema_version + 1",
    "actor": "json_set(actor, '$.name', 'Någon annan')",
    "payload": "json_set(payload, '$.edited', 1)",
    "occurred_at": "'2018-07-01T00:00:00.000000+00:00'",
    "recorded_at": "'2030-01-01T00:00:00.000000+00:00'",
    "idempotency_key": "'forged-key'",
    "request_hash": "'0000'",
    "prev_hash": "iif(prev_hash LIKE 'a%', 'b', 'a') || substr(prev_hash, 2)",
    "hash": "iif(hash LIKE 'a%', 'b', 'a') || substr(hash, 2)",
}
"""An edit of each column of ``events``, as an SQL expression over the old value."""


@pytest.fixture(name="template", scope="module")
def _template(tmp_path_factory):
    """A closed log file: two cases at ``decided`` and one at ``permitted``, 22 events."""
    path = tmp_path_factory.mktemp("tamper") / "template.sqlite"
    npo = nhvflow.Actor.npo("Nervsystemets sjukdomar")
    with nhvflow.open(path, durability="normal") as reg:
        for n, state in enumerate(("decided", "permitted", "decided")):
            case = reg.submit(
                npo, at=f"2019-0{n + 1}-01T09:00:00+00:00", idempotency_key=f"s{n}", **proposal()
            )
            advance(reg, case.id, state)
        assert reg.store.count_events() == 22
    return path


@pytest.fixture(name="log")
def _log(template, tmp_path):
    path = tmp_path / "log.sqlite"
    shutil.copyfile(template, path)
    return path


def run_sql(path, *statements):
    """Run ``(sql, args)`` statements on the file behind nhvflow's back, and commit."""
    conn = sqlite3.connect(path)
    for sql, args in statements:
        conn.execute(sql, args)
    conn.commit()
    conn.close()


def tamper(path, sql, *args):
    """Drop the append-only triggers and run one statement."""
    run_sql(
        path,
        ("DROP TRIGGER IF EXISTS events_append_only_update", ()),
        ("DROP TRIGGER IF EXISTS events_append_only_delete", ()),
        (sql, args),
    )


def event_row(path, position):
    conn = sqlite3.connect(path)
    row = conn.execute("SELECT * FROM events WHERE position = ?", (position,)).fetchone()
    conn.close()
    return row


def verified(path, **options):
    with nhvflow.open(path) as reg:
        return reg.verify(**options)


@pytest.mark.parametrize("position", [1, 11, 22])
@pytest.mark.parametrize("column", sorted(EDITS))
def test_verify_names_the_edited_event(log, column, position):
    """Whatever column of whichever event is edited, the report names that
    event's position, and ``strict=True`` raises with it."""
    tamper(log, f"UPDATE events SET {column} = {EDITS[column]} WHERE position = ?", position)
    with nhvflow.open(log) as reg:
        report = reg.verify(projections=True)
        assert not report.ok
        assert report.first_bad_position == position
        assert f"position {position}" in str(report)
        with pytest.raises(IntegrityError) as exc:
            reg.verify(strict=True)
        assert exc.value.position == position


def test_swapped_events_are_found_at_the_first_of_them(log):
    """Two events' payloads exchanged: the earlier position is named."""
    conn = sqlite3.connect(log)
    five, seventeen = (
        conn.execute("SELECT payload FROM events WHERE position = ?", (p,)).fetchone()[0]
        for p in (5, 17)
    )
    conn.close()
    assert five != seventeen
    tamper(log, "UPDATE events SET payload = ? WHERE position = 5", seventeen)
    tamper(log, "UPDATE events SET payload = ? WHERE position = 17", five)
    with nhvflow.open(log) as reg:
        report = reg.verify()
    assert report.first_bad_position == 5
    assert sum("hash does not match" in p for p in report.problems) == 2


def test_an_event_inserted_at_the_end_with_a_made_up_hash_is_named(log):
    """INSERT is not refused by the triggers (appending is the log's job),
    so a forged last event is caught by its hash."""
    last = event_row(log, 22)
    run_sql(
        log,
        (
            "INSERT INTO events VALUES (23, ?, 99, 'NhvDecided', 1, ?, '{\"units\":5}', ?, ?, "
            "NULL, NULL, ?, ?)",
            (last[1], last[5], last[7], last[8], last[12], "f" * 64),
        ),
    )
    report = verified(log)
    assert (report.first_bad_position, report.checked) == (23, 23)


def test_an_event_inserted_in_the_middle_breaks_the_chain_after_it(log):
    """Renumbering the tail to make room for a forged event in the middle
    breaks positions, links and hashes from the forged event on."""
    row = event_row(log, 9)
    tamper(log, "UPDATE events SET position = position + 100 WHERE position >= 10")
    run_sql(
        log,
        ("UPDATE events SET position = position - 99 WHERE position >= 110", ()),
        (
            "INSERT INTO events VALUES (10, ?, 100, ?, ?, ?, ?, ?, ?, NULL, NULL, ?, ?)",
            (row[1], row[3], row[4], row[5], row[6], row[7], row[8], row[12], "0" * 64),
        ),
    )
    report = verified(log)
    assert (report.first_bad_position, report.checked) == (10, 23)


def test_a_value_of_the_wrong_type_is_reported_not_raised(log):
    """A blob where the chain expects text: verify reports it and goes on."""
    tamper(log, "UPDATE events SET prev_hash = X'00ff' WHERE position = 8")
    tamper(log, "UPDATE events SET stream_id = X'00ff' WHERE position = 12")
    report = verified(log, projections=True)
    assert (report.ok, report.first_bad_position, report.checked) == (False, 8, 22)


def test_the_triggers_missing_alone_fail_verification_without_a_position(log):
    """Dropping the append-only triggers is itself reported, with no event to name."""
    tamper(log, "SELECT 1")
    report = verified(log)
    assert not report.ok and report.first_bad_position is None
    assert len(report.problems) == 2
    assert all("append-only trigger" in p for p in report.problems)


def edit_a_case(path, sql, state="permitted"):
    """Run ``sql`` (with the id as its one parameter) on a case row in ``state``; its id."""
    conn = sqlite3.connect(path)
    [case_id] = conn.execute("SELECT id FROM cases WHERE state = ?", (state,)).fetchone()
    conn.close()
    run_sql(path, (sql, (case_id,)))
    return case_id


def test_an_edited_projection_is_named_and_rebuilt(log):
    """A case row edited behind nhvflow's back leaves the chain intact
    (``verify()`` ok) but not its projection check, which names the case;
    ``rebuild_projections()`` restores it from the events."""
    case_id = edit_a_case(log, "UPDATE cases SET state = 'rejected' WHERE id = ?")
    assert verified(log).ok
    report = verified(log, projections=True)
    assert not report.ok and report.first_bad_position is None
    assert [p for p in report.problems if case_id in p]
    with nhvflow.open(log) as reg:
        reg.rebuild_projections()
        assert reg.get(case_id).state == "permitted"
        assert reg.verify(projections=True).ok


def test_an_unreadable_projection_is_reported_not_raised(log):
    """A case row whose data is not JSON: verify(projections=True) says so."""
    case_id = edit_a_case(log, "UPDATE cases SET data = '{not json' WHERE id = ?")
    report = verified(log, projections=True)
    assert not report.ok
    assert [p for p in report.problems if case_id in p]


def test_a_forged_case_row_without_events_is_named(log):
    """A case inserted into the projection with no events behind it is reported."""
    edit_a_case(
        log,
        "INSERT INTO cases SELECT 'forged', process, state, version, data, updated_at, seal "
        "FROM cases WHERE id = ?",
    )
    assert verified(log).ok
    report = verified(log, projections=True)
    assert not report.ok
    assert "case forged: projected but has no events" in report.problems


def test_a_rewrite_that_recomputes_every_hash_is_not_caught_by_the_chain_alone(log):
    """The chain proves no event was changed *unless* every later hash was
    recomputed too: such a rewrite verifies, and only a head hash kept
    outside the file (docs/log-format.md, "Anchoring") reveals it."""
    conn = sqlite3.connect(log)
    head_before = conn.execute("SELECT hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET payload = json_set(payload, '$.units', 5) WHERE position = 6")
    rows = conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    prev = rows[0][11]
    for row in rows:
        digest = chain_hash(
            prev,
            position=row[0],
            stream_id=row[1],
            version=row[2],
            type=row[3],
            schema_version=row[4],
            actor=row[5],
            payload=canonical(json.loads(row[6])),
            occurred_at=row[7],
            recorded_at=row[8],
            idempotency_key=row[9],
            request_hash=row[10],
        )
        conn.execute(
            "UPDATE events SET payload = ?, prev_hash = ?, hash = ? WHERE position = ?",
            (canonical(json.loads(row[6])), prev, digest, row[0]),
        )
        prev = digest
    # restored exactly as nhvflow makes it (one made otherwise is itself reported)
    conn.execute(LOG_TRIGGERS["events_append_only_update"])
    conn.commit()
    head_after = conn.execute("SELECT hash FROM events ORDER BY position DESC LIMIT 1").fetchone()
    conn.close()
    with nhvflow.open(log) as reg:
        assert reg.verify().ok  # the chain alone cannot tell
    assert head_after != head_before  # the anchored head can


def test_an_appended_event_that_is_no_legal_move_is_named_by_the_fold(log):
    """An event appended by hand with a correct chain hash (the board
    referring back a case that is only proposed) passes the chain check,
    but the fold refuses it: ``verify(projections=True)`` names the case and
    the event's position, and neither a rebuild nor ``get(as_of=...)``
    folds it into a case."""
    with nhvflow.open(log) as reg:
        case = reg.submit(
            Actor.npo(proposal()["programme_area"]), at="2020-01-01T09:00:00+00:00", **proposal()
        )
        tail = reg.store.tail()
    event = NewEvent(
        case.id,
        2,
        "ReferredBack",
        1,
        Actor.board().to_json(),
        {"reason": "forged"},
        "2020-01-02T09:00:00.000000+00:00",
    )
    sealed = seal(event, tail, "2020-01-02T09:00:00.000000+00:00")
    run_sql(log, (f"INSERT INTO events VALUES ({','.join('?' * 13)})", sealed.row))
    with nhvflow.open(log) as reg:
        assert reg.verify().ok  # the chain is intact
        report = reg.verify(projections=True)
        assert not report.ok and report.first_bad_position == sealed.event.position
        assert any("is not a legal move" in p and case.id in p for p in report.problems)
        with pytest.raises(IntegrityError, match="not a legal move"):
            reg.rebuild_projections()
        with pytest.raises(IntegrityError):
            reg.get(case.id, as_of="2020-01-03T00:00:00+00:00")
