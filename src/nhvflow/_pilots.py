"""Pilot designations: Socialstyrelsen designates a programme area's
proposals as pilots, a registry-wide fact recorded on the registry stream
(like the completed mapping) and read by ``nhv.mapping-pause``.

Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019): "Därför
kommer inga nya sakkunniggrupper startas upp förrän den övergripande
kartläggningen av samtliga vårdområden är genomförd. Piloternas
sakkunniggrupper som redan är igång fortsätter arbetet enligt plan." The page
marks two areas "(Pilot)"; those are designated without an event
(:data:`nhvflow.rules.nhv.DEFAULT_PILOT_AREAS`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nhvflow import _payload
from nhvflow._judge import Judge
from nhvflow._records import REGISTRY_STREAM, NewEvent, Store
from nhvflow._replay import PILOT_FACT, Catalogue, to_event
from nhvflow._steps import encode_request
from nhvflow.errors import IdempotencyConflict, NotAuthorised
from nhvflow.events import PilotDesignated, iso
from nhvflow.model import Actor, Event, Role, Violation, same_area
from nhvflow.rules import Responsibility, Step

__all__ = ["designate_pilot"]

_RESPONSIBLE = Responsibility(Role.SOCIALSTYRELSEN, "Socialstyrelsen", "Socialstyrelsen")


def designate_pilot(
    store: Store,
    catalogue: Catalogue,
    judge: Judge,
    actor: Actor,
    *,
    programme_area: str,
    reason: str,
    when: datetime,
    at: datetime | str | None,
    idempotency_key: str | None,
) -> Event:
    """Record that ``programme_area``'s proposals are pilots from ``when``
    (Socialstyrelsen only); designating an area again returns the first
    record and writes nothing."""
    fact = _payload.parse(PilotDesignated, {"programme_area": programme_area, "reason": reason})
    step = Step(None, "nhv", "designate_pilot", actor, fact, when, judge.facts, _RESPONSIBLE)
    refusal = _RESPONSIBLE.allows(step)
    if refusal is not None:
        nhv = catalogue.processes.get("nhv")
        violations = (
            [nhv.authority.violation(refusal)]
            if nhv is not None
            else [Violation("responsible-party", "", refusal.en, refusal.sv, refusal.criterion)]
        )
        judge.refused(None, "designate_pilot", actor, violations)
        raise NotAuthorised(violations, case_id=None, trigger="designate_pilot", state=None)
    request = encode_request(REGISTRY_STREAM, "designate_pilot", actor, fact, at, "registry").hash
    with store.write():
        if idempotency_key is not None:
            previous = store.event_by_key(idempotency_key)
            if previous is not None:
                if previous.request_hash != request:
                    raise IdempotencyConflict(idempotency_key, previous.position)
                return to_event(previous, catalogue)
        for existing in store.events(REGISTRY_STREAM):
            if existing.type == PilotDesignated.type and same_area(
                existing.payload["programme_area"], fact.programme_area
            ):
                return to_event(existing, catalogue)
        stored = store.append(
            NewEvent(
                REGISTRY_STREAM,
                store.stream_version(REGISTRY_STREAM) + 1,
                fact.type,
                fact.schema_version,
                actor.to_json(),
                fact.to_json(),
                iso(when),
                idempotency_key,
                request,
            ),
            None,
        )
        pilots: dict[str, Any] = dict(store.get_fact(PILOT_FACT) or {})
        pilots[fact.programme_area] = iso(when)
        store.set_fact(PILOT_FACT, pilots)
    judge.log.info("pilot_designated", actor_role=actor.role.value, at=iso(when))
    return to_event(stored, catalogue)
