"""The event feed for integration consumers: :meth:`Registry.events` reads a
page of events after a position, in log order, and a consumer keeps the
position of the last event it handled.

    since = load_checkpoint()
    while page := reg.events(since=since, limit=500):
        for event in page:
            handle(event)
        since = page[-1].position
        save_checkpoint(since)

Positions increase along the log and never change (the log is append-only),
so a page read again gives the same events, and a consumer that stops after
handling an event and before saving its checkpoint sees it once more.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from nhvflow.errors import InvalidPayload, shown

if TYPE_CHECKING:
    from nhvflow.engine import Registry
    from nhvflow.model import Event

__all__ = ["MAX_PAGE", "MAX_POSITION", "check_page", "every_event"]

MAX_PAGE = 10_000
"""The most events one call of :meth:`Registry.events` returns."""
MAX_POSITION = 2**63 - 1
"""The largest position a log can hold: a signed 64-bit integer in both stores,
whose drivers cannot even compare against a larger one."""


def _whole(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check_page(since: object, limit: object) -> None:
    """Refuse a page that is not ``since`` 0 to :data:`MAX_POSITION` and
    ``limit`` 1 to :data:`MAX_PAGE`."""
    if not _whole(since) or not 0 <= since <= MAX_POSITION:  # type: ignore[operator]
        raise InvalidPayload(
            "since",
            f"must be a position: a whole number from 0 (the start of the log) to "
            f"{MAX_POSITION} (got {shown(since)}).",
        )
    if not _whole(limit) or not 1 <= limit <= MAX_PAGE:  # type: ignore[operator]
        raise InvalidPayload(
            "limit",
            f"must be a whole number from 1 to {MAX_PAGE:,} (got {shown(limit)}); read further "
            "pages from the position of the last event returned.",
        )


def every_event(reg: Registry) -> Iterator[Event]:
    """Every event of the log, in order, page by page (for checks over a whole log)."""
    since = 0
    while page := reg.events(since, limit=MAX_PAGE):
        yield from page
        since = page[-1].position
