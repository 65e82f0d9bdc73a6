"""ERN membership (``ern-membership``): each rule's allow and refuse paths,
virtual consultations that hold no patient data, and the authorisation
matrix."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

import nhvflow
from nhvflow import Actor, InvalidPayload, TransitionDenied
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.rules import ern as r

PROCESS = "ern-membership"
KAROLINSKA = Actor.provider("Karolinska universitetssjukhuset", "SE")


def violations_of(exc: pytest.ExceptionInfo[TransitionDenied], rule_id: str) -> list[Any]:
    found = [v for v in exc.value.violations if v.rule == rule_id]
    assert found, f"{rule_id} not among {exc.value.rules}"
    for v in found:
        assert v.message and v.message_sv and v.citation
    return found


@pytest.fixture(name="application")
def _application(reg, kit):
    return reg.submit(KAROLINSKA, process=PROCESS, at=kit.START, **kit.ern_application())


def test_an_application_walks_to_membership(reg, kit, application):
    assert application.data["country"] == "SE"
    assert application.data["provider"] == "Karolinska universitetssjukhuset"
    case = kit.walk_ern(reg, application.id, "member")
    assert case.state == "member"
    assert case.data["endorsement"]["member_state"] == "SE"
    assert case.data["assessment"]["unmet"] == []


def test_criteria_texts_follow_the_criteria_in_order():
    assert tuple(r.CRITERIA_TEXT) == ERN_CRITERIA


def test_actor_countries_are_eu_or_eea_codes():
    """A provider's and a Member State's country is an ISO code of an EU or EEA state."""
    assert Actor.provider("Rikshospitalet", "no").country == "NO"
    assert Actor.from_json(KAROLINSKA.to_json()) == KAROLINSKA
    with pytest.raises(ValueError, match="EU or EEA"):
        Actor.provider("Universitätsspital Zürich", "CH")
    assert "country" not in Actor.socialstyrelsen().to_json()


class TestEndorsement:
    def test_refuses_an_endorsement_for_another_network(self, reg, application):
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(application.id, "endorse", Actor.member_state("SE"), network="ERN-RND")
        violations_of(exc, "ern.endorsement")
        assert reg.get(application.id).state == "applied"

    def test_allows_the_endorsement_of_the_application_as_made(self, reg, kit, application):
        state = Actor.member_state("SE")
        case = reg.fire(application.id, "endorse", state, network=kit.NETWORK.lower())
        assert case.state == "endorsed"

    def test_an_endorsement_without_a_network_is_of_the_application_as_made(
        self, reg, kit, application
    ):
        case = reg.fire(application.id, "endorse", Actor.member_state("SE"))
        assert case.state == "endorsed"
        assert case.data["endorsement"]["network"] == kit.NETWORK
        assert reg.history(case.id)[-1].payload["network"] == kit.NETWORK

    def test_another_state_endorsing_without_a_network_is_not_authorised(self, reg, application):
        """The Member State is checked, not the shape of a payload it need not give."""
        with pytest.raises(nhvflow.NotAuthorised) as exc:
            reg.fire(application.id, "endorse", Actor.member_state("DK"))
        assert exc.value.rules == ("ern.responsible-party",)
        assert reg.get(application.id).state == "applied"

    def test_nothing_but_the_endorsement_leads_on_from_an_application(self, reg, application):
        """The only step out of 'applied' is the Member State's endorsement."""
        assert reg.process(PROCESS).triggers_from("applied") == ["endorse"]
        with pytest.raises(nhvflow.InvalidTrigger):
            reg.fire(application.id, "check_eligibility", Actor.commission())


class TestCriteria:
    @pytest.mark.parametrize("criterion", ERN_CRITERIA)
    def test_each_unmet_criterion_is_its_own_violation(self, reg, kit, application, criterion):
        met = [c for c in ERN_CRITERIA if c != criterion]
        case = kit.walk_ern(reg, application.id, "assessed", met=met)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "admit", Actor.ern_board())
        assert [v.criterion for v in violations_of(exc, "ern.criteria")] == [criterion]

    def test_a_provider_that_meets_none_can_be_declined(self, reg, kit, application):
        case = kit.walk_ern(reg, application.id, "assessed", met=[])
        violations = reg.check(case.id, "admit", Actor.ern_board())
        assert [v.criterion for v in violations] == list(ERN_CRITERIA)
        case = reg.fire(case.id, "decline", Actor.ern_board(), reason="Kriterier ej uppfyllda")
        assert case.state == "declined"

    def test_an_unknown_criterion_is_invalid_input(self, reg, kit, application):
        case = kit.walk_ern(reg, application.id, "opinion_given")
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(case.id, "assess", Actor.assessment_body(), met=["charm"])
        assert exc.value.field == "met"


class TestFavourableOpinion:
    def test_refuses_admission_without_a_favourable_opinion(self, reg, kit, application):
        case = kit.walk_ern(reg, application.id, "assessed", favourable=False)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "admit", Actor.ern_board())
        assert exc.value.rules == ("ern.favourable-opinion",)

    def test_was_not_in_force_before_the_2019_amendment(self, reg, kit):
        """Before 18 August 2019 an unfavourable opinion did not stop admission."""
        case = reg.submit(
            KAROLINSKA, process=PROCESS, at="2017-01-10T09:00:00+00:00", **kit.ern_application()
        )
        case = kit.walk_ern(reg, case.id, "assessed", favourable=False)
        at = case.updated_at + timedelta(days=1)
        assert at.year == 2017
        board = Actor.ern_board()
        outcomes = {o.rule.id: o.status for o in reg.explain(case.id, "admit", board, at=at)}
        assert outcomes == {
            "ern.responsible-party": "passed",
            "ern.criteria": "passed",
            "ern.favourable-opinion": "not in force",
        }
        later = {o.rule.id: o.status for o in reg.explain(case.id, "admit", board)}
        assert later["ern.favourable-opinion"] == "failed"
        assert reg.fire(case.id, "admit", board, at=at).state == "member"


class TestNoPatientData:
    CONSULTATION: dict[str, Any] = {  # noqa: RUF012 - read-only test data
        "experts": 6,
        "countries": ["SE", "NL", "IT"],
        "outcome": "advice_given",
    }

    @pytest.fixture(name="member")
    def _member(self, reg, kit, application):
        return kit.walk_ern(reg, application.id, "member")

    def test_records_a_pseudonymous_reference(self, reg, kit, member):
        coordinator = Actor.coordinator(kit.NETWORK)
        case = reg.fire(
            member.id, "hold_consultation", coordinator, reference="CPMS-7F3K2", **self.CONSULTATION
        )
        assert case.data["consultations"] == [
            {
                "reference": "CPMS-7F3K2",
                "experts": 6,
                "countries": ["SE", "NL", "IT"],
                "outcome": "advice_given",
                "held_at": case.data["consultations"][0]["held_at"],
            }
        ]

    @pytest.mark.parametrize(
        "reference",
        [
            "19121212-1212",
            "121212-1212",
            "191212121212",
            "121212+1212",
            "CPMS-850709-9805",
            "850769-9805",  # a coordination number (samordningsnummer): day + 60
            "311299-1234",  # Danish CPR: DDMMYY-NNNN
            "3112991234",
            "31129912345",  # Norwegian fødselsnummer: DDMMYYNNNNN
            "71129912345",  # a Norwegian D-number: day + 40
            "CPMS-311299A123X",  # Finnish henkilötunnus: DDMMYY, century sign, NNN, check
            "311299-123A",
        ],
    )
    def test_refuses_what_looks_like_a_personal_identity_number(self, reg, kit, member, reference):
        before = reg.get(member.id)
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                member.id,
                "hold_consultation",
                Actor.coordinator(kit.NETWORK),
                reference=reference,
                **self.CONSULTATION,
            )
        criteria = [v.criterion for v in violations_of(exc, "ern.no-patient-data")]
        assert "personal_identity_number" in criteria
        assert reg.get(member.id) == before
        assert reference not in str([e.payload for e in reg.history(member.id)])

    @pytest.mark.parametrize(
        ("reference", "criteria"),
        [
            ("Anna Svensson", ["name", "format"]),
            ("Svensson,Anna", ["name", "format"]),
            ("AnnaSvensson", ["name"]),
            ("anna.svensson@example.se", ["name", "format"]),
        ],
    )
    def test_refuses_what_looks_like_a_name(self, reg, kit, member, reference, criteria):
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(
                member.id,
                "hold_consultation",
                Actor.coordinator(kit.NETWORK),
                reference=reference,
                **self.CONSULTATION,
            )
        assert [v.criterion for v in violations_of(exc, "ern.no-patient-data")] == criteria

    @pytest.mark.parametrize("field", ["patient_name", "personal_identity_number", "notes"])
    def test_the_payload_has_no_place_for_patient_data(self, reg, kit, member, field):
        """Fields beyond reference, experts, countries and outcome are refused as input."""
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(
                member.id,
                "hold_consultation",
                Actor.coordinator(kit.NETWORK),
                reference="CPMS-1",
                **{field: "Anna Svensson 19121212-1212"},
                **self.CONSULTATION,
            )
        assert exc.value.field == field
        assert "19121212" not in str([e.payload for e in reg.history(member.id)])

    def test_a_reference_is_all_a_consultation_needs(self, reg, kit, member):
        """The panel gives advice unless told otherwise; the number of experts is
        recorded when given."""
        coordinator = Actor.coordinator(kit.NETWORK)
        case = reg.fire(member.id, "hold_consultation", coordinator, reference="CPMS-7F3K2")
        (held,) = case.data["consultations"]
        assert held["outcome"] == "advice_given"
        assert held["experts"] is None

    def test_a_panel_has_at_least_one_expert_and_known_countries(self, reg, kit, member):
        coordinator = Actor.coordinator(kit.NETWORK)
        bad = {**self.CONSULTATION, "experts": 0}
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(member.id, "hold_consultation", coordinator, reference="CPMS-1", **bad)
        assert exc.value.field == "experts"
        bad = {**self.CONSULTATION, "countries": ["SE", "US"]}
        with pytest.raises(InvalidPayload) as exc:
            reg.fire(member.id, "hold_consultation", coordinator, reference="CPMS-1", **bad)
        assert exc.value.field == "countries"

    def test_the_rule_applies_whatever_the_date(self, reg):
        rule = reg.process(PROCESS).rule("ern.no-patient-data")
        assert rule is not None and rule.valid_from is None and rule.valid_to is None

    def test_personal_identity_numbers_are_recognised_by_their_date(self):
        assert r.looks_like_personal_identity_number("REF 201212-1234")
        assert not r.looks_like_personal_identity_number("CPMS-2019-000123")
        assert not r.looks_like_personal_identity_number("991332-1234")
        assert not r.looks_like_personal_identity_number("321399-1234")
        assert not r.looks_like_personal_identity_number("CPMS-2019-00012345")
        assert not r.looks_like_personal_identity_number("CPMS-7F3K2")


# -- the authorisation matrix ---------------------------------------------------------

STEPS: dict[str, tuple[str, dict[str, Any], set[str]]] = {
    "endorse": ("applied", {"network": "ERN ReCONNET"}, {"sweden"}),
    "check_eligibility": ("endorsed", {}, {"commission"}),
    "give_opinion": ("eligible", {"favourable": True}, {"own_coordinator"}),
    "assess": ("opinion_given", {"met": list(ERN_CRITERIA)}, {"assessment_body"}),
    "admit": ("assessed", {}, {"ern_board"}),
    "decline": ("assessed", {"reason": "Nej"}, {"ern_board"}),
    "hold_consultation": (
        "member",
        {"reference": "CPMS-1", "experts": 3, "outcome": "advice_given"},
        {"own_coordinator"},
    ),
}


def test_the_matrix_covers_every_step_of_the_process(reg):
    assert set(STEPS) | {"submit"} == set(reg.process(PROCESS).transitions)


@pytest.mark.parametrize("trigger", sorted(STEPS))
def test_only_the_responsible_party_may_fire(trigger, kit, snapshot):
    """Every role tries every step; only the responsible party passes."""
    state, payload, responsible = STEPS[trigger]
    reg = nhvflow.open(process=PROCESS)
    case = reg.submit(KAROLINSKA, at=kit.START, **kit.ern_application())
    case = kit.walk_ern(reg, case.id, state)
    kit.assert_only_responsible(
        reg, case, trigger, payload, responsible, "ern.responsible-party", snapshot
    )


def test_only_a_provider_with_a_country_applies(kit):
    reg = nhvflow.open(process=PROCESS)
    kit.assert_only_submitters(reg, kit.ern_application(), {"provider_se"}, "ern.responsible-party")
