"""The case views: each regime's typed reading of a case's data, the one place
that names its keys for reading, built once per step for the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from nhvflow import Actor, Region
from nhvflow.fixtures import advance
from nhvflow.rules import CaseView, ErnCase, KcCase, NhvCase, NorwayCase, Step, nhv, once
from nhvflow.rules.nhv import RESPONSIBLE_PARTY, SOCIALSTYRELSEN
from nhvflow.states import ERN, KC, NHV, NORWAY


class _NoFacts:
    def mapping_completed_at(self) -> datetime | None:
        return None

    def pilot_designations(self) -> dict[str, datetime]:
        return {}


def _step(case, trigger="decide") -> Step:
    at = datetime(2030, 1, 1, tzinfo=UTC)
    return Step(
        case, "nhv", trigger, Actor.socialstyrelsen(), None, at, _NoFacts(), SOCIALSTYRELSEN
    )


def test_every_builtin_process_declares_the_view_its_rules_read():
    """Each regime nhvflow ships names its view on its process."""
    assert (NHV.view, KC.view, ERN.view, NORWAY.view) == (NhvCase, KcCase, ErnCase, NorwayCase)
    assert nhv.NhvCase is NhvCase


def test_a_submission_sees_an_empty_case():
    """Before the case exists, every property reads as nothing yet."""
    case = _step(None, "submit").view(NhvCase)
    assert (case.programme_area, case.units, case.decision, case.application_period) == (
        None,
        None,
        None,
        None,
    )
    assert (case.permits, case.applicants, case.follow_ups) == ((), (), ())
    assert not case.holds_valid_permit(Region.SKANE)
    assert (case.application_round, case.before_board, case.advisory) == (0, False, False)


def test_a_permitted_case_reads_typed(reg, submitted):
    """Regions as Region members, days as dates, lists as tuples of frozen records."""
    case = NhvCase(advance(reg, submitted.id, "permitted", units=2).data)
    assert case.programme_area == "Nervsystemets sjukdomar"
    assert case.units == 2
    assert case.decision is not None and case.decision.units == 2
    assert isinstance(case.decision.decided_on, date)
    assert case.application_period is not None
    assert case.application_period.opens == case.decision.decided_on
    assert case.application_period.due == case.decision.applications_due
    assert {p.region for p in case.valid_permits} == {Region.SKANE, Region.STOCKHOLM}
    assert all(isinstance(p.granted_on, date) for p in case.permits)
    assert set(case.applied_this_round) == {Region.SKANE, Region.STOCKHOLM}
    assert case.holds_valid_permit(Region.SKANE) and not case.holds_valid_permit(Region.GOTLAND)
    assert not case.before_board


def test_a_revocation_shows_in_the_view(reg, submitted, board):
    """A revoked permit is no longer held, and the new round has its own period."""
    case = advance(reg, submitted.id, "permitted", units=2)
    at = case.updated_at + timedelta(days=10)
    skane = Actor.region(Region.SKANE)
    asked = reg.fire(case.id, "request_revocation", skane, reason="Flytt", at=at)
    assert NhvCase(asked.data).revocation_requested_by == (Region.SKANE,)
    case = reg.fire(
        case.id, "revoke_permit", board, region=Region.SKANE, ground="holder_request",
        reason="På begäran", at=at,
    )  # fmt: skip
    view = NhvCase(case.data)
    assert [p.valid for p in view.permits if p.region is Region.SKANE] == [False]
    assert view.holders == (Region.STOCKHOLM,)
    assert view.application_round == 1 and view.applied_this_round == ()
    assert view.application_period is not None and view.application_period.opens == at.date()
    assert view.revocation_requested_by == ()  # its request was for the permit now revoked


def test_a_view_is_read_only():
    """No property can be set or deleted: a rule cannot change the case it judges."""
    case = NhvCase({"units": 3})
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        case.units = 4  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        del case.units  # type: ignore[misc]
    assert case.units == 3


def test_a_step_builds_each_view_once(reg, submitted):
    """Every rule of a step reads the same view, and the case's data is not copied."""
    case = reg.get(submitted.id)
    step = _step(case)
    first = step.view(NhvCase)
    assert step.view(NhvCase) is first
    assert first.permits is first.permits
    assert RESPONSIBLE_PARTY.evaluate(step) == []
    assert step.view(NhvCase) is first


def test_a_view_of_your_own_reads_what_your_folds_write():
    """Subclass CaseView with typed properties; a once property is computed once."""
    calls: list[int] = []

    class Party(CaseView):
        @property
        def guests(self) -> int:
            guests: int = self._data.get("guests", 0)
            return guests

        @once
        def hosts(self) -> tuple[Region, ...]:
            calls.append(1)
            return tuple(Region[name] for name in self._data.get("hosts", ()))

    party = Party({"guests": 40, "hosts": ["SKANE"]})
    assert party.guests == 40
    assert party.hosts == party.hosts == (Region.SKANE,)
    assert calls == [1]
    assert "guests" in repr(party)
