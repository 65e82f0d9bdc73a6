"""What the figures run: nhvflow through its public API, and the raw
``sqlite3`` baselines over the very rows nhvflow wrote.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nhvflow
from benchmarks.workload import Step
from nhvflow import Registry
from nhvflow.store import Durability, SQLiteStore
from nhvflow.store._interface import Projection, Sealed
from nhvflow.store._sqlite._schema import UPSERT_CASE

__all__ = [
    "SQLITE_SYNC",
    "EventRows",
    "batch_rate",
    "captured_write_set",
    "event_rows",
    "open_log",
    "raw_executemany",
    "raw_one_per_transaction",
    "raw_read_json",
    "raw_write_set",
    "take",
]

SQLITE_SYNC: dict[Durability, str] = {"normal": "NORMAL", "full": "FULL"}

EventRows = list[tuple[Any, ...]]

_EVENTS_TABLE = (
    "CREATE TABLE events (position INTEGER PRIMARY KEY, stream_id TEXT, version INTEGER, "
    "type TEXT, schema_version INTEGER, actor TEXT, payload TEXT, occurred_at TEXT, "
    "recorded_at TEXT, idempotency_key TEXT, request_hash TEXT, prev_hash TEXT, hash TEXT)"
)
_INSERT = "INSERT INTO events VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)"


def open_log(path: Path | str, durability: Durability) -> Registry:
    """An nhvflow registry on ``path`` (WAL; synchronous from ``durability``)."""
    return nhvflow.open(path, durability=durability)


def take(reg: Registry, steps: Iterable[Step]) -> int:
    """Submit or fire each step through the public API; the number taken."""
    done = 0
    submit, fire = reg.submit, reg.fire
    for s in steps:
        if s.trigger == "submit":
            submit(s.actor, case_id=s.case_id, at=s.at, **s.payload)
        else:
            fire(s.case_id, s.trigger, s.actor, at=s.at, **s.payload)
        done += 1
    return done


def fire_rate(target: Path | str, steps: list[Step], durability: Durability) -> float:
    """Steps per second taking ``steps`` one per transaction on a new log at
    ``target`` (a file or a PostgreSQL URL)."""
    reg = open_log(target, durability)
    start = time.perf_counter()
    done = take(reg, steps)
    rate = done / (time.perf_counter() - start)
    reg.close()
    return rate


def batch_rate(target: Path | str, steps: list[Step]) -> float:
    """Steps per second taking ``steps`` in one ``batch()`` on a new log at
    ``target`` (a file or a PostgreSQL URL), at ``durability="normal"``."""
    reg = open_log(target, "normal")
    start = time.perf_counter()
    with reg.batch():
        done = take(reg, steps)
    rate = done / (time.perf_counter() - start)
    reg.close()
    return rate


def event_rows(path: Path | str) -> EventRows:
    """Every row of an nhvflow log's ``events`` table, in order."""
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT * FROM events ORDER BY position").fetchall()


def _raw(path: Path, sync: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(f"PRAGMA synchronous={sync}")
    return conn


def raw_one_per_transaction(path: Path, rows: EventRows, durability: Durability) -> float:
    """Rows per second: each row inserted and committed in its own
    ``BEGIN IMMEDIATE`` transaction by a prepared ``sqlite3`` statement."""
    conn = _raw(path, SQLITE_SYNC[durability])
    conn.execute(_EVENTS_TABLE)
    execute = conn.execute
    start = time.perf_counter()
    for row in rows:
        execute("BEGIN IMMEDIATE")
        execute(_INSERT, row)
        execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - start)
    conn.close()
    return rate


def raw_executemany(path: Path, rows: EventRows, durability: Durability) -> float:
    """Rows per second: every row in one ``executemany`` transaction."""
    conn = _raw(path, SQLITE_SYNC[durability])
    conn.execute(_EVENTS_TABLE)
    start = time.perf_counter()
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(_INSERT, rows)
    conn.execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - start)
    conn.close()
    return rate


def raw_read_json(path: Path) -> float:
    """Events per second: read every event of an nhvflow log in order and
    decode its actor and payload JSON (what any replay must do at least)."""
    conn = sqlite3.connect(path)
    loads = json.loads
    start = time.perf_counter()
    done = 0
    for row in conn.execute("SELECT * FROM events ORDER BY position"):
        loads(row[5])
        loads(row[6])
        done += 1
    rate = done / (time.perf_counter() - start)
    conn.close()
    return rate


class _CapturingStore(SQLiteStore):
    """A store that remembers the projection row written with each event."""

    def __init__(self) -> None:
        super().__init__(":memory:", durability="normal")
        self.case_rows: list[tuple[Any, ...]] = []

    def append(self, sealed: Sealed, projection: Projection | None) -> None:
        if projection is not None:
            case = projection.case
            self.case_rows.append(
                (
                    case.id,
                    case.process,
                    case.state,
                    case.version,
                    projection.data_text,
                    case.updated_at,
                    case.seal,
                )
            )
        super().append(sealed, projection)


def captured_write_set(steps: list[Step]) -> tuple[list[str], EventRows, list[tuple[Any, ...]]]:
    """Run ``steps`` in memory (untimed) and return nhvflow's schema, the
    event rows and the case projection row written with each event."""
    store = _CapturingStore()
    reg = Registry(store)
    take(reg, steps)
    conn = store.connection
    schema = [
        r[0]
        for r in conn.execute(
            "SELECT sql FROM sqlite_master WHERE sql IS NOT NULL AND type IN ('table', 'index') "
            "AND name NOT LIKE 'sqlite_%' AND tbl_name != '_sqlite_migrations'"
        )
    ]
    rows = conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    cases = store.case_rows
    reg.close()
    return schema, rows, cases


def raw_write_set(
    path: Path,
    schema: list[str],
    rows: EventRows,
    cases: list[tuple[Any, ...]],
    durability: Durability,
) -> float:
    """Steps per second for SQLite alone: nhvflow's schema, and per step the
    event row and the case's projection row in one transaction (no Python
    work besides the two prepared statements)."""
    conn = _raw(path, SQLITE_SYNC[durability])
    for statement in schema:
        conn.execute(statement)
    execute = conn.execute
    start = time.perf_counter()
    for row, case in zip(rows, cases, strict=True):
        execute("BEGIN IMMEDIATE")
        execute(_INSERT, row)
        execute(UPSERT_CASE, case)
        execute("COMMIT")
    rate = len(rows) / (time.perf_counter() - start)
    conn.close()
    return rate
