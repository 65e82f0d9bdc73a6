"""A throwaway PostgreSQL cluster for the tests (a pytest plugin).

The cluster is made with ``initdb`` in a temporary directory and started
with ``pg_ctl``, listening on loopback only on a free port, once per test
session, and stopped (its directory removed) when the session ends. As
root, it is made and run by the ``postgres`` user that Debian's package
creates (``initdb`` refuses root). Each test that asks for ``postgres_url``
gets a fresh schema of its own (named by the URL's search_path) in the
session's test database, dropped afterwards.

Without PostgreSQL (no ``pg_ctl`` in ``NHVFLOW_PG_BIN``, on ``PATH`` or
under ``/usr/lib/postgresql/*/bin``) or without psycopg, those tests are skipped
with a reason that says so; with ``NHVFLOW_REQUIRE_POSTGRES=1`` (CI) they
fail instead, so that a missing server never passes as green.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

__all__ = ["PostgresCluster", "find_pg_bin"]

REQUIRE = os.environ.get("NHVFLOW_REQUIRE_POSTGRES", "") not in ("", "0")


def find_pg_bin() -> Path | None:
    """The directory holding ``pg_ctl`` and ``initdb`` (``NHVFLOW_PG_BIN`` when
    set, else ``PATH``, else the newest ``/usr/lib/postgresql/*/bin``), or ``None``."""
    chosen = os.environ.get("NHVFLOW_PG_BIN")
    if chosen is not None:
        return Path(chosen) if (Path(chosen) / "pg_ctl").is_file() else None
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    found = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresCluster:
    """A PostgreSQL cluster in a temporary directory, on 127.0.0.1 only."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.user = "postgres"
        self.port = 0
        self._run_as: dict[str, Any] = {}
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                raise RuntimeError(
                    "initdb refuses to run as root and there is no 'postgres' user; "
                    "install Debian's postgresql package (it creates one)."
                ) from None
            self._run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
            self._owner: tuple[int, int] | None = (pw.pw_uid, pw.pw_gid)
        else:
            self._owner = None
        self.root = Path(tempfile.mkdtemp(prefix="nhvflow-pg-"))
        self.data = self.root / "data"
        self.logfile = self.root / "server.log"
        self._names = itertools.count(1)
        self._running = False

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(self.bin_dir / args[0]), *args[1:]],
            check=False,
            capture_output=True,
            text=True,
            cwd=self.root,
            **self._run_as,
        )

    def start(self) -> None:
        """Make the cluster and start it (on a free port; retried if taken)."""
        if self._owner is not None:
            os.chown(self.root, *self._owner)
        made = self._run(
            "initdb",
            "-D",
            str(self.data),
            "--username=postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",
        )
        if made.returncode:
            raise RuntimeError(f"initdb failed:\n{made.stdout}\n{made.stderr}")
        for _attempt in range(3):
            self.port = _free_port()
            options = " ".join(
                [
                    "-c listen_addresses=127.0.0.1",
                    f"-c port={self.port}",
                    "-c unix_socket_directories=''",
                    "-c fsync=off",  # a throwaway cluster: speed over crash safety
                    "-c full_page_writes=off",
                    "-c max_connections=60",
                    "-c shared_buffers=32MB",
                ]
            )
            started = self._run(
                "pg_ctl", "start", "-w", "-t", "60", "-D", str(self.data),
                "-l", str(self.logfile), "-o", options,
            )  # fmt: skip
            if started.returncode == 0:
                self._running = True
                return
        log = self.logfile.read_text() if self.logfile.exists() else ""
        raise RuntimeError(f"pg_ctl start failed:\n{started.stdout}\n{started.stderr}\n{log}")

    def stop(self) -> None:
        """Stop the server and remove its directory."""
        if self._running:
            self._run("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(self.data))
            self._running = False
        shutil.rmtree(self.root, ignore_errors=True)

    def url(self, dbname: str = "postgres") -> str:
        """A connection URL for a database of this cluster."""
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{dbname}"

    def admin(self, sql: str) -> None:
        """Run one statement as the superuser, outside a transaction."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]

    @contextlib.contextmanager
    def database(self) -> Iterator[str]:
        """A fresh database, dropped (with any connection left to it) afterwards."""
        name = f"nhvflow_test_{next(self._names)}"
        self.admin(f'CREATE DATABASE "{name}"')
        try:
            yield self.url(name)
        finally:
            self.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def schema(self, database_url: str) -> Iterator[str]:
        """A fresh schema in a database, as a URL whose search_path names it
        (a tenth of the cost of a new database); dropped afterwards, with any
        connection the test left open to the database."""
        import psycopg

        name = f"t_{next(self._names)}"
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA {name}")  # type: ignore[arg-type]
        try:
            yield f"{database_url}?options=-csearch_path%3D{name}"
        finally:
            with psycopg.connect(database_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                conn.execute(f"DROP SCHEMA {name} CASCADE")  # type: ignore[arg-type]


def _unavailable(reason: str) -> None:
    if REQUIRE:
        pytest.fail(f"{reason} (NHVFLOW_REQUIRE_POSTGRES is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(name="postgres_cluster", scope="session")
def _postgres_cluster() -> Iterator[PostgresCluster]:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        _unavailable("psycopg is not installed: pip install 'nhvflow[postgres]'")
    bin_dir = find_pg_bin()
    if bin_dir is None:
        _unavailable(
            "PostgreSQL is not installed (no pg_ctl in NHVFLOW_PG_BIN, on PATH or in "
            "/usr/lib/postgresql/*/bin): apt-get install postgresql to run the PostgreSQL "
            "store tests"
        )
        raise AssertionError("unreachable")  # pragma: no cover
    cluster = PostgresCluster(bin_dir)
    atexit.register(cluster.stop)  # also if the session is interrupted
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(name="postgres_database", scope="session")
def _postgres_database(postgres_cluster: PostgresCluster) -> Iterator[str]:
    """The URL of the session's test database (tests get a schema each in it)."""
    with postgres_cluster.database() as url:
        yield url


@pytest.fixture(name="postgres_url")
def _postgres_url(postgres_cluster: PostgresCluster, postgres_database: str) -> Iterator[str]:
    """The URL of a fresh, empty place for a log: a schema of its own, named by
    the URL's search_path. (``postgres_cluster.database()`` gives a whole database.)"""
    with postgres_cluster.schema(postgres_database) as url:
        yield url


@pytest.fixture(name="log_target", params=["sqlite", "postgresql"])
def _log_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh log lives, once per backend: a new SQLite file's path, or
    a PostgreSQL URL naming a fresh schema. Tests that take it run unchanged
    on both (``nhvflow.open(log_target)`` chooses the store)."""
    if request.param == "sqlite":
        return str(tmp_path / "log.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


def hold_write_lock(target: str | Path, seconds: float) -> Any:
    """Another connection takes the log's write lock (SQLite: ``BEGIN
    IMMEDIATE``; PostgreSQL: the advisory lock) and releases it after
    ``seconds``; returns the timer, to ``join()``."""
    import threading

    from nhvflow.store._targets import is_postgres_url

    if is_postgres_url(target):
        import psycopg

        from nhvflow.store._postgres._session import advisory_lock_key

        pg = psycopg.connect(target, autocommit=True)
        [schema] = pg.execute("SELECT current_schema()").fetchone() or [""]
        pg.execute("BEGIN")
        pg.execute("SELECT pg_advisory_xact_lock(%s)", (advisory_lock_key(schema),))
        release = lambda: (pg.execute("COMMIT"), pg.close())  # noqa: E731
    else:
        import sqlite3

        conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False)
        conn.execute("BEGIN IMMEDIATE")
        release = lambda: (conn.execute("COMMIT"), conn.close())  # noqa: E731
    timer = threading.Timer(seconds, release)
    timer.start()
    return timer
