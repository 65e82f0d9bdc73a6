"""The command as a newcomer runs it: real processes (`python -m nhvflow` and the
installed `nhvflow` script) on a real log, with their exit codes and streams."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).with_name("nhvflow")


def nhvflow(*args: object, cwd: Path | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m nhvflow ARGS` and capture what it prints."""
    return subprocess.run(
        [sys.executable, "-m", "nhvflow", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **env},
    )


def test_the_installed_script_shows_its_help():
    """`nhvflow --help` works from the console script pyproject.toml installs."""
    assert SCRIPT.exists(), f"no console script at {SCRIPT}"
    out = subprocess.run(
        [str(SCRIPT), "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("Usage: nhvflow ") and "verify" in out.stdout


def test_a_newcomers_session_demo_verify_cases_rules_diagram(tmp_path):
    """demo, then verify, cases, rules --lang sv and diagram, each exit 0 with clean stderr."""
    demo = nhvflow("demo", cwd=tmp_path)
    assert demo.returncode == 0, demo.stderr
    assert (tmp_path / "demo.sqlite").exists()
    assert demo.stderr == ""  # a single writer on a file of its own: no warnings

    verify = nhvflow("verify", "demo.sqlite", cwd=tmp_path)
    assert (verify.returncode, verify.stderr) == (0, "")
    assert verify.stdout.startswith("log ok: 51 events checked, hash chain intact")

    cases = nhvflow("cases", "demo.sqlite", "--json", cwd=tmp_path)
    assert cases.returncode == 0
    assert (
        sorted(c["state"] for c in json.loads(cases.stdout)) == ["not_eligible"] + ["permitted"] * 3
    )

    rules = nhvflow("rules", "--lang", "sv", cwd=tmp_path)
    assert rules.returncode == 0 and "Vården bedrivs vid som mest fem enheter" in rules.stdout

    drawn = nhvflow("diagram", cwd=tmp_path)
    assert drawn.returncode == 0 and "stateDiagram-v2" in drawn.stdout


@pytest.mark.parametrize("extra", [(), ("--workers", "2", "--replications", "2")])
def test_simulate_prints_no_warning_about_concurrent_writers(tmp_path, extra):
    """A simulation writes new files of its own, one writer each (in worker
    processes too): the warning about several writers on one SQLite file is
    noise there, as it is for the demo."""
    run = nhvflow("simulate", "--proposals", "5", *extra, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("Simulation")
    assert run.stderr == ""


def test_verify_of_a_missing_file_exits_2_and_creates_nothing(tmp_path):
    out = nhvflow("verify", "demo.sqlite", cwd=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        "Error: Invalid value for 'DB': File 'demo.sqlite' does not exist. "
        "(see 'nhvflow verify --help')"
    ]
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_case_exits_1_with_one_line(demo_log):
    out = nhvflow("history", demo_log, "no-such-case")
    assert out.returncode == 1
    assert out.stderr.strip().splitlines() == [
        "Error: no case 'no-such-case' in this log; check the id or list cases."
    ]
    assert out.stdout == ""


def test_svg_without_dot_on_path_exits_1_with_what_to_install(tmp_path):
    out = nhvflow("diagram", "--format", "svg", "-o", tmp_path / "x.svg", PATH=str(tmp_path))
    assert out.returncode == 1
    assert "Graphviz" in out.stderr and len(out.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "x.svg").exists()


@pytest.mark.parametrize("args", [["--frobnicate"], ["rules", "--lang", "de"]])
def test_usage_errors_exit_2_with_one_line(args):
    out = nhvflow(*args)
    assert out.returncode == 2
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("Error: ")
