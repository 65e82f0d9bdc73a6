"""Scripted simulations: whole populations of proposals pushed through the
real engine (the same rules, the same log) on a virtual clock.

::

    from nhvflow.simulate import Scenario, run

    result = run(Scenario(proposals=250), seed=1)
    result.final_states  # {'permitted': ..., 'not_eligible': ..., ...}
    result.refusals  # {'nhv.mapping-pause': ..., ...}: refused steps per rule
    result.days("2"), result.end_to_end  # median and 90th percentile days
    result.permits_by_healthcare_region
    print(result.to_json())

    # the same population under the law in force, the competence-centre
    # proposal and the Norwegian model
    comparison = compare(Scenario(proposals=250), seed=1)
    comparison["kc-proposal"].advisory_only_approved

Every simulated step goes through :meth:`Registry.submit`,
:meth:`Registry.fire` and :meth:`Registry.complete_mapping` with ``at=`` on
the simulated clock: the rules decide, the simulated actors only choose what
to ask for and how to react to a refusal (see docs/simulations.md). The
same scenario and seed give the same events, case ids and business times in
any process; only ``recorded_at`` and the hashes over it differ.

A run keeps running aggregates only (counters and histograms of days), never
the log or the cases, and writes to an SQLite file (a temporary one unless
``db`` is given) in transactions of many steps (:meth:`Registry.batch`) with
``durability="normal"``.

.. versionadded:: 0.1
"""

from __future__ import annotations

import hashlib
import multiprocessing
import random
import tempfile
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs

from nhvflow._log import structured
from nhvflow._quiet import one_writer, quiet_logger
from nhvflow.engine import Registry, open_registry
from nhvflow.errors import InvalidPayload, SQLiteVersionWarning, shown
from nhvflow.simulate._actors import Actors, at_office
from nhvflow.simulate._areas import DEFAULT_AREAS, DEFAULT_REGION_WEIGHTS, ProgrammeArea
from nhvflow.simulate._compare import Comparison, check_processes, comparison_db
from nhvflow.simulate._days import Distribution, Fixed, LogNormal, ScenarioError, Triangular
from nhvflow.simulate._html import render_html, write_html
from nhvflow.simulate._kc import KcActors
from nhvflow.simulate._nhv import NhvActors
from nhvflow.simulate._norway import NorwayActors
from nhvflow.simulate._regimes import SIMULATED_PROCESSES, RegimeSteps, regime_steps
from nhvflow.simulate._report import render_table
from nhvflow.simulate._result import (
    KINDS,
    STEPS,
    Percentiles,
    Replication,
    SimulationResult,
    Tally,
    percentile,
)
from nhvflow.simulate._scenario import Durations, Outcomes, Scenario
from nhvflow.simulate._words import LANGS, Lang

__all__ = [
    "DEFAULT_AREAS",
    "DEFAULT_REGION_WEIGHTS",
    "KINDS",
    "LANGS",
    "SIMULATED_PROCESSES",
    "STEPS",
    "Comparison",
    "Distribution",
    "Durations",
    "Fixed",
    "Lang",
    "LogNormal",
    "Outcomes",
    "Percentiles",
    "ProgrammeArea",
    "RegimeSteps",
    "Replication",
    "Scenario",
    "ScenarioError",
    "SimulationResult",
    "Triangular",
    "case_id",
    "compare",
    "comparison_db",
    "percentile",
    "quiet_logger",
    "regime_steps",
    "render_html",
    "render_table",
    "replicate",
    "replication_seeds",
    "run",
    "write_html",
]

_log = structured()

Progress = Callable[[int], None]
"""Called with the number of proposals finished since the last call."""


def case_id(seed: int, index: int) -> str:
    """The id of proposal ``index`` (from 0) in a run with ``seed``.

    .. versionadded:: 0.1
    """
    return f"sim-{seed}-{index + 1:06d}"


def _whole(name: str, value: object, least: int) -> int:
    """``value`` if it is a whole number of at least ``least``;
    :class:`InvalidPayload` naming ``name`` otherwise (a ``ValueError``)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < least:
        raise InvalidPayload(name, f"must be a whole number {least} or more (got {shown(value)})")
    return value


def _check_seed(seed: object) -> int:
    return _whole("seed", seed, 0)


def _check_scenario(scenario: object) -> Scenario:
    if not isinstance(scenario, Scenario):
        raise InvalidPayload(
            "scenario", f"must be a Scenario (got {type(scenario).__name__} {shown(scenario)})"
        )
    return scenario


_ACTORS: dict[str, Callable[[Registry, Scenario, Tally], Actors]] = {
    "nhv": NhvActors,
    "kc-proposal": KcActors,
    "no-competence-service": NorwayActors,
}
"""The simulated actors of each regime (``Scenario.process``)."""


@contextmanager
def _registry(db: str | Path | Registry | None, process: str) -> Iterator[Registry]:
    if isinstance(db, Registry):
        reg = db
        if reg.default_process != process:  # its submissions would open cases of another regime
            raise InvalidPayload(
                "db",
                f"the registry given submits {reg.default_process!r} cases, and the scenario "
                f"simulates {process!r}; open it with process={process!r}.",
            )
        _require_empty(reg, "the registry given")
        yield reg
        return
    with tempfile.TemporaryDirectory(prefix="nhvflow-sim-") as scratch:
        path = Path(scratch) / "simulation.sqlite" if db is None else Path(db)
        with one_writer():  # a file of the simulation's own
            reg = open_registry(path, process=process, durability="normal", logger=quiet_logger())
        try:
            _require_empty(reg, str(path))
            yield reg
        finally:
            reg.close()


def _require_empty(reg: Registry, where: str) -> None:
    if reg.events(limit=1):
        raise InvalidPayload(
            "db",
            f"{where} already holds events; a simulation writes into a new, empty log "
            "(its case ids and the mapping date are its own). Choose a new path.",
        )


def _require_new(paths: Iterable[str | Path | None], process: str) -> None:
    """Before the first of several runs: each log they will keep is new, or
    empty. :func:`run` refuses any other, but only once the runs before it
    have written theirs."""
    for path in paths:
        if path is not None and Path(path).exists():
            with _registry(path, process):
                pass


def _overdue(reg: Registry, day: date) -> int:
    """How many of the obligations :meth:`Registry.due` lists are overdue on
    ``day``, counted as the cases stream past (:meth:`Registry.iter_due`):
    at 100,000 proposals, ``due()`` would hold most of the population in
    memory at once, for a single number."""
    return sum(1 for item in reg.iter_due(day) if item.overdue)


def run(
    scenario: Scenario | None = None,
    *,
    seed: int,
    db: str | Path | Registry | None = None,
    progress: Progress | None = None,
    batch_size: int = 200,
) -> SimulationResult:
    """Simulate ``scenario`` (default: :class:`Scenario`'s defaults) with ``seed``.

    :param db: where the log goes: ``None`` (a temporary file, deleted after
        the run), a path of a new SQLite file (kept; opened with
        ``durability="normal"``), or an open, empty :class:`Registry`.
    :param progress: called with the number of proposals finished, as they finish.
    :param batch_size: proposals per transaction (:meth:`Registry.batch`);
        each step still runs in its own savepoint, judged by every rule.
    :raises ValueError: ``db`` already holds events (a simulation writes a new
        log), or a bad ``seed`` or ``batch_size``.

    .. versionadded:: 0.1
    """
    scenario = _check_scenario(Scenario() if scenario is None else scenario)
    seed = _check_seed(seed)
    batch_size = _whole("batch_size", batch_size, 1)
    began = time.perf_counter()
    tally = Tally(regime_steps(scenario.process))
    with _registry(db, scenario.process) as reg:
        actors = _ACTORS[scenario.process](reg, scenario, tally)
        with reg.batch():
            actors.record_mapping()
        # A Poisson stream that brings `proposals` within `submission_days`: given their
        # number, its arrival times are that many uniform draws over the window, in order.
        arrivals = random.Random(f"nhvflow-sim:{seed}:arrivals")
        days = scenario.submission_days
        offsets = sorted(int(arrivals.random() * days) for _ in range(scenario.proposals))
        start = at_office(scenario.start)
        for first in range(0, scenario.proposals, batch_size):
            with reg.batch():
                for index in range(first, min(first + batch_size, scenario.proposals)):
                    rng = random.Random(f"nhvflow-sim:{seed}:{index}")
                    submitted = start + timedelta(days=offsets[index])
                    actors.proposal(case_id(seed, index), submitted, rng)
                    if progress is not None:
                        progress(1)
        if tally.last_step is not None:
            tally.overdue = _overdue(reg, tally.last_step.date())
    elapsed = time.perf_counter() - began
    _log.info(
        "simulation_finished",
        seed=seed,
        proposals=scenario.proposals,
        events=tally.events,
        seconds=round(elapsed, 3),
    )
    return tally.result(scenario, (seed,), elapsed)


def replication_seeds(seed: int, replications: int) -> tuple[int, ...]:
    """The seeds of ``replications`` independent replications from ``seed``:
    the first is ``seed`` itself, the others derived from it by SHA-256 (so
    runs with neighbouring seeds do not share replications).

    .. versionadded:: 0.1
    """
    seed = _check_seed(seed)
    replications = _whole("replications", replications, 1)
    derived = (
        int.from_bytes(hashlib.sha256(f"nhvflow-sim:{seed}:{i}".encode()).digest()[:6], "big")
        for i in range(1, replications)
    )
    return (seed, *derived)


def replication_db(db: str | Path, number: int, replications: int) -> Path:
    """Where replication ``number`` (from 1) writes its log when ``db`` is
    given: ``db`` itself for a single run, else ``stem-N.suffix`` beside it."""
    path = Path(db)
    if replications == 1:
        return path
    return path.with_name(f"{path.stem}-{number}{path.suffix}")


_queue: Any = None


def _init_worker(queue: Any) -> None:
    global _queue
    _queue = queue
    # A worker is a fresh process that replicate() started; each replication
    # writes a file of its own, so the warning about several writers on one
    # SQLite file is noise there (the library's log lines need nothing: they
    # go to the standard logger "nhvflow", silent unless configured).
    warnings.filterwarnings("ignore", category=SQLiteVersionWarning)


def _report(count: int) -> None:
    if _queue is not None:
        _queue.put(count)


def _replication(scenario: Scenario, seed: int, db: str | None) -> SimulationResult:
    return run(scenario, seed=seed, db=db, progress=_report if _queue is not None else None)


def replicate(
    scenario: Scenario | None = None,
    *,
    seed: int,
    replications: int,
    workers: int = 1,
    db: str | Path | None = None,
    progress: Progress | None = None,
) -> SimulationResult:
    """Run independent replications (seeds from :func:`replication_seeds`)
    in up to ``workers`` processes and merge their summaries.

    With ``db``, each replication keeps its log: ``db`` for one replication,
    ``stem-1.suffix``, ``stem-2.suffix``, ... for several.

    .. versionadded:: 0.1
    """
    scenario = _check_scenario(Scenario() if scenario is None else scenario)
    seeds = replication_seeds(seed, replications)
    workers = _whole("workers", workers, 1)
    paths: Sequence[str | None] = [
        None if db is None else str(replication_db(db, i, replications))
        for i in range(1, replications + 1)
    ]
    _require_new(paths, scenario.process)
    if workers == 1 or replications == 1:
        return SimulationResult.merge(
            run(scenario, seed=s, db=p, progress=progress)
            for s, p in zip(seeds, paths, strict=True)
        )
    context = multiprocessing.get_context("spawn")
    queue = context.Queue() if progress is not None else None
    with ProcessPoolExecutor(
        max_workers=min(workers, replications),
        mp_context=context,
        initializer=_init_worker,
        initargs=(queue,),
    ) as pool:
        futures = [
            pool.submit(_replication, scenario, s, p) for s, p in zip(seeds, paths, strict=True)
        ]
        while queue is not None and progress is not None and not all(f.done() for f in futures):
            _drain(queue, progress, timeout=0.2)
        results = [f.result() for f in futures]
    if queue is not None and progress is not None:
        while _drain(queue, progress, timeout=0.0):
            pass
    return SimulationResult.merge(results)


def _drain(queue: Any, progress: Progress, *, timeout: float) -> bool:
    import queue as queues

    try:
        progress(queue.get(timeout=timeout) if timeout else queue.get_nowait())
    except queues.Empty:
        return False
    return True


def compare(
    scenario: Scenario | None = None,
    processes: Sequence[str] = SIMULATED_PROCESSES,
    *,
    seed: int,
    db: str | Path | None = None,
    progress: Progress | None = None,
    replications: int = 1,
    workers: int = 1,
) -> Comparison:
    """Simulate one population under each regime of ``processes`` and
    compare: ``scenario`` (default: :class:`Scenario`'s defaults) with its
    ``process`` set to each regime in turn, with the same ``seed``, so that
    every regime gets the same proposals (the same areas, kinds, titles and
    arrival days) and only the regime differs.

    :param processes: the regimes, in the order of the comparison (default:
        every one of :data:`SIMULATED_PROCESSES`).
    :param db: keep each regime's log beside this path:
        ``stem-<process>.suffix`` (see :func:`comparison_db`), each a new file;
        with several replications ``stem-<process>-1.suffix``, ...
    :param replications: independent replications per regime (seeds from
        :func:`replication_seeds`, the same for every regime), merged per
        regime; ``workers`` run them in parallel processes.
    :raises ValueError: an unknown or repeated regime, or what :func:`run`
        and :func:`replicate` refuse.

    .. versionadded:: 0.1
    """
    scenario = _check_scenario(Scenario() if scenario is None else scenario)
    chosen = check_processes(processes)
    seeds = replication_seeds(seed, replications)
    if db is not None:
        for process in chosen:
            stem = comparison_db(db, process)
            _require_new(
                (replication_db(stem, n, len(seeds)) for n in range(1, len(seeds) + 1)), process
            )
    results: dict[str, SimulationResult] = {}
    for process in chosen:
        results[process] = replicate(
            attrs.evolve(scenario, process=process),
            seed=seed,
            replications=replications,
            workers=workers,
            db=None if db is None else comparison_db(db, process),
            progress=progress,
        )
    return Comparison(scenario=scenario, seeds=seeds, results=results)
