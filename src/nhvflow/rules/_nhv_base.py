"""What the rules of the regime ``nhv`` share: when they apply, the
settings of practice, the sources they cite, and who is responsible for
each step (:mod:`nhvflow.rules.nhv` is the public face)."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, date, datetime

import attrs

from nhvflow.model import Role, same_area
from nhvflow.rules._base import (
    Refusal,
    Responsibility,
    Rulebook,
    Step,
    refuse,
)
from nhvflow.rules._views import NhvCase, ProposalCase

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


def marked_pilot(area: str) -> bool:
    """Whether ``area`` is one of :data:`DEFAULT_PILOT_AREAS` (as spelt, letter
    case and white space aside)."""
    return any(same_area(area, a) for a in DEFAULT_PILOT_AREAS)


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


def proposal_area(step: Step) -> str | None:
    """The programme area of the step's proposal: the case's, or for a
    submission the one it names."""
    submitted: str | None = getattr(step.payload, "programme_area", None)
    return step.view(ProposalCase).programme_area or submitted


def _area_scope(step: Step) -> Refusal | None:
    area = proposal_area(step)
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


def _holder(step: Step) -> Refusal | None:
    refusal = _for_itself(step)
    if refusal is not None:
        return refusal
    if step.view(NhvCase).holds_valid_permit(step.actor.principal):
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


RULEBOOK = Rulebook(valid_from=IN_FORCE)
"""What every rule of the regime shares: in force from 2018-07-01."""
nhv_rule = RULEBOOK.rule

RESPONSIBLE_PARTY = RULEBOOK.responsible_party(
    id="nhv.responsible-party",
    citation=f"HSF (2017:80) 2 kap. 1–2 §; {_PAGE}, steg 1–8",
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


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def default_applications_due(decided_on: date) -> date:
    """The default last day for applications: :data:`APPLICATION_PERIOD`
    (three months, a setting of practice) after the decision or revocation."""
    return _add_months(decided_on, APPLICATION_PERIOD.value)
