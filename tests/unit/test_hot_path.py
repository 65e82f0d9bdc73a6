"""The shortcuts the benchmarks led to keep behaviour identical: the
next-state lookup agrees with the machine, the log's tail is never stale
after a refused or failed step, and the recorded payload text is the
canonical JSON of what the event says."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from transitions import Machine

import nhvflow
from nhvflow import Actor, Region, TransitionDenied
from nhvflow.engine._request import encode_request
from nhvflow.events.nhv import ProposalRejected
from nhvflow.fixtures import advance, proposal
from nhvflow.states import builtin_processes
from nhvflow.store._chain import GENESIS, canonical, chain_hash


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
                    {"trigger": m.trigger, "source": s, "dest": d}
                    for m in moves
                    for s, d in m.moves
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


_json = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@given(_json)
def test_canonical_is_the_text_json_dumps_spells(value):
    """One prebuilt encoder, the same text as json.dumps with the canonical options."""
    reference = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    assert canonical(value) == reference


def test_canonical_refuses_what_json_dumps_refuses():
    circular: list[object] = []
    circular.append(circular)
    for bad, error in (
        (float("nan"), ValueError),
        (float("inf"), ValueError),
        (object(), TypeError),
        (circular, ValueError),
    ):
        with pytest.raises(error):
            canonical(bad)


_text = st.text(st.characters(exclude_categories=["Cs"]))  # UTF-8 has no lone surrogates


@given(
    st.integers(min_value=1),
    _text,
    _text,
    _text,
    st.one_of(st.none(), _text),
    st.one_of(st.none(), _text),
)
def test_chain_hash_hashes_the_documented_json_array(position, stream, actor, payload, key, asked):
    """The hash is SHA-256 of the previous hash and json.dumps of the event's
    fields as one array (docs/log-format.md), spelt out field by field."""
    fields = [position, stream, 3, "nhv.decided", 1, actor, payload, "t0", "t1", key, asked]
    body = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    digest = chain_hash(
        GENESIS,
        position=position,
        stream_id=stream,
        version=3,
        type="nhv.decided",
        schema_version=1,
        actor=actor,
        payload=payload,
        occurred_at="t0",
        recorded_at="t1",
        idempotency_key=key,
        request_hash=asked,
    )
    assert digest == hashlib.sha256((GENESIS + body).encode("utf-8")).hexdigest()


@given(_text.filter(str.strip), _text.filter(str.strip), st.booleans())
def test_the_request_fingerprint_is_the_canonical_array_it_always_was(case_id, reason, dated):
    """encode_request spells the fingerprint out; it is still the canonical
    JSON of [process, case, trigger, actor, payload text, time]."""
    actor = Actor.npo("Nervsystemets sjukdomar")
    fact = ProposalRejected(reason=reason)
    when = "2027-01-05T09:00:00.000000+00:00" if dated else None
    request = encode_request(case_id, "reject", actor, fact, when, "nhv")
    text = canonical(fact.to_json())
    reference = canonical(["nhv", case_id, "reject", actor.to_json(), text, when])
    assert request.hash == hashlib.sha256(reference.encode("utf-8")).hexdigest()
