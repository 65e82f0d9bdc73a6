"""Figure 6 reads the child's own peak memory, not one it inherited.

On Linux ``getrusage(RUSAGE_SELF).ru_maxrss`` survives ``fork``/``exec``: a
child started by a parent that has grown large reports the parent's peak.
``make bench`` starts figure 6's child after figures that hold hundreds of
megabytes, so figure 6 must read the child's own high-water mark.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = "import json; from benchmarks.memory import peak_rss_mb; print(json.dumps(peak_rss_mb()))"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_child_peak_does_not_include_its_parents() -> None:
    """A small child of a 300 MB parent reports well under 300 MB."""
    ballast = bytearray(300 * 1024 * 1024)  # touched: bytearray zero-fills
    out = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    del ballast
    peak = json.loads(out.stdout)
    assert 0 < peak < 150, peak
