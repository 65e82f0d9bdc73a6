"""The shortcuts the benchmarks led to keep behaviour identical: the
next-state lookup agrees with the machine, the log's tail is never stale
after a refused or failed step, and the recorded payload text is the
canonical JSON of what the event says."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from transitions import Machine

import nhvflow
from nhvflow import Actor, Region, TransitionDenied
from nhvflow._records import canonical
from nhvflow.fixtures import advance, proposal
from nhvflow.states import builtin_processes


class _Model:
    state: str = ""


@pytest.mark.parametrize("name", sorted(builtin_processes()))
def test_next_state_agrees_with_a_plain_machine_for_every_transition(name):
    """For every trigger and source state, the lookup names the state a
    one-model transitions Machine of the same graph reaches."""
    process = builtin_processes()[name]
    moves = [t for t in process.transitions.values() if not t.creates]
    for t in moves:
        for source in t.source:
            model = _Model()
            Machine(
                model=model,
                states=list(process.states),
                transitions=[
                    {"trigger": m.trigger, "source": list(m.source), "dest": m.dest} for m in moves
                ],
                initial=source,
                auto_transitions=False,
            )
            model.trigger(t.trigger)  # type: ignore[attr-defined]
            assert process.next_state(t.trigger, source) == model.state


def _submit_then_fail(reg: nhvflow.Registry) -> None:
    with reg.batch():
        reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
        raise RuntimeError("the caller's own failure, after an append")


def test_a_batch_with_refused_and_failed_steps_leaves_a_log_that_verifies(tmp_path: Path):
    """Refused steps and an exception inside a batch roll back to their
    savepoint, and the steps after them chain onto the right hash."""
    sos = Actor.socialstyrelsen()
    with nhvflow.open(tmp_path / "log.sqlite", durability="normal") as reg:
        with reg.batch():
            first = reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
            with pytest.raises(TransitionDenied):
                reg.fire(first.id, "appoint_expert_group", sos, experts=[])
            with pytest.raises(RuntimeError, match="after an append"):
                _submit_then_fail(reg)
            second = reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
        advance(reg, first.id, "permitted")
        advance(reg, second.id, "decided")
        report = reg.verify(strict=True, projections=True)
        assert report.ok
        assert report.checked == len(list(reg.events()))
    positions = [e.position for e in nhvflow.open(tmp_path / "log.sqlite").events()]
    assert positions == list(range(1, len(positions) + 1))


def test_the_recorded_payload_is_the_canonical_json_of_the_completed_event(tmp_path: Path):
    """What the log stores is canonical JSON, also where the engine
    completed the payload (a decision's defaults, the permits' general duty)."""
    path = tmp_path / "log.sqlite"
    with nhvflow.open(path) as reg:
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
        advance(reg, case.id, "permitted", regions=(Region.SKANE,))
        decided = next(e for e in reg.history(case.id) if e.type == "NhvDecided")
        assert decided.payload["applications_due"] is not None  # completed by the engine
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT actor, payload FROM events").fetchall()
    for actor, payload in rows:
        assert actor == canonical(json.loads(actor))
        assert payload == canonical(json.loads(payload))
