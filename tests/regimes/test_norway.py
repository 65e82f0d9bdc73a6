"""Norway's national competence services (``no-competence-service``): each
rule's allow and refuse paths, the establishment grant, and the
authorisation matrix."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import nhvflow
from nhvflow import Actor, InvalidPayload, TransitionDenied
from nhvflow.events.norway import ESTABLISHMENT_GRANT_NOK
from nhvflow.model import HEALTH_ENTERPRISES

PROCESS = "no-competence-service"
INITIATOR = Actor.health_enterprise("Helse Sør-Øst")
OTHERS = [Actor.health_enterprise(n) for n in HEALTH_ENTERPRISES if n != "Helse Sør-Øst"]


def violations_of(exc: pytest.ExceptionInfo[TransitionDenied], rule_id: str) -> list[Any]:
    found = [v for v in exc.value.violations if v.rule == rule_id]
    assert found, f"{rule_id} not among {exc.value.rules}"
    for v in found:
        assert v.message and v.message_sv and v.citation.startswith("Forskrift")
    return found


@pytest.fixture(name="initiative")
def _initiative(reg, kit):
    return reg.submit(INITIATOR, process=PROCESS, at=kit.START, **kit.no_initiative())


def test_an_initiative_walks_to_an_active_service_with_the_grant(reg, kit, initiative):
    """Initiative, support of the other three, review, approval with the one-off grant."""
    assert initiative.data["initiator"] == "Helse Sør-Øst"
    case = kit.walk_no(reg, initiative.id, "active")
    assert case.state == "active"
    assert [s["enterprise"] for s in case.data["supporters"]] == [
        "Helse Vest",
        "Helse Midt-Norge",
        "Helse Nord",
    ]
    assert case.data["establishment_grant"]["nok"] == ESTABLISHMENT_GRANT_NOK == 2_000_000
    assert case.data["establishment_grant"]["to"] == "Helse Sør-Øst"
    approved = reg.history(case.id)[-1]
    assert approved.type == "ServiceApproved"
    assert approved.payload["establishment_grant_nok"] == 2_000_000


def test_the_grant_can_be_recorded_as_paid_and_not_negative(reg, kit, initiative):
    case = kit.walk_no(reg, initiative.id, "reviewed")
    plan = {
        "goals": ["Nettverk"],
        "goals_met_when": "Nettverk i alle regioner",
        "wind_down_estimate": "2040-01-01",
        "permanent": True,
    }
    with pytest.raises(InvalidPayload) as exc:
        reg.fire(case.id, "approve", Actor.ministry(), establishment_grant_nok=-1, **plan)
    assert exc.value.field == "establishment_grant_nok"
    case = reg.fire(case.id, "approve", Actor.ministry(), establishment_grant_nok=1_950_000, **plan)
    assert case.data["establishment_grant"]["nok"] == 1_950_000


def test_the_regime_is_in_force_from_2011(reg, kit):
    """Forskrift 1706 applies from 1 January 2011; earlier steps are refused."""
    process = reg.process(PROCESS)
    assert process.in_force_from.isoformat() == "2011-01-01"
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(
            INITIATOR, process=PROCESS, at="2010-12-31T12:00:00+00:00", **kit.no_initiative()
        )
    assert exc.value.field == "at"
    for rule in process.rules:
        assert rule.valid_from == process.in_force_from
        assert rule.status == "in force" and "Förutsättningar för kompetenscentrum" in rule.doc


def test_an_actor_must_be_one_of_the_four_enterprises():
    with pytest.raises(ValueError, match="four regional health enterprises"):
        Actor.health_enterprise("Helse Øst")
    assert Actor.health_enterprise("helse midt-norge RHF").name == "Helse Midt-Norge"


def test_an_enterprise_may_be_named_without_the_norwegian_letters():
    assert Actor.health_enterprise("Helse Sor-Ost").name == "Helse Sør-Øst"
    assert Actor.health_enterprise("HELSE SOR OST RHF").name == "Helse Sør-Øst"


def test_an_initiative_needs_a_title_but_not_a_field(reg):
    case = reg.submit(INITIATOR, process=PROCESS, title="Nasjonal tjeneste for sjeldne diagnoser")
    assert case.state == "initiated"
    assert case.data["programme_area"] == ""


class TestSupportOfTheOthers:
    def test_refuses_applying_before_every_other_enterprise_supports(self, reg, initiative):
        reg.fire(initiative.id, "support", OTHERS[0])
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(initiative.id, "apply", INITIATOR)
        found = violations_of(exc, "no.support-of-the-others")
        assert [v.criterion for v in found] == ["Helse Midt-Norge", "Helse Nord"]
        assert reg.get(initiative.id).state == "initiated"

    def test_allows_applying_once_all_three_support(self, reg, initiative):
        for other in OTHERS:
            reg.fire(initiative.id, "support", other)
        assert reg.fire(initiative.id, "apply", INITIATOR).state == "under_review"

    def test_an_enterprise_supports_once(self, reg, initiative):
        reg.fire(initiative.id, "support", OTHERS[1])
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(initiative.id, "support", OTHERS[1])
        assert [v.criterion for v in violations_of(exc, "no.support-of-the-others")] == ["once"]


class TestReviewWithExperts:
    def test_refuses_a_review_without_experts(self, reg, kit, initiative):
        case = kit.walk_no(reg, initiative.id, "under_review")
        findings = {"quality_of_course": True, "national_competence": True}
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "review", Actor.directorate(), cost_effectiveness=True, **findings)
        violations_of(exc, "no.review-with-experts")

    def test_allows_a_review_with_experts(self, reg, kit, initiative):
        case = kit.walk_no(reg, initiative.id, "under_review")
        case = reg.fire(
            case.id,
            "review",
            Actor.directorate(),
            experts=["Fagekspert"],
            quality_of_course=False,
            national_competence=True,
            cost_effectiveness=True,
        )
        assert case.state == "reviewed"
        assert case.data["review"]["quality_of_course"] is False


class TestApprovalCriteriaAndPlan:
    PLAN: dict[str, Any] = {  # noqa: RUF012 - read-only test data
        "goals": ["Nettverk i alle helseregioner"],
        "goals_met_when": "Nettverk i drift",
        "wind_down_estimate": "2030-01-01",
    }

    def _reviewed(self, reg, kit, initiative, **found):
        case = kit.walk_no(reg, initiative.id, "under_review")
        criteria = {"quality_of_course": True, "national_competence": True}
        criteria |= {"cost_effectiveness": True} | found
        return reg.fire(case.id, "review", Actor.directorate(), experts=["Ekspert"], **criteria)

    @pytest.mark.parametrize(
        "criterion", ["quality_of_course", "national_competence", "cost_effectiveness"]
    )
    def test_each_missing_criterion_is_its_own_violation(self, reg, kit, initiative, criterion):
        case = self._reviewed(reg, kit, initiative, **{criterion: False})
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "approve", Actor.ministry(), **self.PLAN)
        assert [v.criterion for v in violations_of(exc, "no.approval-criteria")] == [criterion]
        assert exc.value.rules == ("no.approval-criteria",)

    def test_all_three_missing_give_three_violations(self, reg, kit, initiative):
        case = self._reviewed(
            reg,
            kit,
            initiative,
            quality_of_course=False,
            national_competence=False,
            cost_effectiveness=False,
        )
        violations = reg.check(case.id, "approve", Actor.ministry(), **self.PLAN)
        assert len([v for v in violations if v.rule == "no.approval-criteria"]) == 3
        assert reg.fire(case.id, "refuse", Actor.ministry(), reason="Kriterier").state == "refused"

    def test_refuses_a_plan_missing_each_part(self, reg, kit, initiative):
        case = self._reviewed(reg, kit, initiative)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "approve", Actor.ministry())
        found = violations_of(exc, "no.plan")
        assert [v.criterion for v in found] == [
            "goals",
            "goals_met_definition",
            "wind_down_estimate",
        ]

    def test_refuses_a_wind_down_estimate_before_the_approval(self, reg, kit, initiative):
        case = self._reviewed(reg, kit, initiative)
        plan = {**self.PLAN, "wind_down_estimate": "2001-01-01"}
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "approve", Actor.ministry(), **plan)
        assert [v.criterion for v in violations_of(exc, "no.plan")] == ["wind_down_estimate"]

    def test_a_permanent_service_still_estimates_its_wind_down(self, reg, kit, initiative):
        """Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "De ansvariga
        för tjänsten ska skriva en plan ... Planen ska också innehålla ... en uppskattning
        av när tjänsten därmed kan avvecklas" — every plan; the directorate's finding of
        a permanent need is recorded, not an exemption."""
        case = self._reviewed(reg, kit, initiative)
        plan = {**self.PLAN, "wind_down_estimate": None, "permanent": True}
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "approve", Actor.ministry(), **plan)
        assert [v.criterion for v in violations_of(exc, "no.plan")] == ["wind_down_estimate"]
        case = reg.fire(case.id, "approve", Actor.ministry(), **{**plan, **self.PLAN})
        assert case.state == "active" and case.data["permanent"] is True


class TestAnnualReport:
    def test_allows_one_report_a_year_and_refuses_a_second(self, reg, kit, initiative):
        case = kit.walk_no(reg, initiative.id, "active")
        year = case.updated_at.year
        at = datetime(year + 1, 2, 1, tzinfo=UTC)
        case = reg.fire(case.id, "report_annually", INITIATOR, year=year, at=at)
        assert case.data["annual_reports"][0]["year"] == year
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "report_annually", INITIATOR, year=year, at=at)
        assert [v.criterion for v in violations_of(exc, "no.annual-report")] == ["once"]

    def test_refuses_years_before_approval_and_not_yet_begun(self, reg, kit, initiative):
        case = kit.walk_no(reg, initiative.id, "active")
        year = case.updated_at.year
        for wrong in (year - 1, year + 1):
            with pytest.raises(TransitionDenied) as exc:
                reg.fire(case.id, "report_annually", INITIATOR, year=wrong, at=case.updated_at)
            assert [v.criterion for v in violations_of(exc, "no.annual-report")] == ["year"]
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "report_annually", INITIATOR, year=year - 1, at=case.updated_at)
        (found,) = violations_of(exc, "no.annual-report")
        assert f"Report for {year} or a later year" in found.message
        assert f"Rapportera för {year} eller ett senare år" in found.message_sv


class TestWindDownWhenGoalsMet:
    def test_refuses_before_any_report_and_while_goals_are_unmet(self, reg, kit, initiative):
        case = kit.walk_no(reg, initiative.id, "active")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "wind_down", Actor.ministry())
        violations_of(exc, "no.wind-down-when-goals-met")
        year = case.updated_at.year
        at = datetime(year + 1, 2, 1, tzinfo=UTC)
        reg.fire(case.id, "report_annually", INITIATOR, year=year, goals_met=False, at=at)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "wind_down", Actor.ministry(), at=at)
        assert f"({year})" in violations_of(exc, "no.wind-down-when-goals-met")[0].message

    def test_allows_wind_down_once_the_latest_report_says_the_goals_are_met(
        self, reg, kit, initiative
    ):
        case = kit.walk_no(reg, initiative.id, "active")
        year = case.updated_at.year
        at = datetime(year + 2, 2, 1, tzinfo=UTC)
        reg.fire(case.id, "report_annually", INITIATOR, year=year + 1, goals_met=True, at=at)
        reg.fire(case.id, "report_annually", INITIATOR, year=year, goals_met=False, at=at)
        case = reg.fire(case.id, "wind_down", Actor.ministry(), reason="Målene nådd", at=at)
        assert case.state == "wound_down"
        assert reg.allowed_triggers(case.id, Actor.ministry()) == []

    def test_a_report_of_goals_met_makes_the_wind_down_due(self, reg, kit, initiative):
        """ "När målet kan anses ha uppnåtts ska tjänsterna avvecklas": once a report
        says the goals are met, the case records the wind-down as due."""
        case = kit.walk_no(reg, initiative.id, "active")
        year = case.updated_at.year
        at = datetime(year + 1, 2, 1, tzinfo=UTC)
        case = reg.fire(case.id, "report_annually", INITIATOR, year=year, goals_met=True, at=at)
        assert case.data["wind_down_due"]["year"] == year
        assert reg.check(case.id, "wind_down", Actor.ministry(), at=at) == []

    def test_the_ministry_may_wind_down_for_a_recorded_reason(self, reg, kit, initiative):
        """The duty is not a ban: a service, permanent or not, may be wound down
        before its goals are met when the ministry records why."""
        case = kit.walk_no(reg, initiative.id, "active", permanent=True)
        assert reg.check(case.id, "wind_down", Actor.ministry())
        case = reg.fire(
            case.id, "wind_down", Actor.ministry(), reason="Oppgavene overført til RHF-ene"
        )
        assert case.state == "wound_down"
        assert case.data["wind_down"]["reason"] == "Oppgavene overført til RHF-ene"


# -- the authorisation matrix ---------------------------------------------------------

REVIEW = {
    "experts": ["Ekspert"],
    "quality_of_course": True,
    "national_competence": True,
    "cost_effectiveness": True,
}
APPROVAL = {
    "goals": ["Mål"],
    "goals_met_when": "Når",
    "wind_down_estimate": "2040-01-01",
    "permanent": True,
}
OTHER_NAMES = {"Helse Vest", "Helse Midt-Norge", "Helse Nord"}
STEPS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "support": ("initiated", {}, OTHER_NAMES),
    "apply": ("initiated", {}, {"Helse Sør-Øst"}),
    "review": ("under_review", REVIEW, {"directorate"}),
    "approve": ("reviewed", APPROVAL, {"ministry"}),
    "refuse": ("reviewed", {"reason": "Nei"}, {"ministry"}),
    "report_annually": ("active", {"year": 2020}, {"Helse Sør-Øst"}),
    "wind_down": ("active", {"reason": "Overført"}, {"ministry"}),
}


def test_the_matrix_covers_every_step_of_the_process(reg):
    assert set(STEPS) | {"submit"} == set(reg.process(PROCESS).transitions)


@pytest.mark.parametrize("trigger", sorted(STEPS))
def test_only_the_responsible_party_may_fire(trigger, kit, snapshot):
    """Every role tries every step; only the responsible party passes."""
    state, payload, responsible = STEPS[trigger]
    reg = nhvflow.open(process=PROCESS)
    case = reg.submit(INITIATOR, at=kit.START, **kit.no_initiative())
    case = kit.walk_no(reg, case.id, state)
    kit.assert_only_responsible(
        reg, case, trigger, payload, responsible, "no.responsible-party", snapshot
    )


def test_only_a_regional_health_enterprise_takes_the_initiative(kit):
    reg = nhvflow.open(process=PROCESS)
    kit.assert_only_submitters(
        reg, kit.no_initiative(), set(HEALTH_ENTERPRISES), "no.responsible-party"
    )
    assert {c.data["initiator"] for c in reg.cases()} == set(HEALTH_ENTERPRISES)
