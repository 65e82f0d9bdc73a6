"""The chain of the log: the canonical JSON text of a value, the SHA-256
chain hash, the sealing of an event (position, canonical text, hash: the row
every backend binds), the seal of a case row, and the walk that checks a
log's chain (:class:`ChainCheck`). Written once, shared by every backend, so
that a log copied between them verifies hash for hash; the recipe is
documented in ``docs/log-format.md``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from typing import Any

from nhvflow.errors import IntegrityError
from nhvflow.store._hash import as_hashed, chain_hash
from nhvflow.store._interface import CaseRow, NewEvent, Sealed, StoredEvent, VerifyReport
from nhvflow.store._json import canonical

__all__ = [
    "GENESIS",
    "ChainCheck",
    "Sealed",
    "canonical",
    "chain_hash",
    "dropped_event",
    "foreign_triggers",
    "json_scalar",
    "projection_seal",
    "seal",
    "verify_log",
]

GENESIS = "0" * 64
"""The ``prev_hash`` of the first event."""


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


def projection_seal(row: CaseRow, data_text: str, event_hash: str) -> str:
    """The seal of a case row: SHA-256 over the hash of the event the row
    was folded from and the row's own content. A row whose seal does not
    match, or that names another event than its stream's last, is not
    backed by the log (see ``docs/log-format.md``)."""
    head = "\x1f".join(
        (event_hash, row.id, row.process, row.state, str(row.version), row.updated_at)
    )
    return hashlib.sha256(f"{head}\x1e{data_text}".encode()).hexdigest()


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
    return Sealed(StoredEvent.from_row(row, event.actor, event.payload), row)


def dropped_event(position: int, *, held: bool = False) -> IntegrityError:
    """The error for events the database dropped without an error (a
    trigger on ``events`` that is not nhvflow's): the steps are not taken."""
    what = (
        f"the events held from position {position} on were"
        if held
        else f"the event at position {position} was"
    )
    return IntegrityError(
        position,
        f"{what} not all written: the database dropped an event without an error (a trigger "
        "on events that is not nhvflow's?); nothing was written, run verify().",
    )


def foreign_triggers(found: Iterable[str], own: Iterable[str]) -> list[str]:
    """A problem for each trigger on ``events`` that is not one of nhvflow's:
    a trigger can drop or change what a step appends without an error."""
    mine = set(own)
    return [
        f"the table events has a trigger that is not nhvflow's: {name} (it can drop or "
        "change what a step appends)"
        for name in sorted(found)
        if name not in mine
    ]


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
        position, stream_id, version = row[0], row[1], row[2]
        prev_hash, digest = row[11], row[12]
        self.checked += 1
        if position != self._expected:
            self._bad(position, f"position {position} follows {self._expected - 1}")
        self._expected = position + 1
        last = self._versions.get(stream_id, 0)
        if version != last + 1:
            self._bad(
                position, f"position {position}: {stream_id} version {version} follows {last}"
            )
        # a version that is no number (a blob written behind nhvflow's back) is
        # reported above; the stream goes on counting as if it had been right
        self._versions[stream_id] = version if isinstance(version, int) else last + 1
        if prev_hash != self._prev:
            self._bad(
                position, f"position {position}: prev_hash does not link to the previous event"
            )
        if not as_hashed(row):
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


def verify_log(
    triggers: Callable[[], list[str]],
    rows: Callable[[], Iterable[tuple[Any, ...]]],
    unreadable: tuple[type[BaseException], ...],
) -> VerifyReport:
    """A backend's ``verify()``: the problems ``triggers()`` finds with the
    triggers on ``events``, then every row ``rows()`` yields, in order of
    position, walked by :class:`ChainCheck`. An error of ``unreadable``
    becomes a problem of the report (``verify`` never raises on a damaged log)."""
    check = ChainCheck()
    problems: list[str] = []
    try:
        problems += triggers()
        for row in rows():
            check.feed(row)
    except unreadable as exc:
        problems.append(f"the log could not be read: {exc}")
        return check.report(problems, readable=False)
    return check.report(problems)
