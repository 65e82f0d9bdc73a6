"""Figures 3 and 4: judging in memory, and replaying the log.

3. Rules and machine without the store: what the engine does between
   loading a case and writing its event (parse the payload, complete its
   defaults, the responsible-party rule, every rule of the transition in
   force, the shared machine's move), against ``transitions`` firing the
   same triggers on a one-model machine of the same graph.
4. ``rebuild_projections``, against reading the same events and decoding
   their JSON with raw ``sqlite3``, and against eventsourcing rebuilding
   every aggregate from its events.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from rich.console import Console
from transitions import Machine

import nhvflow
from benchmarks import _drivers as d
from benchmarks._harness import Figure, Sizes, Target, interleaved, median, paired, scratch
from benchmarks.workload import STEPS_PER_CASE, lifecycle, lifecycles
from nhvflow import Actor, Case
from nhvflow.rules import Step as RuleStep
from nhvflow.states import Process

__all__ = ["machine_figures", "rebuild_figures"]

Judged = tuple[str, Actor, dict[str, Any], datetime, Case]


class _NoFacts:
    """Registry facts for an in-memory judgement: the mapping is not done
    (the workload's proposals are pilots, which the pause exempts)."""

    def mapping_completed_at(self) -> datetime | None:
        return None

    def pilot_designations(self) -> dict[str, datetime]:
        return {}  # only the areas the NHV page marks as pilots


def _cases_before_steps(cases: int) -> tuple[Process, list[Judged]]:
    """Each step of the workload with the case as it stood before it (untimed)."""
    reg = nhvflow.open()
    items: list[Judged] = []
    for s in lifecycles(cases):
        if s.trigger == "submit":
            reg.submit(s.actor, case_id=s.case_id, at=s.at, **s.payload)
            continue
        items.append((s.trigger, s.actor, s.payload, s.at, reg.get(s.case_id)))
        reg.fire(s.case_id, s.trigger, s.actor, at=s.at, **s.payload)
    process = reg.process()
    reg.close()
    return process, items


def judge_and_move(process: Process, items: list[Judged]) -> int:
    """Judge each step as the engine does, without the store, and move the
    shared machine; raises if any step were refused."""
    from nhvflow import _payload

    parse = _payload.parse
    facts = _NoFacts()
    authority = process.authority
    name = process.name
    for trigger, actor, payload, when, case in items:
        transition = process.transitions[trigger]
        fact = parse(transition.event, payload)
        if transition.prepare is not None:
            fact = transition.prepare(fact, case, when)
        step = RuleStep(case, name, trigger, actor, fact, when, facts, transition.responsible)
        if authority.evaluate(step):
            raise AssertionError(f"{trigger} refused by {authority.id}")
        for rule in transition.rules:
            if rule.in_force(when) and rule.evaluate(step):
                raise AssertionError(f"{trigger} refused by {rule.id}")
        process.next_state(trigger, case.state)
    return len(items)


def _staged_checks(
    cases: int,
) -> tuple[nhvflow.Registry, list[tuple[str, str, Actor, dict[str, Any], datetime]]]:
    """An in-memory registry whose i-th case stands just before its
    (i mod 11)+1-th step, and that step for each (so every check is lawful)."""
    reg = nhvflow.open()
    checks = []
    with reg.batch():
        for i in range(cases):
            steps = lifecycle(f"check-{i:07d}")
            stage = 1 + i % (STEPS_PER_CASE - 1)
            d.take(reg, steps[:stage])
            s = steps[stage]
            checks.append((s.case_id, s.trigger, s.actor, s.payload, s.at))
    return reg, checks


class _Model:
    state: str = ""


def bare_machine(process: Process) -> tuple[_Model, Machine]:
    """A plain ``transitions`` machine of the process's graph, with one model."""
    model = _Model()
    machine = Machine(
        model=model,
        states=list(process.states),
        transitions=[
            {"trigger": t.trigger, "source": source, "dest": dest}
            for t in process.transitions.values()
            if not t.creates
            for source, dest in t.moves
        ],
        initial=process.initial,
        auto_transitions=False,
    )
    return model, machine


def bare_triggers(model: _Model, moves: list[tuple[str, Any]]) -> int:
    """Fire each trigger from its state on the one model (the baseline)."""
    for state, trigger in moves:
        model.state = state
        trigger()
    return len(moves)


def machine_figures(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 3: judging and moving in memory vs transitions' bare trigger."""
    process, items = _cases_before_steps(sizes.machine_cases)
    model, _ = bare_machine(process)
    moves = [(case.state, getattr(model, trigger)) for trigger, _, _, _, case in items]
    reg, checks = _staged_checks(sizes.machine_cases)

    def check() -> int:
        for case_id, trigger, actor, payload, at in checks:
            if reg.check(case_id, trigger, actor, at=at, **payload):
                raise AssertionError(f"{trigger} refused")
        return len(checks)

    console.log(f"3: rules + machine in memory, {len(items)} steps × {sizes.rounds} rounds")

    def rate(fn: Any, *args: Any) -> float:
        start = time.perf_counter()
        done = fn(*args)
        return float(done / (time.perf_counter() - start))

    samples = interleaved(
        sizes.rounds,
        {
            "nhvflow": lambda: rate(judge_and_move, process, items),
            "transitions": lambda: rate(bare_triggers, model, moves),
            "check": lambda: rate(check),
        },
    )
    reg.close()
    bare = median(samples["transitions"])
    return [
        Figure(
            "3",
            "judge + move in memory",
            median(samples["nhvflow"]),
            "steps/s",
            "transitions",
            bare,
            Target(">=", 0.4),
            "—",
            baseline_detail="transitions firing the same triggers from the same states on "
            "a one-model Machine of the same graph (auto_transitions=False). nhvflow parses the "
            "payload, completes its defaults, judges the responsible party and every rule in "
            "force, and moves its shared machine, as the engine does, without the store.",
            samples={"nhvflow": samples["nhvflow"], "transitions": samples["transitions"]},
            smoke=smoke,
            paired=paired(samples, "nhvflow", "transitions"),
        ),
        Figure(
            "3'",
            "reg.check(), in memory",
            median(samples["check"]),
            "steps/s",
            "transitions",
            bare,
            None,
            "memory",
            baseline_detail="the public dry run: check() also reads the case from an "
            "in-memory store and builds every rule's outcome, but moves no machine.",
            samples={"check": samples["check"]},
            smoke=smoke,
            paired=paired(samples, "check", "transitions"),
        ),
    ]


def _rebuild_rate(path: Any, events: int) -> float:
    reg = d.open_log(path, "normal")
    start = time.perf_counter()
    reg.rebuild_projections()
    rate = events / (time.perf_counter() - start)
    reg.close()
    return rate


def rebuild_figures(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 4: rebuilding every projection from the events."""
    steps = list(lifecycles(sizes.rebuild_cases))
    figures = []
    with scratch() as tmp:
        path = tmp / "log.sqlite"
        reg = d.open_log(path, "normal")
        with reg.batch():
            events = d.take(reg, steps)
        reg.close()
        sides = {
            "nhvflow": lambda: _rebuild_rate(path, events),
            "raw": lambda: d.raw_read_json(path),
        }
        try:
            from benchmarks import _eventsourcing as es
        except ImportError:
            es = None  # type: ignore[assignment]
        if es is not None:
            es_path = tmp / "es.sqlite"
            ids = es.write(es_path, es.prepare(steps))
            sides["eventsourcing"] = lambda: es.replay(es_path, ids, events)
        console.log(f"4: rebuild, {events} events × {sizes.rounds} rounds")
        samples = interleaved(sizes.rounds, sides)
    nhv = median(samples["nhvflow"])
    figures.append(
        Figure(
            "4a",
            "rebuild_projections",
            nhv,
            "events/s",
            "raw read+json",
            median(samples["raw"]),
            Target(">=", 0.5),
            "NORMAL",
            baseline_detail="raw sqlite3 reading every event of the same log in order "
            "and json.loads of its actor and payload.",
            samples={"nhvflow": samples["nhvflow"], "raw": samples["raw"]},
            smoke=smoke,
            paired=paired(samples, "nhvflow", "raw"),
        )
    )
    if "eventsourcing" in samples:
        figures.append(
            Figure(
                "4b",
                "rebuild_projections",
                nhv,
                "events/s",
                "eventsourcing",
                median(samples["eventsourcing"]),
                Target(">=", 3),
                "NORMAL",
                baseline_detail="eventsourcing rebuilding every aggregate of the same "
                "steps from its events (repository.get, no snapshots); nhvflow also writes "
                "every projection, in one transaction.",
                samples={"eventsourcing": samples["eventsourcing"]},
                smoke=smoke,
                paired=paired(samples, "nhvflow", "eventsourcing"),
            )
        )
    return figures
