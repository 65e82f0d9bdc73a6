"""The command on a PostgreSQL log: a URL where a file path would go, and
`nhvflow copy` between the backends."""

from __future__ import annotations

import json


def test_copy_then_read_and_verify_a_postgresql_log(nhvflow_cmd, demo_log, postgres_url, tmp_path):
    """The demo log copies to PostgreSQL, verifies there, lists the same cases,
    and copies back to a new SQLite file."""
    copied = nhvflow_cmd("copy", demo_log, postgres_url)
    assert copied.exit_code == 0, copied.output
    verified = nhvflow_cmd("verify", postgres_url, "--projections")
    assert verified.exit_code == 0, verified.output
    assert "hash chain intact" in verified.output
    here = json.loads(nhvflow_cmd("cases", demo_log, "--json").output)
    there = json.loads(nhvflow_cmd("cases", postgres_url, "--json").output)
    assert there == here
    back = tmp_path / "back.sqlite"
    assert nhvflow_cmd("copy", postgres_url, back).exit_code == 0
    assert nhvflow_cmd("verify", back).exit_code == 0


def test_a_missing_file_is_still_a_usage_error(nhvflow_cmd, tmp_path):
    result = nhvflow_cmd("verify", tmp_path / "nope.sqlite")
    assert result.exit_code == 2
    assert "does not exist" in result.output
