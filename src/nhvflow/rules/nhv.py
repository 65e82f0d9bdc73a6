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

The rules read a case through :class:`NhvCase` (``step.view(NhvCase)``: the
units decided, the application period, the permits and applicants as typed
records), and what they share is declared once in :data:`RULEBOOK`.
"""

from __future__ import annotations

from collections.abc import Iterator

from nhvflow import events as ev
from nhvflow._parties import text_key
from nhvflow.model import Expert, HealthcareRegion
from nhvflow.rules._base import (
    Refusal,
    Step,
    refuse,
)
from nhvflow.rules._nhv_base import (
    _PAGE,
    _REPORT,
    APPLICATION_PERIOD,
    BOARD,
    DEFAULT_PILOT_AREAS,
    EXPERT_GROUP_OF_CASE,
    GENERAL_DUTY_TEXT,
    IN_FORCE,
    MAX_UNITS,
    NPO_OF_AREA,
    PERMIT_HOLDER,
    REGION_FOR_ITSELF,
    RESPONSIBLE_PARTY,
    RULEBOOK,
    SETTINGS,
    SOCIALSTYRELSEN,
    Setting,
    _is_pilot_area,
    default_applications_due,
    nhv_rule,
    pilot_areas,
    proposal_area,
)
from nhvflow.rules._nhv_permits import (
    follow_up_by_holder,
    general_knowledge_duty,
    permit_needs_application,
    revocation_grounds,
    special_conditions_need_basis,
)
from nhvflow.rules._views import NhvCase

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
    "RULEBOOK",
    "RULES",
    "SETTINGS",
    "SOCIALSTYRELSEN",
    "NhvCase",
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


@nhv_rule(
    id="nhv.advisory-requires-concentrated-care",
    title_sv="Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras",
    title_en="Advice cannot be concentrated unless care measures are concentrated too",
    citation="HSLF-FS 2018:48 4 kap. 4–5 §; Socialstyrelsen, Förutsättningar för "
    "kompetenscentrum inom nationell högspecialiserad vård (2019), Slutsats",
    kind="authority report",
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
    ``advisory`` or ``advisory_mission`` flag alone. A decision rests on the
    basis (the report, "Kompetenscentrum som nationell högspecialiserad vård i
    Sverige?"):

        4. Socialstyrelsen beslutar att definiera vårdområdet som nationell
        högspecialiserad vård, med underlaget som grund.

    so when the expert group's basis found no care measures to concentrate, care
    measures named in the decision alone are refused too: typing advice into the
    decision as care would walk around the rule. Submitting an advisory-only
    proposal is allowed (NPOs do: "Många förslag från NPO innebär dock endast
    högspecialiserad rådgivning"); deciding it is not. Socialstyrelsen may close
    it with ``close_not_eligible`` citing this rule.
    """
    case = step.view(NhvCase)
    if step.trigger == "grant_permits":
        decided = case.decision.care_measures if case.decision is not None else ()
        if not [c for c in decided if c.strip()]:
            yield refuse(
                "The decision this grant rests on concentrates no care measures, so a permit "
                "would carry advice alone; national highly specialised care is care. Grant "
                "permits only on a decision that concentrates care measures.",
                "Beslutet som tillståndet vilar på koncentrerar inga vårdåtgärder, så tillståndet "
                "skulle bara avse rådgivning; nationell högspecialiserad vård är vård. Bevilja "
                "tillstånd endast på ett beslut som koncentrerar vårdåtgärder.",
            )
        return
    decision: ev.NhvDecided = step.payload
    care = [c for c in (decision.care_measures or ()) if c.strip()]
    found = [c for c in case.care_to_concentrate if c.strip()]  # the basis's, once delivered
    if care and found:
        return
    if care:
        yield refuse(
            "The expert group's basis found no care measures to concentrate, and a decision "
            "rests on its basis; care measures named in the decision alone do not make the "
            "proposal care (advice alone cannot be concentrated). Close the proposal as not "
            "eligible.",
            "Sakkunniggruppens underlag fann inga vårdåtgärder att koncentrera, och beslutet "
            "fattas med underlaget som grund; vårdåtgärder som bara anges i beslutet gör inte "
            "förslaget till vård (enbart rådgivning kan inte koncentreras). Avsluta förslaget "
            "som inte aktuellt.",
        )
        return
    remedy_en = (
        "leave care_measures out to concentrate the basis's, or name some of them"
        if found
        else "the basis found none: close the proposal as not eligible"
    )
    remedy_sv = (
        "utelämna care_measures för att koncentrera underlagets, eller ange några av dem"
        if found
        else "underlaget fann inga: avsluta förslaget som inte aktuellt"
    )
    if decision.advisory_mission or case.advisory:
        yield refuse(
            "An advisory mission (a competence centre) can only be decided together with "
            f"concentrated care measures, and this decision concentrates none; {remedy_en}.",
            "Ett rådgivningsuppdrag (kompetenscentrum) kan bara beslutas tillsammans med "
            f"koncentrerade vårdåtgärder, och beslutet koncentrerar inga; {remedy_sv}.",
        )
    else:
        yield refuse(
            "This decision concentrates no care measures; national highly specialised care is "
            f"care, and advice alone cannot be concentrated: {remedy_en}.",
            "Beslutet koncentrerar inga vårdåtgärder; nationell högspecialiserad vård är vård, "
            f"och enbart rådgivning kan inte koncentreras: {remedy_sv}.",
        )


@nhv_rule(
    id="nhv.proposal-nominates-experts",
    title_sv="Förslaget nominerar sakkunniga till steg 2",
    title_en="A proposal nominates experts for step 2",
    citation=f"{_PAGE}, Arbetsprocess, steg 1",
    kind="practice",
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
    proposal: ev.ProposalSubmitted = step.payload
    if not proposal.nominated_experts:
        yield refuse(
            "The proposal nominates no experts; step 1 is to propose a care area and nominate "
            "experts for the expert group of step 2. Name at least one in nominated_experts.",
            "Förslaget nominerar inga sakkunniga; steg 1 är att föreslå ett vårdområde och "
            "nominera sakkunniga till sakkunniggruppen i steg 2. Ange minst en i "
            "nominated_experts.",
        )


@nhv_rule(
    id="nhv.max-five-units",
    title_sv="Vården bedrivs vid som mest fem enheter",
    title_en="Care is run at no more than five units",
    citation=f"HSL (2017:30) 2 kap. 7 §; prop. 2017/18:40; {_PAGE}, 'Bakgrund'",
    kind="practice",
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
        decision: ev.NhvDecided = step.payload
        units = decision.units
        if not 1 <= units <= MAX_UNITS:
            yield refuse(
                f"{units} units were asked for; national highly specialised care is run at "
                f"1 to {MAX_UNITS} units. Decide on 1 to {MAX_UNITS} units.",
                f"{units} enheter begärdes; nationell högspecialiserad vård bedrivs vid 1 till "
                f"{MAX_UNITS} enheter. Besluta om 1 till {MAX_UNITS} enheter.",
            )
        return
    case = step.view(NhvCase)
    decided, valid = case.units or 0, len(case.valid_permits)
    if step.trigger == "grant_permits":
        granted: ev.PermitsGranted = step.payload
        asked = len(granted.permits)
        if valid + asked > decided:
            yield refuse(
                f"{asked} permits were asked for beside {valid} valid ones, {valid + asked} in "
                f"all, but {decided} units were decided; grant at most {decided - valid}.",
                f"{asked} tillstånd begärdes utöver {valid} giltiga, {valid + asked} totalt, men "
                f"beslutet gäller {decided} enheter; bevilja högst {decided - valid}.",
            )
    elif step.trigger == "apply_for_permit" and case.permits and valid >= decided:
        yield refuse(
            f"All {decided} places decided are held by valid permits; a region may apply "
            "again only when a revocation frees a place.",
            f"Alla {decided} beslutade platser innehas av giltiga tillstånd; en region kan "
            "ansöka igen först när en återkallelse frigör en plats.",
        )


_OPENS_A_ROUND = {
    "decide": ("decision", "beslutet"),
    "revoke_permit": ("revocation", "återkallelsen"),
}
"""The steps that open a round of applications, named in a refusal (en, sv)."""


@nhv_rule(
    id="nhv.application-window",
    title_sv="Ansökan om tillstånd görs inom den tid Socialstyrelsen anger",
    title_en="Permit applications are made within the period Socialstyrelsen sets",
    citation="HSLF-FS 2018:48 3 kap. 1 §",
    kind="regulation",
    seed=f"{_PAGE}, 'Steg 5 - Ansökan om tillstånd. Ansvarig: Landstingen.'",
)
def application_window(step: Step) -> Iterator[Refusal]:
    """``decide`` sets the period in which regions may apply (Socialstyrelsen's
    request for applications); ``apply_for_permit`` outside it is refused. A
    revocation that frees a place opens a new period, for the new round of
    applications; neither may set a last day before its own date.

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
    if step.trigger in _OPENS_A_ROUND:
        opening: ev.NhvDecided | ev.PermitRevoked = step.payload
        due = opening.applications_due
        if due is not None and due < step.at.date():
            en, sv = _OPENS_A_ROUND[step.trigger]
            yield refuse(
                f"The last day for applications ({due}) is before the {en} "
                f"({step.at.date()}); set applications_due on or after the {en}'s date.",
                f"Sista ansökningsdag ({due}) ligger före {sv} ({step.at.date()}); ange en "
                f"sista ansökningsdag på eller efter dagen för {sv}.",
            )
        return
    period = step.view(NhvCase).application_period
    if period is None:
        return
    day = step.at.date()
    if period.due is not None and day > period.due:
        yield refuse(
            f"Applications closed on {period.due}; this one is dated {day}. Apply within the "
            "period Socialstyrelsen set; a new period opens when a revocation frees a place.",
            f"Ansökningstiden gick ut {period.due}; ansökan är daterad {day}. Ansök inom den "
            "tid Socialstyrelsen angett; en ny ansökningstid öppnar när en återkallelse frigör "
            "en plats.",
        )
    elif day < period.opens:
        yield refuse(
            f"Applications open on {period.opens}; this one is dated {day}.",
            f"Ansökningstiden öppnar {period.opens}; ansökan är daterad {day}.",
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
    """Each criterion an expert group fails, as a refusal (shared with other regimes).
    The group is its members, each counted once however often the list names
    them; names and professions are compared as spelt (:func:`text_key`: letter
    case, white space and Unicode composition aside)."""
    experts = tuple({(text_key(e.name), e.region): e for e in experts}.values())
    if not any(e.clinical for e in experts):
        yield _criterion("clinical_legitimacy")
    if not any(e.scientific for e in experts):
        yield _criterion("scientific_legitimacy")
    professions = {text_key(e.profession) for e in experts if not e.patient_representative}
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


@nhv_rule(
    id="nhv.expert-group-composition",
    title_sv="Kriterier vid sammansättning av sakkunniggrupper",
    title_en="Criteria for composing an expert group",
    citation=f"{_PAGE}, 'Kriterier vid sammansättning av sakkunniggrupper'",
    kind="practice",
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
    appointed: ev.ExpertGroupAppointed = step.payload
    yield from composition_failures(appointed.experts)


@nhv_rule(
    id="nhv.mapping-pause",
    title_sv="Inga nya sakkunniggrupper förrän kartläggningen är genomförd",
    title_en="No new expert groups until the overall mapping is done",
    citation=f"{_PAGE} (ny inriktning: övergripande kartläggning)",
    kind="practice",
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
    area = proposal_area(step)
    pilot = _is_pilot_area(step, area)
    if step.trigger == "submit":
        proposal: ev.ProposalSubmitted = step.payload
        if proposal.pilot and not pilot:
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
