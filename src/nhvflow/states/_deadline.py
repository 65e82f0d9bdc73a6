"""Time limits as data: :class:`Deadline` (what a regime declares beside its
process table) and :class:`Pending` (one obligation a deadline finds in a
case).

A deadline runs while a case is in one of its ``states``; its ``pending``
function reads the case as the projection holds it (``Case.data``) and the
day asked about, and yields what is still to be done: the step (trigger)
that meets it, who must take it and by which day. Nothing here reads the
event log. :meth:`nhvflow.Registry.due` collects them.

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import MAXYEAR, date
from typing import Literal

import attrs

from nhvflow.model import Case, Role

__all__ = ["Deadline", "DeadlineKind", "Pending", "anniversary", "yearly"]

DeadlineKind = Literal["law", "regulation", "practice"]
"""Where a time limit comes from: an act (``law``), a regulation or an
agency's binding rules (``regulation``), or an authority's practice or a
setting of the registry (``practice``) — never presented as law."""


@attrs.frozen
class Pending:
    """One obligation a :class:`Deadline` finds in a case: who must take
    ``trigger`` by ``due``.

    ``party`` narrows the responsible role to one party (a region's member
    name such as ``"SKANE"``, a health enterprise's name); ``None`` when any
    party of the role may act (every region may apply for a permit).
    ``excluding`` names parties of the role that have already done their
    part (the regions that applied). ``kind`` overrides the deadline's kind
    for this one obligation (a period Socialstyrelsen set itself is
    ``regulation``, the default period ``practice``).
    """

    due: date
    who: str
    party: str | None = None
    excluding: frozenset[str] = frozenset()
    detail: str = ""
    kind: DeadlineKind | None = None


PendingFn = Callable[[Case, date], Iterable[Pending]]


def anniversary(start: date, year: int) -> date:
    """``start``'s month and day in ``year`` (28 February for a 29 February
    start in a common year): when a yearly duty that began on ``start``
    falls due."""
    try:
        return start.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def yearly(start: date, as_of: date) -> Iterator[tuple[int, date]]:
    """Each calendar year from ``start``'s to ``as_of``'s, with the day its
    yearly duty falls due: ``start``'s anniversary in the year after.

    A year whose anniversary would fall past the calendar (the duty for 9999,
    due in 10000, which :class:`datetime.date` cannot hold) is skipped: it is
    not due on any day that can be asked about, so ``due(as_of=<a day in
    9999>)`` lists the rest rather than failing."""
    for year in range(start.year, min(as_of.year, MAXYEAR - 1) + 1):
        yield year, anniversary(start, year + 1)


@attrs.frozen
class Deadline:
    """A time limit a regime declares: its id, the step that meets it, the
    states in which it runs, the responsible role, its source (citation and
    kind) and how to find what is pending in a case.

    .. versionadded:: 0.2
    """

    id: str
    trigger: str
    states: tuple[str, ...]
    role: Role
    citation: str
    kind: DeadlineKind
    title_en: str
    title_sv: str
    pending: PendingFn = attrs.field(eq=False, repr=False)

    def title(self, lang: Literal["en", "sv"] = "en") -> str:
        """The title in English or Swedish."""
        return self.title_sv if lang == "sv" else self.title_en
