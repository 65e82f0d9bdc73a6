"""A throwaway PostgreSQL server for figure 7, as the test suite makes one:
``initdb`` in a temporary directory, ``pg_ctl start`` on a free port of
127.0.0.1 only (no Unix socket), trust authentication, and the whole
directory removed afterwards. As root it runs as the ``postgres`` user
that Debian's package creates (``initdb`` refuses root).

Unlike the tests' server, this one keeps PostgreSQL's durability defaults
(``fsync=on``, ``synchronous_commit=on``): the figure compares durable steps.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

__all__ = ["Server", "find_pg_bin", "missing", "server"]


def find_pg_bin() -> Path | None:
    """The directory holding ``pg_ctl`` and ``initdb`` (``NHVFLOW_PG_BIN``, then
    ``PATH``, then the newest ``/usr/lib/postgresql/*/bin``), or ``None``."""
    chosen = os.environ.get("NHVFLOW_PG_BIN")
    candidates = [Path(chosen)] if chosen else []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    versions = glob.glob("/usr/lib/postgresql/*/bin")
    candidates += sorted((Path(p) for p in versions), key=lambda p: p.parent.name, reverse=True)
    for directory in candidates:
        if (directory / "pg_ctl").is_file() and (directory / "initdb").is_file():
            return directory
    return None


def missing() -> str | None:
    """Why figure 7 cannot run here (``None`` when it can)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return "psycopg is not installed (pip install -e '.[postgres]')"
    try:
        import eventsourcing.postgres  # noqa: F401
    except ImportError as exc:
        return f"eventsourcing's PostgreSQL module cannot load ({exc}; pip install -e '.[bench]')"
    if find_pg_bin() is None:
        return "PostgreSQL is not installed (no pg_ctl/initdb; apt-get install postgresql)"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "initdb refuses root and there is no 'postgres' user to run it as"
    return None


class Server:
    """A running throwaway server: where to connect, and fresh databases."""

    def __init__(self, port: int) -> None:
        self.host = "127.0.0.1"
        self.port = port
        self.user = "postgres"
        self._count = 0

    def url(self, dbname: str = "postgres") -> str:
        """A connection URL for one of its databases."""
        return f"postgresql://{self.user}@{self.host}:{self.port}/{dbname}"

    def version(self) -> str:
        """The server's version, e.g. ``"15.8"``."""
        import psycopg

        with psycopg.connect(self.url()) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "?"

    def new_database(self) -> str:
        """The name of a new, empty database."""
        import psycopg

        self._count += 1
        name = f"bench_{self._count}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return name


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server() -> Iterator[Server]:
    """Start a throwaway server; stop it and remove its files afterwards."""
    bin_dir = find_pg_bin()
    if bin_dir is None:
        raise RuntimeError(missing() or "PostgreSQL is not installed")
    run_as: dict[str, Any] = {}
    root = Path(tempfile.mkdtemp(prefix="nhvflow-bench-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
        os.chown(root, pw.pw_uid, pw.pw_gid)
    data = root / "data"

    def pg(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(bin_dir / args[0]), *args[1:]],
            capture_output=True, text=True, check=False, cwd=root, **run_as,
        )  # fmt: skip

    started = False
    try:
        made = pg("initdb", "-D", str(data), "--username=postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")  # fmt: skip
        if made.returncode:
            raise RuntimeError(f"initdb failed:\n{made.stdout}\n{made.stderr}")
        port = _free_port()
        options = f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories=''"
        out = pg("pg_ctl", "start", "-w", "-t", "60", "-D", str(data),
                 "-l", str(root / "server.log"), "-o", options)  # fmt: skip
        if out.returncode:
            raise RuntimeError(f"pg_ctl start failed:\n{out.stdout}\n{out.stderr}")
        started = True
        yield Server(port)
    finally:
        if started:
            pg("pg_ctl", "stop", "-w", "-m", "fast", "-D", str(data))
        shutil.rmtree(root, ignore_errors=True)
