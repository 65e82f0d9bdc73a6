"""Figure 7: ``fire`` on PostgreSQL, against eventsourcing's PostgreSQL
recorder on the same throwaway server; figure 7b: a simulation's
``batch()`` on PostgreSQL, against psycopg's own ``executemany`` of the
same event rows (no target: what PostgreSQL alone costs for them).

Both sides take the workload's steps one per transaction, each round on a
new database of one server started for the figure (``_pgserver``, loopback
only, PostgreSQL's durability defaults): nhvflow with
``durability="full"`` (``synchronous_commit=on``), eventsourcing with its
defaults (``synchronous_commit=on``, its connection pool). Without
PostgreSQL, psycopg or eventsourcing's PostgreSQL module the figure is
skipped with a line that says why.
"""

from __future__ import annotations

import time
from typing import Any

from rich.console import Console

from benchmarks import _drivers as d
from benchmarks import _pgserver
from benchmarks._harness import Figure, Sizes, Target, interleaved, median, paired
from benchmarks.workload import lifecycles

__all__ = ["postgres_figure"]

_EVENTS_TABLE = (
    "CREATE TABLE raw_events (position bigint PRIMARY KEY, stream_id text, version bigint, "
    "type text, schema_version int, actor text, payload text, occurred_at text, "
    "recorded_at text, idempotency_key text, request_hash text, prev_hash text, hash text)"
)


def _event_rows(url: str) -> list[tuple[Any, ...]]:
    """Every row of the ``events`` table of the nhvflow log at ``url``, in order."""
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute("SELECT * FROM events ORDER BY position").fetchall()


def _raw_executemany(url: str, rows: list[tuple[Any, ...]]) -> float:
    """Rows per second: every row in one psycopg ``executemany`` transaction
    (psycopg pipelines it), ``synchronous_commit=off`` as nhvflow's normal."""
    import psycopg

    insert = f"INSERT INTO raw_events VALUES ({', '.join(['%s'] * 13)})"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET synchronous_commit = off")
        conn.execute(_EVENTS_TABLE)
        start = time.perf_counter()
        with conn.transaction(), conn.cursor() as cur:
            cur.executemany(insert, rows)
        return len(rows) / (time.perf_counter() - start)


def postgres_figure(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 7: one durable step per transaction on PostgreSQL, both sides."""
    why = _pgserver.missing()
    if why is not None:
        skipped = "fire on PostgreSQL vs eventsourcing, and 7b"
        console.print(f"[bold]7[/bold] skipped ({skipped}): {why}.")
        return []
    from benchmarks import _eventsourcing as es

    steps = list(lifecycles(sizes.pg_cases))
    es_steps = es.prepare(steps)
    with _pgserver.server() as pg:

        def nhvflow_side() -> float:
            return d.fire_rate(pg.url(pg.new_database()), steps, "full")

        def eventsourcing_side() -> float:
            env = es.postgres_env(pg.host, pg.port, pg.user, pg.new_database())
            return es.load_step_save(env, es_steps)

        warm = list(lifecycles(2, prefix="warm"))  # connections, imports, caches
        d.fire_rate(pg.url(pg.new_database()), warm, "full")
        es.load_step_save(es.postgres_env(pg.host, pg.port, pg.user, pg.new_database()),
                          es.prepare(warm))  # fmt: skip
        console.log(f"7: fire on PostgreSQL, {len(steps)} steps × {sizes.rounds} rounds")
        samples = interleaved(
            sizes.rounds, {"nhvflow": nhvflow_side, "eventsourcing": eventsourcing_side}
        )
        first = pg.url(pg.new_database())
        d.batch_rate(first, steps)  # warm, and the rows the baseline writes
        rows = _event_rows(first)
        console.log(f"7b: batch on PostgreSQL, {len(steps)} steps × {sizes.rounds} rounds")
        batch = interleaved(
            sizes.rounds,
            {
                "nhvflow": lambda: d.batch_rate(pg.url(pg.new_database()), steps),
                "raw": lambda: _raw_executemany(pg.url(pg.new_database()), rows),
            },
        )
        version = pg.version()
    return [
        Figure(
            "7",
            "fire on PostgreSQL, one step per txn",
            median(samples["nhvflow"]),
            "steps/s",
            "eventsourcing (PostgreSQL)",
            median(samples["eventsourcing"]),
            Target(">=", 1.5),
            "sync_commit on",
            baseline_detail=f"eventsourcing {es.version()} with its PostgreSQL module "
            "(PERSISTENCE_MODULE=eventsourcing.postgres, its defaults): the load-step-save of "
            f"1b, on the same throwaway PostgreSQL {version} server on 127.0.0.1 (fsync on), "
            "a new database per side and round; nhvflow.open(url, durability='full').",
            samples=samples,
            smoke=smoke,
            paired=paired(samples, "nhvflow", "eventsourcing"),
        ),
        Figure(
            "7b",
            "simulation on PostgreSQL: batch()",
            median(batch["nhvflow"]),
            "steps/s",
            "raw executemany (psycopg)",
            median(batch["raw"]),
            None,
            "sync_commit off",
            baseline_detail="psycopg's executemany of nhvflow's own event rows into a plain "
            "table on the same server, one transaction (psycopg pipelines it); nhvflow takes "
            "every step in one batch() block, durability='normal' (each step a savepoint, two "
            "round trips).",
            samples=batch,
            smoke=smoke,
            paired=paired(batch, "nhvflow", "raw"),
        ),
    ]
