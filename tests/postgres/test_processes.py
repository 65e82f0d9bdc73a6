"""Several processes write one PostgreSQL log at once: every accepted step
is recorded exactly once at the next position, the hash chain stays one
chain, rules are judged on fresh state, and a writer killed mid-transaction
loses only its own uncommitted step and blocks no one."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import pytest

import nhvflow
from nhvflow import Actor, Region
from nhvflow.fixtures import advance, proposal

pytestmark = pytest.mark.slow

WRITER = Path(__file__).with_name("writer.py")


class Writer:
    """One writer process (tests/postgres/writer.py), started and waiting for 'go'."""

    def __init__(self, target: str, mode: str, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(WRITER), target, mode, *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def ready(self) -> None:
        """Wait until the process has opened the log."""
        assert self.line() == {"ready": True}, self.proc.stderr.read() if self.proc.stderr else ""

    @property
    def out(self) -> IO[str]:
        assert self.proc.stdout is not None
        return self.proc.stdout

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("go\n")
        self.proc.stdin.flush()

    def line(self) -> Any:
        text = self.out.readline()
        return json.loads(text) if text else None

    def finish(self) -> list[Any]:
        out, err = self.proc.communicate(timeout=240)
        assert self.proc.returncode == 0, err
        return [json.loads(line) for line in out.splitlines()]

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.communicate(timeout=30)


@pytest.fixture(name="writers")
def _writers() -> Iterator[list[Writer]]:
    started: list[Writer] = []
    yield started
    for w in started:
        if w.proc.poll() is None:
            w.kill()


def _start(writers: list[Writer], target: str, mode: str, *args: str) -> Writer:
    writer = Writer(target, mode, *args)
    writers.append(writer)
    writer.ready()
    return writer


def _go(team: list[Writer]) -> None:
    for w in team:
        w.go()


def test_concurrent_writers_keep_one_contiguous_chain(postgres_url, writers):
    """Four processes open a new log together and walk their own cases: one log, no fork."""
    team = [Writer(postgres_url, "walk", f"w{n}", "5") for n in range(4)]
    writers.extend(team)
    for w in team:
        w.ready()
    _go(team)
    results = [line for w in team for line in w.finish()]
    assert len(results) == 20 and all(r["version"] == 6 for r in results)
    with nhvflow.open(postgres_url) as reg:
        events = list(reg.events())
        assert [e.position for e in events] == list(range(1, 121))
        assert len({e.stream_id for e in events}) == 20
        assert reg.verify(strict=True, projections=True).checked == 120
        assert {c.state for c in reg.cases()} == {"decided"}


def test_concurrent_steps_on_one_case_all_land_in_order(postgres_url, writers, clock):
    """Twenty regions applying at once on one case: every step lands, versions 7 to 26."""
    with nhvflow.open(postgres_url) as reg:
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal())
        case = advance(reg, case.id, "decided", regions=())
    at = (case.updated_at + timedelta(days=1)).isoformat()
    regions = [r.name for r in Region][:20]
    team = [_start(writers, postgres_url, "apply", case.id, at, *regions[n::4]) for n in range(4)]
    _go(team)
    results = [line for w in team for line in w.finish()]
    assert [r for r in results if "error" in r] == []
    assert sorted(r["version"] for r in results) == list(range(7, 27))
    with nhvflow.open(postgres_url) as reg:
        assert {a["region"] for a in reg.get(case.id).data["applicants"]} == set(regions)
        assert reg.verify(strict=True, projections=True).checked == 26


def test_rules_are_judged_on_fresh_state_under_a_race(postgres_url, writers, npo, clock):
    """Six processes fire the same step at once: one wins, the others see the new state."""
    with nhvflow.open(postgres_url) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
    team = [_start(writers, postgres_url, "appoint", case.id) for _ in range(6)]
    _go(team)
    outcomes = sorted(w.finish()[0]["outcome"] for w in team)
    # Without the lock, the losers would have judged a stale 'proposed' case and
    # collided on the version (ConcurrencyConflict); they see 'expert_review' instead.
    assert outcomes == ["InvalidTrigger"] * 5 + ["appointed"]
    with nhvflow.open(postgres_url) as reg:
        assert reg.get(case.id).version == 2
        assert reg.verify(strict=True).checked == 2


def test_a_writer_killed_mid_stream_leaves_a_valid_log(postgres_url, writers):
    """kill -9 during a stream of commits: every reported commit is there, the chain verifies."""
    with nhvflow.open(postgres_url):
        pass
    writer = _start(writers, postgres_url, "submit-forever")
    writer.go()
    committed = [writer.line()["case"] for _ in range(25)]
    writer.kill()
    with nhvflow.open(postgres_url, busy_timeout=5) as reg:
        ids = {c.id for c in reg.cases()}
        assert set(committed) <= ids
        assert reg.verify(strict=True, projections=True).checked == len(ids)
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
        assert reg.get(case.id).version == 1


def test_a_writer_killed_holding_the_lock_blocks_no_one(postgres_url, writers, npo, clock):
    """A process killed inside its transaction: its step vanishes and the lock is released."""
    with nhvflow.open(postgres_url):
        pass
    writer = _start(writers, postgres_url, "hold")
    writer.go()
    assert writer.line() == {"inside": "held"}
    os.kill(writer.proc.pid, signal.SIGKILL)
    writer.proc.communicate(timeout=30)
    with nhvflow.open(postgres_url, busy_timeout=10) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
        assert [e.stream_id for e in reg.events()] == [case.id]
        with pytest.raises(nhvflow.UnknownCase):
            reg.get("held")
        assert reg.verify(strict=True).ok
