"""The `nhvflow` command through click's runner, on a real log written by the demo."""

from __future__ import annotations

import json
import logging
import sqlite3

import click
import pytest
import structlog

import nhvflow
from nhvflow import diagram
from nhvflow.cli import main, session
from nhvflow.errors import UnknownCase
from nhvflow.states import builtin_processes

PARKINSON = "Avancerad behandling av Parkinsons sjukdom"
ADVISORY = "Nationella kompetenscentrum för inflammatoriska systemsjukdomar"
COMMANDS = {"demo", "cases", "show", "history", "verify", "rebuild", "rules", "diagram"}


def one_line_error(result) -> str:
    """The error a failed run printed: exactly one line on stderr, no traceback."""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output + result.stderr
    return lines[0]


# -- the group ---------------------------------------------------------------------


def test_help_lists_every_command(nhvflow_cmd):
    result = nhvflow_cmd("--help")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.output.split("Commands:")[1].splitlines() if line}
    assert listed >= COMMANDS


def test_no_arguments_prints_the_help_and_succeeds(nhvflow_cmd):
    result = nhvflow_cmd()
    assert result.exit_code == 0
    assert "Usage: " in result.output and "verify" in result.output


def test_an_unknown_command_is_a_usage_error_of_one_line(nhvflow_cmd):
    result = nhvflow_cmd("verfy", "x.sqlite")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert line.startswith("Error: No such command 'verfy'") and "--help" in line


def test_a_bad_option_is_a_usage_error_of_one_line(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("cases", demo_log, "--colour")
    assert result.exit_code == 2
    assert "--colour" in one_line_error(result)


def test_the_version_is_the_package_version(nhvflow_cmd):
    result = nhvflow_cmd("--version")
    assert result.exit_code == 0 and nhvflow.__version__ in result.output


def test_logging_configuration_is_restored_after_a_run(nhvflow_cmd, demo_log):
    """The command configures logging for its own run only; the library's callers keep theirs."""
    before = structlog.get_config()
    library = logging.getLogger("nhvflow")
    handlers, level = list(library.handlers), library.level
    assert nhvflow_cmd("-v", "verify", demo_log).exit_code == 0
    assert structlog.get_config() == before
    assert (library.handlers, library.level) == (handlers, level)


def test_verbose_shows_the_librarys_debug_lines_on_stderr(nhvflow_cmd, demo_log):
    quiet = nhvflow_cmd("verify", demo_log)
    loud = nhvflow_cmd("--verbose", "verify", demo_log)
    assert "log_opened" not in quiet.stderr
    assert "log_opened" in loud.stderr
    assert quiet.stdout == loud.stdout  # logs never mix into the output


# -- reading a log ------------------------------------------------------------------


READERS = [
    ["cases"],
    ["show", "{db}", "abcd"],
    ["history", "{db}", "abcd"],
    ["verify"],
    ["rebuild"],
]


def _args(command: list[str], db: object) -> list[str]:
    return [command[0], str(db), *command[2:]] if len(command) > 1 else [command[0], str(db)]


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_a_missing_log_is_named_and_not_created(nhvflow_cmd, tmp_path, command):
    missing = tmp_path / "nope.sqlite"
    result = nhvflow_cmd(*_args(command, missing))
    assert result.exit_code == 2
    assert "nope.sqlite' does not exist" in one_line_error(result)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", READERS, ids=lambda c: c[0])
def test_an_empty_file_is_not_made_into_a_log(nhvflow_cmd, tmp_path, command):
    empty = tmp_path / "empty.sqlite"
    empty.touch()
    result = nhvflow_cmd(*_args(command, empty))
    assert result.exit_code == 1
    assert "empty file, not an nhvflow log" in one_line_error(result)
    assert empty.stat().st_size == 0


def test_a_file_that_is_not_a_log_is_one_clear_error(nhvflow_cmd, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database, just notes\n" * 100)
    result = nhvflow_cmd("verify", notes)
    assert result.exit_code == 1
    assert "not an SQLite database" in one_line_error(result)


def test_cases_lists_every_case_with_its_state(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("cases", demo_log)
    assert result.exit_code == 0
    for case_id in case_ids.values():
        assert case_id in result.output
    assert result.output.count("permitted") == 3 and "not_eligible" in result.output


def test_cases_filters_by_state_and_speaks_json(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("cases", demo_log, "--state", "not_eligible", "--json")
    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == [case_ids[ADVISORY]]
    assert rows[0]["data"]["title"] == ADVISORY and rows[0]["process"] == "nhv"


def test_cases_refuses_a_state_no_process_has(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("cases", demo_log, "--state", "granted")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "'granted'" in line and "permitted" in line


def test_cases_refuses_an_unknown_process(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("cases", demo_log, "--process", "rikssjukvard")
    assert result.exit_code == 2
    assert "rikssjukvard" in one_line_error(result)


def test_show_finds_a_case_by_a_unique_prefix(nhvflow_cmd, demo_log, case_ids):
    case_id = case_ids[PARKINSON]
    result = nhvflow_cmd("show", demo_log, case_id[:8])
    assert result.exit_code == 0
    assert case_id in result.output and "permitted" in result.output
    assert "report_follow_up" in result.output  # the next steps, with who takes them


def test_show_as_json_carries_the_data_and_the_next_steps(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("show", demo_log, case_ids[PARKINSON], "--json")
    assert result.exit_code == 0
    shown = json.loads(result.stdout)
    with nhvflow.open(demo_log) as reg:
        case = reg.get(case_ids[PARKINSON])
    assert shown["data"] == case.data and shown["version"] == case.version
    # In permitted, a place a revocation frees is filled again in the same case.
    assert {s["trigger"] for s in shown["next_steps"]} == {
        "apply_for_permit",
        "prepare_board",
        "grant_permits",
        "report_follow_up",
        "evaluate",
        "request_revocation",
        "revoke_permit",
    }


def test_show_speaks_swedish(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("show", demo_log, case_ids[ADVISORY], "--lang", "sv")
    assert result.exit_code == 0
    assert "avslutat som inte aktuellt" in result.output
    assert "inga (ärendet är avslutat)" in result.output


def test_show_as_of_shows_the_case_as_it_stood(nhvflow_cmd, demo_log, case_ids):
    with nhvflow.open(demo_log) as reg:
        events = reg.history(case_ids[PARKINSON])
    decided = next(e for e in events if e.type == "NhvDecided")
    result = nhvflow_cmd(
        "show", demo_log, case_ids[PARKINSON], "--as-of", decided.occurred_at, "--json"
    )
    assert result.exit_code == 0
    assert json.loads(result.stdout)["state"] == "decided"


def test_show_as_of_needs_a_date(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("show", demo_log, case_ids[PARKINSON], "--as-of", "last week")
    assert result.exit_code == 2
    assert "'last week' is not an ISO date" in one_line_error(result)


def test_an_unknown_case_is_one_line_and_exit_1(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("show", demo_log, "no-such-case")
    assert result.exit_code == 1
    assert one_line_error(result) == (
        "Error: no case 'no-such-case' in this log; check the id or list cases."
    )


def test_debug_shows_the_traceback(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("--debug", "history", demo_log, "no-such-case")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr and "UnknownCase" in result.stderr


def test_history_lists_every_event_of_the_case_in_order(nhvflow_cmd, demo_log, case_ids):
    result = nhvflow_cmd("history", demo_log, case_ids[ADVISORY], "--json")
    assert result.exit_code == 0
    events = json.loads(result.stdout)
    assert [e["version"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "ProposalSubmitted" and events[-1]["type"] == "ClosedNotEligible"
    assert events[-1]["payload"]["rule"] == "nhv.advisory-requires-concentrated-care"
    human = nhvflow_cmd("history", demo_log, case_ids[ADVISORY])
    assert human.exit_code == 0 and "ClosedNotEligible" in human.output


# -- verify and rebuild ----------------------------------------------------------------


def test_verify_passes_a_sound_log(nhvflow_cmd, demo_log):
    result = nhvflow_cmd("verify", demo_log, "--projections")
    assert result.exit_code == 0
    assert result.output.startswith("log ok: 51 events checked")
    report = json.loads(nhvflow_cmd("verify", demo_log, "--json").stdout)
    assert report == {"ok": True, "checked": 51, "first_bad_position": None, "problems": []}


def tamper(path, position: int) -> None:
    """Change an event behind nhvflow's back (dropping the append-only trigger first)."""
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TRIGGER events_append_only_update")
        conn.execute(
            "UPDATE events SET payload = json_set(payload, '$.units', 9) WHERE position = ?",
            (position,),
        )
    conn.close()


def test_verify_fails_a_tampered_log_naming_the_position(nhvflow_cmd, log_copy):
    tamper(log_copy, 7)
    result = nhvflow_cmd("verify", log_copy, "--json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["first_bad_position"] == 7
    human = nhvflow_cmd("verify", log_copy)
    assert human.exit_code == 1 and "FAILED" in human.output


def test_rebuild_rebuilds_the_projections_identically(nhvflow_cmd, log_copy):
    with nhvflow.open(log_copy) as reg:
        before = [(c.id, c.state, c.version, c.data) for c in reg.cases()]
    result = nhvflow_cmd("rebuild", log_copy, "--json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    assert out["rebuilt"] is True and out["cases"] == 4 and out["verify"]["ok"] is True
    with nhvflow.open(log_copy) as reg:
        assert [(c.id, c.state, c.version, c.data) for c in reg.cases()] == before


def test_rebuild_refuses_a_log_that_fails_verification(nhvflow_cmd, log_copy):
    tamper(log_copy, 7)
    result = nhvflow_cmd("rebuild", log_copy)
    assert result.exit_code == 1
    assert "not rebuilt" in result.stderr and "Traceback" not in result.stderr


# -- rules and diagrams ------------------------------------------------------------------


def test_rules_lists_every_rule_of_every_regime(nhvflow_cmd):
    result = nhvflow_cmd("rules")
    assert result.exit_code == 0
    for process in builtin_processes().values():
        for rule in process.rules:
            assert rule.id in result.output
            assert rule.title_en.split()[0] in result.output
    headings = [line.split(":")[0] for line in result.output.splitlines() if ": " in line[:30]]
    regimes = [h for h in headings if h in builtin_processes()]
    assert regimes[0] == "nhv", "the law in force comes first"
    assert sorted(regimes) == sorted(builtin_processes())


def test_rules_in_swedish_give_the_swedish_titles(nhvflow_cmd):
    result = nhvflow_cmd("rules", "--process", "nhv", "--lang", "sv")
    assert result.exit_code == 0
    assert "Regel" in result.output and "gällande" in result.output
    assert "Vården bedrivs vid som mest fem enheter" in result.output
    assert "Care is run at no more than five units" not in result.output


def test_the_groups_language_applies_unless_the_command_names_its_own(nhvflow_cmd):
    swedish = nhvflow_cmd("--lang", "sv", "rules")
    assert "Vården bedrivs vid som mest fem enheter" in swedish.output
    english = nhvflow_cmd("--lang", "sv", "rules", "--lang", "en")
    assert "Care is run at no more than five units" in english.output


def test_the_language_can_come_from_the_environment(nhvflow_cmd):
    result = nhvflow_cmd("rules", env={"NHVFLOW_LANG": "sv"})
    assert result.exit_code == 0 and "Vården bedrivs vid som mest fem enheter" in result.output


def test_rules_as_json_carry_both_titles_citation_and_validity(nhvflow_cmd):
    rows = json.loads(nhvflow_cmd("rules", "--json").stdout)
    every = {r.id for p in builtin_processes().values() for r in p.rules}
    assert {r["id"] for r in rows} == every
    five = next(r for r in rows if r["id"] == "nhv.max-five-units")
    assert five["title_sv"] == "Vården bedrivs vid som mest fem enheter"
    assert five["citation"].startswith("HSL (2017:30) 2 kap. 7 §")
    assert five["valid_from"] == "2018-07-01" and five["triggers"] == [
        "decide",
        "apply_for_permit",
        "grant_permits",
    ]


def test_one_rule_is_shown_with_its_source_passage(nhvflow_cmd):
    result = nhvflow_cmd("rules", "nhv.mapping-pause")
    assert result.exit_code == 0
    assert "Därför kommer inga nya sakkunniggrupper startas upp" in result.output


def test_an_unknown_rule_is_a_usage_error_naming_the_rules(nhvflow_cmd):
    result = nhvflow_cmd("rules", "nhv.six-units")
    assert result.exit_code == 2
    assert "nhv.max-five-units" in one_line_error(result)


def test_diagram_prints_the_mermaid_of_the_process(nhvflow_cmd):
    result = nhvflow_cmd("diagram")
    assert result.exit_code == 0
    assert result.output == diagram.mermaid(builtin_processes()["nhv"])


def test_diagram_lang_sv_prints_the_swedish_diagram(nhvflow_cmd):
    """`nhvflow diagram --lang sv` and `nhvflow --lang sv diagram` print it in Swedish."""
    expected = diagram.mermaid(builtin_processes()["nhv"], lang="sv")
    assert nhvflow_cmd("diagram", "--lang", "sv").output == expected
    assert nhvflow_cmd("--lang", "sv", "diagram").output == expected


def test_diagram_writes_a_file(nhvflow_cmd, tmp_path):
    out = tmp_path / "nhv.mmd"
    result = nhvflow_cmd("diagram", "--process", "nhv", "-o", out)
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_text(encoding="utf-8").startswith("---\ntitle: ")


def test_an_unwritable_output_is_one_line(nhvflow_cmd, tmp_path):
    result = nhvflow_cmd("diagram", "-o", tmp_path / "no" / "such" / "dir.mmd")
    assert result.exit_code == 1
    assert "No such file or directory" in one_line_error(result)


def test_svg_without_graphviz_says_what_to_install_and_writes_nothing(
    nhvflow_cmd, tmp_path, monkeypatch
):
    monkeypatch.setattr(diagram.shutil, "which", lambda name: None)
    out = tmp_path / "nhv.svg"
    result = nhvflow_cmd("diagram", "--format", "svg", "-o", out)
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "Graphviz" in line and "'dot'" in line and "--format mermaid" in line
    assert not out.exists()


@pytest.mark.skipif(diagram.graphviz_missing() is not None, reason="Graphviz is not installed")
def test_svg_with_graphviz_draws_every_trigger(nhvflow_cmd, tmp_path):
    out = tmp_path / "nhv.svg"
    result = nhvflow_cmd("diagram", "--format", "svg", "-o", out)
    assert result.exit_code == 0
    text = out.read_text(encoding="utf-8")
    assert "<svg" in text
    for trigger in builtin_processes()["nhv"].transitions:
        assert trigger in text


# -- demo ------------------------------------------------------------------------------


def test_demo_writes_a_log_that_verifies(nhvflow_cmd, tmp_path):
    path = tmp_path / "demo.sqlite"
    result = nhvflow_cmd("demo", path)
    assert result.exit_code == 0, result.output
    assert "REFUSED 'decide'" in result.output
    assert nhvflow_cmd("verify", path).exit_code == 0


def test_demo_tells_refusals_in_swedish(nhvflow_cmd, tmp_path):
    result = nhvflow_cmd("demo", tmp_path / "demo.sqlite", "--lang", "sv")
    assert result.exit_code == 0
    assert "NEKAT 'decide'" in result.output
    assert "Ett rådgivningsuppdrag (kompetenscentrum) kan bara beslutas" in result.output


def test_demo_never_writes_over_a_file_unasked(nhvflow_cmd, tmp_path):
    precious = tmp_path / "precious.sqlite"
    precious.write_bytes(b"keep me")
    result = nhvflow_cmd("demo", precious)
    assert result.exit_code == 2
    assert "--replace" in one_line_error(result)
    assert precious.read_bytes() == b"keep me"


# -- commands added to the group -----------------------------------------------------------


def test_a_command_added_to_the_group_gets_its_error_handling(nhvflow_cmd):
    """Adding a command is one line, and it gets the one-line errors and exit codes."""

    @click.command(name="probe")
    def probe() -> None:
        assert session().lang == "en"
        raise UnknownCase("from-probe")

    main.add_command(probe)
    try:
        result = nhvflow_cmd("probe")
    finally:
        main.commands.pop("probe")
    assert result.exit_code == 1
    assert "no case 'from-probe'" in one_line_error(result)


def test_an_unexpected_error_is_one_line_without_debug(nhvflow_cmd, monkeypatch):
    def broken() -> dict:
        raise RuntimeError("the catalogue is on fire")

    monkeypatch.setattr("nhvflow.cli.builtin_processes", broken)
    result = nhvflow_cmd("rules")
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "unexpected RuntimeError: the catalogue is on fire" in line and "--debug" in line
    debugged = nhvflow_cmd("--debug", "rules")
    assert debugged.exit_code == 1 and "Traceback" in debugged.stderr
