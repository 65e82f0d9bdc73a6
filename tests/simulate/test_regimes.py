"""kc-proposal and no-competence-service are simulated like nhv: through the
public API, deterministic per seed, with refusals counted per rule, ending
only in the regime's own resting states."""

from __future__ import annotations

import json

import attrs
import pytest

import nhvflow
from nhvflow.simulate import (
    Outcomes,
    Scenario,
    ScenarioError,
    SimulationResult,
    case_id,
    render_table,
    run,
)

from .conftest import business_events, cases, every_event

RESTING = {
    "kc-proposal": {"established", "prepared"},
    "no-competence-service": {"active", "wound_down", "refused", "initiated"},
}
"""Where a simulated case can end: each regime's final states and the states
where a case rests when nobody can take the next step (no applicant under
kc; an initiative without every enterprise's support in Norway)."""


@pytest.fixture(scope="module", name="runs")
def _runs(tmp_path_factory) -> dict[str, tuple[SimulationResult, object]]:
    out = {}
    for process in RESTING:
        db = tmp_path_factory.mktemp(process) / "log.sqlite"
        out[process] = (run(Scenario(proposals=300, process=process), seed=8, db=db), db)
    return out


@pytest.mark.parametrize("process", sorted(RESTING))
def test_a_few_hundred_proposals_end_in_the_regimes_resting_states(runs, process):
    """300 proposals run to completion; every case is of the regime and rests where it may."""
    result, db = runs[process]
    assert result.proposals == 300
    assert set(result.final_states) <= RESTING[process]
    logged = cases(db)
    assert len(logged) == 300
    assert {c.process for c in logged} == {process}
    assert {c.state for c in logged} == set(result.final_states)
    assert result.approved == sum(1 for c in logged if c.state in result.approved_states) > 100
    with nhvflow.open(db) as reg:
        assert reg.verify().ok
        assert reg.store.count_events() == result.events


@pytest.mark.parametrize("process", sorted(RESTING))
def test_the_funnel_and_the_days_follow_the_regimes_steps(runs, process):
    """The result counts the regime's own steps: five under kc, six in Norway."""
    result, _ = runs[process]
    expected = {"kc-proposal": 5, "no-competence-service": 6}[process]
    assert result.steps == tuple(str(i) for i in range(1, expected + 1))
    assert set(result.step_labels) == set(result.steps)
    assert result.funnel["1"] == 300
    assert result.funnel[result.steps[-1]] > 0
    assert all(result.days(s).n == result.funnel[s] for s in result.steps[1:])
    with pytest.raises(KeyError, match="the steps are"):
        result.days(expected + 1)
    data = json.loads(result.to_json())
    assert data["process"] == process and list(data["steps"]) == list(result.steps)
    assert set(data["days"]) == set(result.steps[1:])


def test_kc_counts_the_refused_multi_year_grants_and_grants_one_year(runs):
    """Each refusal by kc.state-grant-one-year is followed by a one-year grant, and none longer."""
    result, db = runs["kc-proposal"]
    refused = result.refusals["kc.state-grant-one-year"]
    assert refused > 0
    established = [e.payload for e in business_events_of(db) if e.type == "CentresEstablished"]
    assert len(established) == result.final_states["established"]
    one_year = [p for p in established if p["grant_years"] == 1]
    assert len(one_year) == refused
    assert all(p["financing"] == "state_grant" for p in one_year)
    assert not [p for p in established if (p["grant_years"] or 1) > 1]
    assert result.refused_steps.get("establish") == refused


def test_norway_rests_the_initiatives_without_every_enterprises_support(runs):
    """An initiative missing a supporter is refused once at apply and stays initiated."""
    result, db = runs["no-competence-service"]
    waiting = [c for c in cases(db) if c.state == "initiated"]
    assert waiting
    assert result.refusals["no.support-of-the-others"] == len(waiting)
    assert all(len(c.data.get("supporters", [])) < 3 for c in waiting)
    wound_down = [c for c in cases(db) if c.state == "wound_down"]
    assert wound_down and all(c.data["annual_reports"][-1]["goals_met"] for c in wound_down)
    assert not any(c.data["permanent"] for c in wound_down)


def business_events_of(db):
    with nhvflow.open(db) as reg:
        return every_event(reg)


@pytest.mark.parametrize("process", sorted(RESTING))
def test_two_runs_with_one_seed_write_the_same_log(tmp_path, process):
    """Same seed: the same events, ids and business times; another seed: another log."""
    scenario = Scenario(proposals=40, process=process)
    a, b, c = (tmp_path / f"{n}.sqlite" for n in "abc")
    first, second = run(scenario, seed=4, db=a), run(scenario, seed=4, db=b)
    assert first == second
    assert business_events(a) == business_events(b)
    assert [x.id for x in cases(a)] == [case_id(4, i) for i in range(40)]
    run(scenario, seed=5, db=c)
    assert business_events(a) != business_events(c)


def test_the_new_outcomes_are_validated_and_survive_toml(tmp_path):
    """The regimes' outcome fields load from TOML, round-trip, and a bad one names its field."""
    path = tmp_path / "kc.toml"
    path.write_text(
        'process = "kc-proposal"\n[outcomes]\nfinancing = { agency = 1 }\n'
        "multi_year_grant = 0.0\nenterprise_supports = 1.0\ngoals_met = 0.5\n",
        encoding="utf-8",
    )
    s = Scenario.from_toml(path)
    assert s.process == "kc-proposal" and s.outcomes.financing == {"agency": 1.0}
    assert s.outcomes.goals_met == 0.5
    assert Scenario.from_dict(s.to_dict()) == s
    for data, field in [
        ({"outcomes": {"financing": {"lottery": 1}}}, "outcomes.financing.lottery"),
        ({"outcomes": {"financing": {"agency": 0}}}, "outcomes.financing"),
        ({"outcomes": {"goals_met": 2}}, "outcomes.goals_met"),
        ({"outcomes": {"enterprise_supports": -0.1}}, "outcomes.enterprise_supports"),
    ]:
        with pytest.raises(ScenarioError) as caught:
            Scenario.from_dict(data)
        assert caught.value.field == field


def test_the_terminal_tables_and_report_of_another_regime_leave_out_nhvs_permits(runs):
    """kc's tables show its steps and rules, and no permit table that would read 0 everywhere."""
    from rich.console import Console

    result, _ = runs["kc-proposal"]
    console = Console(record=True, width=160)
    console.print(render_table(result))
    text = console.export_text()
    assert "Centres and tasks (expert group)" in text and "kc.state-grant-one-year" in text
    assert "Valid permits" not in text
    pytest.importorskip("matplotlib")
    from nhvflow.simulate import render_html

    page = render_html(result)
    assert page.count("<svg") == 2 and 'id="permits"' not in page
    assert "Funnel through the five steps" in page


def test_a_scenario_with_only_procurement_never_asks_for_a_grant(tmp_path):
    """With financing by procurement alone, kc.state-grant-one-year never refuses."""
    scenario = Scenario(
        proposals=40,
        process="kc-proposal",
        outcomes=attrs.evolve(Outcomes(), financing={"procurement": 1}, multi_year_grant=1.0),
    )
    result = run(scenario, seed=2)
    assert "kc.state-grant-one-year" not in result.refusals
    assert result.final_states.get("established", 0) > 30
