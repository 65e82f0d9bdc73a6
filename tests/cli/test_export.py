"""`nhvflow export`: the events, cases and permits of a log as CSV or JSON
Lines, on stdout or into a file, the same rows the registry and the views give."""

from __future__ import annotations

import csv
import io
import json
import sqlite3

import pytest

import nhvflow


def test_cases_as_csv_have_the_columns_of_case_overview(nhvflow_cmd, demo_log):
    """One header row, then one row per case, as the view ``case_overview`` reads."""
    result = nhvflow_cmd("export", demo_log, "--table", "cases", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    conn = sqlite3.connect(demo_log)
    try:
        view = conn.execute("SELECT * FROM case_overview").fetchall()
        header = [d[0] for d in conn.execute("SELECT * FROM case_overview").description]
    finally:
        conn.close()
    assert rows[0] == header
    assert rows[1:] == [[str(v) for v in r] for r in view]


def test_permits_as_jsonl_name_the_region_in_words(nhvflow_cmd, demo_log):
    """Each line is a JSON object with the region in words and its code."""
    result = nhvflow_cmd("export", demo_log, "--table", "permits", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    permits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(permits) == 8
    skane = [p for p in permits if p["region_code"] == "SKANE"]
    assert skane and all(p["region"] == "Region Skåne" for p in skane)
    assert all(p["valid"] is True and p["title"] for p in permits)


def test_events_as_jsonl_are_the_log_in_order(nhvflow_cmd, demo_log):
    """Every event, in position order, with its actor and payload as objects."""
    result = nhvflow_cmd("export", demo_log, "--table", "events", "--format", "jsonl")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    with nhvflow.open(demo_log, readonly=True) as reg:
        events = reg.events(limit=10_000)
    assert [e["position"] for e in lines] == [e.position for e in events]
    assert [e["case_id"] for e in lines] == [e.stream_id for e in events]
    assert lines[0]["actor"]["role"] == "npo" and lines[0]["payload"]["title"]
    assert lines[-1]["hash"] == events[-1].hash


def test_events_as_csv_keep_actor_and_payload_as_json_text(nhvflow_cmd, demo_log):
    """A CSV cell holding a payload parses back to the event's payload."""
    result = nhvflow_cmd("export", demo_log, "--table", "events")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    with nhvflow.open(demo_log, readonly=True) as reg:
        first = reg.events(limit=1)[0]
    assert len(rows) == 51
    assert json.loads(rows[0]["payload"]) == first.payload
    assert json.loads(rows[0]["actor"]) == first.actor.to_json()


def test_output_writes_a_file_and_says_so_on_stderr(nhvflow_cmd, demo_log, tmp_path):
    """``--output FILE`` leaves stdout empty and names the file and count on stderr."""
    target = tmp_path / "cases.csv"
    result = nhvflow_cmd("export", demo_log, "--table", "cases", "--output", target)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == f"wrote {target} (4 cases, csv)"
    assert target.read_text(encoding="utf-8").startswith("id,process,title,programme_area,")


@pytest.mark.parametrize(
    "args",
    [("--table", "nonsense"), ("--table", "cases", "--format", "xml"), ("--format", "csv")],
)
def test_a_bad_table_or_format_is_a_usage_error(nhvflow_cmd, demo_log, args):
    """An unknown table or format, or no table, exits 2 naming the option."""
    result = nhvflow_cmd("export", demo_log, *args)
    assert result.exit_code == 2
    assert "--table" in result.stderr or "--format" in result.stderr


def test_export_leaves_the_log_unchanged(nhvflow_cmd, log_copy):
    """The log is opened read-only: its bytes are the same after an export."""
    before = log_copy.read_bytes()
    assert nhvflow_cmd("export", log_copy, "--table", "events").exit_code == 0
    assert log_copy.read_bytes() == before
