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

__all__ = ["Fact", "Meta", "Recorded", "Upcaster", "iso", "upcast"]


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


@attrs.frozen
class Recorded:
    """Where a fact that only records its payload goes in a case's ``data``:
    under ``key``, its fields (as the log holds them) and the business time as
    ``at``; with ``each``, appended to the list under ``key`` (one item per
    fact) instead of replacing it.

    ``Recorded("refusal", at="refused_at")`` on a fact with a ``reason`` folds
    it as ``data["refusal"] = {"reason": ..., "refused_at": ...}``.
    """

    key: str
    at: str
    each: bool = False

    def fold(
        self, names: tuple[str, ...], payload: Mapping[str, Any], data: dict[str, Any], when: str
    ) -> None:
        """Fold the fields ``names`` of ``payload`` into ``data`` (a new list
        or dict: never a value of the case before, nor one of the payload)."""
        item = {name: _copy(payload[name]) for name in names}
        item[self.at] = when
        data[self.key] = [*data.get(self.key, ()), item] if self.each else item


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list) else value


class Fact:
    """Base of every event class.

    Subclasses are ``@attrs.frozen`` classes declaring their fields with the
    helpers of :mod:`nhvflow.events.fields`, a ``type`` (the stored name), a
    ``schema_version`` and, when the shape changed, ``upcasters``. A fact
    that only records its payload declares where (``recorded``, a
    :class:`Recorded`) instead of a fold of its own.
    """

    type: ClassVar[str]
    schema_version: ClassVar[int] = 1
    upcasters: ClassVar[Mapping[int, Upcaster]] = {}
    recorded: ClassVar[Recorded | None] = None

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
        as the NHV events do). A class that declares ``recorded`` folds the
        JSON through it. Either way the engine folds only a payload the class
        reads: a live step's was parsed before it was recorded, and a replay
        parses the stored one first.
        """
        if cls.recorded is not None:
            names = tuple(field.name for field in attrs.fields(cls))  # type: ignore[arg-type]
            cls.recorded.fold(names, payload, data, meta.when)
            return
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
