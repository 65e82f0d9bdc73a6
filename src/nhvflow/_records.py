"""What a store holds and the interface every store backend provides.

The engine speaks to a store only through :class:`Store`; the SQLite store
(:mod:`nhvflow.store`) is the embedded default. Rows carry JSON as Python
values; the canonical encoding and the hash chain are defined here so that
every backend computes the same hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Any, Literal, Protocol

import attrs

__all__ = [
    "GENESIS",
    "REGISTRY_STREAM",
    "CaseRow",
    "ChainCheck",
    "Durability",
    "NewEvent",
    "Projection",
    "Sealed",
    "Store",
    "StoredEvent",
    "VerifyReport",
    "canonical",
    "chain_hash",
    "json_scalar",
    "projection_seal",
    "seal",
]

Durability = Literal["full", "normal"]
"""``"full"``: a commit survives power loss; ``"normal"``: it survives a process crash."""

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""

REGISTRY_STREAM = "registry"
"""The stream of registry-wide facts (the completed mapping)."""


def canonical(value: Any) -> str:
    """The canonical JSON text of a value: sorted keys, no spaces, UTF-8, no
    NaN or infinities and no circular or absurdly deep values (``ValueError``),
    only JSON types (``TypeError``).

    The same text as ``json.dumps(value, ensure_ascii=False, sort_keys=True,
    separators=(",", ":"), allow_nan=False)``, through one encoder built
    once: json.dumps builds a new one on every call, which costs more than
    encoding a small payload.
    """
    if _encoder is None:  # pragma: no cover - CPython always has the C encoder
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    try:
        return "".join(_encoder(value, 0))
    except RecursionError:
        raise ValueError("a circular or too deeply nested value cannot be encoded") from None


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encoder = (
    None
    if _make_encoder is None
    # markers=None: no circular check (a circular value recurses, which
    # canonical reports); the arguments of json.encoder.JSONEncoder.iterencode.
    else _make_encoder(
        None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
)


_encode_string = json.encoder.encode_basestring
"""A str as JSON text, exactly as ``json.dumps(..., ensure_ascii=False)`` spells it."""


def json_scalar(value: Any) -> str:
    """A value as ``json.dumps(value, ensure_ascii=False)`` spells it; the
    stored types (int, str, None) without building an encoder."""
    kind = value.__class__
    if kind is str:
        return _encode_string(value)
    if kind is int:
        return int.__repr__(value)
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=False)


def chain_hash(
    prev_hash: str,
    *,
    position: int,
    stream_id: str,
    version: int,
    type: str,
    schema_version: int,
    actor: str,
    payload: str,
    occurred_at: str,
    recorded_at: str,
    idempotency_key: str | None,
    request_hash: str | None,
) -> str:
    """SHA-256 of the previous hash followed by the event's canonical encoding.

    ``actor`` and ``payload`` are the stored JSON texts. The recipe is
    documented in ``docs/log-format.md``.
    """
    fields = (
        position,
        stream_id,
        version,
        type,
        schema_version,
        actor,
        payload,
        occurred_at,
        recorded_at,
        idempotency_key,
        request_hash,
    )
    # The same text as json.dumps(list(fields), ensure_ascii=False,
    # separators=(",", ":")), without building an encoder per event.
    body = "[" + ",".join(map(json_scalar, fields)) + "]"
    return hashlib.sha256((prev_hash + body).encode("utf-8")).hexdigest()


@attrs.frozen
class NewEvent:
    """An event about to be appended; :func:`seal` gives it its position,
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


@attrs.frozen
class CaseRow:
    """The projection of one case.

    ``seal`` binds the row to the event it was folded from
    (:func:`projection_seal`); ``head`` is the ``(version, hash)`` of the
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


def projection_seal(row: CaseRow, data_text: str, event_hash: str) -> str:
    """The seal of a case row: SHA-256 over the hash of the event the row
    was folded from and the row's own content. A row whose seal does not
    match, or that names another event than its stream's last, is not
    backed by the log (see ``docs/log-format.md``)."""
    head = "\x1f".join(
        (event_hash, row.id, row.process, row.state, str(row.version), row.updated_at)
    )
    return hashlib.sha256(f"{head}\x1e{data_text}".encode()).hexdigest()


@attrs.frozen
class Projection:
    """What a step (or a rebuild) hands a store for one case: the case row
    with its seal and encoded data, and the rows of the regime's other
    projection tables for that case (``table -> rows``), each replacing the
    case's rows in that table. A table not named is left as it is."""

    case: CaseRow
    data_text: str
    tables: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...] = ()


@attrs.frozen
class Sealed:
    """An event sealed for the log: the stored event and the row of columns
    every backend binds (``EVENT_COLUMNS`` order, JSON as canonical text)."""

    event: StoredEvent
    row: tuple[Any, ...]


def seal(event: NewEvent, tail: tuple[int, str] | None, recorded_at: str) -> Sealed:
    """Give ``event`` the next position after ``tail`` (the log's last
    ``(position, hash)``; ``None`` for an empty log), its recording time and
    its place in the hash chain. The one sealing of events, shared by every
    backend."""
    position, prev = (tail[0] + 1, tail[1]) if tail else (1, GENESIS)
    actor = event.actor_text if event.actor_text is not None else canonical(event.actor)
    payload = event.payload_text if event.payload_text is not None else canonical(event.payload)
    digest = chain_hash(
        prev,
        position=position,
        stream_id=event.stream_id,
        version=event.version,
        type=event.type,
        schema_version=event.schema_version,
        actor=actor,
        payload=payload,
        occurred_at=event.occurred_at,
        recorded_at=recorded_at,
        idempotency_key=event.idempotency_key,
        request_hash=event.request_hash,
    )
    stored = StoredEvent(
        position,
        event.stream_id,
        event.version,
        event.type,
        event.schema_version,
        event.actor,
        event.payload,
        event.occurred_at,
        recorded_at,
        event.idempotency_key,
        event.request_hash,
        prev,
        digest,
    )
    row = (
        position,
        event.stream_id,
        event.version,
        event.type,
        event.schema_version,
        actor,
        payload,
        event.occurred_at,
        recorded_at,
        event.idempotency_key,
        event.request_hash,
        prev,
        digest,
    )
    return Sealed(stored, row)


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


class Store(Protocol):
    """The interface of an event store backend.

    Writes happen inside :meth:`write`: a transaction that holds the
    store's write lock from the first read to the commit (``BEGIN
    IMMEDIATE`` in SQLite), so that a rule is never judged on a stale state.
    Nested ``write`` blocks are savepoints.
    """

    durability: Durability

    def write(self) -> AbstractContextManager[None]:
        """A write transaction (or a savepoint inside one): everything in the
        block is committed together, or nothing when it raises. Raises
        :class:`~nhvflow.errors.StoreBusy` when the write lock cannot be had
        within the store's busy timeout."""
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
        """Append one sealed event (:func:`seal` after :meth:`tail`) and
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
        ``since``, at most ``limit`` of them."""
        ...

    def cases(self, *, state: str | None = None, process: str | None = None) -> Iterator[CaseRow]:
        """Case projections in order of creation."""
        ...

    def stream_ids(self) -> Iterator[str]:
        """Every stream id, in order of its first event."""
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


class ChainCheck:
    """Walks a log's rows in order of position and checks what every store
    must hold: contiguous positions from 1, versions 1, 2, ... per stream,
    each ``prev_hash`` linking to the event before, and each hash recomputed
    from the row. Backends feed it raw rows and add their own problems
    (missing append-only triggers, unreadable storage).
    """

    MAX_PROBLEMS = 20

    def __init__(self) -> None:
        self.checked = 0
        self.first_bad: int | None = None
        self.problems: list[str] = []
        self._expected = 1
        self._prev = GENESIS
        self._versions: dict[str, int] = {}

    def _bad(self, position: int, message: str) -> None:
        if self.first_bad is None:
            self.first_bad = position
        if len(self.problems) < self.MAX_PROBLEMS:
            self.problems.append(message)

    def feed(self, row: tuple[Any, ...]) -> None:
        """Check one row: ``(position, stream_id, version, type, schema_version,
        actor, payload, occurred_at, recorded_at, idempotency_key, request_hash,
        prev_hash, hash)`` with actor and payload as their stored JSON texts."""
        (position, stream_id, version, type_, schema_version, actor, payload,
         occurred_at, recorded_at, key, request_hash, prev_hash, digest) = row  # fmt: skip
        self.checked += 1
        if position != self._expected:
            self._bad(position, f"position {position} follows {self._expected - 1}")
        self._expected = position + 1
        last = self._versions.get(stream_id, 0)
        if version != last + 1:
            self._bad(
                position, f"position {position}: {stream_id} version {version} follows {last}"
            )
        self._versions[stream_id] = version
        if prev_hash != self._prev:
            self._bad(
                position, f"position {position}: prev_hash does not link to the previous event"
            )
        try:
            recomputed: str | None = chain_hash(
                prev_hash, position=position, stream_id=stream_id, version=version, type=type_,
                schema_version=schema_version, actor=actor, payload=payload,
                occurred_at=occurred_at, recorded_at=recorded_at, idempotency_key=key,
                request_hash=request_hash,
            )  # fmt: skip
        except (TypeError, ValueError):  # e.g. a blob written where text belongs
            recomputed = None
        if recomputed != digest:
            self._bad(
                position,
                f"position {position}: stored hash does not match the event's content "
                "(changed after it was written)",
            )
        self._prev = digest

    def report(self, extra: list[str] | None = None, *, readable: bool = True) -> VerifyReport:
        """The verdict; ``extra`` are the backend's own problems (listed first)."""
        problems = [*(extra or []), *self.problems]
        return VerifyReport(
            readable and not problems, self.checked, self.first_bad, tuple(problems)
        )
