"""The savepoint of a nested write on PostgreSQL: a step inside ``batch()``
that fails leaves no trace and the others stand. (SQLite holds the steps of
a batch and opens its savepoints only when it must: ``store._buffer``.)"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["savepoint"]


@contextmanager
def savepoint(
    execute: Callable[[str], Any],
    name: str,
    *,
    open_transaction: Callable[[], bool],
    undo: Callable[[], None],
) -> Iterator[None]:
    """Run the block inside ``SAVEPOINT name``: released when it ends, rolled
    back when it raises (while the transaction is still open), after
    ``undo`` has forgotten what the store kept of it."""
    execute(f"SAVEPOINT {name}")
    try:
        yield
    except BaseException:
        undo()
        if open_transaction():
            execute(f"ROLLBACK TO SAVEPOINT {name}")
            execute(f"RELEASE SAVEPOINT {name}")
        raise
    else:
        execute(f"RELEASE SAVEPOINT {name}")
