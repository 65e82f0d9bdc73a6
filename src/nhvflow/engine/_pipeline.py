"""The one judging pipeline. Every entry point of the registry — ``submit``,
``fire``, ``check``, ``explain``, ``allowed_triggers``, ``complete_mapping``
and the steps inside ``batch()`` — goes through :class:`Pipeline`, in this
order, and the first refusal ends it with nothing written::

    1 resolve   the case (none for a new case or a registry step), checked against
                the log (IntegrityError for a row the log does not back), its process
                and the trigger's transition (InvalidTrigger for a trigger it lacks);
                a new case's id not taken, unless by the submission this one repeats
    2 replay    a repeated idempotency key returns the first result
                (IdempotencyConflict when the request differs; a key recorded for
                another step or case, before its payload is parsed)
    3 version   the expected version (ConcurrencyConflict)
    4 state     the case's state offers the trigger (InvalidTrigger, whatever the payload)
    5 payload   parsed, encoded and size-checked (InvalidPayload)
    6 time      not before the case's last step, nor before the process applies
    7 defaults  completed from the case (the transition's ``prepare``)
    8 party     the responsible party (NotAuthorised)
    9 rules     every rule of the transition in force at the step's time (TransitionDenied)
   10 write     seal the event, fold it into the case (the one fold), append both
                (a registry step recorded once returns its first record instead)

A dry run (``check``, ``explain``) stops after 9 and reports every outcome;
``allowed_triggers`` runs 1, 4 and 8 for each trigger of the state.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

import attrs

from nhvflow import _payload
from nhvflow._log import Log
from nhvflow.engine._fold import Catalogue, apply, backed, project, same_step, to_case
from nhvflow.engine._request import (
    Encoded,
    StoreFacts,
    actor_json,
    check_case_id,
    check_key,
    complete,
    encode_request,
    fingerprint,
    in_recorded_shape,
    outcome,
    utc_iso,
    utcnow,
)
from nhvflow.errors import (
    ConcurrencyConflict,
    IdempotencyConflict,
    IntegrityError,
    InvalidPayload,
    InvalidTrigger,
    NotAuthorised,
    TransitionDenied,
    UnknownCase,
    shown,
)
from nhvflow.events import Fact, MappingCompleted, PilotDesignated, iso, upcast
from nhvflow.model import Actor, Case, Violation, same_area
from nhvflow.rules import RuleOutcome, Step
from nhvflow.rules.nhv import SOCIALSTYRELSEN
from nhvflow.states import Process, Transition
from nhvflow.store._chain import canonical, seal
from nhvflow.store._interface import (
    REGISTRY_STREAM,
    CaseRow,
    NewEvent,
    Store,
    StoredEvent,
)

__all__ = ["Pipeline", "StepRequest", "Taken"]

REGISTRY_PROCESS = "registry"
"""How a registry-wide step names its process in its request fingerprint."""


REGISTRY_STEPS: dict[str, Transition] = {
    "complete_mapping": Transition(
        "complete_mapping",
        (REGISTRY_STREAM,),
        REGISTRY_STREAM,
        SOCIALSTYRELSEN,
        MappingCompleted,
        en="record that the overall mapping is done",
        sv="registrera att kartläggningen är genomförd",
    ),
    "designate_pilot": Transition(
        "designate_pilot",
        (REGISTRY_STREAM,),
        REGISTRY_STREAM,
        SOCIALSTYRELSEN,
        PilotDesignated,
        en="designate a programme area's proposals as pilots",
        sv="utse ett programområdes förslag till piloter",
    ),
}
"""The registry-wide steps, recorded on the stream ``"registry"``; each is
judged by the responsible-party rule of the law in force."""

ONCE = frozenset({"complete_mapping", "designate_pilot"})
"""Registry steps recorded once (a designation once per programme area):
asking again returns the first record."""


@attrs.frozen
class StepRequest:
    """What an entry point asks: a step, as the caller gave it (``at`` already
    checked and in UTC; ``None`` means now, read once the lock is held)."""

    stream: str | None
    trigger: str
    actor: Actor
    payload: Mapping[str, Any]
    at: datetime | None = None
    process: str | None = None
    expected_version: int | None = None
    idempotency_key: str | None = None


@attrs.frozen
class Target:
    """What a step is for: the case before it (``None`` for a new case or a
    registry step), its stream, process and the trigger's transition."""

    stream: str
    row: CaseRow | None
    process: Process
    transition: Transition
    registry: bool = False


@attrs.frozen
class Judged:
    """A step that passed stages 1-7, ready for the party and the rules."""

    target: Target
    fact: Fact
    step: Step
    encoded: Encoded
    when: str
    """The step's business time as the log spells it."""


@attrs.frozen
class Taken:
    """A step written (or the first result of a repeated request)."""

    event: StoredEvent
    case: Case | None


class Pipeline:
    """Judges and writes steps against one store and a catalogue of processes.

    Every method runs inside the caller's transaction (the registry holds the
    write lock, or a read snapshot for a dry run), so a step is judged on the
    state it will be written over.
    """

    def __init__(
        self, store: Store, catalogue: Catalogue, log: Log, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.facts = StoreFacts(store, catalogue)
        self.log = log
        self.clock = clock

    # -- the entry points --------------------------------------------------------------

    def take(self, request: StepRequest) -> Taken:
        """Stages 1-10: judge the step and write it (inside a write transaction)."""
        when = request.at if request.at is not None else self.clock()
        target = self.resolve(request)
        first = self.replay(request, target)
        if first is not None:
            return first
        judged = self.judge(request, target, when)
        self.enforce(judged)
        return self.write(judged, request.idempotency_key)

    def weigh(self, request: StepRequest) -> list[RuleOutcome]:
        """Stages 1 and 3-9 as a dry run: every rule consulted, with its outcome."""
        when = request.at if request.at is not None else self.clock()
        judged = self.judge(request, self.resolve(request), when)
        step = judged.step
        authority = judged.target.process.authority
        outcomes = [outcome(authority, authority.evaluate(step))]
        for rule in judged.target.transition.rules:
            if not rule.in_force(step.at):
                outcomes.append(RuleOutcome(rule, "not in force"))
            else:
                outcomes.append(outcome(rule, rule.evaluate(step)))
        return outcomes

    def allowed(self, case_id: str, actor: Actor, when: datetime) -> list[str]:
        """Stages 1, 4 and 8 for each trigger the case's state offers."""
        row = self.load(case_id)
        process = self.catalogue.process(row.process)
        case = to_case(row)
        allowed = []
        for trigger in process.triggers_from(row.state):
            transition = process.transitions[trigger]
            step = Step(
                case, process.name, trigger, actor, None, when, self.facts, transition.responsible
            )
            if transition.responsible.allows(step) is None:
                allowed.append(trigger)
        return allowed

    # -- the stages --------------------------------------------------------------------

    def load(self, case_id: str) -> CaseRow:
        """The case's projection, checked against its stream: a row that does
        not name its stream's last event, or whose seal does not match, is
        not judged on (:class:`IntegrityError`)."""
        check_case_id(case_id, existing=True)
        row = self.store.load_case(case_id)
        if row is None:
            if self.store.stream_version(case_id):
                raise IntegrityError(
                    None,
                    f"case {case_id!r} has events but no projection; rebuild the projections "
                    "(Registry.rebuild_projections, or `nhvflow rebuild`).",
                )
            raise UnknownCase(case_id)
        return self.checked(row)

    def checked(self, row: CaseRow) -> CaseRow:
        """``row`` (read with its stream's head), once the log backs it:
        its seal matches it and names its stream's last event, or, a row
        without a seal (a log written before rows were sealed), it equals a
        fold of its stream. :class:`IntegrityError` naming the case
        otherwise: a row the log does not back is never judged on, nor
        listed (``cases``, ``due``)."""
        if backed(row):
            return row
        if not row.seal:  # a row of a log written before rows were sealed: fold its stream
            folded = self.catalogue.fold(self.store.events(row.id))
            if folded is not None and same_step(folded, row):
                # judged on the fold, in today's shape: an older fold wrote fewer keys
                return attrs.evolve(folded, head=row.head)
        what = "has no events" if row.head is None else "does not match its events"
        raise IntegrityError(
            None,
            f"the projection of case {row.id!r} {what} (version {row.version}, last event "
            f"{row.head[0] if row.head else None}); it was changed outside nhvflow. Nothing "
            "was judged; verify the log and rebuild the projections.",
        )

    def cases(self, state: str | None, process: str | None) -> Iterator[CaseRow]:
        """The case rows of a state and process (``None``: any), in order of
        creation, each checked against the log (:meth:`checked`). The store
        also hands over every row whose stream the log puts in that state or
        process (its last step may lead there, its first step creates cases
        of it), so that a row edited out of the filter is refused here
        rather than left out; the rows are then kept by their checked state
        and process."""
        rows = self.store.cases(self.catalogue.case_query(state, process))
        return (
            row
            for row in map(self.checked, rows)
            if (state is None or row.state == state) and (process is None or row.process == process)
        )

    def resolve(self, request: StepRequest) -> Target:
        """Stage 1: the case, its process and the trigger's transition."""
        trigger = request.trigger
        if request.stream == REGISTRY_STREAM and request.process == REGISTRY_PROCESS:
            nhv = self.catalogue.process("nhv")
            return Target(REGISTRY_STREAM, None, nhv, REGISTRY_STEPS[trigger], registry=True)
        if request.process is not None:  # a new case
            process = self.catalogue.known(request.process)
            stream = request.stream if request.stream is not None else str(uuid.uuid4())
            check_case_id(stream)
            if self.store.stream_version(stream):
                if not self._repeats_creation(request, stream):
                    raise InvalidPayload(
                        "case_id", f"a case {stream!r} already exists; choose another id."
                    )
            elif self.store.load_case(stream) is not None:  # a row with no events: no case
                raise IntegrityError(
                    None,
                    f"the projection of case {stream!r} has no events: it was written outside "
                    "nhvflow, and is no case. Nothing was written; verify the log and rebuild "
                    "the projections (Registry.rebuild_projections, or `nhvflow rebuild`).",
                )
            return Target(stream, None, process, process.creation)
        assert request.stream is not None
        row = self.load(request.stream)
        process = self.catalogue.process(row.process)
        transition = process.transition(trigger) if isinstance(trigger, str) else None  # type: ignore[redundant-expr]
        if transition is None or transition.creates:
            raise InvalidTrigger(
                trigger if isinstance(trigger, str) else shown(trigger),  # type: ignore[redundant-expr]
                case_id=row.id,
                state=row.state,
                process=process.name,
                available=process.triggers_from(row.state),
                known=False,
            )
        return Target(row.id, row, process, transition)

    def _repeats_creation(self, request: StepRequest, stream: str) -> bool:
        """Whether a submission under an id taken already is a repeat of the
        one that created it (its idempotency key recorded that event): stage
        2 then answers it with the first result, or an IdempotencyConflict."""
        key = request.idempotency_key
        first = None if key is None else self.store.event_by_key(check_key(key))
        return first is not None and first.stream_id == stream and first.version == 1

    def replay(self, request: StepRequest, target: Target) -> Taken | None:
        """Stage 2: the first result of a repeated request, or ``None``."""
        key = request.idempotency_key
        previous = None if key is None else self.store.event_by_key(check_key(key))
        if previous is None or key is None:
            return None
        # A key recorded for another step or case conflicts whatever the payload: judged
        # before the payload is parsed, so that a trigger the state does not offer is not
        # answered about its payload (stage 4 comes before 5).
        _, stream = self._scope(request, target)
        other_step = previous.type != target.transition.event.type
        other_case = stream is not None and previous.stream_id != stream  # None: a new id
        if other_step or other_case:
            raise IdempotencyConflict(key, previous.position)
        fact = _payload.parse(target.transition.event, request.payload)
        moment = None if request.at is None else utc_iso(request.at)
        encoded = self.encode(request, target, fact, moment)
        if previous.request_hash != encoded.hash and not self._repeats_older(
            previous, target, request, encoded, moment
        ):
            raise IdempotencyConflict(key, previous.position)
        if previous.stream_id == REGISTRY_STREAM:
            return Taken(previous, None)
        row = self.catalogue.fold(
            self.store.events(previous.stream_id, max_version=previous.version)
        )
        return Taken(previous, None if row is None else to_case(row))

    def _repeats_older(
        self,
        previous: StoredEvent,
        target: Target,
        request: StepRequest,
        encoded: Encoded,
        moment: str | None,
    ) -> bool:
        """Whether ``request`` repeats one recorded at an earlier schema version
        of its event (by an earlier nhvflow): fingerprinted in that shape, it
        is the first request's."""
        cls = target.transition.event
        if previous.schema_version >= cls.schema_version:
            return False
        upcast_recorded = upcast(cls, previous.payload, previous.schema_version)
        shaped = in_recorded_shape(encoded.payload, previous.payload, upcast_recorded)
        if shaped is None:
            return False
        name, stream = self._scope(request, target)
        again = fingerprint(
            name, stream or "", target.transition.trigger, request.actor, canonical(shaped), moment
        )
        return previous.request_hash == again

    def judge(self, request: StepRequest, target: Target, when: datetime) -> Judged:
        """Stages 3-7: version, state, payload, time and defaults."""
        row, process, transition = target.row, target.process, target.transition
        if request.expected_version is not None:
            version = row.version if row is not None else 0
            if request.expected_version != version:
                raise ConcurrencyConflict(target.stream, request.expected_version, version)
        if row is not None and row.state not in transition.source:
            raise InvalidTrigger(
                transition.trigger,
                case_id=row.id,
                state=row.state,
                process=process.name,
                available=process.triggers_from(row.state),
                known=True,
            )
        fact = _payload.parse(transition.event, request.payload)
        when_text = utc_iso(when)  # the step's one ISO text: fingerprint, order, event
        encoded = self.encode(request, target, fact, None if request.at is None else when_text)
        if row is not None and when_text < row.updated_at:
            raise InvalidPayload(
                "at",
                f"the step is dated {iso(when)}, before the case's previous step "
                f"({row.updated_at}); steps are recorded in business-time order.",
            )
        check_in_force(process, when)  # a registry step too: a fact of the NHV process
        case = None if row is None else to_case(row)
        fact = complete(transition, fact, case, when)
        step = Step(
            case,
            process.name,
            transition.trigger,
            request.actor,
            fact,
            when,
            self.facts,
            transition.responsible,
        )
        return Judged(target, fact, step, encoded, when_text)

    def enforce(self, judged: Judged) -> None:
        """Stages 8 and 9: :class:`NotAuthorised` or :class:`TransitionDenied`
        (with every violation of the rules in force) unless the step is allowed."""
        step, target = judged.step, judged.target
        case_id = None if target.registry else target.stream
        state = target.row.state if target.row is not None else None
        denied = target.process.authority.evaluate(step)
        if denied:
            self.refused(case_id, step.trigger, step.actor, denied)
            raise NotAuthorised(denied, case_id=case_id, trigger=step.trigger, state=state)
        violations = [
            v
            for rule in target.transition.rules
            if rule.in_force(step.at)
            for v in rule.evaluate(step)
        ]
        if violations:
            self.refused(case_id, step.trigger, step.actor, violations)
            raise TransitionDenied(violations, case_id=case_id, trigger=step.trigger, state=state)

    def write(self, judged: Judged, key: str | None) -> Taken:
        """Stage 10: seal the event, fold it into the case and append both (a
        registry step recorded once returns its first record instead)."""
        step, fact, target, encoded = judged.step, judged.fact, judged.target, judged.encoded
        if target.registry and step.trigger in ONCE:
            first = self._recorded_once(target, fact)
            if first is not None:
                return first
        if fact is encoded.fact:  # not completed by prepare: the request's encoding stands
            payload, payload_text = encoded.payload, encoded.payload_text
        else:
            payload = fact.to_json()
            payload_text = None
        version = (target.row.version if target.row is not None else 0) + 1
        if target.registry:
            version = self.store.stream_version(REGISTRY_STREAM) + 1
        actor, actor_text = actor_json(step.actor)
        sealed = seal(
            NewEvent(
                target.stream,
                version,
                fact.type,
                fact.schema_version,
                actor,
                payload,
                judged.when,
                key,
                encoded.hash,
                actor_text=actor_text,
                payload_text=payload_text,
            ),
            self.store.tail(),
            utc_iso(utcnow()),
        )
        event = sealed.event
        if target.registry:
            self.store.append(sealed, None)
            facts = self.catalogue.registry_facts(self.store.events(REGISTRY_STREAM))
            for name, value in facts.items():
                self.store.set_fact(name, value)
            self.log.info("registry_step", trigger=step.trigger, actor_role=step.actor.role.value)
            return Taken(event, None)
        row = apply(target.process, target.row, event, step.actor, step.at, parsed=True)
        trigger = None if target.row is None else step.trigger
        self.store.append(
            sealed, project(target.process, row, event.hash, trigger=trigger, before=target.row)
        )
        if self.log.enabled(logging.DEBUG):  # nothing gathered for a filtered level
            self.log.debug(
                "step_accepted",
                case_id=row.id,
                trigger=step.trigger,
                actor_role=step.actor.role.value,
                outcome="accepted",
                version=row.version,
                state=row.state,
            )
        return Taken(event, to_case(row))

    # -- helpers -----------------------------------------------------------------------

    def encode(
        self, request: StepRequest, target: Target, fact: Fact, moment: str | None
    ) -> Encoded:
        """The request encoded once: its fingerprint and the payload's JSON
        (``moment``: the ISO text of the request's ``at``, if it gave one)."""
        name, stream = self._scope(request, target)
        return encode_request(
            stream or "", target.transition.trigger, request.actor, fact, moment, name
        )

    @staticmethod
    def _scope(request: StepRequest, target: Target) -> tuple[str, str | None]:
        """The process a request is fingerprinted under, and its stream
        (``None``: a new case whose id the engine draws)."""
        name = REGISTRY_PROCESS if target.registry else target.process.name
        stream = target.stream if target.row is not None or target.registry else request.stream
        return name, stream

    def _recorded_once(self, target: Target, fact: Fact) -> Taken | None:
        area = getattr(fact, "programme_area", None)  # a pilot designation: per area
        for stored in self.store.events(REGISTRY_STREAM):
            if stored.type == target.transition.event.type and (
                area is None or same_area(area, _text(stored.payload.get("programme_area")))
            ):
                return Taken(stored, None)
        return None

    def refused(
        self, case_id: str | None, trigger: str, actor: Actor, violations: list[Violation]
    ) -> None:
        """Log a refusal (at info, with the rule ids), if that level is shown."""
        if not self.log.enabled(logging.INFO):
            return
        self.log.info(
            "step_refused",
            case_id=case_id,
            trigger=trigger,
            actor_role=actor.role.value,
            outcome="refused",
            rules=sorted({v.rule for v in violations}),
        )


def _text(value: object) -> str | None:
    """A stored field that should be text, or ``None`` when it is not."""
    return value if isinstance(value, str) else None


def check_in_force(process: Process, when: datetime) -> None:
    """Refuse a step dated before its process applies."""
    if process.in_force_from is not None and when.date() < process.in_force_from:
        raise InvalidPayload(
            "at",
            f"process {process.name!r} applies from {process.in_force_from}; a step dated "
            f"{when.date()} falls before it.",
        )
