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
    """Case rows by id. Inside a savepoint it journals what it overwrites,
    so that a rolled-back savepoint is undone; a rolled-back transaction
    simply forgets everything. The journal lasts only as long as the
    outermost savepoint, so a long batch of steps keeps no history."""

    LIMIT = 256
    """Rows kept at the most; the oldest written goes first (a step's case is
    usually one written moments before; a simulation of 100,000 proposals
    must not keep them all)."""

    def __init__(self) -> None:
        self._rows: dict[str, Entry] = {}
        self._undo: list[tuple[str, Entry | None]] = []
        self._marks: list[int] = []
        self.tail: tuple[int, str] | None = None
        """The log's last (position, hash), when this store wrote it."""

    def get(self, case_id: str) -> Entry | None:
        return self._rows.get(case_id)

    def put(self, case_id: str, entry: Entry) -> None:
        rows = self._rows
        before = rows.pop(case_id, None)
        if self._marks:  # a savepoint may still roll this back
            self._undo.append((case_id, before))
        rows[case_id] = entry  # the newest last: the oldest is evicted first
        if len(rows) > self.LIMIT:
            del rows[next(iter(rows))]

    def savepoint(self) -> None:
        """A savepoint begins."""
        self._marks.append(len(self._undo))

    def release(self) -> None:
        """The innermost savepoint was released: what it wrote stands,
        unless an enclosing savepoint rolls back (the journal is kept for
        that one, and dropped once no savepoint is open)."""
        self._marks.pop()
        if not self._marks:
            self._undo.clear()

    def roll_back(self) -> None:
        """The innermost savepoint was rolled back: forget what it wrote."""
        mark = self._marks.pop()
        rows, journal = self._rows, self._undo
        while len(journal) > mark:
            case_id, before = journal.pop()
            if before is None:
                rows.pop(case_id, None)
            else:
                rows[case_id] = before
        self.tail = None

    def clear(self) -> None:
        """A transaction rolled back, someone else may have written the log,
        or every row was replaced: forget everything."""
        self._rows.clear()
        self._undo.clear()
        self._marks = [0] * len(self._marks)  # open savepoints have nothing left to undo
        self.tail = None

    def finish(self) -> None:
        """The transaction ended (committed or rolled back, after clear()):
        no savepoint is open any more."""
        self._undo.clear()
        self._marks.clear()

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, case_id: Any) -> bool:
        return case_id in self._rows
