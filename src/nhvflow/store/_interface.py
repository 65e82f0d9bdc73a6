"""What a store holds and the interface every store backend provides.

The engine speaks to a store only through :class:`Store`; the SQLite store
(:mod:`nhvflow.store._sqlite`) is the embedded default, PostgreSQL
(:mod:`nhvflow.store._postgres`) the shared one. Rows carry JSON as Python
values; the canonical text and the hash chain are :mod:`nhvflow.store._chain`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

import attrs

from nhvflow._parties import Region
from nhvflow.errors import IntegrityError, LogFormatError, shown
from nhvflow.store._decode import damaged, json_object
from nhvflow.store._hash import as_hashed
from nhvflow.store._json import loads_plain

__all__ = [
    "EVERY_CASE",
    "EVERY_EVENT",
    "FORMAT",
    "OVERVIEW_VIEWS",
    "REGISTRY_STREAM",
    "SIDE_TABLES",
    "CaseQuery",
    "CaseRow",
    "Durability",
    "EventQuery",
    "NewEvent",
    "Projection",
    "Sealed",
    "Store",
    "StoredEvent",
    "VerifyReport",
    "by_stream",
    "case_row",
    "conditions",
    "layout_version",
    "overview_problems",
    "overview_selects",
    "side_select",
    "side_table",
    "stored_event",
]

Durability = Literal["full", "normal"]
"""``"full"``: a commit survives power loss; ``"normal"``: it survives a process crash."""

REGISTRY_STREAM = "registry"
"""The stream of registry-wide facts (the completed mapping)."""

FORMAT = "nhvflow-log"
"""What every nhvflow log, on either backend, records as its ``format`` in
``nhvflow_meta``."""


@attrs.frozen
class NewEvent:
    """An event about to be appended; :func:`~nhvflow.store._chain.seal` gives it its position,
    recording time and hashes."""

    stream_id: str
    version: int
    type: str
    schema_version: int
    actor: dict[str, Any]
    payload: dict[str, Any]
    occurred_at: str
    idempotency_key: str | None = None
    request_hash: str | None = None
    actor_text: str | None = attrs.field(default=None, kw_only=True, eq=False)
    """``canonical(actor)``, when the caller has it already (a store may trust it)."""
    payload_text: str | None = attrs.field(default=None, kw_only=True, eq=False)
    """``canonical(payload)``, when the caller has it already (a store may trust it)."""


@attrs.frozen
class StoredEvent:
    """An event as stored."""

    position: int
    stream_id: str
    version: int
    type: str
    schema_version: int
    actor: dict[str, Any]
    payload: dict[str, Any]
    occurred_at: str
    recorded_at: str
    idempotency_key: str | None
    request_hash: str | None
    prev_hash: str
    hash: str

    @classmethod
    def from_row(
        cls, row: tuple[Any, ...], actor: dict[str, Any], payload: dict[str, Any]
    ) -> StoredEvent:
        """The event of a stored row (``EVENT_COLUMNS`` order), with its
        actor and payload decoded."""
        return cls(
            row[0], row[1], row[2], row[3], row[4], actor, payload,
            row[7], row[8], row[9], row[10], row[11], row[12],
        )  # fmt: skip


@attrs.frozen
class Sealed:
    """An event sealed for the log: the stored event and the row of columns
    every backend binds (``EVENT_COLUMNS`` order, JSON as canonical text)."""

    event: StoredEvent
    row: tuple[Any, ...]


@attrs.frozen
class CaseRow:
    """The projection of one case.

    ``seal`` binds the row to the event it was folded from
    (:func:`~nhvflow.store._chain.projection_seal`); ``head`` is the ``(version, hash)`` of the
    last event of the case's stream when the row was read from a store.
    Neither takes part in equality: two rows are equal when they say the
    same of the case.
    """

    id: str
    process: str
    state: str
    version: int
    data: dict[str, Any]
    updated_at: str
    seal: str = attrs.field(default="", eq=False, kw_only=True)
    data_text: str | None = attrs.field(default=None, eq=False, kw_only=True, repr=False)
    """``canonical(data)`` as stored, when the row was read from a store."""
    head: tuple[int, str] | None = attrs.field(default=None, eq=False, kw_only=True)
    plain: bool = attrs.field(default=False, eq=False, kw_only=True, repr=False)
    """Whether ``data`` is known to hold only dicts, lists, strs, ints, bools
    and None (read from a text without floats), so that the next projection
    need look only at what a step replaced."""


@attrs.frozen
class Projection:
    """What a step (or a rebuild) hands a store for one case: the case row
    with its seal and encoded data, and the rows of the regime's other
    projection tables for that case (``table -> rows``), each replacing the
    case's rows in that table. A table not named is left as it is."""

    case: CaseRow
    data_text: str
    tables: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...] = ()

    @property
    def params(self) -> tuple[Any, ...]:
        """The ``cases`` row a backend binds: ``(id, process, state, version,
        data, updated_at, seal)``."""
        case = self.case
        return (
            case.id, case.process, case.state, case.version, self.data_text, case.updated_at,
            case.seal,
        )  # fmt: skip


@attrs.frozen
class VerifyReport:
    """What :meth:`Registry.verify` found.

    ``ok`` is true when every event's hash and chain link check out,
    positions and versions are contiguous, and the append-only triggers are
    in place; ``first_bad_position`` names the first event that fails.
    ``str(report)`` reads as a sentence.
    """

    ok: bool
    checked: int
    first_bad_position: int | None = None
    problems: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.ok:
            return f"log ok: {self.checked} events checked, hash chain intact"
        where = (
            f"; first bad event at position {self.first_bad_position}"
            if self.first_bad_position is not None
            else ""
        )
        lines = [f"log FAILED verification after {self.checked} events{where}:"]
        lines += [f"  - {p}" for p in self.problems]
        return "\n".join(lines)

    def __bool__(self) -> bool:
        return self.ok


@attrs.frozen
class EventQuery:
    """Which events to read: of one stream or all (``stream_id``), up to a
    business time (``occurred_at <= until``) or a version, after position
    ``since``, at most ``limit`` of them; in log order."""

    stream_id: str | None = None
    until: str | None = None
    max_version: int | None = None
    since: int = 0
    limit: int | None = None

    def conditions(self, mark: str) -> tuple[str, list[Any]]:
        """Its ``AND`` conditions in the backend's parameter ``mark`` (all
        but ``limit``), with their values."""
        return conditions(
            mark,
            ("position >", self.since or None),
            ("stream_id =", self.stream_id),
            ("occurred_at <=", self.until),
            ("version <=", self.max_version),
        )


EVERY_EVENT = EventQuery()
"""The whole log, in order."""


@attrs.frozen
class CaseQuery:
    """Which case rows to list: of one ``state`` and ``process`` (``None``:
    any). A filter is read from the log as well as from the rows, so that a
    listing answers only on what the log backs: a row is also listed when
    its stream's last event is of a type in ``led_by`` (the steps that may
    lead to ``state``) or its first event is of type ``created_by`` (the step
    that creates cases of ``process``). A row edited out of the filter is
    then still listed, and the engine's check refuses it, instead of it
    going missing."""

    state: str | None = None
    process: str | None = None
    led_by: tuple[str, ...] = ()
    created_by: str | None = None

    def conditions(self, mark: str) -> tuple[str, list[Any]]:
        """Its ``AND`` conditions on the rows ``c`` and their streams' last
        events ``e``, in the backend's parameter ``mark``, with their values."""
        clause, args = "", []
        if self.state is not None:
            if self.led_by:
                marks = ", ".join([mark] * len(self.led_by))
                clause += f" AND (c.state = {mark} OR e.type IN ({marks}))"
            else:
                clause += f" AND c.state = {mark}"
            args += [self.state, *self.led_by]
        if self.process is not None:
            clause += f" AND (c.process = {mark}"
            args.append(self.process)
            if self.created_by is not None:
                clause += (
                    " OR EXISTS (SELECT 1 FROM events f WHERE f.stream_id = c.id AND "
                    f"f.version = 1 AND f.type = {mark})"
                )
                args.append(self.created_by)
            clause += ")"
        return clause, args


EVERY_CASE = CaseQuery()
"""Every case row, in order of creation."""


class Store(Protocol):
    """The interface of an event store backend.

    Writes happen inside :meth:`write`: a transaction that holds the
    store's write lock from the first read to the commit (``BEGIN
    IMMEDIATE`` in SQLite), so that a rule is never judged on a stale state.
    Nested ``write`` blocks are savepoints.
    """

    durability: Durability

    def write(self, case_id: str | None = None) -> AbstractContextManager[None]:
        """A write transaction (or a savepoint inside one): everything in the
        block is committed together, or nothing when it raises. Raises
        :class:`~nhvflow.errors.StoreBusy` when the write lock cannot be had
        within the store's busy timeout. ``case_id`` names the case the block
        will load first, which a store may read with the lock, in the same
        round trip."""
        ...

    def read(self) -> AbstractContextManager[None]:
        """A consistent read snapshot."""
        ...

    def load_case(self, case_id: str) -> CaseRow | None:
        """The case's projection, or ``None``; with its ``seal``, its stored
        ``data_text`` and the ``head`` (version, hash) of its stream's last
        event, so that the engine can check the row against the log."""
        ...

    def stream_version(self, stream_id: str) -> int:
        """The last version of a stream (0 when it has none)."""
        ...

    def tail(self) -> tuple[int, str] | None:
        """The log's last ``(position, hash)``; ``None`` when it is empty.
        Inside a write transaction (which holds the write lock)."""
        ...

    def append(self, sealed: Sealed, projection: Projection | None) -> None:
        """Append one sealed event (:func:`~nhvflow.store._chain.seal` after :meth:`tail`) and
        write the projection rows handed with it, in the open write
        transaction.

        Raises :class:`~nhvflow.errors.ConcurrencyConflict` when the stream
        already has this version, and
        :class:`~nhvflow.errors.IdempotencyConflict` when the idempotency key
        is taken; nothing is written then. The contract every backend meets
        is ``tests/store/test_contract.py``.
        """
        ...

    def event_by_key(self, key: str) -> StoredEvent | None:
        """The event recorded under an idempotency key."""
        ...

    def event_rows(self, query: EventQuery = EVERY_EVENT) -> Iterator[tuple[Any, ...]]:
        """The stored rows of the events ``query`` names (``EVENT_COLUMNS``
        order, actor and payload as their stored JSON text), in log order."""
        ...

    def events(
        self,
        stream_id: str | None = None,
        *,
        until: str | None = None,
        max_version: int | None = None,
        since: int = 0,
        limit: int | None = None,
    ) -> Iterator[StoredEvent]:
        """Events in log order, of one stream or all, optionally up to a
        business time (``occurred_at <= until``) or version, after position
        ``since``, at most ``limit`` of them (every backend reads them
        through its :meth:`event_rows`)."""
        query = EventQuery(stream_id, until, max_version, since, limit)
        return map(stored_event, self.event_rows(query))

    def cases(self, query: CaseQuery = EVERY_CASE) -> Iterator[CaseRow]:
        """Case projections in order of creation (those ``query`` asks for),
        each with its ``seal``, ``data_text`` and the ``head`` of its stream
        (as :meth:`load_case` reads one, in the same statement as the page of
        rows), so that the engine checks every row it lists against the log."""
        ...

    def side_rows(self, table: str, case_id: str) -> list[tuple[Any, ...]]:
        """The rows of the projection table ``table`` (one of
        :data:`SIDE_TABLES`) for one case, in the order a fold writes them
        (``seq``), columns as :data:`SIDE_TABLES` lists them: for
        ``verify(projections=True)`` to compare with a fold of the case."""
        ...

    def overview_problems(self) -> list[str]:
        """What the readers' lookup table and views show that the
        projections do not hold (see :func:`overview_problems`): for
        ``verify(projections=True)``."""
        ...

    def stream_ids(self) -> Iterator[str]:
        """Every stream id, in order of its first event."""
        ...

    def stream_events(self, stream_ids: Sequence[str]) -> Iterator[tuple[str, list[StoredEvent]]]:
        """The events of each of ``stream_ids`` (a page of a few hundred),
        in the order given, each stream's in version order: one read for
        many streams (a rebuild)."""
        ...

    def count_events(self) -> int:
        """How many events the log holds."""
        ...

    def get_fact(self, key: str) -> Any:
        """A registry-wide fact (``None`` when unset)."""
        ...

    def set_fact(self, key: str, value: Any) -> None:
        """Set a registry-wide fact (inside a write transaction)."""
        ...

    def replace_projections(self, projections: Iterable[Projection], facts: dict[str, Any]) -> None:
        """Replace every projection (inside a write transaction)."""
        ...

    def verify(self) -> VerifyReport:
        """Check the whole log; never raises on a damaged log."""
        ...

    def close(self) -> None:
        """Release the connection."""
        ...


def layout_version(meta: dict[str, Any], where: str, *, newest: int) -> int:
    """The layout version a log's ``nhvflow_meta`` rows record, once checked
    that they are an nhvflow log's (:data:`FORMAT`) and not newer than this
    nhvflow reads (``newest``); :class:`~nhvflow.errors.LogFormatError` naming
    ``where`` otherwise. Shared by every backend."""
    if meta.get("format") != FORMAT:
        raise LogFormatError(f"{where} is not an nhvflow log (format {meta.get('format')!r}).")
    try:
        found = int(meta["schema_version"])
    except (KeyError, TypeError, ValueError):
        found = 0
    if found < 1:  # every log nhvflow made records its layout, from 1 on
        raise LogFormatError(
            f"{where} has an unreadable log schema version {shown(meta.get('schema_version'))}; "
            "no nhvflow wrote it."
        )
    if found > newest:
        raise LogFormatError(
            f"{where} was written by a newer nhvflow (log schema {found}; this nhvflow reads "
            f"up to {newest}); upgrade nhvflow to open it."
        )
    return found


SIDE_TABLES = {
    "permits": "case_id, seq, region, unit, valid, granted_at, starts_on, revoked_at, conditions",
}
"""The projection tables besides ``cases`` that a regime may hand rows for
(the same in every backend)."""


def side_select(name: str, mark: str) -> str:
    """The SELECT of one case's rows of a projection table a regime hands
    rows for, in ``seq`` order, with the backend's parameter ``mark``;
    ``KeyError`` for a table the log lacks."""
    return f"SELECT {SIDE_TABLES[name]} FROM {name} WHERE case_id = {mark} ORDER BY seq"


def side_table(name: str, mark: str) -> tuple[str, str]:
    """The DELETE (of one case's rows) and INSERT statements of a projection
    table a regime hands rows for, with the backend's parameter ``mark``
    (``?`` or ``%s``); ``KeyError`` for a table the log lacks."""
    columns = SIDE_TABLES[name]
    marks = ",".join([mark] * len(columns.split(",")))
    return (
        f"DELETE FROM {name} WHERE case_id = {mark}",
        f"INSERT INTO {name} ({columns}) VALUES ({marks})",
    )


def conditions(mark: str, *given: tuple[str, Any]) -> tuple[str, list[Any]]:
    """The ``AND`` conditions of a query for the values given, in the
    backend's parameter ``mark`` (``?`` or ``%s``): each ``(condition,
    value)`` such as ``("state =", "decided")`` adds `` AND state = ?`` and
    its value, unless the value is ``None`` (no condition)."""
    clause, args = "", []
    for condition, value in given:
        if value is not None:
            clause += f" AND {condition} {mark}"
            args.append(value)
    return clause, args


def overview_selects(field: Callable[[str, str], str], order: str) -> tuple[str, str]:
    """The ``AS SELECT ...`` of the views ``case_overview`` and
    ``permit_overview``, the same on every backend but for the dialect:
    ``field(data, key)`` reads a key of a case's JSON data as text, and
    ``order`` is the column that keeps cases in order of creation."""
    case_overview = f"""
        SELECT id, process,
               {field("data", "title")} AS title,
               {field("data", "programme_area")} AS programme_area,
               state, version, updated_at AS updated
        FROM cases ORDER BY cases.{order}
        """
    permit_overview = f"""
        SELECT p.case_id AS case_id,
               {field("c.data", "title")} AS title,
               COALESCE(r.name, p.region) AS region,
               p.unit AS unit,
               p.valid AS valid
        FROM permits p
        LEFT JOIN cases c ON c.id = p.case_id
        LEFT JOIN regions r ON r.code = p.region
        ORDER BY c.{order}, p.seq
        """
    return case_overview, permit_overview


OVERVIEW_VIEWS = ("case_overview", "permit_overview")
"""Views that read the log without JSON functions; the table ``regions``
names each region code in words."""


def overview_problems(
    rows: Callable[[str], Iterable[Sequence[Any]]],
    present: set[str],
    selects: tuple[str, str],
    errors: tuple[type[Exception], ...],
) -> list[str]:
    """A problem for each of the readers' relations that does not show what
    the log's projections hold: ``regions`` when it does not name the 21
    regions as nhvflow writes them, and an overview view whose rows differ
    from its own ``SELECT`` run afresh (a view replaced by other SQL).
    ``rows(sql)`` runs a query (raising one of ``errors`` for what the
    database cannot read); ``present`` names the relations the log has (a
    log made before them gains them when next opened for writing)."""

    def result(sql: str) -> Counter[tuple[Any, ...]] | str:
        try:
            return Counter(tuple(r) for r in rows(sql))
        except errors as exc:  # e.g. text PostgreSQL's jsonb cannot hold: the same either way
            return type(exc).__name__

    problems = []
    if "regions" in present:
        found = result("SELECT code, name FROM regions")
        if found != Counter((r.name, r.swedish_name) for r in Region):
            problems.append("the table regions does not name the regions as nhvflow wrote them")
    for name, select in zip(OVERVIEW_VIEWS, selects, strict=True):
        if name in present and result(f"SELECT * FROM {name}") != result(select):
            problems.append(
                f"the view {name} does not show what its tables hold: it was replaced by other "
                "SQL (drop it and open the log for writing to make it again)"
            )
    return problems


def by_stream(
    stream_ids: Sequence[str], events: Iterable[StoredEvent]
) -> Iterator[tuple[str, list[StoredEvent]]]:
    """``events`` of ``stream_ids`` (each stream's in version order), grouped
    by stream in the order of ``stream_ids``."""
    grouped: dict[str, list[StoredEvent]] = {stream_id: [] for stream_id in stream_ids}
    for event in events:
        grouped[event.stream_id].append(event)
    yield from grouped.items()


def case_row(row: tuple[Any, ...]) -> CaseRow:
    """A case row as every backend stores it: ``(id, process, state,
    version, data, updated_at)``, with the seal and the stream's last
    ``(version, hash)`` after them when the query joined them
    (``LOAD_CASE``)."""
    where = f"the projection of case {shown(row[0])}"
    try:
        data, plain = loads_plain(row[4])
    except (TypeError, ValueError, RecursionError) as exc:
        raise damaged(None, where, exc) from None
    if not isinstance(data, dict):
        raise damaged(None, where, f"a JSON {type(data).__name__}, not an object")
    head = None if len(row) == 6 or row[7] is None else (row[7], row[8])
    return CaseRow(
        row[0], row[1], row[2], row[3], data, row[5],
        seal=row[6] if len(row) > 6 else "", data_text=row[4], head=head, plain=plain,
    )  # fmt: skip


def stored_event(row: tuple[Any, ...]) -> StoredEvent:
    """An event as every backend stores it (``EVENT_COLUMNS`` order, actor
    and payload as their JSON texts), checked against its own hash: a row
    changed after it was written is an :class:`~nhvflow.errors.IntegrityError`
    naming its position, whatever reads it (a fold, the history, the facts
    a rule reads), with no walk of the chain (that is :meth:`Store.verify`)."""
    position = row[0]
    if not as_hashed(row):
        raise IntegrityError(
            position if isinstance(position, int) else None,
            f"the event at position {shown(position)} does not match its stored hash: it was "
            "changed after it was written; run verify(): the event log was changed behind "
            "nhvflow's back.",
        )
    actor = _actor(row[5], position)
    payload = json_object(row[6], position, f"the payload of the event at position {position}")
    return StoredEvent.from_row(row, actor, payload)


_ACTORS: dict[str, dict[str, Any]] = {}


def _actor(text: str, position: int) -> dict[str, Any]:
    """A stored actor's JSON, decoded once per distinct text: a log holds
    few actors (the roles, the regions, the NPOs, one group per case). The
    decoded value is shared between events; nothing in nhvflow changes it."""
    actor = _ACTORS.get(text)
    if actor is None:
        if len(_ACTORS) >= 10_000:
            _ACTORS.clear()
        where = f"the actor of the event at position {position}"
        actor = _ACTORS[text] = json_object(text, position, where)
    return actor
