"""The base of every event: :class:`Fact`, :class:`Meta`, :func:`upcast`.

Event classes double as the payload schema of their trigger: ``fire(...,
units=3)`` builds :class:`NhvDecided` through :func:`nhvflow._payload.parse`,
and reading the log builds it again from the stored JSON the same way.

Older stored shapes are turned into the current class by the class's
``upcasters`` (from-version -> function), applied in order on read.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import attrs

from nhvflow import _payload as p
from nhvflow.errors import LogFormatError
from nhvflow.model import Actor

__all__ = ["Fact", "Meta", "Upcaster", "iso", "upcast"]


def iso(moment: datetime) -> str:
    """A timezone-aware moment as fixed-width UTC ISO text (sorts as it compares)."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


@attrs.frozen
class Meta:
    """What the log knows of an event besides its payload."""

    case_id: str
    actor: Actor
    occurred_at: datetime
    version: int
    when: str = attrs.field(
        kw_only=True,
        default=attrs.Factory(lambda meta: iso(meta.occurred_at), takes_self=True),
    )
    """The business time as ISO text (how ``data`` records times): :func:`iso`
    of ``occurred_at``, or the same text as the log already holds it."""


class Fact:
    """Base of every event class.

    Subclasses are ``@attrs.frozen`` classes declaring their fields with the
    helpers of :mod:`nhvflow._payload`, a ``type`` (the stored name), a
    ``schema_version`` and, when the shape changed, ``upcasters``.
    """

    type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    upcasters: ClassVar[Mapping[int, Upcaster]] = {}

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        """Fold this fact into a case's ``data`` (in place).

        Used by the default :meth:`fold`; a class that overrides ``fold``
        need not define it.
        """

    @classmethod
    def fold(cls, payload: Mapping[str, Any], data: dict[str, Any], meta: Meta) -> None:
        """Fold a payload, as the log records it (JSON, current shape), into a
        case's ``data`` (in place).

        This is the one path from the log to the projections: the engine
        folds the payload it is about to record, and every replay folds the
        payload it reads back, so a rebuild cannot differ from the live
        projection. By default the payload is parsed into the event class and
        :meth:`apply` is called; a class may fold the JSON directly (faster,
        as the NHV events do).
        """
        p.parse(cls, payload).apply(data, meta)

    def to_json(self) -> dict[str, Any]:
        """The payload as JSON-ready data."""
        return p.dump(self)


def upcast(cls: type[Fact], payload: dict[str, Any], stored_version: int) -> dict[str, Any]:
    """Turn a payload stored at ``stored_version`` into the shape of ``cls``.

    Raises :class:`LogFormatError` for a shape newer than this code knows.
    """
    if stored_version > cls.schema_version:
        raise LogFormatError(
            f"event type {cls.type!r} was written at schema version {stored_version}, but this "
            f"nhvflow reads up to {cls.schema_version}; upgrade nhvflow to read this log."
        )
    version = stored_version
    while version < cls.schema_version:
        step = cls.upcasters.get(version)
        if step is None:  # pragma: no cover - a missing upcaster is a programming error
            raise LogFormatError(f"no upcaster for {cls.type!r} from schema version {version}")
        payload = step(payload)
        version += 1
    return payload
