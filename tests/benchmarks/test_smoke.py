"""The benchmarks run end to end at tiny sizes, so that they never rot.

No figure is judged here: timings on a shared machine say nothing at these
sizes, and a unit test never asserts on time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIGURES = {"1a", "1a'", "1b", "1b'", "1c", "2", "3", "3'", "4a", "4b", "5", "6"}
POSTGRES = {"7", "7b"}  # skipped, with a line that says why, where PostgreSQL cannot run


def test_smoke_run_prints_every_figure_and_writes_json(tmp_path: Path) -> None:
    """`python -m benchmarks --smoke` prints the table and writes every figure as JSON."""
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "nhvflow benchmarks" in out.stdout
    document = json.loads((tmp_path / "latest-smoke.json").read_text("utf-8"))
    assert document["smoke"] is True
    figures = {f["id"]: f for f in document["figures"]}
    assert set(figures) - POSTGRES == FIGURES
    assert set(figures) >= POSTGRES or "7 skipped (fire on PostgreSQL" in out.stdout
    for figure in figures.values():
        assert figure["nhvflow"] > 0, figure
        assert figure["baseline"] is not None and figure["baseline"] > 0, figure
        assert figure["verdict"] in {"smoke", "info"}, figure
