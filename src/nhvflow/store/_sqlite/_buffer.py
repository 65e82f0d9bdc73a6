"""The steps of a batch, held in memory until the log must show them.

Inside ``Registry.batch()`` each step runs in a nested write. Written one at
a time, a step would cost a savepoint (``SAVEPOINT`` and ``RELEASE``) and
four statements or more. Held here, the steps of a batch reach the database
together — their events in one ``executemany``, then the last row of each
case and the last rows of each of its side tables — when the batch commits,
when something reads the log inside it, and every :attr:`WriteBuffer.LIMIT`
steps, so that memory stays flat however long the batch.

Nothing a refused step did is held: the pipeline refuses before it writes.
A nested write that fails takes back only what it added. Its SQL savepoint
is opened only when something must reach the database inside it (a read,
a registry step, a full buffer); savepoints open in order, each after the
writes held before it began, so that rolling one back undoes exactly what
it wrote, as if every step had had its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import attrs

from nhvflow.store._sqlite._cache import Entry

__all__ = ["Held", "WriteBuffer"]


@attrs.frozen
class Held:
    """One step held: its events row, its case row (``Projection.params``)
    and side-table rows, and what the store answers from memory until it is
    written (the row cache's entry, the idempotency key, the log's tail)."""

    event: tuple[Any, ...]
    case_id: str
    case: tuple[Any, ...]
    tables: tuple[tuple[str, tuple[tuple[Any, ...], ...]], ...]
    entry: Entry
    key: str | None
    tail: tuple[int, str]


@attrs.define
class _Level:
    """A nested write: how many steps were held when it began (0 once those
    are written) and whether its SQL savepoint is open."""

    mark: int
    open: bool = False


class WriteBuffer:
    """The held steps of one write transaction, and its nested writes.

    :param write: writes held steps to the database, in order.
    :param execute: runs one SQL statement (the savepoints).
    """

    LIMIT = 500
    """Steps held at the most; one more writes them all."""

    def __init__(
        self, write: Callable[[Sequence[Held]], None], execute: Callable[[str], Any]
    ) -> None:
        self._write = write
        self._execute = execute
        self.steps: list[Held] = []
        self.rows: dict[str, Entry] = {}
        """The newest held row of each case: the case as the log will show it."""
        self.keys: set[str] = set()
        self._levels: list[_Level] = []

    @property
    def tail(self) -> tuple[int, str] | None:
        """The last held event's ``(position, hash)``, if any is held."""
        return self.steps[-1].tail if self.steps else None

    def hold(self, step: Held) -> None:
        self.steps.append(step)
        self.rows[step.case_id] = step.entry
        if step.key is not None:
            self.keys.add(step.key)

    def begin(self) -> None:
        """A nested write begins (no SQL yet)."""
        self._levels.append(_Level(len(self.steps)))

    def release(self) -> None:
        """The innermost nested write ended: what it holds passes to the one
        around it."""
        level = self._levels.pop()
        if level.open:
            self._execute(f"RELEASE SAVEPOINT nhvflow_{len(self._levels)}")

    def roll_back(self, in_transaction: bool) -> None:
        """The innermost nested write failed: forget what it held, and roll
        back what it wrote."""
        level = self._levels.pop()
        if level.open and in_transaction:
            name = f"nhvflow_{len(self._levels)}"
            self._execute(f"ROLLBACK TO SAVEPOINT {name}")
            self._execute(f"RELEASE SAVEPOINT {name}")
        if len(self.steps) > level.mark:
            del self.steps[level.mark :]
            self.rows = {step.case_id: step.entry for step in self.steps}
            self.keys = {step.key for step in self.steps if step.key is not None}

    def sync(self) -> None:
        """Write every held step, and open the savepoint of every nested
        write, each after the steps held before it began."""
        if not self.steps and all(level.open for level in self._levels):
            return  # nothing held, no savepoint to open: the usual case outside a batch
        written = 0
        for depth, level in enumerate(self._levels):
            if not level.open:
                self._write(self.steps[written : level.mark])
                written = level.mark
                self._execute(f"SAVEPOINT nhvflow_{depth}")
                level.open = True
            level.mark = 0
        self._write(self.steps[written:])
        self.steps.clear()
        self.rows.clear()
        self.keys.clear()

    def clear(self) -> None:
        """The transaction ended: nothing is held, no nested write is open."""
        self.steps.clear()
        self.rows.clear()
        self.keys.clear()
        self._levels.clear()
