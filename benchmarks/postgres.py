"""Figure 7: ``fire`` on PostgreSQL, against eventsourcing's PostgreSQL
recorder on the same throwaway server.

Both sides take the workload's steps one per transaction, each round on a
new database of one server started for the figure (``_pgserver``, loopback
only, PostgreSQL's durability defaults): nhvflow with
``durability="full"`` (``synchronous_commit=on``), eventsourcing with its
defaults (``synchronous_commit=on``, its connection pool). Without
PostgreSQL, psycopg or eventsourcing's PostgreSQL module the figure is
skipped with a line that says why.
"""

from __future__ import annotations

from rich.console import Console

from benchmarks import _drivers as d
from benchmarks import _pgserver
from benchmarks._harness import Figure, Sizes, Target, interleaved, median, paired
from benchmarks.workload import lifecycles

__all__ = ["postgres_figure"]


def postgres_figure(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 7: one durable step per transaction on PostgreSQL, both sides."""
    why = _pgserver.missing()
    if why is not None:
        console.print(f"[bold]7[/bold] skipped (fire on PostgreSQL vs eventsourcing): {why}.")
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
        )
    ]
