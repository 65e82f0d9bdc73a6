"""The process in force (regime ``"nhv"``): the eight steps of
Socialstyrelsen's work process for national highly specialised care, as a
table.

Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019),
"Arbetsprocess": "I steg 1-4 tas underlag fram och beslut tas om
vilken vård som ska definieras som nationell högspecialiserad vård. Man
beslutar även hur många vårdenheter som ska bedriva vården. I steg 5-8 sker
beredning inför ansökan, nämnden tar beslut om tillstånd och i sista steget
sker utvärdering av vården."

A permit has no end date and ends only by revocation (prop. 2017/18:40). The
place a revocation frees is filled in the same case: the revocation opens a
new round of applications, and in ``permitted`` regions apply again
(``apply_for_permit``), Socialstyrelsen prepares the board
(``prepare_board``) and the board grants (``grant_permits``), each step
leaving the case ``permitted`` so that the holders' follow-ups, evaluations
and revocations go on meanwhile. ``nhv.max-five-units`` keeps the valid
permits within the units decided.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import attrs

from nhvflow import events as ev
from nhvflow.errors import InvalidPayload
from nhvflow.model import Case, PermitGrant, Role
from nhvflow.rules import nhv as r
from nhvflow.states._deadline import Deadline, Pending, yearly
from nhvflow.states._process import Process, State, Table, Transition
from nhvflow.store._chain import canonical

__all__ = ["DEADLINES", "NHV", "OPEN_STATES"]

OPEN_STATES = ("proposed", "expert_review", "basis_delivered", "consultation", "prepared")
"""The states before a decision, from which a proposal can be withdrawn or closed."""


def _prepare_decision(payload: ev.NhvDecided, case: Case | None, at: datetime) -> ev.NhvDecided:
    care = payload.care_measures
    if care is None:  # the basis's care measures: what the expert group found to concentrate
        care = r.NhvCase(case.data if case is not None else {}).care_to_concentrate
    return attrs.evolve(payload, care_measures=care, **_period(payload, at))


def _period(payload: ev.NhvDecided | ev.PermitRevoked, at: datetime) -> dict[str, Any]:
    """The last day for applications and whether it is the registry's default
    (the kind of deadline ``due()`` gives it), recorded by the registry: a
    request may leave ``applications_due_default`` out, or give the value the
    registry records."""
    default = payload.applications_due is None
    if payload.applications_due_default not in (None, default):
        raise InvalidPayload(
            "applications_due_default",
            "is recorded by the registry: True when applications_due is left out (its "
            "default period), False when the step names the day; leave it out.",
        )
    due = r.default_applications_due(at.date()) if default else payload.applications_due
    return {"applications_due": due, "applications_due_default": default}


def _prepare_grant(
    payload: ev.PermitsGranted, case: Case | None, at: datetime
) -> ev.PermitsGranted:
    applicants = r.NhvCase(case.data if case is not None else {}).applicants
    units = {a.region: a.unit for a in applicants}  # a later application's unit stands
    permits = tuple(
        PermitGrant(
            g.region,
            g.special_conditions,
            unit=g.unit or units.get(g.region),
            starts_on=g.starts_on or at.date(),
            other_conditions=g.other_conditions,
        )
        for g in payload.permits
    )
    if not permits:
        raise InvalidPayload("permits", "name at least one PermitGrant(region, ...).")
    for i, grant in enumerate(permits):  # HSLF-FS 2018:48 4 kap. 2 §: it starts as it says
        if grant.starts_on is not None and grant.starts_on < at.date():
            raise InvalidPayload(
                "permits",
                f"item {i}: starts_on {grant.starts_on} is before the grant ({at.date()}); a "
                "permit cannot oblige "
                f"{grant.region.swedish_name} to have begun the care before it was granted "
                "(HSLF-FS 2018:48 4 kap. 2 §). Leave starts_on out for the day of the grant.",
            )
    return attrs.evolve(
        payload, permits=permits, general_duty=payload.general_duty or r.GENERAL_DUTY_TEXT
    )


def _prepare_revocation(
    payload: ev.PermitRevoked, case: Case | None, at: datetime
) -> ev.PermitRevoked:
    return attrs.evolve(payload, **_period(payload, at))


def _prepare_closure(
    payload: ev.ClosedNotEligible, case: Case | None, at: datetime
) -> ev.ClosedNotEligible:
    citable = [rule.id for rule in NHV.rules_from(OPEN_STATES)]  # up to the decision
    if payload.rule not in citable:
        known = payload.rule in {rule.id for rule in r.RULES}
        other = "judges no step of a proposal" if known else "is no rule"
        raise InvalidPayload(
            "rule",
            f"{payload.rule!r} {other} of this regime up to the decision, so it cannot stand "
            f"in this proposal's way; cite one of: {', '.join(citable)}.",
        )
    return payload


def _applications_pending(case: Case, as_of: date) -> Iterator[Pending]:
    """The application for a permit that every region may still make in the
    current round (the decision's, or the one a revocation opened), from the
    day the round opened; not while the valid permits hold every place
    decided. In ``permitted`` only while the round's period runs: once it
    has ended no region can apply, and Socialstyrelsen prepares the board."""
    view = r.NhvCase(case.data)
    decision, period = view.decision, view.application_period
    if decision is None or period is None or period.due is None or period.opens > as_of:
        return
    if view.permits and len(view.valid_permits) >= decision.units:
        return
    if case.state == "permitted" and as_of > period.due:
        return
    due = period.due
    default = period.default
    if default is None:  # recorded by an nhvflow before 0.2: the day tells, as best it can
        default = due == r.default_applications_due(period.opens)
    applied = frozenset(region.name for region in view.applied_this_round)
    yield Pending(
        due,
        "every region (huvudman) that wants a permit",
        excluding=applied | frozenset(region.name for region in view.holders),
        detail=f"{len(applied)} application(s) so far",
        kind="practice" if default else "regulation",
    )


def _follow_ups_pending(case: Case, as_of: date) -> Iterator[Pending]:
    view = r.NhvCase(case.data)
    for permit in view.permits:
        granted = permit.granted_on
        if not permit.valid or granted > as_of:
            continue
        region = permit.region
        for year, due in yearly(granted, as_of):
            if not view.reported(permit, year):
                yield Pending(
                    due,
                    region.swedish_name,
                    party=region.name,
                    detail=f"follow-up for {year} of the permit at {permit.unit or '-'}",
                )


DEADLINES = (
    Deadline(
        "nhv.applications-due",
        "apply_for_permit",
        ("decided", "permitted"),
        Role.REGION,
        citation="HSLF-FS 2018:48 3 kap. 1 §",
        kind="practice",
        title_en="Regions apply for permits within the period Socialstyrelsen set "
        "(by default three months from the decision, or from the revocation that "
        "freed a place: the registry's practice)",
        title_sv="Regionerna ansöker om tillstånd inom den tid Socialstyrelsen angett "
        "(utan angiven tid tre månader från beslutet, eller från återkallelsen som "
        "frigjorde en plats: registrets praxis)",
        pending=_applications_pending,
    ),
    Deadline(
        "nhv.follow-up-yearly",
        "report_follow_up",
        ("permitted",),
        Role.REGION,
        citation=r.follow_up_by_holder.citation,
        kind="practice",
        title_en="Each permit holder reports a follow-up for every calendar year, "
        "at the latest on the permit's anniversary in the year after",
        title_sv="Varje tillståndshavare rapporterar uppföljning för varje kalenderår, "
        "senast på tillståndets årsdag året därpå",
        pending=_follow_ups_pending,
    ),
)
"""The time limits of ``nhv``: the application window after ``decide``, and
after a revocation that frees a place (HSLF-FS 2018:48 3 kap. 1 §; the
sources set no period, so a period left out of the decision or revocation is
the registry's default of three months, kind ``practice``; the regions that
applied in the round, and the holders, owe nothing more, and once the period
has ended with the case still ``decided`` the item shows as overdue: the
window has closed and the case waits for ``prepare_board``) and the yearly
follow-up of each valid permit (Socialstyrelsen,
webbsidan Nationell högspecialiserad vård, steg 8: "Landstingen ansvarar för
årlig uppföljning av tillstånden"; the sources name no day, so the report on a
calendar year is due on the permit's anniversary in the year after, kind
``practice``). A permit itself has no end date: it holds
until further notice (tills vidare) and ends only by revocation."""

SOS = r.SOCIALSTYRELSEN


def permit_rows(case_id: str, data: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The ``permits`` table's rows of a case: one per permit granted, in
    order, with whether it is still valid and its conditions as JSON."""
    return [
        (
            case_id,
            seq,
            p.get("region"),
            p.get("unit"),
            bool(p.get("valid")),
            p.get("granted_at"),
            p.get("starts_on"),
            p.get("revoked_at"),
            canonical(p.get("conditions", [])),
        )
        for seq, p in enumerate(data.get("permits", []), start=1)
    ]


PERMITS = Table("permits", permit_rows, changed_by=frozenset({"grant_permits", "revoke_permit"}))
"""The ``permits`` projection: rewritten when permits are granted or revoked."""


NHV = Process(
    name="nhv",
    title_en="National highly specialised care (the law in force)",
    title_sv="Nationell högspecialiserad vård (gällande rätt)",
    status="in force",
    in_force_from=r.IN_FORCE,
    source="Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019), "
    "'Arbetsprocess'; HSL (2017:30); HSF (2017:80) 2 kap.; HSLF-FS 2018:48",
    authority=r.RESPONSIBLE_PARTY,
    view=r.NhvCase,
    deadlines=DEADLINES,
    states=[
        State("proposed", "proposed by an NPO", "föreslaget av NPO"),
        State("expert_review", "under review by an expert group", "genomlyses av sakkunniggrupp"),
        State("basis_delivered", "basis for decision delivered", "beslutsunderlag lämnat"),
        State("consultation", "out for consultation", "på remiss"),
        State("prepared", "prepared for decision", "berett inför beslut"),
        State("decided", "decided as NHV; applications open", "beslutad som NHV; ansökan öppen"),
        State("rejected", "decided not to be NHV", "beslutad att inte vara NHV", final=True),
        State("board_preparation", "prepared for the board", "bereds inför nämnden"),
        State("permitted", "permits granted", "tillstånd beviljade"),
        State("not_eligible", "closed as not eligible", "avslutat som inte aktuellt", final=True),
        State("withdrawn", "withdrawn by the NPO", "återkallat av NPO", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            (),
            "proposed",
            r.NPO_OF_AREA,
            ev.ProposalSubmitted,
            rules=(r.proposal_nominates_experts, r.mapping_pause),
            step="1",
            en="propose a care area and nominate experts",
            sv="föreslå vårdområde och nominera sakkunniga",
        ),
        Transition(
            "appoint_expert_group",
            ("proposed",),
            "expert_review",
            SOS,
            ev.ExpertGroupAppointed,
            rules=(r.expert_group_composition, r.mapping_pause),
            step="2",
            en="appoint the expert group",
            sv="tillsätta sakkunniggrupp",
        ),
        Transition(
            "deliver_basis",
            ("expert_review",),
            "basis_delivered",
            r.EXPERT_GROUP_OF_CASE,
            ev.BasisDelivered,
            step="2",
            en="deliver the basis for decision",
            sv="ta fram underlag för beslut",
        ),
        Transition(
            "open_consultation",
            ("basis_delivered",),
            "consultation",
            SOS,
            ev.ConsultationOpened,
            step="3",
            en="send the basis out for consultation",
            sv="skicka underlaget på remiss",
        ),
        Transition(
            "close_consultation",
            ("consultation",),
            "prepared",
            SOS,
            ev.ConsultationClosed,
            step="3",
            en="close the consultation; prepare the decision",
            sv="avsluta remissen; bereda beslutet",
        ),
        Transition(
            "decide",
            ("prepared",),
            "decided",
            SOS,
            ev.NhvDecided,
            rules=(r.advisory_requires_concentrated_care, r.max_five_units, r.application_window),
            prepare=_prepare_decision,
            step="4",
            en="decide the care is NHV, and at how many units",
            sv="besluta om nationell högspecialiserad vård och antal enheter",
        ),
        Transition(
            "reject",
            ("prepared",),
            "rejected",
            SOS,
            ev.ProposalRejected,
            step="4",
            en="decide the care is not NHV",
            sv="besluta att vården inte är NHV",
        ),
        Transition(
            "apply_for_permit",
            ("decided", "permitted"),
            "decided",
            r.REGION_FOR_ITSELF,
            ev.PermitApplied,
            rules=(r.application_window, r.permit_needs_application, r.max_five_units),
            step="5",
            en="apply for a permit (in permitted: for a place a revocation freed)",
            sv="ansöka om tillstånd (i permitted: för en plats som en återkallelse frigjort)",
            routes=(("permitted", "permitted"),),
        ),
        Transition(
            "prepare_board",
            ("decided", "permitted"),
            "board_preparation",
            SOS,
            ev.CasePreparedForBoard,
            rules=(r.permit_needs_application,),
            step="6",
            en="prepare the board's decision",
            sv="bereda inför nämnden",
            routes=(("permitted", "permitted"),),
        ),
        Transition(
            "grant_permits",
            ("board_preparation", "permitted"),
            "permitted",
            r.BOARD,
            ev.PermitsGranted,
            rules=(
                r.advisory_requires_concentrated_care,
                r.permit_needs_application,
                r.max_five_units,
                r.general_knowledge_duty,
                r.special_conditions_need_basis,
            ),
            prepare=_prepare_grant,
            step="7",
            en="grant permits",
            sv="besluta om tillstånd",
        ),
        Transition(
            "refer_back",
            ("board_preparation",),
            "decided",
            r.BOARD,
            ev.ReferredBack,
            step="7",
            en="send the case back for more preparation",
            sv="återremittera ärendet",
        ),
        Transition(
            "report_follow_up",
            ("permitted",),
            "permitted",
            r.PERMIT_HOLDER,
            ev.FollowUpReported,
            rules=(r.follow_up_by_holder,),
            step="8",
            en="report the annual follow-up",
            sv="rapportera årlig uppföljning",
        ),
        Transition(
            "evaluate",
            ("permitted",),
            "permitted",
            SOS,
            ev.PermitsEvaluated,
            step="8",
            en="evaluate the permits",
            sv="utvärdera tillstånden",
        ),
        Transition(
            "request_revocation",
            ("permitted",),
            "permitted",
            r.PERMIT_HOLDER,
            ev.RevocationRequested,
            en="ask for the permit to be revoked",
            sv="begära återkallelse av tillståndet",
        ),
        Transition(
            "revoke_permit",
            ("permitted",),
            "permitted",
            r.BOARD,
            ev.PermitRevoked,
            rules=(r.revocation_grounds, r.application_window),
            prepare=_prepare_revocation,
            en="revoke a permit",
            sv="återkalla ett tillstånd",
        ),
        Transition(
            "close_not_eligible",
            OPEN_STATES,
            "not_eligible",
            SOS,
            ev.ClosedNotEligible,
            prepare=_prepare_closure,
            en="close the proposal as not eligible",
            sv="avsluta förslaget som inte aktuellt",
        ),
        Transition(
            "withdraw",
            OPEN_STATES,
            "withdrawn",
            r.NPO_OF_AREA,
            ev.ProposalWithdrawn,
            en="withdraw the proposal",
            sv="dra tillbaka förslaget",
        ),
    ],
    tables=[PERMITS],
)
"""The regime ``"nhv"``: the law in force."""
