"""The rules of the regime ``nhv`` about permits: an application before a
permit, the conditions every permit carries, the holder's follow-up, and
revocation (:mod:`nhvflow.rules.nhv` is the public face; the sources are
named there)."""

from __future__ import annotations

from collections.abc import Iterator

from nhvflow import events as ev
from nhvflow.events import GENERAL_DUTY_RULE, SPECIAL_CONDITIONS_RULE
from nhvflow.model import Region
from nhvflow.rules._base import (
    Refusal,
    Step,
    refuse,
)
from nhvflow.rules._nhv_base import (
    _PAGE,
    _REPORT,
    GENERAL_DUTY_TEXT,
    nhv_rule,
)
from nhvflow.rules._views import NhvCase


@nhv_rule(
    id="nhv.permit-needs-application",
    title_sv="Tillstånd ges endast efter ansökan från huvudmannen",
    title_en="A permit is granted only on the region's application",
    citation="HSF (2017:80) 2 kap. 2 §; HSLF-FS 2018:48 3 kap.",
    kind="regulation",
    seed=f"{_REPORT}, the process steps 5–6; {_PAGE}, 'Steg 5 - Ansökan om tillstånd'",
)
def permit_needs_application(step: Step) -> Iterator[Refusal]:
    """A permit goes only to a region that applied in the current round of
    applications, for the unit it applied for; one application per region
    and round; the board is prepared
    only once there is an application, and decides only on prepared ones.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "5. Huvudmännen
    för hälso- och sjukvården ansöker om tillstånd att bedriva den
    högspecialiserade vården. 6. En nämnd med politiker beslutar var den
    högspecialiserade vården ska bedrivas." Permits are decided "on a region's
    application" (HSF 2017:80 2 kap. 2 §). A revocation frees a place and opens a
    new round, in the same case.
    """
    case = step.view(NhvCase)
    applicants = case.applied_this_round
    if step.trigger == "apply_for_permit":
        region = step.actor.principal
        if region is not None and region in applicants:
            yield refuse(
                f"{region.swedish_name} has already applied in this area; one application "
                "per region and round of applications.",
                f"{region.swedish_name} har redan ansökt inom området; en ansökan per region "
                "och ansökningsomgång.",
            )
        elif region is not None and case.holds_valid_permit(region):
            yield refuse(
                f"{region.swedish_name} already holds a valid permit in this area.",
                f"{region.swedish_name} har redan ett giltigt tillstånd inom området.",
            )
    elif step.trigger == "prepare_board":
        if all(region in case.holders for region in applicants):
            yield refuse(
                "No region has an application before the board in this round; the board is "
                "prepared on the applications. Wait for applications within the window.",
                "Ingen region har en ansökan inför nämnden i denna omgång; nämnden bereds på "
                "ansökningarna.",
            )
    elif step.trigger == "grant_permits":
        if step.case is not None and step.case.state == "permitted" and not case.before_board:
            yield refuse(
                "No applications have been prepared for the board since its last decision; "
                "Socialstyrelsen prepares them first (prepare_board).",
                "Inga ansökningar har beretts inför nämnden sedan dess senaste beslut; "
                "Socialstyrelsen bereder dem först (prepare_board).",
            )
        seen: set[Region] = set()
        units: dict[Region, list[str]] = {}  # the units each region applied for in this round
        for a in case.applicants:
            if a.round == case.application_round and a.unit is not None:
                units.setdefault(a.region, []).append(a.unit)
        granted: ev.PermitsGranted = step.payload
        for grant in granted.permits:
            region = grant.region
            if region in seen:
                yield refuse(
                    f"{region.swedish_name} appears twice in the grant; one permit per region.",
                    f"{region.swedish_name} förekommer två gånger; ett tillstånd per region.",
                )
            seen.add(region)
            if region not in applicants:
                yield refuse(
                    f"{region.swedish_name} has not applied for a permit in this area; a permit "
                    f"goes only to a region that applied (applicants: "
                    f"{', '.join(sorted({r.name for r in applicants})) or 'none'}).",
                    f"{region.swedish_name} har inte ansökt om tillstånd inom området; tillstånd "
                    "ges bara till en region som ansökt.",
                )
            elif case.holds_valid_permit(region):
                yield refuse(
                    f"{region.swedish_name} already holds a valid permit in this area.",
                    f"{region.swedish_name} har redan ett giltigt tillstånd inom området.",
                )
            elif (applied := units.get(region)) and not _applied_for(grant.unit, applied):
                yield refuse(
                    f"{region.swedish_name} applied for a permit at {', '.join(applied)}, not at "
                    f"{grant.unit}; a permit goes to the unit the region applied for.",
                    f"{region.swedish_name} ansökte om tillstånd för {', '.join(applied)}, inte "
                    f"för {grant.unit}; tillståndet ges för den enhet regionen ansökt för.",
                    criterion=region.name,
                )


def _applied_for(unit: str | None, applied: list[str]) -> bool:
    """Whether a granted unit is one the region applied for (``None``: the
    grant takes the unit of the application), alike but for case and spaces."""
    if unit is None:
        return True
    return " ".join(unit.casefold().split()) in {" ".join(a.casefold().split()) for a in applied}


@nhv_rule(
    id=GENERAL_DUTY_RULE,
    title_sv="Tillståndshavaren ska sprida kunskap och samverka med remitterande vårdgivare",
    title_en="The permit holder spreads knowledge and cooperates with referring providers",
    citation="HSLF-FS 2018:48 4 kap. 4–5 §",
    kind="regulation",
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
    granted: ev.PermitsGranted = step.payload
    given = granted.general_duty
    if given != GENERAL_DUTY_TEXT:
        yield refuse(
            "The general knowledge duty is set by the regulation and attaches to every permit "
            "unchanged; the board cannot reword or waive it. Leave general_duty out and put "
            "further requirements in special_conditions.",
            "Den generella skyldigheten att sprida kunskap följer av föreskriften och gäller "
            "varje tillstånd oförändrad; nämnden kan inte ändra eller avstå från den. Utelämna "
            "general_duty och lägg ytterligare krav i special_conditions.",
        )


@nhv_rule(
    id=SPECIAL_CONDITIONS_RULE,
    title_sv="Särskilda villkor om kunskapsspridning kräver stöd i beredningen",
    title_en="Special knowledge-spreading conditions need support in the preparations",
    citation="HSLF-FS 2018:48 4 kap.; Socialstyrelsen, Förutsättningar för kompetenscentrum "
    "inom nationell högspecialiserad vård (2019), Slutsats p. 2",
    kind="regulation",
    seed=f"{_REPORT}, 'Sammanfattning' and 'Slutsats' point 2",
)
def special_conditions_need_basis(step: Step) -> Iterator[Refusal]:
    """The board may add knowledge-spreading conditions to a permit only when the
    investigations and preparations before its decision recorded the need: the
    basis, the consultation, or the board preparation (so a case referred back
    can gain the need). The rule judges knowledge-spreading conditions only (a
    grant's ``special_conditions``), not special conditions of other kinds (its
    ``other_conditions``): the report gives knowledge spreading as one example
    of why the board may set special conditions, "om den till exempel finner
    att kompetensspridningen ... ytterligare måste säkras".

    Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
    högspecialiserad vård (2019), "Slutsats":

        2. Nämnden för nationell högspecialiserad vård kan besluta att ytterligare
        specificera en tillståndsinnehavares uppdrag att sprida kunskap, om det behövs
        enligt de utredningar och beredningar som föregår Socialstyrelsens beslut om
        nationell högspecialiserad vård.

    and "Sammanfattning": "om det behövs enligt de utredningar och beredningar som
    föregår beslutet om nationell högspecialiserad vård."
    """
    granted: ev.PermitsGranted = step.payload
    with_conditions = [g for g in granted.permits if g.special_conditions]
    if with_conditions and not step.view(NhvCase).knowledge_spreading_need:
        regions = ", ".join(g.region.swedish_name for g in with_conditions)
        refill = step.case is not None and step.case.state == "permitted"  # a freed place
        yield refuse(
            f"Special knowledge-spreading conditions were set for {regions}, but neither the "
            "basis, the consultation nor the board preparation recorded a need for them; grant "
            "without special conditions, or "
            + (
                "prepare the board again recording the need"
                if refill
                else "refer the case back so that the preparation can establish the need"
            )
            + " (prepare_board(knowledge_spreading_need=True)). Special conditions of another "
            "kind go in other_conditions.",
            f"Särskilda villkor om kunskapsspridning angavs för {regions}, men varken "
            "underlaget, remissen eller beredningen inför nämnden visade ett sådant behov; "
            "bevilja utan särskilda villkor eller "
            + ("bered ärendet inför nämnden på nytt" if refill else "återremittera ärendet")
            + " så att behovet kan visas (prepare_board(knowledge_spreading_need=True)). "
            "Särskilda villkor av annat slag anges i other_conditions.",
        )


@nhv_rule(
    id="nhv.follow-up-by-holder",
    title_sv="Tillståndshavaren följer upp tillståndet årligen",
    title_en="The permit holder reports a follow-up every year",
    citation=f"{_PAGE}, steg 8; HSLF-FS 2018:48",
    kind="practice",
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
    report: ev.FollowUpReported = step.payload
    year = report.year
    case = step.view(NhvCase)
    held = [p for p in case.valid_permits if p.region is region]
    first = min((p.granted_on.year for p in held), default=None)
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
    if any(case.reported(p, year) for p in held):
        yield refuse(
            f"{region.swedish_name} has already reported the follow-up for {year}; one report "
            "per permit and year.",
            f"{region.swedish_name} har redan rapporterat uppföljningen för {year}; en rapport "
            "per tillstånd och år.",
        )


@nhv_rule(
    id="nhv.revocation-grounds",
    title_sv="Tillstånd återkallas endast på laglig grund",
    title_en="A permit is revoked only on a statutory ground",
    citation="prop. 2017/18:40; HSF (2017:80) 2 kap. 2 §",
    kind="statute",
    seed="prop. 2017/18:40 (tillstånd gäller tills vidare och kan återkallas); HSF (2017:80) "
    "2 kap. 2 §",
)
def revocation_grounds(step: Step) -> Iterator[Refusal]:
    """A permit holds until further notice (tills vidare) and ends only by
    revocation: when its conditions are not met, when circumstances have changed, or
    at the holder's request — the last only after the holder asked, since the
    permit it holds now was granted (a request acted on for an earlier permit
    asks nothing of a later one).

    Prop. 2017/18:40 (in force 2018-07-01): permits hold until further notice
    (tills vidare), carry conditions and can be revoked; Socialstyrelsen decides on
    permits and their revocation (HSF 2017:80 2 kap. 1–2 §). Only a valid permit can
    be revoked. A revocation frees a place, which a new round of applications can
    fill in the same case.
    """
    revocation: ev.PermitRevoked = step.payload
    region = revocation.region
    case = step.view(NhvCase)
    if not case.holds_valid_permit(region):
        yield refuse(
            f"{region.swedish_name} holds no valid permit in this case; nothing to revoke.",
            f"{region.swedish_name} har inget giltigt tillstånd i ärendet; inget att återkalla.",
        )
        return
    if revocation.ground == "holder_request" and region not in case.revocation_requested_by:
        yield refuse(
            f"{region.swedish_name} has not asked for its permit to be revoked since it was "
            "granted; the ground 'holder_request' needs the holder's request_revocation first.",
            f"{region.swedish_name} har inte begärt återkallelse sedan tillståndet gavs; grunden "
            "'holder_request' kräver tillståndshavarens begäran först.",
        )
