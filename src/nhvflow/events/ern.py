"""The events of the regime ``ern-membership``: a healthcare provider's way
into a European Reference Network (Socialstyrelsen, Förutsättningar för
kompetenscentrum, 2019, "Europeiska referensnätverk";
procedure in Implementing Decision 2014/287/EU, criteria in Delegated
Decision 2014/286/EU), and the network's virtual consultations.

A consultation concerns one patient, and the log is append-only: what it
records can never be erased. So :class:`VirtualConsultationHeld` has no
field where patient data could go — a pseudonymous reference, counts,
country codes and an outcome out of a fixed set — and the rule
``ern.no-patient-data`` refuses a reference that looks like a personal
identity number or a name.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import Any, ClassVar

import attrs

from nhvflow.events import _fields as f
from nhvflow.events._base import Fact, Meta, Recorded

__all__ = [
    "CONSULTATION_OUTCOMES",
    "ERN_CRITERIA",
    "ApplicationAssessed",
    "ApplicationEndorsed",
    "EligibilityChecked",
    "MemberAdmitted",
    "MembershipApplied",
    "MembershipDeclined",
    "OpinionGiven",
    "VirtualConsultationHeld",
]

ERN_CRITERIA: tuple[str, ...] = (
    "patient_centred_care",
    "organisation_and_continuity",
    "research_and_training",
    "expertise_exchange_and_ehealth",
    "quality_and_safety",
    "competence_and_outcomes",
    "human_resources",
    "organisation_of_patient_care",
    "facilities_and_equipment",
)
"""The criteria a provider must meet to join a network (Delegated Decision
2014/286/EU, Annex II, as the ERN assessment manual groups them): five
general, then four specific to the network's field of expertise."""

CONSULTATION_OUTCOMES: tuple[str, ...] = (
    "advice_given",
    "treatment_abroad",
    "further_investigation",
)
"""What a virtual consultation can conclude: advice on diagnosis and
treatment; treatment abroad (its costs then fall under Directive 2011/24/EU
or Regulations 883/2004 and 987/2009, as Socialstyrelsen's report of 2019
notes); or further investigation."""


@attrs.frozen
class MembershipApplied(Fact):
    """A healthcare provider applied to join a network, with its
    self-assessment (the criteria it claims to meet)."""

    type: ClassVar[str] = "MembershipApplied"

    network: str = f.text(max_len=200, allow_empty=False)
    unit: str = f.text(max_len=f.MAX_SHORT, default="")
    self_assessment: tuple[str, ...] = f.one_of_each(ERN_CRITERIA)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data.update(
            network=self.network,
            provider=meta.actor.name,
            country=meta.actor.country,
            unit=self.unit,
            self_assessment=list(self.self_assessment),
            applied_at=meta.when,
        )


@attrs.frozen
class ApplicationEndorsed(Fact):
    """The provider's Member State endorsed the application to this network.

    ``network`` may be left out: the endorsement is then of the network the
    provider applied to, and the log records that network."""

    type: ClassVar[str] = "ApplicationEndorsed"

    network: str | None = f.optional_text(max_len=200)
    statement: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["endorsement"] = {
            "member_state": meta.actor.country,
            "network": self.network,
            "statement": self.statement,
            "endorsed_at": meta.when,
        }


@attrs.frozen
class EligibilityChecked(Fact):
    """The Commission checked that the application is eligible and complete."""

    type: ClassVar[str] = "EligibilityChecked"
    recorded: ClassVar[Recorded] = Recorded("eligibility", at="checked_at")

    note: str = f.text(default="")


@attrs.frozen
class OpinionGiven(Fact):
    """The network (through its coordinator) gave its opinion on the
    application: favourable or not."""

    type: ClassVar[str] = "OpinionGiven"
    recorded: ClassVar[Recorded] = Recorded("opinion", at="given_at")

    favourable: bool = f.flag()
    reasons: str = f.text(default="")


@attrs.frozen
class ApplicationAssessed(Fact):
    """The independent assessment body assessed the application against the
    criteria; ``met`` lists those it found met."""

    type: ClassVar[str] = "ApplicationAssessed"

    met: tuple[str, ...] = f.one_of_each(ERN_CRITERIA)
    report: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["assessment"] = {
            "met": list(self.met),
            "unmet": [c for c in ERN_CRITERIA if c not in self.met],
            "report": self.report,
            "assessed_at": meta.when,
        }


@attrs.frozen
class MemberAdmitted(Fact):
    """The Board of Member States approved the provider as a member."""

    type: ClassVar[str] = "MemberAdmitted"
    recorded: ClassVar[Recorded] = Recorded("membership", at="admitted_at")

    note: str = f.text(default="")


@attrs.frozen
class MembershipDeclined(Fact):
    """The Board of Member States declined the application."""

    type: ClassVar[str] = "MembershipDeclined"
    recorded: ClassVar[Recorded] = Recorded("decline", at="declined_at")

    reason: str = f.text(allow_empty=False)


@attrs.frozen
class VirtualConsultationHeld(Fact):
    """The network's coordinator convened a virtual panel on one patient.

    Only a pseudonymous ``reference`` identifies the patient (the key to it
    stays in the Clinical Patient Management System); ``experts`` is how
    many took part, ``countries`` where they work, ``outcome`` one of
    :data:`CONSULTATION_OUTCOMES` (by default ``"advice_given"``: the
    panel "kan ge råd om patienters diagnos och behandling", Socialstyrelsen's
    report of 2019).
    ``experts`` may be left out (``None``: not recorded). There is
    deliberately no free-text field.
    """

    type: ClassVar[str] = "VirtualConsultationHeld"

    reference: str = f.text(max_len=64, allow_empty=False)
    experts: int | None = f.count(optional=True, default=None)
    outcome: str = f.choice(CONSULTATION_OUTCOMES, default="advice_given")
    countries: tuple[str, ...] = f.codes()

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["consultations"] = [
            *data.get("consultations", ()),
            {
                "reference": self.reference,
                "experts": self.experts,
                "countries": list(self.countries),
                "outcome": self.outcome,
                "held_at": meta.when,
            },
        ]
