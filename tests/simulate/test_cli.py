"""`nhvflow simulate`, run as a newcomer would: the command object through
click's CliRunner (the nhvflow group registers it)."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from nhvflow.cli._simulate import simulate


@pytest.fixture(name="cli")
def _cli():
    def invoke(*args: str):
        return CliRunner().invoke(simulate, list(args), catch_exceptions=False)

    return invoke


def test_without_options_it_simulates_the_default_population_as_tables(cli):
    """No options: 250 proposals, seed 1, tables of states, rules, days and permits."""
    out = cli()
    assert out.exit_code == 0, out.output
    assert "250 (" in out.stdout
    for heading in ("Final states", "Refused steps, by rule", "Days per step", "healthcare region"):
        assert heading in out.stdout
    assert "nhv.advisory-requires-concentrat" in out.stdout


def test_json_goes_to_stdout_alone_and_parses(cli):
    """--json prints one JSON document on stdout and nothing else."""
    out = cli("--proposals", "30", "--seed", "4", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["proposals"] == 30 and data["seeds"] == [4]
    assert sum(data["final_states"].values()) == 30


def test_the_same_seed_prints_the_same_figures(cli):
    """Two runs with one seed agree on every figure but the time taken."""
    runs = [json.loads(cli("-n", "25", "-s", "9", "--json").stdout) for _ in range(2)]
    for data in runs:
        data.pop("elapsed_seconds")
    assert runs[0] == runs[1]


def test_db_keeps_the_log_and_refuses_to_overwrite_one(cli, tmp_path):
    """--db writes a log with every event counted; an existing file is refused, untouched."""
    db = tmp_path / "out.sqlite"
    out = cli("-n", "20", "--db", str(db), "--json")
    assert out.exit_code == 0, out.stderr
    with sqlite3.connect(db) as conn:
        events = conn.execute("select count(*) from events").fetchone()[0]
    assert events == json.loads(out.stdout)["events"]
    again = CliRunner().invoke(simulate, ["-n", "20", "--db", str(db)])
    assert again.exit_code == 2
    assert "already exists" in again.stderr
    with sqlite3.connect(db) as conn:
        assert conn.execute("select count(*) from events").fetchone()[0] == events


def test_report_writes_a_self_contained_html_file(cli, tmp_path):
    """--report writes the HTML report with its four charts."""
    pytest.importorskip("matplotlib")
    report = tmp_path / "r.html"
    out = cli("-n", "20", "--report", str(report))
    assert out.exit_code == 0, out.stderr
    page = report.read_text(encoding="utf-8")
    assert page.count("<svg") == 4 and "<script" not in page
    assert "report written to" in out.stderr


def test_a_bad_scenario_file_is_refused_naming_the_field(cli, tmp_path):
    """A scenario with a bad value exits with a usage error that names the field."""
    path = tmp_path / "bad.toml"
    path.write_text("[outcomes]\nrecommends_nhv = 3\n", encoding="utf-8")
    out = CliRunner().invoke(simulate, ["--scenario", str(path)])
    assert out.exit_code == 2
    assert "outcomes.recommends_nhv" in out.stderr


def test_a_scenario_file_sets_the_population(cli, tmp_path):
    """--scenario loads the TOML file; --proposals overrides its number."""
    path = tmp_path / "s.toml"
    path.write_text('proposals = 12\nmapping_completed = "never"\n', encoding="utf-8")
    data = json.loads(cli("--scenario", str(path), "--json").stdout)
    assert data["proposals"] == 12
    assert data["scenario"]["mapping_completed"] == "never"
    assert data["final_states"]["proposed"] == 12 - data["pilots"]
    assert json.loads(cli("--scenario", str(path), "-n", "5", "--json").stdout)["proposals"] == 5


def test_workers_run_replications_in_parallel_and_merge_them(cli, tmp_path):
    """--workers 2 runs two replications with derived seeds, each with its own log."""
    db = tmp_path / "rep.sqlite"
    out = cli("-n", "15", "--seed", "2", "--workers", "2", "--db", str(db), "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["replications"] == 2 and data["proposals"] == 30
    assert data["seeds"][0] == 2 and data["seeds"][1] != 2
    assert (tmp_path / "rep-1.sqlite").exists() and (tmp_path / "rep-2.sqlite").exists()


def test_lang_sv_prints_the_tables_in_swedish(cli):
    """--lang sv: Swedish headings, column names, states in words and rule
    titles whole; no English heading is left."""
    out = CliRunner().invoke(
        simulate, ["-n", "40", "--lang", "sv"], env={"COLUMNS": "250"}, catch_exceptions=False
    )
    assert out.exit_code == 0, out.output
    for words in (
        "Simulering",
        "Slutlägen",
        "Stoppade steg, per regel",
        "Dagar per steg",
        "Giltiga tillstånd, per sjukvårdsregion",
        "Tillstånd över tid",
        "tillstånd beviljade",
        "Beslut om tillstånd (nämnden)",
        "Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras",
    ):
        assert words in out.stdout, words
    for words in ("Final states", "Refused steps", "Days per step", "permits granted"):
        assert words not in out.stdout, words


def test_the_groups_lang_reaches_simulate_and_its_report(tmp_path):
    """`nhvflow --lang sv simulate --report FILE` writes a Swedish report and
    says so in Swedish on stderr."""
    pytest.importorskip("matplotlib", reason="the HTML report needs nhvflow[report]")
    from nhvflow.cli import main

    report = tmp_path / "rapport.html"
    out = CliRunner().invoke(
        main, ["--lang", "sv", "simulate", "-n", "20", "--report", str(report)],
        catch_exceptions=False,
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    assert "Slutlägen" in out.stdout
    assert "rapporten skriven till" in out.stderr
    page = report.read_text(encoding="utf-8")
    assert '<html lang="sv">' in page and "<h2>Antaganden</h2>" in page


def test_lang_sv_compares_in_swedish(cli):
    """--compare --lang sv: the comparison's tables are Swedish, states in words."""
    out = CliRunner().invoke(
        simulate, ["-n", "20", "--compare", "--lang", "sv"], env={"COLUMNS": "200"},
        catch_exceptions=False,
    )  # fmt: skip
    assert out.exit_code == 0, out.output
    for words in ("En population under varje regim", "etablerade", "avslutat som inte aktuellt"):
        assert words in out.stdout, words
    assert "One population" not in out.stdout


def test_several_replications_print_their_spread(cli):
    """-r 3: a table of the lowest, median and highest replication."""
    out = CliRunner().invoke(
        simulate, ["-n", "20", "-r", "3"], env={"COLUMNS": "200"}, catch_exceptions=False
    )
    assert out.exit_code == 0, out.output
    assert "Spread across replications" in out.stdout
    assert "proposals ended with an establishment" in out.stdout
