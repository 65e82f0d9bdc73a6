"""The :class:`Registry`, the public face of a log. Every step, from every
entry point, goes through the one pipeline of :mod:`nhvflow.engine._pipeline`
(its order is stated there, once); the registry only takes the lock the step
needs and turns what the pipeline returns into public values.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

from nhvflow._log import structured
from nhvflow.engine import _deadlines, _decision
from nhvflow.engine._checks import (
    a_flag,
    a_logger,
    a_version,
    an_id,
    an_optional_key,
    clock_moment,
    optional_text,
    process_name,
)
from nhvflow.engine._feed import check_page
from nhvflow.engine._fold import Catalogue, project, replayed, to_case, to_event, verify_projections
from nhvflow.engine._pipeline import REGISTRY_PROCESS, Pipeline, StepRequest
from nhvflow.engine._request import as_actor, aware, check_case_id, utcnow
from nhvflow.engine._typed import unpack, unpack_creation
from nhvflow.errors import IntegrityError, InvalidPayload, UnknownCase, shown
from nhvflow.events import Fact, iso
from nhvflow.model import Actor, Case, Event, Violation
from nhvflow.rules import RuleOutcome
from nhvflow.states import Process, builtin_processes
from nhvflow.store._interface import REGISTRY_STREAM, Projection, Store, VerifyReport

__all__ = ["Clock", "Registry", "known_processes"]

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
        known = known_processes(processes)
        self._catalogue = Catalogue(known)
        self.default_process = process_name(process, known)
        a_logger(logger)
        if clock is not None and not callable(clock):
            raise InvalidPayload("clock", "must be a function returning a datetime, or None.")
        self.store = store
        self._log = structured(logger)
        self._clock: Clock = clock or utcnow
        self._pipeline = Pipeline(store, self._catalogue, self._log, self._now)

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
        if process is not None:
            process_name(process, self._catalogue.processes)
        regime, payload = unpack_creation(
            self._catalogue, submission, process, self.default_process, payload
        )
        if case_id is not None:
            check_case_id(case_id)
        request = StepRequest(
            case_id, "submit", as_actor(actor), payload, self._given(at), regime, None,
            an_optional_key(idempotency_key),
        )  # fmt: skip
        return self._take(request)

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
        :class:`UnknownCase`, :class:`ConcurrencyConflict`,
        :class:`IdempotencyConflict` (a key repeated with another request),
        :class:`IntegrityError` (the case's projection is not backed by the
        log), :class:`StoreBusy`, :class:`ReadOnlyLog` or :class:`StoreError`;
        in every such case nothing is written.

        ``expected_version``: refuse unless the case is at this version.
        ``idempotency_key``: repeating the same request returns the first
        result and writes nothing. ``at``: the business time of the step
        (timezone-aware; default now).

        ``trigger`` may be the step as an object instead of a name and
        keywords: ``fire(case_id, Decide(units=2), sos)`` is
        ``fire(case_id, "decide", sos, units=2)``, checked by a type checker
        (see :mod:`nhvflow.steps`).
        """
        an_id(case_id)
        trigger, payload = unpack(trigger, payload, case_id, self._process_of)
        request = StepRequest(
            case_id, trigger, as_actor(actor), payload, self._given(at), None,
            a_version(expected_version), an_optional_key(idempotency_key),
        )  # fmt: skip
        return self._take(request)

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
        (the responsible-party rule's included), ``[]`` when it is allowed,
        judged at business time ``at`` (default now). Writes nothing. Raises
        as :meth:`fire` does for an unknown case, trigger or bad payload."""
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
        business time ``at`` (default now). ``trigger`` may be a step object,
        as for :meth:`fire`. Writes nothing."""
        an_id(case_id)
        trigger, payload = unpack(trigger, payload, case_id, self._process_of)
        request = StepRequest(case_id, trigger, as_actor(actor), payload, self._given(at))
        with self.store.read():
            return self._pipeline.weigh(request)

    def allowed_triggers(
        self, case_id: str, actor: Actor, *, at: datetime | str | None = None
    ) -> list[str]:
        """The triggers available from the case's state that ``actor`` is
        the responsible party for at business time ``at`` (default now). The
        step's own rules are judged when it is fired (or by :meth:`check`
        with its payload)."""
        an_id(case_id)
        when = self._moment(at)
        actor = as_actor(actor)
        with self.store.read():
            return self._pipeline.allowed(case_id, actor, when)

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

        ``at``: its business time (default now); ``note``: free text kept
        with the record; ``idempotency_key``: as for :meth:`fire`. Recording
        it again returns the first record and writes nothing. Raises
        :class:`NotAuthorised` for any other actor, and :class:`InvalidPayload`
        for a bad ``note`` or ``at``.
        """
        request = StepRequest(
            REGISTRY_STREAM, "complete_mapping", as_actor(actor), {"note": note},
            self._given(at), REGISTRY_PROCESS, None, an_optional_key(idempotency_key),
        )  # fmt: skip
        with self.store.write():
            taken = self._pipeline.take(request)
        return to_event(taken.event, self._catalogue)

    def designate_pilot(
        self,
        actor: Actor,
        *,
        programme_area: str,
        reason: str = "",
        at: datetime | str | None = None,
        idempotency_key: str | None = None,
    ) -> Event:
        """Record that Socialstyrelsen designated ``programme_area``'s
        proposals as pilots (Socialstyrelsen only): from its business time on,
        their expert groups may be appointed during the mapping pause, and
        proposals of the area may be submitted with ``pilot=True``. The two
        areas Socialstyrelsen's page marks "(Pilot)" need no designation.

        Designating an area again returns the first record and writes nothing.

        .. versionadded:: 0.2
        """
        request = StepRequest(
            REGISTRY_STREAM, "designate_pilot", as_actor(actor),
            {"programme_area": programme_area, "reason": reason}, self._given(at),
            REGISTRY_PROCESS, None, idempotency_key,
        )  # fmt: skip
        with self.store.write():
            taken = self._pipeline.take(request)
        return to_event(taken.event, self._catalogue)

    # -- reading ---------------------------------------------------------------------

    def get(self, case_id: str, *, as_of: datetime | str | None = None) -> Case:
        """The case as it stands, or as it stood at business time ``as_of``."""
        check_case_id(case_id, existing=True)
        if as_of is None:
            with self.store.read():
                return to_case(self._pipeline.load(case_id))
        moment = aware(as_of, "as_of")
        with self.store.read():
            row = self._catalogue.fold(self.store.events(case_id, until=iso(moment)))
            if row is None:
                self._pipeline.load(case_id)  # raises UnknownCase when it never existed
        if row is None:
            raise UnknownCase(case_id, f" at {iso(moment)} (it was submitted later)")
        return to_case(row)

    def history(self, case_id: str) -> list[Event]:
        """Every event of the case, in order."""
        check_case_id(case_id, existing=True)
        events = [to_event(e, self._catalogue) for e in self.store.events(case_id)]
        if not events:
            raise UnknownCase(case_id)
        return events

    def events(self, since: int = 0, limit: int = 1000) -> list[Event]:
        """The events after position ``since`` (0: from the start), in log
        order, at most ``limit`` (1 to 10,000): a feed for integration
        consumers, who read the next page from the last event's position.
        :class:`InvalidPayload` for a ``since`` that is negative or past
        the largest position a log can hold (2**63 - 1), or a ``limit`` out
        of range.

        .. versionchanged:: 0.1
           A list, one page of the log (it was an iterator over the whole log).
        """
        check_page(since, limit)
        return [
            to_event(stored, self._catalogue)
            for stored in self.store.events(since=since, limit=limit)
        ]

    def cases(self, *, state: str | None = None, process: str | None = None) -> list[Case]:
        """The cases, in order of submission, optionally of one state or process.

        .. versionchanged:: 0.1
           A list, as :meth:`history` is (it was an iterator).
        """
        state = optional_text(state, "state")
        process = optional_text(process, "process")
        with self.store.read():
            return [to_case(row) for row in self._pipeline.cases(state, process)]

    def due(
        self, as_of: date | datetime | str | None = None, actor: Actor | None = None
    ) -> list[_deadlines.Due]:
        """What is due, as of the day ``as_of`` (default: today, in UTC, by
        the registry's clock): every obligation of the time limits the regimes
        declare, with the case, the step, who must take it, by which day,
        whether it is overdue and the source. Overdue first, then by date.
        ``actor`` keeps what that party is responsible for. Read from the
        case projection, not the event log.

        ``as_of`` is a date, a timezone-aware datetime (its day in UTC, the
        day the rules judge a step taken at that moment on) or ISO text of
        either (``"2025-09-01"``), read whole; anything else is
        :class:`InvalidPayload` naming ``as_of``. A yearly duty that would
        fall due past the calendar (after 9999-12-31) is not listed: no day
        that can be asked about is past it.

        .. versionadded:: 0.2
        """
        items = self.iter_due(as_of, actor)  # the arguments checked before the read
        with self.store.read():  # every state's cases from one state of the log
            return _deadlines.in_order(items)

    def iter_due(
        self, as_of: date | datetime | str | None = None, actor: Actor | None = None
    ) -> Iterator[_deadlines.Due]:
        """The obligations :meth:`due` lists, in no particular order, read as
        the cases stream past a page at a time: to count or filter what is
        due in a large registry without holding every case in memory
        (``sum(d.overdue for d in reg.iter_due(day))``). The arguments are
        checked at the call. Unlike :meth:`due`, which reads every state from
        one snapshot of the log, the pages are read one by one, so a case
        another writer moves meanwhile may show in both of its states.

        .. versionadded:: 0.2
        """
        day = _deadlines.as_day(as_of, lambda: self._now().date())
        party = as_actor(actor) if actor is not None else None

        def cases(state: str, process: str) -> Iterator[Case]:
            return map(to_case, self._pipeline.cases(state, process))

        return _deadlines.pending_items(self._catalogue.processes.values(), cases, day, party)

    def decision(
        self, case_id: str, version: int | None = None, lang: str = "sv"
    ) -> _decision.Decision:
        """The reasoned decision recorded at event ``version`` of the case
        (default: its latest decision): what was decided, by whom and when,
        the facts relied on, each rule applied with its citation and outcome,
        and whether and how it can be challenged, in Swedish (``lang="sv"``)
        or English. Render it with ``.markdown`` or ``.html``.

        Raises :class:`UnknownCase`, or :class:`InvalidPayload` naming
        ``version`` when it is no whole number or that event is not a decision.

        .. versionadded:: 0.2
        """
        a_version(version, "version")
        events = self.history(case_id)
        with self.store.read():
            process = self._catalogue.process(self._pipeline.load(case_id).process)

        def before(version: int) -> Case | None:
            with self.store.read():
                stored = list(self.store.events(case_id))[: version - 1]
                row = self._catalogue.fold(stored)
            return to_case(row) if row is not None else None

        return _decision.build(process, events, before, self._pipeline.facts, version, lang)

    def mapping_completed_at(self) -> datetime | None:
        """When the overall mapping was recorded as done, if it was."""
        with self.store.read():
            return self._pipeline.facts.mapping_completed_at()

    def pilot_designations(self) -> dict[str, datetime]:
        """The programme areas designated as pilots by a recorded event, each
        with the business time from which it is one (beside the areas the NHV
        page marks as pilots, :data:`nhvflow.rules.nhv.DEFAULT_PILOT_AREAS`)."""
        with self.store.read():
            return self._pipeline.facts.pilot_designations()

    def process(self, name: str | None = None) -> Process:
        """A process definition this registry knows (default: its default regime)."""
        if name is None:
            return self._catalogue.process(self.default_process)
        return self._catalogue.process(process_name(name, self._catalogue.processes, "name"))

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
        a_flag(strict, "strict")
        a_flag(projections, "projections")
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

        def counted() -> Iterator[Projection]:
            nonlocal count
            for row, event_hash in replayed(self._catalogue, self.store):
                count += 1
                process = self._catalogue.process(row.process)
                yield project(process, row, event_hash, trigger=None)

        with self.store.write():
            facts = self._catalogue.registry_facts(
                self.store.events(REGISTRY_STREAM), self._damaged_registry_event
            )
            self.store.replace_projections(counted(), facts)
        self._log.info("projections_rebuilt", cases=count)
        return count

    def batch(self) -> AbstractContextManager[None]:
        """Group many steps into one transaction (simulations, imports).

        Each step inside is still judged on its own and stands or falls on
        its own: a refused or failed step leaves no trace and the others
        stand, and a nested ``batch()`` that raises takes back only its own
        steps. Reads inside the block see every step taken before them.
        Everything is committed when the block ends. On SQLite the steps
        are held in memory and written together (when the block ends, when
        something reads the log, and every 500 steps), so a batch step costs
        no savepoint and no statements of its own; a write the database
        itself refuses then fails where the held steps are written and takes
        the whole batch with it (:class:`StoreError`, nothing written), and
        a transaction SQLite ends by itself ends the batch. On PostgreSQL each step
        is a savepoint and costs two round trips to the server (its
        savepoint with the case it reads, its writes with the release).
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

    def _damaged_registry_event(self, exc: IntegrityError) -> None:
        """A registry event a rebuild cannot read: it adds nothing to the
        readers' ``facts`` table; the rules, which read the stream itself,
        refuse to judge on it, and ``verify()`` names it."""
        self._log.warning("registry_event_unreadable", position=exc.position, error=str(exc))

    def _process_of(self, case_id: str) -> tuple[Process, str]:
        with self.store.read():
            row = self._pipeline.load(case_id)
        return self._catalogue.process(row.process), row.state

    def _moment(self, at: datetime | str | None) -> datetime:
        return self._now() if at is None else aware(at, "at")

    def _now(self) -> datetime:
        """Now, from the registry's clock (checked: a clock must tell aware time)."""
        return aware(clock_moment(self._clock()), "clock")

    @staticmethod
    def _given(at: datetime | str | None) -> datetime | None:
        """``at`` checked before the write lock is taken; a step without one is
        dated by :meth:`_moment` once the lock is held, so that a step that
        waited for another writer is not dated before that writer's step."""
        return None if at is None else aware(at, "at")

    def _take(self, request: StepRequest) -> Case:
        with self.store.write(request.stream):
            taken = self._pipeline.take(request)
        assert taken.case is not None
        return taken.case


def known_processes(processes: Iterable[Process]) -> dict[str, Process]:
    """The built-in processes, with ``processes`` in place of or beside them."""
    known = builtin_processes()
    if isinstance(processes, str | bytes) or not isinstance(processes, Iterable):  # type: ignore[unreachable, redundant-expr]
        raise InvalidPayload(
            "processes", f"must be a list of Process definitions ({shown(processes)})."
        )
    for extra in processes:
        if not isinstance(extra, Process):
            raise InvalidPayload(
                "processes",
                f"must hold Process definitions (got {type(extra).__name__} {shown(extra)}).",
            )
        known[extra.name] = extra
    return known
