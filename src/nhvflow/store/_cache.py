"""The case rows a store wrote itself, kept across its transactions so that
the next step on a case need not read its row back.

A store keeps it valid: it entrusts the cache only with rows it wrote in its
own transactions, undoes what a rolled-back transaction or savepoint wrote,
and drops everything as soon as anyone else may have written the log (for
SQLite: ``PRAGMA data_version`` changed between transactions). What it holds
is the stored text, never a decoded value a caller could change: a row is
decoded afresh on every load, and the engine checks its seal against the
event it names as on any row read from disk.
"""

from __future__ import annotations

from typing import Any

__all__ = ["RowCache"]

Entry = tuple[str, str, int, str, str, str, int, str]
"""``(process, state, version, data_text, updated_at, seal, head version, head hash)``."""


class RowCache:
    """Case rows by id, with an undo journal for the open transaction."""

    LIMIT = 4096
    """Rows kept at the most; the oldest written goes first."""

    def __init__(self) -> None:
        self._rows: dict[str, Entry] = {}
        self._undo: list[tuple[str, Entry | None]] = []
        self.tail: tuple[int, str] | None = None
        """The log's last (position, hash), when this store wrote it."""

    def get(self, case_id: str) -> Entry | None:
        return self._rows.get(case_id)

    def put(self, case_id: str, entry: Entry) -> None:
        rows = self._rows
        self._undo.append((case_id, rows.pop(case_id, None)))
        rows[case_id] = entry  # the newest last: the oldest is evicted first
        if len(rows) > self.LIMIT:
            del rows[next(iter(rows))]

    def mark(self) -> int:
        """Where a savepoint begins, for :meth:`undo`."""
        return len(self._undo)

    def undo(self, mark: int = 0) -> None:
        """Forget what was written since ``mark`` (a rolled-back savepoint, or
        the whole transaction with 0)."""
        rows, journal = self._rows, self._undo
        while len(journal) > mark:
            case_id, before = journal.pop()
            if before is None:
                rows.pop(case_id, None)
            else:
                rows[case_id] = before
        self.tail = None

    def commit(self) -> None:
        """The transaction committed: what it wrote stands."""
        self._undo.clear()

    def clear(self) -> None:
        """Someone else may have written the log (or every row was replaced)."""
        self._rows.clear()
        self._undo.clear()
        self.tail = None

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, case_id: Any) -> bool:
        return case_id in self._rows
