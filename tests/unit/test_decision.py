"""Reasoned decisions (``Registry.decision``): what was decided, by whom and
when, the facts, each rule with its citation and outcome, and the appeal, in
Swedish and English, as Markdown and HTML."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from nhvflow import Actor, InvalidPayload, Region, UnknownCase
from nhvflow.fixtures import advance, proposal

T0 = datetime(2024, 1, 10, 9, 0, tzinfo=UTC)
ADVISORY_RULE = "nhv.advisory-requires-concentrated-care"


@pytest.fixture(name="closed_advisory")
def _closed_advisory(reg, npo, sos):
    """An advisory-only proposal, refused at `decide`, closed citing the central rule."""
    case = reg.submit(npo, at=T0, **proposal(advisory=True))
    advance(reg, case.id, "prepared", start=T0)
    refused = reg.check(
        case.id, "decide", sos, units=1, advisory_mission=True, at=T0 + timedelta(days=200)
    )
    assert [v.rule for v in refused] == [ADVISORY_RULE]
    reason = "Rådgivning kan inte koncentreras utan att vårdåtgärder koncentreras."
    return reg.fire(
        case.id,
        "close_not_eligible",
        sos,
        rule=ADVISORY_RULE,
        reason=reason,
        at=T0 + timedelta(days=201),
    )


def test_a_closed_advisory_proposal_names_the_central_rule_and_its_citation_in_swedish(
    reg, closed_advisory
):
    """The Swedish decision closing an advisory proposal cites the central rule."""
    citation = reg.process().rule(ADVISORY_RULE).citation
    found = reg.decision(closed_advisory.id)
    assert found.lang == "sv" and found.trigger == "close_not_eligible"
    assert ADVISORY_RULE in found.markdown and citation in found.markdown
    assert citation in found.summary
    assert [(r.rule, r.outcome) for r in found.rules][-1] == (ADVISORY_RULE, "cited")
    assert "får inte överklagas" in found.markdown and not found.appealable


def test_a_decision_at_step_4_lists_every_rule_applied_as_passed(reg, npo, sos):
    """`decide` lists its rules judged again as of its time: each passed, with citation."""
    case = reg.submit(npo, at=T0, **proposal())
    case = advance(reg, case.id, "decided", start=T0)
    found = reg.decision(case.id, lang="en")
    assert (found.version, found.trigger, found.decided_by) == (
        6,
        "decide",
        Actor.socialstyrelsen(),
    )
    assert found.decided_at == reg.history(case.id)[5].occurred_at
    assert [(r.rule, r.outcome) for r in found.rules] == [
        ("nhv.responsible-party", "passed"),
        (ADVISORY_RULE, "passed"),
        ("nhv.max-five-units", "passed"),
        ("nhv.application-window", "passed"),
    ]
    assert "HSL (2017:30) 2 kap. 7 §" in found.markdown
    assert "cannot be appealed" in found.appeal
    assert ("Units decided" not in dict(found.facts)) and dict(found.facts)[
        "Units in the basis"
    ] == "2"


def test_the_latest_decision_is_the_default_and_an_earlier_one_can_be_asked_for(reg, npo):
    """Without a version the latest decision is given; `version=` gives that event's decision."""
    case = reg.submit(npo, at=T0, **proposal())
    case = advance(reg, case.id, "permitted", start=T0)
    latest = reg.decision(case.id)
    assert latest.trigger == "grant_permits" and "Region Skåne" in latest.summary
    assert "tills vidare" in latest.appeal and "får inte överklagas" in latest.appeal
    assert reg.decision(case.id, 6).trigger == "decide"


def test_a_revocation_and_a_referral_back_say_how_they_can_be_challenged(reg, npo, board):
    """A revocation cannot be appealed; a referral back is a decision during the handling."""
    case = reg.submit(npo, at=T0, **proposal())
    case = advance(reg, case.id, "board_preparation", start=T0)
    at = case.updated_at
    reg.fire(case.id, "refer_back", board, reason="Mer underlag behövs.", at=at + timedelta(days=1))
    referral = reg.decision(case.id, lang="en")
    assert referral.trigger == "refer_back" and "section 41" in referral.appeal
    case = advance(reg, case.id, "permitted", start=at + timedelta(days=2))
    reg.fire(
        case.id,
        "revoke_permit",
        board,
        region=Region.SKANE,
        ground="circumstances_changed",
        reason="Verksamheten flyttar.",
        at=case.updated_at + timedelta(days=1),
    )
    revoked = reg.decision(case.id)
    assert "Nämnden återkallar tillståndet för Region Skåne" in revoked.summary
    assert ("nhv.revocation-grounds", "passed") in [(r.rule, r.outcome) for r in revoked.rules]


def test_html_is_self_contained_escaped_and_carries_its_language(reg, npo, sos):
    """The HTML page sets lang, needs nothing outside itself and escapes the record's text."""
    case = reg.submit(npo, at=T0, **proposal())
    advance(reg, case.id, "prepared", start=T0)
    reg.fire(
        case.id,
        "reject",
        sos,
        reason="<script>alert(1)</script> & mer",
        at=T0 + timedelta(days=200),
    )
    page = reg.decision(case.id, lang="en").html
    assert page.startswith("<!DOCTYPE html>") and '<html lang="en">' in page
    assert "<script>" not in page and "&lt;script&gt;" in page and "&amp; mer" in page
    assert "http" not in page and '<html lang="sv">' in reg.decision(case.id).html


def test_other_regimes_decisions_are_reasoned_too(reg):
    """An ERN decline names the board, its rules and that the sources name no appeal."""
    provider = Actor.provider("Karolinska universitetssjukhuset", "SE")
    case = reg.submit(
        provider, process="ern-membership", network="ERN ReCONNET", self_assessment=[], at=T0
    )
    reg.fire(case.id, "endorse", Actor.member_state("SE"), at=T0 + timedelta(days=10))
    reg.fire(case.id, "check_eligibility", Actor.commission(), at=T0 + timedelta(days=20))
    reg.fire(
        case.id,
        "give_opinion",
        Actor.coordinator("ERN ReCONNET"),
        favourable=False,
        at=T0 + timedelta(days=30),
    )
    reg.fire(case.id, "assess", Actor.assessment_body(), met=[], at=T0 + timedelta(days=40))
    reg.fire(
        case.id,
        "decline",
        Actor.ern_board(),
        reason="Kriterierna är inte uppfyllda.",
        at=T0 + timedelta(days=50),
    )
    found = reg.decision(case.id, lang="en")
    assert found.trigger == "decline" and found.process == "ern-membership"
    assert (
        found.rules[0].rule == "ern.responsible-party" and "name no way to appeal" in found.appeal
    )


def test_a_version_that_is_not_a_decision_is_refused_naming_version(reg, npo, submitted):
    """A step that decided nothing, or no decision at all, raises InvalidPayload('version')."""
    with pytest.raises(InvalidPayload) as none_yet:
        reg.decision(submitted.id)
    assert none_yet.value.field == "version"
    case = advance(reg, submitted.id, "decided")
    for version in (2, 99):
        with pytest.raises(InvalidPayload) as caught:
            reg.decision(case.id, version)
        assert caught.value.field == "version"
    with pytest.raises(InvalidPayload) as bad_lang:
        reg.decision(case.id, lang="de")
    assert bad_lang.value.field == "lang"


def test_an_unknown_case_has_no_decision(reg):
    """A case id the log lacks raises UnknownCase."""
    with pytest.raises(UnknownCase):
        reg.decision("no-such-case")
