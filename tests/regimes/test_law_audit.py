"""An audit of the rules against the law: what the code enforces compared with
DESIGN.md §4 and §4b and the two sources (Socialstyrelsen, webbsidan
Nationell högspecialiserad vård, 2019; Socialstyrelsen, Förutsättningar för
kompetenscentrum inom nationell högspecialiserad vård, 2019).

Every test goes through the public API. Some pin a discrepancy the audit
found and that was mended (see CHANGELOG, Unreleased, Fixed); the others
confirm the law for cases the existing tests do not cover.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

import nhvflow
from nhvflow import (
    Actor,
    Case,
    InvalidPayload,
    InvalidTrigger,
    PermitGrant,
    Region,
    Registry,
    TransitionDenied,
)
from nhvflow.fixtures import advance, proposal
from nhvflow.rules import nhv as r

BOARD = Actor.board()
SOS = Actor.socialstyrelsen("handläggare")
MINISTRY = Actor.ministry()


def _permitted(reg: Registry) -> tuple[Case, Region]:
    """A case in ``permitted``, walked one lawful step at a time (one unit
    decided, one permit held), and the region that holds it."""
    npo = Actor.npo("Nervsystemets sjukdomar")
    case = reg.submit(npo, at=datetime(2019, 3, 1, 9, tzinfo=UTC), **proposal())
    case = advance(reg, case.id, "permitted", units=1, regions=(Region.STOCKHOLM,))
    assert case.state == "permitted"
    [holder] = [Region[p["region"]] for p in case.data["permits"] if p["valid"]]
    return case, holder


def _after(case: Case, days: int) -> datetime:
    assert case.updated_at is not None
    return case.updated_at + timedelta(days=days)


def _new_round(
    reg: Registry, case: Case, holder: Region, ground: str = "conditions_not_met"
) -> Case:
    """The holder's permit is revoked on ``ground``, the holder applies in the
    new round and Socialstyrelsen prepares the board."""
    case = reg.fire(
        case.id, "revoke_permit", BOARD, region=holder, ground=ground, reason="Återkallat",
        at=_after(case, 1),
    )  # fmt: skip
    region = Actor.region(holder)
    case = reg.fire(case.id, "apply_for_permit", region, unit="Ny enhet", at=_after(case, 1))
    return reg.fire(case.id, "prepare_board", SOS, at=_after(case, 1))


def _regrant(reg: Registry, case: Case, holder: Region, ground: str = "conditions_not_met") -> Case:
    """:func:`_new_round`, and the board grants the holder a new permit."""
    case = _new_round(reg, case, holder, ground)
    return reg.fire(
        case.id, "grant_permits", BOARD, permits=[PermitGrant(holder)], at=_after(case, 1)
    )


def _ask(reg: Registry, case: Case, holder: Region) -> Case:
    """The holder asks for its permit to be revoked."""
    return reg.fire(
        case.id, "request_revocation", Actor.region(holder), reason="Vi avvecklar",
        at=_after(case, 1),
    )  # fmt: skip


AT_REQUEST = {"ground": "holder_request", "reason": "På begäran"}
"""A revocation at the holder's request."""


# -- nhv: revocation --------------------------------------------------------------------


def test_a_request_for_an_earlier_permit_does_not_ground_revoking_a_later_one(reg):
    """DESIGN §4: the ground "holder_request" only after the holder's
    request_revocation. A request made (and acted on) for the region's first
    permit says nothing about the permit the board grants it later; revoking
    that one "at the holder's request" needs a new request."""
    case, holder = _permitted(reg)
    case = _regrant(reg, _ask(reg, case, holder), holder, ground="holder_request")
    violations = reg.check(
        case.id, "revoke_permit", BOARD, region=holder, at=_after(case, 1), **AT_REQUEST
    )
    assert [v.rule for v in violations] == ["nhv.revocation-grounds"]


def test_a_fresh_request_grounds_revoking_the_later_permit_at_the_holders_request(reg):
    """The lawful path beside the one above: the holder of the new permit asks,
    and the board revokes it on that ground; the place it frees opens a new
    round of applications."""
    case, holder = _permitted(reg)
    case = _regrant(reg, case, holder)
    case = _ask(reg, case, holder)
    case = reg.fire(
        case.id, "revoke_permit", BOARD, region=holder, at=_after(case, 1), **AT_REQUEST
    )
    assert [p["valid"] for p in case.data["permits"]] == [False, False]
    assert case.data["permits"][-1]["ground"] == "holder_request"
    assert case.data["application_round"] == 2


def test_a_revocation_cannot_open_an_application_period_that_has_already_closed(reg):
    """nhv.application-window: the period in which regions may apply runs from
    the request for applications; ``decide`` refuses a last day before its own
    date, and the round a revocation opens (to fill the place it frees) should
    be held to the same."""
    case, holder = _permitted(reg)
    day = _after(case, 1)
    violations = reg.check(
        case.id,
        "revoke_permit",
        BOARD,
        region=holder,
        ground="circumstances_changed",
        reason="Ändrade förhållanden",
        applications_due=(day - timedelta(days=30)).date(),
        at=day,
    )
    assert "nhv.application-window" in [v.rule for v in violations]


# -- nhv: follow-up ---------------------------------------------------------------------


def test_a_new_permit_gets_its_own_follow_up_for_the_year_it_was_granted(reg):
    """DESIGN §4: "nhv.follow-up-by-holder — one follow-up report per permit and
    year, by the holder" (steg 8: "Landstingen ansvarar för årlig uppföljning av
    tillstånden"). A region that reported on its first permit and was granted a
    second one the same year owes, and may give, the second permit's report."""
    case, holder = _permitted(reg)
    year = _after(case, 1).year
    case = reg.fire(
        case.id, "report_follow_up", Actor.region(holder), year=year, at=_after(case, 1)
    )
    case = _regrant(reg, case, holder)
    assert _after(case, 1).year == year
    region = Actor.region(holder)
    assert reg.check(case.id, "report_follow_up", region, year=year, at=_after(case, 1)) == []


# -- nhv: who may take a step, and when -------------------------------------------------


def test_a_step_before_the_nhv_system_came_into_force_is_refused_whatever_the_rules(reg):
    """All the rules of ``nhv`` are in force from 2018-07-01, so a step dated
    earlier would escape every one of them; the process itself refuses it."""
    npo = Actor.npo("Nervsystemets sjukdomar")
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(npo, at=datetime(2018, 6, 30, 12, tzinfo=UTC), **proposal())
    assert exc.value.field == "at"
    case = reg.submit(npo, at=datetime(2018, 7, 1, 12, tzinfo=UTC), **proposal())
    assert case.state == "proposed"


def test_neither_withdrawal_nor_closure_is_offered_once_the_care_is_decided(reg):
    """DESIGN §4: ``close_not_eligible`` and ``withdraw`` only before
    ``decided``; after the decision at step 4 the proposal is no longer the
    NPO's to withdraw."""
    npo = Actor.npo("Nervsystemets sjukdomar")
    case = reg.submit(npo, at=datetime(2019, 3, 1, tzinfo=UTC), **proposal())
    case = advance(reg, case.id, "decided")
    assert case.state == "decided"
    with pytest.raises(InvalidTrigger):
        reg.fire(case.id, "withdraw", npo, reason="För sent", at=_after(case, 1))
    with pytest.raises(InvalidTrigger):
        reg.fire(
            case.id,
            "close_not_eligible",
            SOS,
            rule="nhv.advisory-requires-concentrated-care",
            reason="För sent",
            at=_after(case, 1),
        )
    assert reg.allowed_triggers(case.id, npo) == []


def test_only_the_holder_asks_for_its_own_permit_to_be_revoked(reg):
    """A region without a permit in the case cannot ask for a revocation, nor
    can the board ask itself: the request is the holder's (DESIGN §4)."""
    case, holder = _permitted(reg)
    other = next(region for region in Region if region is not holder)
    for actor in (Actor.region(other), BOARD, SOS):
        with pytest.raises(TransitionDenied) as exc:
            reg.fire(case.id, "request_revocation", actor, reason="x", at=_after(case, 1))
        assert list(exc.value.rules) == ["nhv.responsible-party"]


# -- nhv: citations ---------------------------------------------------------------------


def test_rules_from_socialstyrelsens_page_cite_it_by_publisher_title_and_year():
    """DESIGN §4: "name a source by its publisher, title and year (e.g.
    'Socialstyrelsen, webbsidan Nationell högspecialiserad vård')". The
    criteria for expert groups, the steps and their responsible parties, the
    annual follow-up and "som mest fem enheter" all come from that page; a
    heading or a description is not a title a reader can look up."""
    page = "Socialstyrelsen, webbsidan Nationell högspecialiserad vård (2019)"
    ids = (
        "nhv.expert-group-composition",
        "nhv.responsible-party",
        "nhv.follow-up-by-holder",
        "nhv.max-five-units",
    )
    citations = {rule.id: rule.citation for rule in r.RULES if rule.id in ids}
    assert {i: page in c for i, c in citations.items()} == dict.fromkeys(ids, True)


# -- kc-proposal ------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["ingen", "nej", "saknas", "none"])
def test_a_text_that_names_no_authorisation_does_not_authorise_a_longer_grant(reg, kit, text):
    """Seed: "För att ett kompetenscentrum ska kunna finansieras av statsbidrag en
    längre tid ... behövs ett bemyndigande från riksdagen." The field takes True
    or "text naming the decision"; a word that says there is none names no
    decision (kc.financing-form already refuses such words for the financing)."""
    case = reg.submit(Actor.npo(kit.KC_AREA), process="kc-proposal", at=kit.START, **kit.kc_need())
    case = kit.walk_kc(reg, case.id, "prepared")
    case = reg.fire(
        case.id, "apply_to_establish", Actor.region(Region.SKANE), unit="SUS", at=_after(case, 1)
    )
    violations = reg.check(
        case.id,
        "establish",
        SOS,
        regions=[Region.SKANE],
        financing="state_grant",
        grant_years=3,
        riksdag_authorisation=text,
        at=_after(case, 1),
    )
    assert [v.rule for v in violations] == ["kc.state-grant-one-year"]


# -- no-competence-service --------------------------------------------------------------


def test_the_wind_down_stays_due_once_a_report_has_said_the_goals_are_met(reg, kit):
    """DESIGN §4b: "once a report says the goals are met, the wind-down is due
    (it shows among the registry's deadlines)"; seed: "När målet kan anses ha
    uppnåtts ska tjänsterna avvecklas". A report for the next year that does
    not repeat it does not undo the duty."""
    enterprise = Actor.health_enterprise("Helse Vest")
    case = reg.submit(
        enterprise, process="no-competence-service", at=kit.START, **kit.no_initiative()
    )
    case = kit.walk_no(reg, case.id, "active")
    year = case.updated_at.year
    case = reg.fire(
        case.id, "report_annually", enterprise, year=year, goals_met=True, at=_after(case, 200)
    )
    assert "wind_down" in [d.trigger for d in reg.due(as_of=_after(case, 1).date())]
    case = reg.fire(
        case.id, "report_annually", enterprise, year=year + 1, goals_met=False, at=_after(case, 400)
    )
    assert "wind_down" in [d.trigger for d in reg.due(as_of=_after(case, 1).date())]
    assert reg.check(case.id, "wind_down", MINISTRY, at=_after(case, 1)) == []


# -- ern-membership ---------------------------------------------------------------------


def test_ern_membership_applies_from_27_may_2014_when_the_decisions_took_effect():
    """Implementing Decision 2014/287/EU (OJ L 147, 17.5.2014) entered into force
    on the tenth day after publication, 27 May 2014 (Art. 18): an application
    dated the day before is refused, one dated that day accepted."""
    provider = Actor.provider("Karolinska universitetssjukhuset", "SE")
    application = {"network": "ERN ReCONNET", "self_assessment": []}
    with nhvflow.open(":memory:") as reg:
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(
                provider,
                process="ern-membership",
                at=datetime(2014, 5, 26, 12, tzinfo=UTC),
                **application,
            )
        assert exc.value.field == "at"
        case = reg.submit(
            provider,
            process="ern-membership",
            at=datetime(2014, 5, 27, 12, tzinfo=UTC),
            **application,
        )
        assert case.state == "applied"
        assert date.fromisoformat("2014-05-27") == reg.get(case.id).updated_at.date()


# -- nhv: the unit of a permit ----------------------------------------------------------


def test_a_permit_goes_to_the_unit_the_region_applied_for(reg):
    """nhv.permit-needs-application: a permit is granted on the region's
    application, and the application names the unit; a grant for another
    unit of the region is no grant on that application."""
    case, holder = _permitted(reg)
    case = _new_round(reg, case, holder)
    elsewhere = reg.check(
        case.id,
        "grant_permits",
        BOARD,
        permits=[PermitGrant(holder, unit="Privatkliniken AB")],
        at=_after(case, 1),
    )
    assert [v.rule for v in elsewhere] == ["nhv.permit-needs-application"]
    assert "Ny enhet" in elsewhere[0].message
    for unit in (None, "ny  ENHET"):
        assert reg.check(
            case.id, "grant_permits", BOARD, permits=[PermitGrant(holder, unit=unit)],
            at=_after(case, 1),
        ) == []  # fmt: skip
