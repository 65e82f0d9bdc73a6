"""The judging half of the engine: :class:`Judge` loads the case a step is
for, parses and completes its payload, and weighs it against the responsible
party and the rules of its transition, without writing anything. The
:class:`~nhvflow.engine.Registry` writes what the judge lets through.

A step is judged in this order, and the first refusal ends it::

    known trigger -> parse payload -> (idempotent replay?) -> expected version
    -> state allows trigger -> business time in order -> process in force
    -> complete defaults -> responsible party -> the step's rules

Every refusal is an :class:`~nhvflow.errors.NhvflowError` raised before the
write; a refused rule is logged (``step_refused``) with the rule ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from nhvflow import _payload
from nhvflow._records import CaseRow, Store
from nhvflow._replay import Catalogue, to_case
from nhvflow._steps import (
    Judged,
    StoreFacts,
    complete,
    encode_request,
    is_text,
    outcome,
    utc_iso,
)
from nhvflow.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    InvalidPayload,
    InvalidTrigger,
    NotAuthorised,
    TransitionDenied,
    UnknownCase,
    shown,
)
from nhvflow.events import iso
from nhvflow.model import Actor, Case, Violation
from nhvflow.rules import RuleOutcome, Step
from nhvflow.states import Process

__all__ = ["Judge"]


class Judge:
    """Judges steps against one store's cases and a catalogue of processes.

    Each method runs inside the caller's transaction (the registry holds the
    write lock, or a read snapshot for a dry run), so a step is judged on the
    state it will be written over.
    """

    def __init__(self, store: Store, catalogue: Catalogue, log: Any) -> None:
        self.store = store
        self.catalogue = catalogue
        self.facts = StoreFacts(store)
        self.log = log

    def load(self, case_id: str) -> CaseRow:
        """The case's projection; :class:`UnknownCase` when there is none."""
        if not isinstance(case_id, str):
            raise InvalidPayload("case_id", f"must be a string (got {type(case_id).__name__})")
        row = self.store.load_case(case_id)
        if row is None:
            raise UnknownCase(case_id)
        return row

    def step(
        self,
        case_id: str,
        trigger: str,
        actor: Actor,
        payload: Mapping[str, Any],
        when: datetime,
        at: datetime | str | None,
        expected_version: int | None,
        idempotency_key: str | None,
    ) -> Judged | Case:
        """A step of an existing case, parsed and completed, ready for
        :meth:`enforce`; or, when ``idempotency_key`` repeats an earlier
        request, the case as that request left it."""
        row = self.load(case_id)
        process = self.catalogue.process(row.process)
        transition = process.transition(trigger) if is_text(trigger) else None
        if transition is None or transition.creates:
            raise InvalidTrigger(
                trigger if is_text(trigger) else shown(trigger),
                case_id=case_id,
                state=row.state,
                process=process.name,
                available=process.triggers_from(row.state),
                known=False,
            )
        fact = _payload.parse(transition.event, payload)
        request = encode_request(case_id, trigger, actor, fact, at, process.name)
        if idempotency_key is not None:
            replay = self.replay(idempotency_key, request.hash)
            if replay is not None:
                return replay
        if expected_version is not None and expected_version != row.version:
            raise ConcurrencyConflict(case_id, expected_version, row.version)
        if row.state not in transition.source:
            raise InvalidTrigger(
                trigger,
                case_id=case_id,
                state=row.state,
                process=process.name,
                available=process.triggers_from(row.state),
                known=True,
            )
        if utc_iso(when) < row.updated_at:
            raise InvalidPayload(
                "at",
                f"the step is dated {iso(when)}, before the case's previous step "
                f"({row.updated_at}); steps are recorded in business-time order.",
            )
        check_in_force(process, when)
        case = to_case(row)
        fact = complete(transition, fact, case, when)
        step = Step(
            case, process.name, trigger, actor, fact, when, self.facts, transition.responsible
        )
        return Judged(row, process, transition, fact, step, request)

    def outcomes(self, judged: Judged) -> list[RuleOutcome]:
        """Every rule consulted for the step with its outcome (the dry run)."""
        step = judged.step
        authority = judged.process.authority
        outcomes = [outcome(authority, authority.evaluate(step))]
        for rule in judged.transition.rules:
            if not rule.in_force(step.at):
                outcomes.append(RuleOutcome(rule, "not in force"))
            else:
                outcomes.append(outcome(rule, rule.evaluate(step)))
        return outcomes

    def enforce(self, judged: Judged, case_id: str) -> None:
        """Raise :class:`NotAuthorised` or :class:`TransitionDenied` (with
        every violation of the rules in force) unless the step is allowed."""
        step = judged.step
        state = judged.row.state if judged.row is not None else None
        if judged.row is None:
            check_in_force(judged.process, step.at)
        denied = judged.process.authority.evaluate(step)
        if denied:
            self.refused(case_id, step.trigger, step.actor, denied)
            raise NotAuthorised(denied, case_id=case_id, trigger=step.trigger, state=state)
        violations = [
            v
            for rule in judged.transition.rules
            if rule.in_force(step.at)
            for v in rule.evaluate(step)
        ]
        if violations:
            self.refused(case_id, step.trigger, step.actor, violations)
            raise TransitionDenied(violations, case_id=case_id, trigger=step.trigger, state=state)

    def replay(self, key: str, request: str) -> Case | None:
        """The case as the request first recorded under ``key`` left it;
        ``None`` for a new key; :class:`IdempotencyConflict` when the key was
        used for a different request."""
        if not is_text(key) or not key or len(key) > 200:
            raise InvalidPayload(
                "idempotency_key", "must be a non-empty string of at most 200 characters."
            )
        previous = self.store.event_by_key(key)
        if previous is None:
            return None
        if previous.request_hash != request:
            raise IdempotencyConflict(key, previous.position)
        row = self.catalogue.fold(
            self.store.events(previous.stream_id, max_version=previous.version)
        )
        assert row is not None
        return to_case(row)

    def refused(
        self, case_id: str | None, trigger: str, actor: Actor, violations: list[Violation]
    ) -> None:
        """Log a refusal (at info, with the rule ids)."""
        self.log.info(
            "step_refused",
            case_id=case_id,
            trigger=trigger,
            actor_role=actor.role.value,
            outcome="refused",
            rules=sorted({v.rule for v in violations}),
        )


def check_in_force(process: Process, when: datetime) -> None:
    """Refuse a step dated before its process applies."""
    if process.in_force_from is not None and when.date() < process.in_force_from:
        raise InvalidPayload(
            "at",
            f"process {process.name!r} applies from {process.in_force_from}; a step dated "
            f"{when.date()} falls before it.",
        )
