"""Folding events into cases: the one code path that both the live engine
and every replay (``get(as_of=)``, ``rebuild_projections``, ``verify``)
use, so that a rebuild comes out identical to the live projections.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any

from nhvflow import _payload
from nhvflow.errors import (
    DefinitionError,
    IntegrityError,
    InvalidPayload,
    LogFormatError,
    NhvflowError,
    StoreError,
    shown,
)
from nhvflow.events import Fact, MappingCompleted, Meta, PilotDesignated, iso, upcast
from nhvflow.model import Actor, Case, Event, same_area
from nhvflow.states import Process
from nhvflow.store._chain import canonical, projection_seal
from nhvflow.store._decode import damaged, moment
from nhvflow.store._interface import (
    REGISTRY_STREAM,
    SIDE_TABLES,
    CaseQuery,
    CaseRow,
    Projection,
    Store,
    StoredEvent,
    VerifyReport,
)
from nhvflow.store._json import canonical_update

__all__ = [
    "Catalogue",
    "apply",
    "backed",
    "project",
    "replayed",
    "same_step",
    "to_case",
    "to_event",
    "verify_projections",
]

MAPPING_FACT = "mapping_completed_at"
PILOT_FACT = "pilot_areas"


def _as_written(text: str, moment: datetime) -> bool:
    """Whether ``text`` is already :func:`~nhvflow.events.iso` of ``moment``
    (``2027-01-06T09:00:00.000000+00:00``, as nhvflow writes every time), so
    that a replay need not spell it again."""
    return moment.tzinfo is UTC and len(text) == 32 and text[10] == "T" and text[19] == "."


def _dated_before(text: str, occurred: datetime, previous: str) -> bool:
    """Whether an event dated ``text`` (``occurred``) falls before the
    previous step of its case (``previous``, that step's stored time).
    Two texts in nhvflow's fixed UTC form compare as strings; any other
    is compared as a time."""
    if (
        len(previous) == 32
        and previous[19] == "."
        and previous.endswith("+00:00")
        and _as_written(text, occurred)
    ):
        return text < previous
    where = f"the time of the step before the event dated {text!r}"
    return occurred < moment(previous, None, where)


class Catalogue:
    """The processes a registry knows, and which process a stream belongs to."""

    def __init__(self, processes: Mapping[str, Process]) -> None:
        self.processes = dict(processes)
        self._actors: dict[tuple[Any, ...], Actor] = {}
        self._queries: dict[tuple[str | None, str | None], CaseQuery] = {}
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

    def known(self, name: object) -> Process:
        """The process a caller names for a new case (``InvalidPayload``
        naming ``process`` for a name this registry does not know)."""
        found = self.processes.get(name) if isinstance(name, str) else None
        if found is None:
            raise InvalidPayload(
                "process",
                f"{str(name)[:80]!r} is not a process this registry knows; known: "
                f"{', '.join(sorted(self.processes))}.",
            )
        return found

    def case_query(self, state: str | None, process: str | None) -> CaseQuery:
        """The store's query for the case rows of ``state`` and ``process``
        (``None``: any), its filter read from the log too: the event types
        whose step may lead to ``state``, and the one that creates cases of
        ``process`` (worked out once per pair)."""
        query = self._queries.get((state, process))
        if query is None:
            scope = [self.processes[process]] if process in self.processes else []
            processes = scope if process is not None else list(self.processes.values())
            led_by = {
                t.event.type
                for p in processes
                for t in p.transitions.values()
                if state in (t.dest, *(dest for _, dest in t.moves))
            }
            created_by = scope[0].creation.event.type if scope else None
            query = CaseQuery(state, process, tuple(sorted(led_by)), created_by)
            if len(self._queries) >= 256:  # callers may name any state: keep it bounded
                self._queries.clear()
            self._queries[(state, process)] = query
        return query

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
        """The case after ``events`` (one stream, in order); ``None`` if empty.
        Each event goes through :meth:`apply`, as a live step's does."""
        row: CaseRow | None = None
        for stored in events:
            if row is None:
                process = self.creators.get(stored.type)
                if process is None:
                    raise LogFormatError(
                        f"stream {stored.stream_id!r} starts with {stored.type!r}, which creates "
                        "no case in the processes this registry knows"
                    )
            else:
                process = self.process(row.process)
            where = f"the event at position {stored.position}"
            try:
                actor = self.actor(stored.actor)
            except (TypeError, ValueError, KeyError, AttributeError) as exc:
                raise damaged(stored.position, where, exc) from None
            occurred = moment(stored.occurred_at, stored.position, where)
            row = apply(process, row, stored, actor, occurred)
        return row

    @staticmethod
    def registry_facts(
        events: Iterable[StoredEvent],
        damaged_event: Callable[[IntegrityError], None] | None = None,
    ) -> dict[str, Any]:
        """The registry-wide facts after the registry stream's events.

        A registry event that is not as nhvflow writes it (a time that is
        not an ISO time, a designation without its programme area) raises
        :class:`IntegrityError` naming its position; ``damaged_event``, if
        given, is told of it instead and the event adds nothing (a rebuild
        of the readers' ``facts`` table, which ``verify()`` then reports).
        """
        facts: dict[str, Any] = {}
        for stored in events:
            if stored.stream_id != REGISTRY_STREAM:
                continue
            try:
                if stored.type == MappingCompleted.type:
                    _registry_time(stored)
                    facts.setdefault(MAPPING_FACT, stored.occurred_at)
                elif stored.type == PilotDesignated.type:
                    since = _registry_time(stored)
                    area = stored.payload.get("programme_area")
                    if not isinstance(area, str) or not area:
                        raise IntegrityError(
                            stored.position,
                            f"the registry event at position {stored.position} "
                            f"({stored.type}) names no programme area ({shown(area)}); "
                            "run verify(): the event log was changed behind nhvflow's back.",
                        )
                    pilots = facts.setdefault(PILOT_FACT, {})
                    known = next((a for a in pilots if same_area(a, area)), area)
                    if known not in pilots or since < moment(pilots[known], None, "a pilot"):
                        pilots[known] = stored.occurred_at  # from the earliest designation
            except IntegrityError as exc:
                if damaged_event is None:
                    raise
                damaged_event(exc)
        return facts


def _registry_time(stored: StoredEvent) -> datetime:
    """A registry event's business time (:class:`IntegrityError` naming it
    for a text that is not an ISO time with an offset)."""
    where = f"the time of the registry event at position {stored.position} ({stored.type})"
    return moment(stored.occurred_at, stored.position, where)


def apply(
    process: Process,
    before: CaseRow | None,
    event: StoredEvent,
    actor: Actor,
    occurred: datetime,
    *,
    parsed: bool = False,
) -> CaseRow:
    """The one fold: the case after ``event``, from the case before it
    (``None`` for the event that creates it).

    The payload must read as its event class, as a live step's is read
    before it is recorded (``parsed``: a live step's, read already): a
    replay never folds into a case a value no step could have recorded.

    The event must be a legal move of ``process`` from the state before it,
    at the next version; the next state is the one the process's machine
    reaches by the event's trigger. Otherwise :class:`IntegrityError` names
    the event's position. ``before`` is never changed: the new row gets its
    own ``data`` (the events' folds replace what they change, never edit
    it in place), so the case a rule saw stays as it saw it.

    Live steps, replay, rebuild, ``get(as_of=)`` and verification all fold
    through here.
    """
    position = event.position
    if before is None:
        transition = process.creation
        if event.type != transition.event.type or event.version != 1:
            raise IntegrityError(
                position,
                f"event at position {position} ({event.type!r}, version {event.version}) cannot "
                f"open a case of process {process.name!r}",
            )
        state, data = process.initial, {}
    else:
        found = process.by_event.get(event.type)
        if found is None or found.creates or before.state not in found.source:
            raise IntegrityError(
                position,
                f"event at position {position} ({event.type!r}) is not a legal move of "
                f"process {process.name!r} from state {before.state!r} (case "
                f"{before.id!r}, version {before.version})",
            )
        if event.version != before.version + 1:
            raise IntegrityError(
                position,
                f"event at position {position} is version {event.version} of case "
                f"{before.id!r}, which is at version {before.version}",
            )
        if _dated_before(event.occurred_at, occurred, before.updated_at):
            raise IntegrityError(
                position,
                f"event at position {position} is dated {event.occurred_at}, before the "
                f"previous step of case {before.id!r} ({before.updated_at}); steps are recorded "
                "in business-time order, so the log was changed behind nhvflow's back: run "
                "verify().",
            )
        transition = found
        state = process.next_state(transition.trigger, before.state)
        data = dict(before.data)
    cls = transition.event
    payload = event.payload
    if event.schema_version != cls.schema_version:
        payload = upcast(cls, payload, event.schema_version)
    if not (parsed or _parses(cls)):
        _readable(cls, event, payload)
    try:
        text = event.occurred_at
        if not _as_written(text, occurred):
            text = iso(occurred)
        cls.fold(payload, data, Meta(event.stream_id, actor, occurred, event.version, when=text))
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        # what nhvflow wrote always folds: this was written behind its back
        raise damaged(position, f"the event at position {position}", exc) from None
    return CaseRow(event.stream_id, process.name, state, event.version, data, event.occurred_at)


def project(
    process: Process,
    row: CaseRow,
    event_hash: str,
    *,
    trigger: str | None,
    before: CaseRow | None = None,
) -> Projection:
    """The projection rows of ``row``, folded from the event ``event_hash``:
    the case row sealed to that event, and the rows of the regime's own
    projection tables that the step changes (every table when ``trigger`` is
    ``None``: a rebuild). ``before`` is the row the step was folded from."""
    if before is not None and before.plain:
        data_text = canonical_update(row.data, before.data)
    else:
        data_text = canonical(row.data)
    sealed = CaseRow(
        row.id, row.process, row.state, row.version, row.data, row.updated_at,
        seal=projection_seal(row, data_text, event_hash), data_text=data_text,
    )  # fmt: skip
    tables = tuple(
        (table.name, tuple(table.rows(row.id, row.data)))
        for table in process.tables
        if trigger is None or trigger in table.changed_by
    )
    return Projection(sealed, data_text, tables)


def backed(row: CaseRow) -> bool:
    """Whether a row read from a store is backed by the log: it names its
    stream's last event, and its seal matches its content and that event."""
    if row.head is None or row.head[0] != row.version or row.data_text is None:
        return False
    return row.seal == projection_seal(row, row.data_text, row.head[1])


def to_case(row: CaseRow) -> Case:
    """The public, read-only view of a case row."""
    return Case(
        row.id,
        row.process,
        row.state,
        row.version,
        row.data,
        moment(row.updated_at, None, f"the projection of case {row.id!r} (updated_at)"),
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
    where = f"the event at position {stored.position}"
    try:
        actor = Actor.from_json(stored.actor)
    except (TypeError, ValueError, KeyError) as exc:
        raise damaged(stored.position, f"the actor of {where}", exc) from None
    return Event(
        position=stored.position,
        stream_id=stored.stream_id,
        version=stored.version,
        type=stored.type,
        actor=actor,
        payload=payload,
        occurred_at=moment(stored.occurred_at, stored.position, f"occurred_at of {where}"),
        recorded_at=moment(stored.recorded_at, stored.position, f"recorded_at of {where}"),
        schema_version=schema,
        idempotency_key=stored.idempotency_key,
        prev_hash=stored.prev_hash,
        hash=stored.hash,
    )


def verify_projections(catalogue: Catalogue, store: Store, report: VerifyReport) -> VerifyReport:
    """The log report, with every stream that is not a sequence of legal
    moves of its process, and every case whose projection differs from a
    fold of its events (or is not sealed to its last event, or has no
    events), added as a problem."""
    problems = list(report.problems)
    first_bad = report.first_bad_position
    try:
        first_bad = _compare_projections(catalogue, store, problems, first_bad)
    except StoreError as exc:  # the database refused a read: its tables are damaged
        problems.append(f"the projections cannot be read ({exc})")
    return VerifyReport(not problems, report.checked, first_bad, tuple(problems))


def _compare_projections(
    catalogue: Catalogue, store: Store, problems: list[str], first_bad: int | None
) -> int | None:
    """Add to ``problems`` what :func:`verify_projections` finds; the first
    bad position, as far as it is known."""
    with store.read():
        folded: set[str] = set()
        for stream_id in store.stream_ids():
            if stream_id == REGISTRY_STREAM:
                continue
            folded.add(stream_id)
            try:
                row, event_hash = _fold_with_hash(catalogue, store, stream_id)
                live = store.load_case(stream_id)
            except IntegrityError as exc:
                problems.append(f"case {stream_id}: {exc}")
                if first_bad is None or (exc.position is not None and exc.position < first_bad):
                    first_bad = exc.position
                continue
            except StoreError:
                raise  # the database refused a read: nothing more can be compared
            except (NhvflowError, ValueError) as exc:
                problems.append(f"case {stream_id}: cannot be replayed and compared ({exc})")
                continue
            if live is None:
                problems.append(f"case {stream_id}: has events but no projection")
            elif live != row and (live.seal or not same_step(row, live)):
                # an unsealed row (written before rows were sealed) may lack keys a
                # later fold adds; it is judged on its fold, in today's shape
                problems.append(f"case {stream_id}: projection differs from its events")
            elif live.seal and not backed(live):
                problems.append(f"case {stream_id}: projection is not sealed to its last event")
            elif live.seal and live.head != (row.version, event_hash):
                problems.append(f"case {stream_id}: projection names another event")
            problems += _side_tables_differ(catalogue, store, row, event_hash)
        try:
            expected = catalogue.registry_facts(store.events(REGISTRY_STREAM))
        except IntegrityError as exc:
            problems.append(f"the registry stream: {exc}")
            if first_bad is None or (exc.position is not None and exc.position < first_bad):
                first_bad = exc.position
            expected = None
        try:
            projected = {case.id for case in store.cases()}
            facts_differ = expected is not None and any(
                expected.get(key) != store.get_fact(key) for key in (MAPPING_FACT, PILOT_FACT)
            )
        except (NhvflowError, ValueError) as exc:
            problems.append(f"the projections cannot be read ({exc})")
        else:
            problems += [f"case {c}: projected but has no events" for c in projected - folded]
            problems += store.overview_problems()
            if facts_differ:
                problems.append("registry facts differ from the registry stream")
    return first_bad


def _side_tables_differ(
    catalogue: Catalogue, store: Store, row: CaseRow, event_hash: str
) -> list[str]:
    """A problem for each side table (``permits``) whose rows of the case
    differ from the rows a fold of its events writes (a rebuild's)."""
    process = catalogue.process(row.process)
    expected = dict(project(process, row, event_hash, trigger=None).tables)
    return [
        f"case {row.id}: its {table} rows differ from its events; run "
        "rebuild_projections() once the log verifies"
        for table in SIDE_TABLES
        if store.side_rows(table, row.id) != [tuple(r) for r in expected.get(table, ())]
    ]


def _fold_with_hash(catalogue: Catalogue, store: Store, stream_id: str) -> tuple[CaseRow, str]:
    """The case folded from its stream, and the hash of its last event."""
    last: list[str] = []

    def noted() -> Iterator[StoredEvent]:
        for stored in store.events(stream_id):
            last[:] = [stored.hash]
            yield stored

    row = catalogue.fold(noted())
    assert row is not None
    return row, last[0]


def _parses(cls: type[Fact]) -> bool:
    """Whether the fold of ``cls`` reads its payload through the class (the
    default :meth:`Fact.fold`), so that a replay need not read it first."""
    return cls.recorded is None and getattr(cls.fold, "__func__", None) is _DEFAULT_FOLD


_DEFAULT_FOLD = Fact.fold.__func__  # type: ignore[attr-defined]


def _readable(cls: type[Fact], stored: StoredEvent, payload: Mapping[str, Any]) -> None:
    """Refuse (:class:`IntegrityError` naming its position) an event whose
    payload (upcast to the current shape) its event class does not read:
    nhvflow only records payloads it parsed, so such an event was written
    behind its back, hash and all."""
    try:
        _payload.parse(cls, payload)
    except (NhvflowError, TypeError, ValueError, KeyError, AttributeError) as exc:
        raise IntegrityError(
            stored.position,
            f"the event at position {stored.position} ({stored.type}) does not read as its "
            f"event class: {shown(str(exc))}; nhvflow records only payloads it has read, so "
            "the log was changed behind its back: run verify().",
        ) from None


STREAMS_PER_READ = 500
"""How many streams a rebuild reads in one query (their events in memory at once)."""


def replayed(catalogue: Catalogue, store: Store) -> Iterator[tuple[CaseRow, str]]:
    """Every case folded from its events, in order of creation, with the
    hash of its last event; the events are read a page of streams at a
    time, so memory holds at most :data:`STREAMS_PER_READ` cases' events."""
    streams = (s for s in store.stream_ids() if s != REGISTRY_STREAM)
    while page := list(itertools.islice(streams, STREAMS_PER_READ)):
        for _, events in store.stream_events(page):
            row = catalogue.fold(events)
            assert row is not None
            yield row, events[-1].hash


def same_step(folded: CaseRow, row: CaseRow) -> bool:
    """Whether an unsealed row (a log written before rows were sealed) says
    what a fold of its stream says: the same case, process, state, version
    and time, and data the fold's holds. The fold of an earlier nhvflow
    wrote fewer keys, so a key the row lacks is no difference; a value it
    holds otherwise is. The fold's data is what is judged on."""
    where = (row.id, row.process, row.state, row.version, row.updated_at)
    return (
        folded.id,
        folded.process,
        folded.state,
        folded.version,
        folded.updated_at,
    ) == where and _within(row.data, folded.data)


def _within(older: Any, folded: Any) -> bool:
    """Whether ``older`` (data an earlier fold wrote) is ``folded`` but for
    keys the later fold added, at any depth."""
    if isinstance(older, dict) and isinstance(folded, dict):
        return all(k in folded and _within(v, folded[k]) for k, v in older.items())
    if isinstance(older, list) and isinstance(folded, list):
        return len(older) == len(folded) and all(map(_within, older, folded))
    return type(older) is type(folded) and older == folded
