"""Under the law in force, every advisory-only proposal is refused at the
decision by nhv.advisory-requires-concentrated-care and closed as not
eligible; an advisory mission beside care measures is decided."""

from __future__ import annotations

from nhvflow.simulate import Scenario, run

from .conftest import business_events, cases

RULE = "nhv.advisory-requires-concentrated-care"


def test_the_advisory_only_share_ends_refused_then_not_eligible(tmp_path):
    """In the default population each advisory-only proposal is refused once, then closed."""
    db = tmp_path / "log.sqlite"
    result = run(Scenario(proposals=120), seed=21, db=db)
    advisory_only = [c for c in cases(db) if c.data["advisory"] and not c.data["care_measures"]]
    assert len(advisory_only) > 10
    assert {c.state for c in advisory_only} == {"not_eligible"}
    assert {c.data["closure"]["rule"] for c in advisory_only} == {RULE}
    assert result.refusals[RULE] == len(advisory_only)
    assert result.final_states_by_kind["advisory_only"] == {"not_eligible": len(advisory_only)}
    assert result.advisory_only_not_eligible == len(advisory_only)
    closed = [e for e in business_events(db) if e[3] == "ClosedNotEligible"]
    assert len(closed) == len(advisory_only)


def test_an_advisory_mission_beside_care_is_decided(tmp_path):
    """Proposals with care measures and an advisory mission are never refused by the rule."""
    db = tmp_path / "log.sqlite"
    scenario = Scenario(proposals=60, advisory_only_share=0.0, advisory_with_care_share=1.0)
    result = run(scenario, seed=22, db=db)
    decisions = [e[5] for e in business_events(db) if e[3] == "NhvDecided"]
    assert decisions and all(d["advisory_mission"] and d["care_measures"] for d in decisions)
    assert RULE not in result.refusals
    assert "not_eligible" not in result.final_states
