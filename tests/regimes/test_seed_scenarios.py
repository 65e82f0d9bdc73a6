"""Scenarios as a newcomer writes them from Socialstyrelsen's report
Förutsättningar för kompetenscentrum (2019) and the regimes' contract, with
the public API only (``nhvflow.open``, ``Actor.*``, ``reg.submit(...,
process=...)``, ``reg.fire``, ``reg.check``, ``reg.history``): the natural
payload names, the refusals each passage promises, and that a refused step
writes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

import nhvflow
from nhvflow import Actor, Expert, NotAuthorised, Region, TransitionDenied
from nhvflow.events.ern import ERN_CRITERIA


def at(year: int, month: int = 1, day: int = 15) -> datetime:
    return datetime(year, month, day, 9, tzinfo=UTC)


def refused(exc: pytest.ExceptionInfo[TransitionDenied], rule: str) -> list[str | None]:
    """The criteria of ``rule`` among the violations; each in English and Swedish."""
    found = [v for v in exc.value.violations if v.rule == rule]
    assert found, f"{rule} not among {exc.value.rules}"
    assert all(v.message and v.message_sv and v.citation for v in found)
    return [v.criterion for v in found]


@pytest.fixture(name="reg")
def _reg():
    registry = nhvflow.open(":memory:")
    yield registry
    registry.close()


# -- kc-proposal: "Kompetenscentrum bör utredas vidare" ------------------------------

AREA = "Reumatiska sjukdomar"
HOMES = (
    Region.NORRBOTTEN,
    Region.UPPSALA,
    Region.STOCKHOLM,
    Region.OSTERGOTLAND,
    Region.VASTRA_GOTALAND,
    Region.SKANE,
)


def experts() -> list[Expert]:
    """One member from each of the six healthcare regions, as §4 asks."""
    people = [
        ("Anna", "läkare", "female", True, False, False),
        ("Bertil", "läkare", "male", False, True, False),
        ("Cecilia", "sjuksköterska", "female", True, False, False),
        ("David", "fysioterapeut", "male", True, False, False),
        ("Eva", "forskare", "female", False, True, False),
        ("Fredrik", "patientföreträdare", "male", False, False, True),
    ]
    return [
        Expert(
            name,
            profession,
            region,
            gender,
            clinical=clinical,
            scientific=scientific,
            patient_representative=patient,
            interests_declared=True,
            time_allotted=True,
        )
        for (name, profession, gender, clinical, scientific, patient), region in zip(
            people, HOMES, strict=True
        )
    ]


def prepared_need(reg: nhvflow.Registry, centres: int = 2) -> str:
    """Steps 1–3 of the report, then applications from Skåne, Stockholm and Uppsala."""
    sos = Actor.socialstyrelsen()
    case = reg.submit(
        Actor.npo(AREA),
        process="kc-proposal",
        title="Nationellt kompetenscentrum för inflammatoriska systemsjukdomar",
        programme_area=AREA,
        care_measures=[],
        advisory=True,
        at=at(2021),
    )
    reg.fire(case.id, "appoint_expert_group", sos, experts=experts(), at=at(2021, 2))
    reg.fire(
        case.id,
        "deliver_basis",
        Actor.expert_group(case.id),
        centres=centres,
        tasks=["Rådgivning om diagnostik och behandling", "Utbildning"],
        at=at(2021, 3),
    )
    reg.fire(case.id, "assess_system_effects", sos, at=at(2021, 4))
    for region in (Region.SKANE, Region.STOCKHOLM, Region.UPPSALA):
        reg.fire(
            case.id, "apply_to_establish", Actor.region(region), unit="Reumatologen", at=at(2021, 5)
        )
    return case.id


def test_kc_an_advisory_need_ends_in_centres_on_a_one_year_state_grant(reg):
    """NPO defines the need -> experts fix number and tasks -> system effects ->
    principals apply; financed by a state grant, "Dessa bidrag är dock ettåriga"."""
    case_id = prepared_need(reg, centres=2)
    sos = Actor.socialstyrelsen()
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(
            case_id,
            "establish",
            sos,
            regions=[Region.SKANE, Region.STOCKHOLM, Region.UPPSALA],
            financing="state grant",
            at=at(2021, 6),
        )
    assert refused(exc, "kc.number-and-tasks") == ["number"]
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(
            case_id,
            "establish",
            sos,
            regions=[Region.GOTLAND],
            financing="state grant",
            at=at(2021, 6),
        )
    assert refused(exc, "kc.number-and-tasks") == ["applicant"]
    case = reg.fire(
        case_id,
        "establish",
        sos,
        regions=[Region.SKANE, Region.STOCKHOLM],
        financing="state grant",
        at=at(2021, 6),
    )
    assert case.state == "established"
    assert [c["region"] for c in case.data["centres"]] == ["SKANE", "STOCKHOLM"]
    assert case.data["financing"]["form"] == "state_grant"


def test_kc_a_longer_state_grant_needs_the_riksdags_authorisation(reg):
    """ "För att ett kompetenscentrum ska kunna finansieras av statsbidrag en längre
    tid ... behövs ett bemyndigande från riksdagen." """
    case_id = prepared_need(reg)
    sos = Actor.socialstyrelsen()
    grant = {"regions": [Region.SKANE], "financing": "state_grant", "grant_years": 3}
    before = reg.history(case_id)
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "establish", sos, at=at(2021, 6), **grant)
    assert refused(exc, "kc.state-grant-one-year") == ["authorisation"]
    assert reg.history(case_id) == before
    case = reg.fire(case_id, "establish", sos, riksdag_authorisation=True, at=at(2021, 6), **grant)
    assert case.data["financing"]["grant_years"] == 3


def test_kc_financing_by_the_regions_the_state_or_another_named_form(reg):
    """ "Finansieringen ... skulle behöva säkras genom stöd från regionerna, staten eller
    på annat sätt": only a form that names no financing is refused."""
    case_id = prepared_need(reg)
    sos = Actor.socialstyrelsen()
    violations = reg.check(
        case_id, "establish", sos, regions=[Region.SKANE], financing="none", at=at(2021, 6)
    )
    assert [(v.rule, v.criterion) for v in violations] == [("kc.financing-form", "form")]
    for form in ("procurement", "run by an agency", "upphandling", "myndighet", "regionerna",
                 "patient fees"):  # fmt: skip
        assert not reg.check(
            case_id, "establish", sos, regions=[Region.SKANE], financing=form, at=at(2021, 6)
        )


# -- no-competence-service: "Norges system för nationella kompetenstjänster" ----------

VEST = Actor.health_enterprise("Helse Vest")
OTHERS = [Actor.health_enterprise(n) for n in ("Helse Sør-Øst", "Helse Midt-Norge", "Helse Nord")]
MINISTRY = Actor.ministry()
PLAN = {
    "goals": ["Kompetanse på sjeldne diagnoser i alle helseregioner"],
    "goals_met_when": "Alle fire helseregioner har eget fagmiljø",
    "wind_down_estimate": date(2027, 12, 31),
}


def reviewed(reg: nhvflow.Registry, **findings: bool) -> str:
    case = reg.submit(VEST, process="no-competence-service", title="Sjeldne diagnoser", at=at(2021))
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case.id, "apply", VEST, at=at(2021, 2))
    assert refused(exc, "no.support-of-the-others") == [
        "Helse Sør-Øst",
        "Helse Midt-Norge",
        "Helse Nord",
    ]
    with pytest.raises(NotAuthorised):
        reg.fire(case.id, "support", VEST, at=at(2021, 2))
    for other in OTHERS:
        reg.fire(case.id, "support", other, at=at(2021, 2))
    reg.fire(case.id, "apply", VEST, at=at(2021, 3))
    criteria = {"quality_of_course": True, "national_competence": True, "cost_effectiveness": True}
    reg.fire(
        case.id,
        "review",
        Actor.directorate(),
        experts=["Professor i medisinsk genetikk"],
        at=at(2021, 4),
        **{**criteria, **findings},
    )
    return case.id


def test_no_an_initiative_supported_by_the_others_is_approved_reports_and_winds_down(reg):
    case_id = reviewed(reg)
    case = reg.fire(case_id, "approve", MINISTRY, at=at(2021, 6), **PLAN)
    assert case.state == "active"
    assert case.data["establishment_grant"]["nok"] == 2_000_000  # "cirka 2 miljoner"
    assert case.data["establishment_grant"]["to"] == "Helse Vest"
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "report_annually", VEST, year=2020, at=at(2022, 2))
    assert refused(exc, "no.annual-report") == ["year"]
    reg.fire(case_id, "report_annually", VEST, year=2021, at=at(2022, 2))
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "report_annually", VEST, year=2021, goals_met=True, at=at(2022, 3))
    assert refused(exc, "no.annual-report") == ["once"]
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "wind_down", MINISTRY, at=at(2022, 3))
    refused(exc, "no.wind-down-when-goals-met")
    reg.fire(case_id, "report_annually", VEST, year=2022, goals_met=True, at=at(2023, 2))
    case = reg.fire(case_id, "wind_down", MINISTRY, reason="Målen är nådda", at=at(2023, 3))
    assert case.state == "wound_down"


def test_no_each_missing_criterion_and_plan_part_is_its_own_violation(reg):
    case_id = reviewed(reg, quality_of_course=False, cost_effectiveness=False)
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "approve", MINISTRY, at=at(2021, 6))
    assert refused(exc, "no.approval-criteria") == ["quality_of_course", "cost_effectiveness"]
    assert refused(exc, "no.plan") == ["goals", "goals_met_definition", "wind_down_estimate"]
    assert reg.get(case_id).state == "reviewed"
    case = reg.fire(case_id, "refuse", MINISTRY, reason="Kriterierna är inte uppfyllda")
    assert case.state == "refused"


def test_no_a_permanent_service_still_estimates_its_wind_down(reg):
    """Helsedirektoratet: "Vissa områden har ett permanent behov av kompetenstjänster" —
    recorded, not an exemption: "Planen ska också innehålla ... en uppskattning av när
    tjänsten därmed kan avvecklas"."""
    case_id = reviewed(reg)
    plan = {k: v for k, v in PLAN.items() if k != "wind_down_estimate"}
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "approve", MINISTRY, permanent=True, at=at(2021, 6), **plan)
    assert refused(exc, "no.plan") == ["wind_down_estimate"]
    case = reg.fire(case_id, "approve", MINISTRY, permanent=True, at=at(2021, 6), **PLAN)
    assert case.state == "active" and case.data["permanent"] is True


# -- ern-membership: "Europeiska referensnätverk" ------------------------------------

NETWORK = "ERN ReCONNET"
KAROLINSKA = Actor.provider("Karolinska universitetssjukhuset", "SE")
COORDINATOR = Actor.coordinator(NETWORK)


def assessed(reg: nhvflow.Registry, *, favourable: bool, met: list[str] | None) -> str:
    case = reg.submit(KAROLINSKA, process="ern-membership", network=NETWORK, at=at(2022))
    with pytest.raises(NotAuthorised):
        reg.fire(case.id, "endorse", Actor.member_state("DK"), at=at(2022, 2))
    with pytest.raises(nhvflow.InvalidTrigger):
        reg.fire(case.id, "check_eligibility", Actor.commission(), at=at(2022, 2))
    reg.fire(case.id, "endorse", Actor.member_state("SE"), at=at(2022, 2))
    reg.fire(case.id, "check_eligibility", Actor.commission(), at=at(2022, 3))
    reg.fire(case.id, "give_opinion", COORDINATOR, favourable=favourable, at=at(2022, 4))
    reg.fire(
        case.id,
        "assess",
        Actor.assessment_body(),
        met=list(ERN_CRITERIA) if met is None else met,
        at=at(2022, 5),
    )
    return case.id


def test_ern_an_endorsed_provider_that_meets_the_criteria_joins_and_consults(reg):
    case_id = assessed(reg, favourable=True, met=None)
    case = reg.fire(case_id, "admit", Actor.ern_board(), at=at(2022, 6))
    assert case.state == "member"
    case = reg.fire(case_id, "hold_consultation", COORDINATOR, reference="CPMS-7F3K2", experts=5)
    assert case.data["consultations"][0]["reference"] == "CPMS-7F3K2"


def test_ern_each_unmet_criterion_and_an_unfavourable_opinion_block_admission(reg):
    case_id = assessed(reg, favourable=False, met=["patient_centred_care", "human_resources"])
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "admit", Actor.ern_board(), at=at(2022, 6))
    assert len(refused(exc, "ern.criteria")) == 7
    refused(exc, "ern.favourable-opinion")
    case = reg.fire(case_id, "decline", Actor.ern_board(), reason="Kriterierna uppfylls inte")
    assert case.state == "declined"


@pytest.mark.parametrize(
    "reference", ["19121212-1212", "Tolvan Tolvansson", "311299-1234", "31129912345"]
)
def test_ern_a_consultation_records_no_patient_data(reg, reference):
    case_id = assessed(reg, favourable=True, met=None)
    reg.fire(case_id, "admit", Actor.ern_board(), at=at(2022, 6))
    before = reg.history(case_id)
    with pytest.raises(TransitionDenied) as exc:
        reg.fire(case_id, "hold_consultation", COORDINATOR, reference=reference)
    refused(exc, "ern.no-patient-data")
    assert reg.history(case_id) == before
