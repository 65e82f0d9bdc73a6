"""Each rule of the law in force: a step it allows and a step it refuses,
asserting the rule id and citation of the refusal."""

from __future__ import annotations

from datetime import timedelta

import pytest

import nhvflow
import nhvflow._docs
from nhvflow import Actor, PermitGrant, Region, TransitionDenied
from nhvflow.fixtures import CRITERIA, advance, expert_group, proposal
from nhvflow.rules import nhv as r


def refusal(exc: pytest.ExceptionInfo[TransitionDenied], rule_id: str) -> nhvflow.Violation:
    found = [v for v in exc.value.violations if v.rule == rule_id]
    assert found, f"{rule_id} not among {exc.value.rules}"
    rule = next(x for x in r.RULES if x.id == rule_id)
    assert found[0].citation == rule.citation
    assert found[0].message and found[0].message_sv
    return found[0]


class TestAdvisoryRequiresConcentratedCare:
    """Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Sammanfattning":
    "Socialstyrelsen kan alltså inte besluta om nationella kompetenscentrum som enbart
    ger råd till den övriga hälso- och sjukvården, utan att diagnostisera eller
    behandla patienter." and "Slutsats": "Socialstyrelsen kan inte besluta att
    koncentrera rådgivning ... om inte vårdåtgärder inom området koncentreras på samma
    sätt." """

    AREA = "Reumatiska sjukdomar"

    def _prepared(self, reg, clock, sos, **kw):
        reg.complete_mapping(sos, at=clock())
        case = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA, **kw))
        return advance(reg, case.id, "prepared")

    def test_refuses_deciding_an_advisory_only_proposal(self, reg, clock, sos):
        """An advisory-only proposal can be submitted but not decided."""
        case = self._prepared(reg, clock, sos, advisory=True, title="Kompetenscentrum")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "decide", sos, units=1, advisory_mission=True, at=clock(400))
        v = refusal(exc, "nhv.advisory-requires-concentrated-care")
        assert "care measures" in v.message
        assert reg.get(case.id).state == "prepared"

    def test_refuses_an_advisory_mission_without_care_even_unflagged(self, reg, clock, sos):
        """An advisory mission in the decision needs care measures in the decision."""
        case = reg.submit(
            Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal(care_measures=[])
        )
        advance(reg, case.id, "prepared")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "decide", sos, units=2, advisory_mission=True, at=clock(400))
        refusal(exc, "nhv.advisory-requires-concentrated-care")

    def test_refuses_a_decision_without_care_whatever_the_flags(self, reg, clock, sos):
        """With neither advisory nor advisory_mission set, a decision that
        concentrates no care measure is still refused: NHV is care."""
        case = reg.submit(
            Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal(care_measures=[])
        )
        advance(reg, case.id, "prepared")
        assert reg.get(case.id).data["advisory"] is False
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "decide", sos, units=2, at=clock(400))
        v = refusal(exc, "nhv.advisory-requires-concentrated-care")
        assert "no care measures" in v.message

    def test_refuses_a_decision_that_drops_the_basis_care_measures(self, reg, clock, sos):
        """An explicit empty list of care measures overrides the basis, and is refused."""
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal())
        advance(reg, case.id, "prepared")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "decide", sos, units=2, care_measures=[], at=clock(400))
        refusal(exc, "nhv.advisory-requires-concentrated-care")

    def test_the_decision_defaults_to_the_basis_care_measures(self, reg, clock, sos):
        """The facts are the record's: a basis that names no care measure leaves the
        decision without any, whatever the proposal asked for, and it is refused."""
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal())
        case = advance(reg, case.id, "expert_review")
        group = Actor.expert_group(case.id)
        reg.fire(case.id, "deliver_basis", group, recommends_nhv=True, units=2, at=clock(100))
        case = advance(reg, case.id, "prepared")
        assert case.data["care_measures"] and not case.data["basis"]["care_measures"]
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "decide", sos, units=2, at=clock(400))
        refusal(exc, "nhv.advisory-requires-concentrated-care")

    def test_allows_an_advisory_mission_with_concentrated_care(self, reg, clock, sos):
        """Advice may ride on a decision that concentrates care measures."""
        case = self._prepared(reg, clock, sos, advisory=True, care_measures=["Vaskulitbehandling"])
        case = reg.fire(case.id, "decide", sos, units=3, advisory_mission=True, at=clock(400))
        assert case.state == "decided"
        assert case.data["decision"]["care_measures"] == ["Vaskulitbehandling"]

    def test_every_permit_carries_the_decided_care_measures(self, reg, clock, sos):
        """A permit is for care: it records the care measures the decision concentrated."""
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=clock(), **proposal())
        case = advance(reg, case.id, "permitted")
        decided = case.data["decision"]["care_measures"]
        assert decided
        assert all(p["care_measures"] == decided for p in case.data["permits"])

    def test_closing_as_not_eligible_cites_the_rule(self, reg, clock, sos):
        """Socialstyrelsen closes the advisory-only proposal citing this rule."""
        case = self._prepared(reg, clock, sos, advisory=True)
        case = reg.fire(
            case.id,
            "close_not_eligible",
            sos,
            rule="nhv.advisory-requires-concentrated-care",
            reason="Rådgivning utan koncentrerad vård",
            at=clock(400),
        )
        assert case.state == "not_eligible"
        assert case.data["closure"]["rule"] == "nhv.advisory-requires-concentrated-care"


class TestProposalNominatesExperts:
    """Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019): "Steg 1 - Ta
    fram förslag till vårdområden som ska genomlysas och nominera sakkunniga till
    steg 2." """

    def test_refuses_a_proposal_without_nominated_experts(self, reg, npo, clock):
        """Step 1 nominates experts: a proposal with none is refused and writes nothing."""
        kw = {**proposal(), "nominated_experts": []}
        with pytest.raises(TransitionDenied) as exc:
            reg.submit(npo, at=clock(), **kw)
        v = refusal(exc, "nhv.proposal-nominates-experts")
        assert "nominated_experts" in v.message
        assert list(reg.cases()) == []

    def test_allows_a_proposal_with_one_nominee(self, reg, npo, clock):
        """One nominated expert is enough."""
        kw = {**proposal(), "nominated_experts": expert_group()[:1]}
        assert reg.submit(npo, at=clock(), **kw).state == "proposed"


class TestMaxFiveUnits:
    @pytest.mark.parametrize("units", [0, 6, 21])
    def test_refuses_a_decision_outside_one_to_five(self, reg, submitted, sos, units):
        """A decision names 1 to 5 units."""
        advance(reg, submitted.id, "prepared")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(submitted.id, "decide", sos, units=units, at=reg.get(submitted.id).updated_at)
        v = refusal(exc, "nhv.max-five-units")
        assert f"{units} units were asked for" in v.message

    @pytest.mark.parametrize("units", [1, 5])
    def test_allows_one_to_five(self, reg, submitted, sos, units):
        advance(reg, submitted.id, "prepared")
        at = reg.get(submitted.id).updated_at
        assert reg.check(submitted.id, "decide", sos, units=units, at=at) == []
        assert reg.fire(submitted.id, "decide", sos, units=units, at=at).data["units"] == units

    def test_refuses_permits_beyond_the_units_decided(self, reg, submitted, board):
        """The board cannot grant more permits than units were decided."""
        case = advance(
            reg, submitted.id, "board_preparation", units=1, regions=[Region.SKANE, Region.UPPSALA]
        )
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "grant_permits",
                board,
                permits=[PermitGrant(Region.SKANE), PermitGrant(Region.UPPSALA)],
                at=case.updated_at,
            )
        refusal(exc, "nhv.max-five-units")
        granted = reg.fire(
            case.id,
            "grant_permits",
            board,
            permits=[PermitGrant(Region.UPPSALA)],
            at=case.updated_at,
        )
        assert [p["region"] for p in granted.valid_permits] == ["UPPSALA"]


class TestApplicationWindow:
    def test_refuses_an_application_after_the_last_day(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "prepared")
        decided = reg.fire(
            case.id, "decide", sos, units=2, applications_due="2030-01-31", at=case.updated_at
        )
        assert decided.data["decision"]["applications_due"] == "2030-01-31"
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "apply_for_permit",
                Actor.region(Region.SKANE),
                unit="SUS",
                at="2030-02-01T08:00:00+00:00",
            )
        refusal(exc, "nhv.application-window")

    def test_allows_an_application_on_the_last_day(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "prepared")
        reg.fire(case.id, "decide", sos, units=2, applications_due="2030-01-31", at=case.updated_at)
        case = reg.fire(
            case.id,
            "apply_for_permit",
            Actor.region(Region.SKANE),
            unit="SUS",
            at="2030-01-31T23:00:00+00:00",
        )
        assert case.data["applicants"][0]["region"] == "SKANE"

    def test_default_window_is_three_months(self, reg, submitted, sos):
        """Without a last day of its own, the decision takes the registry's default."""
        case = advance(reg, submitted.id, "prepared")
        case = reg.fire(case.id, "decide", sos, units=2, at="2029-11-30T10:00:00+00:00")
        assert case.data["decision"]["applications_due"] == "2030-02-28"

    def test_the_default_period_is_a_setting_of_practice_never_law(self):
        """HSLF-FS 2018:48 3 kap. 1 §: the request for applications sets the period;
        neither the regulation nor Socialstyrelsen's page sets its length, so the
        three months are a setting of kind practice, not cited as law."""
        setting = r.APPLICATION_PERIOD
        assert (setting.id, setting.value, setting.unit, setting.kind) == (
            "nhv.application-period",
            3,
            "months",
            "practice",
        )
        assert setting in r.SETTINGS
        rule = r.application_window
        assert "three months" not in rule.citation and "3 months" not in rule.title_en
        assert "practice" in rule.doc and "not law" in rule.doc
        catalogue = nhvflow._docs.rules_md(nhvflow.states.builtin_processes())
        assert "| `nhv.application-period` | 3 months | practice |" in catalogue

    def test_no_refusal_presents_the_period_as_law(self, reg, submitted):
        """A late application is refused by the period Socialstyrelsen set, not by a
        statutory three months."""
        case = advance(reg, submitted.id, "decided")
        late = case.updated_at + timedelta(days=200)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "apply_for_permit", Actor.region(Region.UPPSALA), unit="A", at=late)
        v = refusal(exc, "nhv.application-window")
        assert "month" not in v.message and "månad" not in v.message_sv

    def test_refuses_a_last_day_before_the_decision(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "prepared")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id, "decide", sos, units=2, applications_due="2001-01-01", at=case.updated_at
            )
        refusal(exc, "nhv.application-window")


class TestExpertGroupComposition:
    def test_allows_a_lawful_group(self, reg, submitted, sos, clock):
        case = reg.fire(
            submitted.id, "appoint_expert_group", sos, experts=expert_group(), at=clock()
        )
        assert case.state == "expert_review"
        assert len(case.data["expert_group"]) == 7

    @pytest.mark.parametrize("criterion", CRITERIA)
    def test_each_missing_criterion_is_its_own_violation(
        self, reg, submitted, sos, clock, criterion
    ):
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                submitted.id,
                "appoint_expert_group",
                sos,
                experts=expert_group(breaking=criterion),
                at=clock(),
            )
        v = refusal(exc, "nhv.expert-group-composition")
        assert [x.criterion for x in exc.value.violations] == [criterion]
        assert v.criterion == criterion

    def test_an_empty_group_fails_every_applicable_criterion(self, reg, submitted, sos, clock):
        violations = reg.check(submitted.id, "appoint_expert_group", sos, experts=[], at=clock())
        assert {v.criterion for v in violations} == {
            "clinical_legitimacy",
            "scientific_legitimacy",
            "multiprofessional",
            "whole_country",
            "patient_representation",
        }

    def test_halland_counts_for_both_its_healthcare_regions(self, reg, submitted, sos, clock):
        group = [e for e in expert_group() if e.region is not Region.SKANE]
        group.append(
            expert_group()[5].__class__(
                "Hanna Hall",
                "läkare",
                Region.HALLAND,
                "male",
                clinical=True,
                scientific=True,
                interests_declared=True,
                time_allotted=True,
            )
        )
        group = [e for e in group if e.region is not Region.VASTRA_GOTALAND]
        group.append(
            expert_group()[4].__class__(
                "Ida Ek",
                "fysioterapeut",
                Region.BLEKINGE,
                "female",
                clinical=True,
                interests_declared=True,
                time_allotted=True,
            )
        )
        violations = reg.check(submitted.id, "appoint_expert_group", sos, experts=group, at=clock())
        assert violations == []


class TestMappingPause:
    """Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019): "Därför kommer
    inga nya sakkunniggrupper startas upp förrän den övergripande kartläggningen av
    samtliga vårdområden är genomförd. Piloternas sakkunniggrupper som redan är igång
    fortsätter arbetet enligt plan." and "Kvinnosjukdomar och förlossning (Pilot)",
    "Nervsystemets sjukdomar (Pilot)"."""

    AREA = "Psykisk Hälsa"

    def test_refuses_a_group_for_a_non_pilot_before_the_mapping(self, reg, sos, clock):
        """Outside the pilot areas, no expert group is appointed during the pause."""
        case = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA))
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
        assert self.AREA in refusal(exc, "nhv.mapping-pause").message

    def test_allows_pilots_during_the_pause(self, reg, npo, sos, clock):
        """A proposal of an area the page marks as a pilot goes on during the pause."""
        case = reg.submit(npo, at=clock(), **proposal(pilot=True))
        assert (
            reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock()).state
            == "expert_review"
        )

    def test_the_pilot_area_decides_not_the_flag(self, reg, npo, sos, clock):
        """A proposal of a designated area is a pilot even when submitted with pilot=False."""
        case = reg.submit(npo, at=clock(), **proposal(pilot=False))
        case = reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
        assert case.state == "expert_review"

    def test_refuses_a_pilot_flag_outside_the_designated_areas(self, reg, clock):
        """pilot=True outside a designated area is refused at submit, naming the pilots."""
        with pytest.raises(TransitionDenied) as exc:
            reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA, pilot=True))
        v = refusal(exc, "nhv.mapping-pause")
        assert "Kvinnosjukdomar och förlossning" in v.message
        assert "Nervsystemets sjukdomar" in v.message
        assert "designate_pilot" in v.message
        assert list(reg.cases()) == []

    def test_socialstyrelsen_may_designate_another_pilot_area(self, file_reg, sos, clock):
        """A designation is a recorded registry event: from its time on, the area's
        proposals are pilots, and a rebuild and verify come out identical."""
        reg = file_reg
        case = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA))
        before = clock()
        designated_at = clock()
        event = reg.designate_pilot(
            sos, programme_area=self.AREA, at=designated_at, reason="Pilot för psykiatrin"
        )
        assert event.type == "PilotDesignated" and event.stream_id == "registry"
        assert reg.pilot_designations() == {self.AREA: designated_at}
        again = reg.designate_pilot(sos, programme_area="psykisk hälsa", at=clock())
        assert again == event
        paused = reg.check(case.id, "appoint_expert_group", sos, experts=expert_group(), at=before)
        assert [v.rule for v in paused] == ["nhv.mapping-pause"]
        case = reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())
        assert case.state == "expert_review"
        flagged = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA, pilot=True))
        assert flagged.data["pilot"] is True
        rows = reg.store.projection_rows()
        reg.rebuild_projections()
        assert reg.store.projection_rows() == rows
        assert reg.verify(projections=True).ok

    def test_only_socialstyrelsen_designates_pilots(self, reg, board, clock):
        """The board cannot designate a pilot area; nothing is written."""
        with pytest.raises(nhvflow.NotAuthorised):
            reg.designate_pilot(board, programme_area=self.AREA, at=clock())
        assert list(reg.events()) == []

    def test_a_designation_does_not_stop_the_mapping_from_being_recorded(self, reg, sos, clock):
        """The mapping and the designations share the registry stream, each recorded once."""
        reg.designate_pilot(sos, programme_area=self.AREA, at=clock())
        done = clock()
        reg.complete_mapping(sos, at=done)
        assert reg.mapping_completed_at() == done

    def test_allows_non_pilots_once_the_mapping_is_done(self, reg, sos, clock):
        """After the mapping, any proposal's group may be appointed."""
        case = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA))
        done = clock()
        reg.complete_mapping(sos, at=done)
        assert reg.mapping_completed_at() == done
        assert (
            reg.fire(case.id, "appoint_expert_group", sos, experts=expert_group(), at=clock()).state
            == "expert_review"
        )

    def test_judges_the_pause_at_the_steps_business_time(self, reg, sos, clock):
        """A step dated before the mapping's completion is still paused."""
        case = reg.submit(Actor.npo(self.AREA), at=clock(), **proposal(self.AREA))
        early = clock()
        reg.complete_mapping(sos, at=clock(30))
        violations = reg.check(
            case.id, "appoint_expert_group", sos, experts=expert_group(), at=early
        )
        assert [v.rule for v in violations] == ["nhv.mapping-pause"]


class TestPermitNeedsApplication:
    def test_refuses_a_permit_to_a_region_that_did_not_apply(self, reg, submitted, board):
        case = advance(reg, submitted.id, "board_preparation", regions=[Region.SKANE])
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "grant_permits",
                board,
                permits=[PermitGrant(Region.GOTLAND)],
                at=case.updated_at,
            )
        refusal(exc, "nhv.permit-needs-application")

    def test_refuses_a_second_application_by_one_region(self, reg, submitted):
        case = advance(reg, submitted.id, "decided")
        skane = Actor.region(Region.SKANE)
        reg.fire(case.id, "apply_for_permit", skane, unit="SUS", at=reg.get(case.id).updated_at)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id, "apply_for_permit", skane, unit="SUS Lund", at=reg.get(case.id).updated_at
            )
        refusal(exc, "nhv.permit-needs-application")

    def test_refuses_preparing_the_board_with_no_application(self, reg, submitted, sos):
        case = advance(reg, submitted.id, "decided")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "prepare_board", sos, at=case.updated_at)
        refusal(exc, "nhv.permit-needs-application")

    def test_allows_a_permit_to_an_applicant(self, reg, submitted, board):
        case = advance(reg, submitted.id, "board_preparation", regions=[Region.SKANE])
        case = reg.fire(
            case.id, "grant_permits", board, permits=[PermitGrant(Region.SKANE)], at=case.updated_at
        )
        assert case.state == "permitted"
        assert case.permits[0]["unit"] == "Universitetssjukhuset, Region Skåne"


class TestGeneralKnowledgeDuty:
    def test_every_permit_carries_the_general_duty(self, reg, submitted):
        case = advance(reg, submitted.id, "permitted")
        for permit in case.permits:
            rules = [c["rule"] for c in permit["conditions"]]
            assert rules == ["nhv.general-knowledge-duty"]
            assert "sprida kunskap" in permit["conditions"][0]["text"]

    def test_refuses_a_grant_that_rewords_the_duty(self, reg, submitted, board):
        case = advance(reg, submitted.id, "board_preparation")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "grant_permits",
                board,
                permits=[PermitGrant(Region.SKANE)],
                general_duty="Ingen skyldighet att sprida kunskap.",
                at=case.updated_at,
            )
        refusal(exc, "nhv.general-knowledge-duty")


class TestSpecialConditionsNeedBasis:
    def test_refuses_special_conditions_without_a_recorded_need(self, reg, submitted, board):
        case = advance(reg, submitted.id, "board_preparation")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "grant_permits",
                board,
                permits=[PermitGrant(Region.SKANE, ["Nationellt utbildningsansvar"])],
                at=case.updated_at,
            )
        refusal(exc, "nhv.special-conditions-need-basis")

    def test_allows_them_when_the_basis_recorded_the_need(self, reg, submitted, board):
        case = advance(reg, submitted.id, "board_preparation", knowledge_spreading_need=True)
        case = reg.fire(
            case.id,
            "grant_permits",
            board,
            permits=[PermitGrant(Region.SKANE, ["Nationellt utbildningsansvar"])],
            at=case.updated_at,
        )
        conditions = case.permits[0]["conditions"]
        assert [c["rule"] for c in conditions] == [
            "nhv.general-knowledge-duty",
            "nhv.special-conditions-need-basis",
        ]

    def test_allows_them_when_the_consultation_recorded_the_need(self, reg, submitted, sos, board):
        case = advance(reg, submitted.id, "consultation")
        at = case.updated_at + timedelta(days=1)
        reg.fire(case.id, "close_consultation", sos, knowledge_spreading_need=True, at=at)
        case = advance(reg, case.id, "board_preparation", regions=[Region.SKANE])
        case = reg.fire(
            case.id,
            "grant_permits",
            board,
            permits=[PermitGrant(Region.SKANE, ["Telefonrådgivning"])],
            at=case.updated_at,
        )
        assert case.state == "permitted"

    def test_a_case_referred_back_gains_the_need_at_the_board_preparation(
        self, reg, submitted, sos, board
    ):
        """Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Slutsats" p. 2:
        the board may specify the duty to spread knowledge "om det behövs enligt de
        utredningar och beredningar som föregår" the decision; the preparation
        before the board is one of them, so a case referred back can gain the need."""
        case = advance(reg, submitted.id, "board_preparation", regions=[Region.SKANE])
        grant = [PermitGrant(Region.SKANE, ["Nationellt utbildningsansvar"])]
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "grant_permits", board, permits=grant, at=case.updated_at)
        assert "board preparation" in refusal(exc, "nhv.special-conditions-need-basis").message
        at = case.updated_at + timedelta(days=1)
        case = reg.fire(case.id, "refer_back", board, reason="Utred behovet av rådgivning", at=at)
        assert case.state == "decided"
        case = reg.fire(
            case.id, "prepare_board", sos, knowledge_spreading_need=True,
            assessment="Remissvaren visar behov av nationellt utbildningsansvar", at=at,
        )  # fmt: skip
        assert case.data["board_preparations"][-1]["knowledge_spreading_need"] is True
        case = reg.fire(case.id, "grant_permits", board, permits=grant, at=at)
        assert [c["rule"] for c in case.permits[0]["conditions"]][-1] == (
            "nhv.special-conditions-need-basis"
        )

    def test_a_grant_without_special_conditions_needs_no_recorded_need(self, reg, submitted, board):
        """The rule judges knowledge-spreading conditions only: a plain grant passes it."""
        case = advance(reg, submitted.id, "board_preparation", regions=[Region.SKANE])
        violations = reg.check(
            case.id, "grant_permits", board, permits=[PermitGrant(Region.SKANE)],
            at=case.updated_at,
        )  # fmt: skip
        assert violations == []


class TestFreedPlaceFilledAgain:
    """Prop. 2017/18:40: permits hold until further notice and can be revoked; the
    revocation frees one of the units Socialstyrelsen decided (HSF 2017:80 2 kap. 1–2 §:
    it decides at how many units, and on a region's application, the permits). A new
    round of applications and a board decision on them fill it, in the same case."""

    def _revoked(self, reg, submitted, board):
        case = advance(reg, submitted.id, "permitted", units=2)
        at = case.updated_at + timedelta(days=10)
        case = reg.fire(
            case.id, "revoke_permit", board, region=Region.SKANE,
            ground="conditions_not_met", reason="Volymkravet uppfylls inte", at=at,
        )  # fmt: skip
        return case, at

    def test_a_revocation_opens_a_new_round_and_the_board_fills_the_place(
        self, reg, submitted, sos, board
    ):
        """After a revocation a region applies, Socialstyrelsen prepares, the board grants."""
        case, at = self._revoked(reg, submitted, board)
        assert case.state == "permitted" and case.data["application_round"] == 1
        assert case.data["application_window"]["due"] == (
            r.default_applications_due(at.date()).isoformat()
        )
        uppsala = Actor.region(Region.UPPSALA)
        case = reg.fire(case.id, "apply_for_permit", uppsala, unit="Akademiska sjukhuset", at=at)
        assert case.state == "permitted"
        case = reg.fire(case.id, "prepare_board", sos, at=at)
        assert case.state == "permitted"
        case = reg.fire(
            case.id, "grant_permits", board, permits=[PermitGrant(Region.UPPSALA)], at=at
        )
        assert case.state == "permitted"
        assert sorted(p["region"] for p in case.valid_permits) == ["STOCKHOLM", "UPPSALA"]
        assert reg.verify(projections=True).ok

    def test_no_application_while_every_place_is_held(self, reg, submitted):
        """While valid permits fill the units decided, no region may apply."""
        case = advance(reg, submitted.id, "permitted", units=2)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id, "apply_for_permit", Actor.region(Region.UPPSALA), unit="Akademiska",
                at=case.updated_at,
            )  # fmt: skip
        refusal(exc, "nhv.max-five-units")

    def test_the_board_cannot_exceed_the_units_when_refilling(self, reg, submitted, sos, board):
        """nhv.max-five-units: two applicants for one freed place get one permit."""
        case, at = self._revoked(reg, submitted, board)
        for region in (Region.UPPSALA, Region.OREBRO):
            reg.fire(case.id, "apply_for_permit", Actor.region(region), unit="Sjukhuset", at=at)
        reg.fire(case.id, "prepare_board", sos, at=at)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id, "grant_permits", board,
                permits=[PermitGrant(Region.UPPSALA), PermitGrant(Region.OREBRO)], at=at,
            )  # fmt: skip
        refusal(exc, "nhv.max-five-units")

    def test_the_board_decides_only_on_prepared_applications(self, reg, submitted, board):
        """A grant in permitted needs a board preparation since the board's last decision."""
        case, at = self._revoked(reg, submitted, board)
        reg.fire(case.id, "apply_for_permit", Actor.region(Region.UPPSALA), unit="Akad", at=at)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "grant_permits", board, permits=[PermitGrant(Region.UPPSALA)], at=at)
        refusal(exc, "nhv.permit-needs-application")

    def test_the_new_round_has_its_own_window(self, reg, submitted, board):
        """An application after the new round's last day is refused."""
        case, at = self._revoked(reg, submitted, board)
        late = at + timedelta(days=120)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "apply_for_permit", Actor.region(Region.UPPSALA), unit="A", at=late)
        refusal(exc, "nhv.application-window")


class TestFollowUpByHolder:
    def test_allows_one_report_per_year_and_refuses_a_second(self, reg, submitted):
        case = advance(reg, submitted.id, "permitted")
        skane = Actor.region(Region.SKANE)
        year = case.updated_at.year
        at = case.updated_at + timedelta(days=400)
        case = reg.fire(case.id, "report_follow_up", skane, year=year, at=at)
        assert case.data["follow_ups"][0]["year"] == year
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "report_follow_up", skane, year=year, at=at)
        refusal(exc, "nhv.follow-up-by-holder")

    def test_refuses_a_year_that_has_not_begun(self, reg, submitted):
        case = advance(reg, submitted.id, "permitted")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "report_follow_up",
                Actor.region(Region.SKANE),
                year=case.updated_at.year + 1,
                at=case.updated_at,
            )
        refusal(exc, "nhv.follow-up-by-holder")


class TestRevocationGrounds:
    def test_holder_request_needs_the_holders_request(self, reg, submitted, board):
        case = advance(reg, submitted.id, "permitted")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "revoke_permit",
                board,
                region=Region.SKANE,
                ground="holder_request",
                reason="Begärt",
                at=case.updated_at,
            )
        refusal(exc, "nhv.revocation-grounds")
        reg.fire(
            case.id,
            "request_revocation",
            Actor.region(Region.SKANE),
            reason="Flytt",
            at=case.updated_at,
        )
        case = reg.fire(
            case.id,
            "revoke_permit",
            board,
            region=Region.SKANE,
            ground="holder_request",
            reason="Begärt",
            at=case.updated_at,
        )
        skane = next(p for p in case.permits if p["region"] == "SKANE")
        assert skane["valid"] is False and skane["ground"] == "holder_request"

    def test_refuses_revoking_a_permit_that_is_not_held(self, reg, submitted, board):
        case = advance(reg, submitted.id, "permitted")
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                case.id,
                "revoke_permit",
                board,
                region=Region.GOTLAND,
                ground="conditions_not_met",
                reason="-",
                at=case.updated_at,
            )
        refusal(exc, "nhv.revocation-grounds")

    def test_allows_revocation_when_conditions_are_not_met(self, reg, submitted, board):
        case = advance(reg, submitted.id, "permitted")
        case = reg.fire(
            case.id,
            "revoke_permit",
            board,
            region=Region.STOCKHOLM,
            ground="conditions_not_met",
            reason="Villkor ej uppfyllda",
            at=case.updated_at,
        )
        assert [p["region"] for p in case.valid_permits] == ["SKANE"]


def test_every_rule_has_titles_citation_kind_and_a_seed_quote():
    """The catalogue is complete: each rule says where it comes from."""
    for rule in r.RULES:
        assert rule.title_sv and rule.title_en and rule.citation and rule.kind
        assert rule.valid_from == r.IN_FORCE
        assert rule.doc, rule.id
        assert rule.seed, rule.id
    ids = [x.id for x in r.RULES]
    assert len(ids) == len(set(ids))
    for required in [
        "nhv.advisory-requires-concentrated-care",
        "nhv.max-five-units",
        "nhv.application-window",
        "nhv.expert-group-composition",
        "nhv.mapping-pause",
        "nhv.responsible-party",
        "nhv.permit-needs-application",
        "nhv.general-knowledge-duty",
        "nhv.special-conditions-need-basis",
        "nhv.follow-up-by-holder",
    ]:
        assert required in ids
