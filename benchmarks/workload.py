"""The workload every figure shares: NHV cases walked through their whole
life, step by step, with the payloads a real service would send.

One case's life is twelve steps (submit, appoint the expert group, deliver
the basis, consultation opened and closed, decide, two regions apply, board
preparation, permits granted, a follow-up report and an evaluation), each a
day after the previous one on a virtual clock. The steps are built before
any clock starts, so a timed loop only calls the API under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from nhvflow import Actor, Region
from nhvflow.fixtures import expert_group
from nhvflow.model import PermitGrant

__all__ = ["STEPS_PER_CASE", "Step", "json_payload", "lifecycle", "lifecycles"]

START = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
STEPS_PER_CASE = 12
_SOS = Actor.socialstyrelsen("handläggare")
_BOARD = Actor.board()
_AREA = "Nervsystemets sjukdomar"
_NPO = Actor.npo(_AREA)
_SKANE = Actor.region(Region.SKANE)
_STOCKHOLM = Actor.region(Region.STOCKHOLM)
_GROUP = tuple(expert_group())


@attrs.frozen
class Step:
    """One step of a case: what ``Registry.fire`` (or ``submit``) gets."""

    case_id: str
    trigger: str
    actor: Actor
    payload: dict[str, Any]
    at: datetime


def lifecycle(case_id: str, start: datetime = START) -> list[Step]:
    """The twelve steps of one case from proposal to evaluated permits."""
    day = timedelta(days=1)
    at = [start + i * day for i in range(STEPS_PER_CASE)]
    care = ["Djup hjärnstimulering vid Parkinsons sjukdom"]
    steps: list[tuple[str, Actor, dict[str, Any]]] = [
        ("submit", _NPO, {
            "title": f"Avancerad behandling av Parkinsons sjukdom ({case_id})",
            "programme_area": _AREA, "care_measures": care, "advisory": False,
            "nominated_experts": list(_GROUP[:2]), "pilot": True,
        }),
        ("appoint_expert_group", _SOS, {"experts": list(_GROUP)}),
        ("deliver_basis", Actor.expert_group(case_id), {
            "recommends_nhv": True, "units": 2, "care_measures": care,
            "acute_care_impact": "Ingen påverkan på akutsjukvården.",
        }),
        ("open_consultation", _SOS, {"recipients": ["Regionerna", "SKR"]}),
        ("close_consultation", _SOS, {}),
        ("decide", _SOS, {"units": 2}),
        ("apply_for_permit", _SKANE, {"unit": "Skånes universitetssjukhus, Lund"}),
        ("apply_for_permit", _STOCKHOLM, {"unit": "Karolinska universitetssjukhuset"}),
        ("prepare_board", _SOS, {"assessment": "Båda sökande uppfyller kraven."}),
        ("grant_permits", _BOARD, {
            "permits": [PermitGrant(Region.SKANE), PermitGrant(Region.STOCKHOLM)],
        }),
        ("report_follow_up", _SKANE, {"year": start.year, "report": "Tolv patienter."}),
        ("evaluate", _SOS, {"findings": "Tillstånden följs."}),
    ]  # fmt: skip
    return [
        Step(case_id, trigger, actor, payload, when)
        for (trigger, actor, payload), when in zip(steps, at, strict=True)
    ]


def lifecycles(cases: int, *, prefix: str = "case", start: datetime = START) -> Iterator[Step]:
    """The steps of ``cases`` cases, case after case (each case's steps in order)."""
    for i in range(cases):
        yield from lifecycle(f"{prefix}-{i:07d}", start)


def json_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload as plain JSON values (for baselines that store dicts)."""
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, list):
            out[key] = [v.to_json() if hasattr(v, "to_json") else v for v in value]
        else:
            out[key] = value
    return out
