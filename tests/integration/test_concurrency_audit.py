"""An outside audit of what the stores keep across and inside transactions:
the SQLite row cache and tail, the steps a batch holds in memory, and the
PostgreSQL step held back for COMMIT.

The promise audited: a step is judged only on the case as the log holds
it; a refused or failed step writes nothing; an idempotent repeat returns
its first result; several registries or processes may write one log; and
nothing the registry reports (a case, what is due, "nothing was written")
differs from what the log holds. Every interleaving here is explicit: two
registries on one file in one process, a writer process that waits for its
cue, or a hook that lets another writer in between two statements of a read.

A test marked ``xfail(strict=True)`` shows a broken promise and fails today
for the reason it names.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidPayload,
    InvalidTrigger,
    NhvflowError,
    PermitGrant,
    Region,
    UnknownCase,
)
from nhvflow.fixtures import expert_group, proposal
from nhvflow.store._interface import EVERY_CASE, CaseQuery

AT = datetime(2024, 3, 1, 9, tzinfo=UTC)
SOS = Actor.socialstyrelsen()
NPO = Actor.npo("Nervsystemets sjukdomar")
BOARD = Actor.board()
SKANE = Actor.region(Region.SKANE)


def _at(minutes: int) -> datetime:
    return AT + timedelta(minutes=minutes)


def _basis(reg: nhvflow.Registry, case_id: str, minutes: int = 2) -> nhvflow.Case:
    return reg.fire(
        case_id, "deliver_basis", Actor.expert_group(case_id), recommends_nhv=True, units=2,
        care_measures=["Djup hjärnstimulering"], at=_at(minutes),
    )  # fmt: skip


def _to_decided(reg: nhvflow.Registry, case_id: str) -> nhvflow.Case:
    """Submit ``case_id`` and take it to ``decided`` (applications due 2024-06-01)."""
    reg.submit(NPO, case_id=case_id, at=_at(0), **proposal())
    reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
    _basis(reg, case_id)
    reg.fire(case_id, "open_consultation", SOS, at=_at(3))
    reg.fire(case_id, "close_consultation", SOS, at=_at(4))
    return reg.fire(case_id, "decide", SOS, units=2, applications_due=date(2024, 6, 1), at=_at(5))


def _events(path: Path) -> list[tuple[str, int, str]]:
    """What the file holds, read by a plain connection of its own."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT stream_id, version, type FROM events ORDER BY position")
        return [tuple(r) for r in rows]  # type: ignore[misc]


@pytest.fixture(name="path")
def _path(tmp_path: Path) -> Path:
    return tmp_path / "log.sqlite"


@pytest.fixture(name="pair")
def _pair(path: Path) -> Iterator[tuple[nhvflow.Registry, nhvflow.Registry]]:
    """Two registries on one SQLite file, in one process; ``a`` submitted case ``c1``."""
    with (
        nhvflow.open(path, durability="normal") as a,
        nhvflow.open(path, durability="normal", busy_timeout=0.2) as b,
    ):
        a.submit(NPO, case_id="c1", at=AT, **proposal())
        yield a, b


# -- SQLite: what registry a kept, after registry b wrote --------------------------------


def test_a_stale_expected_version_after_another_registry_stepped_is_a_conflict(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """a wrote c1 at version 1 and keeps its row; b moves it on. a's step
    that expects version 1 is a ConcurrencyConflict naming version 2, and a
    step without an expected version is judged on b's state: no stale row."""
    a, b = pair
    b.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
    with pytest.raises(ConcurrencyConflict) as conflict:
        a.fire("c1", "close_not_eligible", SOS, rule="x", reason="y", expected_version=1, at=_at(2))
    assert conflict.value.actual == 2  # type: ignore[attr-defined]
    with pytest.raises(InvalidTrigger, match="expert_review"):
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
    assert _events(path) == [("c1", 1, "ProposalSubmitted"), ("c1", 2, "ExpertGroupAppointed")]


def test_the_tail_another_registry_moved_is_the_one_a_step_links_to(
    pair: tuple[nhvflow.Registry, nhvflow.Registry],
) -> None:
    """a knows the log's tail from its own step; b appends to another case;
    a's next step on c1 (whose row b left alone) takes the next position and
    links to b's event, so the chain holds."""
    a, b = pair
    b.submit(NPO, case_id="c2", at=AT, **proposal())
    case = a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
    events = b.events()
    assert [(e.position, e.stream_id) for e in events] == [(1, "c1"), (2, "c2"), (3, "c1")]
    assert case.version == 2
    assert a.verify(strict=True, projections=True).ok


def test_an_idempotent_repeat_after_another_registry_moved_the_case_returns_the_first(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A request repeated with its key after another registry moved the case
    on returns the case as the first step left it, from either registry, and
    writes nothing; the same key for another request is refused."""
    a, b = pair
    ask = {"experts": expert_group(), "at": _at(1), "idempotency_key": "appoint-c1"}
    first = a.fire("c1", "appoint_expert_group", SOS, **ask)
    _basis(b, "c1")
    assert a.fire("c1", "appoint_expert_group", SOS, **ask) == first
    assert b.fire("c1", "appoint_expert_group", SOS, **ask) == first
    with pytest.raises(nhvflow.IdempotencyConflict):
        a.fire("c1", "appoint_expert_group", SOS, **{**ask, "at": _at(9)})
    assert len(_events(path)) == 3
    assert a.get("c1").state == "basis_delivered"


def test_a_read_only_registry_reads_what_the_writers_committed(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A read-only registry opened on a live file sees each writer's steps
    in get, cases, due, history and verify as soon as they are committed."""
    _, b = pair
    with nhvflow.open(path, readonly=True) as reader:
        assert reader.get("c1").version == 1
        _to_decided(b, "c2")
        b.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
        assert reader.get("c1").state == "expert_review"
        assert [c.id for c in reader.cases(state="decided")] == ["c2"]
        assert [d.case_id for d in reader.due(as_of=date(2024, 5, 1))] == ["c2"]
        assert len(reader.history("c1")) == 2
        assert reader.verify(projections=True).ok
        with pytest.raises(nhvflow.ReadOnlyLog):
            reader.fire("c1", "deliver_basis", Actor.expert_group("c1"), recommends_nhv=True)


def test_a_rebuild_by_another_registry_leaves_what_a_kept_usable(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """b repairs a hand-damaged row with a rebuild: a, which wrote the row
    before the damage, judges its next step on the rebuilt row."""
    a, b = pair
    a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE cases SET state = 'prepared' WHERE id = 'c1'")
    with pytest.raises(nhvflow.IntegrityError):
        a.fire("c1", "decide", SOS, units=2, at=_at(2))
    assert b.rebuild_projections() == 1
    case = _basis(a, "c1")
    assert (case.state, case.version) == ("basis_delivered", 3)
    assert b.verify(strict=True, projections=True).ok


def test_steps_held_in_a_batch_are_invisible_to_another_registry_until_commit(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """While a's batch holds steps (in memory, or written but not committed),
    b reads the log as it was; b's write waits and gives up with StoreBusy
    (nothing written); after the commit b sees and judges a's steps."""
    a, b = pair
    with a.batch():
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
        a.submit(NPO, case_id="c2", at=_at(1), **proposal())
        assert b.get("c1").version == 1
        with pytest.raises(UnknownCase):
            b.get("c2")
        assert len(a.events()) == 3  # a's read writes the held steps, uncommitted
        assert [e.stream_id for e in b.events()] == ["c1"]
        assert [c.id for c in b.cases()] == ["c1"]
        assert b.verify(strict=True, projections=True).checked == 1
        with pytest.raises(nhvflow.StoreBusy):
            _basis(b, "c1")
    assert b.get("c1").state == "expert_review"
    assert _basis(b, "c1").version == 3
    assert [v for s, v, _ in _events(path) if s == "c1"] == [1, 2, 3]


def test_a_writer_process_between_two_steps_of_a_registry_is_seen(
    path: Path, spawn: Callable[..., Any]
) -> None:
    """Another process takes a step on the case a registry wrote last; the
    registry's next step is judged on the state the process left, and the
    registry's expected version is checked against it."""
    with nhvflow.open(path, durability="normal") as reg:
        reg.submit(NPO, case_id="c1", at=AT, **proposal())
        worker = spawn(
            path, "race", case_id="c1", trigger="appoint_expert_group",
            actor=SOS.to_json(), at=_at(1).isoformat(),
            payload={"experts": [e.to_json() for e in expert_group()]},
        )  # fmt: skip
        worker.ready()
        worker.go()
        assert worker.next() == {"case": "c1", "version": 2, "state": "expert_review"}
        worker.finish()
        with pytest.raises(ConcurrencyConflict):
            reg.fire(
                "c1", "deliver_basis", Actor.expert_group("c1"), recommends_nhv=True,
                units=2, care_measures=["K"], expected_version=1, at=_at(2),
            )  # fmt: skip
        assert _basis(reg, "c1").version == 3
        assert reg.verify(strict=True, projections=True).ok


def test_a_retried_submission_with_a_chosen_id_returns_the_first_result(log_target: str) -> None:
    """A service submits case c2 under its own id with a key; the answer is
    lost (a restart: "retry it with the same idempotency_key to record it at
    most once", docs/deploying.md), and the retry goes through another
    registry. The retry must return the case the first one recorded."""
    with (
        nhvflow.open(log_target, durability="normal") as a,
        nhvflow.open(log_target, durability="normal") as b,
    ):
        ask = {"case_id": "c2", "at": AT, "idempotency_key": "portal-c2", **proposal()}
        first = a.submit(NPO, **ask)
        assert b.submit(NPO, **ask) == first
        assert a.submit(NPO, **ask) == first
        assert len(b.events()) == 1


def test_a_taken_case_id_is_refused_unless_the_submission_repeats_its_own(
    log_target: str,
) -> None:
    """Only the submission's own repeat gets past a taken id: another key,
    no key, or the same key with another request is refused, and nothing is
    written."""
    with nhvflow.open(log_target, durability="normal") as reg:
        ask = {"case_id": "c2", "at": AT, "idempotency_key": "portal-c2", **proposal()}
        reg.submit(NPO, **ask)
        with pytest.raises(InvalidPayload, match="already exists"):
            reg.submit(NPO, **{**ask, "idempotency_key": "portal-other"})
        with pytest.raises(InvalidPayload, match="already exists"):
            reg.submit(NPO, **{k: v for k, v in ask.items() if k != "idempotency_key"})
        with pytest.raises(IdempotencyConflict):
            reg.submit(NPO, **{**ask, "title": "Ett annat förslag"})
        assert len(reg.events()) == 1


# -- SQLite: batches -----------------------------------------------------------------


def test_reads_inside_a_batch_judge_and_list_the_held_steps(path: Path) -> None:
    """Inside a batch, what is due, check, explain, allowed_triggers and
    get(as_of=) see the steps held before them (not only get and cases)."""
    with nhvflow.open(path, durability="normal") as reg:
        with reg.batch():
            _to_decided(reg, "c1")
            assert [d.case_id for d in reg.due(as_of=date(2024, 5, 1))] == ["c1"]
            assert reg.check("c1", "apply_for_permit", SKANE, unit="SUS", at=_at(6)) == []
            assert "apply_for_permit" in reg.allowed_triggers("c1", SKANE, at=_at(6))
            assert reg.get("c1", as_of=_at(3)).state == "consultation"
            reg.fire("c1", "apply_for_permit", SKANE, unit="SUS", at=_at(6))
            # still due after one application: other regions may apply
            assert [d.case_id for d in reg.due(as_of=date(2024, 5, 1))] == ["c1"]
            reg.fire("c1", "prepare_board", SOS, at=_at(7))
            reg.fire("c1", "grant_permits", BOARD, permits=[PermitGrant(Region.SKANE)], at=_at(8))
            assert {(d.case_id, d.trigger) for d in reg.due(as_of=date(2026, 1, 1))} == {
                ("c1", "report_follow_up")
            }
        assert reg.verify(strict=True, projections=True).ok


def test_a_rebuild_inside_a_batch_and_a_failed_nested_batch_after_it(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A rebuild inside a batch repairs a hand-damaged row and drops what the
    registry kept; a nested batch that rebuilds and steps, then fails, takes
    back its step: the next step is judged on the case the log holds."""
    a, _ = pair
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE cases SET state = 'prepared' WHERE id = 'c1'")
    with a.batch():
        with pytest.raises(nhvflow.IntegrityError):
            a.fire("c1", "decide", SOS, units=2, at=_at(1))
        assert a.rebuild_projections() == 1
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
        with contextlib.suppress(RuntimeError), a.batch():
            a.rebuild_projections()
            _basis(a, "c1")
            raise RuntimeError("the caller gives up")
        assert (a.get("c1").state, a.get("c1").version) == ("expert_review", 2)
        assert _basis(a, "c1", minutes=3).version == 3
    assert [v for s, v, _ in _events(path)] == [1, 2, 3]
    assert a.verify(strict=True, projections=True).ok


def test_a_key_used_in_a_failed_nested_batch_is_free_again(path: Path) -> None:
    """A step whose nested batch failed (after a read wrote it) left no
    trace: its idempotency key records the next request afresh, and that
    request is written, not answered with the rolled-back first result."""
    with nhvflow.open(path, durability="normal") as reg:
        reg.submit(NPO, case_id="c1", at=AT, **proposal())
        ask = {"experts": expert_group(), "idempotency_key": "k"}
        with reg.batch():
            with contextlib.suppress(RuntimeError), reg.batch():
                reg.fire("c1", "appoint_expert_group", SOS, at=_at(1), **ask)
                assert len(reg.history("c1")) == 2  # a read: written, in a savepoint
                raise RuntimeError("the caller gives up")
            assert reg.get("c1").version == 1
            again = reg.fire("c1", "appoint_expert_group", SOS, at=_at(2), **ask)
            assert again.updated_at == _at(2)
        assert [(s, v) for s, v, _ in _events(path)] == [("c1", 1), ("c1", 2)]
        assert reg.history("c1")[-1].occurred_at == _at(2)


def test_an_exception_escaping_a_batch_after_a_read_writes_nothing(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A batch whose held steps were written by a read, and which then
    raises, leaves nothing; both registries then judge c1 at version 1."""
    a, b = pair

    def give_up() -> None:
        with a.batch():
            a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
            a.submit(NPO, case_id="c2", at=_at(1), **proposal())
            assert [c.id for c in a.cases()] == ["c1", "c2"]
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError, match="gives up"):
        give_up()
    assert _events(path) == [("c1", 1, "ProposalSubmitted")]
    assert a.get("c1").version == b.get("c1").version == 1
    with pytest.raises(UnknownCase):
        a.get("c2")
    assert a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2)).version == 2
    assert b.verify(strict=True, projections=True).ok


def test_a_foreign_trigger_aborting_a_held_write_at_commit_fails_the_batch_whole(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A foreign trigger aborts the insert of a held step when the batch
    commits (a disk that fills up at the last moment): the batch raises an
    nhvflow error, nothing of it is written, and a judges c1 afresh."""
    a, b = pair
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "CREATE TRIGGER audit_full BEFORE INSERT ON cases WHEN NEW.id = 'c2' "
            "BEGIN SELECT RAISE(ABORT, 'disk full (simulated)'); END"
        )

    def batch() -> None:
        with a.batch():
            a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
            a.submit(NPO, case_id="c2", at=_at(1), **proposal())  # held: fails at commit

    with pytest.raises(nhvflow.StoreError, match="disk full"):
        batch()
    assert _events(path) == [("c1", 1, "ProposalSubmitted")]
    assert a.get("c1").version == 1
    assert a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2)).version == 2
    assert b.verify(strict=True, projections=True).ok


def test_a_batch_whose_transaction_sqlite_rolled_back_writes_nothing_after(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """A foreign trigger ends the whole transaction (RAISE(ROLLBACK), as
    SQLite itself does on some I/O errors) under a registry step of a batch.
    The caller, told the step failed, goes on with the batch, as the batch's
    contract lets it ("a failed step leaves no trace and the others stand").
    Whatever the registry then says, the log must hold what it says: no
    step of the batch, or all of them; never a stream with a gap."""
    a, _ = pair
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(
            "CREATE TRIGGER audit_rollback BEFORE INSERT ON facts "
            "BEGIN SELECT RAISE(ROLLBACK, 'I/O error (simulated)'); END"
        )
    raised: list[BaseException] = []
    try:
        with a.batch():
            a.submit(NPO, case_id="c2", at=_at(1), **proposal())
            a.fire("c2", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
            with pytest.raises(NhvflowError):
                a.designate_pilot(SOS, programme_area="Endokrina sjukdomar", at=_at(3))
            _basis(a, "c2", minutes=4)
    except NhvflowError as exc:
        raised.append(exc)
    held = [(s, v) for s, v, _ in _events(path) if s == "c2"]
    if raised:  # the batch failed, and said nothing was written
        assert held == []
    else:
        assert held == [("c2", 1), ("c2", 2), ("c2", 3)]
    assert nhvflow.open(path, readonly=True).verify().ok
    # the registry goes on: its next write is a transaction of its own
    a.submit(NPO, case_id="c3", at=_at(9), **proposal())
    assert [s for s, _, _ in _events(path) if s in ("c2", "c3")] == [s for s, _ in held] + ["c3"]
    assert nhvflow.open(path, readonly=True).verify(projections=True).ok


def test_a_batch_interrupted_while_its_steps_are_written_reports_what_the_log_holds(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """The host interrupts a statement (``sqlite3.Connection.interrupt``, here
    by a progress handler, as a time limit on statements is kept) while a
    read inside a batch writes the held steps. The read fails; the caller
    goes on. The batch must then either raise with nothing of it written,
    or succeed with its steps written: never raise "nothing was written"
    over a log that holds them (a caller retrying it would record them twice)."""
    a, _ = pair
    conn = a.store.connection  # type: ignore[attr-defined]
    armed: list[bool] = []
    interrupt: list[bool] = []
    conn.set_trace_callback(
        lambda sql: interrupt.append(True) if armed and "INTO cases" in sql else None
    )
    conn.set_progress_handler(lambda: 1 if interrupt else 0, 1)
    raised: list[BaseException] = []
    try:
        with a.batch():
            a.submit(NPO, case_id="c2", at=_at(1), **proposal())
            a.fire("c2", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
            armed.append(True)
            with pytest.raises(NhvflowError, match="interrupted"):
                a.events()
            armed.clear()
            interrupt.clear()
    except NhvflowError as exc:
        raised.append(exc)
    finally:
        conn.set_progress_handler(None, 0)
        conn.set_trace_callback(None)
    held = [(s, v) for s, v, _ in _events(path) if s == "c2"]
    assert held == ([] if raised else [("c2", 1), ("c2", 2)])


def test_a_commit_refused_by_a_deferred_constraint_leaves_nothing_behind(
    pair: tuple[nhvflow.Registry, nhvflow.Registry], path: Path
) -> None:
    """The host turned on foreign keys on the registry's connection, and a
    foreign trigger on ``cases`` records into a table whose deferred foreign
    key fails at COMMIT. The step raises and writes nothing; then registry a
    must report the case as the log holds it and let other writers in."""
    a, b = pair
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        conn.executescript(
            """
            CREATE TABLE audit_parent (id TEXT PRIMARY KEY);
            CREATE TABLE audit_child (
              ref TEXT REFERENCES audit_parent (id) DEFERRABLE INITIALLY DEFERRED);
            CREATE TRIGGER audit_on_cases AFTER UPDATE ON cases
              WHEN NEW.state = 'expert_review'
              BEGIN INSERT INTO audit_child VALUES ('nobody'); END;
            """
        )
    a.store.connection.execute("PRAGMA foreign_keys = ON")  # type: ignore[attr-defined]
    with pytest.raises(NhvflowError):
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
    assert _events(path) == [("c1", 1, "ProposalSubmitted")]
    assert a.get("c1").state == "proposed"
    b.fire("c1", "close_not_eligible", SOS, rule="nhv.max-five-units", reason="r", at=_at(2))
    assert a.get("c1").state == "not_eligible"


# -- both backends: a read that another writer steps into ------------------------------


def _between_states(reg: nhvflow.Registry, after_state: str, step: Callable[[], None]) -> None:
    """Let ``step`` (another registry's writes) run right after ``reg``'s store
    has listed the cases of ``after_state``, inside the same call of ``reg``."""
    store = reg.store
    listed = store.cases
    done: list[bool] = []

    def cases(query: CaseQuery = EVERY_CASE) -> Iterator[Any]:
        yield from listed(query)
        if query.state == after_state and not done:
            done.append(True)
            step()

    store.cases = cases  # type: ignore[method-assign]


def test_what_is_due_is_read_from_one_state_of_the_log(log_target: str) -> None:
    """Another registry moves c1 from ``decided`` to ``permitted`` while
    ``due()`` is reading: what is due is the log's before or after, never
    c1 both waiting for applications and owing follow-ups."""
    with (
        nhvflow.open(log_target, durability="normal") as a,
        nhvflow.open(log_target, durability="normal") as b,
    ):
        _to_decided(a, "c1")
        a.fire("c1", "apply_for_permit", SKANE, unit="SUS", at=_at(6))

        def grant() -> None:
            b.fire("c1", "prepare_board", SOS, at=_at(7))
            b.fire("c1", "grant_permits", BOARD, permits=[PermitGrant(Region.SKANE)], at=_at(8))

        _between_states(a, "decided", grant)
        due = a.due(as_of=date(2026, 1, 1))
        triggers = {d.trigger for d in due if d.case_id == "c1"}
        assert triggers in ({"apply_for_permit"}, {"report_follow_up"}), triggers


# -- PostgreSQL: two registries on one database, and the step held for COMMIT -------------


def _pg(url: str, *statements: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def _pg_events(url: str) -> list[tuple[str, int]]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute("SELECT stream_id, version FROM events ORDER BY position")
        return [(r[0], r[1]) for r in rows]


@pytest.fixture(name="pg_pair")
def _pg_pair(postgres_url: str) -> Iterator[tuple[nhvflow.Registry, nhvflow.Registry]]:
    """Two registries on one PostgreSQL log; ``a`` submitted case ``c1``."""
    with (
        nhvflow.open(postgres_url, durability="normal") as a,
        nhvflow.open(postgres_url, durability="normal", busy_timeout=0.2) as b,
    ):
        a.submit(NPO, case_id="c1", at=AT, **proposal())
        yield a, b


def test_postgresql_registries_interleaved_judge_the_case_as_the_log_holds_it(
    pg_pair: tuple[nhvflow.Registry, nhvflow.Registry], postgres_url: str
) -> None:
    """Steps of two registries on one database, interleaved one by one:
    each is judged on the other's last step (expected versions, the state,
    repeated keys), and the chain and projections verify."""
    a, b = pg_pair
    ask = {"experts": expert_group(), "at": _at(1), "idempotency_key": "appoint-c1"}
    first = b.fire("c1", "appoint_expert_group", SOS, **ask)
    with pytest.raises(ConcurrencyConflict):
        a.fire("c1", "close_not_eligible", SOS, rule="x", reason="y", expected_version=1, at=_at(2))
    assert a.fire("c1", "appoint_expert_group", SOS, **ask) == first
    assert _basis(a, "c1").version == 3
    with pytest.raises(InvalidTrigger, match="basis_delivered"):
        _basis(b, "c1", minutes=3)
    b.submit(NPO, case_id="c2", at=_at(3), **proposal())
    assert a.fire("c1", "open_consultation", SOS, at=_at(4)).version == 4
    assert _pg_events(postgres_url) == [("c1", 1), ("c1", 2), ("c1", 3), ("c2", 1), ("c1", 4)]
    assert a.verify(strict=True, projections=True).ok


def test_a_postgresql_batch_makes_another_registry_wait_and_is_seen_after(
    pg_pair: tuple[nhvflow.Registry, nhvflow.Registry], postgres_url: str
) -> None:
    """While a's batch holds the advisory lock, b reads the log as committed
    and b's step gives up with StoreBusy, writing nothing; after the commit
    b judges its step on a's batch."""
    a, b = pg_pair
    with a.batch():
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
        a.submit(NPO, case_id="c2", at=_at(1), **proposal())
        assert len(a.events()) == 3
        assert b.get("c1").version == 1 and [c.id for c in b.cases()] == ["c1"]
        with pytest.raises(nhvflow.StoreBusy):
            b.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
    with pytest.raises(InvalidTrigger):
        b.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
    assert _basis(b, "c1").version == 3
    assert _pg_events(postgres_url) == [("c1", 1), ("c1", 2), ("c2", 1), ("c1", 3)]


def _pg_refuse_case(url: str, case_id: str, *, deferred: bool) -> None:
    """A foreign trigger on ``cases`` that raises for ``case_id``'s row: at
    once, or (``deferred``) as a constraint trigger checked at COMMIT."""
    _pg(
        url,
        "CREATE FUNCTION audit_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.id = '{case_id}' THEN RAISE EXCEPTION 'disk full (simulated)'; END IF; "
        "RETURN NEW; END $$",
        (
            "CREATE CONSTRAINT TRIGGER audit_refuse AFTER INSERT OR UPDATE ON cases "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_refuse()"
            if deferred
            else "CREATE TRIGGER audit_refuse BEFORE INSERT OR UPDATE ON cases "
            "FOR EACH ROW EXECUTE FUNCTION audit_refuse()"
        ),
    )


@pytest.mark.parametrize("deferred", [False, True], ids=["at the insert", "at commit"])
def test_a_postgresql_step_a_foreign_trigger_fails_writes_nothing_and_the_registry_goes_on(
    pg_pair: tuple[nhvflow.Registry, nhvflow.Registry], postgres_url: str, deferred: bool
) -> None:
    """The held append of a step fails in the round trip that carries its
    COMMIT (a foreign trigger raises, at once or at commit): nothing of the
    step is written, and the registry's next steps link to the log's real tail."""
    a, b = pg_pair
    _pg_refuse_case(postgres_url, "c2", deferred=deferred)
    with pytest.raises(Exception, match="disk full"):
        a.submit(NPO, case_id="c2", at=_at(1), **proposal())
    assert _pg_events(postgres_url) == [("c1", 1)]
    with pytest.raises(UnknownCase):
        a.get("c2")
    a.submit(NPO, case_id="c3", at=_at(1), **proposal())
    b.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
    assert _basis(a, "c1").version == 3
    with a.batch():  # in a batch, the failed step alone is taken back
        a.fire("c3", "appoint_expert_group", SOS, experts=expert_group(), at=_at(2))
        if not deferred:  # (a deferred check fails the batch's COMMIT instead)
            with pytest.raises(Exception, match="disk full"):
                a.submit(NPO, case_id="c2", at=_at(2), **proposal())
        _basis(a, "c3", minutes=3)
    assert _pg_events(postgres_url)[-2:] == [("c3", 2), ("c3", 3)]
    assert a.verify(strict=True, projections=True).ok


@pytest.mark.parametrize("in_batch", [False, True], ids=["own transaction", "batch"])
def test_a_postgresql_step_a_foreign_trigger_fails_raises_an_nhvflow_error(
    pg_pair: tuple[nhvflow.Registry, nhvflow.Registry], postgres_url: str, in_batch: bool
) -> None:
    """The error of a step whose held write fails is an nhvflow error, as on
    SQLite (there a StoreError): a caller of a batch catching NhvflowError
    for "a failed step leaves no trace and the others stand" can go on."""
    a, _ = pg_pair
    _pg_refuse_case(postgres_url, "c2", deferred=False)
    with a.batch() if in_batch else contextlib.nullcontext():
        a.fire("c1", "appoint_expert_group", SOS, experts=expert_group(), at=_at(1))
        with pytest.raises(NhvflowError):
            a.submit(NPO, case_id="c2", at=_at(1), **proposal())
    assert _pg_events(postgres_url) == [("c1", 1), ("c1", 2)]
