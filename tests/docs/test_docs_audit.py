"""An outside audit of the documentation: what README.md and docs/*.md say
(and the public API's docstrings) checked against what nhvflow does.

``tests/docs/test_code_blocks.py`` runs every Python block without checking
what it shows; this file checks the outputs, values, errors, defaults, key
names and limits the pages state. A test that passes pins a promise that
holds. A test marked ``xfail(strict=True)`` exposes a place where the page
and the behaviour disagree; its reason says which, and it must keep failing
until one of the two is put right.
"""

from __future__ import annotations

import importlib
import inspect
import json
import logging
import math
import re
import sqlite3
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, get_args

import attrs
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    HealthcareRegion,
    IdempotencyConflict,
    IntegrityError,
    InvalidPayload,
    InvalidTrigger,
    LogFormatError,
    NotAuthorised,
    Region,
    Role,
    StoreBusy,
    TransitionDenied,
    UnknownCase,
)
from nhvflow.cli import main
from nhvflow.fixtures import expert_group, proposal
from nhvflow.testing import expert_groups

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
T1 = "2020-02-01T09:00:00+00:00"
T2 = "2020-03-01T09:00:00+00:00"
T3 = "2020-04-01T09:00:00+00:00"
NPO = Actor.npo("Nervsystemets sjukdomar")
SOS = Actor.socialstyrelsen("handläggare")


def doc(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def line_of(name: str, text: str) -> int:
    """The line of ``name`` on which ``text`` first appears (so a reason can cite it)."""
    page = doc(name)
    assert text in page, f"{name} no longer says {text!r}"
    return page[: page.index(text)].count("\n") + 1


def cli(*args: object, **kwargs: Any) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], **kwargs)


@pytest.fixture(name="reg")
def _reg(tmp_path: Path) -> Iterator[nhvflow.Registry]:
    """A fresh log file in a temporary directory."""
    with nhvflow.open(tmp_path / "nhv.sqlite") as reg:
        yield reg


@pytest.fixture(name="demo_log", scope="module")
def _demo_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The log `nhvflow demo` writes (read only by the tests that take it)."""
    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    result = cli("demo", path)
    assert result.exit_code == 0, result.output
    return path


@pytest.fixture(name="first_case", scope="module")
def _first_case(demo_log: Path) -> str:
    with nhvflow.open(demo_log, readonly=True) as reg:
        return reg.cases()[0].id


# --------------------------------------------------------------------------
# README.md
# --------------------------------------------------------------------------


def test_readme_quickstart_shows_the_expert_groups_trigger_and_a_refusal_with_reasons(reg):
    """The quickstart's comment (`['deliver_basis']`) and its refusal (rule, citation,
    message) are what the registry gives."""
    assert line_of("README.md", "# ['deliver_basis']") == 36
    case = reg.submit(
        NPO,
        title="Avancerad behandling av Parkinsons sjukdom",
        programme_area="Nervsystemets sjukdomar",
        care_measures=["Avancerad behandling av Parkinsons sjukdom"],
        nominated_experts=expert_group()[:2],
        pilot=True,
    )
    case = reg.fire(case.id, "appoint_expert_group", SOS, experts=expert_group())
    assert reg.allowed_triggers(case.id, Actor.expert_group(case.id)) == ["deliver_basis"]
    before = reg.store.count_events()
    with pytest.raises(TransitionDenied) as refused:
        reg.fire(case.id, "deliver_basis", Actor.region(Region.SKANE), recommends_nhv=True)
    [v] = refused.value.violations
    assert v.rule == "nhv.responsible-party" and v.citation and v.message
    assert reg.store.count_events() == before  # "a refused step ... writes nothing"
    assert reg.verify().ok


def test_readme_kc_proposal_example_prints_the_state_and_triggers_it_shows():
    """`need.state, reg.allowed_triggers(...)` is the tuple the README's comment shows."""
    assert "# ('need_defined', ['appoint_expert_group', 'close'])" in doc("README.md")
    reg = nhvflow.open(":memory:")
    need = reg.submit(
        Actor.npo("Nervsystemets sjukdomar"),
        process="kc-proposal",
        title="Nationellt kompetenscentrum för sällsynta epilepsier",
        programme_area="Nervsystemets sjukdomar",
        need="Rådgivning och utbildning för hela landet",
        advisory=True,
    )
    assert (need.state, reg.allowed_triggers(need.id, Actor.socialstyrelsen())) == (
        "need_defined",
        ["appoint_expert_group", "close"],
    )


def test_readme_typed_steps_are_named_after_their_triggers_and_trigger_is_the_nhv_literal():
    """`nhvflow.steps` has a class per nhv trigger (`Decide` for `decide`), `.kc`,
    `.norway`, `.ern`, and `Trigger` lists exactly the triggers of `nhv`."""
    import nhvflow.steps as steps
    from nhvflow.states import NHV

    for trigger in NHV.transitions:
        name = "".join(part.title() for part in trigger.split("_"))
        assert hasattr(steps, name), name
    assert set(get_args(steps.Trigger)) == set(NHV.transitions)
    for sub in ("kc", "norway", "ern"):
        assert inspect.ismodule(importlib.import_module(f"nhvflow.steps.{sub}"))


def test_readme_the_log_has_the_projection_tables_it_names_and_runs_in_wal(reg, tmp_path):
    """`events`, and the projections `cases`, `permits` and `facts`, in WAL mode."""
    conn = sqlite3.connect(tmp_path / "nhv.sqlite")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    conn.close()
    assert {"events", "cases", "permits", "facts"} <= tables
    assert mode == "wal"


# --------------------------------------------------------------------------
# docs/tutorial.md
# --------------------------------------------------------------------------


def test_tutorial_the_event_feed_takes_limits_1_to_10000_and_1000_by_default(reg):
    """Section 5: `limit` 1 to 10,000, 1,000 by default; `InvalidPayload` names
    `since` or `limit` when either is out of range."""
    assert inspect.signature(reg.events).parameters["limit"].default == 1000
    assert reg.events(limit=10_000) == [] and reg.events(limit=1) == []
    for kwargs, field in (
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"since": -1}, "since"),
        ({"since": 2**63}, "since"),
    ):
        with pytest.raises(InvalidPayload) as bad:
            reg.events(**kwargs)
        assert bad.value.field == field


def test_tutorial_errors_carry_the_attributes_the_handler_reads(reg):
    """`exc.case_id/.trigger/.state`, `v.text(lang)`, `v.criterion`, `exc.actual`,
    `exc.field/.reason`, `exc.known/.available` exist as the handler uses them."""
    case = reg.submit(NPO, **proposal())
    with pytest.raises(NotAuthorised) as denied:
        reg.fire(case.id, "appoint_expert_group", NPO, experts=expert_group())
    exc = denied.value
    assert (exc.case_id, exc.trigger, exc.state) == (case.id, "appoint_expert_group", "proposed")
    assert isinstance(exc, TransitionDenied) and exc.rules == ("nhv.responsible-party",)
    v = exc.violations[0]
    assert v.text("sv") == v.message_sv and v.text("en") == v.message and v.criterion
    with pytest.raises(ConcurrencyConflict) as conflict:
        reg.fire(case.id, "withdraw", NPO, reason="x", expected_version=5)
    assert conflict.value.actual == 1
    with pytest.raises(InvalidTrigger) as unavailable:
        reg.fire(case.id, "decide", SOS, units=2)
    assert unavailable.value.known and "appoint_expert_group" in unavailable.value.available
    with pytest.raises(InvalidTrigger) as unknown:
        reg.fire(case.id, "no_such_step", SOS)
    assert not unknown.value.known
    with pytest.raises(UnknownCase):
        reg.get("no-such-case")


def test_tutorial_a_reused_idempotency_key_is_an_invalid_payload(reg):
    """Section 1: a reused idempotency key (for another request) is `InvalidPayload`."""
    a, b = reg.submit(NPO, **proposal()), reg.submit(NPO, **proposal())
    reg.fire(a.id, "withdraw", NPO, reason="x", idempotency_key="k")
    with pytest.raises(IdempotencyConflict) as reused:
        reg.fire(b.id, "withdraw", NPO, reason="x", idempotency_key="k")
    assert isinstance(reused.value, InvalidPayload) and reused.value.field == "idempotency_key"


def test_tutorial_payload_reference_accepts_a_region_by_code_or_swedish_name():
    """Section 8: a region is `"SKANE"` or `"Region Skåne"`."""
    assert Region.parse("SKANE") is Region.parse("Region Skåne") is Region.SKANE


def test_tutorial_decisions_default_to_swedish_and_name_version_when_it_is_bad(reg):
    """`reg.decision(case_id)` is Swedish by default; a bad `version` is
    `InvalidPayload` naming `version` (its docstring)."""
    assert inspect.signature(reg.decision).parameters["lang"].default == "sv"
    case = reg.submit(NPO, at=T1, **proposal())
    with pytest.raises(InvalidPayload) as bad:
        reg.decision(case.id, version="x")  # type: ignore[arg-type]
    assert bad.value.field == "version"


# --------------------------------------------------------------------------
# docs/cli.md
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "shape"),
    [
        (("cases", "{log}", "--json"), list),
        (("show", "{log}", "{case}", "--json"), dict),
        (("history", "{log}", "{case}", "--json"), list),
        (("verify", "{log}", "--projections", "--json"), dict),
        (("rules", "--json"), list),
        (("rules", "nhv.advisory-requires-concentrated-care", "--json"), list),
        (("due", "{log}", "--as-of", "2026-03-01", "--role", "region", "--json"), list),
        (("decision", "{log}", "{case}", "--json"), dict),
    ],
    ids=lambda a: " ".join(a) if isinstance(a, tuple) else a.__name__,
)
def test_cli_json_prints_only_json(demo_log, first_case, args, shape):
    """Every command that reads a log or the rules takes `--json` and prints only JSON."""
    argv = [a.format(log=demo_log, case=first_case[:8]) for a in args]
    result = cli(*argv)
    assert result.exit_code == 0, result.output
    assert isinstance(json.loads(result.stdout), shape)


def test_cli_copy_prints_one_line_of_what_it_copied_and_verified(demo_log, tmp_path):
    """cli.md names `copy` beside `export` as the commands without `--json`:
    `copy` prints one line of what it copied and verified."""
    line_of("docs/cli.md", "and `copy` prints one line of what it copied and verified")
    result = cli("copy", demo_log, tmp_path / "copy.sqlite")
    assert result.exit_code == 0, result.output
    assert len(result.stdout.strip().splitlines()) == 1


def test_cli_history_json_gives_every_stored_field_hashes_included(demo_log, first_case):
    """Each object of `history --json` has every column of the `events` table
    but `request_hash`, as docs/cli.md says."""
    line_of("docs/cli.md", "the request's fingerprint (`request_hash`), which only the log")
    conn = sqlite3.connect(f"file:{demo_log}?mode=ro", uri=True)
    columns = [r[1] for r in conn.execute("PRAGMA table_info(events)")]
    conn.close()
    result = cli("history", demo_log, first_case, "--json")
    assert result.exit_code == 0
    [first, *_] = json.loads(result.stdout)
    assert "request_hash" in columns and "request_hash" not in first
    assert set(columns) - {"request_hash"} <= set(first)


def test_cli_rules_lists_every_rule_of_every_regime_with_the_documented_facts():
    """`rules --json`: each rule of each regime with id, title, citation, kind, status and date."""
    from nhvflow.states import builtin_processes

    result = cli("rules", "--json")
    assert result.exit_code == 0
    listed = {(r["process"], r["id"]): r for r in json.loads(result.stdout)}
    for name, process in builtin_processes().items():
        for rule in process.rules:
            row = listed[(name, rule.id)]
            assert {"title_en", "title_sv", "citation", "kind", "status", "valid_from"} <= set(row)


def test_cli_due_kinds_are_the_three_the_page_names():
    """Time limits have the kinds `law`, `regulation` and `practice`."""
    from nhvflow.states._deadline import DeadlineKind

    assert set(get_args(DeadlineKind)) == {"law", "regulation", "practice"}


def test_cli_demo_tells_the_story_cli_md_describes(demo_log):
    """Three cases permitted, the mapping pause met once, the advisory-only proposal
    refused by the central rule and closed as not eligible."""
    with nhvflow.open(demo_log, readonly=True) as reg:
        cases = reg.cases()
        states = sorted(c.state for c in cases)
        refused = [e for e in reg.events() if e.type == "ClosedNotEligible"]
    assert states == ["not_eligible", "permitted", "permitted", "permitted"]
    assert refused[0].payload["rule"] == "nhv.advisory-requires-concentrated-care"


def test_cli_demo_never_writes_over_a_file_unless_asked(demo_log):
    """`demo` refuses an existing file (a usage error, exit 2) without `--replace`."""
    before = demo_log.stat().st_mtime_ns
    result = cli("demo", demo_log)
    assert result.exit_code == 2 and result.stderr.startswith("Error:")
    assert "--replace" in result.stderr
    assert demo_log.stat().st_mtime_ns == before


def test_cli_demo_in_english_labels_its_steps_in_english(tmp_path):
    """The English story names a step as the English diagram does (`step 1`), not `steg 1`."""
    line_of("docs/cli.md", "`--lang en` (the default) in English")
    result = cli("demo", tmp_path / "en.sqlite", "--lang", "en")
    assert result.exit_code == 0
    assert "step 1" in result.stdout
    assert "steg " not in result.stdout


def test_cli_exit_codes_and_one_error_line(demo_log, tmp_path):
    """Exit 1 for an unknown case, 2 for a log file that does not exist (created by
    no one), each one line starting `Error:`."""
    unknown = cli("show", demo_log, "zzzzzzzz")
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("Error:") and unknown.stderr.count("\n") == 1
    missing = tmp_path / "missing.sqlite"
    absent = cli("cases", missing)
    assert absent.exit_code == 2 and absent.stderr.startswith("Error:")
    assert not missing.exists() and list(tmp_path.iterdir()) == []


def test_cli_verify_exits_1_naming_the_first_bad_position(demo_log, tmp_path):
    """`verify` exits 0 on a sound log and 1 on a tampered one, naming the position."""
    assert cli("verify", demo_log).exit_code == 0
    copy = tmp_path / "t.sqlite"
    with nhvflow.open(demo_log, readonly=True):
        pass
    src = sqlite3.connect(f"file:{demo_log}?mode=ro", uri=True)
    dst = sqlite3.connect(copy)
    src.backup(dst)
    src.close()
    dst.execute("DROP TRIGGER events_append_only_update")
    dst.execute("UPDATE events SET type = 'Forged' WHERE position = 5")
    dst.commit()
    dst.close()
    result = cli("verify", copy, "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["first_bad_position"] == 5


def test_cli_decision_of_a_version_that_decided_nothing_names_version(demo_log, first_case):
    """`decision --version N` for a version that decided nothing names `version`."""
    result = cli("decision", demo_log, first_case, "--version", "2")
    assert result.exit_code == 1 and "'version'" in result.stderr


def test_cli_export_columns_are_the_documented_ones(demo_log):
    """The `export` table of cli.md names each table's CSV header, in order, and
    booleans are `true`/`false`."""
    page = doc("docs/cli.md")
    for table in ("cases", "permits", "events"):
        row = next(line for line in page.splitlines() if line.startswith(f"| `{table}` |"))
        cell = re.sub(r"\([^)]*\)", "", row.split("|")[2])  # leave out the remarks
        documented = cell.split("`")[1::2]
        result = cli("export", demo_log, "--table", table)
        assert result.exit_code == 0
        header, first = result.stdout.splitlines()[:2]
        assert header.split(",") == documented, table
        if table == "permits":
            assert ",true," in first


def test_cli_export_to_a_file_names_the_file_and_the_count_on_stderr(demo_log, tmp_path):
    """`--output FILE`: one line on standard error names the file and the count."""
    out = tmp_path / "events.jsonl"
    result = cli("export", demo_log, "--table", "events", "--format", "jsonl", "--output", out)
    assert result.exit_code == 0 and result.stdout == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert str(out) in result.stderr and f"{len(lines)} events" in result.stderr
    assert all(isinstance(json.loads(line), dict) for line in lines)


def test_cli_copy_between_sqlite_files_keeps_every_hash(demo_log, tmp_path):
    """`copy` keeps positions and hashes and verifies the copy; a destination with
    events is refused with nothing written."""
    dst = tmp_path / "copy.sqlite"
    result = cli("copy", demo_log, dst)
    assert result.exit_code == 0, result.output
    assert "identical hash for hash" in result.stdout
    with nhvflow.open(demo_log, readonly=True) as a, nhvflow.open(dst, readonly=True) as b:
        assert [e.position for e in a.events()] == [e.position for e in b.events()]
        assert a.store.count_events() == b.store.count_events()
    again = cli("copy", demo_log, dst)
    assert again.exit_code == 1 and again.stderr.startswith("Error:")


def test_cli_show_as_of_shows_the_case_as_it_stood(demo_log, first_case):
    """`show --as-of DATE` shows the case at that business time."""
    result = cli("show", demo_log, first_case[:4], "--as-of", "2019-03-01", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["state"] == "expert_review"
    too_short = cli("show", demo_log, first_case[:3])  # "at least four characters"
    assert too_short.exit_code == 1 and too_short.stderr.startswith("Error:")


def test_cli_simulate_compare_refuses_a_report_and_db_refuses_an_existing_file(demo_log, tmp_path):
    """`--compare` is not with `--report`; `--db FILE` is refused if it exists."""
    report = tmp_path / "r.html"
    assert cli("simulate", "--compare", "--proposals", "5", "--report", report).exit_code == 2
    assert not report.exists()
    assert cli("simulate", "--proposals", "3", "--db", demo_log).exit_code == 2


# --------------------------------------------------------------------------
# docs/logging.md
# --------------------------------------------------------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture(name="records")
def _records() -> Iterator[list[logging.LogRecord]]:
    logger = logging.getLogger("nhvflow")
    handler, level = Records(), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)


def keys(record: logging.LogRecord) -> set[str]:
    standard = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
    return set(vars(record)) - standard


def test_logging_accepted_and_refused_steps_carry_their_documented_keys(records):
    """`step_accepted` (DEBUG) and `step_refused` (INFO) with the keys of the table."""
    reg = nhvflow.open(":memory:")
    case = reg.submit(NPO, **proposal())
    with pytest.raises(NotAuthorised):
        reg.fire(case.id, "appoint_expert_group", NPO, experts=expert_group())
    by_event = {r.event: r for r in records}  # type: ignore[attr-defined]
    accepted, refused = by_event["step_accepted"], by_event["step_refused"]
    assert accepted.levelno == logging.DEBUG and refused.levelno == logging.INFO
    assert keys(accepted) >= {"case_id", "trigger", "actor_role", "outcome", "version", "state"}
    assert keys(refused) >= {"case_id", "trigger", "actor_role", "outcome", "rules"}
    assert refused.getMessage().startswith("step_refused case_id=")


def test_logging_rebuilds_and_simulations_log_their_documented_keys(records):
    """`projections_rebuilt` (`cases`) and `simulation_finished` (`seed`, `proposals`,
    `events`, `seconds`) at INFO."""
    from nhvflow.simulate import Scenario, run

    reg = nhvflow.open(":memory:")
    reg.submit(NPO, **proposal())
    reg.rebuild_projections()
    run(Scenario(proposals=2), seed=1)
    by_event = {r.event: r for r in records}  # type: ignore[attr-defined]
    assert by_event["projections_rebuilt"].cases == 1  # type: ignore[attr-defined]
    assert keys(by_event["simulation_finished"]) >= {"seed", "proposals", "events", "seconds"}
    assert by_event["simulation_finished"].levelno == logging.INFO


def test_logging_log_opened_carries_every_documented_key(records, tmp_path):
    """`log_opened` has `path` and `sqlite_version`, and `durability` for a
    writer or `readonly` for a reader."""
    line_of("docs/logging.md", "and `durability` for a writer or `readonly` for a reader")
    nhvflow.open(tmp_path / "a.sqlite").close()
    nhvflow.open(tmp_path / "a.sqlite", readonly=True).close()
    opened = [r for r in records if getattr(r, "event", None) == "log_opened"]
    assert len(opened) == 2
    writer, reader = opened
    assert keys(writer) >= {"path", "sqlite_version", "durability"}
    assert keys(reader) >= {"path", "sqlite_version", "readonly"}


# --------------------------------------------------------------------------
# docs/deploying.md
# --------------------------------------------------------------------------


def test_deploying_defaults_are_full_durability_and_a_five_second_busy_timeout():
    """`durability="full"` and `busy_timeout=5.0` by default; `"full"` is `synchronous=FULL`."""
    params = inspect.signature(nhvflow.open).parameters
    assert params["durability"].default == "full"
    assert params["busy_timeout"].default == 5.0


def test_deploying_a_writer_that_waits_past_the_timeout_gets_store_busy(tmp_path):
    """A writer that waits longer than `busy_timeout` gets `StoreBusy`; nothing is written."""
    path = tmp_path / "nhv.sqlite"
    nhvflow.open(path).close()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    reg = nhvflow.open(path, busy_timeout=0.2)
    began = time.monotonic()
    try:
        with pytest.raises(StoreBusy):
            reg.submit(NPO, **proposal())
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert time.monotonic() - began < 3
    assert reg.store.count_events() == 0
    reg.close()


def test_deploying_a_postgresql_url_chooses_the_postgresql_store():
    """A string starting `postgres://` is a PostgreSQL URL, never an SQLite path."""
    with pytest.raises(LogFormatError, match="PostgreSQL"):
        nhvflow.open("postgres://nobody@127.0.0.1:1/nhv?connect_timeout=1")
    assert not Path("postgres:").exists()


def test_deploying_copy_log_is_callable_as_documented(demo_log, tmp_path):
    """`nhvflow.cli._copy.copy_log(src, dst)` copies a log from Python."""
    from nhvflow.cli._copy import copy_log

    copy_log(demo_log, tmp_path / "c.sqlite")
    with nhvflow.open(tmp_path / "c.sqlite", readonly=True) as reg:
        assert reg.verify(strict=True, projections=True).ok


# --------------------------------------------------------------------------
# docs/log-format.md
# --------------------------------------------------------------------------


def test_log_format_the_migrations_are_in_the_file_the_page_names():
    """The file the page names as the home of the `nhvflow` migration set
    exists and holds each migration the page names."""
    line_of("docs/log-format.md", "`nhvflow/store/_sqlite/_migrations.py`")
    text = (ROOT / "src" / "nhvflow" / "store" / "_sqlite" / "_migrations.py").read_text()
    for name in ("0001_initial", "0002_case_seal", "0003_overview_views", "0004_no_rewrite"):
        assert f'name="{name}"' in text


def test_log_format_times_are_utc_with_microseconds_and_request_hash_is_always_written(
    reg, tmp_path
):
    """Every stored time is `...T..:..:..ffffff+00:00`, and `request_hash` is set
    for every step, with or without an idempotency key."""
    case = reg.submit(NPO, at=T1, **proposal())
    reg.fire(case.id, "withdraw", NPO, reason="x", at=T2)
    conn = sqlite3.connect(tmp_path / "nhv.sqlite")
    rows = conn.execute("SELECT occurred_at, recorded_at, request_hash FROM events").fetchall()
    updated = conn.execute("SELECT updated_at FROM cases").fetchall()
    conn.close()
    times = [t for row in rows for t in row[:2]] + [u for (u,) in updated]
    assert all(len(t) == 32 and t.endswith("+00:00") and t[19] == "." for t in times)
    assert all(len(row[2]) == 64 for row in rows)


def test_log_format_naive_times_nan_and_steps_dated_backwards_are_invalid_payloads(reg):
    """A naive `at` (field `at`), a NaN, and a step before the previous one are refused."""
    case = reg.submit(NPO, at=T2, **proposal())
    with pytest.raises(InvalidPayload) as naive:
        reg.fire(case.id, "withdraw", NPO, reason="x", at=datetime(2020, 5, 1))
    assert naive.value.field == "at"
    with pytest.raises(InvalidPayload):
        reg.fire(case.id, "withdraw", NPO, reason=math.nan)
    with pytest.raises(InvalidPayload) as early:
        reg.fire(case.id, "withdraw", NPO, reason="x", at=T1)
    assert early.value.field == "at"
    assert reg.get(case.id).version == 1


def test_log_format_an_idempotent_repeat_returns_the_first_result_after_the_case_moved_on(reg):
    """The same request with the same key returns the case as it was after the first."""
    case = reg.submit(NPO, at=T1, **proposal())
    first = reg.fire(
        case.id, "appoint_expert_group", SOS, experts=expert_group(), at=T2, idempotency_key="k"
    )
    reg.fire(case.id, "deliver_basis", Actor.expert_group(case.id), recommends_nhv=True, at=T3)
    again = reg.fire(
        case.id, "appoint_expert_group", SOS, experts=expert_group(), at=T2, idempotency_key="k"
    )
    assert again == first and again.state == "expert_review"
    assert reg.get(case.id).version == 3


def test_log_format_as_of_replays_events_up_to_and_including_that_time(reg):
    """`get(case_id, as_of=t)` replays the events with `occurred_at <= t`."""
    case = reg.submit(NPO, at=T1, **proposal())
    reg.fire(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=T2)
    assert reg.get(case.id, as_of=T2).state == "expert_review"
    assert reg.get(case.id, as_of="2020-02-29T09:00:00+00:00").state == "proposed"


def test_log_format_foreign_and_newer_files_are_refused_with_log_format_error(tmp_path):
    """A file with other tables, or a newer layout ("upgrade nhvflow"), is a
    `LogFormatError`, and nothing is written to it."""
    foreign = tmp_path / "f.sqlite"
    conn = sqlite3.connect(foreign)
    conn.execute("CREATE TABLE x (a)")
    conn.commit()
    conn.close()
    with pytest.raises(LogFormatError, match="not an nhvflow log"):
        nhvflow.open(foreign)
    newer = tmp_path / "n.sqlite"
    nhvflow.open(newer).close()
    conn = sqlite3.connect(newer)
    conn.execute("UPDATE nhvflow_meta SET value = '99' WHERE key = 'schema_version'")
    conn.commit()
    conn.close()
    with pytest.raises(LogFormatError, match="upgrade nhvflow"):
        nhvflow.open(newer)


def test_log_format_verify_returns_a_report_and_strict_raises_with_the_position(tmp_path):
    """A damaged log never makes `verify()` raise; `strict=True` raises
    `IntegrityError` with `.position`."""
    path = tmp_path / "nhv.sqlite"
    with nhvflow.open(path) as reg:
        case = reg.submit(NPO, at=T1, **proposal())
        reg.fire(case.id, "withdraw", NPO, reason="x", at=T2)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET type = 'Forged' WHERE position = 2")
    conn.commit()
    conn.close()
    with nhvflow.open(path, readonly=True) as reg:
        report = reg.verify()
        assert (report.ok, report.checked, report.first_bad_position) == (False, 2, 2)
        assert report.problems and str(report)
        with pytest.raises(IntegrityError) as bad:
            reg.verify(strict=True)
        assert bad.value.position == 2


# --------------------------------------------------------------------------
# docs/simulations.md
# --------------------------------------------------------------------------


def test_simulations_the_comparison_table_for_250_proposals_and_seed_1():
    """The table under "Comparing regimes" is what `compare` gives for the defaults."""
    from nhvflow.simulate import Scenario, compare

    comparison = compare(Scenario(proposals=250), seed=1)
    nhv, kc, norway = (comparison[p] for p in comparison.processes)
    assert [r.approved for r in (nhv, kc, norway)] == [99, 236, 122]
    assert [r.advisory_only for r in (nhv, kc, norway)] == [56, 56, 56]
    assert nhv.advisory_only_outcomes == {"not_eligible": 56}
    assert kc.advisory_only_outcomes == {"established": 53, "prepared": 3}
    assert norway.advisory_only_approved == 27
    assert norway.advisory_only_outcomes["refused"] == 22
    assert norway.advisory_only_outcomes["initiated"] == 7
    assert [sum(r.refused_steps.values()) for r in (nhv, kc, norway)] == [315, 69, 32]
    medians = [(r.end_to_end.median, r.end_to_end.p90) for r in (nhv, kc, norway)]
    assert medians == [(910, 1184), (551, 717), (431, 594)]


def test_simulations_defaults_are_the_documented_ones():
    """The scenario's defaults: 250 proposals from 2018-09-03 over 365 days, the
    mapping 2020-03-31, 20 % / 10 % advisory, the durations and outcomes tables,
    seven regions six times as likely, twenty programme areas, two of them pilots."""
    from datetime import date

    from nhvflow.simulate import Scenario

    s = Scenario()
    assert (s.process, s.proposals, s.start, s.submission_days) == (
        "nhv",
        250,
        date(2018, 9, 3),
        365,
    )
    assert s.mapping_completed == date(2020, 3, 31)
    assert (s.advisory_only_share, s.advisory_with_care_share, s.follow_up_years) == (0.2, 0.1, 3)
    d = s.durations
    triangular = {
        "appoint": (14, 45, 120), "recompose": (7, 21, 60), "open_consultation": (7, 21, 60),
        "consultation": (45, 60, 90), "decision": (30, 60, 150), "closure": (1, 14, 45),
        "withdrawal": (7, 30, 90), "application": (10, 55, 110), "board_preparation": (14, 45, 90),
        "board": (30, 60, 120), "follow_up": (15, 60, 120), "evaluation": (30, 90, 180),
    }  # fmt: skip
    for name, (low, mode, high) in triangular.items():
        t = getattr(d, name)
        assert (t.low, t.mode, t.high) == (low, mode, high), name
    assert (d.basis.median, d.basis.sigma) == (240, 0.35)
    o = s.outcomes
    expected = {
        "recommends_nhv": 0.6, "decide_when_recommended": 0.9, "decide_when_not_recommended": 0.05,
        "withdraw_when_not_recommended": 0.3, "board_grants": 0.9, "board_rounds": 3,
        "knowledge_spreading_need": 0.3, "special_conditions": 0.25, "flawed_expert_group": 0.1,
        "multi_year_grant": 0.3, "enterprise_supports": 0.95, "permanent_service": 0.15,
        "goals_met": 0.3,
    }  # fmt: skip
    assert {k: getattr(o, k) for k in expected} == expected
    assert o.financing == {"state_grant": 0.5, "procurement": 0.3, "agency": 0.2}
    assert sorted(o.units) == list(range(1, 8)) and sorted(o.applicants) == list(range(7))
    assert sum(1 for w in s.regions.values() if w == 6.0) == 7
    assert len(s.programme_areas) == 20
    assert {a.name for a in s.programme_areas if a.pilot} == {
        "Kvinnosjukdomar och förlossning",
        "Nervsystemets sjukdomar",
    }


def test_simulations_are_deterministic_at_nine_utc_with_seeded_case_ids(tmp_path):
    """Every step at 09:00 UTC on a whole day; case ids `sim-<seed>-…`; the kept log
    opens with `durability="normal"`; a second run into the same file is refused."""
    from nhvflow.simulate import Scenario, replication_seeds, run

    path = tmp_path / "out.sqlite"
    run(Scenario(proposals=3), seed=4, db=path)
    conn = sqlite3.connect(path)
    streams = {s for (s,) in conn.execute("SELECT DISTINCT stream_id FROM events")}
    times = {t[10:] for (t,) in conn.execute("SELECT occurred_at FROM events")}
    conn.close()
    assert streams - {"registry"} and all(s.startswith("sim-4-") for s in streams - {"registry"})
    assert times == {"T09:00:00.000000+00:00"}
    with pytest.raises(ValueError, match="already holds events"):
        run(Scenario(proposals=3), seed=4, db=path)
    seeds = replication_seeds(1, 3)
    assert seeds[0] == 1 and not set(seeds) & set(replication_seeds(2, 3))


def test_simulations_a_toml_scenario_error_names_the_dotted_path(tmp_path):
    """A bad value loaded from TOML names its dotted path (`outcomes.recommends_nhv`)."""
    from nhvflow.simulate import Scenario, ScenarioError

    for text, field in (
        ("[outcomes]\nrecommends_nhv = 2\n", "outcomes.recommends_nhv"),
        ('[durations]\nbasis = { kind = "lognormal", median = 240, sigma = -1 }\n',
         "durations.basis.sigma"),
        ('[[programme_areas]]\nname = "A"\n[[programme_areas]]\nname = "B"\n'
         '[[programme_areas]]\nname = "C"\nweight = -1\n', "programme_areas[2].weight"),
    ):  # fmt: skip
        path = tmp_path / "s.toml"
        path.write_text(text, encoding="utf-8")
        with pytest.raises(ScenarioError) as bad:
            Scenario.from_toml(path)
        assert bad.value.field == field


def test_simulations_a_scenario_built_in_python_names_its_field():
    """Built in Python, a bad value names the field of the class that
    refused it (`Outcomes(recommends_nhv=2)` names `recommends_nhv`)."""
    from nhvflow.simulate import Scenario, ScenarioError

    line_of("docs/simulations.md", "built in Python, the field of the class")
    with pytest.raises(ScenarioError) as bad:
        Scenario(outcomes=attrs.evolve(Scenario().outcomes, recommends_nhv=2))
    assert bad.value.field == "recommends_nhv"


def test_simulations_bad_arguments_raise_value_errors_as_the_docstrings_say():
    """`run` (a bad seed or batch size), `compare` (an unknown or repeated regime) and
    `replicate` raise `ValueError`s."""
    from nhvflow.simulate import Scenario, compare, replicate, run

    tiny = Scenario(proposals=2)
    for call in (
        lambda: run(tiny, seed=-1),
        lambda: run(tiny, seed=1, batch_size=0),
        lambda: compare(tiny, processes=["ern-membership"], seed=1),
        lambda: compare(tiny, processes=["nhv", "nhv"], seed=1),
        lambda: replicate(tiny, seed=1, replications=0),
    ):
        with pytest.raises(ValueError, match=r"'(seed|batch_size|processes|replications)'"):
            call()


# --------------------------------------------------------------------------
# docs/testing.md
# --------------------------------------------------------------------------


def test_testing_the_strategies_take_the_documented_keywords():
    """The strategy table's keywords exist with the documented defaults."""
    import nhvflow.testing as kit

    table = {
        "actors": ("role", "programme_area", "principal", "case_id", "country", "network"),
        "experts": ("region", "patient_representative"),
        "expert_groups": ("valid", "breaking"),
        "proposals": ("advisory", "pilot", "programme_area"),
        "steps": ("case", "valid", "at", "process"),
        "regions": ("healthcare_region",),
    }
    for name, params in table.items():
        signature = inspect.signature(getattr(kit, name))
        assert tuple(signature.parameters) == params, name
    assert (
        inspect.signature(kit.actors).parameters["role"].kind
        is inspect.Parameter.POSITIONAL_OR_KEYWORD
    )
    assert list(kit.StepDraw.__annotations__) == ["trigger", "actor", "payload", "intent"]


def test_testing_regions_takes_the_healthcare_region_as_written():
    """`regions(*, healthcare_region=None)`: by keyword only, as the table writes it."""
    from nhvflow.testing import regions

    line_of("docs/testing.md", "| `regions(*, healthcare_region=None)` |")
    strategy = regions(healthcare_region=HealthcareRegion.SODRA)
    assert "SKANE" in repr(strategy) and "STOCKHOLM" not in repr(strategy)
    with pytest.raises(TypeError):
        regions(HealthcareRegion.SODRA)  # type: ignore[misc]


@given(group=expert_groups())
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_testing_lawful_expert_groups_have_7_to_12_members_and_may_be_appointed(group):
    """`expert_groups()` draws lawful groups of 7 to 12 that the composition rule accepts."""
    assert 7 <= len(group) <= 12
    with nhvflow.open() as reg:
        case = reg.submit(NPO, **proposal())
        assert reg.check(case.id, "appoint_expert_group", SOS, experts=group) == []


def test_testing_state_machine_and_paths_have_the_documented_parts():
    """`ProcessStateMachine` (max_cases, processes, regime, log_steps, open_registry,
    submissions, wrong_submitters, check_step, TestCase), `StepOutcome`'s fields,
    `Path` (target, steps, id, play), `PathNotReached` an `AssertionError`."""
    import nhvflow.testing as kit

    machine = kit.ProcessStateMachine
    assert (machine.regime, machine.log_steps, tuple(machine.processes)) == ("nhv", False, ())
    for name in ("max_cases", "open_registry", "submissions", "wrong_submitters", "check_step",
                 "TestCase"):  # fmt: skip
        assert hasattr(machine, name), name
    fields = [f.name for f in attrs.fields(kit.StepOutcome)]
    assert fields[:8] == [
        "action",
        "case_id",
        "trigger",
        "actor",
        "payload",
        "at",
        "intent",
        "before",
    ]
    assert {"after", "error"} <= set(fields) and hasattr(kit.StepOutcome, "accepted")
    assert issubclass(kit.PathNotReached, AssertionError)
    path = kit.paths("ern-membership")[0]
    for name in ("target", "steps", "id", "play"):
        assert hasattr(path, name), name
    assert kit.CRITERIA == (
        "clinical_legitimacy",
        "scientific_legitimacy",
        "multiprofessional",
        "whole_country",
        "patient_representation",
        "gender_balance",
        "transparency",
        "time_allotted",
    )  # fmt: skip (the glossary's eight criteria)


def test_testing_coverage_of_ern_membership_prints_what_the_page_shows():
    """`print(coverage("ern-membership"))` shows the line the page's comment shows."""
    from nhvflow.testing import coverage

    shown = "ern-membership: 7 of 7 states, 24 of 24 rule outcomes"
    assert f"# {shown}" in doc("docs/testing.md")
    assert str(coverage("ern-membership")) == shown


def test_testing_replace_rule_refuses_an_unknown_rule_id():
    """`replace_rule` raises `InvalidPayload` (a `ValueError`) when the process has no such rule."""
    from nhvflow.rules.nhv import max_five_units
    from nhvflow.states import NHV
    from nhvflow.testing import replace_rule

    with pytest.raises(InvalidPayload) as bad:
        replace_rule(NHV, attrs.evolve(max_five_units, id="nhv.no-such-rule"))
    assert isinstance(bad.value, ValueError)


# --------------------------------------------------------------------------
# docs/internals.md, docs/glossary.md: the names they mention exist
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "nhvflow.engine._fold.backed", "nhvflow.engine._fold.apply", "nhvflow.engine._fold.project",
        "nhvflow.store._chain.seal", "nhvflow.store._chain.projection_seal",
        "nhvflow.store._chain.chain_hash", "nhvflow.store._hash.chain_hash",
        "nhvflow.store._interface.stored_event", "nhvflow.store._interface.Store",
        "nhvflow.engine._pipeline.Pipeline.checked", "nhvflow.states.Table",
        "nhvflow.states.builtin_processes", "nhvflow._payload.parse",
        "nhvflow.cli._simulate.simulate", "nhvflow.simulate.case_id",
        "nhvflow.simulate.quiet_logger", "nhvflow.rules.NhvCase", "nhvflow.rules.KcCase",
        "nhvflow.rules.ErnCase", "nhvflow.rules.NorwayCase", "nhvflow.rules.CaseView",
        "nhvflow.rules.once", "nhvflow.states.NORWAY", "nhvflow.rules.norway.approval_criteria",
        "nhvflow.rules.nhv.DEFAULT_PILOT_AREAS", "nhvflow.Registry.designate_pilot",
        "nhvflow.Registry.iter_due", "nhvflow.Registry.batch",
    ],
)  # fmt: skip
def test_every_name_the_pages_mention_exists(name):
    """internals.md, testing.md, simulations.md and the docstrings name these; each exists."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        break
    for part in parts[i:]:
        obj = getattr(obj, part)
    assert obj is not None


def test_glossary_roles_and_triggers_exist():
    """The glossary's `Role` members, `Actor` constructors and kc trigger exist."""
    from nhvflow.states import builtin_processes

    for role in ("SOCIALSTYRELSEN", "BOARD", "NPO", "EXPERT_GROUP", "REGION",
                 "HEALTH_ENTERPRISE", "DIRECTORATE", "MINISTRY"):  # fmt: skip
        assert hasattr(Role, role), role
    assert Actor.region(Region.SKANE).principal is Region.SKANE
    assert "assess_system_effects" in builtin_processes()["kc-proposal"].transitions
    assert len(HealthcareRegion) == 6 and len(Region) == 21
    assert Region.HALLAND.healthcare_regions == {HealthcareRegion.VASTRA, HealthcareRegion.SODRA}


# --------------------------------------------------------------------------
# Docstrings of the public API
# --------------------------------------------------------------------------


def test_registry_docstrings_promises_hold(reg):
    """`complete_mapping` (Socialstyrelsen only; again: the first record, nothing
    written), `due` (a naive datetime is `InvalidPayload` naming `as_of`)."""
    first = reg.complete_mapping(SOS, at=T1)
    again = reg.complete_mapping(SOS, at=T2)
    assert again == first and reg.store.count_events() == 1
    with pytest.raises(NotAuthorised):
        reg.complete_mapping(NPO)
    with pytest.raises(InvalidPayload) as bad:
        reg.due(as_of=datetime(2020, 1, 1))
    assert bad.value.field == "as_of"


def test_open_docstring_describes_every_parameter():
    """`nhvflow.open`'s docstring has a `:param` for each of its parameters."""
    text = inspect.getdoc(nhvflow.open) or ""
    documented = {chunk.split(":")[0] for chunk in text.split(":param ")[1:]}
    assert documented == set(inspect.signature(nhvflow.open).parameters)
