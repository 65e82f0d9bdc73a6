"""The one fold (``nhvflow.engine._fold.apply``): every live step, replay,
rebuild and verification goes through it."""

from __future__ import annotations

import copy
from datetime import datetime

import attrs
import pytest

import nhvflow
from nhvflow.fixtures import advance, proposal
from nhvflow.states import NHV


def test_folding_a_whole_history_never_changes_a_case_before_it(clock):
    """Each event's fold leaves the row before it exactly as it was (lists
    and dicts are replaced, not edited), so the case a rule saw stays as it
    saw it; the live steps end on the same row."""
    reg = nhvflow.open()
    case = reg.submit(nhvflow.Actor.npo(proposal()["programme_area"]), at=clock(), **proposal())
    advance(reg, case.id, "permitted")
    reason = "villkoren uppfylls inte"
    board = nhvflow.Actor.board()
    reg.fire(case.id, "revoke_permit", board, region="SKANE", ground="conditions_not_met",
             reason=reason, at=clock(900))  # fmt: skip
    catalogue = reg._pipeline.catalogue
    row = None
    for stored in reg.store.events(case.id):
        before = copy.deepcopy(row)
        after = nhvflow.engine._fold.apply(
            NHV, row, stored, catalogue.actor(stored.actor),
            datetime.fromisoformat(stored.occurred_at),
        )  # fmt: skip
        assert row == before
        row = after
    assert row is not None and row.state == reg.get(case.id).state
    assert row.data == reg.get(case.id).data


def test_an_event_out_of_its_state_or_version_is_refused_with_its_position(clock):
    """The fold applies an event only as a legal move at the next version;
    otherwise IntegrityError names the event's position."""
    reg = nhvflow.open()
    case = reg.submit(nhvflow.Actor.npo(proposal()["programme_area"]), at=clock(), **proposal())
    advance(reg, case.id, "decided")
    events = list(reg.store.events(case.id))
    catalogue = reg._pipeline.catalogue
    first = nhvflow.engine._fold.apply(
        NHV, None, events[0], catalogue.actor(events[0].actor),
        datetime.fromisoformat(events[0].occurred_at),
    )  # fmt: skip
    for wrong in (events[-1], attrs.evolve(events[1], version=5)):
        with pytest.raises(nhvflow.IntegrityError) as exc:
            nhvflow.engine._fold.apply(
                NHV, first, wrong, catalogue.actor(wrong.actor),
                datetime.fromisoformat(wrong.occurred_at),
            )  # fmt: skip
        assert exc.value.position == wrong.position
