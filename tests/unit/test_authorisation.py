"""The authorisation matrix: every trigger of the law in force against every
kind of actor; only the responsible party passes ``nhv.responsible-party``,
and a refused actor writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

import nhvflow
from nhvflow import Actor, NotAuthorised, PermitGrant, Region, Role
from nhvflow.fixtures import advance, expert_group, proposal

AREA = "Nervsystemets sjukdomar"

# trigger -> (state the case must be in, payload, names of the responsible actors)
STEPS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "appoint_expert_group": ("proposed", {"experts": expert_group()}, {"sos"}),
    "deliver_basis": ("expert_review", {"recommends_nhv": True, "units": 2}, {"own_group"}),
    "open_consultation": ("basis_delivered", {}, {"sos"}),
    "close_consultation": ("consultation", {}, {"sos"}),
    "decide": ("prepared", {"units": 2}, {"sos"}),
    "reject": ("prepared", {"reason": "Inte högspecialiserad"}, {"sos"}),
    "apply_for_permit": ("decided", {"unit": "Sjukhuset"}, {"skane", "gotland"}),
    "prepare_board": ("decided", {}, {"sos"}),
    "grant_permits": ("board_preparation", {"permits": [PermitGrant(Region.SKANE)]}, {"board"}),
    "refer_back": ("board_preparation", {"reason": "Mer beredning"}, {"board"}),
    "report_follow_up": ("permitted", {"year": 2019}, {"skane"}),
    "evaluate": ("permitted", {}, {"sos"}),
    "request_revocation": ("permitted", {}, {"skane"}),
    "revoke_permit": (
        "permitted",
        {"region": Region.SKANE, "ground": "conditions_not_met", "reason": "Villkor"},
        {"board"},
    ),
    "close_not_eligible": (
        "proposed",
        {"rule": "nhv.advisory-requires-concentrated-care", "reason": "Endast rådgivning"},
        {"sos"},
    ),
    "withdraw": ("proposed", {"reason": "Dras tillbaka"}, {"own_npo"}),
}


def actors(case_id: str) -> dict[str, Actor]:
    return {
        "own_npo": Actor.npo(AREA),
        "other_npo": Actor.npo("Ögonsjukdomar"),
        "sos": Actor.socialstyrelsen(),
        "board": Actor.board(),
        "skane": Actor.region(Region.SKANE),
        "gotland": Actor.region(Region.GOTLAND),
        "region_without_principal": Actor(Role.REGION, "Okänd region"),
        "own_group": Actor.expert_group(case_id),
        "other_group": Actor.expert_group("another-case"),
        "ministry": Actor.of(Role.MINISTRY, "Helse- og omsorgsdepartementet"),
    }


def test_the_matrix_covers_every_step_of_the_process():
    """No trigger of the nhv process is left out of the matrix."""
    process = nhvflow.open().process("nhv")
    assert set(STEPS) | {"submit"} == set(process.transitions)


@pytest.mark.parametrize("trigger", sorted(STEPS))
def test_only_the_responsible_party_may_fire(trigger, snapshot):
    state, payload, responsible = STEPS[trigger]
    reg = nhvflow.open()
    case = reg.submit(Actor.npo(AREA), at="2019-03-01T09:00:00+00:00", **proposal(AREA))
    case = advance(reg, case.id, state, regions=[Region.SKANE])
    at = case.updated_at
    for name, actor in actors(case.id).items():
        violations = reg.check(case.id, trigger, actor, at=at, **payload)
        denied = [v for v in violations if v.rule == "nhv.responsible-party"]
        if name in responsible:
            assert not denied, (trigger, name, denied)
        else:
            assert denied, (trigger, name)
            before = snapshot(reg)
            with pytest.raises(NotAuthorised) as exc:
                reg.fire(case.id, trigger, actor, at=at, **payload)
            assert exc.value.rules == ("nhv.responsible-party",)
            assert snapshot(reg) == before
    allowed = {
        name
        for name, actor in actors(case.id).items()
        if trigger in reg.allowed_triggers(case.id, actor, at=at)
    }
    assert allowed == responsible


def test_only_the_npo_of_the_area_may_submit():
    reg = nhvflow.open()
    for name, actor in actors("x").items():
        if name == "own_npo":
            assert reg.submit(actor, **proposal(AREA)).state == "proposed"
        else:
            with pytest.raises(NotAuthorised):
                reg.submit(actor, **proposal(AREA))
    assert len(list(reg.cases())) == 1


def test_area_names_compare_without_case_or_spacing():
    """'Psykisk Hälsa' (as on the seed page) and 'Psykisk hälsa' are one area."""
    reg = nhvflow.open()
    case = reg.submit(Actor.npo("Psykisk Hälsa"), **proposal("psykisk  hälsa"))
    assert case.data["programme_area"] == "psykisk  hälsa"
