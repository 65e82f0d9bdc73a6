"""The rules of Norway's national competence services (regime
``no-competence-service``).

Source: Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård (2019), "Norges system för nationella
kompetenstjänster" and Bilaga 2, which describe the
Norwegian regulation — forskrift 17. desember 2010 nr. 1706 om godkjenning av
sykehus, bruk av betegnelsen universitetssykehus og nasjonale tjenester i
spesialisthelsetjenesten, kapittel 4, in force 1 January 2011 — and its
guidance (veileder, 2017). The rules are in force from that date.

The rules read a case through :class:`NorwayCase` (the initiator, its
supporters, the criteria the review found met, the annual reports).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

from nhvflow._abroad import HEALTH_ENTERPRISES, health_enterprise_name
from nhvflow.events import norway as ev
from nhvflow.model import Role
from nhvflow.rules._base import (
    Refusal,
    Responsibility,
    Rulebook,
    Step,
    refuse,
)
from nhvflow.rules._views import NorwayCase

__all__ = [
    "APPROVAL_CRITERIA",
    "DIRECTORATE",
    "HEALTH_ENTERPRISE",
    "INITIATOR",
    "IN_FORCE",
    "MINISTRY",
    "OTHER_ENTERPRISE",
    "RESPONSIBLE_PARTY",
    "RULEBOOK",
    "RULES",
    "NorwayCase",
    "annual_report",
    "approval_criteria",
    "plan",
    "review_with_experts",
    "support_of_the_others",
    "wind_down_when_goals_met",
]

IN_FORCE = date(2011, 1, 1)
"""Forskrift nr. 1706 of 17 December 2010 in force (it replaced forskrift nr. 1539 of 2001)."""

_REPORT = (
    "Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell högspecialiserad vård "
    "(2019)"
)
_SEED_SECTION = f"{_REPORT}, 'Norges system för nationella kompetenstjänster'"
_REGULATION = "Forskrift 17. desember 2010 nr. 1706 kap. 4"
_GUIDANCE = (
    "Helse- og omsorgsdepartementet, Veileder til forskrift nr. 1706, nasjonale tjenester (2017)"
)

APPROVAL_CRITERIA: dict[str, tuple[str, str]] = {
    "quality_of_course": (
        "better quality of the whole course of treatment within reasonable time",
        "ökad kvalitet i behandlingsförloppet som helhet inom rimlig tid",
    ),
    "national_competence": ("more national competence", "ökad nationell kompetens"),
    "cost_effectiveness": (
        "better national cost-effectiveness",
        "bättre nationell kostnadseffektivitet",
    ),
}
"""The three criteria a national competence service must meet, by the field
of the review that records each."""


# -- who may fire a step ---------------------------------------------------------------


def _enterprise(step: Step) -> str | None:
    try:
        return health_enterprise_name(step.actor.name)
    except ValueError:
        return None


def _unknown_enterprise(step: Step) -> Refusal:
    return refuse(
        f"{step.actor.name!r} is not one of Norway's four regional health enterprises "
        f"({', '.join(HEALTH_ENTERPRISES)}); build the actor with "
        "Actor.health_enterprise(name).",
        f"{step.actor.name!r} är inte ett av Norges fyra regionala hälsoföretag "
        f"({', '.join(HEALTH_ENTERPRISES)}).",
        criterion="enterprise",
    )


def _any_enterprise(step: Step) -> Refusal | None:
    return None if _enterprise(step) is not None else _unknown_enterprise(step)


def _initiator(step: Step) -> Refusal | None:
    name = _enterprise(step)
    if name is None:
        return _unknown_enterprise(step)
    initiator = step.view(NorwayCase).initiator
    if name == initiator:
        return None
    return refuse(
        f"Only the initiating health enterprise ({initiator}) may take {step.trigger!r}; "
        f"{name} did not take the initiative.",
        f"Endast det initierande hälsoföretaget ({initiator}) får ta steget {step.trigger!r}; "
        f"{name} tog inte initiativet.",
        criterion="initiator",
    )


def _other_enterprise(step: Step) -> Refusal | None:
    name = _enterprise(step)
    if name is None:
        return _unknown_enterprise(step)
    if name != step.view(NorwayCase).initiator:
        return None
    return refuse(
        f"{name} took the initiative; support comes from the other regional health enterprises.",
        f"{name} tog initiativet; stödet ska komma från de övriga regionala hälsoföretagen.",
        criterion="initiator",
    )


HEALTH_ENTERPRISE = Responsibility(
    Role.HEALTH_ENTERPRISE,
    "a regional health enterprise",
    "ett regionalt hälsoföretag",
    _any_enterprise,
)
INITIATOR = Responsibility(
    Role.HEALTH_ENTERPRISE,
    "the initiating regional health enterprise",
    "det initierande regionala hälsoföretaget",
    _initiator,
)
OTHER_ENTERPRISE = Responsibility(
    Role.HEALTH_ENTERPRISE,
    "another regional health enterprise than the initiator",
    "ett annat regionalt hälsoföretag än initiativtagaren",
    _other_enterprise,
)
DIRECTORATE = Responsibility(
    Role.DIRECTORATE, "Helsedirektoratet (the directorate)", "Helsedirektoratet"
)
MINISTRY = Responsibility(
    Role.MINISTRY,
    "Helse- og omsorgsdepartementet (the ministry)",
    "Hälso- och omsorgsdepartementet",
)


RULEBOOK = Rulebook(
    valid_from=IN_FORCE,
    kind="regulation",
    citation=f"{_REGULATION}; {_GUIDANCE}",
    seed=_SEED_SECTION,
)
"""What every rule of the regime shares: forskrift nr. 1706 and its guidance, in force from
1 January 2011, as Socialstyrelsen's report describes them."""
no_rule = RULEBOOK.rule

RESPONSIBLE_PARTY = RULEBOOK.responsible_party(
    id="no.responsible-party",
    doc="""Only the responsible party may fire a step: a regional health enterprise
takes the initiative, the others support it, the initiator applies and reports
every year, Helsedirektoratet reviews, the ministry approves, refuses and winds
the service down.

Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Norges system för
nationella kompetenstjänster":

    Enskilda hälsoföretag tar initiativ till att etablera kompetenscentrum. De
    ansöker om tillstånd från Hälso- och omsorgsdepartementet, efter att övriga
    hälsoföretag har lämnat sitt stöd till förslaget. Helsedirektoratet
    (motsvarande Socialstyrelsen) genomlyser sedan kompetenstjänsten tillsammans
    med experter, inför departementets beslut.

and "De ska rapportera resultatet av kompetenstjänstens aktivitet till Hälso- och
omsorgsdepartementet varje år".
""",
)


# -- the rules -------------------------------------------------------------------------


@no_rule(
    id="no.support-of-the-others",
    title_sv="Övriga regionala hälsoföretag stöder initiativet före ansökan",
    title_en="The other regional health enterprises support the initiative before it is applied",
)
def support_of_the_others(step: Step) -> Iterator[Refusal]:
    """Every other regional health enterprise supports the initiative before the
    initiator applies; each missing supporter is its own violation (criterion: the
    enterprise's name). An enterprise supports once.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "De ansöker om tillstånd från
    Hälso- och omsorgsdepartementet, efter
    att övriga hälsoföretag har lämnat sitt stöd till förslaget." and "De fyra
    regionala hälsoföretagen har det överordnade ansvaret för nationella
    kompetenstjänster."
    """
    case = step.view(NorwayCase)
    if step.trigger == "support":
        name = _enterprise(step)
        if name in case.supporters:
            yield refuse(
                f"{name} has already supported this initiative; each enterprise supports once.",
                f"{name} har redan lämnat sitt stöd till initiativet; varje hälsoföretag "
                "stöder en gång.",
                criterion="once",
            )
        return
    for other in HEALTH_ENTERPRISES:
        if other != case.initiator and other not in case.supporters:
            yield refuse(
                f"{other} has not supported the initiative; the application goes to the "
                "ministry only once all the other regional health enterprises support it.",
                f"{other} har inte lämnat sitt stöd; ansökan går till departementet först när "
                "alla övriga regionala hälsoföretag stöder förslaget.",
                criterion=other,
            )


@no_rule(
    id="no.review-with-experts",
    title_sv="Helsedirektoratet genomlyser tjänsten tillsammans med experter",
    title_en="The directorate reviews the service together with experts",
)
def review_with_experts(step: Step) -> Iterator[Refusal]:
    """The directorate's review names the experts it worked with.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "Helsedirektoratet
    (motsvarande Socialstyrelsen) genomlyser sedan
    kompetenstjänsten tillsammans med experter, inför departementets beslut."
    """
    review: ev.ServiceReviewed = step.payload
    if not review.experts:
        yield refuse(
            "The review names no experts; Helsedirektoratet reviews the service together "
            "with experts. List them in experts.",
            "Genomlysningen anger inga experter; Helsedirektoratet genomlyser tjänsten "
            "tillsammans med experter. Ange dem i experts.",
        )


@no_rule(
    id="no.approval-criteria",
    title_sv="En nationell kompetenstjänst ger ökad kvalitet, kompetens och kostnadseffektivitet",
    title_en="A national competence service improves quality, competence and cost-effectiveness",
)
def approval_criteria(step: Step) -> Iterator[Refusal]:
    """The ministry approves only a service that the review found to meet all three
    criteria; each criterion not met is its own violation.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019):

        För att bli godkänd som nationell kompetenstjänst måste tjänsten ge
        1. ökad kvalitet i behandlingsförloppet som helhet inom rimlig tid
        2. ökad nationell kompetens
        3. bättre nationell kostnadseffektivitet.
    """
    met = step.view(NorwayCase).criteria_met
    for field, (en, sv) in APPROVAL_CRITERIA.items():
        if field not in met:
            yield refuse(
                f"The review did not find that the service gives {en}; a national competence "
                "service is approved only if it meets all three criteria.",
                f"Genomlysningen fann inte att tjänsten ger {sv}; en nationell kompetenstjänst "
                "godkänns bara om den uppfyller alla tre kriterier.",
                criterion=field,
            )


@no_rule(
    id="no.plan",
    title_sv="Planen anger mål, när de är uppnådda och när tjänsten kan avvecklas",
    title_en="The plan sets goals, when they are met and when the service can be wound down",
)
def plan(step: Step) -> Iterator[Refusal]:
    """The approval carries a plan with clear goals, a definition of when they are
    met, and an estimate (after the approval) of when the service can be wound
    down; each missing part is its own violation. Every plan estimates the
    wind-down, a service marked permanent too: the directorate's finding that some
    areas have a permanent need is recorded, not an exemption from the plan.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019):

        De ansvariga för tjänsten ska skriva en plan för hur uppgifterna ska
        genomföras, med tydliga mål som mäter verksamhetens effekt. Planen ska
        också innehålla en definition av när målen är uppnådda, och en
        uppskattning av när tjänsten därmed kan avvecklas.

    and Helsedirektoratet's conclusion: "1. Vissa områden har ett permanent behov av
    kompetenstjänster, till exempel sällsynta diagnoser, sarkom och solida tumörer
    hos barn".
    """
    payload: ev.ServiceApproved = step.payload
    if not payload.goals:
        yield refuse(
            "The plan sets no goals; give clear goals that measure the service's effect.",
            "Planen anger inga mål; ange tydliga mål som mäter verksamhetens effekt.",
            criterion="goals",
        )
    if not payload.goals_met_when.strip():
        yield refuse(
            "The plan does not define when the goals are met; say in goals_met_when.",
            "Planen definierar inte när målen är uppnådda; ange det i goals_met_when.",
            criterion="goals_met_definition",
        )
    estimate = payload.wind_down_estimate
    if estimate is None:
        yield refuse(
            "The plan has no estimate of when the service can be wound down; every plan "
            "gives one (wind_down_estimate), also for a service whose need is lasting.",
            "Planen saknar en uppskattning av när tjänsten kan avvecklas; varje plan anger "
            "en (wind_down_estimate), även för en tjänst med varaktigt behov.",
            criterion="wind_down_estimate",
        )
    elif estimate <= step.at.date():
        yield refuse(
            f"The wind-down estimate ({estimate}) is not after the approval ({step.at.date()}); "
            "estimate a later date.",
            f"Uppskattad avveckling ({estimate}) ligger inte efter godkännandet "
            f"({step.at.date()}); ange ett senare datum.",
            criterion="wind_down_estimate",
        )


@no_rule(
    id="no.annual-report",
    title_sv="Tjänsten rapporterar till departementet varje år",
    title_en="The service reports to the ministry every year",
)
def annual_report(step: Step) -> Iterator[Refusal]:
    """One report per year, for a year from the approval on that has begun.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "De ska rapportera resultatet
    av kompetenstjänstens aktivitet till
    Hälso- och omsorgsdepartementet varje år, utifrån de krav och uppgifter som
    listas ovan." Bilaga 2: "Man utvärderar kontinuerligt hur varje kompetenstjänst
    lyckas nå ut till sina målgrupper i hela landet."
    """
    report: ev.AnnualReportSubmitted = step.payload
    year = report.year
    case = step.view(NorwayCase)
    approved = case.approved_on.year if case.approved_on is not None else None
    if approved is not None and year < approved:
        yield refuse(
            f"The service was approved in {approved}; it cannot report for {year}. Report "
            f"for {approved} or a later year.",
            f"Tjänsten godkändes {approved}; den kan inte rapportera för {year}. Rapportera "
            f"för {approved} eller ett senare år.",
            criterion="year",
        )
    if year > step.at.year:
        yield refuse(
            f"The report for {year} cannot be given in {step.at.year}; report a year that "
            "has begun.",
            f"Rapporten för {year} kan inte lämnas {step.at.year}; rapportera ett år som har "
            "börjat.",
            criterion="year",
        )
    if any(r.year == year for r in case.annual_reports):
        yield refuse(
            f"The report for {year} has already been given; one report per year. Report "
            "for another year.",
            f"Rapporten för {year} är redan lämnad; en rapport per år. Rapportera för ett "
            "annat år.",
            criterion="once",
        )


@no_rule(
    id="no.wind-down-when-goals-met",
    title_sv="Tjänsten avvecklas när målen är uppnådda, eller av ett angivet skäl",
    title_en="The service is wound down when its goals are met, or for a recorded reason",
)
def wind_down_when_goals_met(step: Step) -> Iterator[Refusal]:
    """Once an annual report says the goals are met, the wind-down is due (a duty,
    recorded on the case as ``wind_down_due``; a later report of goals unmet
    does not take it back); the ministry may also wind a
    service down for another reason, recorded in ``reason``. Refused only is a
    wind-down that neither follows a report of goals met nor gives a reason.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "När målet kan
    anses ha uppnåtts ska tjänsterna avvecklas." The sentence is a duty, not a
    ban: it says when a service must end, not that it may end only then.
    """
    wind_down: ev.ServiceWoundDown = step.payload
    if wind_down.reason.strip():
        return
    case = step.view(NorwayCase)
    if case.goals_met_report is not None:
        return
    latest = case.latest_report
    if latest is None:
        yield refuse(
            "No annual report says the goals are met, and no reason is given; the service "
            "is wound down when its goals are met, or for a reason the ministry records "
            "(reason).",
            "Ingen årsrapport visar att målen är uppnådda, och inget skäl anges; tjänsten "
            "avvecklas när målen är uppnådda, eller av ett skäl som departementet anger.",
        )
    else:
        yield refuse(
            f"No annual report, the latest included ({latest.year}), says the goals are met, "
            "and no reason is given; wind the service down once they are, or record the "
            "reason (reason).",
            f"Ingen årsrapport, den senaste inräknad ({latest.year}), visar att målen är "
            "uppnådda, och inget skäl anges; avveckla tjänsten när de är det, eller ange skälet.",
        )


RULES = (
    RESPONSIBLE_PARTY,
    support_of_the_others,
    review_with_experts,
    approval_criteria,
    plan,
    annual_report,
    wind_down_when_goals_met,
)
"""Every rule of the regime ``no-competence-service``, in catalogue order."""
