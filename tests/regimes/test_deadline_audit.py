"""An outside audit of the obligations :meth:`Registry.due` lists (the
deadlines), against DESIGN.md §3, §4 and §4b and the two sources
(Socialstyrelsen, webbsidan Nationell högspecialiserad vård, 2019;
Socialstyrelsen, Förutsättningar för kompetenscentrum inom nationell
högspecialiserad vård, 2019).

The passing tests pin promises that hold: each deadline is listed for the
right party with the right day, leaves once its duty is done (and only for
the permit, year or case it concerns), and an item listed as due is a step the
rules accept at that moment. The tests marked ``xfail(strict=True)`` expose
where the code breaks DESIGN.md today; each names what goes wrong.

The business day of a step is its UTC day: ``fire`` turns ``at`` into UTC
(default: now, UTC) and the rules judge ``step.at.date()`` and
``step.at.year``, so ``due`` is held to the same day.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

import nhvflow
from nhvflow import Actor, Due, PermitGrant, Region, Registry, Role
from nhvflow.cli import main
from nhvflow.fixtures import advance, proposal
from nhvflow.model import HEALTH_ENTERPRISES

SOS = Actor.socialstyrelsen("handläggare")
BOARD = Actor.board()
NPO = Actor.npo("Nervsystemets sjukdomar")
SKANE = Actor.region(Region.SKANE)
STOCKHOLM = Actor.region(Region.STOCKHOLM)
UPPSALA = Actor.region(Region.UPPSALA)
STHLM_TZ = ZoneInfo("Europe/Stockholm")


def _utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def _prepared(reg: Registry, before: datetime) -> str:
    """A pilot proposal walked to ``prepared``, its last step well before ``before``."""
    start = before - timedelta(days=60)
    case = reg.submit(NPO, at=start, **proposal())
    advance(reg, case.id, "prepared", start=start, every=timedelta(days=5))
    return case.id


def _decided(reg: Registry, at: datetime, **decision: object) -> str:
    case_id = _prepared(reg, at)
    reg.fire(case_id, "decide", SOS, units=3, at=at, **decision)
    return case_id


def _permitted(
    reg: Registry, granted: datetime, regions: tuple[Region, ...] = (Region.SKANE, Region.STOCKHOLM)
) -> str:
    """A case whose permits for ``regions`` were granted at ``granted``."""
    case_id = _decided(reg, granted - timedelta(days=40))
    for n, region in enumerate(regions, start=1):
        reg.fire(
            case_id,
            "apply_for_permit",
            Actor.region(region),
            unit=f"Universitetssjukhuset, {region.swedish_name}",
            at=granted - timedelta(days=30 - n),
        )
    reg.fire(case_id, "prepare_board", SOS, at=granted - timedelta(days=5))
    grants = [PermitGrant(region) for region in regions]
    reg.fire(case_id, "grant_permits", BOARD, permits=grants, at=granted)
    return case_id


def _follow_ups(reg: Registry, as_of: object, case_id: str | None = None) -> set[tuple[str, int]]:
    """The follow-ups due as (region member name, year)."""
    out = set()
    for d in reg.due(as_of=as_of):
        if d.trigger == "report_follow_up" and (case_id is None or d.case_id == case_id):
            region = next(r for r in Region if r.swedish_name == d.who)
            out.add((region.name, int(d.detail.split()[2])))
    return out


def _no_active(reg: Registry, kit, approved: datetime) -> tuple[str, Actor]:
    """A Norwegian service approved at ``approved``, and its initiator."""
    start = approved - timedelta(days=200)
    initiator = Actor.health_enterprise(HEALTH_ENTERPRISES[1])
    case = reg.submit(initiator, process="no-competence-service", at=start, **kit.no_initiative())
    kit.walk_no(reg, case.id, "reviewed", start=start, every=timedelta(days=20))
    reg.fire(
        case.id,
        "approve",
        Actor.ministry(),
        goals=["Kompetansenettverk i alle helseregioner"],
        goals_met_when="Nettverk i drift i alle fire helseregioner",
        wind_down_estimate=date(approved.year + 5, 1, 1),
        at=approved,
    )
    return case.id, initiator


# -- nhv.applications-due ---------------------------------------------------------------


def test_the_default_application_period_runs_three_months_over_the_new_year_as_practice(reg):
    """DESIGN §4: "`applications_due=None` (the seeds set no period: the default
    of three months is a setting of the registry, kind "practice", never
    presented as law)". A decision on 30 November at 23:30 UTC (already
    1 December in Sweden) is dated on its UTC day, so the period ends on the
    last day of February of the next year; every region is the party."""
    case_id = _decided(reg, _utc(2025, 11, 30, 23, 30))
    [item] = reg.due(as_of=date(2025, 12, 1))
    assert (item.case_id, item.trigger, item.role, item.deadline) == (
        case_id,
        "apply_for_permit",
        Role.REGION,
        "nhv.applications-due",
    )
    assert item.due == date(2026, 2, 28) and not item.overdue
    assert item.kind == "practice" and item.citation == "HSLF-FS 2018:48 3 kap. 1 §"
    assert item.responsible.startswith("region: ")


def test_a_period_socialstyrelsen_set_is_its_own_and_not_the_registrys_practice(reg):
    """A last day the decision names is listed as that day, kind regulation."""
    _decided(reg, _utc(2025, 3, 3, 10), applications_due=date(2025, 4, 15))
    [item] = reg.due(as_of=date(2025, 3, 4))
    assert item.due == date(2025, 4, 15) and item.kind == "regulation"


def test_an_explicit_period_equal_to_the_default_is_not_labelled_the_registrys_practice(reg):
    """DESIGN §4: "`applications_due=None` (the seeds set no period: the
    default of three months is a setting of the registry, kind "practice",
    never presented as law)". Only the default is the registry's practice; a
    last day Socialstyrelsen set in its decision is its request for
    applications (HSLF-FS 2018:48 3 kap. 1 §), whatever the day. The kind is
    guessed by comparing the day with the default, so an explicit 1 June after
    a decision of 1 March comes out as "practice"."""
    _decided(reg, _utc(2025, 3, 1, 10), applications_due=date(2025, 6, 1))
    [item] = reg.due(as_of=date(2025, 3, 2))
    assert item.due == date(2025, 6, 1)
    assert item.kind == "regulation"


def test_the_registry_records_whether_a_period_is_its_default(reg):
    """Which kind a period is comes from the record, not from its length: the
    decision's event says whether the request left ``applications_due`` out."""
    default = _decided(reg, _utc(2025, 3, 1, 10))
    named = _decided(reg, _utc(2025, 3, 1, 11), applications_due=date(2025, 6, 1))
    [left_out] = [e for e in reg.history(default) if e.type == "NhvDecided"]
    [given] = [e for e in reg.history(named) if e.type == "NhvDecided"]
    assert left_out.payload["applications_due_default"] is True
    assert given.payload["applications_due_default"] is False
    assert left_out.payload["applications_due"] == given.payload["applications_due"]
    kinds = {d.case_id: d.kind for d in reg.due(as_of=date(2025, 3, 2))}
    assert kinds == {default: "practice", named: "regulation"}
    assert reg.verify(projections=True).ok


@pytest.mark.parametrize(
    ("given", "flag"), [(date(2025, 6, 1), True), (None, False)], ids=["day-as-default", "none"]
)
def test_a_caller_cannot_say_which_kind_a_period_is(reg, given, flag):
    """``applications_due_default`` is the registry's to record: a request
    that claims a named day is the default, or that no day is named when it
    names none, is refused naming the field, and nothing is written."""
    case_id = _prepared(reg, _utc(2025, 3, 1, 10))
    before = reg.events(limit=10_000)
    with pytest.raises(nhvflow.InvalidPayload) as refused:
        reg.fire(
            case_id, "decide", SOS, units=3, applications_due=given,
            applications_due_default=flag, at=_utc(2025, 3, 1, 10),
        )  # fmt: skip
    assert refused.value.field == "applications_due_default"
    assert reg.events(limit=10_000) == before
    # the value the registry would record is accepted
    reg.fire(
        case_id, "decide", SOS, units=3, applications_due=given,
        applications_due_default=not flag, at=_utc(2025, 3, 1, 10),
    )  # fmt: skip


def test_a_revocations_named_period_equal_to_the_default_is_its_own(reg):
    """The round a revocation opens is labelled as the decision's is: a day
    the board named is not the registry's practice, whatever its length."""
    case_id = _permitted(reg, _utc(2025, 1, 10, 9))
    revoked_at = _utc(2025, 4, 1, 9)
    reg.fire(
        case_id, "revoke_permit", BOARD, region=Region.SKANE, ground="conditions_not_met",
        reason="Villkoren uppfylls inte", applications_due=date(2025, 7, 1), at=revoked_at,
    )  # fmt: skip
    [item] = _applications(reg, date(2025, 4, 2))
    assert (item.due, item.kind) == (date(2025, 7, 1), "regulation")


def test_a_period_recorded_before_nhvflow_said_is_judged_by_its_length():
    """A decision an earlier nhvflow recorded does not say whether its period
    was the default; the view says so (``None``) and ``due()`` falls back on
    comparing the day with the default."""
    from nhvflow.rules.nhv import NhvCase

    decision = {"units": 2, "care_measures": ["x"], "advisory_mission": False}
    decision |= {"applications_due": "2025-06-01", "decided_at": "2025-03-01T10:00:00Z"}
    data = {"decision": decision}
    period = NhvCase(data).application_period
    assert period is not None and period.default is None
    assert NhvCase(data).decision.applications_due_default is None  # type: ignore[union-attr]


def test_applications_are_overdue_only_after_the_last_day_as_the_rule_judges(reg):
    """The due day is inclusive: on it the item is not overdue and the rule
    accepts an application; the day after it is overdue and the rule refuses."""
    case_id = _decided(reg, _utc(2024, 2, 29, 12))  # leap day: due 29 May
    [on_day] = reg.due(as_of=date(2024, 5, 29))
    assert on_day.due == date(2024, 5, 29) and not on_day.overdue
    assert (
        reg.check(case_id, "apply_for_permit", SKANE, unit="X", at=_utc(2024, 5, 29, 23, 59)) == []
    )
    [after] = reg.due(as_of=date(2024, 5, 30))
    assert after.overdue
    refused = reg.check(case_id, "apply_for_permit", SKANE, unit="X", at=_utc(2024, 5, 30, 0, 1))
    assert [v.rule for v in refused] == ["nhv.application-window"]


def test_a_region_that_applied_owes_nothing_more_and_the_others_still_may(reg):
    """DESIGN §4, step 5: `apply_for_permit` "(once per region)". After
    Skåne's application the item leaves Skåne's list only."""
    case_id = _decided(reg, _utc(2025, 1, 15, 9))
    assert [d.trigger for d in reg.due(as_of=date(2025, 1, 16), actor=SKANE)] == [
        "apply_for_permit"
    ]
    reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at=_utc(2025, 1, 20, 9))
    assert reg.due(as_of=date(2025, 1, 21), actor=SKANE) == []
    [other] = reg.due(as_of=date(2025, 1, 21), actor=STOCKHOLM)
    assert other.case_id == case_id and "1 application" in other.detail
    # listed for Stockholm: the rules accept its application at that moment
    assert (
        reg.check(case_id, "apply_for_permit", STOCKHOLM, unit="K", at=_utc(2025, 1, 21, 9)) == []
    )
    # and nothing of a region's duty reaches another role
    assert reg.due(as_of=date(2025, 1, 21), actor=SOS) == []


def test_the_application_item_leaves_at_prepare_board_and_comes_back_on_referral(reg):
    """DESIGN §4: `refer_back` "board_preparation → decided". The period the
    decision set still runs after a referral, so the item is listed again,
    with the same day, and the rule accepts a late-coming region within it."""
    case_id = _decided(reg, _utc(2025, 1, 15, 9))
    reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at=_utc(2025, 1, 20, 9))
    reg.fire(case_id, "prepare_board", SOS, at=_utc(2025, 1, 25, 9))
    assert reg.due(as_of=date(2025, 1, 26)) == []
    reg.fire(case_id, "refer_back", BOARD, reason="Mer beredning", at=_utc(2025, 2, 1, 9))
    [item] = reg.due(as_of=date(2025, 2, 2))
    assert item.due == date(2025, 4, 15) and not item.overdue
    assert reg.check(case_id, "apply_for_permit", UPPSALA, unit="UAS", at=_utc(2025, 2, 2, 9)) == []
    assert reg.due(as_of=date(2025, 2, 2), actor=SKANE) == []


def test_a_region_actor_acting_for_no_region_is_responsible_for_nothing(reg):
    """DESIGN §4: "`nhv.responsible-party` — only the responsible role may fire
    a step; an NPO only in its own area; a region only for itself", and §3:
    `Actor` has "`principal` (the `Region` a region actor acts for)". An actor
    of role REGION without a principal is no region: the rules refuse its
    application (nhv.responsible-party), yet `due(actor=...)` lists the
    application as its duty."""
    case_id = _decided(reg, _utc(2025, 1, 15, 9))
    nobody = Actor(Role.REGION, "Okänd region")
    refused = reg.check(case_id, "apply_for_permit", nobody, unit="X", at=_utc(2025, 1, 16, 9))
    assert [v.rule for v in refused] == ["nhv.responsible-party"]
    assert reg.due(as_of=date(2025, 1, 16), actor=nobody) == []


def _applications(reg: Registry, as_of: date, actor: Actor | None = None) -> list[Due]:
    """The applications for a permit due as of ``as_of`` (for ``actor``)."""
    return [d for d in reg.due(as_of=as_of, actor=actor) if d.trigger == "apply_for_permit"]


def test_the_new_round_a_revocation_opens_is_listed(reg):
    """DESIGN §4: "`nhv.application-window` — `decide` sets the period in which
    regions may apply (...); `apply_for_permit` outside it is refused", and
    §3: `reg.due(...)` "-> what is due". The registry extends the window to
    the round a revocation opens (docs/process.md: `apply_for_permit` "in
    permitted: for a place a revocation freed", judged by
    nhv.application-window against the revocation's period). Before, the
    deadline `nhv.applications-due` ran in `decided` only, on the decision's
    period: the new one, which the rules enforce, never showed, and once a
    region applied in it the item named the decision's long-past day."""
    case_id = _permitted(reg, _utc(2025, 1, 10, 9))
    reg.fire(
        case_id,
        "revoke_permit",
        BOARD,
        region=Region.SKANE,
        ground="conditions_not_met",
        reason="Villkoren uppfylls inte",
        at=_utc(2025, 4, 1, 9),
    )
    assert reg.check(case_id, "apply_for_permit", UPPSALA, unit="UAS", at=_utc(2025, 4, 2, 9)) == []
    applications = [d for d in reg.due(as_of=date(2025, 4, 2)) if d.trigger == "apply_for_permit"]
    assert [(d.case_id, d.due) for d in applications] == [(case_id, date(2025, 7, 1))]
    reg.fire(case_id, "apply_for_permit", UPPSALA, unit="UAS", at=_utc(2025, 4, 2, 9))
    [item] = [d for d in reg.due(as_of=date(2025, 4, 3)) if d.trigger == "apply_for_permit"]
    assert (item.due, item.overdue, item.detail) == (
        date(2025, 7, 1),
        False,
        "1 application(s) so far",
    )
    # the applicant of this round and the remaining holder owe nothing; the others may apply
    assert _applications(reg, date(2025, 4, 3), UPPSALA) == []
    assert _applications(reg, date(2025, 4, 3), Actor.region(Region.STOCKHOLM)) == []
    skane = Actor.region(Region.SKANE)
    assert [d.due for d in _applications(reg, date(2025, 4, 3), skane)] == [date(2025, 7, 1)]
    assert reg.check(case_id, "apply_for_permit", skane, unit="SUS", at=_utc(2025, 4, 3, 9)) == []


def test_a_place_the_permits_hold_in_permitted_calls_for_no_application(reg):
    """In ``permitted`` the applications item shows only while a place is
    free and the round's period runs: every place held, or the period over,
    and no region can apply (nhv.max-five-units, nhv.application-window)."""
    full = _permitted(
        reg, _utc(2025, 1, 10, 9), regions=(Region.SKANE, Region.STOCKHOLM, Region.UPPSALA)
    )
    assert [d for d in _applications(reg, date(2025, 1, 11)) if d.case_id == full] == []
    free = _permitted(reg, _utc(2025, 1, 10, 10))  # 3 units decided, 2 granted
    [item] = [d for d in _applications(reg, date(2025, 1, 11)) if d.case_id == free]
    assert (item.trigger, item.due) == ("apply_for_permit", date(2025, 3, 1))
    assert reg.check(free, "apply_for_permit", UPPSALA, unit="UAS", at=_utc(2025, 1, 11, 9)) == []
    assert _applications(reg, date(2025, 3, 2)) == []


# -- nhv.follow-up-yearly ---------------------------------------------------------------


def test_each_holder_owes_a_follow_up_per_permit_and_calendar_year(reg):
    """Socialstyrelsen, webbsidan Nationell högspecialiserad vård: "Steg 8 -
    Uppföljning och utvärdering av tillstånden. Ansvarig: Landstingen ansvarar
    för årlig uppföljning av tillstånden"; DESIGN §4: "`nhv.follow-up-by-holder`
    — one follow-up report per permit and year, by the holder". Each holder is
    the party of its own items, each year from the grant's, due on the grant's
    anniversary in the year after; a report clears that permit's year only."""
    case_id = _permitted(reg, _utc(2024, 8, 9, 9))
    other = _permitted(reg, _utc(2024, 8, 9, 10))
    items = [d for d in reg.due(as_of=date(2025, 9, 1)) if d.case_id == case_id]
    assert {(d.who, d.due, d.overdue, d.role) for d in items} == {
        ("Region Skåne", date(2025, 8, 9), True, Role.REGION),
        ("Region Stockholm", date(2025, 8, 9), True, Role.REGION),
        ("Region Skåne", date(2026, 8, 9), False, Role.REGION),
        ("Region Stockholm", date(2026, 8, 9), False, Role.REGION),
    }
    assert {d.who for d in reg.due(as_of=date(2025, 9, 1), actor=SKANE)} == {"Region Skåne"}
    reg.fire(case_id, "report_follow_up", SKANE, year=2024, at=_utc(2025, 9, 1, 9))
    assert _follow_ups(reg, date(2025, 9, 1), case_id) == {
        ("STOCKHOLM", 2024),
        ("SKANE", 2025),
        ("STOCKHOLM", 2025),
    }
    assert ("SKANE", 2024) in _follow_ups(reg, date(2025, 9, 1), other)


def test_every_follow_up_listed_is_accepted_from_its_holder_and_then_leaves(reg):
    """An obligation listed as due is a step the rules accept at that moment
    by that party; once taken it is no longer listed."""
    case_id = _permitted(reg, _utc(2023, 12, 31, 23, 30))  # late in the year (UTC)
    moment = _utc(2026, 1, 1, 0, 5)
    assert _follow_ups(reg, moment) == {
        (region, year) for region in ("SKANE", "STOCKHOLM") for year in (2023, 2024, 2025, 2026)
    }
    [first] = [d for d in reg.due(as_of=moment) if "2023" in d.detail and d.who == "Region Skåne"]
    assert first.due == date(2024, 12, 31) and first.overdue
    for region, year in sorted(_follow_ups(reg, moment)):
        reg.fire(case_id, "report_follow_up", Actor.region(region), year=year, at=moment)
    assert reg.due(as_of=moment) == []
    assert _follow_ups(reg, date(2027, 1, 1)) == {("SKANE", 2027), ("STOCKHOLM", 2027)}


def test_a_revoked_permit_owes_nothing_and_a_new_one_owes_from_its_own_grant(reg):
    """DESIGN §3: `valid` is "false once revoked"; a report made for the
    earlier permit does not count for the region's later permit."""
    case_id = _permitted(reg, _utc(2024, 3, 1, 9))
    reg.fire(case_id, "report_follow_up", SKANE, year=2025, at=_utc(2025, 3, 2, 9))
    reg.fire(
        case_id,
        "revoke_permit",
        BOARD,
        region=Region.SKANE,
        ground="circumstances_changed",
        reason="Ändrade förhållanden",
        at=_utc(2025, 4, 1, 9),
    )
    assert _follow_ups(reg, date(2025, 4, 2)) == {("STOCKHOLM", 2024), ("STOCKHOLM", 2025)}
    reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS Lund", at=_utc(2025, 4, 10, 9))
    reg.fire(case_id, "prepare_board", SOS, at=_utc(2025, 5, 1, 9))
    reg.fire(
        case_id, "grant_permits", BOARD, permits=[PermitGrant(Region.SKANE)], at=_utc(2025, 6, 5)
    )
    due = {d.detail: d.due for d in reg.due(as_of=date(2025, 6, 6)) if d.who == "Region Skåne"}
    assert due == {"follow-up for 2025 of the permit at SUS Lund": date(2026, 6, 5)}
    assert reg.check(case_id, "report_follow_up", SKANE, year=2025, at=_utc(2025, 6, 6)) == []


def test_a_leap_day_grant_falls_due_on_28_february_and_on_29_in_a_leap_year(reg):
    """A yearly duty that began on 29 February falls due on 28 February in a
    common year and on 29 February in a leap year."""
    _permitted(reg, _utc(2024, 2, 29, 9), regions=(Region.GOTLAND,))
    days = {int(d.detail.split()[2]): d.due for d in reg.due(as_of=date(2027, 12, 31))}
    assert days == {
        2024: date(2025, 2, 28),
        2025: date(2026, 2, 28),
        2026: date(2027, 2, 28),
        2027: date(2028, 2, 29),
    }


# -- as_of: days, zones, the edges of the calendar --------------------------------------


def test_an_aware_as_of_is_read_on_the_business_day_the_rules_use(reg):
    """DESIGN §3: "`at` is the business time of the step (...; default: now,
    UTC) ... Rules judge a step as of its business time (the mapping pause, the
    application window)", and `reg.due(...)` gives the "due date, overdue". The
    engine turns every `at` into UTC and the rules judge its UTC day and year.
    `due(as_of=00:30 on 1 January in Stockholm)`, the moment 23:30 UTC on
    31 December, lists the follow-up for the new year, which the rule refuses at
    that very moment ("report a year that has begun"), and flags as overdue an
    application the rule accepts then."""
    case_id = _permitted(reg, _utc(2024, 8, 9, 9))
    moment = datetime(2026, 1, 1, 0, 30, tzinfo=STHLM_TZ)
    refused = reg.check(case_id, "report_follow_up", SKANE, year=2026, at=moment)
    assert [v.rule for v in refused] == ["nhv.follow-up-by-holder"]
    assert ("SKANE", 2026) not in _follow_ups(reg, moment)
    decided = _decided(reg, _utc(2025, 9, 30, 12))  # applications due 2025-12-30
    window_end = datetime(2025, 12, 31, 0, 30, tzinfo=STHLM_TZ)  # 23:30 UTC on the 30th
    assert reg.check(decided, "apply_for_permit", UPPSALA, unit="UAS", at=window_end) == []
    [item] = [d for d in reg.due(as_of=window_end) if d.case_id == decided]
    assert not item.overdue


def test_the_default_day_of_due_is_the_day_a_step_without_at_is_judged_on():
    """DESIGN §3: `fire(..., at=None, ...)`: "`at` is the business time of the
    step (a virtual clock in simulations; default: now, UTC)"; `reg.due(as_of=None,
    ...)` "-> what is due: ... due date, overdue". With a clock that answers in
    Swedish time, 00:30 on 1 June is still 31 May in UTC: the application the
    rule accepts now (last day 31 May) is listed as overdue now."""
    now = datetime(2025, 6, 1, 0, 30, tzinfo=STHLM_TZ)
    with nhvflow.open(clock=lambda: now) as reg:
        case_id = _decided(reg, _utc(2025, 3, 1, 9), applications_due=date(2025, 5, 31))
        [item] = reg.due()
        assert reg.check(case_id, "apply_for_permit", UPPSALA, unit="UAS") == []
        assert not item.overdue


def test_the_far_future_and_the_calendars_end_list_every_year_but_none_past_it(reg):
    """`as_of` in 9999 lists every follow-up year up to 9998 (due in 9999) and
    none that would fall due past the calendar; overdue is false on the due
    day itself."""
    _permitted(reg, _utc(2024, 8, 9, 9), regions=(Region.HALLAND,))
    for as_of in (date(9999, 12, 31), "9999-12-31", datetime(9999, 12, 31, 23, 59, tzinfo=UTC)):
        items = reg.due(as_of=as_of)
        years = sorted(int(d.detail.split()[2]) for d in items)
        assert years == list(range(2024, 9999))
        assert all(d.overdue for d in items) and items[-1].due == date(9999, 8, 9)
    on_the_day = reg.due(as_of=date(9999, 8, 9))
    assert [d.overdue for d in on_the_day] == [True] * (len(on_the_day) - 1) + [False]


def test_as_of_before_a_permit_was_granted_lists_no_follow_up(reg):
    """The follow-ups of a permit start with it: asked about a day before the
    grant (or before the case existed), nothing of the permit is due."""
    _permitted(reg, _utc(2024, 8, 9, 9))
    assert _follow_ups(reg, date(2024, 8, 8)) == set()
    assert _follow_ups(reg, date(2019, 1, 1)) == set()


def test_as_of_before_a_duty_arose_lists_nothing_of_it(reg, kit):
    """DESIGN §4: "`nhv.application-window` — `decide` sets the period in which
    regions may apply"; §4b: "once a report says the goals are met, the
    wind-down is due (it shows among the registry's deadlines)", and
    `no.annual-report` is the duty of an approved service (Förutsättningar för
    kompetenscentrum: "De ska rapportera resultatet av kompetenstjänstens
    aktivitet till Hälso- och omsorgsdepartementet varje år"). Asked about a day
    before the decision, the approval or the report, `due` lists the duty all
    the same (the follow-ups of a permit, by contrast, start with its grant)."""
    _decided(reg, _utc(2025, 6, 2, 9))
    assert reg.due(as_of=date(2025, 6, 1)) == []
    case_id, initiator = _no_active(reg, kit, _utc(2026, 7, 1, 9))
    assert [d.trigger for d in reg.due(as_of=date(2026, 6, 30), actor=initiator)] == []
    reg.fire(case_id, "report_annually", initiator, year=2026, goals_met=True, at=_utc(2027, 3, 1))
    assert [d.trigger for d in reg.due(as_of=date(2027, 2, 1), actor=Actor.ministry())] == []


def test_due_iter_due_and_the_command_agree(tmp_path: Path, kit):
    """DESIGN §3: `reg.due(...)` "-> what is due: case, trigger, responsible,
    due date, overdue, citation; overdue first", and the command `nhvflow due`.
    `iter_due` yields the same items, unordered; the command's JSON lists the
    same items in the same order, and `--role` keeps one role's."""
    path = tmp_path / "log.sqlite"
    with nhvflow.open(path) as reg:
        _permitted(reg, _utc(2024, 8, 9, 9))
        _decided(reg, _utc(2025, 1, 15, 9))
        case_id, initiator = _no_active(reg, kit, _utc(2024, 5, 2, 9))
        reg.fire(
            case_id, "report_annually", initiator, year=2024, goals_met=True, at=_utc(2025, 3, 1)
        )
        listed = reg.due(as_of="2025-09-01")
        assert sorted(listed, key=repr) == sorted(reg.iter_due(date(2025, 9, 1)), key=repr)
    assert {d.trigger for d in listed} == {
        "report_follow_up",
        "apply_for_permit",
        "report_annually",
        "wind_down",
    }
    flags = [d.overdue for d in listed]
    assert flags == sorted(flags, reverse=True)
    for overdue in (True, False):
        days = [d.due for d in listed if d.overdue is overdue]
        assert days == sorted(days)
    runner = CliRunner()
    result = runner.invoke(main, ["due", str(path), "--as-of", "2025-09-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [d.to_json() for d in listed]
    ministry = runner.invoke(
        main, ["due", str(path), "--as-of", "2025-09-01", "--role", "ministry", "--json"]
    )
    assert [i["trigger"] for i in json.loads(ministry.output)] == ["wind_down"]


# -- the cases where nothing runs -------------------------------------------------------


def test_cases_that_ended_or_never_reached_a_deadline_owe_nothing(reg, kit):
    """Rejected, withdrawn, closed and paused proposals, a case before the
    board, an established competence centre and an ERN member list nothing."""
    start = _utc(2025, 1, 10, 9)
    rejected = _prepared(reg, start)
    reg.fire(rejected, "reject", SOS, reason="Inte högspecialiserad", at=start)
    withdrawn = reg.submit(NPO, at=start, **proposal())
    reg.fire(withdrawn.id, "withdraw", NPO, reason="Dras tillbaka", at=start)
    paused = reg.submit(Actor.npo("Ögonsjukdomar"), at=start, **proposal("Ögonsjukdomar"))
    before_board = _decided(reg, start)
    reg.fire(before_board, "apply_for_permit", SKANE, unit="SUS", at=start + timedelta(days=1))
    reg.fire(before_board, "prepare_board", SOS, at=start + timedelta(days=2))
    kc = reg.submit(Actor.npo(kit.KC_AREA), process="kc-proposal", at=start, **kit.kc_need())
    kit.walk_kc(reg, kc.id, "established", start=start)
    ern = reg.submit(
        Actor.provider("Karolinska universitetssjukhuset", "SE"),
        process="ern-membership",
        at=start,
        **kit.ern_application(),
    )
    kit.walk_ern(reg, ern.id, "member", start=start)
    states = {c.id: c.state for c in reg.cases()}
    assert states[rejected] == "rejected" and states[paused.id] == "proposed"
    assert states[before_board] == "board_preparation"
    assert reg.due(as_of=date(2030, 1, 1)) == []


# -- no.annual-report and no.wind-down-when-goals-met -----------------------------------


def test_a_norwegian_service_reports_each_year_and_the_ministry_winds_it_down(reg, kit):
    """DESIGN §4b: `no.annual-report` "(one per year)", by "the initiating
    HEALTH_ENTERPRISE"; "once a report says the goals are met, the wind-down
    is due (it shows among the registry's deadlines)". The report for a year
    is due on the approval's anniversary in the year after (a leap-day
    approval: 28 February); each listed item is accepted from its party, and
    once wound down nothing is due."""
    case_id, initiator = _no_active(reg, kit, _utc(2024, 2, 29, 9))
    other = Actor.health_enterprise(HEALTH_ENTERPRISES[0])
    items = reg.due(as_of=date(2025, 3, 1), actor=initiator)
    assert [(d.trigger, d.due, d.overdue, d.who) for d in items] == [
        ("report_annually", date(2025, 2, 28), True, initiator.name),
        ("report_annually", date(2026, 2, 28), False, initiator.name),
    ]
    assert reg.due(as_of=date(2025, 3, 1), actor=other) == []
    assert reg.due(as_of=date(2025, 3, 1), actor=Actor.ministry()) == []
    moment = _utc(2025, 3, 1, 9)
    assert (
        reg.check(case_id, "report_annually", initiator, year=2024, goals_met=False, at=moment)
        == []
    )
    reg.fire(case_id, "report_annually", initiator, year=2024, goals_met=False, at=moment)
    assert [d.detail for d in reg.due(as_of=moment)] == ["annual report for 2025"]
    reg.fire(case_id, "report_annually", initiator, year=2025, goals_met=True, at=_utc(2025, 12, 1))
    [wind_down] = reg.due(as_of=date(2025, 12, 1), actor=Actor.ministry())
    assert (wind_down.trigger, wind_down.role, wind_down.due) == (
        "wind_down",
        Role.MINISTRY,
        date(2025, 12, 1),
    )
    assert (
        not wind_down.overdue
        and reg.due(as_of=date(2025, 12, 2), actor=Actor.ministry())[0].overdue
    )
    assert reg.check(case_id, "wind_down", Actor.ministry(), at=_utc(2025, 12, 2)) == []
    reg.fire(case_id, "report_annually", initiator, year=2026, goals_met=False, at=_utc(2026, 3, 1))
    assert [d.trigger for d in reg.due(as_of=date(2026, 3, 1), actor=Actor.ministry())] == [
        "wind_down"
    ]
    reg.fire(case_id, "wind_down", Actor.ministry(), at=_utc(2026, 3, 2))
    assert reg.due(as_of=date(2030, 1, 1)) == []


def test_an_aware_datetime_for_the_last_day_is_read_as_its_utc_day(reg):
    """``applications_due`` takes a date, ISO text or an aware datetime, "its
    UTC date", as business days are UTC days everywhere (a step's ``at``,
    ``due(as_of=)``): midnight and a half in Stockholm on 1 June is still
    31 May in UTC."""
    case_id = _decided(
        reg, _utc(2025, 3, 1, 10), applications_due=datetime(2025, 6, 1, 0, 30, tzinfo=STHLM_TZ)
    )
    [decided] = [e for e in reg.history(case_id) if e.type == "NhvDecided"]
    assert decided.payload["applications_due"] == "2025-05-31"
    [item] = _applications(reg, date(2025, 3, 2))
    assert item.due == date(2025, 5, 31)
