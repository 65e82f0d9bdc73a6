"""Cases of every regime live in one log: each is judged by its own process,
replays identically and verifies; and the same advisory-only proposal fares
differently under the law in force, the proposed competence-centre system
and the Norwegian model."""

from __future__ import annotations

from datetime import timedelta

import pytest

import nhvflow
from nhvflow import Actor, Region, TransitionDenied
from nhvflow.fixtures import advance, proposal

BUILTIN = {"nhv", "kc-proposal", "no-competence-service", "ern-membership"}


def _fill(reg, kit):
    """One case of each regime, each walked to its end, in one log (the
    area of the nhv case designated as a pilot first: a registry event)."""
    npo = Actor.npo(kit.KC_AREA)
    reg.designate_pilot(Actor.socialstyrelsen(), programme_area=kit.KC_AREA, at=kit.START)
    nhv = reg.submit(npo, process="nhv", at=kit.START, **proposal(kit.KC_AREA))
    nhv = advance(reg, nhv.id, "permitted")
    kc = reg.submit(npo, process="kc-proposal", at=kit.START, **kit.kc_need())
    kc = kit.walk_kc(reg, kc.id, "established")
    no = reg.submit(
        Actor.health_enterprise("Helse Vest"),
        process="no-competence-service",
        at=kit.START,
        **kit.no_initiative(),
    )
    no = kit.walk_no(reg, no.id, "active")
    provider = Actor.provider("Rikshospitalet", "NO")
    ern = reg.submit(provider, process="ern-membership", at=kit.START, **kit.ern_application())
    ern = kit.walk_ern(reg, ern.id, "member")
    ern = reg.fire(
        ern.id,
        "hold_consultation",
        Actor.coordinator(kit.NETWORK),
        reference="CPMS-42A",
        experts=4,
        countries=["NO", "SE"],
        outcome="treatment_abroad",
    )
    return {c.process: c for c in (nhv, kc, no, ern)}


def test_the_builtin_processes_are_the_four_regimes(reg):
    assert set(nhvflow.states.builtin_processes()) == BUILTIN
    assert set(reg.processes) == BUILTIN
    assert reg.process("kc-proposal").status == "proposed"


def test_cases_of_every_regime_share_one_log_and_replay_identically(file_reg, kit, snapshot):
    """rebuild_projections gives back exactly the live projections; verify passes."""
    cases = _fill(file_reg, kit)
    assert {p: c.state for p, c in cases.items()} == {
        "nhv": "permitted",
        "kc-proposal": "established",
        "no-competence-service": "active",
        "ern-membership": "member",
    }
    for process, case in cases.items():
        assert [c.id for c in file_reg.cases(process=process)] == [case.id]
        assert file_reg.get(case.id) == case
    before = snapshot(file_reg)
    assert file_reg.rebuild_projections() == 4
    assert snapshot(file_reg) == before
    report = file_reg.verify(projections=True)
    assert report.ok, report.problems
    registry_events = 1  # the pilot designation
    assert report.checked == registry_events + sum(
        len(file_reg.history(c.id)) for c in cases.values()
    )


def test_a_case_is_judged_by_its_own_process(reg, kit):
    """Triggers of one regime do not exist for a case of another."""
    cases = _fill(reg, kit)
    with pytest.raises(nhvflow.InvalidTrigger) as exc:
        reg.fire(cases["kc-proposal"].id, "grant_permits", Actor.board(), permits=[])
    assert exc.value.process == "kc-proposal" and not exc.value.known
    assert reg.allowed_triggers(cases["kc-proposal"].id, Actor.socialstyrelsen()) == ["evaluate"]
    # In permitted, Socialstyrelsen may also prepare the board on applications for a
    # place a revocation freed (rejected by the rules while no place is free).
    assert reg.allowed_triggers(cases["nhv"].id, Actor.socialstyrelsen()) == [
        "prepare_board",
        "evaluate",
    ]


def test_a_reopened_log_keeps_its_cases_and_takes_a_default_regime(tmp_path, kit):
    path = tmp_path / "mixed.sqlite"
    with nhvflow.open(path) as reg:
        cases = _fill(reg, kit)
    with nhvflow.open(path, process="kc-proposal") as reg:
        assert reg.default_process == "kc-proposal"
        for case in cases.values():
            assert reg.get(case.id) == case
        new = reg.submit(Actor.npo(kit.KC_AREA), **kit.kc_need())
        assert new.process == "kc-proposal" and new.state == "need_defined"
        ern = cases["ern-membership"].id
        admitted = next(e for e in reg.history(ern) if e.type == "MemberAdmitted")
        as_of = admitted.occurred_at - timedelta(days=1)
        assert reg.get(ern, as_of=as_of).state == "assessed"
        assert reg.verify(projections=True).ok
    with pytest.raises(ValueError, match="unknown process"):
        nhvflow.open(path, process="no-such-regime")


def test_an_idempotent_submission_under_another_regime_is_written_once(reg, kit):
    enterprise = Actor.health_enterprise("Helse Nord")
    first = reg.submit(
        enterprise, process="no-competence-service", idempotency_key="k1", **kit.no_initiative()
    )
    again = reg.submit(
        enterprise, process="no-competence-service", idempotency_key="k1", **kit.no_initiative()
    )
    assert again == first
    assert len(list(reg.events())) == 1


def test_an_advisory_only_proposal_fares_differently_under_each_regime(reg, kit):
    """One proposal, submitted unchanged: refused under nhv, established under
    kc-proposal, approved as a Norwegian competence service."""
    title = "Nationellt kompetenscentrum för reumatiska sjukdomar hos barn"
    area = kit.KC_AREA
    same = proposal(area, title=title, advisory=True)
    assert same["care_measures"] == []
    npo = Actor.npo(area)
    sos = Actor.socialstyrelsen()
    reg.complete_mapping(sos, at=kit.START)

    nhv = reg.submit(npo, at=kit.START, **same)
    nhv = advance(reg, nhv.id, "prepared")
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(nhv.id, "decide", sos, units=1, at=nhv.updated_at + timedelta(days=1))
    assert exc.value.rules == ("nhv.advisory-requires-concentrated-care",)
    nhv = reg.fire(
        nhv.id,
        "close_not_eligible",
        sos,
        rule="nhv.advisory-requires-concentrated-care",
        reason="Endast rådgivning",
        at=nhv.updated_at + timedelta(days=1),
    )
    assert nhv.state == "not_eligible"

    kc = reg.submit(npo, process="kc-proposal", at=kit.START, **same)
    kc = kit.walk_kc(reg, kc.id, "established", regions=[Region.VASTRA_GOTALAND])
    assert [c["region"] for c in kc.data["centres"]] == ["VASTRA_GOTALAND"]

    enterprise = Actor.health_enterprise("Helse Sør-Øst")
    no = reg.submit(enterprise, process="no-competence-service", at=kit.START, **same)
    no = kit.walk_no(reg, no.id, "active")
    assert no.data["establishment_grant"]["nok"] == 2_000_000

    for case in (nhv, kc, no):
        assert (case.data["title"], case.data["programme_area"]) == (title, area)
        assert (case.data["care_measures"], case.data["advisory"]) == ([], True)
    assert {c.process: c.state for c in reg.cases()} == {
        "nhv": "not_eligible",
        "kc-proposal": "established",
        "no-competence-service": "active",
    }
    assert reg.verify(projections=True).ok
