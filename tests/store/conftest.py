"""The backends that the store contract (``tests/store/test_contract.py``)
runs against.

A backend is a small object that the contract asks for three things:

``open()``
    a fresh, empty store (an object satisfying ``nhvflow._records.Store``);
``second(store, busy_timeout=...)``
    another handle on the same log, as a second process would open it, or
    ``None`` when the backend cannot have one (SQLite ``:memory:``); tests
    that need two handles are skipped for such a backend;
``tamper(store, position, column, value)``
    change one column of one stored event behind the store's back, as
    someone with direct database access would (dropping and restoring
    whatever guards the table), so that the contract can check that
    ``verify()`` notices.

Plugging in a new backend (the PostgreSQL store of issue 8, say) takes one
class with those three methods and one line in :data:`BACKENDS`; every test
of the contract then runs against it unchanged, under its own test id
(``test_...[postgresql]``). A backend that needs a server should call
``pytest.skip(...)`` in ``open()`` when the server is not there, so that the
suite stays green on machines without one::

    class PostgreSQL:
        name = "postgresql"

        def __init__(self, tmp_path):
            self.dsn = os.environ.get("NHVFLOW_TEST_POSTGRES")

        def open(self):
            if not self.dsn:
                pytest.skip("set NHVFLOW_TEST_POSTGRES to run the contract on PostgreSQL")
            return PostgresStore(self.dsn, schema=fresh_schema_name())

        def second(self, store, *, busy_timeout=5.0): ...
        def tamper(self, store, position, column, value): ...


    BACKENDS["postgresql"] = PostgreSQL
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from nhvflow._records import Store
from nhvflow.store import SQLiteStore


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


BACKENDS: dict[str, Callable[[Path], Any]] = {
    "sqlite-file": SQLiteFile,
    "sqlite-memory": SQLiteMemory,
}
"""Every store backend the contract runs against, by test id."""


@pytest.fixture(name="backend", params=sorted(BACKENDS))
def _backend(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    return BACKENDS[request.param](tmp_path)


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
