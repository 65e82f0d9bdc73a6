"""The proposed Swedish system for national competence centres (regime
``"kc-proposal"``; status: proposed, not in force), as a table.

Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård (2019), "Kompetenscentrum bör utredas vidare": "Samtidigt har hälso- och
sjukvården ett stort behov av rådgivning, och Socialstyrelsen anser att ett
system för att etablera kompetenscentrum bör utredas vidare." Advisory-only
proposals are its purpose: no care measures are needed. The report describes
no refusal, but a proposal can still end before centres are established:
Socialstyrelsen closes it (``close``) or the NPO withdraws it (``withdraw``).
"""

from __future__ import annotations

from datetime import datetime

import attrs

from nhvflow.errors import InvalidPayload
from nhvflow.events import kc as ev
from nhvflow.model import Case
from nhvflow.rules import kc as r
from nhvflow.states._process import Process, State, Transition

__all__ = ["KC"]


def _prepare_establishment(
    payload: ev.CentresEstablished, case: Case | None, at: datetime
) -> ev.CentresEstablished:
    if not payload.regions:
        raise InvalidPayload("regions", "name at least one region that applied.")
    form = r.financing_key(payload.financing)
    if form is not None and form != payload.financing:
        payload = attrs.evolve(payload, financing=form)
    return payload


SOS = r.SOCIALSTYRELSEN
OPEN_STATES = ("need_defined", "expert_review", "basis_delivered", "prepared")
"""The states before centres are established, from which a proposal can end."""

KC = Process(
    name="kc-proposal",
    title_en="National competence centres (the report's proposal, not in force)",
    title_sv="Nationella kompetenscentrum (rapportens förslag, ej gällande)",
    status="proposed",
    source="Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell "
    "högspecialiserad vård (2019), 'Kompetenscentrum bör utredas vidare' and "
    "'Organisationsformer och finansiering'",
    authority=r.RESPONSIBLE_PARTY,
    view=r.KcCase,
    states=[
        State("need_defined", "need defined by an NPO", "behov definierat av NPO"),
        State("expert_review", "under review by an expert group", "genomlyses av sakkunniggrupp"),
        State(
            "basis_delivered",
            "number of centres and their tasks fixed",
            "antal centrum och deras uppgifter fastställda",
        ),
        State(
            "prepared",
            "system effects weighed; principals may apply",
            "systemeffekter beredda; huvudmän kan ansöka",
        ),
        State("established", "competence centres established", "kompetenscentrum etablerade"),
        State("closed", "closed by Socialstyrelsen", "avslutat av Socialstyrelsen", final=True),
        State("withdrawn", "withdrawn by the NPO", "återkallat av NPO", final=True),
    ],
    transitions=[
        Transition(
            "submit",
            (),
            "need_defined",
            r.NPO_OF_AREA,
            ev.NeedDefined,
            step="1",
            en="define the need for national competence centres",
            sv="definiera behovet av nationella kompetenscentrum",
        ),
        Transition(
            "appoint_expert_group",
            ("need_defined",),
            "expert_review",
            SOS,
            ev.ExpertGroupAppointed,
            rules=(r.expert_group_composition,),
            step="2",
            en="appoint the expert group",
            sv="tillsätta sakkunniggrupp",
        ),
        Transition(
            "deliver_basis",
            ("expert_review",),
            "basis_delivered",
            r.EXPERT_GROUP_OF_CASE,
            ev.CentresAndTasksFixed,
            rules=(r.number_and_tasks,),
            step="2",
            en="fix the number of centres and their tasks",
            sv="fastställa antalet kompetenscentrum och avgränsa deras uppgifter",
        ),
        Transition(
            "assess_system_effects",
            ("basis_delivered",),
            "prepared",
            SOS,
            ev.SystemEffectsAssessed,
            step="3",
            en="weigh the system effects of concentrating the competence (preparation group)",
            sv="undersöka systemeffekter av att koncentrera kompetensen (beredningsgrupp)",
        ),
        Transition(
            "apply_to_establish",
            ("prepared",),
            "prepared",
            r.REGION_FOR_ITSELF,
            ev.EstablishmentApplied,
            rules=(r.number_and_tasks,),
            step="4",
            en="apply to establish a competence centre",
            sv="ansöka om att etablera kompetenscentrum",
        ),
        Transition(
            "establish",
            ("prepared",),
            "established",
            SOS,
            ev.CentresEstablished,
            rules=(r.number_and_tasks, r.financing_form, r.state_grant_one_year),
            prepare=_prepare_establishment,
            step="4",
            en="establish the centres and their financing",
            sv="etablera kompetenscentrum och deras finansiering",
        ),
        Transition(
            "evaluate",
            ("established",),
            "established",
            SOS,
            ev.CentresEvaluated,
            en="evaluate the centres and their financing",
            sv="utvärdera centrumen och finansieringsformerna",
        ),
        Transition(
            "close",
            OPEN_STATES,
            "closed",
            SOS,
            ev.CentreProposalClosed,
            en="close the proposal before centres are established",
            sv="avsluta förslaget innan centrum etableras",
        ),
        Transition(
            "withdraw",
            OPEN_STATES,
            "withdrawn",
            r.NPO_OF_AREA,
            ev.CentreProposalWithdrawn,
            en="withdraw the proposal",
            sv="dra tillbaka förslaget",
        ),
    ],
)
"""The regime ``"kc-proposal"``: the report's suggested competence-centre system."""
