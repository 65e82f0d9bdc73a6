"""Norway's national competence services (regime ``"no-competence-service"``)
as a table.

Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård (2019), "Norges system för nationella
kompetenstjänster": "Parallellt finns
ett liknande system för att tillsätta så kallade nationella
kompetenstjänster. Kompetenstjänsterna ska leda till att kompetens
decentraliseras, så att patienter har likvärdig tillgång till kompetent
personal oavsett var i Norge de bor, men patienternas behandling ska inte
centraliseras." Advice without concentrated care is what it is for.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from nhvflow.errors import InvalidPayload
from nhvflow.events import norway as ev
from nhvflow.model import Case, Role
from nhvflow.rules import norway as r
from nhvflow.states._deadline import Deadline, Pending, yearly
from nhvflow.states._process import Process, State, Transition

__all__ = ["DEADLINES", "NORWAY"]


def _prepare_approval(
    payload: ev.ServiceApproved, case: Case | None, at: datetime
) -> ev.ServiceApproved:
    if payload.establishment_grant_nok < 0:
        raise InvalidPayload(
            "establishment_grant_nok",
            f"is {payload.establishment_grant_nok}; the one-off establishment grant is an amount "
            f"of Norwegian kroner, about {ev.ESTABLISHMENT_GRANT_NOK:,} (the default).",
        )
    return payload


def _reports_pending(case: Case, as_of: date) -> Iterator[Pending]:
    view = r.NorwayCase(case.data)
    approved = view.approved_on
    if approved is None or approved > as_of:  # no report is owed before the approval
        return
    initiator = view.initiator or ""
    done = {report.year for report in view.annual_reports}
    for year, due in yearly(approved, as_of):
        if year not in done:
            yield Pending(
                due,
                initiator,
                party=initiator,
                detail=f"annual report for {year}",
            )


def _wind_down_pending(case: Case, as_of: date) -> Iterator[Pending]:
    report = r.NorwayCase(case.data).goals_met_report
    if report is not None and report.reported_on is not None and report.reported_on <= as_of:
        yield Pending(
            report.reported_on,
            "Helse- og omsorgsdepartementet",
            detail=f"the report for {report.year} says the goals are met",
        )


DEADLINES = (
    Deadline(
        "no.annual-report",
        "report_annually",
        ("active",),
        Role.HEALTH_ENTERPRISE,
        citation=r.annual_report.citation,
        kind="regulation",
        title_en="The service reports each year's results to the ministry, at the latest "
        "on the approval's anniversary in the year after",
        title_sv="Tjänsten rapporterar varje års resultat till departementet, senast på "
        "godkännandets årsdag året därpå",
        pending=_reports_pending,
    ),
    Deadline(
        "no.wind-down-when-goals-met",
        "wind_down",
        ("active",),
        Role.MINISTRY,
        citation=r.wind_down_when_goals_met.citation,
        kind="regulation",
        title_en="Once a report says the goals are met, the service is wound down",
        title_sv="När en rapport visar att målen är uppnådda ska tjänsten avvecklas",
        pending=_wind_down_pending,
    ),
)
"""The time limits of ``no-competence-service``: the annual report ("De ska
rapportera resultatet av kompetenstjänstens aktivitet till Hälso- och
omsorgsdepartementet varje år"; the sources name no day, so the report on a
year is due on the approval's anniversary in the year after) and the
wind-down, due from the day a report says the goals are met ("När målet kan
anses ha uppnåtts ska tjänsterna avvecklas")."""

NORWAY = Process(
    name="no-competence-service",
    title_en="Norway's national competence services (nasjonale kompetansetjenester)",
    title_sv="Norges nationella kompetenstjänster",
    status="in force",
    in_force_from=r.IN_FORCE,
    source="Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), 'Norges system "
    "för nationella kompetenstjänster' and Bilaga 2; "
    "forskrift 17. desember 2010 nr. 1706 kap. 4",
    authority=r.RESPONSIBLE_PARTY,
    view=r.NorwayCase,
    deadlines=DEADLINES,
    states=[
        State(
            "initiated", "initiative taken by a health enterprise", "initiativ från hälsoföretag"
        ),
        State("under_review", "under review by the directorate", "genomlyses av Helsedirektoratet"),
        State(
            "reviewed", "reviewed; awaiting the ministry", "genomlyst; inför departementets beslut"
        ),
        State("active", "approved and running", "godkänd och i drift"),
        State("refused", "refused by the ministry", "avslagen av departementet", final=True),
        State("wound_down", "wound down", "avvecklad", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            (),
            "initiated",
            r.HEALTH_ENTERPRISE,
            ev.InitiativeTaken,
            en="take the initiative for a national competence service",
            sv="ta initiativ till en nationell kompetenstjänst",
        ),
        Transition(
            "support",
            ("initiated",),
            "initiated",
            r.OTHER_ENTERPRISE,
            ev.InitiativeSupported,
            rules=(r.support_of_the_others,),
            en="support the initiative",
            sv="lämna stöd till förslaget",
        ),
        Transition(
            "apply",
            ("initiated",),
            "under_review",
            r.INITIATOR,
            ev.ServiceApplied,
            rules=(r.support_of_the_others,),
            en="apply to the ministry for approval",
            sv="ansöka om godkännande hos departementet",
        ),
        Transition(
            "review",
            ("under_review",),
            "reviewed",
            r.DIRECTORATE,
            ev.ServiceReviewed,
            rules=(r.review_with_experts,),
            en="review the service with experts against the three criteria",
            sv="genomlysa tjänsten med experter mot de tre kriterierna",
        ),
        Transition(
            "approve",
            ("reviewed",),
            "active",
            r.MINISTRY,
            ev.ServiceApproved,
            rules=(r.approval_criteria, r.plan),
            prepare=_prepare_approval,
            en="approve the service with its plan; grant the establishment sum",
            sv="godkänna tjänsten med dess plan; engångssumma för etablering",
        ),
        Transition(
            "refuse",
            ("reviewed",),
            "refused",
            r.MINISTRY,
            ev.ServiceRefused,
            en="refuse the service",
            sv="avslå tjänsten",
        ),
        Transition(
            "report_annually",
            ("active",),
            "active",
            r.INITIATOR,
            ev.AnnualReportSubmitted,
            rules=(r.annual_report,),
            en="report the year's results to the ministry",
            sv="rapportera årets resultat till departementet",
        ),
        Transition(
            "wind_down",
            ("active",),
            "wound_down",
            r.MINISTRY,
            ev.ServiceWoundDown,
            rules=(r.wind_down_when_goals_met,),
            en="wind the service down",
            sv="avveckla tjänsten",
        ),
    ],
)
"""The regime ``"no-competence-service"``: Norway's national competence services."""
