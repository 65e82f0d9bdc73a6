"""The events of the regime ``no-competence-service``: Norway's national
competence services (nasjonale kompetansetjenester; forskrift 17. desember
2010 nr. 1706), as Socialstyrelsen's report Förutsättningar för
kompetenscentrum inom nationell högspecialiserad vård (2019) describes them in
"Norges system för nationella kompetenstjänster".

.. versionadded:: 0.1
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import attrs

from nhvflow._abroad import health_enterprise_name
from nhvflow.events import _fields as f
from nhvflow.events._base import Fact, Meta, Recorded
from nhvflow.events.nhv import Proposal

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
att etablera centrumet" (Socialstyrelsen, Förutsättningar för
kompetenscentrum, 2019)."""


def _enterprise(meta: Meta) -> str:
    return health_enterprise_name(meta.actor.name)


@attrs.frozen
class InitiativeTaken(Proposal):
    """A regional health enterprise took the initiative to establish a
    national competence service in a field (fagområde, ``programme_area``;
    may be left out), for target groups, with tasks.

    It also takes the other fields of an NHV proposal
    (:class:`~nhvflow.events.nhv.Proposal`: ``care_measures``, ``advisory``,
    ``nominated_experts``, ``pilot``), so one proposal can be submitted
    unchanged under every regime; they are recorded for that
    comparison and no Norwegian rule reads them (a competence service
    centralises no treatment: "patienternas behandling ska inte
    centraliseras").
    """

    type: ClassVar[str] = "InitiativeTaken"

    programme_area: str = f.text(max_len=f.MAX_SHORT, default="")
    target_groups: tuple[str, ...] = f.texts()
    tasks: tuple[str, ...] = f.texts()
    advisory: bool = f.flag(default=True)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        super().apply(data, meta)
        data.update(
            target_groups=list(self.target_groups),
            tasks=list(self.tasks),
            initiator=_enterprise(meta),
        )


@attrs.frozen
class InitiativeSupported(Fact):
    """Another regional health enterprise gave its support to the initiative."""

    type: ClassVar[str] = "InitiativeSupported"

    statement: str = f.text(default="")

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

    application: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["application"] = {"text": self.application, "applied_at": meta.when}


@attrs.frozen
class ServiceReviewed(Fact):
    """Helsedirektoratet reviewed the service with experts against the three
    approval criteria, ahead of the ministry's decision. Each criterion is
    recorded as found met (``True``) or not."""

    type: ClassVar[str] = "ServiceReviewed"

    quality_of_course: bool = f.flag()
    national_competence: bool = f.flag()
    cost_effectiveness: bool = f.flag()
    experts: tuple[str, ...] = f.texts()
    recommendation: str = f.text(default="")

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

    ``permanent`` records the directorate's finding that the service's need
    is lasting (rare diagnoses need permanent services); it is recorded, not
    an exemption: every plan estimates when the service can be wound down.
    """

    type: ClassVar[str] = "ServiceApproved"

    goals: tuple[str, ...] = f.texts()
    goals_met_when: str = f.text(default="")
    wind_down_estimate: date | None = f.a_date(optional=True, default=None)
    permanent: bool = f.flag(default=False)
    establishment_grant_nok: int = f.count(default=ESTABLISHMENT_GRANT_NOK)

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
    recorded: ClassVar[Recorded] = Recorded("refusal", at="refused_at")

    reason: str = f.text(allow_empty=False)


@attrs.frozen
class AnnualReportSubmitted(Fact):
    """The service reported a year's results to the ministry; the report
    says whether the plan's goals are met."""

    type: ClassVar[str] = "AnnualReportSubmitted"

    year: int = f.count()
    report: str = f.text(default="")
    goals_met: bool = f.flag(default=False)

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
        if self.goals_met:
            # "När målet kan anses ha uppnåtts ska tjänsterna avvecklas": a duty, now due.
            data.setdefault("wind_down_due", {"since": meta.when, "year": self.year})


@attrs.frozen
class ServiceWoundDown(Fact):
    """The ministry wound the service down: once a report says the goals are
    met, or for another reason, recorded in ``reason``."""

    type: ClassVar[str] = "ServiceWoundDown"
    recorded: ClassVar[Recorded] = Recorded("wind_down", at="wound_down_at")

    reason: str = f.text(default="")
