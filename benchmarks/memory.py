"""Figure 6: peak memory of a simulation of 100,000 proposals.

The simulation (:func:`nhvflow.simulate.run`, seed 1, on a log file) runs
in a child process (``python -m benchmarks.memory N PATH``) that reports
its own peak resident set size. Issue 17 asks for memory independent of the
population: 100,000 proposals within 150 MB.

The peak is the kernel's high-water mark of the child's own address space
(``VmHWM`` in ``/proc/self/status``). ``getrusage(RUSAGE_SELF).ru_maxrss`` is
only the fallback where ``/proc`` is missing: on Linux it survives
``fork``/``exec``, so a child started by a ``make bench`` that has already
grown to 300 MB reports 300 MB however little it used itself.
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

__all__ = ["LIMIT_MB", "child", "memory_figure", "peak_rss_mb"]

LIMIT_MB = 150
"""The peak RSS issue 17 allows a simulation of 100,000 proposals."""


def peak_rss_mb() -> float:
    """This process's own peak resident set size, in MiB."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(proposals: int, db: Path) -> dict[str, Any]:
    """What the child process does and reports."""
    from nhvflow.simulate import Scenario, run

    configure_logging()
    start = time.perf_counter()
    result = run(Scenario(proposals=proposals), seed=1, db=db)
    return {
        "mode": "nhvflow.simulate.run",
        "events": result.events,
        "seconds": time.perf_counter() - start,
        "proposals": proposals,
        "peak_rss_mb": peak_rss_mb(),
    }


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
        + "; peak RSS is the child's own VmHWM."
    )
    return [
        Figure(
            "6",
            f"peak RSS, {sizes.rss_proposals:,} proposals",
            report["peak_rss_mb"],
            "MB",
            f"limit: {LIMIT_MB} MB",
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
