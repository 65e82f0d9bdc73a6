"""Ready-made inputs for examples, tests and simulations: a lawful expert
group, a proposal, and :func:`advance`, which walks a case through the
public API to a chosen state of the ``nhv`` process.

Nothing here writes rows directly: every step goes through
:meth:`Registry.fire`, so the rules judge it.

.. versionadded:: 0.1
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from nhvflow.engine import Registry
from nhvflow.model import Actor, Case, Expert, Gender, PermitGrant, Region, same_area
from nhvflow.rules.nhv import DEFAULT_PILOT_AREAS, NhvCase

__all__ = [
    "CRITERIA",
    "NHV_PATH",
    "advance",
    "expert_group",
    "proposal",
]

NHV_PATH = (
    "proposed",
    "expert_review",
    "basis_delivered",
    "consultation",
    "prepared",
    "decided",
    "board_preparation",
    "permitted",
)
"""The states of the eight steps, in order, from submission to permits."""

CRITERIA = (
    "clinical_legitimacy",
    "scientific_legitimacy",
    "multiprofessional",
    "whole_country",
    "patient_representation",
    "gender_balance",
    "transparency",
    "time_allotted",
)
"""The criteria of ``nhv.expert-group-composition``, as ``Violation.criterion`` names them."""

_MEMBERS: tuple[tuple[str, str, Region, Gender, bool, bool], ...] = (
    ("Anna Berg", "läkare", Region.NORRBOTTEN, "female", True, False),
    ("Björn Lind", "sjuksköterska", Region.UPPSALA, "male", True, False),
    ("Cecilia Ek", "forskare", Region.STOCKHOLM, "female", False, True),
    ("David Holm", "läkare", Region.OSTERGOTLAND, "male", True, True),
    ("Eva Sjö", "fysioterapeut", Region.VASTRA_GOTALAND, "female", True, False),
    ("Fredrik Ström", "läkare", Region.SKANE, "male", True, True),
)


def expert_group(*, breaking: str | None = None) -> list[Expert]:
    """A lawful expert group of seven: members from all six healthcare
    regions, clinicians and researchers of several professions, a patient
    representative, four women and three men, interests declared and time
    allotted.

    ``breaking`` names one criterion of :data:`CRITERIA` to break (and only
    that one), for tests of ``nhv.expert-group-composition``.
    """
    group = [
        Expert(
            name,
            prof,
            region,
            gender,
            clinical=clin,
            scientific=sci,
            interests_declared=True,
            time_allotted=True,
        )
        for name, prof, region, gender, clin, sci in _MEMBERS
    ]
    group.append(
        Expert(
            "Greta Åkesson",
            "patientrepresentant",
            Region.DALARNA,
            "female",
            patient_representative=True,
            interests_declared=True,
            time_allotted=True,
        )
    )
    if breaking is None:
        return group
    if breaking == "clinical_legitimacy":
        return [attrs.evolve(e, clinical=False) for e in group]
    if breaking == "scientific_legitimacy":
        return [attrs.evolve(e, scientific=False) for e in group]
    if breaking == "multiprofessional":
        return [
            e if e.patient_representative else attrs.evolve(e, profession="läkare") for e in group
        ]
    if breaking == "whole_country":
        return [attrs.evolve(e, region=Region.SKANE) if e.region is Region.NORRBOTTEN else e
                for e in group]  # fmt: skip
    if breaking == "patient_representation":
        return [e for e in group if not e.patient_representative]
    if breaking == "gender_balance":
        return [attrs.evolve(e, gender="male") if e.name != "Anna Berg" else e for e in group]
    if breaking == "transparency":
        return [attrs.evolve(group[0], interests_declared=False), *group[1:]]
    if breaking == "time_allotted":
        return [attrs.evolve(group[0], time_allotted=False), *group[1:]]
    raise ValueError(f"unknown criterion {breaking!r}; one of {CRITERIA}")


def proposal(
    programme_area: str = "Nervsystemets sjukdomar",
    *,
    title: str = "Avancerad behandling av Parkinsons sjukdom",
    care_measures: Sequence[str] | None = None,
    advisory: bool = False,
    pilot: bool | None = None,
) -> dict[str, Any]:
    """Keyword arguments for :meth:`Registry.submit`.

    ``pilot`` defaults to whether the area is one the NHV page marks as a
    pilot (:data:`nhvflow.rules.nhv.DEFAULT_PILOT_AREAS`): pilots are
    designated, not declared, so ``pilot=True`` elsewhere is refused unless
    Socialstyrelsen designated the area (:meth:`Registry.designate_pilot`).
    """
    if pilot is None:
        pilot = any(same_area(programme_area, a) for a in DEFAULT_PILOT_AREAS)
    if care_measures is None:
        care_measures = [] if advisory else [title]
    return {
        "title": title,
        "programme_area": programme_area,
        "care_measures": list(care_measures),
        "advisory": advisory,
        "nominated_experts": expert_group()[:2],
        "pilot": pilot,
    }


def advance(
    reg: Registry,
    case_id: str,
    to: str,
    *,
    start: datetime | None = None,
    every: timedelta = timedelta(days=30),
    units: int = 2,
    regions: Sequence[Region] = (Region.SKANE, Region.STOCKHOLM),
    knowledge_spreading_need: bool = False,
) -> Case:
    """Walk a case of the ``nhv`` process forward, one lawful step at a
    time, until it reaches state ``to`` (one of :data:`NHV_PATH`).

    Each step is dated ``every`` after the previous one (from ``start``,
    default the case's last step). Regions in ``regions`` apply for permits
    and are granted them.
    """
    if to not in NHV_PATH:
        raise ValueError(f"{to!r} is not on the path {NHV_PATH}")
    case = reg.get(case_id)
    moment = start or case.updated_at or datetime(2019, 1, 1, tzinfo=UTC)
    sos = Actor.socialstyrelsen()
    board = Actor.board()

    def tick(by: timedelta = every) -> datetime:
        nonlocal moment
        moment = moment + by
        return moment

    while case.state != to:
        if case.state not in NHV_PATH:
            raise ValueError(f"case {case_id} is {case.state!r}, off the path to {to!r}")
        if NHV_PATH.index(case.state) > NHV_PATH.index(to):
            raise ValueError(f"case {case_id} is already past {to!r} (it is {case.state!r})")
        state = case.state
        if state == "proposed":
            case = reg.fire(case_id, "appoint_expert_group", sos, experts=expert_group(), at=tick())
        elif state == "expert_review":
            care = list(NhvCase(case.data).proposed_care)
            case = reg.fire(
                case_id, "deliver_basis", Actor.expert_group(case_id), recommends_nhv=True,
                units=units, care_measures=care, knowledge_spreading_need=knowledge_spreading_need,
                at=tick(),
            )  # fmt: skip
        elif state == "basis_delivered":
            case = reg.fire(case_id, "open_consultation", sos, at=tick())
        elif state == "consultation":
            case = reg.fire(case_id, "close_consultation", sos, at=tick())
        elif state == "prepared":
            case = reg.fire(case_id, "decide", sos, units=units, at=tick())
        elif state == "decided":
            applied = {a.region for a in NhvCase(case.data).applicants}
            for region in regions:
                if region not in applied:
                    case = reg.fire(case_id, "apply_for_permit", Actor.region(region),
                                    unit=f"Universitetssjukhuset, {region.swedish_name}",
                                    at=tick(timedelta(days=1)))  # fmt: skip
            case = reg.fire(case_id, "prepare_board", sos, at=tick())
        elif state == "board_preparation":
            grants = [PermitGrant(region) for region in regions]
            case = reg.fire(case_id, "grant_permits", board, permits=grants, at=tick())
    return case
