"""The events of the regime ``nhv``: one frozen class per fact, each the
payload schema of its trigger.

Each class folds its payload as the log records it (JSON: regions by member
name, dates as ISO text, experts and grants as dicts) straight into the
case's data: the engine folds what it is about to write and a replay folds
what it reads back, through the same classmethod.

The package :mod:`nhvflow.events` re-exports every public name here; its
``__all__`` is the one list of them.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, ClassVar

import attrs

from nhvflow.events import _fields as f
from nhvflow.events._base import Fact, Meta, Recorded, Upcaster
from nhvflow.model import Expert, PermitGrant, Region

GENERAL_DUTY_RULE = "nhv.general-knowledge-duty"
SPECIAL_CONDITIONS_RULE = "nhv.special-conditions-need-basis"


def _append(data: dict[str, Any], key: str, item: dict[str, Any]) -> None:
    """Add ``item`` to the list under ``key`` as a new list (folds never edit
    a value of the case before them in place)."""
    data[key] = [*data.get(key, ()), item]


def _region_of(meta: Meta) -> Region:
    if meta.actor.principal is None:  # pragma: no cover - the responsible-party rule prevents it
        raise ValueError("a region step needs an actor with a principal")
    return meta.actor.principal


def _copies(items: Any) -> list[dict[str, Any]]:
    return [dict(item) for item in items]


Payload = Mapping[str, Any]


def _submitted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # Schema 1 predates the mapping pause, when no proposal was a pilot by flag.
    return {**payload, "pilot": False}


@attrs.frozen
class Proposal(Fact):
    """The fields of a proposal that every regime's opening step takes
    (``ProposalSubmitted``, ``kc``'s ``NeedDefined``, Norway's
    ``InitiativeTaken``), so that one proposal can be submitted unchanged under
    each regime and the simulations compare them on the same input. A regime
    adds its own fields and may change a default (``advisory``: advice is what
    a competence centre or service is for)."""

    title: str = f.text(max_len=f.MAX_SHORT, allow_empty=False)
    programme_area: str = f.text(max_len=f.MAX_SHORT, allow_empty=False)
    care_measures: tuple[str, ...] = f.texts()
    advisory: bool = f.flag(default=False)
    nominated_experts: tuple[Expert, ...] = f.experts()
    pilot: bool = f.flag(default=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data.update(
            title=self.title,
            programme_area=self.programme_area,
            care_measures=list(self.care_measures),
            advisory=self.advisory,
            nominated_experts=[e.to_json() for e in self.nominated_experts],
            pilot=self.pilot,
            submitted_at=meta.when,
        )


@attrs.frozen
class ProposalSubmitted(Proposal):
    """An NPO proposed a care area for national concentration and nominated
    experts (step 1).

    Schema 2 added ``pilot``: the pause on new expert groups while the
    overall mapping is under way exempts the pilots' groups.
    """

    type: ClassVar[str] = "ProposalSubmitted"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: _submitted_v1_to_v2}

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        data.update(
            title=payload["title"],
            programme_area=payload["programme_area"],
            care_measures=list(payload["care_measures"]),
            advisory=payload["advisory"],
            nominated_experts=_copies(payload["nominated_experts"]),
            pilot=payload["pilot"],
            submitted_at=meta.when,
        )


@attrs.frozen
class ExpertGroupAppointed(Fact):
    """Socialstyrelsen appointed the expert group that examines the
    proposal (step 2)."""

    type: ClassVar[str] = "ExpertGroupAppointed"

    experts: tuple[Expert, ...] = f.experts(default=f.REQUIRED)

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        data["expert_group"] = _copies(payload["experts"])
        data["expert_group_appointed_at"] = meta.when


@attrs.frozen
class BasisDelivered(Fact):
    """The expert group delivered its basis for decision (underlag, step 2)."""

    type: ClassVar[str] = "BasisDelivered"

    recommends_nhv: bool = f.flag()
    units: int | None = f.count(optional=True, default=None)
    care_measures: tuple[str, ...] = f.texts()
    knowledge_spreading_need: bool = f.flag(default=False)
    acute_care_impact: str = f.text(default="")

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        data["basis"] = {
            "recommends_nhv": payload["recommends_nhv"],
            "units": payload["units"],
            "care_measures": list(payload["care_measures"]),
            "knowledge_spreading_need": payload["knowledge_spreading_need"],
            "acute_care_impact": payload["acute_care_impact"],
            "delivered_at": meta.when,
        }
        data["knowledge_spreading_need"] = payload["knowledge_spreading_need"]


@attrs.frozen
class ConsultationOpened(Fact):
    """Socialstyrelsen sent the basis out for consultation (remiss, step 3)."""

    type: ClassVar[str] = "ConsultationOpened"
    recorded: ClassVar[Recorded] = Recorded("consultation", at="opened_at")

    recipients: tuple[str, ...] = f.texts()


@attrs.frozen
class ConsultationClosed(Fact):
    """The consultation closed and the decision was prepared (beredning,
    step 3); the consultation may record a knowledge-spreading need."""

    type: ClassVar[str] = "ConsultationClosed"

    knowledge_spreading_need: bool | None = f.optional_flag()

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        need = payload["knowledge_spreading_need"]
        data["consultation"] = {
            **data.get("consultation", {}),
            "closed_at": meta.when,
            "knowledge_spreading_need": need,
        }
        if need:
            data["knowledge_spreading_need"] = True


def _default_unknown(payload: dict[str, Any]) -> dict[str, Any]:
    # Before this schema the registry did not record whether the last day for
    # applications was its default or a day the decision named.
    return {**payload, "applications_due_default": None}


@attrs.frozen
class NhvDecided(Fact):
    """Socialstyrelsen decided the care is national highly specialised care,
    at how many units, and opened the request for applications (step 4).

    Schema 2 added ``applications_due_default``.
    """

    type: ClassVar[str] = "NhvDecided"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: _default_unknown}

    units: int = f.count()
    care_measures: tuple[str, ...] | None = f.optional_texts()
    advisory_mission: bool = f.flag(default=False)
    applications_due: date | None = f.a_date(optional=True, default=None)
    applications_due_default: bool | None = f.recorded_flag()
    """Whether ``applications_due`` is the registry's default period (a
    setting of practice) rather than a day the decision named. Recorded by
    the registry: ``True`` when the request left ``applications_due`` out.
    ``None`` in an event an nhvflow before 0.2 recorded, which did not say."""

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        data["units"] = payload["units"]
        data["decision"] = {
            "units": payload["units"],
            "care_measures": list(payload["care_measures"] or ()),
            "advisory_mission": payload["advisory_mission"],
            "applications_due": payload["applications_due"],
            "decided_at": meta.when,
        }
        if payload["applications_due_default"] is not None:
            data["decision"]["applications_due_default"] = payload["applications_due_default"]


@attrs.frozen
class ProposalRejected(Fact):
    """Socialstyrelsen decided the care is not to be national highly
    specialised care (step 4)."""

    type: ClassVar[str] = "ProposalRejected"
    recorded: ClassVar[Recorded] = Recorded("rejection", at="rejected_at")

    reason: str = f.text(allow_empty=False)


@attrs.frozen
class PermitApplied(Fact):
    """A region applied for a permit for one of its units (step 5)."""

    type: ClassVar[str] = "PermitApplied"

    unit: str = f.text(max_len=f.MAX_SHORT, allow_empty=False)

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "applicants",
            {
                "region": region.name,
                "region_name": region.swedish_name,
                "unit": payload["unit"],
                "applied_at": meta.when,
                "round": data.get("application_round", 0),
            },
        )


def _prepared_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # Schema 1 predates the board preparation's own record of the need.
    return {**payload, "knowledge_spreading_need": None}


@attrs.frozen
class CasePreparedForBoard(Fact):
    """Socialstyrelsen prepared the applications for the board (step 6).

    Schema 2 added ``knowledge_spreading_need``: the preparation before the
    board's decision may record the need for special knowledge-spreading
    conditions ("om det behövs enligt de utredningar och beredningar som
    föregår beslutet"), so a case referred back can gain it.
    """

    type: ClassVar[str] = "CasePreparedForBoard"
    schema_version: ClassVar[int] = 2
    upcasters: ClassVar[Mapping[int, Upcaster]] = {1: _prepared_v1_to_v2}

    assessment: str = f.text(default="")
    knowledge_spreading_need: bool | None = f.optional_flag()

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        need = payload["knowledge_spreading_need"]
        item = {
            "assessment": payload["assessment"],
            "knowledge_spreading_need": need,
            "round": data.get("application_round", 0),
            "prepared_at": meta.when,
        }
        _append(data, "board_preparations", item)
        data["before_board"] = True
        if need:
            data["knowledge_spreading_need"] = True


@attrs.frozen
class PermitsGranted(Fact):
    """The board granted permits (step 7).

    Every permit records the care measures the decision concentrated
    (``care_measures``): a permit is for care, never for advice alone.
    ``general_duty`` records the text of the general knowledge duty that
    every permit carries as it stood at the grant, so that the log keeps what
    was decided even if the wording changes later.
    """

    type: ClassVar[str] = "PermitsGranted"

    permits: tuple[PermitGrant, ...] = f.grants()
    general_duty: str = f.text(default="")

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        applied = {a["region"]: a["unit"] for a in data.get("applicants", [])}
        general = {"rule": GENERAL_DUTY_RULE, "text": payload["general_duty"]}
        care = list((data.get("decision") or {}).get("care_measures") or ())
        data["before_board"] = False
        for grant in payload["permits"]:
            region = Region[grant["region"]]
            special = [
                {"rule": SPECIAL_CONDITIONS_RULE, "text": t} for t in grant["special_conditions"]
            ]
            special += [{"rule": None, "text": t} for t in grant.get("other_conditions", ())]
            _append(
                data,
                "permits",
                {
                    "region": region.name,
                    "region_name": region.swedish_name,
                    "unit": grant["unit"] or applied.get(region.name),
                    "care_measures": list(care),
                    "conditions": [dict(general), *special],
                    "valid": True,
                    "granted_at": meta.when,
                    "starts_on": grant["starts_on"] or meta.occurred_at.date().isoformat(),
                },
            )


@attrs.frozen
class ReferredBack(Fact):
    """The board sent the case back for more preparation (step 7)."""

    type: ClassVar[str] = "ReferredBack"

    reason: str = f.text(allow_empty=False)

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        _append(data, "referrals", {"reason": payload["reason"], "referred_at": meta.when})
        data["before_board"] = False


@attrs.frozen
class FollowUpReported(Fact):
    """A permit holder reported its annual follow-up (step 8)."""

    type: ClassVar[str] = "FollowUpReported"

    year: int = f.count()
    report: str = f.text(default="")

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "follow_ups",
            {
                "region": region.name,
                "year": payload["year"],
                "report": payload["report"],
                "reported_at": meta.when,
            },
        )


@attrs.frozen
class PermitsEvaluated(Fact):
    """Socialstyrelsen evaluated the permits (step 8)."""

    type: ClassVar[str] = "PermitsEvaluated"
    recorded: ClassVar[Recorded] = Recorded("evaluations", at="evaluated_at", each=True)

    findings: str = f.text(default="")


@attrs.frozen
class RevocationRequested(Fact):
    """A permit holder asked the board to revoke its permit."""

    type: ClassVar[str] = "RevocationRequested"

    reason: str = f.text(default="")

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "revocation_requests",
            {"region": region.name, "reason": payload["reason"], "requested_at": meta.when},
        )


REVOCATION_GROUNDS = ("conditions_not_met", "circumstances_changed", "holder_request")


def _revoked_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # Schema 1 predates new rounds of applications for a freed place.
    return {**payload, "applications_due": None}


@attrs.frozen
class PermitRevoked(Fact):
    """The board revoked a region's permit on a statutory ground.

    Schema 2 added ``applications_due``: the place the revocation frees can
    be filled again without a new case, and a new round of applications
    runs until that day (completed by default from the registry's
    application period, a setting of practice); schema 3
    ``applications_due_default``. Regions apply with
    ``apply_for_permit`` in ``permitted``; the board decides on them after a
    new ``prepare_board``.
    """

    type: ClassVar[str] = "PermitRevoked"
    schema_version: ClassVar[int] = 3
    upcasters: ClassVar[Mapping[int, Upcaster]] = {
        1: _revoked_v1_to_v2,
        2: _default_unknown,
    }

    region: Region = f.region()
    ground: str = f.choice(REVOCATION_GROUNDS)
    reason: str = f.text(allow_empty=False)
    applications_due: date | None = f.a_date(optional=True, default=None)
    applications_due_default: bool | None = f.recorded_flag()
    """As :attr:`NhvDecided.applications_due_default`, for the round the
    revocation opens (schema 3)."""

    @classmethod
    def fold(cls, payload: Payload, data: dict[str, Any], meta: Meta) -> None:
        revoked = {
            "valid": False,
            "revoked_at": meta.when,
            "ground": payload["ground"],
            "revocation_reason": payload["reason"],
        }
        data["permits"] = [
            {**permit, **revoked}
            if permit["region"] == payload["region"] and permit["valid"]
            else permit
            for permit in data.get("permits", [])
        ]
        due = payload["applications_due"]
        if due is not None:
            data["application_round"] = data.get("application_round", 0) + 1
            data["application_window"] = {"opens": meta.when, "due": due}
            if payload["applications_due_default"] is not None:
                data["application_window"]["default"] = payload["applications_due_default"]


@attrs.frozen
class ClosedNotEligible(Fact):
    """Socialstyrelsen closed the proposal as not eligible, citing the rule
    that stands in its way."""

    type: ClassVar[str] = "ClosedNotEligible"
    recorded: ClassVar[Recorded] = Recorded("closure", at="closed_at")

    rule: str = f.text(max_len=200, allow_empty=False)
    reason: str = f.text(allow_empty=False)


@attrs.frozen
class ProposalWithdrawn(Fact):
    """The NPO withdrew its proposal."""

    type: ClassVar[str] = "ProposalWithdrawn"
    recorded: ClassVar[Recorded] = Recorded("withdrawal", at="withdrawn_at")

    reason: str = f.text(allow_empty=False)


@attrs.frozen
class MappingCompleted(Fact):
    """Socialstyrelsen recorded that the overall mapping (kartläggning) of
    all proposals is done; new expert groups may be appointed again.

    A registry-wide fact, kept in the stream ``"registry"``.
    """

    type: ClassVar[str] = "MappingCompleted"

    note: str = f.text(default="")


@attrs.frozen
class PilotDesignated(Fact):
    """Socialstyrelsen designated a programme area's proposals as pilots:
    their expert groups go on while the overall mapping is under way
    ("Piloternas sakkunniggrupper som redan är igång fortsätter arbetet
    enligt plan").

    A registry-wide fact, kept in the stream ``"registry"``. The two areas
    Socialstyrelsen's page marks "(Pilot)" are designated without an event.
    """

    type: ClassVar[str] = "PilotDesignated"

    programme_area: str = f.text(max_len=f.MAX_SHORT, allow_empty=False)
    reason: str = f.text(default="")
