"""compare() runs one population under each regime: the advisory-only
proposals nhv turns away are established under kc and approved in Norway,
and the figures of a comparison hold together."""

from __future__ import annotations

import json
import sqlite3

import attrs
import pytest
from click.testing import CliRunner
from rich.console import Console

import nhvflow
from nhvflow.cli._simulate import simulate
from nhvflow.simulate import (
    KINDS,
    SIMULATED_PROCESSES,
    Comparison,
    Outcomes,
    Scenario,
    compare,
    comparison_db,
)

from .conftest import cases

RULE = "nhv.advisory-requires-concentrated-care"


def test_advisory_only_proposals_turned_away_by_nhv_are_established_elsewhere(tmp_path):
    """Under nhv each is refused by the rule and closed; under kc established; in Norway active."""
    favourable = attrs.evolve(
        Outcomes(),
        recommends_nhv=1.0,
        decide_when_recommended=1.0,
        enterprise_supports=1.0,
        goals_met=0.0,
        applicants={2: 1.0},
    )
    scenario = Scenario(
        proposals=12, advisory_only_share=1.0, advisory_with_care_share=0.0, outcomes=favourable
    )
    db = tmp_path / "cmp.sqlite"
    comparison = compare(scenario, seed=6, db=db)
    nhv, kc, norway = (comparison[p] for p in SIMULATED_PROCESSES)
    assert nhv.refusals[RULE] == 12
    assert nhv.advisory_only_outcomes == {"not_eligible": 12}
    assert nhv.advisory_only_approved == 0 and nhv.advisory_only_not_eligible == 12
    assert kc.advisory_only_outcomes == {"established": 12} == kc.final_states
    assert norway.advisory_only_outcomes == {"active": 12}
    assert kc.advisory_only_approved == norway.advisory_only_approved == 12
    assert RULE not in kc.refusals and RULE not in norway.refusals
    closed = cases(comparison_db(db, "nhv"))
    assert {c.data["closure"]["rule"] for c in closed} == {RULE}
    established = cases(comparison_db(db, "kc-proposal"))
    assert all(c.data["care_measures"] == [] and c.data["centres"] for c in established)


@pytest.fixture(scope="module", name="comparison")
def _comparison(tmp_path_factory) -> tuple[Comparison, object]:
    db = tmp_path_factory.mktemp("cmp") / "out.sqlite"
    return compare(Scenario(proposals=90), seed=3, db=db), db


def test_every_regime_gets_the_same_population(comparison):
    """The same count and kinds of proposal, and each case id the same proposal in every log."""
    c, db = comparison
    assert c.processes == SIMULATED_PROCESSES == tuple(c) and len(c) == 3
    kinds = {p: {k: sum(r.final_states_by_kind[k].values()) for k in KINDS} for p, r in c.items()}
    assert len({json.dumps(v, sort_keys=True) for v in kinds.values()}) == 1
    assert all(r.proposals == 90 for r in c.values())
    fields = ("title", "programme_area", "care_measures", "advisory", "pilot", "submitted_at")
    proposals = {
        p: [(x.id, *(x.data[f] for f in fields)) for x in cases(comparison_db(db, p))]
        for p in c.processes
    }
    assert len(proposals["nhv"]) == 90
    assert proposals["nhv"] == proposals["kc-proposal"] == proposals["no-competence-service"]


def test_events_are_the_events_in_each_regimes_log(comparison):
    """Each result's events equals the rows of its own log, and the logs verify."""
    c, db = comparison
    for process, result in c.items():
        path = comparison_db(db, process)
        assert path.name == f"out-{process}.sqlite"
        with nhvflow.open(path) as reg:
            assert reg.store.count_events() == result.events
            assert reg.verify().ok
            assert {x.process for x in reg.cases()} == {process}


def test_the_summary_json_and_table_agree_with_the_results(comparison):
    """The summary restates each result's figures; the JSON parses; the table names them."""
    c, _ = comparison
    data = json.loads(c.to_json())
    assert data["processes"] == list(SIMULATED_PROCESSES) and data["seeds"] == [3]
    for process, result in c.items():
        s = data["summary"][process]
        assert s["approved"] == result.approved
        assert s["advisory_only"] == result.advisory_only > 0
        assert sum(s["advisory_only_outcomes"].values()) == s["advisory_only"]
        assert s["advisory_only_approved"] <= s["advisory_only"]
        assert data["results"][process]["events"] == result.events
    assert c["nhv"].advisory_only_approved == 0
    assert c["kc-proposal"].advisory_only_approved > 0
    console = Console(record=True, width=140)
    console.print(c.render_table())
    text = console.export_text()
    assert "One population under each regime" in text and RULE in text
    for process in SIMULATED_PROCESSES:
        assert process in text


def test_compare_refuses_regimes_it_cannot_run():
    """An unknown, repeated or misspelt set of regimes is refused before anything runs."""
    small = Scenario(proposals=5)
    with pytest.raises(ValueError, match="cannot be simulated"):
        compare(small, ("nhv", "ern-membership"), seed=1)
    with pytest.raises(ValueError, match="twice"):
        compare(small, ("nhv", "nhv"), seed=1)
    with pytest.raises(ValueError, match="one string"):
        compare(small, "nhv", seed=1)
    two = compare(small, ("kc-proposal", "nhv"), seed=1)
    assert two.processes == ("kc-proposal", "nhv")


# -- the command line ------------------------------------------------------------------


def invoke(*args: str):
    return CliRunner().invoke(simulate, list(args), catch_exceptions=False)


def test_cli_process_runs_another_regime():
    """--process kc-proposal simulates that regime and says so in the JSON."""
    out = invoke("--process", "kc-proposal", "-n", "25", "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["process"] == data["scenario"]["process"] == "kc-proposal"
    assert set(data["final_states"]) <= {"established", "prepared"}
    assert list(data["steps"]) == ["1", "2", "3", "4", "5"]


def test_cli_compare_prints_one_json_document_and_keeps_each_log(tmp_path):
    """--compare --json is one JSON document; --db keeps a log per regime with its events."""
    db = tmp_path / "c.sqlite"
    out = invoke("--compare", "-n", "20", "--seed", "2", "--db", str(db), "--json")
    assert out.exit_code == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["processes"] == list(SIMULATED_PROCESSES)
    for process in SIMULATED_PROCESSES:
        assert data["results"][process]["proposals"] == 20
        with sqlite3.connect(comparison_db(db, process)) as conn:
            events = conn.execute("select count(*) from events").fetchone()[0]
        assert events == data["summary"][process]["events"]
    again = CliRunner().invoke(simulate, ["--compare", "-n", "5", "--db", str(db)])
    assert again.exit_code == 2 and "already exists" in again.stderr


def test_cli_compare_tables_and_a_subset_of_regimes():
    """--compare prints the comparison; --process narrows it to the regimes named."""
    out = invoke("--compare", "-n", "15", "--process", "nhv", "--process", "no-competence-service")
    assert out.exit_code == 0, out.stderr
    assert "One population under each regime" in out.stdout
    assert "no-competence-service" in out.stdout and "kc-proposal" not in out.stdout


def test_cli_refuses_what_it_cannot_do():
    """Two --process without --compare, --report with --compare and an unknown regime: exit 2."""
    for args, says in [
        (["--process", "nhv", "--process", "kc-proposal"], "--compare"),
        (["--compare", "--report", "r.html"], "--report"),
        (["--process", "ern-membership"], "ern-membership"),
    ]:
        out = CliRunner().invoke(simulate, ["-n", "5", *args])
        assert out.exit_code == 2, args
        assert says in out.stderr
