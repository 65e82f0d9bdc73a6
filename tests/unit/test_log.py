"""nhvflow as a guest in a host program: silent on stdout, its lines on the
standard logger "nhvflow" for the host's configuration to show, the SQLite
warning once, on stderr, only where several writers are plausible."""

from __future__ import annotations

import json
import logging
import sqlite3
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import pytest

import nhvflow
from nhvflow import Actor, SQLiteVersionWarning
from nhvflow._log import Log, structured
from nhvflow.fixtures import advance, proposal
from nhvflow.simulate import quiet_logger
from nhvflow.store._sqlite import _open
from nhvflow.store._sqlite._open import WAL_RESET_FIXED

OLD_SQLITE = sqlite3.sqlite_version_info < WAL_RESET_FIXED

STEPS = """
import nhvflow
from nhvflow import Actor
from nhvflow.fixtures import expert_group, proposal

def steps(path):
    reg = nhvflow.open(path)
    kw = proposal()
    case = reg.submit(Actor.npo(kw["programme_area"]), **kw)
    case = reg.fire(
        case.id, "appoint_expert_group", Actor.socialstyrelsen(), experts=expert_group()
    )
    try:
        reg.fire(case.id, "deliver_basis", Actor.board(), recommends_nhv=True)
    except nhvflow.NotAuthorised:
        pass
    reg.close()
    return case
"""


def host(tmp_path: Path, body: str) -> subprocess.CompletedProcess[str]:
    """Run ``body`` as a host program in a fresh interpreter, after STEPS."""
    script = tmp_path / "host.py"
    script.write_text(STEPS + textwrap.dedent(body), encoding="utf-8")
    return subprocess.run(
        [sys.executable, str(script)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_host_that_prints_json_gets_clean_stdout(tmp_path):
    """A host that configured nothing and prints JSON reads back exactly its own output."""
    done = host(
        tmp_path,
        """
        import json
        case = steps("one.sqlite")
        steps("two.sqlite")
        print(json.dumps({"case": case.id, "state": case.state}))
        """,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["state"] == "expert_review"
    assert done.stdout.count("\n") == 1
    assert "step_accepted" not in done.stderr and "log_opened" not in done.stderr


@pytest.mark.skipif(not OLD_SQLITE, reason="this SQLite has no WAL-reset bug to warn about")
def test_the_sqlite_warning_is_given_once_per_process_on_stderr(tmp_path):
    """Two files opened for writing in one process: one SQLiteVersionWarning, on stderr."""
    done = host(tmp_path, 'steps("one.sqlite"); steps("two.sqlite"); steps(":memory:")')
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.count("SQLiteVersionWarning") == 1
    assert "walresetbug" in done.stderr


@pytest.mark.skipif(not OLD_SQLITE, reason="this SQLite has no WAL-reset bug to warn about")
def test_the_sqlite_warning_stays_once_when_a_later_open_loads_the_migrations(tmp_path):
    """An up-to-date log opened first warns; a new log opened next loads the
    migrations (and with them sqlite_utils, and numpy where installed, which
    adds warning filters, so Python forgets what it showed): still one."""
    done = host(
        tmp_path,
        """
        import shutil
        steps("made.sqlite")
        shutil.copy("made.sqlite", "copy.sqlite")
        """,
    )
    assert done.returncode == 0, done.stderr
    second = host(
        tmp_path,
        """
        import nhvflow
        nhvflow.open("copy.sqlite").close()  # up to date: no migration loaded
        steps("new.sqlite")
        """,
    )
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("SQLiteVersionWarning") == 1, second.stderr


def test_with_basicconfig_at_warning_no_debug_or_info_line_appears(tmp_path):
    """``logging.basicConfig(level=WARNING)``: neither steps nor refusals are shown."""
    done = host(
        tmp_path,
        """
        import logging
        logging.basicConfig(level=logging.WARNING)
        steps("one.sqlite")
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    shown = done.stderr.splitlines()
    assert not [line for line in shown if line.startswith(("DEBUG:", "INFO:"))]
    assert "step_accepted" not in done.stderr and "step_refused" not in done.stderr


def test_with_basicconfig_at_debug_the_lines_read_as_event_and_keys(tmp_path):
    """A plain logging host sees ``step_accepted case_id=... trigger=...`` on its handler."""
    done = host(
        tmp_path,
        """
        import logging
        logging.basicConfig(level=logging.DEBUG, format="%(levelname)s %(name)s %(message)s")
        case = steps(":memory:")
        print(case.id)
        """,
    )
    assert done.returncode == 0, done.stderr
    case_id = done.stdout.strip()
    lines = done.stderr.splitlines()
    assert f"DEBUG nhvflow step_accepted case_id={case_id} trigger=submit" in "\n".join(lines)
    assert any(line.startswith("INFO nhvflow step_refused ") for line in lines)


def test_a_structlog_host_gets_the_events_as_structured_records(tmp_path):
    """structlog's ProcessorFormatter with ExtraAdder renders nhvflow's events
    with their keys, as JSON, on the host's handler."""
    done = host(
        tmp_path,
        """
        import logging, sys
        import structlog

        shared = [
            structlog.stdlib.add_log_level,
            structlog.stdlib.ExtraAdder(),
            structlog.processors.TimeStamper(fmt="iso"),
        ]
        structlog.configure(
            processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
            logger_factory=structlog.stdlib.LoggerFactory(),
        )
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(
            structlog.stdlib.ProcessorFormatter(
                foreign_pre_chain=shared,
                processors=[
                    structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                    structlog.processors.JSONRenderer(),
                ],
            )
        )
        logging.getLogger().addHandler(handler)
        logging.getLogger().setLevel(logging.DEBUG)
        case = steps(":memory:")
        structlog.get_logger("host").info("host_done", case_id=case.id)
        """,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    records = [json.loads(line) for line in done.stderr.splitlines()]
    accepted = [r for r in records if r["event"] == "step_accepted"]
    assert [r["trigger"] for r in accepted] == ["submit", "appoint_expert_group"]
    first = accepted[0]
    assert first["level"] == "debug" and first["actor_role"] == "npo"
    assert first["state"] == "proposed" and first["version"] == 1 and "timestamp" in first
    [refused] = [r for r in records if r["event"] == "step_refused"]
    assert refused["rules"] == ["nhv.responsible-party"] and refused["level"] == "info"
    assert records[-1]["event"] == "host_done"
    assert records[-1]["case_id"] == first["case_id"]


def test_nothing_is_gathered_for_a_level_the_host_filters(reg, npo, monkeypatch):
    """With the logger at WARNING, accepted and refused steps build no log line at all."""

    def built(*_: object) -> str:
        raise AssertionError("a log line was built for a filtered level")

    monkeypatch.setattr("nhvflow._log._message", built)
    monkeypatch.setattr("nhvflow._log._extra", built)
    logging.getLogger("nhvflow").setLevel(logging.WARNING)
    try:
        case = advance(reg, reg.submit(npo, **proposal()).id, "decided")
        with pytest.raises(nhvflow.NotAuthorised):
            reg.fire(case.id, "prepare_board", Actor.board(), at=case.updated_at)
    finally:
        logging.getLogger("nhvflow").setLevel(logging.NOTSET)
    assert case.state == "decided"


def test_a_hosts_logging_logger_can_take_the_lines(tmp_path, npo, caplog):
    """``logger=`` accepts a standard logger of the host's; the lines go there."""
    caplog.set_level(logging.DEBUG, logger="host.nhvflow")
    with nhvflow.open(":memory:", logger=logging.getLogger("host.nhvflow")) as reg:
        reg.submit(npo, **proposal())
    names = {(r.name, getattr(r, "event", None)) for r in caplog.records}
    assert ("host.nhvflow", "step_accepted") in names
    assert ("host.nhvflow", "log_opened") in names


def test_a_key_named_like_a_record_attribute_is_renamed_not_refused(caplog):
    """A key such as ``name`` or ``process`` cannot clash with the LogRecord's own."""
    caplog.set_level(logging.INFO, logger="nhvflow")
    Log().info("something_done", name="x", process="nhv", cases=2)
    [record] = caplog.records
    assert (record.name, record.name_, record.process_, record.cases) == (
        "nhvflow",
        "x",
        "nhv",
        2,
    )
    assert record.getMessage() == "something_done name=x process=nhv cases=2"


def test_the_quiet_logger_drops_debug_and_info_and_passes_warnings(caplog):
    """The simulations' logger keeps warnings on the "nhvflow" logger and nothing below."""
    caplog.set_level(logging.DEBUG, logger="nhvflow")
    quiet = quiet_logger()
    quiet.debug("step_accepted", case_id="c")
    quiet.info("step_refused", case_id="c")
    quiet.warning("log_reconnecting", url="postgresql://x")
    assert [(r.levelname, r.event) for r in caplog.records] == [("WARNING", "log_reconnecting")]


def test_a_structlog_style_logger_gets_every_line():
    """An object with ``debug``/``info``/... methods (a structlog logger) is called as before."""
    seen: list[tuple[str, str, dict[str, object]]] = []

    class Recorder:
        def __getattr__(self, level: str):
            return lambda event, **kw: seen.append((level, event, kw))

    log = structured(Recorder())
    assert log.enabled(logging.DEBUG)
    log.debug("log_opened", path=":memory:")
    assert seen == [("debug", "log_opened", {"path": ":memory:"})]


@pytest.mark.skipif(not OLD_SQLITE, reason="this SQLite has no WAL-reset bug to warn about")
def test_the_sqlite_warning_only_where_several_writers_are_plausible(tmp_path, monkeypatch):
    """A file opened for writing warns; ``:memory:`` and a read-only open do not."""
    monkeypatch.setattr(_open, "_warned_wal_reset", False)  # an earlier test may have warned
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SQLiteVersionWarning)
        nhvflow.open(":memory:").close()
        assert caught == []
        nhvflow.open(tmp_path / "log.sqlite").close()
        assert [w.category for w in caught] == [SQLiteVersionWarning]
        caught.clear()
        nhvflow.open(tmp_path / "log.sqlite", readonly=True).close()
        assert caught == []


def test_the_warning_can_be_ignored_by_its_category(tmp_path):
    """A program that is the only writer of its file silences the warning by category."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        warnings.filterwarnings("ignore", category=nhvflow.SQLiteVersionWarning)
        nhvflow.open(tmp_path / "log.sqlite").close()
    assert caught == []
    assert issubclass(SQLiteVersionWarning, nhvflow.NhvflowWarning)
    assert issubclass(SQLiteVersionWarning, UserWarning)


def test_a_refused_step_is_logged_at_info_with_its_rules(reg, submitted, verbose_logs):
    """``step_refused`` carries the case, the trigger, the role and the rule ids."""
    verbose_logs.clear()
    with pytest.raises(nhvflow.NotAuthorised):
        reg.fire(submitted.id, "appoint_expert_group", Actor.board(), experts=[])
    [refused] = [r for r in verbose_logs.records if r.event == "step_refused"]
    assert refused.levelname == "INFO"
    assert (refused.case_id, refused.trigger, refused.actor_role) == (
        submitted.id,
        "appoint_expert_group",
        "board",
    )
    assert "nhv.responsible-party" in refused.rules


def test_the_structlog_recipe_in_the_logging_guide_gives_structured_events(tmp_path):
    """docs/logging.md's structlog section, run as a program, prints nhvflow's
    events as JSON with their keys, beside the service's own event."""
    import re

    page = (Path(__file__).resolve().parents[2] / "docs" / "logging.md").read_text("utf-8")
    section = page.split("## structlog", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```python\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert len(blocks) == 2
    script = tmp_path / "service.py"
    script.write_text("\n".join(blocks), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    records = [json.loads(line) for line in done.stderr.splitlines()]
    steps = [r for r in records if r["event"] == "step_accepted"]
    assert [(r["trigger"], r["state"], r["level"]) for r in steps] == [
        ("submit", "proposed", "debug"),
        ("appoint_expert_group", "expert_review", "debug"),
    ]
    assert all("timestamp" in r and r["case_id"] == steps[0]["case_id"] for r in steps)
    assert records[-1]["event"] == "proposal_registered"
