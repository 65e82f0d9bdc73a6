"""The engine: :class:`Registry` takes the write lock, has the step judged
(:class:`nhvflow._judge.Judge`: the case, the payload, the responsible party
and the rules), moves the shared state machine and appends the event with its
projection in one transaction. :func:`open_registry` (``nhvflow.open``) opens
one.

Every step goes the same way::

    parse payload -> (idempotent replay?) -> expected version -> state allows trigger
    -> complete defaults -> responsible party -> the step's rules -> machine -> append

and nothing is written unless every check passed.

.. versionadded:: 0.1
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import datetime
from pathlib import Path
from typing import Any

import structlog

from nhvflow import _payload
from nhvflow._judge import Judge
from nhvflow._records import REGISTRY_STREAM, CaseRow, NewEvent, Store, VerifyReport, canonical
from nhvflow._replay import (
    MAPPING_FACT,
    Catalogue,
    replayed,
    to_case,
    to_event,
    verify_projections,
)
from nhvflow._steps import (
    MAX_PAYLOAD_BYTES,
    Judged,
    actor_json,
    as_actor,
    aware,
    check_case_id,
    encode_request,
    utc_iso,
    utcnow,
)
from nhvflow._targets import is_postgres_url
from nhvflow._typed import unpack, unpack_creation
from nhvflow.errors import (
    IdempotencyConflict,
    IntegrityError,
    InvalidPayload,
    NotAuthorised,
    UnknownCase,
)
from nhvflow.events import Fact, MappingCompleted, Meta, iso
from nhvflow.model import Actor, Case, Event, Role, Violation
from nhvflow.rules import Responsibility, RuleOutcome, Step
from nhvflow.states import Process, builtin_processes
from nhvflow.store import Durability, SQLiteStore

__all__ = ["MAX_PAYLOAD_BYTES", "Registry", "open_registry"]

Clock = Callable[[], datetime]


class Registry:
    """A registry of cases over one event store.

    Open one with :func:`nhvflow.open`. A registry is safe to share between
    threads (writes are serialised); several processes may open the same
    SQLite file.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        store: Store,
        *,
        process: str = "nhv",
        processes: Iterable[Process] = (),
        logger: Any = None,
        clock: Clock | None = None,
    ) -> None:
        known = builtin_processes()
        for extra in processes:
            known[extra.name] = extra
        self._catalogue = Catalogue(known)
        if process not in known:
            raise ValueError(f"unknown process {process!r}; known: {', '.join(sorted(known))}")
        self.default_process = process
        self.store = store
        self._log = logger if logger is not None else structlog.get_logger("nhvflow")
        self._judge = Judge(store, self._catalogue, self._log)
        self._facts = self._judge.facts
        self._clock: Clock = clock or utcnow

    # -- the public steps ------------------------------------------------------------

    def submit(
        self,
        actor: Actor,
        submission: Fact | None = None,
        *,
        process: str | None = None,
        case_id: str | None = None,
        idempotency_key: str | None = None,
        at: datetime | str | None = None,
        **payload: Any,
    ) -> Case:
        """Create a case (step 1 under ``nhv``: an NPO proposes a care area).

        ``payload`` is the creating step's fields (under ``nhv``: ``title``,
        ``programme_area``, ``care_measures``, ``advisory``,
        ``nominated_experts``, ``pilot``). ``case_id`` may be given (e.g. by a
        simulation with seeded ids); by default a UUID is drawn.

        ``submission``: the creating step as an object instead of keywords
        (``reg.submit(npo, Submit(title=..., programme_area=...))``, see
        :mod:`nhvflow.steps`); it chooses the process.
        """
        name, payload = unpack_creation(
            self._catalogue, submission, process, self.default_process, payload
        )
        regime = self._catalogue.process(name)
        given = self._given(at)
        actor = as_actor(actor)
        transition = regime.creation
        fact = _payload.parse(transition.event, payload)
        request = encode_request(case_id or "", transition.trigger, actor, fact, at, regime.name)
        with self.store.write():
            when = self._moment(given)
            if idempotency_key is not None:
                replay = self._judge.replay(idempotency_key, request.hash)
                if replay is not None:
                    return replay
            new_id = case_id if case_id is not None else str(uuid.uuid4())
            check_case_id(new_id)
            if self.store.load_case(new_id) is not None or self.store.stream_version(new_id):
                raise InvalidPayload(
                    "case_id", f"a case {new_id!r} already exists; choose another id."
                )
            if transition.prepare is not None:
                fact = transition.prepare(fact, None, when)
            step = Step(
                None,
                regime.name,
                transition.trigger,
                actor,
                fact,
                when,
                self._facts,
                transition.responsible,
            )
            judged = Judged(None, regime, transition, fact, step, request)
            self._judge.enforce(judged, new_id)
            return self._append(judged, new_id, idempotency_key)

    def fire(
        self,
        case_id: str,
        trigger: str | Fact,
        actor: Actor,
        *,
        expected_version: int | None = None,
        idempotency_key: str | None = None,
        at: datetime | str | None = None,
        **payload: Any,
    ) -> Case:
        """Take one step of a case and return the case after it.

        Raises :class:`NotAuthorised` when the actor is not the responsible
        party, :class:`TransitionDenied` (with every violation) when a rule
        refuses, :class:`InvalidTrigger`, :class:`InvalidPayload`,
        :class:`UnknownCase` or :class:`ConcurrencyConflict`; in every such
        case nothing is written.

        ``expected_version``: refuse unless the case is at this version.
        ``idempotency_key``: repeating the same request returns the first
        result and writes nothing. ``at``: the business time of the step
        (timezone-aware; default now).

        ``trigger`` may be the step as an object instead of a name and
        keywords: ``fire(case_id, Decide(units=2), sos)`` is
        ``fire(case_id, "decide", sos, units=2)``, checked by a type checker
        (see :mod:`nhvflow.steps`).
        """
        trigger, payload = unpack(trigger, payload, case_id, self._process_of)
        given = self._given(at)
        actor = as_actor(actor)
        with self.store.write():
            when = self._moment(given)
            judged = self._judge.step(
                case_id, trigger, actor, payload, when, at, expected_version, idempotency_key
            )
            if isinstance(judged, Case):
                return judged
            self._judge.enforce(judged, case_id)
            return self._append(judged, case_id, idempotency_key)

    def check(
        self,
        case_id: str,
        trigger: str | Fact,
        actor: Actor,
        *,
        at: datetime | str | None = None,
        **payload: Any,
    ) -> list[Violation]:
        """A dry run of :meth:`fire`: every violation the step would meet
        (the responsible-party rule's included), ``[]`` when it is allowed.
        Writes nothing. Raises for an unknown case, trigger or bad payload."""
        return [
            v for o in self.explain(case_id, trigger, actor, at=at, **payload) for v in o.violations
        ]

    def explain(
        self,
        case_id: str,
        trigger: str | Fact,
        actor: Actor,
        *,
        at: datetime | str | None = None,
        **payload: Any,
    ) -> list[RuleOutcome]:
        """Every rule consulted for the step, with its outcome: ``passed``,
        ``failed`` (with its violations) or ``not in force`` at the step's
        business time. ``trigger`` may be a step object, as for :meth:`fire`."""
        trigger, payload = unpack(trigger, payload, case_id, self._process_of)
        when = self._moment(at)
        actor = as_actor(actor)
        with self.store.read():
            judged = self._judge.step(case_id, trigger, actor, payload, when, at, None, None)
        assert not isinstance(judged, Case)
        return self._judge.outcomes(judged)

    def allowed_triggers(
        self, case_id: str, actor: Actor, *, at: datetime | str | None = None
    ) -> list[str]:
        """The triggers available from the case's state that ``actor`` is
        the responsible party for. The step's own rules are judged when it
        is fired (or by :meth:`check` with its payload)."""
        when = self._moment(at)
        actor = as_actor(actor)
        row = self._judge.load(case_id)
        process = self._catalogue.process(row.process)
        case = to_case(row)
        allowed = []
        for trigger in process.triggers_from(row.state):
            transition = process.transitions[trigger]
            step = Step(
                case, process.name, trigger, actor, None, when, self._facts, transition.responsible
            )
            if transition.responsible.allows(step) is None:
                allowed.append(trigger)
        return allowed

    def complete_mapping(
        self,
        actor: Actor,
        *,
        at: datetime | str | None = None,
        note: str = "",
        idempotency_key: str | None = None,
    ) -> Event:
        """Record that the overall mapping (kartläggning) of all proposals
        is done (Socialstyrelsen only). From its business time on, expert
        groups may be appointed for proposals that are not pilots.

        Recording it again returns the first record and writes nothing.
        """
        when = self._moment(at)
        actor = as_actor(actor)
        fact = _payload.parse(MappingCompleted, {"note": note})
        nhv = self._catalogue.process("nhv") if "nhv" in self._catalogue.processes else None
        responsible = Responsibility(Role.SOCIALSTYRELSEN, "Socialstyrelsen", "Socialstyrelsen")
        step = Step(None, "nhv", "complete_mapping", actor, fact, when, self._facts, responsible)
        authority = nhv.authority if nhv is not None else None
        refusal = responsible.allows(step)
        if refusal is not None:
            violations = (
                [authority.violation(refusal)]
                if authority is not None
                else [Violation("responsible-party", "", refusal.en, refusal.sv, refusal.criterion)]
            )
            self._judge.refused(None, "complete_mapping", actor, violations)
            raise NotAuthorised(violations, case_id=None, trigger="complete_mapping", state=None)
        request = encode_request(
            REGISTRY_STREAM, "complete_mapping", actor, fact, at, "registry"
        ).hash
        with self.store.write():
            if idempotency_key is not None:
                previous = self.store.event_by_key(idempotency_key)
                if previous is not None:
                    if previous.request_hash != request:
                        raise IdempotencyConflict(idempotency_key, previous.position)
                    return to_event(previous, self._catalogue)
            existing = next(iter(self.store.events(REGISTRY_STREAM)), None)
            if existing is not None:
                return to_event(existing, self._catalogue)
            version = self.store.stream_version(REGISTRY_STREAM) + 1
            stored = self.store.append(
                NewEvent(
                    REGISTRY_STREAM,
                    version,
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
            self.store.set_fact(MAPPING_FACT, iso(when))
        self._log.info("mapping_completed", actor_role=actor.role.value, at=iso(when))
        return to_event(stored, self._catalogue)

    # -- reading ---------------------------------------------------------------------

    def get(self, case_id: str, *, as_of: datetime | str | None = None) -> Case:
        """The case as it stands, or as it stood at business time ``as_of``."""
        if as_of is None:
            return to_case(self._judge.load(case_id))
        moment = aware(as_of, "as_of")
        with self.store.read():
            row = self._catalogue.fold(self.store.events(case_id, until=iso(moment)))
        if row is None:
            self._judge.load(case_id)  # raises UnknownCase when it never existed
            raise UnknownCase(case_id, f" at {iso(moment)} (it was submitted later)")
        return to_case(row)

    def history(self, case_id: str) -> list[Event]:
        """Every event of the case, in order."""
        events = [to_event(e, self._catalogue) for e in self.store.events(case_id)]
        if not events:
            raise UnknownCase(case_id)
        return events

    def events(self) -> Iterator[Event]:
        """Every event of the log, in order of position."""
        for stored in self.store.events():
            yield to_event(stored, self._catalogue)

    def cases(self, *, state: str | None = None, process: str | None = None) -> Iterator[Case]:
        """The cases, in order of submission, optionally of one state or process."""
        for row in self.store.cases(state=state, process=process):
            yield to_case(row)

    def mapping_completed_at(self) -> datetime | None:
        """When the overall mapping was recorded as done, if it was."""
        return self._facts.mapping_completed_at()

    def process(self, name: str | None = None) -> Process:
        """A process definition this registry knows (default: its default regime)."""
        return self._catalogue.process(name or self.default_process)

    @property
    def processes(self) -> dict[str, Process]:
        """Every process this registry knows, by name."""
        return dict(self._catalogue.processes)

    # -- the log as a whole ----------------------------------------------------------

    def verify(self, *, strict: bool = False, projections: bool = False) -> VerifyReport:
        """Check the hash chain, positions, versions and append-only
        triggers of the whole log; with ``projections=True`` also that every
        case's projection equals a replay of its events.

        Never raises on a damaged log, unless ``strict=True``: then
        :class:`IntegrityError` names the first bad position.
        """
        report = self.store.verify()
        if projections and report.first_bad_position is None:
            report = verify_projections(self._catalogue, self.store, report)
        if strict and not report.ok:
            raise IntegrityError(report.first_bad_position, str(report))
        return report

    def rebuild_projections(self) -> int:
        """Rebuild every projection from the events; returns the number of cases.

        The result is identical to the live projections (they come from the
        same fold).
        """
        count = 0

        def counted() -> Iterator[CaseRow]:
            nonlocal count
            for row in replayed(self._catalogue, self.store):
                count += 1
                yield row

        with self.store.write():
            facts = self._catalogue.registry_facts(self.store.events(REGISTRY_STREAM))
            self.store.replace_projections(counted(), facts)
        self._log.info("projections_rebuilt", cases=count)
        return count

    def batch(self) -> AbstractContextManager[None]:
        """Group many steps into one transaction (simulations, imports).

        Each step inside still runs in its own savepoint: a refused or
        failed step leaves no trace and the others stand. Everything is
        committed when the block ends.
        """
        return self.store.write()

    def close(self) -> None:
        """Close the underlying store."""
        self.store.close()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals -------------------------------------------------------------------

    def _process_of(self, case_id: str) -> tuple[Process, str]:
        row = self._judge.load(case_id)
        return self._catalogue.process(row.process), row.state

    def _moment(self, at: datetime | str | None) -> datetime:
        return self._clock() if at is None else aware(at, "at")

    @staticmethod
    def _given(at: datetime | str | None) -> datetime | None:
        """``at`` checked before the write lock is taken; a step without one is
        dated by :meth:`_moment` once the lock is held, so that a step that
        waited for another writer is not dated before that writer's step."""
        return None if at is None else aware(at, "at")

    def _append(self, judged: Judged, case_id: str, key: str | None) -> Case:
        step, fact, process, request = judged.step, judged.fact, judged.process, judged.request
        if fact is request.fact:  # not completed by prepare: the request's encoding stands
            payload, payload_text = request.payload, request.payload_text
        else:
            payload = fact.to_json()
            payload_text = canonical(payload)
        if judged.row is None:
            state, version, data = process.initial, 1, {}
        else:
            state = process.next_state(step.trigger, judged.row.state)
            version, data = judged.row.version + 1, judged.row.data
        occurred = utc_iso(step.at)
        type(fact).fold(payload, data, Meta(case_id, step.actor, step.at, version, when=occurred))
        row = CaseRow(case_id, process.name, state, version, data, occurred)
        actor, actor_text = actor_json(step.actor)
        self.store.append(
            NewEvent(
                case_id,
                version,
                fact.type,
                fact.schema_version,
                actor,
                payload,
                occurred,
                key,
                request.hash,
                actor_text=actor_text,
                payload_text=payload_text,
            ),
            row,
            permits_changed=fact.touches_permits,
        )
        self._log.debug(
            "step_accepted",
            case_id=case_id,
            trigger=step.trigger,
            actor_role=step.actor.role.value,
            outcome="accepted",
            version=version,
            state=state,
        )
        return to_case(row)


def open_registry(
    path: str | Path = ":memory:",
    *,
    process: str = "nhv",
    durability: Durability = "full",
    busy_timeout: float = 5.0,
    readonly: bool = False,
    processes: Iterable[Process] = (),
    logger: Any = None,
    clock: Clock | None = None,
) -> Registry:
    """Open a registry on an SQLite file (created if missing), in memory, or
    on a PostgreSQL database.

    :param path: a file path, ``":memory:"`` (the default), or a PostgreSQL
        URL (``postgresql://user@host/db``; needs the extra
        ``nhvflow[postgres]``), which chooses the PostgreSQL store.
    :param process: the default regime for :meth:`Registry.submit`.
    :param durability: ``"full"`` (default; a commit survives power loss) or
        ``"normal"`` (survives a process crash; for simulations).
    :param busy_timeout: seconds a writer waits for another writer
        (PostgreSQL: for the log's advisory lock).
    :param readonly: open an existing log for reading only (no WAL switch, no
        schema, no warning about concurrent writers; steps raise
        :class:`~nhvflow.errors.ReadOnlyLog`).
    :param processes: further process definitions beside the built-in ones.
        A definition named like a built-in (``"nhv"``, ``"kc-proposal"``,
        ...) takes its place in this registry, e.g. a copy with one rule
        swapped by :func:`nhvflow.testing.replace_rule`; cases already in the
        log are then read and judged by it.
    :param logger: a structlog-style logger (default
        ``structlog.get_logger("nhvflow")``).
    :param clock: where "now" comes from when a step has no ``at=``.

    .. versionadded:: 0.1
    """
    if durability not in ("full", "normal"):
        raise ValueError(f"durability must be 'full' or 'normal' (got {durability!r})")
    store: Store
    if is_postgres_url(path):
        from nhvflow.store_postgres import PostgresStore  # psycopg only when asked for

        store = PostgresStore(
            path, durability=durability, busy_timeout=busy_timeout, readonly=readonly, logger=logger
        )
    else:
        store = SQLiteStore(
            path, durability=durability, busy_timeout=busy_timeout, readonly=readonly, logger=logger
        )
    try:
        return Registry(store, process=process, processes=processes, logger=logger, clock=clock)
    except BaseException:
        store.close()
        raise
