"""Membership of a European Reference Network (regime ``"ern-membership"``)
as a table: from a provider's application to membership, then the network's
virtual consultations.

Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård (2019), "Europeiska referensnätverk": "En annan struktur för att
koncentrera kompetens är de europeiska referensnätverken (ERN). De samlar
experter virtuellt för att bedöma en enskild patients diagnos och
behandling, i syfte att stödja en jämlik vård i hela Europa."
"""

from __future__ import annotations

from datetime import datetime

import attrs

from nhvflow.errors import InvalidPayload
from nhvflow.events import ern as ev
from nhvflow.model import Case
from nhvflow.rules import ern as r
from nhvflow.states._process import Process, State, Transition

__all__ = ["ERN"]


def _prepare_endorsement(
    payload: ev.ApplicationEndorsed, case: Case | None, at: datetime
) -> ev.ApplicationEndorsed:
    if payload.network is None and case is not None:
        return attrs.evolve(payload, network=r.ErnCase(case.data).network)
    return payload


def _prepare_consultation(
    payload: ev.VirtualConsultationHeld, case: Case | None, at: datetime
) -> ev.VirtualConsultationHeld:
    if payload.experts is not None and payload.experts < 1:
        raise InvalidPayload(
            "experts", f"is {payload.experts}; give how many experts sat on the panel (1 or more)."
        )
    return payload


ERN = Process(
    name="ern-membership",
    title_en="Membership of a European Reference Network",
    title_sv="Medlemskap i ett europeiskt referensnätverk",
    status="in force",
    in_force_from=r.IN_FORCE,
    source="Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), 'Europeiska "
    "referensnätverk'; Implementing Decision 2014/287/EU; "
    "Delegated Decision 2014/286/EU",
    authority=r.RESPONSIBLE_PARTY,
    view=r.ErnCase,
    states=[
        State("applied", "applied, with self-assessment", "ansökt, med självvärdering"),
        State("endorsed", "endorsed by the Member State", "tillstyrkt av medlemsstaten"),
        State("eligible", "found eligible by the Commission", "behörig enligt kommissionen"),
        State("opinion_given", "the network has given its opinion", "nätverket har yttrat sig"),
        State("assessed", "assessed against the criteria", "bedömd mot kriterierna"),
        State("member", "member of the network", "medlem i nätverket"),
        State("declined", "declined by the Board of Member States", "avslagen", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            (),
            "applied",
            r.PROVIDER,
            ev.MembershipApplied,
            en="apply for membership, with a self-assessment",
            sv="ansöka om medlemskap, med självvärdering",
        ),
        Transition(
            "endorse",
            ("applied",),
            "endorsed",
            r.MEMBER_STATE_OF_PROVIDER,
            ev.ApplicationEndorsed,
            rules=(r.endorsement,),
            prepare=_prepare_endorsement,
            en="endorse the application",
            sv="tillstyrka ansökan",
        ),
        Transition(
            "check_eligibility",
            ("endorsed",),
            "eligible",
            r.COMMISSION,
            ev.EligibilityChecked,
            en="check that the application is eligible and complete",
            sv="pröva att ansökan är behörig och fullständig",
        ),
        Transition(
            "give_opinion",
            ("eligible",),
            "opinion_given",
            r.COORDINATOR_OF_NETWORK,
            ev.OpinionGiven,
            en="give the network's opinion on the application",
            sv="lämna nätverkets yttrande över ansökan",
        ),
        Transition(
            "assess",
            ("opinion_given",),
            "assessed",
            r.ASSESSMENT_BODY,
            ev.ApplicationAssessed,
            en="assess the application against the criteria",
            sv="bedöma ansökan mot kriterierna",
        ),
        Transition(
            "admit",
            ("assessed",),
            "member",
            r.ERN_BOARD,
            ev.MemberAdmitted,
            rules=(r.criteria, r.favourable_opinion),
            en="approve the provider as a member",
            sv="godkänna vårdgivaren som medlem",
        ),
        Transition(
            "decline",
            ("assessed",),
            "declined",
            r.ERN_BOARD,
            ev.MembershipDeclined,
            en="decline the application",
            sv="avslå ansökan",
        ),
        Transition(
            "hold_consultation",
            ("member",),
            "member",
            r.COORDINATOR_OF_NETWORK,
            ev.VirtualConsultationHeld,
            rules=(r.no_patient_data,),
            prepare=_prepare_consultation,
            en="hold a virtual consultation on one patient",
            sv="hålla en virtuell konsultation om en patient",
        ),
    ],
)
"""The regime ``"ern-membership"``: European Reference Network membership."""
