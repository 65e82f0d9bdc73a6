"""Folding events into cases: the one code path that both the live engine
and every replay (``get(as_of=)``, ``rebuild_projections``, ``verify``)
use, so that a rebuild comes out identical to the live projections.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from nhvflow._records import REGISTRY_STREAM, CaseRow, Store, StoredEvent, VerifyReport
from nhvflow.errors import DefinitionError, LogFormatError, NhvflowError
from nhvflow.events import Fact, MappingCompleted, Meta, PilotDesignated, iso, upcast
from nhvflow.model import Actor, Case, Event
from nhvflow.states import Process

__all__ = ["Catalogue", "replayed", "to_case", "to_event", "verify_projections"]

MAPPING_FACT = "mapping_completed_at"
PILOT_FACT = "pilot_areas"


def _as_written(text: str, moment: datetime) -> bool:
    """Whether ``text`` is already :func:`~nhvflow.events.iso` of ``moment``
    (``2027-01-06T09:00:00.000000+00:00``, as nhvflow writes every time), so
    that a replay need not spell it again."""
    return moment.tzinfo is UTC and len(text) == 32 and text[10] == "T" and text[19] == "."


class Catalogue:
    """The processes a registry knows, and which process a stream belongs to."""

    def __init__(self, processes: Mapping[str, Process]) -> None:
        self.processes = dict(processes)
        self._actors: dict[tuple[Any, ...], Actor] = {}
        self.creators: dict[str, Process] = {}
        for process in self.processes.values():
            kind = process.creation.event.type
            other = self.creators.setdefault(kind, process)
            if other is not process:
                raise DefinitionError(
                    f"processes {other.name!r} and {process.name!r} both create cases with "
                    f"{kind!r}; a creating event type must be unique to its process"
                )

    def actor(self, stored: dict[str, Any]) -> Actor:
        """The :class:`Actor` of a stored actor, built once per distinct actor
        (a log has few: the roles, the regions, the NPOs, one group per
        case) and shared, as actors are frozen values."""
        try:
            key = tuple(stored.items())
            actor = self._actors.get(key)
        except TypeError:  # not a stored Actor's shape: let from_json say why
            return Actor.from_json(stored)
        if actor is None:
            if len(self._actors) >= 10_000:
                self._actors.clear()
            actor = self._actors[key] = Actor.from_json(stored)
        return actor

    def process(self, name: str) -> Process:
        """The process of this name (``LogFormatError`` for one this registry lacks)."""
        found = self.processes.get(name)
        if found is None:
            raise LogFormatError(
                f"the log holds cases of process {name!r}, which this registry does not know; "
                f"open it with that process (known: {', '.join(sorted(self.processes))})."
            )
        return found

    def event_class(self, process: Process, stored: StoredEvent) -> type[Fact]:
        """The event class of a stored event in its process."""
        cls = process.event_types.get(stored.type)
        if cls is None:
            raise LogFormatError(
                f"event at position {stored.position} has type {stored.type!r}, unknown to "
                f"process {process.name!r}"
            )
        return cls

    def fold(self, events: Iterable[StoredEvent]) -> CaseRow | None:
        """The case after ``events`` (one stream, in order); ``None`` if empty."""
        process: Process | None = None
        data: dict[str, Any] = {}
        state = ""
        last: StoredEvent | None = None
        for stored in events:
            if process is None:
                process = self.creators.get(stored.type)
                if process is None:
                    raise LogFormatError(
                        f"stream {stored.stream_id!r} starts with {stored.type!r}, which creates "
                        "no case in the processes this registry knows"
                    )
                state = process.initial
            else:
                transition = process.by_event.get(stored.type)
                if transition is None:
                    raise LogFormatError(
                        f"event at position {stored.position} has type {stored.type!r}, unknown "
                        f"to process {process.name!r}"
                    )
                state = transition.dest_from(state)
            cls = self.event_class(process, stored)
            payload = stored.payload
            if stored.schema_version != cls.schema_version:
                payload = upcast(cls, payload, stored.schema_version)
            actor = self.actor(stored.actor)
            occurred = datetime.fromisoformat(stored.occurred_at)
            text = stored.occurred_at
            if not _as_written(text, occurred):
                text = iso(occurred)
            meta = Meta(stored.stream_id, actor, occurred, stored.version, when=text)
            cls.fold(payload, data, meta)
            last = stored
        if process is None or last is None:
            return None
        return CaseRow(last.stream_id, process.name, state, last.version, data, last.occurred_at)

    @staticmethod
    def registry_facts(events: Iterable[StoredEvent]) -> dict[str, Any]:
        """The registry-wide facts after the registry stream's events."""
        facts: dict[str, Any] = {}
        for stored in events:
            if stored.stream_id == REGISTRY_STREAM and stored.type == MappingCompleted.type:
                facts.setdefault(MAPPING_FACT, stored.occurred_at)
            elif stored.stream_id == REGISTRY_STREAM and stored.type == PilotDesignated.type:
                pilots = facts.setdefault(PILOT_FACT, {})
                pilots.setdefault(stored.payload["programme_area"], stored.occurred_at)
        return facts


def to_case(row: CaseRow) -> Case:
    """The public, read-only view of a case row."""
    return Case(
        row.id,
        row.process,
        row.state,
        row.version,
        row.data,
        datetime.fromisoformat(row.updated_at),
    )


def to_event(stored: StoredEvent, catalogue: Catalogue | None = None) -> Event:
    """The public view of a stored event, its payload upcast to the current shape."""
    payload = stored.payload
    schema = stored.schema_version
    if catalogue is not None:
        for process in catalogue.processes.values():
            cls = process.event_types.get(stored.type)
            if cls is not None:
                payload = upcast(cls, payload, schema)
                schema = cls.schema_version
                break
    return Event(
        position=stored.position,
        stream_id=stored.stream_id,
        version=stored.version,
        type=stored.type,
        actor=Actor.from_json(stored.actor),
        payload=payload,
        occurred_at=datetime.fromisoformat(stored.occurred_at),
        recorded_at=datetime.fromisoformat(stored.recorded_at),
        schema_version=schema,
        idempotency_key=stored.idempotency_key,
        prev_hash=stored.prev_hash,
        hash=stored.hash,
    )


def verify_projections(catalogue: Catalogue, store: Store, report: VerifyReport) -> VerifyReport:
    """The log report, with every case whose projection differs from a
    replay of its events (or that has no events) added as a problem."""
    problems = list(report.problems)
    with store.read():
        replayed: set[str] = set()
        for stream_id in store.stream_ids():
            if stream_id == REGISTRY_STREAM:
                continue
            replayed.add(stream_id)
            try:
                row = catalogue.fold(store.events(stream_id))
                live = store.load_case(stream_id)
            except (NhvflowError, ValueError) as exc:
                problems.append(f"case {stream_id}: cannot be replayed and compared ({exc})")
                continue
            if live != row:
                problems.append(f"case {stream_id}: projection differs from its events")
        try:
            projected = {case.id for case in store.cases()}
            expected = catalogue.registry_facts(store.events(REGISTRY_STREAM))
            facts_differ = any(
                expected.get(key) != store.get_fact(key) for key in (MAPPING_FACT, PILOT_FACT)
            )
        except ValueError as exc:
            problems.append(f"the projections cannot be read ({exc})")
        else:
            problems += [f"case {c}: projected but has no events" for c in projected - replayed]
            if facts_differ:
                problems.append("registry facts differ from the registry stream")
    return VerifyReport(not problems, report.checked, report.first_bad_position, tuple(problems))


def replayed(catalogue: Catalogue, store: Store) -> Iterator[CaseRow]:
    """Every case folded from its events, stream by stream (one case in memory at a time)."""
    for stream_id in store.stream_ids():
        if stream_id == REGISTRY_STREAM:
            continue
        row = catalogue.fold(store.events(stream_id))
        if row is not None:
            yield row
