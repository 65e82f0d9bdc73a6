"""``nhvflow copy SRC DST``: copying a log between stores (SQLite to
PostgreSQL and back), hash for hash.

:func:`copy_log` reads the source's events as stored (the JSON as its
exact text) in one consistent snapshot, appends them to an empty
destination with their positions, versions, times, idempotency keys,
request hashes and hashes unchanged, rebuilds the destination's projections
from them, verifies the destination's hash chain and compares it with the
source event by event, column by column. All of that happens in one
transaction of the destination: a copy that does not verify leaves nothing
behind. The command ``nhvflow copy SRC DST`` (:func:`copy_command`) runs it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Protocol

import attrs
import click

from nhvflow.cli._base import LogTarget
from nhvflow.engine import Registry
from nhvflow.errors import IntegrityError, LogFormatError, NhvflowError
from nhvflow.states import Process
from nhvflow.store._interface import Store, VerifyReport
from nhvflow.store._sqlite import SQLiteStore
from nhvflow.store._sqlite._schema import EVENT_COLUMNS
from nhvflow.store._targets import is_postgres_url

__all__ = ["CopyReport", "copy_command", "copy_log"]

_COLUMNS = tuple(EVENT_COLUMNS.split(", "))
_SQLITE_SELECT = (
    f"SELECT {', '.join(_COLUMNS)} FROM events WHERE position > ? ORDER BY position LIMIT 1000"
)
_SQLITE_INSERT = f"INSERT INTO events ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * 13)})"


@attrs.frozen
class CopyReport:
    """What :func:`copy_log` copied; ``str(report)`` reads as a sentence.

    .. versionadded:: 0.1
    """

    source: str
    destination: str
    events: int
    cases: int
    last_position: int
    last_hash: str
    verified: VerifyReport

    def __str__(self) -> str:
        if not self.events:
            return f"copied an empty log from {self.source} to {self.destination}"
        events = f"{self.events} event{'s' if self.events != 1 else ''}"
        cases = f"{self.cases} case{'s' if self.cases != 1 else ''}"
        return (
            f"copied {events} ({cases}) from {self.source} to "
            f"{self.destination}: positions 1-{self.last_position}, last hash "
            f"{self.last_hash[:16]}…, identical hash for hash; {self.verified}"
        )


class _RowStore(Protocol):
    def event_rows(self) -> Iterator[tuple[Any, ...]]: ...

    def import_rows(self, rows: Iterable[tuple[Any, ...]]) -> int: ...


class _SQLiteRows:
    """Raw rows in and out of an SQLite log (the JSON as its stored text)."""

    def __init__(self, store: SQLiteStore) -> None:
        self.store = store

    def event_rows(self) -> Iterator[tuple[Any, ...]]:
        last = 0
        while True:
            rows = self.store.connection.execute(_SQLITE_SELECT, (last,)).fetchall()
            if not rows:
                return
            yield from (tuple(r) for r in rows)
            last = rows[-1][0]

    def import_rows(self, rows: Iterable[tuple[Any, ...]]) -> int:
        count = 0
        with self.store.write():
            while batch := list(itertools.islice(rows, 1000)):
                self.store.connection.executemany(_SQLITE_INSERT, batch)
                count += len(batch)
        return count


def _open(target: str | Path, *, source: bool) -> tuple[Store, _RowStore, str]:
    if is_postgres_url(target):
        from nhvflow.store._postgres import PostgresStore

        pg = PostgresStore(str(target), readonly=source)
        return pg, pg, pg.display
    path = Path(target)
    if source and not path.is_file():
        raise LogFormatError(f"{str(path)!r} does not exist; name an existing log to copy from.")
    sqlite = SQLiteStore(path, readonly=source)  # a copy never changes its source
    return sqlite, _SQLiteRows(sqlite), str(path)


def copy_log(
    source: str | Path, destination: str | Path, *, processes: Iterable[Process] = ()
) -> CopyReport:
    """Copy the log at ``source`` to the empty log at ``destination`` and
    verify the copy hash for hash.

    Each is an SQLite path or a ``postgresql://`` URL (a new SQLite file or
    an empty PostgreSQL database is laid out first). The source is read in
    one snapshot and must verify; the destination must hold no events. The
    events keep their positions, versions, times, idempotency keys, request
    hashes and hashes; the destination's projections are rebuilt from them
    (``processes``: definitions beside the built-in ones that the log's cases
    follow). Raises :class:`IntegrityError` when the source or the copy does
    not verify and :class:`LogFormatError` when a log cannot be opened or the
    destination is not empty; then nothing is written.

    .. versionadded:: 0.1
    """
    process_list = list(processes)
    new_file = not is_postgres_url(destination) and not Path(destination).exists()
    src, src_rows, src_name = _open(source, source=True)
    dst: Store | None = None
    done = False
    try:
        dst, dst_rows, dst_name = _open(destination, source=False)
        with src.read():
            found = src.verify()
            if not found.ok:
                raise IntegrityError(
                    found.first_bad_position,
                    f"the source log {src_name} fails verification, so nothing was copied:\n"
                    f"{found}",
                )
            with dst.write():
                if dst.count_events() or next(iter(dst.cases()), None) is not None:
                    raise LogFormatError(
                        f"the destination {dst_name} already holds a log "
                        f"({dst.count_events()} events); copy into a new file or an empty "
                        "database."
                    )
                count = dst_rows.import_rows(src_rows.event_rows())
                cases = Registry(dst, processes=process_list).rebuild_projections()
                verified = dst.verify()
                last_position, last_hash = _compare(src_rows, dst_rows, verified, dst_name)
        done = True
    finally:
        if dst is not None:
            dst.close()
        src.close()
        if new_file and not done:
            for suffix in ("", "-wal", "-shm", "-journal"):
                with contextlib.suppress(FileNotFoundError):
                    Path(f"{destination}{suffix}").unlink()
    return CopyReport(src_name, dst_name, count, cases, last_position, last_hash, verified)


def _compare(
    src: _RowStore, dst: _RowStore, verified: VerifyReport, dst_name: str
) -> tuple[int, str]:
    """The last position and hash, once the copy verifies and equals the source."""
    differences: list[str] = []
    first_bad = verified.first_bad_position
    last: tuple[int, str] = (0, "")
    for mine, theirs in itertools.zip_longest(src.event_rows(), dst.event_rows()):
        if mine is None or theirs is None:
            differences.append(f"the copy holds {'more' if mine is None else 'fewer'} events")
            break
        for name, a, b in zip(_COLUMNS, mine, theirs, strict=True):
            if a != b:
                differences.append(f"position {mine[0]}: {name} differs in the copy")
                first_bad = mine[0] if first_bad is None else min(first_bad, mine[0])
        last = (theirs[0], theirs[12])
    if differences or not verified.ok:
        problems = [*verified.problems, *differences[:20]]
        found = VerifyReport(False, verified.checked, first_bad, tuple(problems))
        raise IntegrityError(
            first_bad,
            f"the copy in {dst_name} is not identical to its source, so nothing was written:\n"
            f"{found}",
        )
    return last


@click.command("copy")
@click.argument("source", type=LogTarget(), metavar="SOURCE")
@click.argument("destination")
def copy_command(source: str | Path, destination: str) -> None:
    """Copy the log at SOURCE into the empty DESTINATION and verify it hash for hash.

    Each is an SQLite file path or a PostgreSQL URL
    (postgresql://user@host/db). Positions, versions, times, idempotency
    keys and hashes are kept; the destination's projections are rebuilt.
    A destination that already holds events is refused, and a copy that
    does not verify leaves nothing behind.

    \b
    Examples:
      nhvflow copy nhv.sqlite postgresql://nhv@db.example/nhv
      nhvflow copy postgresql://nhv@db.example/nhv backup.sqlite
    """
    try:
        report = copy_log(source, destination)
    except (NhvflowError, ImportError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(report))
