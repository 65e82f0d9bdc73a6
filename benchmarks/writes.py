"""Figures 1, 2 and 5: writing steps.

1. ``fire``, one durable step per transaction (rules, hash chain and
   projection included), against raw ``sqlite3`` committing nhvflow's own
   event rows one per transaction, and against eventsourcing's
   load-step-save.
2. Simulation mode (``Registry.batch()``), against one raw ``executemany``
   transaction of the same rows.
5. Flat cost: ``fire`` on a log that already holds a million events,
   against the same on a log of a thousand.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from pathlib import Path

from rich.console import Console

from benchmarks import _drivers as d
from benchmarks._harness import (
    RESULTS,
    Figure,
    Sizes,
    Target,
    interleaved,
    median,
    paired,
    scratch,
)
from benchmarks.workload import STEPS_PER_CASE, Step, lifecycles

__all__ = ["batch_figures", "fire_figures", "flat_figure"]


def _fresh(directory: Path, name: str) -> Callable[[], Path]:
    counter = iter(range(1_000_000))

    def next_path() -> Path:
        return directory / f"{name}-{next(counter)}.sqlite"

    return next_path


def fire_figures(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 1: one durable step per transaction."""
    figures = []
    steps = list(lifecycles(sizes.fire_cases))
    with scratch() as tmp:
        path = _fresh(tmp, "f")
        first = path()
        d.fire_rate(first, steps, "normal")  # warm-up, and the rows the baselines write
        rows = d.event_rows(first)
        schema, _, cases = d.captured_write_set(steps)
        console.log(f"1: fire, {len(steps)} steps × {sizes.rounds} rounds (synchronous=NORMAL)")
        samples = interleaved(
            sizes.rounds,
            {
                "nhvflow": lambda: d.fire_rate(path(), steps, "normal"),
                "raw": lambda: d.raw_one_per_transaction(path(), rows, "normal"),
                "floor": lambda: d.raw_write_set(path(), schema, rows, cases, "normal"),
            },
        )
        nhv = median(samples["nhvflow"])
        figures.append(
            Figure(
                "1a",
                "fire, one step per txn",
                nhv,
                "steps/s",
                "raw 1 row/txn",
                median(samples["raw"]),
                Target(">=", 0.20),
                "NORMAL",
                baseline_detail="raw sqlite3 inserting nhvflow's own event rows (same sizes) "
                "into a plain table, one BEGIN IMMEDIATE ... COMMIT per row.",
                samples=samples,
                smoke=smoke,
                paired=paired(samples, "nhvflow", "raw"),
            )
        )
        figures.append(
            Figure(
                "1a'",
                "fire, one step per txn",
                nhv,
                "steps/s",
                "SQLite floor",
                median(samples["floor"]),
                Target(">=", 0.6),
                "NORMAL",
                baseline_detail="raw sqlite3 writing nhvflow's write set per step (the "
                "event row with the log's indexes, and the case's projection row, same schema) "
                "with no Python work: what SQLite alone costs, the ceiling of any engine on this "
                "schema.",
                smoke=smoke,
                paired=paired(samples, "nhvflow", "floor"),
            )
        )
        figures += _eventsourcing_figures(sizes, smoke=smoke, console=console, path=path)
    return figures


def _eventsourcing_figures(
    sizes: Sizes, *, smoke: bool, console: Console, path: Callable[[], Path]
) -> list[Figure]:
    try:
        from benchmarks import _eventsourcing as es
    except ImportError:
        return [
            Figure(
                "1b",
                "fire vs eventsourcing",
                0.0,
                "steps/s",
                "eventsourcing: not installed",
                None,
                None,
                "—",
                baseline_detail="install the bench extra: pip install -e '.[bench]'.",
                smoke=smoke,
            )
        ]
    figures = []
    steps = list(lifecycles(sizes.es_cases))
    es_steps = es.prepare(steps)
    probe = es.open_app(path())
    level = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[es.pragma_synchronous(probe)]
    probe.close()
    console.log(f"1: fire vs eventsourcing, {len(steps)} steps × {sizes.rounds} rounds")
    with es.synchronous(None):
        full = interleaved(
            sizes.rounds,
            {
                "nhvflow": lambda: d.fire_rate(path(), steps, "full"),
                "eventsourcing": lambda: es.load_step_save(path(), es_steps),
            },
        )
    with es.synchronous("NORMAL"):
        normal = interleaved(
            sizes.rounds,
            {
                "nhvflow": lambda: d.fire_rate(path(), steps, "normal"),
                "eventsourcing": lambda: es.load_step_save(path(), es_steps),
            },
        )
    rows = d.event_rows(_write_once(path(), steps))
    floor = interleaved(
        sizes.rounds,
        {
            "nhvflow": lambda: d.fire_rate(path(), steps, "full"),
            "raw": lambda: d.raw_one_per_transaction(path(), rows, "full"),
        },
    )
    figures.append(
        Figure(
            "1b",
            "fire, one step per txn",
            median(full["nhvflow"]),
            "steps/s",
            "eventsourcing",
            median(full["eventsourcing"]),
            Target(">=", 2),
            "FULL",
            baseline_detail=f"eventsourcing {es.version()}: an Aggregate per proposal, "
            "Application.repository.get, the step's @event method, Application.save; at the "
            f"library's default (synchronous={level}), so nhvflow runs durability='full'. Both "
            "sides fsync every commit; 1c shows what a raw commit costs at FULL on this disk.",
            samples=full,
            smoke=smoke,
            paired=paired(full, "nhvflow", "eventsourcing"),
        )
    )
    figures.append(
        Figure(
            "1b'",
            "fire, one step per txn",
            median(normal["nhvflow"]),
            "steps/s",
            "eventsourcing",
            median(normal["eventsourcing"]),
            Target(">=", 3.5),
            "NORMAL",
            baseline_detail="as 1b with eventsourcing's connections set to "
            "synchronous=NORMAL and nhvflow at durability='normal'.",
            samples=normal,
            smoke=smoke,
            paired=paired(normal, "nhvflow", "eventsourcing"),
        )
    )
    figures.append(
        Figure(
            "1c",
            "fire, one step per txn",
            median(floor["nhvflow"]),
            "steps/s",
            "raw 1 row/txn",
            median(floor["raw"]),
            None,
            "FULL",
            baseline_detail="as 1a, both sides at synchronous=FULL (an fsync per commit).",
            samples=floor,
            smoke=smoke,
            paired=paired(floor, "nhvflow", "raw"),
        )
    )
    return figures


def _write_once(path: Path, steps: list[Step]) -> Path:
    d.fire_rate(path, steps, "normal")
    return path


def batch_figures(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 2: simulation mode, every step in one ``batch()`` transaction."""
    steps = list(lifecycles(sizes.batch_cases))
    with scratch() as tmp:
        path = _fresh(tmp, "b")
        first = path()
        d.batch_rate(first, steps)
        rows = d.event_rows(first)
        console.log(f"2: batch, {len(steps)} steps × {sizes.rounds} rounds")
        samples = interleaved(
            sizes.rounds,
            {
                "nhvflow": lambda: d.batch_rate(path(), steps),
                "raw": lambda: d.raw_executemany(path(), rows, "normal"),
            },
        )
    return [
        Figure(
            "2",
            "simulation: batch(), rules on",
            median(samples["nhvflow"]),
            "steps/s",
            "raw executemany",
            median(samples["raw"]),
            Target(">=", 0.10),
            "NORMAL",
            baseline_detail="raw sqlite3 executemany of nhvflow's own event rows into a "
            "plain table, one transaction; nhvflow takes every step in one batch() block (its "
            "steps held and written together).",
            samples=samples,
            smoke=smoke,
            paired=paired(samples, "nhvflow", "raw"),
        )
    ]


def _build_log(path: Path, events: int, console: Console) -> None:
    """A log of at least ``events`` events, written by the batch API in
    transactions of 12,000 steps."""
    cases = -(-events // STEPS_PER_CASE)
    reg = d.open_log(path, "normal")
    start = time.perf_counter()
    chunk = 1_000
    for first in range(0, cases, chunk):
        with reg.batch():
            d.take(reg, lifecycles(min(chunk, cases - first), prefix=f"bulk-{first:07d}"))
    reg.close()
    console.log(f"5: built {path.name} ({cases * STEPS_PER_CASE:,} events) in "
                f"{time.perf_counter() - start:.0f} s")  # fmt: skip


def _cached_log(events: int, console: Console) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"flat-{events}.sqlite"
    ready = RESULTS / f"flat-{events}.ready"
    if not ready.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        _build_log(path, events, console)
        ready.write_text("built by benchmarks/writes.py; delete both files to rebuild\n")
    return path


def flat_figure(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 5: the cost of one step does not grow with the log."""
    big = _cached_log(sizes.flat_events, console)
    rounds = sizes.rounds
    with scratch() as tmp:
        small = tmp / "small.sqlite"
        _build_log(small, sizes.flat_small_events, console)
        logs = {"big": d.open_log(big, "normal"), "small": d.open_log(small, "normal")}
        sizes_now = {name: reg.store.count_events() for name, reg in logs.items()}
        counter = iter(range(1_000_000))
        run = uuid.uuid4().hex[:8]  # the big log is kept between runs: new case ids each time

        def cost(name: str) -> float:
            prefix = f"flat-{run}-{name}-{next(counter)}-"
            steps = list(lifecycles(sizes.flat_cases, prefix=prefix))
            start = time.perf_counter()
            done = d.take(logs[name], steps)
            return (time.perf_counter() - start) / done * 1e6

        console.log(
            f"5: fire on {sizes_now['big']:,} vs {sizes_now['small']:,} events, "
            f"{sizes.flat_cases * STEPS_PER_CASE} steps × {rounds} rounds"
        )
        samples = interleaved(rounds, {"big": lambda: cost("big"), "small": lambda: cost("small")})
        for reg in logs.values():
            reg.close()
    return [
        Figure(
            "5",
            f"fire on a {sizes_now['big']:,}-event log",
            median(samples["big"]),
            "µs/step",
            f"{sizes_now['small']:,}-event log",
            median(samples["small"]),
            Target("<=", 1.2),
            "NORMAL",
            baseline_detail="the same fire() steps (new cases, whole lives, one step per "
            f"transaction) on a log of {sizes_now['small']:,} events; the ratio is the cost per "
            "step on the big log over the small one.",
            higher_is_better=False,
            samples=samples,
            smoke=smoke,
            paired=paired(samples, "big", "small"),
        )
    ]
