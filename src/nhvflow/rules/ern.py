"""The rules of membership of a European Reference Network (regime
``ern-membership``).

Sources: Socialstyrelsen, Förutsättningar för kompetenscentrum inom
nationell högspecialiserad vård (2019), "Europeiska referensnätverk"; the procedure in
Commission Implementing
Decision 2014/287/EU (in force 27 May 2014; amended by Implementing Decision
(EU) 2019/1269, in force 18 August 2019, which added the network's
favourable opinion on applications to existing networks and rules for the
Clinical Patient Management System); the criteria in Commission Delegated
Decision 2014/286/EU, Annex II.

The rules read a case through :class:`ErnCase` (the network and Member State
applied from, the criteria met, the network's opinion).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date

from nhvflow.events import ern as ev
from nhvflow.model import EU_EEA_COUNTRIES, Role, same_area
from nhvflow.rules._base import (
    Refusal,
    Responsibility,
    Rulebook,
    Step,
    refuse,
    rule,
)
from nhvflow.rules._views import ErnCase

__all__ = [
    "AMENDED",
    "ASSESSMENT_BODY",
    "COMMISSION",
    "COORDINATOR_OF_NETWORK",
    "CRITERIA_TEXT",
    "ERN_BOARD",
    "IN_FORCE",
    "MEMBER_STATE_OF_PROVIDER",
    "PROVIDER",
    "RESPONSIBLE_PARTY",
    "RULEBOOK",
    "RULES",
    "ErnCase",
    "criteria",
    "endorsement",
    "favourable_opinion",
    "looks_like_personal_identity_number",
    "no_patient_data",
]

IN_FORCE = date(2014, 5, 27)
"""Implementing Decision 2014/287/EU in force (OJ L 147, 17.5.2014)."""
AMENDED = date(2019, 8, 18)
"""Implementing Decision (EU) 2019/1269 in force: the network's favourable opinion."""

_REPORT = "Socialstyrelsen, Förutsättningar för kompetenscentrum (2019)"
_PROCEDURE = "Implementing Decision 2014/287/EU"

CRITERIA_TEXT: dict[str, tuple[str, str]] = {
    "patient_centred_care": (
        "patient empowerment and patient-centred care",
        "patientinflytande och patientcentrerad vård",
    ),
    "organisation_and_continuity": (
        "organisation, management and business continuity",
        "organisation, ledning och kontinuitet",
    ),
    "research_and_training": (
        "research, education and training capacity",
        "förmåga till forskning, utbildning och fortbildning",
    ),
    "expertise_exchange_and_ehealth": (
        "exchange of expertise, information systems and e-health tools",
        "utbyte av expertis, informationssystem och e-hälsoverktyg",
    ),
    "quality_and_safety": (
        "quality, patient safety and evaluation",
        "kvalitet, patientsäkerhet och utvärdering",
    ),
    "competence_and_outcomes": (
        "competence, experience and good outcomes of care in the network's field",
        "kompetens, erfarenhet och goda vårdresultat inom nätverkets område",
    ),
    "human_resources": ("human resources", "personalresurser"),
    "organisation_of_patient_care": ("organisation of patient care", "organisation av vården"),
    "facilities_and_equipment": ("facilities and equipment", "lokaler och utrustning"),
}
"""Each criterion of :data:`~nhvflow.events.ern.ERN_CRITERIA` (same order), in English
and Swedish."""


# -- who may fire a step ---------------------------------------------------------------


def _has_country(step: Step) -> Refusal | None:
    if step.actor.country is not None:
        return None
    return refuse(
        "A provider applies from an EU or EEA state: build the actor with "
        "Actor.provider(name, country) so that its country is known.",
        "En vårdgivare ansöker från en EU- eller EES-stat: skapa aktören med "
        "Actor.provider(namn, land) så att landet är känt.",
        criterion="country",
    )


def _providers_state(step: Step) -> Refusal | None:
    country = step.view(ErnCase).country
    if step.actor.country is not None and step.actor.country == country:
        return None
    name = EU_EEA_COUNTRIES.get(str(country), str(country))
    return refuse(
        f"Only the provider's Member State ({name}) may endorse its application; "
        f"{step.actor.describe()} acts for {step.actor.country or 'no state'}.",
        f"Endast vårdgivarens medlemsstat ({name}) får tillstyrka ansökan; "
        f"{step.actor.describe()} företräder {step.actor.country or 'ingen stat'}.",
        criterion="country",
    )


def _own_network(step: Step) -> Refusal | None:
    network = step.view(ErnCase).network
    if same_area(step.actor.network, network):
        return None
    return refuse(
        f"Only the coordinator of {network} may take {step.trigger!r}; "
        f"{step.actor.describe()} coordinates {step.actor.network or 'no network'}.",
        f"Endast koordinatorn för {network} får ta steget {step.trigger!r}; "
        f"{step.actor.describe()} koordinerar {step.actor.network or 'inget nätverk'}.",
        criterion="network",
    )


PROVIDER = Responsibility(
    Role.PROVIDER,
    "a healthcare provider in an EU or EEA state",
    "en vårdgivare i en EU- eller EES-stat",
    _has_country,
)
MEMBER_STATE_OF_PROVIDER = Responsibility(
    Role.MEMBER_STATE, "the provider's Member State", "vårdgivarens medlemsstat", _providers_state
)
COMMISSION = Responsibility(Role.COMMISSION, "the European Commission", "Europeiska kommissionen")
COORDINATOR_OF_NETWORK = Responsibility(
    Role.COORDINATOR, "the network's coordinator", "nätverkets koordinator", _own_network
)
ASSESSMENT_BODY = Responsibility(
    Role.ASSESSMENT_BODY, "the independent assessment body", "det oberoende bedömningsorganet"
)
ERN_BOARD = Responsibility(
    Role.ERN_BOARD,
    "the Board of Member States",
    "medlemsstaternas styrelse (Board of Member States)",
)


RULEBOOK = Rulebook(
    valid_from=IN_FORCE, kind="regulation", seed=f"{_REPORT}, 'Europeiska referensnätverk'"
)
"""What every rule of the regime shares: regulations, in force from 27 May 2014 unless
said otherwise, whose source passage is the report's section on the networks."""
ern_rule = RULEBOOK.rule

RESPONSIBLE_PARTY = RULEBOOK.responsible_party(
    id="ern.responsible-party",
    citation=f"{_PROCEDURE}, as amended by Implementing Decision (EU) 2019/1269",
    doc="""Only the responsible party may fire a step: the provider applies, its own
Member State endorses, the Commission checks eligibility, the network's
coordinator gives the network's opinion and holds its consultations, the
independent body assesses and the Board of Member States admits or declines.

Socialstyrelsen, Förutsättningar för kompetenscentrum (2019), "Europeiska referensnätverk":

    Enskilda vårdgivare i EU-länderna ansöker om medlemskap i ett europeiskt
    referensnätverk, och prövas sedan utifrån bestämda kriterier. Koordinatorer
    för de olika nätverken kan sammankalla virtuella konferenser med
    specialistläkare, som kan ge råd om patienters diagnos och behandling via en
    särskild it-plattform (Clinical patient management system) och med
    telemedicinska hjälpmedel.

The steps between application and membership (endorsement, the Commission's
check, the independent technical assessment, approval by the Member States) are
those of Implementing Decision 2014/287/EU (recital 3 lists them).
""",
)


# -- the rules -------------------------------------------------------------------------


@ern_rule(
    id="ern.endorsement",
    title_sv="Ansökan går vidare endast med medlemsstatens tillstyrkan",
    title_en="No application proceeds without the Member State's endorsement",
    citation=_PROCEDURE,
)
def endorsement(step: Step) -> Iterator[Refusal]:
    """The provider's Member State endorses this very application: the endorsement
    names the network the provider applied to.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "Enskilda vårdgivare i
    EU-länderna ansöker om medlemskap i ett
    europeiskt referensnätverk". Under Implementing Decision 2014/287/EU (recital 3)
    the Member States endorse their providers' applications before these go to the
    Commission. In the process table
    ``endorse`` is the only way out of ``applied``, so nothing proceeds without it;
    ``ern.responsible-party`` sees that the endorsing state is the provider's own.
    """
    applied = step.view(ErnCase).network
    endorsed: ev.ApplicationEndorsed = step.payload
    given = endorsed.network
    if not same_area(given, applied):
        yield refuse(
            f"The endorsement is for {given!r}, but the provider applied to {applied!r}; a "
            "Member State endorses the application as made.",
            f"Tillstyrkan gäller {given!r}, men vårdgivaren ansökte till {applied!r}; "
            "medlemsstaten tillstyrker ansökan sådan den är gjord.",
        )


@ern_rule(
    id="ern.criteria",
    title_sv="Vårdgivaren uppfyller kriterierna för medlemskap",
    title_en="The provider meets the criteria for membership",
    citation="Delegated Decision 2014/286/EU, Annex II; Implementing Decision 2014/287/EU",
)
def criteria(step: Step) -> Iterator[Refusal]:
    """The Board of Member States admits only a provider the independent
    assessment found to meet every criterion; each unmet criterion is its own
    violation (criterion: its name in :data:`~nhvflow.events.ern.ERN_CRITERIA`).

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "Enskilda vårdgivare i
    EU-länderna ansöker om medlemskap i ett
    europeiskt referensnätverk, och prövas sedan utifrån bestämda kriterier." The
    criteria are those of Delegated Decision 2014/286/EU, Annex II: general
    (patient empowerment and patient-centred care; organisation, management and
    business continuity; research and training; exchange of expertise, information
    systems and e-health tools; quality and safety) and specific to the network's
    field (competence, experience and outcomes; human resources; organisation of
    patient care; facilities and equipment).
    """
    met = step.view(ErnCase).criteria_met
    for name, (en, sv) in CRITERIA_TEXT.items():
        if name not in met:
            yield refuse(
                f"The assessment did not find the criterion '{en}' met; a provider is "
                "admitted only when it meets every criterion.",
                f"Bedömningen fann inte kriteriet '{sv}' uppfyllt; en vårdgivare antas bara "
                "när den uppfyller alla kriterier.",
                criterion=name,
            )


@ern_rule(
    id="ern.favourable-opinion",
    title_sv="Nätverket har tillstyrkt ansökan",
    title_en="The network has given a favourable opinion",
    citation=f"{_PROCEDURE} as amended by Implementing Decision (EU) 2019/1269",
    valid_from=AMENDED,
)
def favourable_opinion(step: Step) -> Iterator[Refusal]:
    """A provider joins an existing network only with the network's favourable
    opinion on its application. In force from 18 August 2019.

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "Varje nätverk, som alltså
    består av flera specialistenheter" — the
    members work together, and the amended procedure (Implementing Decision (EU)
    2019/1269) lets them say whether the applicant should join: an application to
    an existing network must carry the network's favourable opinion. An unfavourable
    opinion does not stop the assessment; it stops admission.
    """
    if not step.view(ErnCase).favourable_opinion:
        yield refuse(
            "The network did not give a favourable opinion on the application; a provider "
            "joins an existing network only with the network's favourable opinion.",
            "Nätverket har inte tillstyrkt ansökan; en vårdgivare ansluts till ett befintligt "
            "nätverk bara om nätverket tillstyrker.",
        )


_REFERENCE = re.compile(r"[A-Za-z0-9._:\-]+")
_PERSONNUMMER = re.compile(r"(?<!\d)(?:\d{2})?(\d{2})(\d{2})(\d{2})[-+ ]?\d{4}(?!\d)")
_WORDS = re.compile(r"[^\W\d_]{2,}(?:[\s,]+[^\W\d_]{2,})+")
_DAY_FIRST = re.compile(
    r"(?<![0-9A-Za-z])(\d{2})(\d{2})\d{2}"
    r"(?:-?\d{4}(?!\d)|\d{5}(?!\d)|[-+A-FU-Ya-fu-y]\d{3}[0-9A-Ya-y](?![0-9A-Za-z]))"
)


def looks_like_personal_identity_number(text: str) -> bool:
    """Whether ``text`` holds what looks like a personal identity number:
    Swedish (personnummer, ``YYMMDD-NNNN`` or ``YYYYMMDDNNNN``, or a
    coordination number, samordningsnummer: the day plus 60) or, since a
    network's patients come from every EU and EEA state, one of the Nordic
    numbers that begin with the birth date day first — Danish (CPR,
    ``DDMMYY-NNNN``), Norwegian (fødselsnummer, ``DDMMYYNNNNN``; a D-number has
    the day plus 40, an H-number the month plus 40) and Finnish
    (henkilötunnus, ``DDMMYY-NNNC``, with ``+`` or a letter for the century)."""
    for match in _PERSONNUMMER.finditer(text):
        month, day = int(match.group(2)), int(match.group(3))
        if 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91):
            return True
    for match in _DAY_FIRST.finditer(text):
        day, month = int(match.group(1)), int(match.group(2))
        if (1 <= month <= 12 or 41 <= month <= 52) and (1 <= day <= 31 or 41 <= day <= 71):
            return True
    return False


@rule(  # not the regime's validity: whatever a step's date, what is written stays written
    id="ern.no-patient-data",
    title_sv="Konsultationen registrerar endast en pseudonym referens",
    title_en="A consultation records only a pseudonymous reference",
    citation="Regulation (EU) 2016/679 art. 5(1)(c), 17 and 25; Implementing Decision "
    "2014/287/EU as amended by Implementing Decision (EU) 2019/1269 (CPMS)",
    kind="regulation",
    seed=f"{_REPORT}, 'Europeiska referensnätverk'",
)
def no_patient_data(step: Step) -> Iterator[Refusal]:
    """A virtual consultation is recorded with a pseudonymous reference only: no
    personal identity number, no name. The consultation's payload has no other
    field where patient data could go (an unknown field such as ``patient_name``
    is refused before any rule, as ``InvalidPayload``).

    Socialstyrelsen, Förutsättningar för kompetenscentrum (2019): "De samlar experter virtuellt
    för att bedöma en enskild patients
    diagnos och behandling" ... "via en särskild it-plattform (Clinical patient
    management system)". The patient's data stay in that platform. The log is
    append-only and cannot erase (GDPR art. 17), so by data minimisation and
    privacy by design (art. 5(1)(c), 25) it must never receive them. The rule has
    no start date: whatever a step's date, what is written stays written.

    A reference is one token of letters, digits and ``. _ : -`` with at least one
    digit, and holds no personal identity number (Swedish, or a Nordic number
    that begins with the birth date; see :func:`looks_like_personal_identity_number`);
    criteria: ``personal_identity_number``, ``name``, ``format``.
    """
    consultation: ev.VirtualConsultationHeld = step.payload
    reference = consultation.reference
    if looks_like_personal_identity_number(reference):
        yield refuse(
            "The reference looks like a personal identity number; record only the "
            "pseudonymous reference of the case in the Clinical Patient Management System.",
            "Referensen liknar ett personnummer; registrera endast ärendets pseudonyma "
            "referens i Clinical Patient Management System.",
            criterion="personal_identity_number",
        )
    if _WORDS.search(reference) or not any(c.isdigit() for c in reference):
        yield refuse(
            "The reference looks like a name, not a pseudonymous reference; record the "
            "pseudonymous reference (letters and digits, such as 'CPMS-7F3K2').",
            "Referensen liknar ett namn, inte en pseudonym referens; registrera den pseudonyma "
            "referensen (bokstäver och siffror, till exempel 'CPMS-7F3K2').",
            criterion="name",
        )
    if not _REFERENCE.fullmatch(reference):
        yield refuse(
            "A pseudonymous reference is one token of letters, digits and '.', '_', ':' or "
            "'-', without spaces; this one holds other characters.",
            "En pseudonym referens är en följd av bokstäver, siffror och '.', '_', ':' eller "
            "'-' utan mellanslag; den här innehåller andra tecken.",
            criterion="format",
        )


RULES = (
    RESPONSIBLE_PARTY,
    endorsement,
    criteria,
    favourable_opinion,
    no_patient_data,
)
"""Every rule of the regime ``ern-membership``, in catalogue order."""
