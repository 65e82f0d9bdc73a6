"""The invariants a :class:`~nhvflow.testing.ProcessStateMachine` checks,
as functions of the registry: what a step may change, what a decision must
respect, who may have fired an event."""

from __future__ import annotations

from datetime import datetime

import attrs

from nhvflow.engine import Registry
from nhvflow.engine._feed import every_event
from nhvflow.errors import UnknownCase
from nhvflow.model import Actor, Case, Event, Role, health_enterprise_name, same_area
from nhvflow.rules import norway
from nhvflow.states import Transition
from nhvflow.store._interface import REGISTRY_STREAM

__all__ = [
    "MAPPING_EVENT",
    "InvariantViolated",
    "Snapshot",
    "check_actor",
    "check_decision",
    "snapshot",
    "what_changed",
]

_MAX_UNITS = 5
MAPPING_EVENT = "MappingCompleted"
"""The event type that records the overall mapping (registry-wide)."""


class InvariantViolated(AssertionError):
    """An invariant of the process failed in a :class:`ProcessStateMachine`.

    ``invariant`` names it (e.g. ``"units-within-five"``); the message says
    what was found.

    .. versionadded:: 0.1
    """

    def __init__(self, invariant: str, message: str) -> None:
        super().__init__(f"[{invariant}] {message}")
        self.invariant = invariant
        self.detail = message


@attrs.frozen
class Snapshot:
    """What a step could change: the size of the log and the events of the
    stream it writes to (every event when ``stream`` is ``None``), the
    cases, the registry facts, and the raw projection rows where the store
    shows them. (Earlier events of other streams are covered by the hash
    chain, verified every few steps.)"""

    count: int
    events: tuple[Event, ...]
    cases: dict[str, tuple[Case, datetime | None]]
    mapping: datetime | None
    rows: object


def snapshot(reg: Registry, stream: str | None = None) -> Snapshot:
    """A :class:`Snapshot` of ``reg``, with the events of ``stream`` (a case id)."""
    if stream is None:
        events = tuple(every_event(reg))
    else:
        try:
            events = tuple(reg.history(stream))
        except UnknownCase:
            events = ()
    rows = getattr(reg.store, "projection_rows", None)
    return Snapshot(
        reg.store.count_events(),
        events,
        {c.id: (c, c.updated_at) for c in reg.cases()},
        reg.mapping_completed_at(),
        rows() if callable(rows) else None,
    )


def what_changed(before: Snapshot, after: Snapshot) -> str:
    """Which parts differ between two snapshots, in words."""
    parts = [
        name
        for name, a, b in (
            ("log", (before.count, before.events), (after.count, after.events)),
            ("cases", before.cases, after.cases),
            ("registry facts", before.mapping, after.mapping),
            ("projection rows", before.rows, after.rows),
        )
        if a != b
    ]
    return " and ".join(parts) or "nothing visible"


def check_decision(case: Case) -> None:
    """A decided case keeps the law: a decision only with care measures (advice
    never alone, whatever the flags) and on a basis that found some, permits
    carrying them, 1 to 5 units, valid permits within the units decided, only
    to applicants and one per region. Raises :class:`InvariantViolated`."""
    data = case.data
    decision = data.get("decision")
    if decision is None:
        return
    if not decision.get("care_measures"):
        raise InvariantViolated(
            "advisory-needs-care-measures",
            f"case {case.id} was decided with no care measures concentrated, which leaves "
            f"advice alone (decision {decision})",
        )
    basis = data.get("basis")
    if basis is not None and not basis.get("care_measures"):
        raise InvariantViolated(
            "advisory-needs-care-measures",
            f"case {case.id} was decided on a basis that found no care measures to concentrate "
            f"(decision {decision})",
        )
    bare = [p["region"] for p in data.get("permits", []) if not p.get("care_measures")]
    if bare:
        raise InvariantViolated(
            "advisory-needs-care-measures",
            f"case {case.id} has permits for advice alone, carrying no care measures: {bare}",
        )
    units = data.get("units")
    if not isinstance(units, int) or not 1 <= units <= _MAX_UNITS:
        raise InvariantViolated(
            "units-within-five", f"case {case.id} was decided at {units!r} units"
        )
    valid = case.valid_permits
    if len(valid) > units:
        raise InvariantViolated(
            "permits-within-units",
            f"case {case.id} has {len(valid)} valid permits but {units} units were decided",
        )
    applied = {a["region"] for a in data.get("applicants", [])}
    holders = [p["region"] for p in valid]
    if not set(holders) <= applied or len(set(holders)) != len(holders):
        raise InvariantViolated(
            "permits-to-applicants",
            f"case {case.id}: valid permits held by {holders}, applicants {sorted(applied)}",
        )


def check_actor(reg: Registry, event: Event) -> None:
    """The event was fired by the role responsible for its step (in the
    process table), within the scope that holds for the whole case."""
    actor = event.actor
    if event.type == MAPPING_EVENT or event.stream_id == REGISTRY_STREAM:
        expected = Role.SOCIALSTYRELSEN  # registry facts: the mapping, pilot designations
        ok = actor.role is expected
    else:
        case = reg.get(event.stream_id)
        transition = reg.process(case.process).by_event[event.type]
        expected = transition.responsible.role
        ok = actor.role is expected and _in_scope(actor, case, transition)
    if not ok:
        raise InvariantViolated(
            "responsible-party",
            f"event {event.position} ({event.type} on {event.stream_id}) was fired by "
            f"{actor.describe()}, but the step is for the role {expected.value}"
            + ("" if actor.role is not expected else " in its own scope"),
        )


def _in_scope(actor: Actor, case: Case, transition: Transition) -> bool:
    """The scopes that hold for a whole case: an NPO's area, an expert
    group's case, a region's principal; a Norwegian enterprise that is one of
    the four (the initiator where it must be, another where it must not); a
    provider's country, its own Member State, its network's coordinator. A
    step whose process table sets no scope is any actor's of its role."""
    if transition.responsible.scope is None:
        return True
    if actor.role is Role.HEALTH_ENTERPRISE:
        try:
            name = health_enterprise_name(actor.name)
        except ValueError:
            return False
        initiator = case.data.get("initiator")
        if transition.responsible is norway.INITIATOR:
            return name == initiator
        if transition.responsible is norway.OTHER_ENTERPRISE:
            return name != initiator
        return True
    if actor.role is Role.PROVIDER:
        return actor.country is not None and actor.country == case.data.get("country")
    if actor.role is Role.MEMBER_STATE:
        return actor.country is not None and actor.country == case.data.get("country")
    if actor.role is Role.COORDINATOR:
        return same_area(actor.network, case.data.get("network"))
    if actor.role is Role.NPO:
        return same_area(actor.programme_area, case.data.get("programme_area"))
    if actor.role is Role.EXPERT_GROUP:
        return actor.case_id == case.id
    if actor.role is Role.REGION:
        return actor.principal is not None
    return True
