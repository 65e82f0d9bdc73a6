"""Every script in examples/ runs and says what it promises."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def test_the_demo_tells_the_pilots_story_and_counts_every_step(tmp_path):
    """The demo takes three proposals to permits, refuses the advisory-only
    one with its rule and citation, and logs exactly the accepted steps."""
    db = tmp_path / "demo.sqlite"
    out = run("pilot_proposals.py", str(db))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "REFUSED 'decide'" in text
    assert "nhv.advisory-requires-concentrated-care (HSLF-FS 2018:48 4 kap. 4–5 §" in text
    assert "nhv.mapping-pause" in text
    assert text.count("grant_permits") == 3
    assert "not_eligible" in text
    accepted = int(re.search(r"(\d+) steps accepted", text).group(1))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == accepted
        states = dict(conn.execute("select state, count(*) from cases group by state").fetchall())
    assert states == {"permitted": 3, "not_eligible": 1}


def test_every_example_is_exercised():
    """A new example needs a test here."""
    tested = {"pilot_proposals.py"}
    assert {p.name for p in EXAMPLES.glob("*.py")} <= tested
