"""`nhvflow due`, `nhvflow decision` and `nhvflow paths`."""

from __future__ import annotations

import json


def test_due_lists_the_follow_ups_overdue_first(nhvflow_cmd, demo_log):
    """`nhvflow due --json` lists each item with its source, overdue ones first."""
    result = nhvflow_cmd("due", demo_log, "--as-of", "2026-02-01", "--json")
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert items and {i["trigger"] for i in items} == {"report_follow_up"}
    flags = [i["overdue"] for i in items]
    assert flags == sorted(flags, reverse=True) and True in flags and False in flags
    assert all(i["citation"] and i["kind"] == "practice" for i in items)


def test_due_filters_by_role_and_prints_a_table(nhvflow_cmd, demo_log):
    """`--role` keeps one role's items; without --json a table is printed."""
    none = nhvflow_cmd("due", demo_log, "--as-of", "2026-02-01", "--role", "board", "--json")
    assert none.exit_code == 0 and json.loads(none.output) == []
    table = nhvflow_cmd("due", demo_log, "--as-of", "2026-02-01")
    assert table.exit_code == 0 and "OVERDUE" in table.output and "report_follow_up" in table.output
    for junk in ("someday", "2026-02-01 and then some"):
        bad = nhvflow_cmd("due", demo_log, "--as-of", junk)
        assert bad.exit_code == 2 and "--as-of" in bad.output


def test_decision_prints_the_closed_advisory_proposal_in_swedish(nhvflow_cmd, demo_log, case_ids):
    """The demo's closed advisory proposal's decision cites the central rule, in Swedish."""
    case = case_ids["Nationella kompetenscentrum för inflammatoriska systemsjukdomar"]
    result = nhvflow_cmd("decision", demo_log, case[:8])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Beslut: avsluta förslaget som inte aktuellt")
    assert "nhv.advisory-requires-concentrated-care" in result.output
    assert (
        "HSLF-FS 2018:48 4 kap. 4–5 §" in result.output and "får inte överklagas" in result.output
    )


def test_decision_as_english_html_and_a_version_that_decided_nothing(
    nhvflow_cmd, demo_log, case_ids
):
    """`--format html --lang en` gives an English page; a non-decision version fails."""
    case = case_ids["Avancerad behandling av Parkinsons sjukdom"]
    page = nhvflow_cmd("decision", demo_log, case, "--lang", "en", "--format", "html")
    assert page.exit_code == 0 and '<html lang="en">' in page.output
    wrong = nhvflow_cmd("decision", demo_log, case, "--version", "1")
    assert wrong.exit_code == 1 and "version" in wrong.output


def test_paths_prints_each_path_and_the_coverage(nhvflow_cmd):
    """`nhvflow paths` lists the paths of a regime and how much of it they reach."""
    result = nhvflow_cmd("paths", "--process", "ern-membership")
    assert result.exit_code == 0, result.output
    assert "ern-membership: state member" in result.output
    assert "coverage: ern-membership: 7 of 7 states" in result.output
    data = json.loads(nhvflow_cmd("paths", "--process", "ern-membership", "--json").output)
    assert data["coverage"]["states"] == {"reached": 7, "of": 7}
    assert {p["target"]["kind"] for p in data["paths"]} == {"state", "rule"}
