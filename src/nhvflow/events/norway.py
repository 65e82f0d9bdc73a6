"""The events of the regime ``no-competence-service``: Norway's national
competence services (nasjonale kompetansetjenester; forskrift 17. desember
2010 nr. 1706), as seed 000 describes them in "Norges system för nationella
kompetenstjänster".

.. versionadded:: 0.1
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import attrs

from nhvflow import _payload as p
from nhvflow._abroad import health_enterprise_name
from nhvflow.events._base import Fact, Meta
from nhvflow.model import Expert

__all__ = [
    "ESTABLISHMENT_GRANT_NOK",
    "AnnualReportSubmitted",
    "InitiativeSupported",
    "InitiativeTaken",
    "ServiceApplied",
    "ServiceApproved",
    "ServiceRefused",
    "ServiceReviewed",
    "ServiceWoundDown",
]

ESTABLISHMENT_GRANT_NOK = 2_000_000
"""The one-off grant a health enterprise receives when a new competence
service is approved: "en engångssumma på cirka 2 miljoner norska kronor för
att etablera centrumet" (seed 000)."""


def _enterprise(meta: Meta) -> str:
    return health_enterprise_name(meta.actor.name)


@attrs.frozen
class InitiativeTaken(Fact):
    """A regional health enterprise took the initiative to establish a
    national competence service in a field (fagområde, ``programme_area``;
    may be left out), for target groups, with tasks.

    It also takes the other fields of an NHV proposal (``care_measures``,
    ``advisory``, ``nominated_experts``, ``pilot``), so one proposal can be
    submitted unchanged under every regime; they are recorded for that
    comparison and no Norwegian rule reads them (a competence service
    centralises no treatment: "patienternas behandling ska inte
    centraliseras").
    """

    type: ClassVar[str] = "InitiativeTaken"

    title: str = p.text(max_len=p.MAX_SHORT, allow_empty=False)
    programme_area: str = p.text(max_len=p.MAX_SHORT, default="")
    target_groups: tuple[str, ...] = p.texts()
    tasks: tuple[str, ...] = p.texts()
    care_measures: tuple[str, ...] = p.texts()
    advisory: bool = p.flag(default=True)
    nominated_experts: tuple[Expert, ...] = p.experts()
    pilot: bool = p.flag(default=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data.update(
            title=self.title,
            programme_area=self.programme_area,
            target_groups=list(self.target_groups),
            tasks=list(self.tasks),
            care_measures=list(self.care_measures),
            advisory=self.advisory,
            nominated_experts=[e.to_json() for e in self.nominated_experts],
            pilot=self.pilot,
            initiator=_enterprise(meta),
            submitted_at=meta.when,
        )


@attrs.frozen
class InitiativeSupported(Fact):
    """Another regional health enterprise gave its support to the initiative."""

    type: ClassVar[str] = "InitiativeSupported"

    statement: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["supporters"] = [
            *data.get("supporters", ()),
            {
                "enterprise": _enterprise(meta),
                "statement": self.statement,
                "supported_at": meta.when,
            },
        ]


@attrs.frozen
class ServiceApplied(Fact):
    """The initiating health enterprise applied to the ministry for approval."""

    type: ClassVar[str] = "ServiceApplied"

    application: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["application"] = {"text": self.application, "applied_at": meta.when}


@attrs.frozen
class ServiceReviewed(Fact):
    """Helsedirektoratet reviewed the service with experts against the three
    approval criteria, ahead of the ministry's decision. Each criterion is
    recorded as found met (``True``) or not."""

    type: ClassVar[str] = "ServiceReviewed"

    quality_of_course: bool = p.flag()
    national_competence: bool = p.flag()
    cost_effectiveness: bool = p.flag()
    experts: tuple[str, ...] = p.texts()
    recommendation: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["review"] = {
            "experts": list(self.experts),
            "quality_of_course": self.quality_of_course,
            "national_competence": self.national_competence,
            "cost_effectiveness": self.cost_effectiveness,
            "recommendation": self.recommendation,
            "reviewed_at": meta.when,
        }


@attrs.frozen
class ServiceApproved(Fact):
    """The ministry approved the national competence service with its plan
    (goals, when they count as met, when the service can be wound down), and
    the one-off establishment grant went to the initiating enterprise.

    ``permanent`` marks a service whose need is lasting (the directorate
    found rare diagnoses need permanent services); it has no wind-down
    estimate.
    """

    type: ClassVar[str] = "ServiceApproved"

    goals: tuple[str, ...] = p.texts()
    goals_met_when: str = p.text(default="")
    wind_down_estimate: date | None = p.a_date(optional=True, default=None)
    permanent: bool = p.flag(default=False)
    establishment_grant_nok: int = p.count(default=ESTABLISHMENT_GRANT_NOK)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        estimate = self.wind_down_estimate
        data["plan"] = {
            "goals": list(self.goals),
            "goals_met_when": self.goals_met_when,
            "wind_down_estimate": estimate.isoformat() if estimate is not None else None,
        }
        data["permanent"] = self.permanent
        data["establishment_grant"] = {
            "nok": self.establishment_grant_nok,
            "to": data.get("initiator"),
            "granted_at": meta.when,
        }
        data["approved_at"] = meta.when


@attrs.frozen
class ServiceRefused(Fact):
    """The ministry refused to approve the service."""

    type: ClassVar[str] = "ServiceRefused"

    reason: str = p.text(allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["refusal"] = {"reason": self.reason, "refused_at": meta.when}


@attrs.frozen
class AnnualReportSubmitted(Fact):
    """The service reported a year's results to the ministry; the report
    says whether the plan's goals are met."""

    type: ClassVar[str] = "AnnualReportSubmitted"

    year: int = p.count()
    report: str = p.text(default="")
    goals_met: bool = p.flag(default=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["annual_reports"] = [
            *data.get("annual_reports", ()),
            {
                "year": self.year,
                "report": self.report,
                "goals_met": self.goals_met,
                "reported_at": meta.when,
            },
        ]


@attrs.frozen
class ServiceWoundDown(Fact):
    """The ministry wound the service down."""

    type: ClassVar[str] = "ServiceWoundDown"

    reason: str = p.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["wind_down"] = {"reason": self.reason, "wound_down_at": meta.when}
