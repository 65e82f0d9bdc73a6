"""Reading back what a store holds, trusting none of it: a stored text that
is not the JSON object, the ISO time or the actor nhvflow wrote is an
:class:`~nhvflow.errors.IntegrityError` naming where it is (the log was
changed behind nhvflow's back), never a raw ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nhvflow.errors import IntegrityError, shown
from nhvflow.store._interface import CaseRow, StoredEvent
from nhvflow.store._json import loads, loads_plain

__all__ = ["case_row", "damaged", "json_object", "json_value", "moment", "stored_event"]


def damaged(position: int | None, where: str, exc: object) -> IntegrityError:
    """The error for a stored value nhvflow cannot read back."""
    hint = (
        "run verify(), and rebuild_projections() if only the projections are damaged"
        if position is None
        else "run verify(): the event log was changed behind nhvflow's back"
    )
    return IntegrityError(position, f"{where} cannot be read ({shown(str(exc))}); {hint}.")


def json_value(text: Any, where: str) -> Any:
    """A stored JSON value of a projection (a registry fact)."""
    try:
        return loads(text)
    except (TypeError, ValueError, RecursionError) as exc:
        raise damaged(None, where, exc) from None


def json_object(text: Any, position: int | None, where: str) -> dict[str, Any]:
    """A stored JSON object (a payload, an actor, a case's data)."""
    try:
        value = loads(text)
    except (TypeError, ValueError, RecursionError) as exc:
        raise damaged(position, where, exc) from None
    if not isinstance(value, dict):
        raise damaged(position, where, f"a JSON {type(value).__name__}, not an object")
    return value


def moment(text: Any, position: int | None, where: str) -> datetime:
    """A stored ISO time with its offset."""
    try:
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise damaged(position, where, exc) from None
    if value.tzinfo is None:
        raise damaged(position, where, f"{text!r} has no UTC offset")
    return value


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
    and payload as their JSON texts)."""
    position = row[0]
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
