"""The opener, :func:`open_registry` (``nhvflow.open``): checks its
arguments, chooses the store from the path (an SQLite file, memory, or a
PostgreSQL URL) and hands it to a :class:`~nhvflow.engine.Registry`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from nhvflow.engine._checks import open_arguments, open_path, process_name
from nhvflow.engine._registry import Clock, Registry, known_processes
from nhvflow.states import Process
from nhvflow.store._interface import Durability, Store
from nhvflow.store._sqlite import SQLiteStore
from nhvflow.store._targets import is_postgres_url

__all__ = ["open_registry"]


def open_registry(
    path: str | Path = ":memory:",
    *,
    process: str = "nhv",
    durability: Durability = "full",
    busy_timeout: float = 5.0,
    readonly: bool = False,
    processes: Iterable[Process] = (),
    logger: Any = None,
    clock: Clock | None = None,
) -> Registry:
    """Open a registry on an SQLite file (created if missing), in memory, or
    on a PostgreSQL database.

    :param path: a file path, ``":memory:"`` (the default), or a PostgreSQL
        URL (``postgresql://user@host/db``; needs the extra
        ``nhvflow[postgres]``), which chooses the PostgreSQL store.
    :param process: the default regime for :meth:`Registry.submit`.
    :param durability: ``"full"`` (default; a commit survives power loss) or
        ``"normal"`` (survives a process crash; for simulations).
    :param busy_timeout: seconds a writer waits for another writer
        (PostgreSQL: for the log's advisory lock).
    :param readonly: open an existing log for reading only (no WAL switch, no
        schema, no warning about concurrent writers; steps raise
        :class:`~nhvflow.errors.ReadOnlyLog`).
    :param processes: further process definitions beside the built-in ones.
        A definition named like a built-in (``"nhv"``, ``"kc-proposal"``,
        ...) takes its place in this registry, e.g. a copy with one rule
        swapped by :func:`nhvflow.testing.replace_rule`; cases already in the
        log are then read and judged by it.
    :param logger: where the library's log lines go: by default the
        standard ``logging`` logger ``"nhvflow"`` (which has a ``NullHandler``:
        the host's logging configuration decides what is shown); a
        :class:`logging.Logger` of the host's; or a structlog-style logger
        (``debug``/``info``/``warning``/``error(event, **keys)``), which gets
        every line.
    :param clock: where "now" comes from when a step has no ``at=``.

    .. versionadded:: 0.1
    """
    target = open_path(path)
    open_arguments(
        durability=durability,
        busy_timeout=busy_timeout,
        readonly=readonly,
        path=target,
        clock=clock,
        logger=logger,
    )
    processes = list(known_processes(processes).values())
    process_name(process, (p.name for p in processes))
    store: Store
    if is_postgres_url(target):
        from nhvflow.store._postgres import PostgresStore  # psycopg only when asked for

        store = PostgresStore(
            target,
            durability=durability,
            busy_timeout=busy_timeout,
            readonly=readonly,
            logger=logger,
        )
    else:
        store = SQLiteStore(
            target,
            durability=durability,
            busy_timeout=busy_timeout,
            readonly=readonly,
            logger=logger,
        )
    try:
        return Registry(store, process=process, processes=processes, logger=logger, clock=clock)
    except BaseException:
        store.close()
        raise
