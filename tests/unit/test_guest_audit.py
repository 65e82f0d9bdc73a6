"""An outside audit of nhvflow as a guest in someone else's process: silent
on stdout and stderr, no global configuration, named errors for bad input
that write nothing, a command that keeps docs/cli.md's word, and a testing
kit that leaves nothing behind.

A passing test pins a promise that holds; an ``xfail(strict=True)`` test
exposes a bug and fails today for the reason it gives."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import warnings
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis.errors import InvalidArgument

import nhvflow
from nhvflow import Actor
from nhvflow.cli import main
from nhvflow.fixtures import advance, proposal

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
DOCS = ROOT / "docs"


def fresh_python(tmp_path: Path, body: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` as a host program in a fresh interpreter that imports
    this worktree's nhvflow."""
    script = tmp_path / "host.py"
    script.write_text(textwrap.dedent(body), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "PYTHONPATH": str(SRC), "NO_COLOR": "1", **env},
    )


def cli(*args: object, **kwargs: Any) -> Any:
    """Run the command in-process, stdout and stderr kept apart."""
    return CliRunner().invoke(main, [str(a) for a in args], prog_name="nhvflow", **kwargs)


def submitted_log(path: Path) -> str:
    """A small log at ``path``, closed cleanly; the id of its one case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nhvflow.SQLiteVersionWarning)
        with nhvflow.open(path) as reg:
            kw = proposal()
            case = reg.submit(Actor.npo(kw["programme_area"]), **kw)
    return case.id


# -- the library as a guest: output and global state ----------------------------------

GUEST = """
import json, locale, logging, os, signal, sqlite3, sys, threading, warnings
import faulthandler
import hypothesis, matplotlib, structlog  # the host has them already


def state():
    root = logging.getLogger()
    return {
        "root": [repr(h) for h in root.handlers] + [root.level],
        "logging": [
            logging.root.manager.disable,
            repr(logging.getLoggerClass()),
            repr(logging.getLogRecordFactory()),
            repr(logging.lastResort),
        ],
        "structlog": [structlog.is_configured(), repr(structlog.get_config())],
        "locale": locale.setlocale(locale.LC_ALL),
        "sys.path": list(sys.path),
        "recursion": sys.getrecursionlimit(),
        "signals": {
            s.name: repr(signal.getsignal(s))
            for s in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD)
        },
        "hooks": [repr(sys.excepthook), repr(threading.excepthook),
                  repr(warnings.showwarning), faulthandler.is_enabled()],
        "sqlite3": [sorted(map(repr, sqlite3.adapters)), sorted(sqlite3.converters)],
        "matplotlib": {k: repr(v) for k, v in dict.items(matplotlib.rcParams)},
        "hypothesis": repr(hypothesis.settings()),
        "environ": sorted(os.environ),
        "cwd": os.getcwd(),
    }


def main():
    before = state()
    import nhvflow
    import nhvflow.simulate as sim
    import nhvflow.testing as kit
    from hypothesis import given, settings
    from nhvflow import Actor
    from nhvflow.fixtures import advance, proposal

    imported = state()
    filters = list(warnings.filters)
    library = logging.getLogger("nhvflow")
    logger = [[type(h).__name__ for h in library.handlers], library.level, library.propagate]

    reg = nhvflow.open("log.sqlite")
    kw = proposal()
    case = reg.submit(Actor.npo(kw["programme_area"]), **kw)
    try:
        reg.fire(case.id, "decide", Actor.board(), units=3)
    except nhvflow.NhvflowError:
        pass
    case = advance(reg, case.id, "permitted")
    assert reg.verify(projections=True).ok
    reg.rebuild_projections()
    reg.due(as_of=case.updated_at)
    reg.decision(case.id)
    reg.close()
    with nhvflow.open("log.sqlite", readonly=True) as ro:
        ro.cases()
        ro.verify()

    result = sim.run(sim.Scenario(proposals=12), seed=3)
    sim.render_table(result)
    sim.write_html(result, "report.html")
    sim.compare(sim.Scenario(proposals=4), seed=3).render_table()

    @settings(max_examples=5, database=None, deadline=None)
    @given(kit.proposals(), kit.expert_groups(), kit.actors(), kit.regions())
    def draws(p, g, a, r):
        pass

    draws()
    path = kit.paths("ern-membership")[0]
    with nhvflow.open() as mem:
        path.play(mem)
    kit.coverage("ern-membership")

    used = state()
    print(json.dumps({
        "before": before, "imported": imported, "used": used, "logger": logger,
        "filters_changed_by_use": [repr(f) for f in warnings.filters if f not in filters],
    }))


if __name__ == "__main__":
    main()
"""


@pytest.fixture(name="guest", scope="module")
def _guest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One host program that imports nhvflow, its simulations and its testing
    kit and uses each: what it printed and the global state before and after."""
    tmp = tmp_path_factory.mktemp("guest")
    done = fresh_python(tmp, GUEST)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    return {"stdout_lines": lines, "stderr": done.stderr, **json.loads(lines[-1])}


def test_a_host_using_every_part_of_nhvflow_reads_back_only_its_own_stdout(guest):
    """Import, open, steps, verify, rebuild, simulations, tables, report,
    strategies and paths print nothing: the host's one line is all of stdout."""
    assert len(guest["stdout_lines"]) == 1


def test_stderr_holds_at_most_the_one_sqlite_version_warning(guest):
    """The library's only words on stderr are the documented warning, once."""
    shown = [line for line in guest["stderr"].splitlines() if not line.startswith("  ")]
    assert guest["stderr"].count("SQLiteVersionWarning") <= 1
    assert all("SQLiteVersionWarning" in line for line in shown), shown


@pytest.mark.parametrize(
    "key",
    [
        "root",
        "logging",
        "structlog",
        "locale",
        "sys.path",
        "recursion",
        "signals",
        "hooks",
        "sqlite3",
        "matplotlib",
        "hypothesis",
        "environ",
        "cwd",
    ],
)
def test_importing_and_using_nhvflow_configures_nothing_global(guest, key):
    """Root logger, structlog, locale, sys.path, recursion limit, signal
    handlers, hooks, SQLite adapters, matplotlib's rcParams and backend,
    hypothesis settings and the environment are as the host left them."""
    assert guest["imported"][key] == guest["before"][key]
    assert guest["used"][key] == guest["before"][key]


def test_the_library_logger_has_only_a_null_handler_and_no_level(guest):
    """The logger "nhvflow" is silent by a NullHandler; level and propagation are the host's."""
    assert guest["logger"] == [["NullHandler"], logging.NOTSET, True]


def test_using_nhvflow_adds_no_warnings_filter(guest):
    """Opening logs, simulations and the testing kit leave warnings.filters
    as they were after import (one_writer() puts its filter back)."""
    assert guest["filters_changed_by_use"] == []


def test_importing_nhvflow_adds_no_warnings_filter(tmp_path):
    """``import nhvflow`` leaves warnings.filters as the host set them (numpy,
    which sqlite-utils imports, is already loaded here: its own filters are
    numpy's, not nhvflow's)."""
    done = fresh_python(
        tmp_path,
        """
        import warnings
        import numpy  # the host's
        before = list(warnings.filters)
        import nhvflow
        print([repr(f) for f in warnings.filters if f not in before])
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# -- bad input to the library: named errors that write nothing ------------------------


def test_a_locked_log_opened_read_only_is_store_busy_not_a_foreign_file(tmp_path):
    """A sound log held by another writer is busy, not 'not an SQLite database'."""
    path = tmp_path / "log.sqlite"
    submitted_log(path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO nhvflow_meta SELECT * FROM nhvflow_meta WHERE 0")
        with pytest.raises(nhvflow.NhvflowError) as refused:
            nhvflow.open(path, readonly=True, busy_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "not an SQLite database" not in str(refused.value)
    assert isinstance(refused.value, nhvflow.StoreBusy), repr(refused.value)


def test_a_locked_log_opened_for_writing_is_store_busy(tmp_path):
    """The writable open of the same locked log says what happened (the control)."""
    path = tmp_path / "log.sqlite"
    submitted_log(path)
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO nhvflow_meta SELECT * FROM nhvflow_meta WHERE 0")
        with pytest.raises(nhvflow.StoreBusy):
            nhvflow.open(path, busy_timeout=0.1)
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_truncated_log_refused_read_only_leaves_no_files_beside_it(tmp_path):
    """Refusing a damaged file writes nothing: no '-wal' or '-shm' appear
    (`nhvflow verify` and every read command open this way)."""
    good = tmp_path / "good.sqlite"
    submitted_log(good)
    damaged = tmp_path / "damaged" / "log.sqlite"
    damaged.parent.mkdir()
    damaged.write_bytes(good.read_bytes()[:6000])
    with pytest.raises(nhvflow.LogFormatError):
        nhvflow.open(damaged, readonly=True)
    assert damaged.read_bytes() == good.read_bytes()[:6000]
    assert sorted(p.name for p in damaged.parent.iterdir()) == ["log.sqlite"]


def test_a_truncated_log_refused_for_writing_leaves_no_files_beside_it(tmp_path):
    """The writable open of the same damaged file refuses it and leaves nothing (the control)."""
    good = tmp_path / "good.sqlite"
    submitted_log(good)
    damaged = tmp_path / "damaged" / "log.sqlite"
    damaged.parent.mkdir()
    damaged.write_bytes(good.read_bytes()[:6000])
    with pytest.raises(nhvflow.LogFormatError):
        nhvflow.open(damaged)
    assert sorted(p.name for p in damaged.parent.iterdir()) == ["log.sqlite"]


# -- simulations: bad input -----------------------------------------------------------


@pytest.fixture(name="small_result", scope="module")
def _small_result() -> Any:
    from nhvflow.simulate import Scenario, run

    return run(Scenario(proposals=3), seed=1)


def test_a_scenario_file_that_is_not_utf8_is_a_scenario_error(tmp_path):
    """A binary file given as a scenario is refused by name, like a missing one."""
    from nhvflow.simulate import Scenario, ScenarioError

    path = tmp_path / "scenario.toml"
    path.write_bytes(b"\xff\xfe\x00proposals = 3\n")
    with pytest.raises(ScenarioError) as refused:
        Scenario.from_toml(path)
    assert refused.value.field == "file"


def test_a_start_whose_clock_runs_off_the_calendar_is_refused_by_name():
    """A start so late that the simulated clock cannot run is a ScenarioError naming it."""
    from nhvflow.simulate import Scenario, ScenarioError, run

    with pytest.raises(ScenarioError) as refused:
        run(Scenario(proposals=2, start=date(9999, 1, 1)), seed=1)
    assert refused.value.field == "start"


def test_a_simulation_that_fails_leaves_no_scratch_directory(tmp_path, monkeypatch):
    """run() writes its log in a temporary directory that is gone after it, even after a crash."""
    from nhvflow.simulate import Scenario, run

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    run(Scenario(proposals=3), seed=2)
    with pytest.raises((OverflowError, nhvflow.NhvflowError)):  # see the xfail above
        run(Scenario(proposals=2, start=date(9999, 1, 1)), seed=1)
    assert list(scratch.iterdir()) == []


def _simulation_calls(tmp_path: Path, result: Any) -> dict[str, Any]:
    import nhvflow.simulate as sim

    two = sim.Scenario(proposals=2)
    return {
        "run-seed-negative": lambda: sim.run(two, seed=-1),
        "run-batch-size-zero": lambda: sim.run(two, seed=1, batch_size=0),
        "run-batch-size-text": lambda: sim.run(two, seed=1, batch_size="200"),
        "run-scenario-dict": lambda: sim.run({"proposals": 2}, seed=1),  # type: ignore[arg-type]
        "replicate-no-replications": lambda: sim.replicate(two, seed=1, replications=0),
        "replicate-replications-text": lambda: sim.replicate(two, seed=1, replications="2"),
        "replicate-no-workers": lambda: sim.replicate(two, seed=1, replications=2, workers=0),
        "compare-unknown-regime": lambda: sim.compare(two, ["nope"], seed=1),
        "merge-nothing": lambda: sim.SimulationResult.merge([]),
        "render-table-lang": lambda: sim.render_table(result, lang="de"),
        "write-html-lang": lambda: sim.write_html(result, tmp_path / "r.html", lang="de"),
    }


SIMULATION_CALLS = [
    "run-seed-negative",
    "run-batch-size-zero",
    "run-batch-size-text",
    "run-scenario-dict",
    "replicate-no-replications",
    "replicate-replications-text",
    "replicate-no-workers",
    "compare-unknown-regime",
    "merge-nothing",
    "render-table-lang",
    "write-html-lang",
]


@pytest.mark.parametrize("call", SIMULATION_CALLS)
def test_simulation_entry_points_refuse_bad_arguments_with_an_nhvflow_error(
    call, tmp_path, small_result
):
    """Each public function of nhvflow.simulate refuses a bad argument with
    an NhvflowError (ScenarioError and InvalidPayload are ValueErrors too)
    and writes nothing."""
    before = sorted(tmp_path.iterdir())
    with pytest.raises(nhvflow.NhvflowError):
        _simulation_calls(tmp_path, small_result)[call]()
    assert sorted(tmp_path.iterdir()) == before


def test_a_bad_scenario_value_is_a_named_error_and_a_value_error():
    """Scenario's own checks are what the rest should be: NhvflowError and ValueError, by field."""
    from nhvflow.simulate import Scenario, ScenarioError

    with pytest.raises(ScenarioError) as refused:
        Scenario(proposals=0)
    assert isinstance(refused.value, nhvflow.NhvflowError) and isinstance(refused.value, ValueError)
    assert refused.value.field == "proposals"


# -- the testing kit: bad input, files and state left behind --------------------------


def _kit_calls() -> dict[str, Any]:
    import nhvflow.testing as kit

    return {
        "paths-unknown-process": lambda: kit.paths("nope"),
        "coverage-unknown-process": lambda: kit.coverage("nope"),
        "regions-by-name": lambda: kit.regions(healthcare_region="NORRA").validate(),
        "actors-unknown-role": lambda: kit.actors("nope").validate(),
        "steps-of-no-case": lambda: kit.steps("not a case").validate(),  # type: ignore[arg-type]
    }


@pytest.mark.parametrize("call", list(_kit_calls()))
def test_the_testing_kit_refuses_bad_arguments_by_name(call):
    """A strategy or path function given a bad argument says so with an
    NhvflowError or hypothesis's InvalidArgument, not a crash from inside."""
    with pytest.raises((nhvflow.NhvflowError, InvalidArgument)):
        _kit_calls()[call]()


def test_a_broken_rule_is_found_and_the_run_leaves_no_files_or_logging(tmp_path, monkeypatch):
    """A machine with a rule that lets anyone take any step fails with
    InvariantViolated; every run's temporary log is removed and the
    logging configuration is as before."""
    import attrs
    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.stateful import run_state_machine_as_test

    from nhvflow.rules.nhv import RESPONSIBLE_PARTY
    from nhvflow.states import NHV
    from nhvflow.testing import InvariantViolated, ProcessStateMachine, replace_rule

    class AnyoneMay(ProcessStateMachine):
        processes = (replace_rule(NHV, attrs.evolve(RESPONSIBLE_PARTY, check=lambda s: iter(()))),)

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    library, root = logging.getLogger("nhvflow"), logging.getLogger()
    before = (list(library.handlers), library.level, list(root.handlers), root.level)
    teeth = settings(
        max_examples=200,
        stateful_step_count=50,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.generate],
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(AnyoneMay, settings=teeth)
    assert found.value.invariant in ("wrong-step-refused", "responsible-party")
    assert list(scratch.iterdir()) == []
    assert (list(library.handlers), library.level, list(root.handlers), root.level) == before


def test_a_lawful_machine_run_leaves_no_files(tmp_path, monkeypatch):
    """The law in force passes a few runs, each in a directory removed at teardown."""
    from hypothesis import HealthCheck, settings
    from hypothesis.stateful import run_state_machine_as_test

    from nhvflow.testing import ProcessStateMachine

    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    few = settings(
        max_examples=4,
        stateful_step_count=20,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    run_state_machine_as_test(ProcessStateMachine, settings=few)
    assert list(scratch.iterdir()) == []


# -- the command ----------------------------------------------------------------------

COMMANDS = [
    "cases",
    "copy",
    "decision",
    "demo",
    "diagram",
    "due",
    "export",
    "history",
    "paths",
    "rebuild",
    "rules",
    "show",
    "simulate",
    "verify",
]


def _documented_options(command: str) -> set[str]:
    """The options docs/cli.md names in a command's heading (and, for
    simulate, in docs/simulations.md's table of options)."""
    page = (DOCS / "cli.md").read_text("utf-8")
    [heading] = re.findall(rf"^### `{command}\b(.*?)`$", page, re.MULTILINE)
    options = set(re.findall(r"--[a-z][a-z-]*", heading))
    if command == "simulate":
        table = (DOCS / "simulations.md").read_text("utf-8")
        options |= set(re.findall(r"^\| `(--[a-z][a-z-]*)", table, re.MULTILINE))
    return options


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_on_stdout_naming_its_documented_options(command):
    """`nhvflow CMD --help` exits 0 with its usage on stdout, nothing on
    stderr, and names every option docs/cli.md gives the command."""
    result = cli(command, "--help")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"Usage: nhvflow {command} ")
    assert result.stderr == ""
    missing = {o for o in _documented_options(command) if o not in result.stdout}
    assert missing == set()


def test_the_docs_list_every_command_the_group_has():
    """docs/cli.md has a section for each command of `nhvflow --help`."""
    page = (DOCS / "cli.md").read_text("utf-8")
    assert sorted(main.commands) == COMMANDS
    assert all(re.search(rf"^### `{c}\b", page, re.MULTILINE) for c in COMMANDS)


def _foreign_sqlite(path: Path) -> None:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.execute("INSERT INTO notes VALUES ('the host keeps its own data here')")
    conn.commit()
    conn.close()


READERS = [
    ["cases"],
    ["show", "abcd"],
    ["history", "abcd"],
    ["verify"],
    ["verify", "--projections", "--json"],
    ["rebuild"],
    ["due"],
    ["decision", "abcd"],
    ["export", "--table", "events"],
]


@pytest.mark.parametrize("kind", ["foreign-sqlite", "truncated-log"])
@pytest.mark.parametrize("command", READERS, ids=lambda c: "-".join(c))
def test_a_file_that_is_not_a_sound_log_is_one_error_line_and_stays_as_it_was(
    tmp_path, command, kind
):
    """Every command that reads a log, given another program's SQLite
    database or a truncated log, exits 1 with one `Error:` line on stderr,
    nothing on stdout, and leaves the file's bytes as they were."""
    path = tmp_path / "db.sqlite"
    if kind == "foreign-sqlite":
        _foreign_sqlite(path)
    else:
        good = tmp_path / "good.sqlite"
        submitted_log(good)
        path.write_bytes(good.read_bytes()[:6000])
    original = path.read_bytes()
    result = cli(command[0], path, *command[1:])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert path.read_bytes() == original


UNREACHABLE = "postgresql://nobody@127.0.0.1:1/nhv"
"""A PostgreSQL URL nothing listens on (port 1 refuses at once)."""


@pytest.mark.parametrize("command", READERS, ids=lambda c: "-".join(c))
def test_a_postgresql_url_that_cannot_connect_is_one_error_line(command):
    """A read command on a PostgreSQL server that refuses the connection
    exits 1 with one `Error:` line naming the URL, and nothing on stdout."""
    pytest.importorskip("psycopg")
    result = cli(command[0], UNREACHABLE, *command[1:])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    assert UNREACHABLE in lines[0]
    assert result.stdout == ""


def test_copy_to_a_postgresql_url_that_cannot_connect_writes_nothing(tmp_path):
    """Copying a sound log to an unreachable server is one error line, and
    copying from one creates no destination file."""
    pytest.importorskip("psycopg")
    source = tmp_path / "log.sqlite"
    submitted_log(source)
    original = source.read_bytes()
    to_server = cli("copy", source, UNREACHABLE)
    from_server = cli("copy", UNREACHABLE, tmp_path / "copy.sqlite")
    for result in (to_server, from_server):
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ") and "Traceback" not in result.stderr
        assert result.stdout == ""
    assert not (tmp_path / "copy.sqlite").exists()
    assert source.read_bytes() == original


def test_copy_from_a_missing_file_is_a_usage_error_like_every_reader(tmp_path):
    """A missing SOURCE is exit 2 (docs/cli.md's table), and no destination is created."""
    result = cli("copy", tmp_path / "missing.sqlite", tmp_path / "copy.sqlite")
    assert not (tmp_path / "copy.sqlite").exists()
    assert "missing.sqlite" in result.stderr and "Traceback" not in result.stderr
    assert result.exit_code == 2


def test_simulate_with_a_report_path_it_cannot_write_writes_nothing(tmp_path):
    """A report path in a directory that does not exist is refused before
    the simulation runs: no log file, no tables on stdout."""
    db = tmp_path / "sim.sqlite"
    result = cli("simulate", "-n", "3", "--db", db, "--report", tmp_path / "missing" / "r.html")
    assert result.exit_code != 0
    assert "Traceback" not in result.stderr
    assert not db.exists()
    assert result.stdout == ""


def test_decision_takes_json_like_every_command_that_reads_a_log(tmp_path):
    """`decision --json` prints the reasoned decision as JSON on stdout alone."""
    path = tmp_path / "log.sqlite"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", nhvflow.SQLiteVersionWarning)
        with nhvflow.open(path) as reg:
            kw = proposal()
            case = reg.submit(Actor.npo(kw["programme_area"]), **kw)
            advance(reg, case.id, "decided")
    result = cli("decision", path, case.id, "--json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)


def _host_state() -> tuple[Any, ...]:
    import structlog

    library, root = logging.getLogger("nhvflow"), logging.getLogger()
    return (
        list(library.handlers),
        library.level,
        list(root.handlers),
        root.level,
        warnings.showwarning,
        list(warnings.filters),
        structlog.get_config(),
    )


@pytest.mark.parametrize(
    "args",
    [
        ["show", "{log}", "no-such-case"],
        ["--verbose", "cases", "{notes}"],
        ["rebuild", "{log}"],
        ["demo", "{tmp}/demo.sqlite"],
    ],
    ids=["unknown-case", "verbose-not-a-log", "rebuild", "demo"],
)
def test_a_run_of_the_command_in_process_puts_back_what_it_configured(tmp_path, args):
    """In-process (a host calling main(), or CliRunner), a run that succeeds
    or fails leaves the loggers, warnings.showwarning, the warnings filters
    and structlog as they were."""
    log = tmp_path / "log.sqlite"
    submitted_log(log)
    notes = tmp_path / "notes.txt"
    notes.write_text("not a log\n" * 50)
    filled = [a.format(log=log, notes=notes, tmp=tmp_path) for a in args]
    before = _host_state()
    result = cli(*filled)
    assert result.exit_code in (0, 1), result.stderr
    assert _host_state() == before
