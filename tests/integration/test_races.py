"""Two writers racing for one case: exactly one wins, and the other gets a
clear nhvflow error (never a raw sqlite3 one) because every step is judged
on the state it finds once it holds the write lock."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest

import nhvflow
from nhvflow import Actor, Region
from nhvflow.fixtures import advance, proposal
from pg_cluster import hold_write_lock

SOS = Actor.socialstyrelsen("handläggare")


@pytest.fixture(name="cases")
def _cases(log_target, npo):
    """A log with one case at each of ``basis_delivered``, ``decided`` and ``permitted``."""
    path = log_target
    with nhvflow.open(path) as reg:
        made = {}
        for state in ("basis_delivered", "decided", "permitted"):
            case = reg.submit(npo, at=datetime(2019, 3, 1, tzinfo=UTC), **proposal())
            made[state] = advance(reg, case.id, state)
    return path, made


def race(spawn, together, path, *specs):
    """Fire one step in each of several processes at the same moment; the
    outcome each reported, and the log's event count afterwards."""
    workers = [spawn(path, "race", **spec) for spec in specs]
    together(workers)
    outcomes = [w.finish()[-2] for w in workers]  # the line before {"done": true}
    with nhvflow.open(path) as reg:
        assert reg.verify(projections=True).ok
        return outcomes, reg.store.count_events()


def winners_and_losers(outcomes):
    won = [o for o in outcomes if "version" in o]
    lost = [o for o in outcomes if "error" in o]
    assert len(won) + len(lost) == len(outcomes)
    assert all(o["module"] == "nhvflow.errors" for o in lost), lost
    return won, lost


@pytest.mark.parametrize(
    ("state", "trigger"), [("basis_delivered", "open_consultation"), ("permitted", "evaluate")]
)
def test_the_same_expected_version_lets_exactly_one_writer_win(
    cases, spawn, together, state, trigger
):
    """Two processes fire a step with the same ``expected_version``: one
    writes version n+1, the other gets ConcurrencyConflict and writes nothing."""
    path, made = cases
    case = made[state]
    spec = {
        "case_id": case.id,
        "trigger": trigger,
        "actor": SOS.to_json(),
        "expected_version": case.version,
    }
    before = sum(c.version for c in made.values())
    outcomes, events = race(spawn, together, path, spec, spec)
    won, lost = winners_and_losers(outcomes)
    assert [w["version"] for w in won] == [case.version + 1]
    assert [x["error"] for x in lost] == ["ConcurrencyConflict"]
    assert f"not the expected {case.version}" in lost[0]["message"]
    assert events == before + 1


def test_without_expected_version_the_loser_finds_the_case_moved(cases, spawn, together):
    """Two processes open the same consultation with no expected version:
    the second is judged on the case as the first left it, so it is told
    the step is not available from ``consultation``, not given a duplicate version."""
    path, made = cases
    case = made["basis_delivered"]
    spec = {"case_id": case.id, "trigger": "open_consultation", "actor": SOS.to_json()}
    outcomes, events = race(spawn, together, path, spec, spec)
    won, lost = winners_and_losers(outcomes)
    assert [(w["version"], w["state"]) for w in won] == [(case.version + 1, "consultation")]
    assert [x["error"] for x in lost] == ["InvalidTrigger"]
    assert "'consultation'" in lost[0]["message"]
    assert events == sum(c.version for c in made.values()) + 1


def test_without_expected_version_the_loser_meets_the_rule(cases, spawn, together):
    """The same region applies for a permit from two processes at once: the
    second application is refused by the one-application-per-region rule."""
    path, made = cases
    case = made["decided"]
    spec = {
        "case_id": case.id,
        "trigger": "apply_for_permit",
        "actor": Actor.region(Region.UPPSALA).to_json(),
        "payload": {"unit": "Akademiska sjukhuset"},
        "at": "2019-08-01T09:00:00+00:00",  # inside the application window
    }
    outcomes, events = race(spawn, together, path, spec, spec)
    won, lost = winners_and_losers(outcomes)
    assert [w["version"] for w in won] == [case.version + 1]
    assert events == sum(c.version for c in made.values()) + 1
    assert [x["error"] for x in lost] == ["TransitionDenied"]
    assert "one application per region" in lost[0]["message"]
    with nhvflow.open(path) as reg:
        applicants = [a["region"] for a in reg.get(case.id).data["applicants"]]
    assert applicants.count("UPPSALA") == 1


def test_a_retried_request_racing_its_original_is_written_once(cases, spawn, together):
    """A client retries (same idempotency key, same request) while the
    first attempt is still running: both get the same case, one event is written."""
    path, made = cases
    case = made["permitted"]
    spec = {
        "case_id": case.id,
        "trigger": "evaluate",
        "actor": SOS.to_json(),
        "payload": {"findings": "God kvalitet"},
        "idempotency_key": "eval-2026-1",
    }
    outcomes, events = race(spawn, together, path, spec, spec)
    won, lost = winners_and_losers(outcomes)
    assert lost == []
    assert [w["version"] for w in won] == [case.version + 1] * 2
    assert events == sum(c.version for c in made.values()) + 1


def test_one_key_for_two_requests_racing_writes_one_and_refuses_the_other(cases, spawn, together):
    """Two different requests under one idempotency key: one is written, the
    other is refused with IdempotencyConflict."""
    path, made = cases
    case = made["permitted"]
    base = {"case_id": case.id, "trigger": "evaluate", "actor": SOS.to_json()}
    outcomes, events = race(
        spawn,
        together,
        path,
        {**base, "payload": {"findings": "A"}, "idempotency_key": "k"},
        {**base, "payload": {"findings": "B"}, "idempotency_key": "k"},
    )
    won, lost = winners_and_losers(outcomes)
    assert len(won) == 1
    assert [x["error"] for x in lost] == ["IdempotencyConflict"]
    assert events == sum(c.version for c in made.values()) + 1


class TestAStepWaitingForTheLock:
    """Deterministic versions of the races: registry ``a`` holds the write
    lock (inside ``batch()``) while registry ``b``, on its own connection,
    fires in a thread and waits for it."""

    @pytest.fixture(name="pair")
    def _pair(self, cases):
        path, made = cases
        with nhvflow.open(path) as a, nhvflow.open(path, busy_timeout=10) as b:
            yield a, b, made

    @staticmethod
    def in_thread(fire):
        outcome = {}

        def run():
            try:
                outcome["case"] = fire()
            except Exception as exc:  # handed to the test to judge
                outcome["error"] = exc

        thread = threading.Thread(target=run)
        thread.start()
        time.sleep(0.3)
        assert thread.is_alive(), "b did not wait for a's write lock"
        return thread, outcome

    def test_is_judged_on_the_state_it_finds_once_it_holds_the_lock(self, pair):
        """b's step was asked for while the case was at ``basis_delivered``;
        a moved it on meanwhile, so b is told the step is no longer available."""
        a, b, made = pair
        case = made["basis_delivered"]
        with a.batch():
            thread, outcome = self.in_thread(lambda: b.fire(case.id, "open_consultation", SOS))
            a.fire(case.id, "open_consultation", SOS)
        thread.join(timeout=30)
        assert isinstance(outcome.get("error"), nhvflow.InvalidTrigger)
        assert b.get(case.id).version == case.version + 1

    def test_without_a_business_time_is_dated_when_it_gets_the_lock(self, pair):
        """b's step (no ``at=``) waited while a recorded a step dated now:
        b is dated after a's step, not refused as dated before it."""
        a, b, made = pair
        case = made["permitted"]
        with a.batch():
            thread, outcome = self.in_thread(lambda: b.fire(case.id, "evaluate", SOS))
            first = a.fire(case.id, "evaluate", SOS, findings="a")
        thread.join(timeout=30)
        assert "error" not in outcome, outcome.get("error")
        second = outcome["case"]
        assert second.version == first.version + 1
        assert second.updated_at >= first.updated_at


class TestBusy:
    """A lock that cannot be had within the busy timeout is a StoreBusy
    (nothing written), never a raw sqlite3 error; the timeout is the caller's choice."""

    @staticmethod
    def hold_lock(path, seconds):
        """Another connection takes the write lock and releases it after ``seconds``."""
        return hold_write_lock(path, seconds)

    def test_a_step_past_the_busy_timeout_is_store_busy_and_writes_nothing(self, cases, npo):
        path, made = cases
        holder = self.hold_lock(path, 0.5)
        with nhvflow.open(path, busy_timeout=0.1) as reg:
            before = reg.store.count_events()
            with pytest.raises(nhvflow.StoreBusy, match="busy_timeout"):
                reg.fire(made["permitted"].id, "evaluate", SOS)
            with pytest.raises(nhvflow.StoreBusy):
                reg.submit(npo, **proposal())
            holder.join()
            assert reg.store.count_events() == before
            after = reg.fire(made["permitted"].id, "evaluate", SOS)
            assert after.version == made["permitted"].version + 1

    def test_a_longer_busy_timeout_waits_for_the_holder(self, cases):
        path, made = cases
        holder = self.hold_lock(path, 0.3)
        with nhvflow.open(path, busy_timeout=10) as reg:
            case = reg.fire(made["permitted"].id, "evaluate", SOS)
        holder.join()
        assert case.version == made["permitted"].version + 1

    def test_opening_a_new_file_another_connection_is_creating_waits_for_it(self, tmp_path):
        """Not "not an SQLite database": the lock on a new file is waited for."""
        path = tmp_path / "new.sqlite"
        holder = self.hold_lock(path, 0.3)
        with nhvflow.open(path, busy_timeout=10) as reg:
            assert reg.verify().ok
        holder.join()

    def test_opening_past_the_busy_timeout_is_store_busy(self, tmp_path):
        path = tmp_path / "new.sqlite"
        holder = self.hold_lock(path, 0.5)
        with pytest.raises(nhvflow.StoreBusy, match="being opened"):
            nhvflow.open(path, busy_timeout=0.1)
        holder.join()
