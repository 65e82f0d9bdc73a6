"""The rules of national highly specialised care as in force (regime ``nhv``).

Each rule quotes, in its docstring, the passage of its source it encodes:

- Socialstyrelsen's web page *Nationell högspecialiserad vård* (2019), "the
  NHV page" below;
- Socialstyrelsen's report *Förutsättningar för kompetenscentrum inom
  nationell högspecialiserad vård* (2019), "the report" below;
- the statutes: hälso- och sjukvårdslagen (HSL 2017:30), hälso- och
  sjukvårdsförordningen (HSF 2017:80), Socialstyrelsens föreskrifter
  HSLF-FS 2018:48, and the bill prop. 2017/18:40.

Rules judge a step as of its business time; all of these are in force from
2018-07-01, when the NHV system replaced rikssjukvård (the NHV page: "De
områden som tidigare varit rikssjukvård är sedan 1 juli 2018 nationell
högspecialiserad vård").
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime

import attrs

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
    "APPLICATION_PERIOD",
    "BOARD",
    "DEFAULT_PILOT_AREAS",
    "EXPERT_GROUP_OF_CASE",
    "GENERAL_DUTY_TEXT",
    "IN_FORCE",
    "MAX_UNITS",
    "NPO_OF_AREA",
    "PERMIT_HOLDER",
    "REGION_FOR_ITSELF",
    "RESPONSIBLE_PARTY",
    "RULES",
    "SETTINGS",
    "SOCIALSTYRELSEN",
    "Setting",
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
    "pilot_areas",
    "proposal_nominates_experts",
    "revocation_grounds",
    "special_conditions_need_basis",
]

IN_FORCE = date(2018, 7, 1)
"""The NHV system in force: prop. 2017/18:40, HSL (2017:30) as amended."""

MAX_UNITS = 5
"""Socialstyrelsen's "som mest fem enheter" (the NHV page)."""


@attrs.frozen
class Setting:
    """A value the registry applies where the sources set none: its id,
    value, unit, kind (``"practice"``: how Socialstyrelsen works, not law)
    and what it rests on. Settings are listed beside the rules and never
    cited as a rule."""

    id: str
    value: int
    unit: str
    kind: str
    en: str
    sv: str
    basis: str


APPLICATION_PERIOD = Setting(
    id="nhv.application-period",
    value=3,
    unit="months",
    kind="practice",
    en="The default period for permit applications after a decision (or after a revocation "
    "frees a place), when Socialstyrelsen sets no last day of its own.",
    sv="Standardtiden för ansökan om tillstånd efter ett beslut (eller efter att en "
    "återkallelse frigjort en plats), när Socialstyrelsen inte anger någon sista dag.",
    basis="Practice: the request for applications sets the period (HSLF-FS 2018:48 3 kap.), "
    "and neither the regulation nor Socialstyrelsen's page sets its length; three months is "
    "this library's default, not law.",
)
"""The default application period: a setting of kind practice, never law."""

SETTINGS = (APPLICATION_PERIOD,)
"""Every setting of the regime ``nhv`` (listed in the rule catalogue apart from the rules)."""

DEFAULT_PILOT_AREAS: tuple[str, ...] = (
    "Kvinnosjukdomar och förlossning",
    "Nervsystemets sjukdomar",
)
"""The programme areas Socialstyrelsen's NHV page marks "(Pilot)": designated
without an event. Socialstyrelsen may designate others with
:meth:`~nhvflow.Registry.designate_pilot`."""

_PILOTS_SINCE = datetime(2018, 7, 1, tzinfo=UTC)

GENERAL_DUTY_TEXT = (
    "Tillståndshavaren ska sprida kunskap om vårdområdet till den övriga hälso- och "
    "sjukvården och samverka med de vårdgivare som remitterar patienter "
    "(HSLF-FS 2018:48 4 kap. 4–5 §)."
)
"""The general knowledge duty every permit carries, as recorded on the permit."""

_PAGE = "Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019)"
_REPORT = (
    "Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell högspecialiserad "
    "vård (2019)"
)


def pilot_areas(designations: Mapping[str, datetime], at: datetime) -> list[str]:
    """The programme areas designated as pilots at ``at``: the defaults and
    those ``designations`` (area -> since when) names from then on."""
    areas = list(DEFAULT_PILOT_AREAS) if at >= _PILOTS_SINCE else []
    for area, since in designations.items():
        if since <= at and not any(same_area(area, known) for known in areas):
            areas.append(area)
    return areas


def _is_pilot_area(step: Step, area: str | None) -> bool:
    return any(same_area(area, a) for a in pilot_areas(step.facts.pilot_designations(), step.at))


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
    seed=f"{_PAGE}, 'Arbetsprocess': Steg 1–8 with 'Ansvarig: ...'",
    doc="""Only the responsible party may fire a step; an NPO only in its own
area; a region only for itself.

Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019), "Arbetsprocess":

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

Sakkunniggrupperna leds av Socialstyrelsen (the report, Förutsättningar för
kompetenscentrum, 2019: "Sakkunniggrupper ledda av Socialstyrelsen genomlyser
förslagen"), so Socialstyrelsen appoints them.
""",
)


# -- the rules -------------------------------------------------------------------------


@rule(
    id="nhv.advisory-requires-concentrated-care",
    title_sv="Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras",
    title_en="Advice cannot be concentrated unless care measures are concentrated too",
    citation="HSLF-FS 2018:48 4 kap. 4–5 §; Socialstyrelsen, Förutsättningar för "
    "kompetenscentrum inom nationell högspecialiserad vård (2019), Slutsats",
    kind="authority report",
    valid_from=IN_FORCE,
    seed=f"{_REPORT}, 'Slutsats' and 'Socialstyrelsen kan inte besluta om särskilda "
    "koncentration av rådgivning'",
)
def advisory_requires_concentrated_care(step: Step) -> Iterator[Refusal]:
    """A decision concentrates care measures, whatever the flags say: NHV is
    care, and advice can only ride on care concentrated in the same decision.
    A permit is granted only on a decision that concentrated care measures,
    and carries them.

    Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
    högspecialiserad vård (2019), "Sammanfattning":

        Socialstyrelsen kan alltså inte besluta om nationella kompetenscentrum som
        enbart ger råd till den övriga hälso- och sjukvården, utan att diagnostisera
        eller behandla patienter.

    "Slutsats":

        Socialstyrelsen kan inte besluta att koncentrera rådgivning till hälso- och
        sjukvården till nationella kompetenscentrum, på förslag från de nationella
        programområdena, om inte vårdåtgärder inom området koncentreras på samma sätt.

    and "Socialstyrelsen kan inte besluta om särskilda koncentration av rådgivning":

        Däremot finns det inget stöd i föreskriften för Socialstyrelsen att besluta om
        koncentrerad rådgivning när behovet inte sammanfaller med att vårdåtgärder
        koncentreras, det vill säga när patienter inte kommer att remitteras till
        tillståndspliktig vård.

    The facts come from the record: the decision's care measures, by default the
    basis's (what the expert group found to concentrate), never a caller's
    ``advisory`` or ``advisory_mission`` flag alone. Submitting an advisory-only
    proposal is allowed (NPOs do: "Många förslag från NPO innebär dock endast
    högspecialiserad rådgivning"); deciding it is not. Socialstyrelsen may close
    it with ``close_not_eligible`` citing this rule.
    """
    if step.trigger == "grant_permits":
        decided = (step.data.get("decision") or {}).get("care_measures") or []
        if not [c for c in decided if str(c).strip()]:
            yield refuse(
                "The decision this grant rests on concentrates no care measures, so a permit "
                "would carry advice alone; national highly specialised care is care. Grant "
                "permits only on a decision that concentrates care measures.",
                "Beslutet som tillståndet vilar på koncentrerar inga vårdåtgärder, så tillståndet "
                "skulle bara avse rådgivning; nationell högspecialiserad vård är vård. Bevilja "
                "tillstånd endast på ett beslut som koncentrerar vårdåtgärder.",
            )
        return
    care = [c for c in (step.payload.care_measures or ()) if c.strip()]
    if care:
        return
    advisory = bool(step.payload.advisory_mission or step.data.get("advisory"))
    if advisory:
        yield refuse(
            "An advisory mission (a competence centre) can only be decided together with "
            "concentrated care measures, and this decision concentrates none; name the care "
            "measures in the decision, or close the proposal as not eligible.",
            "Ett rådgivningsuppdrag (kompetenscentrum) kan bara beslutas tillsammans med "
            "koncentrerade vårdåtgärder, och beslutet koncentrerar inga; ange vårdåtgärderna "
            "i beslutet eller avsluta förslaget som inte aktuellt.",
        )
    else:
        yield refuse(
            "This decision concentrates no care measures (neither the decision nor the basis "
            "names any); national highly specialised care is care, and advice alone cannot be "
            "concentrated. Name the care measures in the decision, or close the proposal as "
            "not eligible.",
            "Beslutet koncentrerar inga vårdåtgärder (varken beslutet eller underlaget anger "
            "några); nationell högspecialiserad vård är vård, och enbart rådgivning kan inte "
            "koncentreras. Ange vårdåtgärderna i beslutet eller avsluta förslaget som inte "
            "aktuellt.",
        )


@rule(
    id="nhv.proposal-nominates-experts",
    title_sv="Förslaget nominerar sakkunniga till steg 2",
    title_en="A proposal nominates experts for step 2",
    citation=f"{_PAGE}, Arbetsprocess, steg 1",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_PAGE}, 'Steg 1 - Ta fram förslag till vårdområden som ska genomlysas och "
    "nominera sakkunniga till steg 2'",
)
def proposal_nominates_experts(step: Step) -> Iterator[Refusal]:
    """A proposal names at least one nominated expert.

    Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019),
    "Arbetsprocess":

        Steg 1 - Ta fram förslag till vårdområden som ska genomlysas och nominera
        sakkunniga till steg 2.
        Ansvarig: Representanterna i det nationella programområdet (NPO).

    A refusal rather than a malformed payload: the list is well formed when
    empty, and what is missing is a step the NPO's work process requires.
    """
    if not step.payload.nominated_experts:
        yield refuse(
            "The proposal nominates no experts; step 1 is to propose a care area and nominate "
            "experts for the expert group of step 2. Name at least one in nominated_experts.",
            "Förslaget nominerar inga sakkunniga; steg 1 är att föreslå ett vårdområde och "
            "nominera sakkunniga till sakkunniggruppen i steg 2. Ange minst en i "
            "nominated_experts.",
        )


@rule(
    id="nhv.max-five-units",
    title_sv="Vården bedrivs vid som mest fem enheter",
    title_en="Care is run at no more than five units",
    citation="HSL (2017:30) 2 kap. 7 §; prop. 2017/18:40; Socialstyrelsen (som mest fem enheter)",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_PAGE}, 'Bakgrund': 'som mest fem enheter i landet'",
)
def max_five_units(step: Step) -> Iterator[Refusal]:
    """``decide`` needs 1 to 5 units; ``grant_permits`` may never bring the valid
    permits of the area above the units decided, and once permits are granted a
    region may apply again only for a place a revocation freed.

    Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019), "Bakgrund":

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
    elif step.trigger == "apply_for_permit" and step.data.get("permits"):
        decided = int(step.data.get("units") or 0)
        valid = sum(1 for p in step.data["permits"] if p["valid"])
        if valid >= decided:
            yield refuse(
                f"All {decided} places decided are held by valid permits; a region may apply "
                "again only when a revocation frees a place.",
                f"Alla {decided} beslutade platser innehas av giltiga tillstånd; en region kan "
                "ansöka igen först när en återkallelse frigör en plats.",
            )


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_applications_due(decided_on: date) -> date:
    """The default last day for applications: :data:`APPLICATION_PERIOD`
    (three months, a setting of practice) after the decision or revocation."""
    return _add_months(decided_on, APPLICATION_PERIOD.value)


@rule(
    id="nhv.application-window",
    title_sv="Ansökan om tillstånd görs inom den tid Socialstyrelsen anger",
    title_en="Permit applications are made within the period Socialstyrelsen sets",
    citation="HSLF-FS 2018:48 3 kap. 1 §",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_PAGE}, 'Steg 5 - Ansökan om tillstånd. Ansvarig: Landstingen.'",
)
def application_window(step: Step) -> Iterator[Refusal]:
    """``decide`` sets the period in which regions may apply (Socialstyrelsen's
    request for applications); ``apply_for_permit`` outside it is refused. A
    revocation that frees a place opens a new period, for the new round of
    applications.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), the process:
    "5. Huvudmännen för hälso- och sjukvården ansöker om tillstånd att bedriva den
    högspecialiserade vården." Socialstyrelsen, webbsidan Nationell
    högspecialiserad vård (2019): "I steg 5-8 sker beredning inför ansökan,
    nämnden tar beslut om tillstånd". The period is set in Socialstyrelsen's
    request for applications (HSLF-FS 2018:48 3 kap. 1 §). Neither source sets
    its length: when the decision names no last day, the registry's setting
    ``nhv.application-period`` applies (three months, Socialstyrelsen's
    practice as this library models it, not law).
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
    window = step.data.get("application_window")
    if window is not None:
        opened, due_text = str(window["opens"])[:10], window["due"]
    else:
        decision = step.data.get("decision") or {}
        opened = str(decision.get("decided_at", ""))[:10]
        due_text = decision.get("applications_due")
    day = step.at.date()
    if due_text and day > date.fromisoformat(due_text):
        yield refuse(
            f"Applications closed on {due_text}; this one is dated {day}. Apply within the "
            "period Socialstyrelsen set; a new period opens when a revocation frees a place.",
            f"Ansökningstiden gick ut {due_text}; ansökan är daterad {day}. Ansök inom den tid "
            "Socialstyrelsen angett; en ny ansökningstid öppnar när en återkallelse frigör en "
            "plats.",
        )
    elif opened and day.isoformat() < opened:
        yield refuse(
            f"Applications open on {opened}; this one is dated {day}.",
            f"Ansökningstiden öppnar {opened}; ansökan är daterad {day}.",
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
    seed=f"{_PAGE}, 'Kriterier vid sammansättning av sakkunniggrupper'",
)
def expert_group_composition(step: Step) -> Iterator[Refusal]:
    """An expert group has clinical and scientific legitimacy, several professions,
    members from every healthcare region, a patient representative, gender balance
    (40/60 or better), declared interests and time allotted. Each missing criterion
    is its own violation.

    Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019), "Kriterier vid
    sammansättning av sakkunniggrupper":

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
    citation=f"{_PAGE} (ny inriktning: övergripande kartläggning)",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_PAGE}, the paragraphs before 'Bakgrund'; 'Nationella programområden'",
)
def mapping_pause(step: Step) -> Iterator[Refusal]:
    """While the overall mapping is not done, no new expert group may be appointed,
    except for pilot proposals. The pilots are the proposals of the programme areas
    Socialstyrelsen designated as pilots, a fact of the registry, never a caller's
    word: a proposal flagged ``pilot=True`` outside a designated area is refused
    at ``submit``.

    Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019):

        Därför kommer inga nya sakkunniggrupper startas upp förrän den övergripande
        kartläggningen av samtliga vårdområden är genomförd. Piloternas
        sakkunniggrupper som redan är igång fortsätter arbetet enligt plan.

    and, under "Nationella programområden", the two areas marked as pilots:
    "Kvinnosjukdomar och förlossning (Pilot)" and "Nervsystemets sjukdomar
    (Pilot)". Socialstyrelsen may designate others
    (:meth:`~nhvflow.Registry.designate_pilot`, a recorded event). Judged at the
    step's business time: the mapping counts as done, and an area as a pilot,
    from the moment the registry recorded it.
    """
    area = step.data.get("programme_area") or getattr(step.payload, "programme_area", None)
    pilot = _is_pilot_area(step, area)
    if step.trigger == "submit":
        if step.payload.pilot and not pilot:
            designated = ", ".join(pilot_areas(step.facts.pilot_designations(), step.at))
            yield refuse(
                f"{area} is not a programme area designated as a pilot, so its proposal cannot "
                f"be submitted as one (pilot areas: {designated}). Submit with pilot=False, or "
                "have Socialstyrelsen designate the area first (Registry.designate_pilot).",
                f"{area} är inget programområde som utsetts till pilot, så förslaget kan inte "
                f"lämnas som pilot (pilotområden: {designated}). Lämna förslaget med "
                "pilot=False, eller låt Socialstyrelsen först utse området till pilot.",
            )
        return
    if pilot:
        return
    done = step.facts.mapping_completed_at()
    if done is None or done > step.at:
        yield refuse(
            f"No new expert groups are appointed until the overall mapping of all proposals "
            f"is done, and {area} is not a programme area designated as a pilot; record the "
            "mapping as completed (complete_mapping) first, or wait.",
            f"Inga nya sakkunniggrupper startas förrän den övergripande kartläggningen av alla "
            f"förslag är genomförd, och {area} är inget pilotområde; registrera att "
            "kartläggningen är klar (complete_mapping) först, eller vänta.",
        )


def _round(step: Step) -> int:
    return int(step.data.get("application_round", 0))


@rule(
    id="nhv.permit-needs-application",
    title_sv="Tillstånd ges endast efter ansökan från huvudmannen",
    title_en="A permit is granted only on the region's application",
    citation="HSF (2017:80) 2 kap. 2 §; HSLF-FS 2018:48 3 kap.",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_REPORT}, the process steps 5–6; {_PAGE}, 'Steg 5 - Ansökan om tillstånd'",
)
def permit_needs_application(step: Step) -> Iterator[Refusal]:
    """A permit goes only to a region that applied in the current round of
    applications; one application per region and round; the board is prepared
    only once there is an application, and decides only on prepared ones.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "5. Huvudmännen
    för hälso- och sjukvården ansöker om tillstånd att bedriva den
    högspecialiserade vården. 6. En nämnd med politiker beslutar var den
    högspecialiserade vården ska bedrivas." Permits are decided "on a region's
    application" (HSF 2017:80 2 kap. 2 §). A revocation frees a place and opens a
    new round, in the same case.
    """
    current = _round(step)
    applicants = {
        a["region"] for a in step.data.get("applicants", []) if a.get("round", 0) == current
    }
    if step.trigger == "apply_for_permit":
        region = step.actor.principal
        if region is not None and region.name in applicants:
            yield refuse(
                f"{region.swedish_name} has already applied in this area; one application "
                "per region and round of applications.",
                f"{region.swedish_name} har redan ansökt inom området; en ansökan per region "
                "och ansökningsomgång.",
            )
        elif holds_valid_permit(step, region):
            assert region is not None
            yield refuse(
                f"{region.swedish_name} already holds a valid permit in this area.",
                f"{region.swedish_name} har redan ett giltigt tillstånd inom området.",
            )
    elif step.trigger == "prepare_board":
        granted = {p["region"] for p in step.data.get("permits", []) if p["valid"]}
        if not applicants - granted:
            yield refuse(
                "No region has an application before the board in this round; the board is "
                "prepared on the applications. Wait for applications within the window.",
                "Ingen region har en ansökan inför nämnden i denna omgång; nämnden bereds på "
                "ansökningarna.",
            )
    elif step.trigger == "grant_permits":
        if (
            step.case is not None
            and step.case.state == "permitted"
            and not step.data.get("before_board")
        ):
            yield refuse(
                "No applications have been prepared for the board since its last decision; "
                "Socialstyrelsen prepares them first (prepare_board).",
                "Inga ansökningar har beretts inför nämnden sedan dess senaste beslut; "
                "Socialstyrelsen bereder dem först (prepare_board).",
            )
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
    seed=f"{_REPORT}, 'Socialstyrelsen kan inte besluta om särskilda koncentration av "
    "rådgivning' and 'Slutsats' point 1",
)
def general_knowledge_duty(step: Step) -> Iterator[Refusal]:
    """Every permit carries the duty to spread knowledge and to cooperate with
    referring providers. The duty is set by the regulation: it attaches to every
    permit as written, and the board cannot reword or waive it (it can only add
    special conditions, see ``nhv.special-conditions-need-basis``).

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019):

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
    title_sv="Särskilda villkor om kunskapsspridning kräver stöd i beredningen",
    title_en="Special knowledge-spreading conditions need support in the preparations",
    citation="HSLF-FS 2018:48 4 kap.; Socialstyrelsen, Förutsättningar för kompetenscentrum "
    "inom nationell högspecialiserad vård (2019), Slutsats p. 2",
    kind="regulation",
    valid_from=IN_FORCE,
    seed=f"{_REPORT}, 'Sammanfattning' and 'Slutsats' point 2",
)
def special_conditions_need_basis(step: Step) -> Iterator[Refusal]:
    """The board may add knowledge-spreading conditions to a permit only when the
    investigations and preparations before its decision recorded the need: the
    basis, the consultation, or the board preparation (so a case referred back
    can gain the need). The rule judges knowledge-spreading conditions only (a
    grant's ``special_conditions``), not conditions of other kinds.

    Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
    högspecialiserad vård (2019), "Slutsats":

        2. Nämnden för nationell högspecialiserad vård kan besluta att ytterligare
        specificera en tillståndsinnehavares uppdrag att sprida kunskap, om det behövs
        enligt de utredningar och beredningar som föregår Socialstyrelsens beslut om
        nationell högspecialiserad vård.

    and "Sammanfattning": "om det behövs enligt de utredningar och beredningar som
    föregår beslutet om nationell högspecialiserad vård."
    """
    with_conditions = [g for g in step.payload.permits if g.special_conditions]
    if with_conditions and not step.data.get("knowledge_spreading_need"):
        regions = ", ".join(g.region.swedish_name for g in with_conditions)
        yield refuse(
            f"Special knowledge-spreading conditions were set for {regions}, but neither the "
            "basis, the consultation nor the board preparation recorded a need for them; grant "
            "without special conditions, or refer the case back so that the preparation can "
            "establish the need (prepare_board(knowledge_spreading_need=True)).",
            f"Särskilda villkor om kunskapsspridning angavs för {regions}, men varken "
            "underlaget, remissen eller beredningen inför nämnden visade ett sådant behov; "
            "bevilja utan särskilda villkor eller återremittera ärendet.",
        )


@rule(
    id="nhv.follow-up-by-holder",
    title_sv="Tillståndshavaren följer upp tillståndet årligen",
    title_en="The permit holder reports a follow-up every year",
    citation="Socialstyrelsen, arbetsprocess för NHV steg 8; HSLF-FS 2018:48",
    kind="practice",
    valid_from=IN_FORCE,
    seed=f"{_PAGE}, 'Steg 8 - Uppföljning och utvärdering av tillstånden'",
)
def follow_up_by_holder(step: Step) -> Iterator[Refusal]:
    """One follow-up report per permit and year, by the holder, for a year in which
    it held the permit and that has begun.

    Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019): "Steg 8 - Uppföljning
    och utvärdering av tillstånden. Ansvarig:
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
    seed="prop. 2017/18:40 (tillstånd gäller tills vidare och kan återkallas); HSF (2017:80) "
    "2 kap. 2 §",
)
def revocation_grounds(step: Step) -> Iterator[Refusal]:
    """A permit holds until further notice (tills vidare) and ends only by
    revocation: when its conditions are not met, when circumstances have changed, or
    at the holder's request — the last only after the holder asked.

    Prop. 2017/18:40 (in force 2018-07-01): permits hold until further notice
    (tills vidare), carry conditions and can be revoked; Socialstyrelsen decides on
    permits and their revocation (HSF 2017:80 2 kap. 1–2 §). Only a valid permit can
    be revoked. A revocation frees a place, which a new round of applications can
    fill in the same case.
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
    proposal_nominates_experts,
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
