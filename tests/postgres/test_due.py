"""What is due (``Registry.due``) and reasoned decisions are the same on SQLite and
PostgreSQL: each test runs once per backend, through the public API."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from nhvflow import Actor, InvalidPayload, Region, Role
from nhvflow.fixtures import advance, proposal

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)


def _decided(log, npo, **decision):
    case = log.submit(npo, at=T0, **proposal())
    case = advance(log, case.id, "prepared", start=T0)
    sos = Actor.socialstyrelsen()
    return log.fire(case.id, "decide", sos, units=2, at=T0 + timedelta(days=200), **decision)


def test_a_decision_opens_an_application_window_of_three_months_by_practice(log, npo):
    """After `decide` without a period, regions may apply for three months (practice)."""
    case = _decided(log, npo)
    due = case.data["decision"]["applications_due"]
    [item] = log.due(as_of=due)
    assert (item.case_id, item.trigger, item.role) == (case.id, "apply_for_permit", Role.REGION)
    assert item.due == date.fromisoformat(due) and not item.overdue
    assert (item.kind, item.citation) == ("practice", "HSLF-FS 2018:48 3 kap. 1 §")
    [late] = log.due(as_of=date.fromisoformat(due) + timedelta(days=1))
    assert late.overdue


def test_a_period_socialstyrelsen_sets_is_regulation_and_applicants_drop_out(log, npo):
    """A period the decision sets is regulation; a region that applied owes nothing."""
    case = _decided(log, npo, applications_due="2024-10-01")
    log.fire(
        case.id,
        "apply_for_permit",
        Actor.region(Region.SKANE),
        unit="SUS",
        at=T0 + timedelta(days=201),
    )
    [item] = log.due(as_of="2024-09-01")
    assert (item.due, item.kind) == (date(2024, 10, 1), "regulation")
    assert log.due(as_of="2024-09-01", actor=Actor.region(Region.SKANE)) == []
    assert log.due(as_of="2024-09-01", actor=Actor.region(Region.UPPSALA)) == [item]
    assert log.due(as_of="2024-09-01", actor=Actor.socialstyrelsen()) == []


def test_each_permit_owes_a_follow_up_every_year_until_reported(log, npo):
    """Each valid permit owes one follow-up per calendar year; a report clears it; overdue first."""
    case = log.submit(npo, at=T0, **proposal())
    case = advance(log, case.id, "permitted", start=T0)
    granted = date.fromisoformat(case.data["permits"][0]["granted_at"][:10])
    skane = Actor.region(Region.SKANE)
    first, second = granted.replace(year=granted.year + 1), granted.replace(year=granted.year + 2)
    as_of = first + timedelta(days=1)
    items = log.due(as_of=as_of)
    assert [(i.who, i.due, i.overdue) for i in items] == [
        ("Region Skåne", first, True),
        ("Region Stockholm", first, True),
        ("Region Skåne", second, False),
        ("Region Stockholm", second, False),
    ]
    assert {i.deadline for i in items} == {"nhv.follow-up-yearly"}
    assert log.due(as_of=granted - timedelta(days=1)) == []
    log.fire(
        case.id,
        "report_follow_up",
        skane,
        year=granted.year,
        at=datetime(granted.year + 1, 2, 1, tzinfo=UTC),
    )
    mine = log.due(as_of=as_of, actor=skane)
    assert [(i.trigger, i.due, i.overdue) for i in mine] == [("report_follow_up", second, False)]


def test_a_revoked_permit_owes_no_follow_up(log, npo):
    """A permit ends by revocation, and with it the yearly follow-up."""
    case = log.submit(npo, at=T0, **proposal())
    case = advance(log, case.id, "permitted", start=T0)
    at = case.updated_at + timedelta(days=1)
    log.fire(
        case.id,
        "revoke_permit",
        Actor.board(),
        region=Region.SKANE,
        ground="conditions_not_met",
        reason="Villkoren uppfylls inte.",
        at=at,
    )
    due = log.due(as_of=at.date())
    assert {i.who for i in due if i.trigger == "report_follow_up"} == {"Region Stockholm"}
    # the place the revocation freed opens a round of applications
    assert {i.trigger for i in due} == {"report_follow_up", "apply_for_permit"}


def _active_service(log):
    initiator = Actor.health_enterprise("Helse Vest")
    case = log.submit(
        initiator,
        process="no-competence-service",
        title="Nasjonal kompetansetjeneste for sarkom",
        at=T0,
    )
    at = T0
    for name in ("Helse Sør-Øst", "Helse Midt-Norge", "Helse Nord"):
        at += timedelta(days=1)
        log.fire(case.id, "support", Actor.health_enterprise(name), at=at)
    log.fire(case.id, "apply", initiator, at=at + timedelta(days=1))
    log.fire(
        case.id,
        "review",
        Actor.directorate(),
        experts=["Overlege"],
        quality_of_course=True,
        national_competence=True,
        cost_effectiveness=True,
        at=at + timedelta(days=30),
    )
    return log.fire(
        case.id,
        "approve",
        Actor.ministry(),
        goals=["Kortere ventetid"],
        goals_met_when="Ventetid under fire uker",
        wind_down_estimate=date(2030, 1, 1),
        at=at + timedelta(days=60),
    ), initiator


def test_a_norwegian_service_reports_every_year_and_is_wound_down_once_its_goals_are_met(log):
    """A report is due every year; once one says the goals are met, the wind-down is due."""
    case, initiator = _active_service(log)
    approved = date.fromisoformat(case.data["approved_at"][:10])
    [report] = log.due(as_of="2024-06-01")
    assert (report.trigger, report.who, report.due, report.kind) == (
        "report_annually",
        "Helse Vest",
        approved.replace(year=2025),
        "regulation",
    )
    log.fire(
        case.id,
        "report_annually",
        initiator,
        year=2024,
        goals_met=True,
        at=datetime(2024, 12, 1, tzinfo=UTC),
    )
    items = log.due(as_of="2025-01-15")
    assert [(i.trigger, i.role, i.overdue) for i in items] == [
        ("wind_down", Role.MINISTRY, True),
        ("report_annually", Role.HEALTH_ENTERPRISE, False),
    ]
    assert items[0].deadline == "no.wind-down-when-goals-met"
    assert log.due(as_of="2025-01-15", actor=Actor.ministry()) == items[:1]
    log.fire(
        case.id,
        "wind_down",
        Actor.ministry(),
        reason="Målene er nådd.",
        at=datetime(2025, 1, 20, tzinfo=UTC),
    )
    assert log.due(as_of="2025-01-21") == []


def test_due_reads_the_projection_so_a_rebuild_gives_the_same_answer(log, npo):
    """What is due comes from the case projection, and a rebuilt projection gives the same list."""
    case = log.submit(npo, at=T0, **proposal())
    advance(log, case.id, "permitted", start=T0)
    before = log.due(as_of="2026-01-01")
    log.rebuild_projections()
    assert log.due(as_of="2026-01-01") == before and before


def test_a_day_that_is_not_a_date_is_refused_naming_as_of(log):
    """`as_of` that is not a date raises InvalidPayload naming the field."""
    with pytest.raises(InvalidPayload) as caught:
        log.due(as_of="next tuesday")
    assert caught.value.field == "as_of"


def test_a_reasoned_decision_reads_the_case_as_it_stood_before_it(log, npo):
    """The decision at `decide` lists its rules as passed and the basis's facts, on each backend."""
    case = _decided(log, npo)
    found = log.decision(case.id, lang="en")
    assert found.version == 6 and all(r.outcome == "passed" for r in found.rules)
    assert "Units decided" not in dict(found.facts)
    assert dict(found.facts)["Units in the basis"] == "2"


def test_iter_due_streams_what_due_lists(log, npo):
    """`iter_due` yields the items `due` lists (its own order), with the same
    actor filter, as an iterator; a bad day or actor is refused at the call."""
    case = log.submit(npo, at=T0, **proposal())
    advance(log, case.id, "permitted", start=T0)
    decided = _decided(log, npo)
    as_of = "2026-01-01"
    streamed = log.iter_due(as_of=as_of)
    assert iter(streamed) is streamed
    listed = log.due(as_of=as_of)
    assert {i.case_id for i in listed} == {case.id, decided.id}
    assert sorted(streamed, key=listed.index) == listed
    skane = Actor.region(Region.SKANE)
    assert sorted(log.iter_due(as_of, skane), key=listed.index) == log.due(as_of, skane)
    with pytest.raises(InvalidPayload) as caught:
        log.iter_due(as_of="next tuesday")
    assert caught.value.field == "as_of"
    with pytest.raises(InvalidPayload):
        log.iter_due(as_of, actor="Region Skåne")
