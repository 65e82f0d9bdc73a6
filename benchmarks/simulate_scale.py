"""Scale of a simulation: N proposals (default 100,000) run to completion,
with the peak memory and the throughput measured against a baseline in the
same run (the same engine steps fired by ``nhvflow.fixtures.advance``, with
no simulation logic around them).

Run it under ``/usr/bin/time -v`` to see the maximum resident set size::

    /usr/bin/time -v .venv/bin/python benchmarks/simulate_scale.py 100000

Not part of the test suite (minutes, not seconds).
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import nhvflow
from nhvflow import Actor
from nhvflow.fixtures import advance, proposal
from nhvflow.simulate import Scenario, quiet_logger, run


def baseline(cases: int) -> float:
    """Events per second of the engine alone: cases walked to permits by ``advance``."""
    with tempfile.TemporaryDirectory() as scratch:
        reg = nhvflow.open(Path(scratch) / "b.sqlite", durability="normal", logger=quiet_logger())
        npo = Actor.npo("Nervsystemets sjukdomar")
        began = time.perf_counter()
        with reg.batch():
            for i in range(cases):
                case = reg.submit(npo, case_id=f"b{i}", at=datetime(2019, 1, 1, tzinfo=UTC),
                                  **proposal())  # fmt: skip
                advance(reg, case.id, "permitted")
        seconds = time.perf_counter() - began
        events = reg.store.count_events()
        reg.close()
    return events / seconds


def main(proposals: int) -> int:
    done = [0]
    step = max(proposals // 10, 1)

    def progress(n: int) -> None:
        done[0] += n
        if done[0] % step == 0:
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {done[0]:>8} proposals, max RSS so far {rss:.0f} MB", flush=True)

    base = baseline(min(proposals, 2000))
    began = time.perf_counter()
    result = run(Scenario(proposals=proposals), seed=1, progress=progress)
    seconds = time.perf_counter() - began
    rate = result.events / seconds
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{proposals} proposals, {result.events} events in {seconds:.1f} s")
    print(f"  simulation: {proposals / seconds:.0f} proposals/s, {rate:.0f} events/s")
    print(f"  baseline (engine steps by fixtures.advance): {base:.0f} events/s")
    print(f"  simulation / baseline events per second: {rate / base:.2f}")
    print(f"  max RSS: {rss:.0f} MB")
    print(f"  final states: {result.final_states}")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
