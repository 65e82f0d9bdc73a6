"""The events of the regime ``kc-proposal``: the Swedish system for national
competence centres that Socialstyrelsen's report suggests (Socialstyrelsen,
Förutsättningar för kompetenscentrum inom nationell högspecialiserad vård,
2019, "Kompetenscentrum bör utredas vidare"). Proposed, not in force.

The expert group is appointed with the same fact as under ``nhv``
(:class:`~nhvflow.events.nhv.ExpertGroupAppointed`); every other fact is the
regime's own.

.. versionadded:: 0.1
"""

from __future__ import annotations

from datetime import date
from typing import Any, ClassVar

import attrs

from nhvflow.events import _fields as f
from nhvflow.events._base import Fact, Meta, Recorded
from nhvflow.events.nhv import ExpertGroupAppointed, Proposal, _append, _region_of
from nhvflow.model import Region

__all__ = [
    "CentreProposalClosed",
    "CentreProposalWithdrawn",
    "CentresAndTasksFixed",
    "CentresEstablished",
    "CentresEvaluated",
    "EstablishmentApplied",
    "ExpertGroupAppointed",
    "NeedDefined",
    "SystemEffectsAssessed",
]


@attrs.frozen
class NeedDefined(Proposal):
    """An NPO defined the need for national competence centres in its area
    (step 1). Advice is the purpose: no care measures are needed.

    It takes every field of an NHV proposal
    (:class:`~nhvflow.events.nhv.Proposal`), so one proposal can be
    submitted unchanged under either regime; ``pilot`` is recorded for that
    comparison and nothing in this regime reads it (there is no mapping
    pause). ``advisory`` is true unless said otherwise.
    """

    type: ClassVar[str] = "NeedDefined"

    need: str = f.text(default="")
    advisory: bool = f.flag(default=True)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        super().apply(data, meta)
        data["need"] = self.need


@attrs.frozen
class CentresAndTasksFixed(Fact):
    """The expert group delivered its basis: how many competence centres,
    and their tasks (step 2). ``scope`` says what advice is needed and how
    much of it is not covered by national highly specialised care."""

    type: ClassVar[str] = "CentresAndTasksFixed"
    recorded: ClassVar[Recorded] = Recorded("basis", at="delivered_at")

    centres: int = f.count()
    tasks: tuple[str, ...] = f.texts()
    scope: str = f.text(default="")


@attrs.frozen
class SystemEffectsAssessed(Fact):
    """The preparation group (beredningsgrupp) weighed the system effects of
    concentrating the competence (step 3)."""

    type: ClassVar[str] = "SystemEffectsAssessed"
    recorded: ClassVar[Recorded] = Recorded("system_effects", at="assessed_at")

    assessment: str = f.text(default="")
    preparation_group: tuple[str, ...] = f.texts()


@attrs.frozen
class EstablishmentApplied(Fact):
    """A region (huvudman) applied to establish a competence centre at one
    of its units (step 4). ``tasks`` empty: all the tasks of the basis."""

    type: ClassVar[str] = "EstablishmentApplied"

    unit: str = f.text(max_len=f.MAX_SHORT, allow_empty=False)
    tasks: tuple[str, ...] = f.texts()

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        region = _region_of(meta)
        _append(
            data,
            "applicants",
            {
                "region": region.name,
                "region_name": region.swedish_name,
                "unit": self.unit,
                "tasks": list(self.tasks),
                "applied_at": meta.when,
            },
        )


@attrs.frozen
class CentresEstablished(Fact):
    """Socialstyrelsen established competence centres at regions that
    applied, and how they are financed.

    ``financing`` names how the centres are financed: a form the report names
    (``"regions"``, ``"procurement"``, ``"state_grant"``, ``"agency"``; spelt
    with a space or hyphen, or in Swedish — ``"regionerna"``,
    ``"upphandling"``, ``"statsbidrag"``, ``"myndighet"`` — it is recorded
    under that key) or any other named form, recorded as given; ``funder`` the body that
    procures, grants or
    runs the centres, if named; ``grant_years`` how long a state grant runs
    (one year unless the Riksdag authorised longer, recorded in
    ``riksdag_authorisation``: ``True`` or text naming the decision). The
    rules judge these values, so anything else is recorded as given.
    """

    type: ClassVar[str] = "CentresEstablished"

    regions: tuple[Region, ...] = f.regions()
    financing: str = f.text(max_len=100, allow_empty=False)
    funder: str = f.text(max_len=f.MAX_SHORT, default="")
    grant_years: int | None = f.count(optional=True, default=None)
    riksdag_authorisation: str | bool | None = f.authorisation()
    starts_on: date | None = f.a_date(optional=True, default=None)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        applied = {a["region"]: a for a in data.get("applicants", [])}
        basis_tasks = (data.get("basis") or {}).get("tasks", [])
        starts = self.starts_on or meta.occurred_at.date()
        for region in self.regions:
            application = applied.get(region.name, {})
            _append(
                data,
                "centres",
                {
                    "region": region.name,
                    "region_name": region.swedish_name,
                    "unit": application.get("unit"),
                    "tasks": application.get("tasks") or list(basis_tasks),
                    "established_at": meta.when,
                    "starts_on": starts.isoformat(),
                },
            )
        data["financing"] = {
            "form": self.financing,
            "funder": self.funder,
            "grant_years": self.grant_years,
            "riksdag_authorisation": self.riksdag_authorisation,
        }


@attrs.frozen
class CentresEvaluated(Fact):
    """Socialstyrelsen evaluated the centres: their effect on care and their
    forms of financing."""

    type: ClassVar[str] = "CentresEvaluated"
    recorded: ClassVar[Recorded] = Recorded("evaluations", at="evaluated_at", each=True)

    findings: str = f.text(default="")


@attrs.frozen
class CentreProposalClosed(Fact):
    """Socialstyrelsen closed the proposal before any centre was established
    (the report describes no refusal, but a proposal can still end)."""

    type: ClassVar[str] = "CentreProposalClosed"
    recorded: ClassVar[Recorded] = Recorded("closure", at="closed_at")

    reason: str = f.text(allow_empty=False)


@attrs.frozen
class CentreProposalWithdrawn(Fact):
    """The NPO withdrew its proposal before any centre was established."""

    type: ClassVar[str] = "CentreProposalWithdrawn"
    recorded: ClassVar[Recorded] = Recorded("withdrawal", at="withdrawn_at")

    reason: str = f.text(allow_empty=False)
