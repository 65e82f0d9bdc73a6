"""Figure 6: peak memory of a simulation of 100,000 proposals.

The simulation runs in a child process (``python -m benchmarks.memory``)
that reports its own peak resident set size (``getrusage``). It uses
:func:`nhvflow.simulate.run` when that module exists; until then it pushes
the proposals through the public API itself, each through its whole life
(twelve steps), in ``batch()`` transactions of 1,000 proposals, on a log
file, as a simulation would.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks._harness import Figure, Sizes, Target, configure_logging, python, scratch

__all__ = ["memory_figure"]

LIMIT_MB = 2048


def _simulate(proposals: int, db: Path) -> dict[str, Any] | None:
    """Run ``nhvflow.simulate`` if it exists (``None`` when it does not)."""
    try:
        from nhvflow import simulate  # type: ignore[attr-defined]
    except ImportError:
        return None
    scenario = simulate.Scenario(proposals=proposals)
    result = simulate.run(scenario, seed=1, db=str(db))
    events = getattr(result, "events_written", None) or getattr(result, "events", None)
    return {"mode": "nhvflow.simulate.run", "events": events if isinstance(events, int) else None}


def _public_api(proposals: int, db: Path) -> dict[str, Any]:
    import nhvflow
    from benchmarks._drivers import take
    from benchmarks.workload import lifecycles

    reg = nhvflow.open(db, durability="normal")
    events = 0
    chunk = 1_000
    for first in range(0, proposals, chunk):
        with reg.batch():
            events += take(reg, lifecycles(min(chunk, proposals - first), prefix=f"p{first}-"))
    reg.close()
    return {"mode": "public API in batch() transactions", "events": events}


def child(proposals: int, db: Path) -> dict[str, Any]:
    """What the child process does and reports."""
    configure_logging()
    start = time.perf_counter()
    report = _simulate(proposals, db) or _public_api(proposals, db)
    report["seconds"] = time.perf_counter() - start
    report["proposals"] = proposals
    report["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def memory_figure(sizes: Sizes, *, smoke: bool, console: Console) -> list[Figure]:
    """Figure 6: run the simulation in a child and read its peak RSS."""
    console.log(f"6: peak memory of {sizes.rss_proposals:,} proposals (child process)")
    with scratch() as tmp:
        out = subprocess.run(
            [
                python(),
                "-m",
                "benchmarks.memory",
                str(sizes.rss_proposals),
                str(tmp / "sim.sqlite"),
            ],
            cwd=Path(__file__).parent.parent,
            capture_output=True,
            text=True,
            check=True,
        )
    report = json.loads(out.stdout.strip().splitlines()[-1])
    rate = report["events"] / report["seconds"] if report.get("events") else None
    note = (
        f"{report['mode']}: {report['proposals']:,} proposals"
        + (f", {report['events']:,} events" if report.get("events") else "")
        + f" in {report['seconds']:.0f} s"
        + (f" ({rate:,.0f} steps/s)" if rate else "")
        + "; peak RSS by getrusage in the child."
    )
    return [
        Figure(
            "6",
            f"peak RSS, {sizes.rss_proposals:,} proposals",
            report["peak_rss_mb"],
            "MB",
            "limit: 2 GB",
            float(LIMIT_MB),
            Target("<=", 1.0),
            "NORMAL",
            higher_is_better=False,
            baseline_detail=note,
            samples={"report": [report["peak_rss_mb"]]},
            smoke=smoke,
        )
    ]


if __name__ == "__main__":
    print(json.dumps(child(int(sys.argv[1]), Path(sys.argv[2]))))
