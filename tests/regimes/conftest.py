"""Walkers for the other regimes: each takes a case one lawful step at a
time through the public API until it reaches a chosen state, like
``nhvflow.fixtures.advance`` does for ``nhv``; and the actors of every role
for the authorisation matrices."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest

from nhvflow import Actor, Case, NotAuthorised, Region, Registry, Role
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.fixtures import expert_group
from nhvflow.model import HEALTH_ENTERPRISES

KC_AREA = "Reumatiska sjukdomar"
KC_PATH = ("need_defined", "expert_review", "basis_delivered", "prepared", "established")
KC_TASKS = ("Rådgivning om diagnostik och behandling", "Utbildning av reumatologer")
NO_PATH = ("initiated", "under_review", "reviewed", "active")
ERN_PATH = ("applied", "endorsed", "eligible", "opinion_given", "assessed", "member")
NETWORK = "ERN ReCONNET"
START = datetime(2020, 3, 2, 9, 0, tzinfo=UTC)


def kc_need(area: str = KC_AREA, **extra: Any) -> dict[str, Any]:
    """Submit kwargs under ``kc-proposal``: an advisory-only need (no care measures)."""
    return {
        "title": "Nationellt kompetenscentrum för systemiska inflammatoriska sjukdomar",
        "programme_area": area,
        "need": "Telefonkonsultationer och utbildning för hela landet",
        "care_measures": [],
        "advisory": True,
        **extra,
    }


def no_initiative(**extra: Any) -> dict[str, Any]:
    """Submit kwargs under ``no-competence-service``."""
    return {
        "title": "Nasjonal kompetansetjeneste for revmatiske sykdommer hos barn",
        "programme_area": KC_AREA,
        "target_groups": ["spesialisthelsetjenesten", "primærhelsetjenesten"],
        "tasks": ["kompetansespredning", "rådgivning"],
        **extra,
    }


def ern_application(**extra: Any) -> dict[str, Any]:
    """Submit kwargs under ``ern-membership``."""
    return {
        "network": NETWORK,
        "unit": "Reumatologiska kliniken",
        "self_assessment": list(ERN_CRITERIA),
        **extra,
    }


def _ticker(case: Case, start: datetime | None, every: timedelta) -> Callable[[], datetime]:
    moment = start or case.updated_at or START

    def tick() -> datetime:
        nonlocal moment
        moment = moment + every
        return moment

    return tick


def _check_path(case: Case, to: str, path: Sequence[str]) -> None:
    if to not in path:
        raise ValueError(f"{to!r} is not on the path {path}")
    if case.state not in path:
        raise ValueError(f"case {case.id} is {case.state!r}, off the path to {to!r}")
    if path.index(case.state) > path.index(to):
        raise ValueError(f"case {case.id} is already past {to!r} (it is {case.state!r})")


def walk_kc(
    reg: Registry,
    case_id: str,
    to: str,
    *,
    centres: int = 2,
    regions: Sequence[Region] = (Region.SKANE, Region.STOCKHOLM),
    start: datetime | None = None,
    every: timedelta = timedelta(days=30),
) -> Case:
    """Walk a ``kc-proposal`` case to state ``to``; ``regions`` apply and get centres."""
    case = reg.get(case_id)
    tick = _ticker(case, start, every)
    sos = Actor.socialstyrelsen()
    while case.state != to:
        _check_path(case, to, KC_PATH)
        if case.state == "need_defined":
            case = reg.fire(case_id, "appoint_expert_group", sos, experts=expert_group(), at=tick())
        elif case.state == "expert_review":
            group = Actor.expert_group(case_id)
            case = reg.fire(
                case_id, "deliver_basis", group, centres=centres, tasks=KC_TASKS, at=tick()
            )
        elif case.state == "basis_delivered":
            case = reg.fire(
                case_id,
                "assess_system_effects",
                sos,
                assessment="Koncentrerad kompetens stärker vården i hela landet.",
                at=tick(),
            )
        elif case.state == "prepared":
            applied = {a["region"] for a in case.data.get("applicants", [])}
            for region in regions:
                if region.name not in applied:
                    case = reg.fire(
                        case_id,
                        "apply_to_establish",
                        Actor.region(region),
                        unit=f"Universitetssjukhuset, {region.swedish_name}",
                        at=tick(),
                    )
            case = reg.fire(
                case_id,
                "establish",
                sos,
                regions=list(regions),
                financing="state_grant",
                funder="Socialstyrelsen",
                at=tick(),
            )
    return case


def walk_no(
    reg: Registry,
    case_id: str,
    to: str,
    *,
    start: datetime | None = None,
    every: timedelta = timedelta(days=30),
    permanent: bool = False,
) -> Case:
    """Walk a ``no-competence-service`` case to state ``to``."""
    case = reg.get(case_id)
    tick = _ticker(case, start, every)
    while case.state != to:
        _check_path(case, to, NO_PATH)
        if case.state == "initiated":
            supporters = {s["enterprise"] for s in case.data.get("supporters", [])}
            for name in HEALTH_ENTERPRISES:
                if name != case.data["initiator"] and name not in supporters:
                    case = reg.fire(case_id, "support", Actor.health_enterprise(name), at=tick())
            initiator = Actor.health_enterprise(case.data["initiator"])
            case = reg.fire(case_id, "apply", initiator, at=tick())
        elif case.state == "under_review":
            case = reg.fire(
                case_id,
                "review",
                Actor.directorate(),
                experts=["Professor i revmatologi", "Brukerrepresentant"],
                quality_of_course=True,
                national_competence=True,
                cost_effectiveness=True,
                at=tick(),
            )
        elif case.state == "reviewed":
            at = tick()
            case = reg.fire(
                case_id,
                "approve",
                Actor.ministry(),
                goals=["Kompetansenettverk i alle helseregioner"],
                goals_met_when="Nettverk i drift i alle fire helseregioner",
                wind_down_estimate=(at + timedelta(days=5 * 365)).date(),
                permanent=permanent,
                at=at,
            )
    return case


def walk_ern(
    reg: Registry,
    case_id: str,
    to: str,
    *,
    favourable: bool = True,
    met: Sequence[str] = ERN_CRITERIA,
    start: datetime | None = None,
    every: timedelta = timedelta(days=30),
) -> Case:
    """Walk an ``ern-membership`` case to state ``to``."""
    case = reg.get(case_id)
    tick = _ticker(case, start, every)
    network = case.data["network"]
    while case.state != to:
        _check_path(case, to, ERN_PATH)
        if case.state == "applied":
            state = Actor.member_state(case.data["country"])
            case = reg.fire(case_id, "endorse", state, network=network, at=tick())
        elif case.state == "endorsed":
            case = reg.fire(case_id, "check_eligibility", Actor.commission(), at=tick())
        elif case.state == "eligible":
            coordinator = Actor.coordinator(network)
            case = reg.fire(case_id, "give_opinion", coordinator, favourable=favourable, at=tick())
        elif case.state == "opinion_given":
            case = reg.fire(case_id, "assess", Actor.assessment_body(), met=list(met), at=tick())
        elif case.state == "assessed":
            case = reg.fire(case_id, "admit", Actor.ern_board(), at=tick())
    return case


def every_role(case_id: str) -> dict[str, Actor]:
    """At least one actor of every role, with the scoped variants the
    regimes distinguish (own and other NPO, expert group, enterprise,
    Member State, network)."""
    actors = {
        "own_npo": Actor.npo(KC_AREA),
        "other_npo": Actor.npo("Ögonsjukdomar"),
        "sos": Actor.socialstyrelsen(),
        "own_group": Actor.expert_group(case_id),
        "other_group": Actor.expert_group("another-case"),
        "board": Actor.board(),
        "skane": Actor.region(Region.SKANE),
        "gotland": Actor.region(Region.GOTLAND),
        "region_without_principal": Actor(Role.REGION, "Okänd region"),
        "unknown_enterprise": Actor(Role.HEALTH_ENTERPRISE, "Helse Øst"),
        "directorate": Actor.directorate(),
        "ministry": Actor.ministry(),
        "provider_se": Actor.provider("Karolinska universitetssjukhuset", "SE"),
        "provider_without_country": Actor(Role.PROVIDER, "Okänd vårdgivare"),
        "sweden": Actor.member_state("SE"),
        "denmark": Actor.member_state("DK"),
        "commission": Actor.commission(),
        "own_coordinator": Actor.coordinator(NETWORK),
        "other_coordinator": Actor.coordinator("ERN-RND"),
        "assessment_body": Actor.assessment_body(),
        "ern_board": Actor.ern_board(),
    }
    for name in HEALTH_ENTERPRISES:
        actors[name] = Actor.health_enterprise(name)
    assert {a.role for a in actors.values()} == set(Role)
    return actors


def assert_only_responsible(
    reg: Registry,
    case: Case,
    trigger: str,
    payload: dict[str, Any],
    responsible: set[str],
    rule_id: str,
    snapshot: Callable[[Registry], object],
) -> None:
    """Every role tries ``trigger`` on ``case``: only the actors named in
    ``responsible`` pass ``rule_id`` (the regime's responsible-party rule);
    every other is refused with :class:`NotAuthorised` and writes nothing;
    ``allowed_triggers`` offers the step to exactly the responsible ones."""
    at = (case.updated_at or START) + timedelta(days=1)
    actors = every_role(case.id)
    for name, actor in actors.items():
        violations = reg.check(case.id, trigger, actor, at=at, **payload)
        denied = [v for v in violations if v.rule == rule_id]
        if name in responsible:
            assert not denied, (trigger, name, denied)
            continue
        assert denied, (trigger, name)
        before = snapshot(reg)
        with pytest.raises(NotAuthorised) as exc:
            reg.fire(case.id, trigger, actor, at=at, **payload)
        assert exc.value.rules == (rule_id,)
        assert snapshot(reg) == before
    allowed = {n for n, a in actors.items() if trigger in reg.allowed_triggers(case.id, a, at=at)}
    assert allowed == responsible


def assert_only_submitters(
    reg: Registry, submission: dict[str, Any], submitters: set[str], rule_id: str
) -> None:
    """Every role tries to create a case: only ``submitters`` may."""
    for name, actor in every_role("x").items():
        if name in submitters:
            reg.submit(actor, **submission)
        else:
            with pytest.raises(NotAuthorised) as exc:
                reg.submit(actor, **submission)
            assert exc.value.rules == (rule_id,)
    assert len(list(reg.cases())) == len(submitters)


@pytest.fixture(name="kit")
def _kit() -> SimpleNamespace:
    """The walkers, submissions and constants above (test modules cannot
    import a conftest under ``--import-mode=importlib``)."""
    return SimpleNamespace(
        KC_AREA=KC_AREA,
        KC_TASKS=KC_TASKS,
        NETWORK=NETWORK,
        START=START,
        kc_need=kc_need,
        no_initiative=no_initiative,
        ern_application=ern_application,
        walk_kc=walk_kc,
        walk_no=walk_no,
        walk_ern=walk_ern,
        every_role=every_role,
        assert_only_responsible=assert_only_responsible,
        assert_only_submitters=assert_only_submitters,
    )
