"""The proposed competence-centre system (``kc-proposal``): each rule's allow
and refuse paths, and the authorisation matrix."""

from __future__ import annotations

from typing import Any

import pytest

import nhvflow
from nhvflow import Actor, InvalidPayload, Region, TransitionDenied
from nhvflow.fixtures import CRITERIA, expert_group
from nhvflow.rules import kc as r


def violations_of(exc: pytest.ExceptionInfo[TransitionDenied], rule_id: str) -> list[Any]:
    found = [v for v in exc.value.violations if v.rule == rule_id]
    assert found, f"{rule_id} not among {exc.value.rules}"
    for v in found:
        assert v.message and v.message_sv
    return found


@pytest.fixture(name="need")
def _need(reg, kit):
    return reg.submit(Actor.npo(kit.KC_AREA), process="kc-proposal", at=kit.START, **kit.kc_need())


def test_an_advisory_need_walks_to_established_centres(reg, kit, need):
    """The four steps of the report end in centres at the regions that applied."""
    assert need.process == "kc-proposal"
    assert need.state == "need_defined"
    assert need.data["care_measures"] == []
    case = kit.walk_kc(reg, need.id, "established", regions=[Region.SKANE, Region.UPPSALA])
    assert case.state == "established"
    assert [c["region"] for c in case.data["centres"]] == ["SKANE", "UPPSALA"]
    assert case.data["centres"][0]["tasks"] == list(kit.KC_TASKS)
    assert case.data["financing"]["form"] == "state_grant"
    assert [e.type for e in reg.history(case.id)] == [
        "NeedDefined",
        "ExpertGroupAppointed",
        "CentresAndTasksFixed",
        "SystemEffectsAssessed",
        "EstablishmentApplied",
        "EstablishmentApplied",
        "CentresEstablished",
    ]
    case = reg.fire(case.id, "evaluate", Actor.socialstyrelsen(), findings="Bra effekt")
    assert case.data["evaluations"][0]["findings"] == "Bra effekt"


def test_a_recorded_fact_keeps_its_fields_and_time_and_a_listed_one_appends(reg, kit, need):
    """Facts that only record their payload (Fact.recorded) write it under their
    key with the business time, and a listed one adds an item per fact; a
    rebuild from the log gives the same data."""
    case = kit.walk_kc(reg, need.id, "established", regions=[Region.SKANE])
    sos = Actor.socialstyrelsen()
    case = reg.fire(case.id, "evaluate", sos, findings="Ett")
    case = reg.fire(case.id, "evaluate", sos, findings="Två")
    times = [e.occurred_at.isoformat(timespec="microseconds") for e in reg.history(case.id)[-2:]]
    assert case.data["evaluations"] == [
        {"findings": "Ett", "evaluated_at": times[0]},
        {"findings": "Två", "evaluated_at": times[1]},
    ]
    assert case.data["basis"]["tasks"] == list(kit.KC_TASKS)
    assert sorted(case.data["basis"]) == ["centres", "delivered_at", "scope", "tasks"]
    reg.rebuild_projections()
    assert reg.get(case.id).data == case.data


def test_every_rule_of_the_regime_is_proposed_except_the_shared_composition_rule(reg):
    """The regime and its own rules are proposals, with no date of entry into force."""
    process = reg.process("kc-proposal")
    assert process.status == "proposed"
    own = [x for x in process.rules if x.id.startswith("kc.")]
    assert {x.id for x in own} == {
        "kc.responsible-party",
        "kc.number-and-tasks",
        "kc.financing-form",
        "kc.state-grant-one-year",
    }
    for rule in own:
        assert rule.status == "proposed"
        assert rule.valid_from is None and rule.valid_to is None
        assert rule.title_sv and rule.title_en and rule.citation and rule.seed
        assert "Förutsättningar för kompetenscentrum" in rule.doc
    assert process.rule("nhv.expert-group-composition") is not None


class TestExpertGroupComposition:
    def test_allows_a_lawful_group(self, reg, need):
        sos = Actor.socialstyrelsen()
        case = reg.fire(need.id, "appoint_expert_group", sos, experts=expert_group())
        assert case.state == "expert_review"

    def test_the_mapping_pause_of_the_law_in_force_does_not_apply(self, reg, need):
        """No overall mapping is needed before a competence-centre group is appointed."""
        assert reg.mapping_completed_at() is None
        violations = reg.check(
            need.id, "appoint_expert_group", Actor.socialstyrelsen(), experts=expert_group()
        )
        assert violations == []

    @pytest.mark.parametrize("criterion", CRITERIA)
    def test_each_missing_criterion_is_its_own_violation(self, reg, need, criterion):
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                need.id,
                "appoint_expert_group",
                Actor.socialstyrelsen(),
                experts=expert_group(breaking=criterion),
            )
        violations_of(exc, "nhv.expert-group-composition")
        assert [v.criterion for v in exc.value.violations] == [criterion]


def test_the_preparation_group_may_weigh_the_system_effects_without_a_text(reg, kit, need):
    """Like ``prepare_board`` under ``nhv``, the step is the fact; a text is optional."""
    case = kit.walk_kc(reg, need.id, "basis_delivered")
    case = reg.fire(case.id, "assess_system_effects", Actor.socialstyrelsen())
    assert case.state == "prepared"
    assert case.data["system_effects"]["assessment"] == ""


class TestNumberAndTasks:
    def test_refuses_a_basis_without_centres_or_tasks_one_violation_each(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "expert_review")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "deliver_basis", Actor.expert_group(case.id), centres=0, tasks=[])
        found = violations_of(exc, r.number_and_tasks.id)
        assert [v.criterion for v in found] == ["number", "tasks"]
        assert found[0].citation == r.number_and_tasks.citation
        assert reg.get(case.id).state == "expert_review"

    def test_allows_one_centre_with_tasks(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "expert_review")
        group = Actor.expert_group(case.id)
        case = reg.fire(case.id, "deliver_basis", group, centres=1, tasks=["Rådgivning"])
        assert case.data["basis"]["centres"] == 1

    def test_refuses_a_second_application_by_one_region(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "prepared")
        skane = Actor.region(Region.SKANE)
        reg.fire(case.id, "apply_to_establish", skane, unit="SUS")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "apply_to_establish", skane, unit="SUS Lund")
        assert [v.criterion for v in violations_of(exc, "kc.number-and-tasks")] == [
            "one_per_region"
        ]

    def test_refuses_applying_for_tasks_the_basis_does_not_name(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "prepared")
        skane = Actor.region(Region.SKANE)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "apply_to_establish", skane, unit="SUS", tasks=["Kirurgi"])
        assert [v.criterion for v in violations_of(exc, "kc.number-and-tasks")] == ["tasks"]
        case = reg.fire(
            case.id, "apply_to_establish", skane, unit="SUS", tasks=[kit.KC_TASKS[0].upper()]
        )
        assert case.data["applicants"][0]["tasks"] == [kit.KC_TASKS[0].upper()]

    def test_refuses_centres_at_regions_that_did_not_apply(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "prepared")
        reg.fire(case.id, "apply_to_establish", Actor.region(Region.SKANE), unit="SUS")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "establish",
                Actor.socialstyrelsen(),
                regions=[Region.SKANE, Region.GOTLAND, Region.SKANE],
                financing="agency",
                funder="Socialstyrelsen",
            )
        criteria = [v.criterion for v in violations_of(exc, "kc.number-and-tasks")]
        assert criteria == ["applicant", "once"]

    def test_refuses_more_centres_than_the_basis_fixed(self, reg, kit, need):
        regions = [Region.SKANE, Region.UPPSALA, Region.NORRBOTTEN]
        case = kit.walk_kc(reg, need.id, "expert_review")
        reg.fire(case.id, "deliver_basis", Actor.expert_group(case.id), centres=2, tasks=["Råd"])
        reg.fire(case.id, "assess_system_effects", Actor.socialstyrelsen(), assessment="Bra")
        for region in regions:
            reg.fire(case.id, "apply_to_establish", Actor.region(region), unit="Sjukhuset")
        establish = {"financing": "agency", "funder": "Socialstyrelsen"}
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "establish", Actor.socialstyrelsen(), regions=regions, **establish)
        assert [v.criterion for v in violations_of(exc, "kc.number-and-tasks")] == ["number"]
        case = reg.fire(
            case.id, "establish", Actor.socialstyrelsen(), regions=regions[:2], **establish
        )
        assert len(case.data["centres"]) == 2

    def test_establishing_no_centre_is_invalid_input(self, reg, kit, need):
        case = kit.walk_kc(reg, need.id, "prepared", regions=[])
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(case.id, "establish", Actor.socialstyrelsen(), regions=[], financing="agency")
        assert exc.value.field == "regions"


def _prepared_with_skane(reg, kit, need):
    case = kit.walk_kc(reg, need.id, "prepared")
    reg.fire(case.id, "apply_to_establish", Actor.region(Region.SKANE), unit="SUS")
    return case


class TestFinancingForm:
    @pytest.mark.parametrize("form", ["procurement", "state_grant", "agency"])
    def test_allows_each_of_the_three_forms(self, reg, kit, need, form):
        case = _prepared_with_skane(reg, kit, need)
        case = reg.fire(
            case.id,
            "establish",
            Actor.socialstyrelsen(),
            regions=[Region.SKANE],
            financing=form,
            funder="Region Skåne" if form == "procurement" else "Socialstyrelsen",
        )
        assert case.data["financing"]["form"] == form

    def test_refuses_a_form_that_names_no_financing_and_stray_grant_years(self, reg, kit, need):
        """The financing "skulle behöva säkras": a form that names nothing is refused."""
        case = _prepared_with_skane(reg, kit, need)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "establish",
                Actor.socialstyrelsen(),
                regions=[Region.SKANE],
                financing="ingen",
                grant_years=2,
            )
        criteria = [v.criterion for v in violations_of(exc, "kc.financing-form")]
        assert criteria == ["form", "grant_years"]

    @pytest.mark.parametrize(
        ("given", "recorded"),
        [
            ("regions", "regions"),
            ("stöd från regionerna", "regions"),
            ("staten", "state_grant"),
            ("Landstingsförbundets fond", "Landstingsförbundets fond"),
        ],
    )
    def test_regions_the_state_or_another_named_form_are_accepted(
        self, reg, kit, need, given, recorded
    ):
        """Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Kompetenscentrum
        bör utredas vidare": "Finansieringen ... skulle behöva säkras genom stöd från
        regionerna, staten eller på annat sätt"; none of these is refused."""
        case = _prepared_with_skane(reg, kit, need)
        case = reg.fire(
            case.id, "establish", Actor.socialstyrelsen(), regions=[Region.SKANE], financing=given
        )
        assert case.data["financing"]["form"] == recorded

    @pytest.mark.parametrize(
        ("given", "form"),
        [
            ("state grant", "state_grant"),
            ("State-Grant", "state_grant"),
            ("statsbidrag", "state_grant"),
            ("upphandling", "procurement"),
            ("run by an agency", "agency"),
        ],
    )
    def test_the_forms_may_be_spelt_as_the_design_and_the_report_do(
        self, reg, kit, need, given, form
    ):
        """DESIGN §4b says "procurement, state grant, or run by an agency"; the
        report says upphandla, statsbidrag, driva. Each names its form."""
        case = _prepared_with_skane(reg, kit, need)
        case = reg.fire(
            case.id, "establish", Actor.socialstyrelsen(), regions=[Region.SKANE], financing=given
        )
        assert case.data["financing"]["form"] == form
        assert reg.history(case.id)[-1].payload["financing"] == form

    def test_the_funder_is_recorded_when_named_and_not_required(self, reg, kit, need):
        case = _prepared_with_skane(reg, kit, need)
        violations = reg.check(
            case.id,
            "establish",
            Actor.socialstyrelsen(),
            regions=[Region.SKANE],
            financing="state_grant",
        )
        assert violations == []

    def test_grant_years_belong_to_a_state_grant_only(self, reg, kit, need):
        case = _prepared_with_skane(reg, kit, need)
        violations = reg.check(
            case.id,
            "establish",
            Actor.socialstyrelsen(),
            regions=[Region.SKANE],
            financing="procurement",
            funder="Region Skåne",
            grant_years=1,
        )
        assert [(v.rule, v.criterion) for v in violations] == [("kc.financing-form", "grant_years")]


class TestStateGrantOneYear:
    def _establish(self, reg, case, **grant):
        return reg.fire(
            case.id,
            "establish",
            Actor.socialstyrelsen(),
            regions=[Region.SKANE],
            financing="state_grant",
            funder="Socialstyrelsen",
            **grant,
        )

    def test_allows_a_one_year_grant(self, reg, kit, need):
        case = self._establish(reg, _prepared_with_skane(reg, kit, need), grant_years=1)
        assert case.data["financing"]["grant_years"] == 1

    def test_refuses_a_longer_grant_without_the_riksdags_authorisation(self, reg, kit, need):
        case = _prepared_with_skane(reg, kit, need)
        with pytest.raises(TransitionDenied) as exc:
            self._establish(reg, case, grant_years=3)
        found = violations_of(exc, "kc.state-grant-one-year")
        assert [v.criterion for v in found] == ["authorisation"]
        assert "Riksdag" in found[0].message and "riksdagen" in found[0].message_sv

    def test_allows_a_longer_grant_with_the_riksdags_authorisation(self, reg, kit, need):
        case = self._establish(
            reg,
            _prepared_with_skane(reg, kit, need),
            grant_years=3,
            riksdag_authorisation="prop. 2020/21:1 utg.omr. 9, bet. 2020/21:SoU1",
        )
        assert case.data["financing"]["riksdag_authorisation"].startswith("prop.")

    def test_the_authorisation_may_be_recorded_as_true(self, reg, kit, need):
        case = self._establish(
            reg, _prepared_with_skane(reg, kit, need), grant_years=3, riksdag_authorisation=True
        )
        assert case.data["financing"]["riksdag_authorisation"] is True

    def test_an_authorisation_recorded_as_false_is_none(self, reg, kit, need):
        case = _prepared_with_skane(reg, kit, need)
        with pytest.raises(TransitionDenied) as exc:
            self._establish(reg, case, grant_years=2, riksdag_authorisation=False)
        assert [v.criterion for v in violations_of(exc, "kc.state-grant-one-year")] == [
            "authorisation"
        ]

    def test_refuses_a_grant_of_less_than_a_year(self, reg, kit, need):
        case = _prepared_with_skane(reg, kit, need)
        with pytest.raises(TransitionDenied) as exc:
            self._establish(reg, case, grant_years=0)
        assert [v.criterion for v in violations_of(exc, "kc.state-grant-one-year")] == ["years"]


# -- the authorisation matrix ---------------------------------------------------------

STEPS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "appoint_expert_group": ("need_defined", {"experts": expert_group()}, {"sos"}),
    "deliver_basis": ("expert_review", {"centres": 1, "tasks": ["Råd"]}, {"own_group"}),
    "assess_system_effects": ("basis_delivered", {"assessment": "Bra"}, {"sos"}),
    "apply_to_establish": ("prepared", {"unit": "Sjukhuset"}, {"skane", "gotland"}),
    "establish": (
        "prepared",
        {"regions": [Region.SKANE], "financing": "agency", "funder": "Socialstyrelsen"},
        {"sos"},
    ),
    "evaluate": ("established", {}, {"sos"}),
    "close": ("prepared", {"reason": "Behovet täcks av befintliga centrum"}, {"sos"}),
    "withdraw": ("need_defined", {"reason": "NPO drar tillbaka förslaget"}, {"own_npo"}),
}


def test_the_matrix_covers_every_step_of_the_process(reg):
    assert set(STEPS) | {"submit"} == set(reg.process("kc-proposal").transitions)


@pytest.mark.parametrize("trigger", sorted(STEPS))
def test_only_the_responsible_party_may_fire(trigger, kit, snapshot):
    """Every role tries every step; only the responsible party passes."""
    state, payload, responsible = STEPS[trigger]
    reg = nhvflow.open(process="kc-proposal")
    case = reg.submit(Actor.npo(kit.KC_AREA), at=kit.START, **kit.kc_need())
    case = kit.walk_kc(reg, case.id, state, regions=[Region.SKANE])
    kit.assert_only_responsible(
        reg, case, trigger, payload, responsible, "kc.responsible-party", snapshot
    )


def test_only_the_npo_of_the_area_defines_the_need(kit):
    reg = nhvflow.open(process="kc-proposal")
    kit.assert_only_submitters(reg, kit.kc_need(), {"own_npo"}, "kc.responsible-party")


class TestAProposalCanEnd:
    """The report describes no refusal, but a proposal can still end before centres
    are established: Socialstyrelsen closes it, or the NPO withdraws it."""

    def test_socialstyrelsen_closes_a_proposal_before_establishment(self, reg, kit, need):
        """close ends the case in the final state closed, with the reason recorded."""
        case = kit.walk_kc(reg, need.id, "prepared")
        case = reg.fire(case.id, "close", Actor.socialstyrelsen(), reason="Täcks redan")
        assert case.state == "closed" and case.data["closure"]["reason"] == "Täcks redan"
        assert reg.allowed_triggers(case.id, Actor.socialstyrelsen()) == []

    def test_the_npo_withdraws_its_proposal(self, reg, kit, need):
        """withdraw by the NPO of the area ends the case as withdrawn."""
        case = reg.fire(need.id, "withdraw", Actor.npo(kit.KC_AREA), reason="Omprioriterat")
        assert case.state == "withdrawn"

    def test_an_established_proposal_cannot_be_closed(self, reg, kit, need):
        """Once centres are established, the proposal no longer ends by close."""
        case = kit.walk_kc(reg, need.id, "established")
        with pytest.raises(nhvflow.InvalidTrigger):
            reg.fire(case.id, "close", Actor.socialstyrelsen(), reason="För sent")


def test_the_expert_group_rule_is_judged_whatever_the_steps_date(kit):
    """The proposal has no date of entry into force, so the borrowed composition rule
    is never "not in force": a step dated before 2018-07-01 is judged by it."""
    from datetime import UTC, datetime

    reg = nhvflow.open(process="kc-proposal")
    early = datetime(2017, 3, 1, 9, tzinfo=UTC)
    need = reg.submit(Actor.npo(kit.KC_AREA), at=early, **kit.kc_need())
    sos = Actor.socialstyrelsen()
    outcomes = reg.explain(
        need.id, "appoint_expert_group", sos, experts=expert_group(breaking="gender_balance"),
        at=early,
    )  # fmt: skip
    status = {o.rule.id: o.status for o in outcomes}
    assert status["nhv.expert-group-composition"] == "failed"
    with pytest.raises(TransitionDenied):
        reg.fire(
            need.id,
            "appoint_expert_group",
            sos,
            experts=expert_group(breaking="gender_balance"),
            at=early,
        )
