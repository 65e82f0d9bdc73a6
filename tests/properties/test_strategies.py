"""The strategies of nhvflow.testing draw what they promise, judged by the
registry itself through the public API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

import nhvflow
from nhvflow import Actor, HealthcareRegion, NhvflowError, Region, Registry, Role
from nhvflow.fixtures import advance, proposal
from nhvflow.testing import (
    CRITERIA,
    PROGRAMME_AREAS,
    StepDraw,
    actors,
    expert_groups,
    experts,
    proposals,
    regions,
    steps,
)

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
SOS = Actor.socialstyrelsen()
COMPOSITION = "nhv.expert-group-composition"
FINDING = settings(
    database=None,
    max_examples=2000,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
"""For `find`: the first example found will do (no shrinking)."""


@contextmanager
def proposed_case() -> Iterator[tuple[Registry, str]]:
    """A fresh registry with one pilot proposal waiting for its expert group."""
    with nhvflow.open() as reg:
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=T0, **proposal(pilot=True))
        yield reg, case.id


def criteria_failed(group: list[nhvflow.Expert]) -> list[str | None]:
    with proposed_case() as (reg, case_id):
        violations = reg.check(case_id, "appoint_expert_group", SOS, experts=group, at=T0)
    assert {v.rule for v in violations} <= {COMPOSITION}
    return [v.criterion for v in violations]


class TestExpertGroups:
    @given(expert_groups())
    def test_lawful_groups_pass_the_composition_rule(self, group):
        """Every group drawn with valid=True meets every criterion."""
        assert criteria_failed(group) == []

    @pytest.mark.parametrize("criterion", CRITERIA)
    @given(data=st.data())
    def test_a_group_breaking_one_criterion_fails_exactly_that_one(self, criterion, data):
        """breaking=X yields exactly one violation, with criterion X."""
        group = data.draw(expert_groups(valid=False, breaking=criterion))
        assert criteria_failed(group) == [criterion]

    @given(expert_groups(breaking="transparency"))
    def test_breaking_alone_implies_an_unlawful_group(self, group):
        """breaking= without valid= draws a group breaking that criterion."""
        assert criteria_failed(group) == ["transparency"]

    @given(expert_groups(valid=False))
    def test_unlawful_groups_break_exactly_one_criterion(self, group):
        """valid=False alone draws a group with exactly one failed criterion."""
        failed = criteria_failed(group)
        assert len(failed) == 1 and failed[0] in CRITERIA

    def test_lawful_groups_vary_beyond_the_fixture(self):
        """Sizes, Halland's double membership, two patient representatives
        and members of other genders all occur among lawful groups."""
        assert len(find(expert_groups(), lambda g: len(g) >= 11, settings=FINDING)) >= 11
        assert find(expert_groups(), lambda g: any(e.region is Region.HALLAND for e in g),
                    settings=FINDING)  # fmt: skip
        two = find(expert_groups(), lambda g: sum(e.patient_representative for e in g) == 2,
                   settings=FINDING)  # fmt: skip
        assert sum(e.patient_representative for e in two) == 2
        assert find(expert_groups(), lambda g: any(e.gender == "other" for e in g),
                    settings=FINDING)  # fmt: skip

    def test_contradictory_or_unknown_criteria_are_refused(self):
        """valid=True with breaking=, and an unknown criterion, raise ValueError."""
        with pytest.raises(ValueError, match="breaking= alone"):
            expert_groups(valid=True, breaking="gender_balance")
        with pytest.raises(ValueError, match="unknown criterion"):
            expert_groups(valid=False, breaking="shoe_size")


class TestValues:
    @given(regions(healthcare_region=HealthcareRegion.SODRA))
    def test_regions_of_a_healthcare_region_belong_to_it(self, region):
        """regions(healthcare_region=H) draws only regions of H (Halland included)."""
        assert HealthcareRegion.SODRA in region.healthcare_regions

    @given(actors(Role.REGION, principal=Region.GOTLAND))
    def test_actors_keep_the_role_and_scope_asked_for(self, actor):
        """actors(Role.REGION, principal=...) draws that region acting for itself."""
        assert actor == Actor.region(Region.GOTLAND)

    @given(actors([Role.NPO, Role.EXPERT_GROUP], programme_area="Tandvård", case_id="c9"))
    def test_actors_of_several_roles_take_each_scope(self, actor):
        """An NPO gets the area, an expert group the case."""
        assert actor in (Actor.npo("Tandvård"), Actor.expert_group("c9"))

    def test_actors_of_any_role_cover_every_role(self):
        """actors() reaches every role, the other regimes' included."""
        for role in Role:
            assert find(actors(), lambda a, r=role: a.role is r, settings=FINDING).role is role

    @given(experts(region=Region.KALMAR, patient_representative=True))
    def test_experts_keep_the_fields_fixed(self, expert):
        """experts(region=, patient_representative=) fixes those fields."""
        assert expert.region is Region.KALMAR and expert.patient_representative

    @given(proposals(advisory=False))
    def test_care_proposals_are_submitted_by_their_npo(self, kw):
        """A non-advisory proposal names care measures and is accepted."""
        assert kw["care_measures"] and kw["advisory"] is False
        assert kw["programme_area"] in PROGRAMME_AREAS
        with nhvflow.open() as reg:
            case = reg.submit(Actor.npo(kw["programme_area"]), at=T0, **kw)
        assert case.state == "proposed" and case.data["title"] == kw["title"]

    @given(proposals(advisory=True, pilot=False, programme_area="Psykisk hälsa"))
    def test_advisory_proposals_keep_the_fields_asked_for(self, kw):
        """advisory=, pilot= and programme_area= are kept."""
        assert (kw["advisory"], kw["pilot"], kw["programme_area"]) == (True, False, "Psykisk hälsa")

    def test_advisory_proposals_are_often_advice_only(self):
        """Advisory proposals without any care measure occur (as many NPO proposals are)."""
        kw = find(proposals(advisory=True), lambda p: not p["care_measures"], settings=FINDING)
        assert kw["advisory"] is True


def snapshot(reg: Registry) -> tuple[object, ...]:
    return tuple(reg.events()), tuple((c, c.updated_at) for c in reg.cases())


class TestSteps:
    @pytest.mark.parametrize("state", ["proposed", "decided", "permitted"])
    @given(data=st.data())
    def test_wrong_steps_are_refused_and_write_nothing(self, state, data):
        """steps(case, valid=False) is refused in every state and writes nothing."""
        with nhvflow.open() as reg:
            case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=T0, **proposal())
            case = advance(reg, case.id, state, start=T0) if state != "proposed" else case
            at = case.updated_at + timedelta(days=1)
            draw = data.draw(steps(case, valid=False, at=at))
            assert draw.intent == "wrong" and draw.expect_refusal
            before = snapshot(reg)
            with pytest.raises(NhvflowError):
                draw.fire(reg, case.id, at=at)
            assert snapshot(reg) == before

    @settings(max_examples=30)
    @given(data=st.data(), area=st.sampled_from(PROGRAMME_AREAS))
    def test_lawful_steps_are_accepted_all_the_way(self, data, area):
        """A case walked with steps(valid=True) only, after the mapping, has
        every step accepted until it ends or no lawful step is left."""
        with nhvflow.open() as reg:
            at = T0
            reg.complete_mapping(SOS, at=at)
            kw = data.draw(proposals(programme_area=area))
            case = reg.submit(Actor.npo(area), at=at, **kw)
            for _ in range(25):
                at += data.draw(st.integers(0, 36).map(lambda h: timedelta(hours=h)))
                try:
                    strategy = steps(case, valid=True, at=at)
                except ValueError:
                    # only a final state, or a decision whose application window closed empty
                    assert reg.process().is_final(case.state) or not case.data.get("applicants")
                    break
                draw = data.draw(strategy)
                case = draw.fire(reg, case.id, at=at)
            assert reg.verify(projections=True).ok

    def test_mixed_steps_draw_every_intent(self):
        """The default mixes lawful, borderline, wrong and junk steps."""
        with nhvflow.open() as reg:
            case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), at=T0, **proposal())
            case = advance(reg, case.id, "prepared", start=T0)
        mixed = steps(case, at=T0 + timedelta(days=400))
        for intent in ("lawful", "borderline", "wrong", "junk"):
            assert find(mixed, lambda d, i=intent: d.intent == i, settings=FINDING).intent == intent
        six = find(mixed, lambda d: d.trigger == "decide" and d.payload.get("units") == 6,
                   settings=FINDING)  # fmt: skip
        assert six.intent == "borderline"

    def test_a_final_case_has_no_lawful_step(self):
        """valid=True on a withdrawn case says so; the default still draws wrong steps."""
        with nhvflow.open() as reg:
            npo = Actor.npo("Nervsystemets sjukdomar")
            case = reg.submit(npo, at=T0, **proposal())
            case = reg.fire(case.id, "withdraw", npo, reason="Dras tillbaka", at=T0)
        with pytest.raises(ValueError, match="no lawful step"):
            steps(case, valid=True)
        assert find(steps(case), lambda d: True, settings=FINDING).intent in ("wrong", "junk")

    def test_a_draw_reads_as_the_call_it_makes(self):
        """describe() shows the call, abbreviating long lists."""
        draw = StepDraw("decide", SOS, {"units": 3}, "borderline")
        text = draw.describe("c1")
        assert (
            text == "fire('c1', 'decide', socialstyrelsen (Socialstyrelsen), units=3)  # borderline"
        )
        assert "<3 int>" in StepDraw("x", SOS, {"n": [1, 2, 3]}).describe()

    def test_steps_need_the_process_of_a_case_nhvflow_does_not_ship(self):
        """A case of an unknown process asks for process=."""
        case = nhvflow.Case("c1", "my-process", "start", 1, {})
        with pytest.raises(ValueError, match=r"process=reg\.process"):
            steps(case)
