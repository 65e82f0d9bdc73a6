"""Reading back what a store holds, trusting none of it: a stored text that
is not the JSON object, the ISO time or the actor nhvflow wrote is an
:class:`~nhvflow.errors.IntegrityError` naming where it is (the log was
changed behind nhvflow's back), never a raw ``ValueError`` or ``TypeError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from nhvflow.errors import IntegrityError, shown
from nhvflow.store._json import loads

__all__ = ["damaged", "json_object", "json_value", "moment"]


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
        if isinstance(text, str) and "\x00" in text:  # fromisoformat passes over a NUL
            raise ValueError(f"{text!r} holds a NUL character")
        value = datetime.fromisoformat(text)
    except (TypeError, ValueError) as exc:
        raise damaged(position, where, exc) from None
    if value.tzinfo is None:
        raise damaged(position, where, f"{text!r} has no UTC offset")
    return value
