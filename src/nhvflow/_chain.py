"""Checking a log's hash chain, positions and versions, row by row.

Backend-neutral: a store feeds it the stored columns of each event in
order of position (with the JSON as the stored text) and asks for a
:class:`~nhvflow._records.VerifyReport`. Used by the PostgreSQL store and by
:func:`nhvflow._copy.copy_log`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from nhvflow._records import GENESIS, VerifyReport, chain_hash

__all__ = ["ChainCheck"]

MAX_PROBLEMS = 20
"""A damaged log is described by its first problems, not all of them."""


class ChainCheck:
    """Accumulates what is wrong with a log while its events are fed in order."""

    def __init__(self) -> None:
        self.checked = 0
        self.problems: list[str] = []
        self.first_bad: int | None = None
        self._expected_position = 1
        self._prev = GENESIS
        self._versions: dict[str, int] = {}

    def problem(self, message: str, position: int | None = None) -> None:
        """Record a problem (at an event's position, when it is one event's)."""
        if position is not None and self.first_bad is None:
            self.first_bad = position
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(message)

    def feed(self, row: Sequence[Any]) -> None:
        """Check the next event: the 13 stored columns, in the order
        position, stream_id, version, type, schema_version, actor, payload,
        occurred_at, recorded_at, idempotency_key, request_hash, prev_hash, hash."""
        (
            position,
            stream_id,
            version,
            type_,
            schema_version,
            actor,
            payload,
            occurred_at,
            recorded_at,
            key,
            request_hash,
            prev_hash,
            digest,
        ) = row
        self.checked += 1
        if position != self._expected_position:
            self.problem(f"position {position} follows {self._expected_position - 1}", position)
        self._expected_position = position + 1
        before = self._versions.get(stream_id, 0)
        if version != before + 1:
            self.problem(
                f"position {position}: {stream_id} version {version} follows {before}", position
            )
        self._versions[stream_id] = version
        if prev_hash != self._prev:
            self.problem(
                f"position {position}: prev_hash does not link to the previous event", position
            )
        try:
            recomputed: str | None = chain_hash(
                prev_hash,
                position=position,
                stream_id=stream_id,
                version=version,
                type=type_,
                schema_version=schema_version,
                actor=actor,
                payload=payload,
                occurred_at=occurred_at,
                recorded_at=recorded_at,
                idempotency_key=key,
                request_hash=request_hash,
            )
        except (TypeError, ValueError):  # e.g. a value of the wrong type
            recomputed = None
        if recomputed != digest:
            self.problem(
                f"position {position}: stored hash does not match the event's content "
                "(changed after it was written)",
                position,
            )
        self._prev = digest

    def report(self) -> VerifyReport:
        """What was found."""
        return VerifyReport(not self.problems, self.checked, self.first_bad, tuple(self.problems))
