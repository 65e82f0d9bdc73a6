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


def test_the_simulation_example_answers_the_analysts_questions(tmp_path):
    """The simulation example accounts for 250 proposals, closes every advisory-only
    one under the rule, logs exactly its counted events and writes its report."""
    out = run("simulate_proposals.py", str(tmp_path))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "250 proposals:" in text
    found = re.search(r"Advisory-only proposals: (\d+); closed as not eligible under "
                      r"nhv.advisory-requires-concentrated-care: (\d+)", text)  # fmt: skip
    assert found and found.group(1) == found.group(2) and int(found.group(1)) > 0
    assert "Mapping completed a year later (2021-03-31)" in text
    events = int(re.search(r"(\d+) events in ", text).group(1))
    with sqlite3.connect(tmp_path / "simulation.sqlite") as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == events
        assert conn.execute("select count(*) from cases").fetchone()[0] == 250
    if "HTML report:" in text:
        assert (tmp_path / "simulation.html").read_text(encoding="utf-8").count(
            "<svg"
        ) == 4  # funnel, days, permits over time and by region


def test_one_advisory_proposal_is_refused_by_the_law_in_force_and_established_elsewhere(
    tmp_path,
):
    """The same advisory-only proposal: refused at the decision under nhv with
    the advisory rule, centres under kc-proposal (after the one-year grant
    rule refused three years), an active service under the Norwegian model."""
    db = tmp_path / "three.sqlite"
    out = run("one_proposal_three_regimes.py", str(db))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "REFUSED by nhv.advisory-requires-concentrated-care" in text
    assert "REFUSED by kc.state-grant-one-year" in text
    ends = dict(re.findall(r"^\s+(\S+)\s+ends '(\w+)'", text, flags=re.M))
    assert ends == {
        "nhv": "not_eligible",
        "kc-proposal": "established",
        "no-competence-service": "active",
    }
    events = int(re.search(r"(\d+) events in ", text).group(1))
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == events
        processes = dict(conn.execute("select process, state from cases").fetchall())
    assert processes == ends
    assert "hash chain intact" in text


def test_every_example_is_exercised():
    """A new example needs a test here."""
    tested = {"pilot_proposals.py", "simulate_proposals.py", "one_proposal_three_regimes.py",
              "deadlines_and_decisions.py"}  # fmt: skip
    assert {p.name for p in EXAMPLES.glob("*.py")} <= tested


def test_the_case_officers_morning_lists_what_is_due_decides_with_reasons_and_plays_paths(
    tmp_path,
):
    """The deadlines example lists overdue items first, prints the Swedish decision
    citing the central rule, writes it as HTML and reaches every state of nhv."""
    out = run("deadlines_and_decisions.py", str(tmp_path))
    assert out.returncode == 0, out.stderr
    text = out.stdout
    later = text.split("Due on 2026-03-01:")[1].split("# Beslut")[0]
    flags = [line.split()[0] == "OVERDUE" for line in later.strip().splitlines()[1:]]
    assert flags and flags == sorted(flags, reverse=True) and flags[0]
    assert "apply_for_permit" in later and "report_follow_up" in later
    assert "nhv.advisory-requires-concentrated-care" in text
    assert "HSLF-FS 2018:48 4 kap. 4–5 §" in text and "får inte överklagas" in text
    page = (tmp_path / "beslut.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="sv">' in page
    assert "11 state paths played; nhv: 11 of 11 states" in text
