"""What is due: :class:`Due` and :func:`pending_items`, behind
:meth:`nhvflow.Registry.due`.

Each regime declares its time limits beside its process table
(:attr:`nhvflow.states.Process.deadlines`); this module asks every case in a
state where a deadline runs — read from the case projection, by state,
never by scanning the event log — what is pending, and sorts the answer:
overdue first, then by due date.

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime
from typing import Any

import attrs

from nhvflow.engine._checks import utc_offset
from nhvflow.engine._request import aware
from nhvflow.errors import InvalidPayload, shown
from nhvflow.model import Actor, Case, Role
from nhvflow.states import Process
from nhvflow.states._deadline import Deadline, DeadlineKind, Pending

__all__ = ["Due", "as_day", "in_order", "pending_items"]


@attrs.frozen
class Due:
    """One thing that is due: in case ``case_id``, ``role`` (``who``) must
    take step ``trigger`` by ``due`` (inclusive); ``overdue`` when the day
    asked about is after it. ``deadline`` is the declared time limit's id,
    ``citation`` and ``kind`` (``law``, ``regulation``, ``practice``) its
    source.

    .. versionadded:: 0.2
    """

    case_id: str
    process: str
    trigger: str
    role: Role
    who: str
    due: date
    overdue: bool
    citation: str
    kind: DeadlineKind
    deadline: str
    title: str = ""
    detail: str = ""

    @property
    def responsible(self) -> str:
        """The responsible party as one line, e.g. ``"region: Region Skåne"``."""
        return f"{self.role.value}: {self.who}"

    def to_json(self) -> dict[str, Any]:
        """The item as JSON-ready data (dates as ISO text, the role by value)."""
        return {
            "case_id": self.case_id,
            "process": self.process,
            "trigger": self.trigger,
            "role": self.role.value,
            "who": self.who,
            "due": self.due.isoformat(),
            "overdue": self.overdue,
            "citation": self.citation,
            "kind": self.kind,
            "deadline": self.deadline,
            "title": self.title,
            "detail": self.detail,
        }


def as_day(value: date | datetime | str | None, today: Callable[[], date]) -> date:
    """The day asked about: ``value`` as a date (a timezone-aware datetime's
    day in UTC, the day the rules judge a step taken at that moment on; ISO
    text of a date, or of an aware date-time, read whole), or ``today()``
    when ``None``. Anything else (a naive datetime, a number
    whose digits spell a date, a date followed by other text) is refused,
    not guessed at."""
    if value is None:
        return today()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
        try:
            if "\x00" in value:  # datetime.fromisoformat passes over a NUL
                raise ValueError(value)
            value = datetime.fromisoformat(value)
        except ValueError:
            raise InvalidPayload(
                "as_of",
                f"{shown(value)} is not an ISO date; give one as YYYY-MM-DD (or a date, or a "
                "timezone-aware datetime).",
            ) from None
    if isinstance(value, datetime):
        if utc_offset(value, "as_of") is None:
            raise InvalidPayload(
                "as_of",
                f"{shown(value)} is a naive date-time, ambiguous about its day; give a date "
                "(YYYY-MM-DD) or a timezone-aware datetime.",
            )
        return aware(value, "as_of").date()
    if isinstance(value, date):
        return value
    raise InvalidPayload(
        "as_of",
        f"must be a date, a timezone-aware datetime or ISO text, e.g. '2025-09-01' (got "
        f"{type(value).__name__} {shown(value)}).",
    )


def _party(actor: Actor) -> str:
    if actor.role is Role.REGION and actor.principal is not None:
        return actor.principal.name
    return actor.name


def _concerns(actor: Actor, deadline: Deadline, pending: Pending) -> bool:
    """Whether ``pending`` is ``actor``'s to do: its role, its party, and a
    region actor only for the region it acts for (one acting for none, whom
    ``nhv.responsible-party`` refuses, has nothing to do)."""
    if actor.role is not deadline.role:
        return False
    if actor.role is Role.REGION and actor.principal is None:
        return False
    party = _party(actor)
    if pending.party is not None and pending.party != party:
        return False
    return party not in pending.excluding


def in_order(items: Iterable[Due]) -> list[Due]:
    """``items`` overdue first, then by due date (then case and deadline,
    for a stable order)."""
    return sorted(
        items, key=lambda d: (not d.overdue, d.due, d.case_id, d.deadline, d.who, d.detail)
    )


def pending_items(
    processes: Iterable[Process],
    cases: Callable[[str, str], Iterable[Case]],
    as_of: date,
    actor: Actor | None = None,
) -> Iterator[Due]:
    """Every pending obligation of every declared deadline, as of ``as_of``,
    as ``cases(state, process)`` yields the cases of one state; ``actor``
    keeps what that party is responsible for."""
    for process in processes:
        by_state: dict[str, list[Deadline]] = {}  # each state's cases read once
        for deadline in process.deadlines:
            if actor is None or actor.role is deadline.role:
                for state in deadline.states:
                    by_state.setdefault(state, []).append(deadline)
        for state, deadlines in by_state.items():
            for case in cases(state, process.name):
                for deadline in deadlines:
                    for pending in deadline.pending(case, as_of):
                        if actor is not None and not _concerns(actor, deadline, pending):
                            continue
                        yield Due(
                            case.id,
                            process.name,
                            deadline.trigger,
                            deadline.role,
                            pending.who,
                            pending.due,
                            as_of > pending.due,
                            deadline.citation,
                            pending.kind or deadline.kind,
                            deadline.id,
                            deadline.title_en,
                            pending.detail,
                        )
