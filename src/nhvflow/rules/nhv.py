"""The rules of national highly specialised care as in force (regime ``nhv``).

Each rule quotes, in its docstring, the passage of the seed documents (or the
legal fact from DESIGN.md) it encodes:

- seed 001: Socialstyrelsen's page *Nationell högspecialiserad vård*
  (``../shared/seeds/001_a13fcdb9a1ede5c4.txt``);
- seed 000: Socialstyrelsen's report *Förutsättningar för kompetenscentrum
  inom nationell högspecialiserad vård*
  (``../shared/seeds/000_e2007c63763623de.txt``).

Rules judge a step as of its business time; all of these are in force from
2018-07-01, when the NHV system replaced rikssjukvård (seed 001: "De
områden som tidigare varit rikssjukvård är sedan 1 juli 2018 nationell
högspecialiserad vård").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from nhvflow.events import GENERAL_DUTY_RULE, SPECIAL_CONDITIONS_RULE
from nhvflow.model import Expert, HealthcareRegion, Region, Role, same_area
from nhvflow.rules._base import (
    Refusal,
    Responsibility,
    Step,
    refuse,
    responsible_party_rule,
    rule,
)

__all__ = [
    "BOARD",
    "EXPERT_GROUP_OF_CASE",
    "GENERAL_DUTY_TEXT",
    "IN_FORCE",
    "MAX_UNITS",
    "NPO_OF_AREA",
    "PERMIT_HOLDER",
    "REGION_FOR_ITSELF",
    "RESPONSIBLE_PARTY",
    "RULES",
    "SOCIALSTYRELSEN",
    "advisory_requires_concentrated_care",
    "application_window",
    "composition_failures",
    "default_applications_due",
    "expert_group_composition",
    "follow_up_by_holder",
    "general_knowledge_duty",
    "mapping_pause",
    "max_five_units",
    "permit_needs_application",
    "revocation_grounds",
    "special_conditions_need_basis",
]

IN_FORCE = date(2018, 7, 1)
"""The NHV system in force: prop. 2017/18:40, HSL (2017:30) as amended."""

MAX_UNITS = 5
"""Socialstyrelsen's "som mest fem enheter" (seed 001)."""

GENERAL_DUTY_TEXT = (
    "Tillståndshavaren ska sprida kunskap om vårdområdet till den övriga hälso- och "
    "sjukvården och samverka med de vårdgivare som remitterar patienter "
    "(HSLF-FS 2018:48 4 kap. 4–5 §)."
)
"""The general knowledge duty every permit carries, as recorded on the permit."""

_SEED_PAGE = "001_a13fcdb9a1ede5c4.txt"
_SEED_REPORT = "000_e2007c63763623de.txt"


# -- who may fire a step ---------------------------------------------------------------


def _area_scope(step: Step) -> Refusal | None:
    area = step.data.get("programme_area") or getattr(step.payload, "programme_area", None)
    if same_area(step.actor.programme_area, area):
        return None
    return refuse(
        f"Only the NPO of the proposal's programme area ({area}) may take {step.trigger!r}; "
        f"{step.actor.describe()} represents {step.actor.programme_area or 'no area'}.",
        f"Endast NPO för förslagets programområde ({area}) får ta steget {step.trigger!r}; "
        f"{step.actor.describe()} företräder {step.actor.programme_area or 'inget område'}.",
        criterion="programme_area",
    )


def _for_itself(step: Step) -> Refusal | None:
    if step.actor.principal is not None:
        return None
    return refuse(
        "A region acts only for itself: build the actor with Actor.region(Region.X) so that "
        "its principal is known.",
        "En region agerar bara för sig själv: skapa aktören med Actor.region(Region.X) så att "
        "huvudmannen är känd.",
        criterion="principal",
    )


def _own_case(step: Step) -> Refusal | None:
    case_id = step.case.id if step.case is not None else None
    if step.actor.case_id == case_id:
        return None
    return refuse(
        f"Only the expert group appointed for case {case_id} may deliver its basis; "
        f"{step.actor.describe()} is the group of case {step.actor.case_id}. "
        f"Use Actor.expert_group({case_id!r}).",
        f"Endast sakkunniggruppen för ärende {case_id} får lämna dess underlag; "
        f"{step.actor.describe()} är gruppen för ärende {step.actor.case_id}.",
        criterion="case",
    )


def holds_valid_permit(step: Step, region: Region | None) -> bool:
    """Whether ``region`` holds a valid permit in the step's case."""
    return region is not None and any(
        p["region"] == region.name and p["valid"] for p in step.data.get("permits", [])
    )


def _holder(step: Step) -> Refusal | None:
    refusal = _for_itself(step)
    if refusal is not None:
        return refusal
    if holds_valid_permit(step, step.actor.principal):
        return None
    return refuse(
        f"Only a region holding a valid permit in this case may take {step.trigger!r}; "
        f"{step.actor.describe()} holds none.",
        f"Endast en region med giltigt tillstånd i ärendet får ta steget {step.trigger!r}; "
        f"{step.actor.describe()} har inget.",
        criterion="permit_holder",
    )


NPO_OF_AREA = Responsibility(
    Role.NPO,
    "the NPO of the proposal's programme area",
    "NPO för förslagets programområde",
    _area_scope,
)
SOCIALSTYRELSEN = Responsibility(Role.SOCIALSTYRELSEN, "Socialstyrelsen", "Socialstyrelsen")
EXPERT_GROUP_OF_CASE = Responsibility(
    Role.EXPERT_GROUP, "the case's expert group", "ärendets sakkunniggrupp", _own_case
)
REGION_FOR_ITSELF = Responsibility(
    Role.REGION,
    "a region (huvudman), for itself",
    "en region (huvudman), för egen del",
    _for_itself,
)
PERMIT_HOLDER = Responsibility(
    Role.REGION, "a region holding a permit", "en region med tillstånd", _holder
)
BOARD = Responsibility(
    Role.BOARD,
    "the board (Nämnden för nationell högspecialiserad vård)",
    "nämnden (Nämnden för nationell högspecialiserad vård)",
)


RESPONSIBLE_PARTY = responsible_party_rule(
    id="nhv.responsible-party",
    citation="HSF (2017:80) 2 kap. 1–2 §; Socialstyrelsen, arbetsprocess för NHV steg 1–8",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, 'Arbetsprocess': Steg 1–8 with 'Ansvarig: ...'",
    doc="""Only the responsible party may fire a step; an NPO only in its own
area; a region only for itself.

Seed 001, "Arbetsprocess":

    Steg 1 - Ta fram förslag till vårdområden ... Ansvarig: Representanterna i det
    nationella programområdet (NPO).
    Steg 2 - Ta fram underlag för beslut ... Ansvarig: Sakkunniggruppen.
    Steg 3 - Remiss och beredning inför beslut. Ansvarig: Socialstyrelsen.
    Steg 4 - Beslut om nationell högspecialiserad vård ... Ansvarig: Socialstyrelsen.
    Steg 5 - Ansökan om tillstånd. Ansvarig: Landstingen.
    Steg 6 - Beredning inför nämnd. Ansvarig: Socialstyrelsen.
    Steg 7 - Beslut om nationell högspecialiserad vård. Ansvarig: Nämnden för
    högspecialiserad vård.
    Steg 8 - Uppföljning och utvärdering av tillstånden. Ansvarig: Landstingen ansvarar
    för årlig uppföljning av tillstånden och Socialstyrelsen ansvarar för utvärdering.

Sakkunniggrupperna leds av Socialstyrelsen (seed 000: "Sakkunniggrupper ledda av
Socialstyrelsen genomlyser förslagen"), so Socialstyrelsen appoints them.
""",
)


# -- the rules -------------------------------------------------------------------------


@rule(
    id="nhv.advisory-requires-concentrated-care",
    title_sv="Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras",
    title_en="Advice cannot be concentrated unless care measures are concentrated too",
    citation="HSLF-FS 2018:48 4 kap. 4–5 §; Socialstyrelsen, Förutsättningar för "
    "kompetenscentrum (slutsats)",
    kind="authority report",
    valid_from=IN_FORCE,
    seed=f"{_SEED_REPORT}, 'Slutsats' and 'Socialstyrelsen kan inte besluta om särskilda "
    "koncentration av rådgivning'",
)
def advisory_requires_concentrated_care(step: Step) -> Iterator[Refusal]:
    """Socialstyrelsen cannot decide to concentrate advice unless care measures in
    the area are concentrated the same way.

    Seed 000, "Slutsats":

        Socialstyrelsen kan inte besluta att koncentrera rådgivning till hälso- och
        sjukvården till nationella kompetenscentrum, på förslag från de nationella
        programområdena, om inte vårdåtgärder inom området koncentreras på samma sätt.

    and "Socialstyrelsen kan inte besluta om särskilda koncentration av rådgivning":

        Däremot finns det inget stöd i föreskriften för Socialstyrelsen att besluta om
        koncentrerad rådgivning när behovet inte sammanfaller med att vårdåtgärder
        koncentreras, det vill säga när patienter inte kommer att remitteras till
        tillståndspliktig vård.

    Submitting an advisory-only proposal is allowed (NPOs do: "Många förslag från NPO
    innebär dock endast högspecialiserad rådgivning"); deciding it is not. The step
    refused is ``decide`` with an advisory mission, or on an advisory proposal, that
    concentrates no care measures. Socialstyrelsen may then close the proposal with
    ``close_not_eligible`` citing this rule.
    """
    decision = step.payload
    advisory = bool(decision.advisory_mission or step.data.get("advisory"))
    if advisory and not decision.care_measures:
        yield refuse(
            "An advisory mission (a competence centre) can only be decided together with "
            "concentrated care measures, and this decision concentrates none; name the care "
            "measures in the decision, or close the proposal as not eligible.",
            "Ett rådgivningsuppdrag (kompetenscentrum) kan bara beslutas tillsammans med "
            "koncentrerade vårdåtgärder, och beslutet koncentrerar inga; ange vårdåtgärderna "
            "i beslutet eller avsluta förslaget som inte aktuellt.",
        )


@rule(
    id="nhv.max-five-units",
    title_sv="Vården bedrivs vid som mest fem enheter",
    title_en="Care is run at no more than five units",
    citation="HSL (2017:30) 2 kap. 7 §; prop. 2017/18:40; Socialstyrelsen (som mest fem enheter)",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, 'Bakgrund': 'som mest fem enheter i landet'",
)
def max_five_units(step: Step) -> Iterator[Refusal]:
    """``decide`` needs 1 to 5 units; ``grant_permits`` may never bring the valid
    permits of the area above the units decided.

    Seed 001, "Bakgrund":

        Offentligt finansierad vård som bedrivs vid som mest fem enheter i landet och
        där endast ett fåtal vårdgivare i landet kan uppfylla kraven på kompetens,
        tillgänglighet och arbete i multidisciplinära team.

    and "Steg 4 - Beslut om nationell högspecialiserad vård och på hur många ställen den
    ska bedrivas." "At most five" is Socialstyrelsen's practice within the statutory
    "not in every healthcare region" (HSL 2017:30 2 kap. 7 §; prop. 2017/18:40).
    """
    if step.trigger == "decide":
        units = step.payload.units
        if not 1 <= units <= MAX_UNITS:
            yield refuse(
                f"{units} units were asked for; national highly specialised care is run at "
                f"1 to {MAX_UNITS} units. Decide on 1 to {MAX_UNITS} units.",
                f"{units} enheter begärdes; nationell högspecialiserad vård bedrivs vid 1 till "
                f"{MAX_UNITS} enheter. Besluta om 1 till {MAX_UNITS} enheter.",
            )
    elif step.trigger == "grant_permits":
        decided = int(step.data.get("units") or 0)
        valid = sum(1 for p in step.data.get("permits", []) if p["valid"])
        asked = len(step.payload.permits)
        if valid + asked > decided:
            yield refuse(
                f"{asked} permits were asked for beside {valid} valid ones, {valid + asked} in "
                f"all, but {decided} units were decided; grant at most {decided - valid}.",
                f"{asked} tillstånd begärdes utöver {valid} giltiga, {valid + asked} totalt, men "
                f"beslutet gäller {decided} enheter; bevilja högst {decided - valid}.",
            )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_applications_due(decided_on: date) -> date:
    """The default last day for applications: three months after the decision."""
    return _add_months(decided_on, 3)


@rule(
    id="nhv.application-window",
    title_sv="Ansökan om tillstånd görs inom den tid Socialstyrelsen anger",
    title_en="Permit applications are made within the period Socialstyrelsen sets",
    citation="HSLF-FS 2018:48 3 kap. 1 §",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, 'Steg 5 - Ansökan om tillstånd. Ansvarig: Landstingen.'",
)
def application_window(step: Step) -> Iterator[Refusal]:
    """``decide`` sets the period in which regions may apply (Socialstyrelsen's
    request for applications); ``apply_for_permit`` outside it is refused.

    Seed 000, the process: "5. Huvudmännen för hälso- och sjukvården ansöker om
    tillstånd att bedriva den högspecialiserade vården." Seed 001: "I steg 5-8 sker
    beredning inför ansökan, nämnden tar beslut om tillstånd". The period is set in
    Socialstyrelsen's request for applications (HSLF-FS 2018:48 3 kap. 1 §); by
    default three months from the decision.
    """
    if step.trigger == "decide":
        due = step.payload.applications_due
        if due is not None and due < step.at.date():
            yield refuse(
                f"The last day for applications ({due}) is before the decision "
                f"({step.at.date()}); set applications_due on or after the decision's date.",
                f"Sista ansökningsdag ({due}) ligger före beslutet ({step.at.date()}); ange en "
                "sista ansökningsdag på eller efter beslutsdagen.",
            )
        return
    decision = step.data.get("decision") or {}
    opened = str(decision.get("decided_at", ""))[:10]
    due_text = decision.get("applications_due")
    day = step.at.date()
    if due_text and day > date.fromisoformat(due_text):
        yield refuse(
            f"Applications closed on {due_text}; this one is dated {day}. Apply within the "
            "period Socialstyrelsen set, or ask Socialstyrelsen for a new request for "
            "applications.",
            f"Ansökningstiden gick ut {due_text}; ansökan är daterad {day}. Ansök inom den tid "
            "Socialstyrelsen angett.",
        )
    elif opened and day.isoformat() < opened:
        yield refuse(
            f"Applications open with the decision on {opened}; this one is dated {day}.",
            f"Ansökningstiden öppnar med beslutet {opened}; ansökan är daterad {day}.",
        )


_CRITERIA: dict[str, tuple[str, str]] = {
    "clinical_legitimacy": (
        "no member has clinical legitimacy in the area; add a clinically active expert",
        "ingen ledamot har klinisk legitimitet inom området; lägg till en kliniskt verksam "
        "sakkunnig",
    ),
    "scientific_legitimacy": (
        "no member has scientific legitimacy in the area; add a researcher in the field",
        "ingen ledamot har vetenskaplig legitimitet inom området; lägg till en forskare inom "
        "området",
    ),
    "multiprofessional": (
        "the group holds {found}; it needs knowledge from several professions",
        "gruppen har {found}; den behöver kunskap från flera professioner",
    ),
    "whole_country": (
        "no member comes from {missing}; the group must represent the whole country (all "
        "six healthcare regions)",
        "ingen ledamot kommer från {missing}; gruppen ska ha representation från hela landet "
        "(alla sex sjukvårdsregioner)",
    ),
    "patient_representation": (
        "the group has no patient representative; add one",
        "gruppen saknar patientrepresentant; lägg till en",
    ),
    "gender_balance": (
        "the group is {women} women and {men} men; neither may be under 40% (40/60 or better)",
        "gruppen består av {women} kvinnor och {men} män; inget kön får understiga 40 % "
        "(40/60 eller jämnare)",
    ),
    "transparency": (
        "{names} have not declared their interests; the group must be open to scrutiny",
        "{names} har inte lämnat jävsdeklaration; gruppen ska vara öppen för insyn",
    ),
    "time_allotted": (
        "{names} have no time allotted for the assignment; secure their time",
        "{names} har inte tid avsatt för uppdraget; säkra deras tid",
    ),
}


def _criterion(name: str, **values: object) -> Refusal:
    en, sv = _CRITERIA[name]
    return refuse(
        f"Expert group: {en.format(**values)}.",
        f"Sakkunniggrupp: {sv.format(**values)}.",
        criterion=name,
    )


def _names(experts: list[Expert]) -> str:
    shown = ", ".join(e.name for e in experts[:3])
    return shown + (f" and {len(experts) - 3} more" if len(experts) > 3 else "")


def composition_failures(experts: tuple[Expert, ...]) -> Iterator[Refusal]:
    """Each criterion an expert group fails, as a refusal (shared with other regimes)."""
    if not any(e.clinical for e in experts):
        yield _criterion("clinical_legitimacy")
    if not any(e.scientific for e in experts):
        yield _criterion("scientific_legitimacy")
    professions = {e.profession.casefold() for e in experts if not e.patient_representative}
    if len(professions) < 2:
        found = f"{len(professions)} profession" + ("" if len(professions) == 1 else "s")
        yield _criterion("multiprofessional", found=found)
    covered = {h for e in experts for h in e.region.healthcare_regions}
    missing = [h.swedish_name for h in HealthcareRegion if h not in covered]
    if missing:
        yield _criterion("whole_country", missing=", ".join(missing))
    if not any(e.patient_representative for e in experts):
        yield _criterion("patient_representation")
    women = sum(1 for e in experts if e.gender == "female")
    men = sum(1 for e in experts if e.gender == "male")
    if women + men and min(women, men) * 10 < 4 * (women + men):
        yield _criterion("gender_balance", women=women, men=men)
    undeclared = [e for e in experts if not e.interests_declared]
    if undeclared:
        yield _criterion("transparency", names=_names(undeclared))
    no_time = [e for e in experts if not e.time_allotted]
    if no_time:
        yield _criterion("time_allotted", names=_names(no_time))


@rule(
    id="nhv.expert-group-composition",
    title_sv="Kriterier vid sammansättning av sakkunniggrupper",
    title_en="Criteria for composing an expert group",
    citation="Socialstyrelsen, Kriterier vid sammansättning av sakkunniggrupper",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, 'Kriterier vid sammansättning av sakkunniggrupper'",
)
def expert_group_composition(step: Step) -> Iterator[Refusal]:
    """An expert group has clinical and scientific legitimacy, several professions,
    members from every healthcare region, a patient representative, gender balance
    (40/60 or better), declared interests and time allotted. Each missing criterion
    is its own violation.

    Seed 001, "Kriterier vid sammansättning av sakkunniggrupper":

        Gruppen ska ha:
         • relevant kunskap och legitimitet (klinisk och vetenskaplig) inom området
         • multiprofessionell kunskap som är relevant
         • representation från hela landet
         • Patientrepresentation
        Gruppen ska även vara jämställt sammansatt och vara transparent och öppen för
        insyn och deltagarna ska ha tillräckligt med tid avsatt för uppdraget.

    "Hela landet" is read as all six healthcare regions (Region Halland counts for
    both Västra and Södra); "jämställt" as 40/60 or better between women and men.
    """
    yield from composition_failures(step.payload.experts)


@rule(
    id="nhv.mapping-pause",
    title_sv="Inga nya sakkunniggrupper förrän kartläggningen är genomförd",
    title_en="No new expert groups until the overall mapping is done",
    citation="Socialstyrelsen, Nationell högspecialiserad vård (ny inriktning: övergripande "
    "kartläggning)",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, the paragraphs before 'Bakgrund'",
)
def mapping_pause(step: Step) -> Iterator[Refusal]:
    """While the overall mapping is not done, no new expert group may be appointed,
    except for pilot proposals.

    Seed 001:

        Därför kommer inga nya sakkunniggrupper startas upp förrän den övergripande
        kartläggningen av samtliga vårdområden är genomförd. Piloternas
        sakkunniggrupper som redan är igång fortsätter arbetet enligt plan.

    Judged at the step's business time: the mapping counts as done from the moment
    ``complete_mapping`` recorded it.
    """
    if step.data.get("pilot"):
        return
    done = step.facts.mapping_completed_at()
    if done is None or done > step.at:
        yield refuse(
            "No new expert groups are appointed until the overall mapping of all proposals "
            "is done, and this proposal is not a pilot; record the mapping as completed "
            "(complete_mapping) first, or wait.",
            "Inga nya sakkunniggrupper startas förrän den övergripande kartläggningen av alla "
            "förslag är genomförd, och förslaget är inte en pilot; registrera att "
            "kartläggningen är klar (complete_mapping) först, eller vänta.",
        )


@rule(
    id="nhv.permit-needs-application",
    title_sv="Tillstånd ges endast efter ansökan från huvudmannen",
    title_en="A permit is granted only on the region's application",
    citation="HSF (2017:80) 2 kap. 2 §; HSLF-FS 2018:48 3 kap.",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_SEED_REPORT}, the process steps 5–6; {_SEED_PAGE}, 'Steg 5 - Ansökan om tillstånd'",
)
def permit_needs_application(step: Step) -> Iterator[Refusal]:
    """A permit goes only to a region that applied; one application per region and
    area; the board is prepared only once there is an application.

    Seed 000: "5. Huvudmännen för hälso- och sjukvården ansöker om tillstånd att
    bedriva den högspecialiserade vården. 6. En nämnd med politiker beslutar var den
    högspecialiserade vården ska bedrivas." Permits are decided "on a region's
    application" (HSF 2017:80 2 kap. 2 §).
    """
    applicants = {a["region"] for a in step.data.get("applicants", [])}
    if step.trigger == "apply_for_permit":
        region = step.actor.principal
        if region is not None and region.name in applicants:
            yield refuse(
                f"{region.swedish_name} has already applied in this area; one application "
                "per region and area.",
                f"{region.swedish_name} har redan ansökt inom området; en ansökan per region "
                "och område.",
            )
    elif step.trigger == "prepare_board":
        if not applicants:
            yield refuse(
                "No region has applied for a permit yet; the board is prepared on the "
                "applications. Wait for applications within the window.",
                "Ingen region har ansökt om tillstånd ännu; nämnden bereds på ansökningarna.",
            )
    elif step.trigger == "grant_permits":
        seen: set[str] = set()
        for grant in step.payload.permits:
            region = grant.region
            if region.name in seen:
                yield refuse(
                    f"{region.swedish_name} appears twice in the grant; one permit per region.",
                    f"{region.swedish_name} förekommer två gånger; ett tillstånd per region.",
                )
            seen.add(region.name)
            if region.name not in applicants:
                yield refuse(
                    f"{region.swedish_name} has not applied for a permit in this area; a permit "
                    f"goes only to a region that applied (applicants: "
                    f"{', '.join(sorted(applicants)) or 'none'}).",
                    f"{region.swedish_name} har inte ansökt om tillstånd inom området; tillstånd "
                    "ges bara till en region som ansökt.",
                )
            elif holds_valid_permit(step, region):
                yield refuse(
                    f"{region.swedish_name} already holds a valid permit in this area.",
                    f"{region.swedish_name} har redan ett giltigt tillstånd inom området.",
                )


@rule(
    id=GENERAL_DUTY_RULE,
    title_sv="Tillståndshavaren ska sprida kunskap och samverka med remitterande vårdgivare",
    title_en="The permit holder spreads knowledge and cooperates with referring providers",
    citation="HSLF-FS 2018:48 4 kap. 4–5 §",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_SEED_REPORT}, 'Socialstyrelsen kan inte besluta om särskilda koncentration av "
    "rådgivning' and 'Slutsats' point 1",
)
def general_knowledge_duty(step: Step) -> Iterator[Refusal]:
    """Every permit carries the duty to spread knowledge and to cooperate with
    referring providers. The duty is set by the regulation: it attaches to every
    permit as written, and the board cannot reword or waive it (it can only add
    special conditions, see ``nhv.special-conditions-need-basis``).

    Seed 000:

        En enhet eller verksamhet som får tillstånd att bedriva nationell
        högspecialiserad vård har ansvar för kunskapsspridning i hälso- och sjukvården,
        och ett tydligt ansvar att samverka med de vårdgivare som remitterar patienten
        till sådan vård. Detta enligt de generella villkoren i Socialstyrelsens
        föreskrift om nationell högspecialiserad vård (4 kap. 4–5 § HSLF-FS 2018:48).

    The engine records the duty's text on every permit granted (condition with rule
    ``nhv.general-knowledge-duty``); a grant that tries to set another text is refused.
    """
    given = step.payload.general_duty
    if given != GENERAL_DUTY_TEXT:
        yield refuse(
            "The general knowledge duty is set by the regulation and attaches to every permit "
            "unchanged; the board cannot reword or waive it. Leave general_duty out and put "
            "further requirements in special_conditions.",
            "Den generella skyldigheten att sprida kunskap följer av föreskriften och gäller "
            "varje tillstånd oförändrad; nämnden kan inte ändra eller avstå från den. Utelämna "
            "general_duty och lägg ytterligare krav i special_conditions.",
        )


@rule(
    id=SPECIAL_CONDITIONS_RULE,
    title_sv="Särskilda villkor om kunskapsspridning kräver stöd i underlaget",
    title_en="Special knowledge-spreading conditions need support in the basis",
    citation="HSLF-FS 2018:48 4 kap.; Socialstyrelsen, Förutsättningar för kompetenscentrum "
    "(slutsats p. 2)",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_SEED_REPORT}, 'Slutsats' point 2",
)
def special_conditions_need_basis(step: Step) -> Iterator[Refusal]:
    """The board may add knowledge-spreading conditions to a permit only when the
    basis or the consultation recorded the need.

    Seed 000, "Slutsats":

        2. Nämnden för nationell högspecialiserad vård kan besluta att ytterligare
        specificera en tillståndsinnehavares uppdrag att sprida kunskap, om det behövs
        enligt de utredningar och beredningar som föregår Socialstyrelsens beslut om
        nationell högspecialiserad vård.
    """
    with_conditions = [g for g in step.payload.permits if g.special_conditions]
    if with_conditions and not step.data.get("knowledge_spreading_need"):
        regions = ", ".join(g.region.swedish_name for g in with_conditions)
        yield refuse(
            f"Special knowledge-spreading conditions were set for {regions}, but neither the "
            "basis nor the consultation recorded a need for them; grant without special "
            "conditions, or refer the case back so that the need can be established.",
            f"Särskilda villkor om kunskapsspridning angavs för {regions}, men varken "
            "underlaget eller remissen visade ett sådant behov; bevilja utan särskilda villkor "
            "eller återremittera ärendet.",
        )


@rule(
    id="nhv.follow-up-by-holder",
    title_sv="Tillståndshavaren följer upp tillståndet årligen",
    title_en="The permit holder reports a follow-up every year",
    citation="Socialstyrelsen, arbetsprocess för NHV steg 8; HSLF-FS 2018:48",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_SEED_PAGE}, 'Steg 8 - Uppföljning och utvärdering av tillstånden'",
)
def follow_up_by_holder(step: Step) -> Iterator[Refusal]:
    """One follow-up report per permit and year, by the holder, for a year in which
    it held the permit and that has begun.

    Seed 001: "Steg 8 - Uppföljning och utvärdering av tillstånden. Ansvarig:
    Landstingen ansvarar för årlig uppföljning av tillstånden och Socialstyrelsen
    ansvarar för utvärdering av tillstånden." (Holding the permit is judged by
    ``nhv.responsible-party``.)
    """
    region = step.actor.principal
    if region is None:
        return
    year = step.payload.year
    granted = [p for p in step.data.get("permits", []) if p["region"] == region.name and p["valid"]]
    first = min((int(p["granted_at"][:4]) for p in granted), default=None)
    if first is not None and year < first:
        yield refuse(
            f"{region.swedish_name} held no permit in {year} (granted {first}); report for "
            f"{first} or later.",
            f"{region.swedish_name} hade inget tillstånd {year} (beviljat {first}); rapportera "
            f"för {first} eller senare.",
        )
    if year > step.at.year:
        yield refuse(
            f"The follow-up for {year} cannot be reported in {step.at.year}; report a year "
            "that has begun.",
            f"Uppföljningen för {year} kan inte rapporteras {step.at.year}; rapportera ett år "
            "som har börjat.",
        )
    done = {(f["region"], f["year"]) for f in step.data.get("follow_ups", [])}
    if (region.name, year) in done:
        yield refuse(
            f"{region.swedish_name} has already reported the follow-up for {year}; one report "
            "per permit and year.",
            f"{region.swedish_name} har redan rapporterat uppföljningen för {year}; en rapport "
            "per tillstånd och år.",
        )


@rule(
    id="nhv.revocation-grounds",
    title_sv="Tillstånd återkallas endast på laglig grund",
    title_en="A permit is revoked only on a statutory ground",
    citation="prop. 2017/18:40; HSF (2017:80) 2 kap. 2 §",
    kind="statute",
    valid_from=IN_FORCE,
    seed="DESIGN.md §4, legal facts: a permit ends only by revocation",
)
def revocation_grounds(step: Step) -> Iterator[Refusal]:
    """A permit holds until further notice (tills vidare) and ends only by
    revocation: when its conditions are not met, when circumstances have changed, or
    at the holder's request — the last only after the holder asked.

    Legal facts (DESIGN.md §4, outside the seeds): "permits hold until further notice
    (tills vidare), carry conditions and can be revoked (prop. 2017/18:40, in force
    2018-07-01)". Only a valid permit can be revoked.
    """
    region: Region = step.payload.region
    if not holds_valid_permit(step, region):
        yield refuse(
            f"{region.swedish_name} holds no valid permit in this case; nothing to revoke.",
            f"{region.swedish_name} har inget giltigt tillstånd i ärendet; inget att återkalla.",
        )
        return
    if step.payload.ground == "holder_request":
        asked = any(r["region"] == region.name for r in step.data.get("revocation_requests", []))
        if not asked:
            yield refuse(
                f"{region.swedish_name} has not asked for its permit to be revoked; the ground "
                "'holder_request' needs the holder's request_revocation first.",
                f"{region.swedish_name} har inte begärt återkallelse; grunden 'holder_request' "
                "kräver tillståndshavarens begäran först.",
            )


RULES = (
    RESPONSIBLE_PARTY,
    advisory_requires_concentrated_care,
    max_five_units,
    application_window,
    expert_group_composition,
    mapping_pause,
    permit_needs_application,
    general_knowledge_duty,
    special_conditions_need_basis,
    follow_up_by_holder,
    revocation_grounds,
)
"""Every rule of the regime ``nhv``, in catalogue order."""
