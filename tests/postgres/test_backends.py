"""The registry behaves the same on SQLite and on PostgreSQL: every test
here runs once on each backend, through the public API. (The Store
Protocol itself is held to tests/store/test_contract.py on both.)"""

from __future__ import annotations

import itertools
import json
import sqlite3

import pytest

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    IdempotencyConflict,
    IntegrityError,
    InvalidTrigger,
    LogFormatError,
    TransitionDenied,
)
from nhvflow.fixtures import advance, expert_group, proposal
from nhvflow.store._chain import GENESIS
from nhvflow.store._targets import is_postgres_url


def test_a_proposal_goes_all_the_way_and_the_log_verifies(log, npo, clock):
    """Eight steps are recorded as a contiguous hash chain with matching projections."""
    case = log.submit(npo, at=clock(), **proposal())
    case = advance(log, case.id, "permitted")
    assert case.state == "permitted" and case.version == 10
    report = log.verify(strict=True, projections=True)
    assert report.ok and report.checked == 10
    events = list(log.events())
    assert [e.position for e in events] == list(range(1, 11))
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert [p["region"] for p in log.get(case.id).data["permits"]] == ["SKANE", "STOCKHOLM"]


def test_rebuilt_projections_equal_the_live_ones(log, npo, sos, clock, snapshot):
    """Projections written step by step equal a rebuild from the events, row for row."""
    first = log.submit(npo, at=clock(), **proposal())
    advance(log, first.id, "permitted")
    second = log.submit(npo, at=clock(), **proposal(title="Ett annat område"))
    log.fire(second.id, "withdraw", npo, reason="dubblett", at=clock(400))
    log.complete_mapping(sos, at=clock())
    live = snapshot(log)
    assert log.rebuild_projections() == 2
    assert snapshot(log) == live
    assert [c.id for c in log.cases()] == [first.id, second.id]
    assert [c.id for c in log.cases(state="withdrawn")] == [second.id]
    assert log.mapping_completed_at() is not None


def test_a_refused_step_writes_nothing(log, npo, sos, clock, snapshot):
    """A step the rules refuse leaves the events and every projection as they were."""
    case = log.submit(npo, at=clock(), **proposal())
    before = snapshot(log)
    with pytest.raises(TransitionDenied):
        log.fire(
            case.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(breaking="gender_balance"),
            at=clock(),
        )
    assert snapshot(log) == before


def test_an_expected_version_that_moved_on_is_a_conflict(log, npo, sos, clock, snapshot):
    """ConcurrencyConflict when the case is not at the expected version; nothing is written."""
    case = log.submit(npo, at=clock(), **proposal())
    before = snapshot(log)
    with pytest.raises(ConcurrencyConflict) as exc:
        log.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), expected_version=7)
    assert exc.value.actual == 1
    assert snapshot(log) == before


def test_a_repeated_request_is_recorded_once(log, npo, sos, clock):
    """The same idempotency key and request returns the first result and writes nothing."""
    case = log.submit(npo, at=clock(), **proposal())
    at = clock()
    first = log.fire(
        case.id, "appoint_expert_group", sos, experts=expert_group(), at=at, idempotency_key="a"
    )
    again = log.fire(
        case.id, "appoint_expert_group", sos, experts=expert_group(), at=at, idempotency_key="a"
    )
    assert again == first and len(log.history(case.id)) == 2
    with pytest.raises(IdempotencyConflict):
        log.fire(case.id, "open_consultation", sos, idempotency_key="a")


def test_a_batch_keeps_the_good_steps_and_drops_the_refused_one(log, npo, sos, clock):
    """Inside batch() each step is a savepoint: a refused step leaves no trace."""
    with log.batch():
        good = log.submit(npo, at=clock(), **proposal())
        with pytest.raises(InvalidTrigger):
            log.fire(good.id, "decide", sos, units=2, at=clock())
        log.fire(good.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
    assert log.get(good.id).version == 2
    assert [e.position for e in log.events()] == [1, 2]
    assert log.verify(projections=True).ok


def test_an_error_in_a_batch_rolls_all_of_it_back(log, npo, clock):
    """An exception that leaves batch() discards every step inside it."""

    def give_up() -> None:
        with log.batch():
            log.submit(npo, at=clock(), **proposal())
            raise RuntimeError("the service gave up")

    with pytest.raises(RuntimeError):
        give_up()
    assert list(log.events()) == [] and list(log.cases()) == []


def test_get_as_of_replays_up_to_a_business_time(log, npo, sos, clock):
    """get(as_of=) compares ISO times as the stored text, the same on both backends."""
    case = log.submit(npo, at=clock(), **proposal())
    middle = clock()
    log.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
    assert log.get(case.id, as_of=middle).state == "proposed"
    assert log.get(case.id).state == "expert_review"


def test_reopening_the_log_continues_the_chain(log_target, npo, sos, clock):
    """A log closed and opened again keeps its cases and links new events to the old chain."""
    with nhvflow.open(log_target) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
    with nhvflow.open(log_target) as reg:
        assert reg.get(case.id) == case
        reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
        first, second = reg.events()
        assert second.prev_hash == first.hash and second.position == 2
        assert reg.verify(strict=True, projections=True).ok


def test_a_log_from_a_newer_nhvflow_is_refused(log_target, npo, clock):
    """A log whose layout is newer than this nhvflow is a LogFormatError."""
    with nhvflow.open(log_target) as reg:
        reg.submit(npo, at=clock(), **proposal())
        store = reg.store
        with store.write():
            sql = "UPDATE nhvflow_meta SET value = '99' WHERE key = 'schema_version'"
            store.connection.execute(sql)
    with pytest.raises(LogFormatError, match="newer nhvflow"):
        nhvflow.open(log_target)


def test_a_log_opened_read_only_reads_and_refuses_to_write(log_target, npo, clock):
    """readonly=True reads the log and refuses every write with ReadOnlyLog, writing nothing."""
    with nhvflow.open(log_target) as reg:
        advance(reg, reg.submit(npo, at=clock(), **proposal()).id, "decided")
    with nhvflow.open(log_target, readonly=True) as reg:
        [case] = reg.cases()
        assert case.state == "decided"
        assert reg.verify(projections=True).ok
        with pytest.raises(nhvflow.ReadOnlyLog):
            reg.submit(npo, at=clock(), **proposal())
        with pytest.raises(nhvflow.ReadOnlyLog):
            reg.rebuild_projections()
    with nhvflow.open(log_target) as reg:
        assert reg.store.count_events() == 6


def test_read_only_needs_an_existing_log(log_target):
    """A new place opened read-only is refused rather than laid out."""
    with pytest.raises(LogFormatError, match="read-only"):
        nhvflow.open(log_target, readonly=True)


def test_the_store_logs_through_the_registrys_logger(log_target):
    """A logger passed to open() gets the store's lines too (a simulation stays quiet)."""
    seen = []

    class Recorder:
        def __getattr__(self, level):
            return lambda event, **kw: seen.append((level, event))

    nhvflow.open(log_target, logger=Recorder()).close()
    assert ("debug", "log_opened") in seen


def behind_our_back(target: str, sql: str, *args: object) -> None:
    """Run one statement on the log with a connection of its own, as a
    careless tool or a hostile user would, and commit it."""
    if is_postgres_url(target):
        import psycopg

        with psycopg.connect(target, autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), args)
    else:
        conn = sqlite3.connect(target)
        conn.execute(sql, args)
        conn.commit()
        conn.close()


def test_a_forged_state_is_never_laundered_into_the_log(log, log_target, npo, clock):
    """A proposed case whose row is set to 'board_preparation' behind the
    engine's back is not judged on: the board's ``refer_back`` raises
    IntegrityError and writes nothing, and ``verify(projections=True)`` names
    the case."""
    case = log.submit(npo, at=clock(), **proposal())
    behind_our_back(
        log_target, "UPDATE cases SET state = 'board_preparation' WHERE id = ?", case.id
    )
    events = log.store.count_events()
    with pytest.raises(IntegrityError, match="does not match its events"):
        log.fire(case.id, "refer_back", Actor.board(), reason="mer beredning", at=clock(30))
    assert log.store.count_events() == events
    assert [e.type for e in log.history(case.id)] == ["ProposalSubmitted"]
    report = log.verify(projections=True)
    assert not report.ok
    assert f"case {case.id}: projection differs from its events" in report.problems
    assert log.rebuild_projections() == 1
    assert log.get(case.id).state == "proposed"


def test_a_forged_fact_in_a_case_row_is_not_judged_on(log, log_target, npo, sos, clock):
    """Data edited in a row (a region that never applied added as an
    applicant) leaves the row unsealed: the next step is refused with
    IntegrityError, ``check`` and ``get`` too."""
    case = log.submit(npo, at=clock(), **proposal())
    case = advance(log, case.id, "decided")
    forged = json.dumps({**case.data, "applicants": [{"region": "GOTLAND", "unit": "Visby"}]})
    behind_our_back(log_target, "UPDATE cases SET data = ? WHERE id = ?", forged, case.id)
    with pytest.raises(IntegrityError):
        log.fire(case.id, "prepare_board", sos, at=clock(200))
    with pytest.raises(IntegrityError):
        log.check(case.id, "prepare_board", sos, at=clock(200))
    with pytest.raises(IntegrityError):
        log.get(case.id)


def test_a_case_whose_row_is_gone_is_an_integrity_error_not_an_unknown_case(
    log, log_target, npo, clock
):
    """A case with events but no projection row says so (rebuild the
    projections) rather than pretending it never existed."""
    case = log.submit(npo, at=clock(), **proposal())
    behind_our_back(log_target, "DELETE FROM cases WHERE id = ?", case.id)
    with pytest.raises(IntegrityError, match="has events but no projection"):
        log.get(case.id)
    log.rebuild_projections()
    assert log.get(case.id) == case


def test_a_trigger_the_state_does_not_offer_is_named_whatever_its_payload(log, npo, sos, clock):
    """``decide`` on a proposed case, with or without its payload, is an
    InvalidTrigger naming the triggers the state offers (not a complaint
    about ``units``)."""
    case = log.submit(npo, at=clock(), **proposal())
    for payload in ({}, {"units": 3}, {"units": "many"}):
        with pytest.raises(InvalidTrigger) as exc:
            log.fire(case.id, "decide", sos, at=clock(10), **payload)
        assert "appoint_expert_group" in str(exc.value)


def test_the_event_feed_pages_the_same_on_both_backends(log, npo, clock):
    """``events(since, limit)`` returns the same list of events in pages on either store."""
    for state in ("permitted", "decided"):
        case = log.submit(npo, at=clock(), **proposal())
        advance(log, case.id, state)
    whole = log.events(limit=10_000)
    assert [e.position for e in whole] == list(range(1, 17))
    pages: list[list[int]] = []
    since = 0
    while page := log.events(since=since, limit=7):
        pages.append([e.position for e in page])
        since = page[-1].position
    assert pages == [list(range(1, 8)), list(range(8, 15)), [15, 16]]
    assert log.events(since=5, limit=2) == whole[5:7]
    assert isinstance(log.cases(), list) and len(log.cases()) == 2
