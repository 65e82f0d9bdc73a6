"""Refused steps are counted by the rule that refused them, and the
simulated actors then take the path a real actor would."""

from __future__ import annotations

import attrs

import nhvflow
from nhvflow.simulate import Durations, Fixed, Outcomes, run

from .conftest import business_events, cases, small

CARE_ONLY = {"advisory_only_share": 0.0, "advisory_with_care_share": 0.0}


def decided_units(path):
    return [e[5]["units"] for e in business_events(path) if e[3] == "NhvDecided"]


def test_a_non_pilot_waits_for_a_mapping_that_never_comes(tmp_path):
    """Without the mapping, every non-pilot is refused once by the pause and stays proposed."""
    db = tmp_path / "log.sqlite"
    result = run(small(mapping_completed=None), seed=2, db=db)
    non_pilots = result.proposals - result.pilots
    assert result.pilots > 0 and non_pilots > 0
    assert result.refusals["nhv.mapping-pause"] == non_pilots
    assert result.final_states["proposed"] == non_pilots
    assert all(c.data["pilot"] for c in cases(db) if c.state != "proposed")
    with nhvflow.open(db) as reg:
        assert reg.mapping_completed_at() is None


def test_a_decision_refused_for_too_many_units_is_taken_at_five(tmp_path):
    """Every basis asks for seven units; each decision is refused once and taken at five."""
    db = tmp_path / "log.sqlite"
    outcomes = Outcomes(units={7: 1.0}, decide_when_not_recommended=1.0)
    result = run(small(outcomes=outcomes, **CARE_ONLY), seed=4, db=db)
    units = decided_units(db)
    assert units and set(units) == {5}
    assert result.refusals["nhv.max-five-units"] == len(units)
    assert result.refused_steps["decide"] == len(units)


def test_applications_after_the_window_are_refused_and_dropped(tmp_path):
    """Applications 200 days after the decision fall outside the three-month window."""
    db = tmp_path / "log.sqlite"
    durations = attrs.evolve(Durations(), application=Fixed(200))
    outcomes = Outcomes(applicants={3: 1.0}, decide_when_not_recommended=1.0)
    result = run(small(durations=durations, outcomes=outcomes, **CARE_ONLY), seed=6, db=db)
    decided = len(decided_units(db))
    assert decided > 0
    assert result.refusals["nhv.application-window"] == 3 * decided
    assert result.refusals["nhv.permit-needs-application"] == decided
    assert result.final_states["decided"] == decided
    assert result.permits == 0
    assert not [e for e in business_events(db) if e[3] == "PermitApplied"]


def test_an_unlawful_expert_group_is_refused_and_recomposed(tmp_path):
    """Every first group breaks a criterion; each is refused once, then a lawful one serves."""
    db = tmp_path / "log.sqlite"
    result = run(small(outcomes=Outcomes(flawed_expert_group=1.0)), seed=8, db=db)
    assert result.refusals["nhv.expert-group-composition"] == result.proposals
    assert result.funnel["2"] == result.proposals


def test_special_conditions_without_a_recorded_need_are_refused_then_left_out(tmp_path):
    """The board asks for special conditions the basis never supported; it grants without."""
    db = tmp_path / "log.sqlite"
    outcomes = Outcomes(
        special_conditions=1.0, knowledge_spreading_need=0.0, board_grants=1.0,
        decide_when_not_recommended=1.0, applicants={2: 1.0},
    )  # fmt: skip
    result = run(small(outcomes=outcomes, **CARE_ONLY), seed=9, db=db)
    grants = [e for e in business_events(db) if e[3] == "PermitsGranted"]
    assert grants
    assert result.refusals["nhv.special-conditions-need-basis"] == len(grants)
    assert all(not p["special_conditions"] for e in grants for p in e[5]["permits"])


def test_a_refused_step_writes_nothing_and_every_accepted_one_one_event(tmp_path):
    """The events counted are exactly the events in the log, and the log verifies."""
    db = tmp_path / "log.sqlite"
    result = run(small(), seed=10, db=db)
    assert sum(result.refusals.values()) > 0
    with nhvflow.open(db) as reg:
        assert reg.store.count_events() == result.events
        report = reg.verify(projections=True)
    assert report.ok, report
