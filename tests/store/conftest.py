"""The backends that the store contract (``tests/store/test_contract.py``)
runs against.

A backend is a small object that the contract asks for three things:

``open()``
    a fresh, empty store (an object satisfying ``nhvflow.store._interface.Store``);
``second(store, busy_timeout=...)``
    another handle on the same log, as a second process would open it, or
    ``None`` when the backend cannot have one (SQLite ``:memory:``); tests
    that need two handles are skipped for such a backend;
``tamper(store, position, column, value)``
    change one column of one stored event behind the store's back, as
    someone with direct database access would (dropping and restoring
    whatever guards the table), so that the contract can check that
    ``verify()`` notices;
``raw(store, sql, params)``
    run one statement on the log behind the store's back *without* dropping
    any guard (``?`` placeholders; the backend's driver error propagates),
    so that a test can check what the file or database itself refuses.

Plugging in a new backend takes one class with those three methods and one
line in :data:`BACKENDS`; every test of the contract then runs against it
unchanged, under its own test id (``test_...[postgresql]``). A backend whose
server comes from a fixture names it in ``needs`` and gets its value as the
second argument: :class:`PostgreSQL` takes ``postgres_url`` (a fresh schema
on the throwaway cluster of ``tests/pg_cluster.py``), which skips the test
when PostgreSQL is not installed, so the suite stays green on machines
without one (and fails instead when ``NHVFLOW_REQUIRE_POSTGRES`` is set, as
in CI).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nhvflow.store import SQLiteStore
from nhvflow.store._interface import Store


def _tamper_sqlite(conn: sqlite3.Connection, position: int, column: str, value: Any) -> None:
    triggers = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
    ).fetchall()
    for name, _ in triggers:
        conn.execute(f"DROP TRIGGER {name}")
    conn.execute(f"UPDATE events SET {column} = ? WHERE position = ?", (value, position))
    for _, sql in triggers:
        conn.execute(sql)


class SQLiteFile:
    """The SQLite store on a file: a second handle is a second connection."""

    name = "sqlite-file"

    def __init__(self, tmp_path: Path) -> None:
        self.path = tmp_path / "contract.sqlite"

    def open(self) -> Store:
        return SQLiteStore(self.path)

    def second(self, store: Store, *, busy_timeout: float = 5.0) -> Store | None:
        return SQLiteStore(self.path, busy_timeout=busy_timeout)

    def tamper(self, store: Store, position: int, column: str, value: Any) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            _tamper_sqlite(conn, position, column, value)
        finally:
            conn.close()

    def raw(self, store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
        conn = sqlite3.connect(self.path, isolation_level=None)
        try:
            conn.execute(sql, params)
        finally:
            conn.close()

    def query(self, store: Store, sql: str) -> list[tuple[Any, ...]]:
        """Rows of ``sql`` read as any SQLite client would (the views, by SQL)."""
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql).fetchall()
        finally:
            conn.close()


class SQLiteMemory:
    """The SQLite store in memory: one handle only."""

    name = "sqlite-memory"

    def __init__(self, tmp_path: Path) -> None:
        pass

    def open(self) -> Store:
        return SQLiteStore(":memory:")

    def second(self, store: Store, *, busy_timeout: float = 5.0) -> Store | None:
        return None

    def tamper(self, store: Store, position: int, column: str, value: Any) -> None:
        assert isinstance(store, SQLiteStore)
        _tamper_sqlite(store.connection, position, column, value)

    def raw(self, store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
        assert isinstance(store, SQLiteStore)
        store.connection.execute(sql, params)

    def query(self, store: Store, sql: str) -> list[tuple[Any, ...]]:
        assert isinstance(store, SQLiteStore)
        return store.connection.execute(sql).fetchall()


class PostgreSQL:
    """The PostgreSQL store, in a fresh schema of the throwaway cluster
    (``postgres_url`` from ``tests/pg_cluster.py``, which skips the test when
    PostgreSQL is not installed): a second handle is a second connection."""

    name = "postgresql"
    needs = "postgres_url"

    def __init__(self, tmp_path: Path, url: str) -> None:
        self.url = url

    def open(self) -> Store:
        from nhvflow.store_postgres import PostgresStore

        return PostgresStore(self.url)

    def second(self, store: Store, *, busy_timeout: float = 5.0) -> Store | None:
        from nhvflow.store_postgres import PostgresStore

        return PostgresStore(self.url, busy_timeout=busy_timeout)

    def tamper(self, store: Store, position: int, column: str, value: Any) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn, conn.transaction():
            conn.execute("ALTER TABLE events DISABLE TRIGGER USER")
            conn.execute(
                f"UPDATE events SET {column} = %s WHERE position = %s",  # type: ignore[arg-type]
                (value, position),
            )
            conn.execute("ALTER TABLE events ENABLE TRIGGER USER")

    def raw(self, store: Store, sql: str, params: tuple[Any, ...] = ()) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(sql.replace("?", "%s"), params)  # type: ignore[arg-type]

    def query(self, store: Store, sql: str) -> list[tuple[Any, ...]]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()  # type: ignore[call-overload]


BACKENDS: dict[str, Callable[..., Any]] = {
    "sqlite-file": SQLiteFile,
    "sqlite-memory": SQLiteMemory,
    "postgresql": PostgreSQL,
}
"""Every store backend the contract runs against, by test id."""


@pytest.fixture(name="backend", params=sorted(BACKENDS))
def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    factory = BACKENDS[request.param]
    needs = getattr(factory, "needs", None)  # the fixture a backend's server comes from
    return factory(tmp_path, request.getfixturevalue(needs)) if needs else factory(tmp_path)


@pytest.fixture(name="store")
def _store(backend: Any) -> Iterator[Store]:
    store = backend.open()
    yield store
    store.close()


@pytest.fixture(name="second")
def _second(backend: Any, store: Store) -> Iterator[Callable[..., Store]]:
    """``second(busy_timeout=...)``: another handle on the store's log (skips
    the test for a backend that has none); closed when the test ends."""
    opened: list[Store] = []

    def second(*, busy_timeout: float = 5.0) -> Store:
        handle = backend.second(store, busy_timeout=busy_timeout)
        if handle is None:
            pytest.skip(f"{backend.name} has a single handle")
        opened.append(handle)
        return handle

    yield second
    for handle in opened:
        handle.close()
