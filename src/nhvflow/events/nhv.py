"""The events of the regime ``nhv``: one frozen class per fact, each the
payload schema of its trigger.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

import attrs

from nhvflow import _payload as p
from nhvflow.events._base import Fact, Meta, Upcaster
from nhvflow.model import Expert, PermitGrant, Region

__all__ = [
    "GENERAL_DUTY_RULE",
    "REVOCATION_GROUNDS",
    "SPECIAL_CONDITIONS_RULE",
    "BasisDelivered",
    "CasePreparedForBoard",
    "ClosedNotEligible",
    "ConsultationClosed",
    "ConsultationOpened",
    "ExpertGroupAppointed",
    "FollowUpReported",
    "MappingCompleted",
    "NhvDecided",
    "PermitApplied",
    "PermitRevoked",
    "PermitsEvaluated",
    "PermitsGranted",
    "ProposalRejected",
    "ProposalSubmitted",
    "ProposalWithdrawn",
    "ReferredBack",
    "RevocationRequested",
]

GENERAL_DUTY_RULE = "nhv.general-knowledge-duty"
SPECIAL_CONDITIONS_RULE = "nhv.special-conditions-need-basis"


def _append(data: dict[str, Any], key: str, item: dict[str, Any]) -> None:
    data.setdefault(key, []).append(item)


def _region_of(meta: Meta) -> Region:
    if meta.actor.principal is None:  # pragma: no cover - the responsible-party rule prevents it
        raise ValueError("a region step needs an actor with a principal")
    return meta.actor.principal


def _experts_json(experts: tuple[Expert, ...]) -> list[dict[str, Any]]:
    return [e.to_json() for e in experts]


def _submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # Schema 1 predates the mapping pause, when no proposal was a pilot by flag.
    return {**payload, "pilot": False}


@attrs.frozen
class ProposalSubmitted(Fact):
    """An NPO proposed a care area for national concentration and nominated
    experts (step 1).

    Schema 2 added ``pilot``: the pause on new expert groups while the
    overall mapping is under way exempts the pilots' groups.
    """

    type: ClassVar[str] = "ProposalSubmitted"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: _submitted_v1_to_v2}

    title: str = p.text(max_len=p.MAX_SHORT, allow_empty=False)
    programme_area: str = p.text(max_len=p.MAX_SHORT, allow_empty=False)
    care_measures: tuple[str, ...] = p.texts()
    advisory: bool = p.flag(default=False)
    nominated_experts: tuple[Expert, ...] = p.experts()
    pilot: bool = p.flag(default=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data.update(
            title=self.title,
            programme_area=self.programme_area,
            care_measures=list(self.care_measures),
            advisory=self.advisory,
            nominated_experts=_experts_json(self.nominated_experts),
            pilot=self.pilot,
            submitted_at=meta.when,
        )


@attrs.frozen
class ExpertGroupAppointed(Fact):
    """Socialstyrelsen appointed the expert group that examines the
    proposal (step 2)."""

    type: ClassVar[str] = "ExpertGroupAppointed"

    experts: tuple[Expert, ...] = p.experts(default=p.REQUIRED)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["expert_group"] = _experts_json(self.experts)
        data["expert_group_appointed_at"] = meta.when


@attrs.frozen
class BasisDelivered(Fact):
    """The expert group delivered its basis for decision (underlag, step 2)."""

    type: ClassVar[str] = "BasisDelivered"

    recommends_nhv: bool = p.flag()
    units: int | None = p.count(optional=True, default=None)
    care_measures: tuple[str, ...] = p.texts()
    knowledge_spreading_need: bool = p.flag(default=False)
    acute_care_impact: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["basis"] = {
            "recommends_nhv": self.recommends_nhv,
            "units": self.units,
            "care_measures": list(self.care_measures),
            "knowledge_spreading_need": self.knowledge_spreading_need,
            "acute_care_impact": self.acute_care_impact,
            "delivered_at": meta.when,
        }
        data["knowledge_spreading_need"] = self.knowledge_spreading_need


@attrs.frozen
class ConsultationOpened(Fact):
    """Socialstyrelsen sent the basis out for consultation (remiss, step 3)."""

    type: ClassVar[str] = "ConsultationOpened"

    recipients: tuple[str, ...] = p.texts()

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["consultation"] = {"recipients": list(self.recipients), "opened_at": meta.when}


@attrs.frozen
class ConsultationClosed(Fact):
    """The consultation closed and the decision was prepared (beredning,
    step 3); the consultation may record a knowledge-spreading need."""

    type: ClassVar[str] = "ConsultationClosed"

    knowledge_spreading_need: bool | None = p.optional_flag()

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        consultation = data.setdefault("consultation", {})
        consultation["closed_at"] = meta.when
        consultation["knowledge_spreading_need"] = self.knowledge_spreading_need
        if self.knowledge_spreading_need:
            data["knowledge_spreading_need"] = True


@attrs.frozen
class NhvDecided(Fact):
    """Socialstyrelsen decided the care is national highly specialised care,
    at how many units, and opened the request for applications (step 4)."""

    type: ClassVar[str] = "NhvDecided"

    units: int = p.count()
    care_measures: tuple[str, ...] | None = p.optional_texts()
    advisory_mission: bool = p.flag(default=False)
    applications_due: date | None = p.a_date(optional=True, default=None)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        due = self.applications_due
        data["units"] = self.units
        data["decision"] = {
            "units": self.units,
            "care_measures": list(self.care_measures or ()),
            "advisory_mission": self.advisory_mission,
            "applications_due": due.isoformat() if due is not None else None,
            "decided_at": meta.when,
        }


@attrs.frozen
class ProposalRejected(Fact):
    """Socialstyrelsen decided the care is not to be national highly
    specialised care (step 4)."""

    type: ClassVar[str] = "ProposalRejected"

    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["rejection"] = {"reason": self.reason, "rejected_at": meta.when}


@attrs.frozen
class PermitApplied(Fact):
    """A region applied for a permit for one of its units (step 5)."""

    type: ClassVar[str] = "PermitApplied"

    unit: str = p.text(max_len=p.MAX_SHORT, allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "applicants",
            {
                "region": region.name,
                "region_name": region.swedish_name,
                "unit": self.unit,
                "applied_at": meta.when,
            },
        )


@attrs.frozen
class CasePreparedForBoard(Fact):
    """Socialstyrelsen prepared the applications for the board (step 6)."""

    type: ClassVar[str] = "CasePreparedForBoard"

    assessment: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        _append(
            data, "board_preparations", {"assessment": self.assessment, "prepared_at": meta.when}
        )


@attrs.frozen
class PermitsGranted(Fact):
    """The board granted permits (step 7).

    ``general_duty`` records the text of the general knowledge duty that
    every permit carries as it stood at the grant, so that the log keeps what
    was decided even if the wording changes later.
    """

    type: ClassVar[str] = "PermitsGranted"
    touches_permits: ClassVar[bool] = True

    permits: tuple[PermitGrant, ...] = p.grants()
    general_duty: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        applied = {a["region"]: a["unit"] for a in data.get("applicants", [])}
        for grant in self.permits:
            conditions = [{"rule": GENERAL_DUTY_RULE, "text": self.general_duty}]
            conditions += [
                {"rule": SPECIAL_CONDITIONS_RULE, "text": text} for text in grant.special_conditions
            ]
            _append(
                data,
                "permits",
                {
                    "region": grant.region.name,
                    "region_name": grant.region.swedish_name,
                    "unit": grant.unit or applied.get(grant.region.name),
                    "conditions": conditions,
                    "valid": True,
                    "granted_at": meta.when,
                    "starts_on": (
                        grant.starts_on.isoformat()
                        if grant.starts_on
                        else meta.occurred_at.date().isoformat()
                    ),
                },
            )


@attrs.frozen
class ReferredBack(Fact):
    """The board sent the case back for more preparation (step 7)."""

    type: ClassVar[str] = "ReferredBack"

    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        _append(data, "referrals", {"reason": self.reason, "referred_at": meta.when})


@attrs.frozen
class FollowUpReported(Fact):
    """A permit holder reported its annual follow-up (step 8)."""

    type: ClassVar[str] = "FollowUpReported"

    year: int = p.count()
    report: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "follow_ups",
            {
                "region": region.name,
                "year": self.year,
                "report": self.report,
                "reported_at": meta.when,
            },
        )


@attrs.frozen
class PermitsEvaluated(Fact):
    """Socialstyrelsen evaluated the permits (step 8)."""

    type: ClassVar[str] = "PermitsEvaluated"

    findings: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        _append(data, "evaluations", {"findings": self.findings, "evaluated_at": meta.when})


@attrs.frozen
class RevocationRequested(Fact):
    """A permit holder asked the board to revoke its permit."""

    type: ClassVar[str] = "RevocationRequested"

    reason: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "revocation_requests",
            {"region": region.name, "reason": self.reason, "requested_at": meta.when},
        )


REVOCATION_GROUNDS = ("conditions_not_met", "circumstances_changed", "holder_request")


@attrs.frozen
class PermitRevoked(Fact):
    """The board revoked a region's permit on a statutory ground."""

    type: ClassVar[str] = "PermitRevoked"
    touches_permits: ClassVar[bool] = True

    region: Region = p.region()
    ground: str = p.choice(REVOCATION_GROUNDS)
    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        for permit in data.get("permits", []):
            if permit["region"] == self.region.name and permit["valid"]:
                permit.update(
                    valid=False,
                    revoked_at=meta.when,
                    ground=self.ground,
                    revocation_reason=self.reason,
                )


@attrs.frozen
class ClosedNotEligible(Fact):
    """Socialstyrelsen closed the proposal as not eligible, citing the rule
    that stands in its way."""

    type: ClassVar[str] = "ClosedNotEligible"

    rule: str = p.text(max_len=200, allow_empty=False)
    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["closure"] = {"rule": self.rule, "reason": self.reason, "closed_at": meta.when}


@attrs.frozen
class ProposalWithdrawn(Fact):
    """The NPO withdrew its proposal."""

    type: ClassVar[str] = "ProposalWithdrawn"

    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["withdrawal"] = {"reason": self.reason, "withdrawn_at": meta.when}


@attrs.frozen
class MappingCompleted(Fact):
    """Socialstyrelsen recorded that the overall mapping (kartläggning) of
    all proposals is done; new expert groups may be appointed again.

    A registry-wide fact, kept in the stream ``"registry"``.
    """

    type: ClassVar[str] = "MappingCompleted"

    note: str = p.text(default="")
