"""An audit of nhvflow.testing as a test author uses it: each test holds one
promise of docs/testing.md, the kit's docstrings or DESIGN.md (or what a
user of a hypothesis-based kit would expect where they are silent) to the
code, through the public API. The strict xfails pin where they disagree."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import nhvflow
from nhvflow import Actor, Case, NhvflowError, Registry, Role, TransitionDenied
from nhvflow.events import Fact, Meta
from nhvflow.events import fields as f
from nhvflow.fixtures import advance, proposal
from nhvflow.rules import Responsibility, responsible_party_rule
from nhvflow.rules.ern import endorsement
from nhvflow.states import ERN, Process, State, Transition
from nhvflow.testing import (
    Coverage,
    InvariantViolated,
    ProcessStateMachine,
    StepDraw,
    StepOutcome,
    Target,
    actors,
    coverage,
    expert_groups,
    experts,
    paths,
    proposals,
    regions,
    replace_rule,
    steps,
)
from nhvflow.testing import Path as KitPath

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
AREA = "Nervsystemets sjukdomar"

DEFAULTS = settings(
    settings.get_profile("default"), max_examples=50, derandomize=True, database=None
)
"""What a user without a profile of their own gets (health checks and deadline
included), made deterministic. (tests/conftest.py loads the `ci` profile,
which suppresses too_slow: these tests ask for hypothesis's defaults.)"""
COUNTING = settings(
    max_examples=500,
    derandomize=True,
    database=None,
    deadline=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
"""For counting what a strategy draws: many examples, no shrinking."""
RUN = settings(
    max_examples=4,
    stateful_step_count=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
"""A few short machine runs."""
FIRST_FAILURE = settings(RUN, max_examples=20, phases=[Phase.generate], report_multiple_bugs=False)


def state_paths(regime: str) -> list[KitPath]:
    """The kit's shortest path to each state of a built-in regime."""
    return [p for p in paths(regime) if p.target.kind == "state"]


def log_of(reg: Registry) -> tuple[object, ...]:
    """What a step could change, as the public API shows it."""
    return tuple(reg.events()), tuple((c, c.updated_at) for c in reg.cases())


@pytest.fixture(name="cases", scope="module")
def _cases() -> dict[str, Case]:
    """nhv cases in three states (the registry is closed; the cases are values)."""
    out = {}
    with nhvflow.open() as reg:
        for state in ("proposed", "prepared", "permitted"):
            case = reg.submit(Actor.npo(AREA), at=T0, **proposal())
            out[state] = case if state == "proposed" else advance(reg, case.id, state, start=T0)
    return out


# -- the guest principle -------------------------------------------------------------


def test_importing_the_kit_loads_no_hypothesis_profile_and_prints_nothing(tmp_path):
    """`import nhvflow.testing` registers and loads no settings profile, leaves
    hypothesis's defaults as they were and writes nothing to stdout."""
    script = textwrap.dedent(
        """
        import json, sys
        from hypothesis import settings

        def seen():
            # hypothesis has no public listing of registered profiles
            return [sorted(settings._profiles), settings.get_current_profile_name(),
                    repr(settings.default)]

        before = seen()
        import nhvflow.testing
        with open(sys.argv[1], "w") as out:
            json.dump([before, seen()], out)
        """
    )
    result = tmp_path / "seen.json"
    src = str(Path(nhvflow.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": src}
    done = subprocess.run(
        [sys.executable, "-c", script, str(result)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    before, after = json.loads(result.read_text())
    assert after == before and done.stdout == ""


# -- strategies: what they draw, and at hypothesis's default settings ------------------


def _strategies() -> dict[str, Any]:
    return {
        "regions": lambda cases: regions(),
        "actors": lambda cases: actors(),
        "experts": lambda cases: experts(),
        "expert_groups": lambda cases: expert_groups(),
        "expert_groups-unlawful": lambda cases: expert_groups(valid=False),
        "proposals": lambda cases: proposals(),
        **{
            f"steps-{state}-{valid}": (
                lambda cases, state=state, valid=valid: steps(
                    cases[state], valid=valid, at=cases[state].updated_at + timedelta(days=1)
                )
            )
            for state in ("proposed", "prepared", "permitted")
            for valid in (None, True, False)
        },
    }


@pytest.mark.parametrize("name", list(_strategies()))
def test_every_strategy_passes_the_health_checks_at_default_settings(name, cases):
    """No strategy filters so much, draws so slowly or so much data that
    hypothesis's default health checks fail."""
    strategy = _strategies()[name](cases)
    drawn: list[object] = []

    @DEFAULTS
    @given(strategy)
    def draw(value: object) -> None:
        drawn.append(value)

    draw()
    assert drawn


def test_the_guides_first_example_passes_at_default_settings():
    """docs/testing.md's first property, as written, passes with hypothesis's
    default deadline and health checks."""

    @settings(DEFAULTS, max_examples=20)
    @given(proposals(pilot=True), expert_groups())
    def test_a_lawful_group_may_be_appointed(kw, group):
        with nhvflow.open() as reg:
            case = reg.submit(Actor.npo(kw["programme_area"]), **kw)
            sos = Actor.socialstyrelsen()
            assert reg.check(case.id, "appoint_expert_group", sos, experts=group) == []

    test_a_lawful_group_may_be_appointed()


@settings(DEFAULTS, max_examples=30)
@given(proposals())
def test_every_drawn_proposal_is_accepted_from_its_npo(kw):
    """proposals() with no argument (advisory or not, pilot or not) gives
    keyword arguments that Registry.submit accepts from the NPO of the area."""
    with nhvflow.open() as reg:
        case = reg.submit(Actor.npo(kw["programme_area"]), at=T0, **kw)
    assert case.state == "proposed" and kw["nominated_experts"]


def test_lawful_expert_groups_have_seven_to_twelve_members_both_ends_included():
    """The table's "lawful groups of 7 to 12": every size in that range, 7 and 12 drawn."""
    sizes: Counter[int] = Counter()

    @COUNTING
    @given(expert_groups())
    def draw(group: list[nhvflow.Expert]) -> None:
        sizes[len(group)] += 1

    draw()
    assert set(sizes) == set(range(7, 13)), sizes


@pytest.mark.parametrize(
    ("role", "state", "trigger"),
    [
        (Role.PROVIDER, None, "submit"),
        (Role.MEMBER_STATE, "applied", "endorse"),
        (Role.COORDINATOR, "eligible", "give_opinion"),
    ],
)
def test_actors_of_a_role_can_take_that_roles_step(role, state, trigger):
    """actors(role) draws "actors of ... the roles given, in the scope given":
    under ern-membership some drawn actor of the responsible role may take
    the role's step, as actors(Role.REGION) or actors(Role.HEALTH_ENTERPRISE) can."""
    by_state = {p.target.state: p for p in state_paths("ern-membership")}
    drawn: set[Actor] = set()

    @settings(COUNTING, max_examples=100)
    @given(actors(role))
    def draw(actor: Actor) -> None:
        drawn.add(actor)

    draw()
    with nhvflow.open() as reg:
        if state is None:
            first = by_state["applied"].steps[0]
            allowed = []
            for actor in drawn:
                try:
                    reg.submit(actor, process="ern-membership", at=first.at, **first.payload)
                except NhvflowError:
                    continue
                allowed.append(actor)
        else:
            case = by_state[state].play(reg)
            assert case is not None
            [lawful] = [
                p.steps[-1]
                for p in state_paths("ern-membership")
                if p.steps[:-1] == by_state[state].steps and p.steps[-1].trigger == trigger
            ]
            allowed = [
                actor
                for actor in drawn
                if reg.check(case.id, trigger, actor, at=lawful.at, **lawful.payload) == []
            ]
    assert allowed, f"none of {sorted(a.describe() for a in drawn)} may {trigger}"


# -- steps() ---------------------------------------------------------------------------


@pytest.mark.parametrize("regime", ["ern-membership", "no-competence-service"])
def test_drawn_steps_keep_their_intent_in_every_state_of_the_regime(regime):
    """In every state of the regime: a lawful draw is accepted, a wrong one
    refused, junk and borderline draws refused with an NhvflowError or
    accepted; a refused step writes nothing."""
    reaching = state_paths(regime)  # outside @given: see test_paths_can_be_derived_inside...

    @settings(DEFAULTS, max_examples=60, deadline=None)
    @given(path=st.sampled_from(reaching), data=st.data())
    def fire_one(path: KitPath, data: st.DataObject) -> None:
        with nhvflow.open() as reg:
            case = path.play(reg)
            assert case is not None
            at = (case.updated_at or T0) + timedelta(days=1)
            draw = data.draw(steps(case, at=at), label="step")
            before = log_of(reg)
            try:
                draw.fire(reg, case.id, at=at)
            except NhvflowError:
                assert draw.intent != "lawful", draw.describe(case.id)
                assert log_of(reg) == before
            else:
                assert draw.intent != "wrong", draw.describe(case.id)

    fire_one()


def test_the_default_mix_draws_every_intent_and_lawful_steps_most(cases):
    """docs/testing.md: the default mixes them, "weighted 65 / 20 / 10 / 5 ...
    lawful steps come up more often than their weight (about 80 in a hundred
    ...); every intent still appears"."""
    case = cases["prepared"]
    intents: Counter[str] = Counter()

    @COUNTING
    @given(steps(case, at=case.updated_at + timedelta(days=1)))
    def draw(step: StepDraw) -> None:
        intents[step.intent] += 1

    draw()
    total = sum(intents.values())
    shares = {intent: 100 * n / total for intent, n in intents.items()}
    assert shares["lawful"] >= 65, shares
    assert all(shares.get(k, 0) >= 1 for k in ("borderline", "wrong", "junk")), shares


def test_a_step_that_ends_the_case_is_drawn_and_rarer_than_one_that_takes_it_on(cases):
    """steps(valid=True): "a step that ends the case, such as withdraw, weighed
    1/25 of one that takes it on, and drawn rarer still"; each is drawn."""
    case = cases["prepared"]
    triggers: Counter[str] = Counter()

    @COUNTING
    @given(steps(case, valid=True, at=case.updated_at + timedelta(days=1)))
    def draw(step: StepDraw) -> None:
        triggers[step.trigger] += 1

    draw()
    ending = ("reject", "withdraw", "close_not_eligible")
    assert all(0 < triggers[t] * 25 <= triggers["decide"] for t in ending), dict(triggers)


def test_the_kits_own_drafts_meet_the_mapping_pause_at_appointment():
    """A non-pilot proposal from proposals() and a lawful appointment from
    steps() are refused by nhv.mapping-pause before the mapping is done."""
    kw = {**proposal(), "programme_area": "Tandvård", "pilot": False}
    with nhvflow.open() as reg:
        case = reg.submit(Actor.npo("Tandvård"), at=T0, **kw)
        at = T0 + timedelta(days=1)
        found: list[str] = []

        @settings(COUNTING, max_examples=5)
        @given(steps(case, valid=True, at=at).filter(lambda d: d.trigger == "appoint_expert_group"))
        def draw(step: StepDraw) -> None:
            with pytest.raises(TransitionDenied) as refused:
                step.fire(reg, case.id, at=at)
            found.extend(refused.value.rules)

        draw()
    assert "nhv.mapping-pause" in found


# -- a process of one's own ------------------------------------------------------------


@attrs.frozen
class IdeaRaised(Fact):
    """An NPO raised an idea."""

    type: ClassVar[str] = "IdeaRaised"
    title: str = f.text(max_len=200, allow_empty=False)

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["title"] = self.title


@attrs.frozen
class IdeaSeconded(Fact):
    """Another NPO seconded it."""

    type: ClassVar[str] = "IdeaSeconded"
    note: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["seconds"] = data.get("seconds", 0) + 1


@attrs.frozen
class IdeaFiled(Fact):
    """Socialstyrelsen filed it."""

    type: ClassVar[str] = "IdeaFiled"
    note: str = f.text(default="")

    def apply(self, data: dict[str, Any], meta: Meta) -> None:
        data["filed"] = True


ANY_NPO = Responsibility(Role.NPO, "any programme area", "vilket programområde som helst")
SOCIALSTYRELSEN = Responsibility(Role.SOCIALSTYRELSEN, "Socialstyrelsen", "Socialstyrelsen")


def ideas(name: str, *, seconding: bool) -> Process:
    """A toy process: any NPO raises an idea (and, with ``seconding``, any NPO
    seconds it); Socialstyrelsen files it."""
    second = [Transition("second", ("raised",), "raised", ANY_NPO, IdeaSeconded)]
    return Process(
        name=name,
        title_en="Ideas",
        title_sv="Idéer",
        authority=responsible_party_rule(id=f"{name}.responsible-party", citation="Idéregler 1 §"),
        states=[State("raised"), State("filed", final=True)],
        transitions=[
            Transition("submit", (), "raised", ANY_NPO, IdeaRaised),
            *(second if seconding else []),
            Transition("file", ("raised",), "filed", SOCIALSTYRELSEN, IdeaFiled),
        ],
    )


IDEAS = ideas("ideas", seconding=False)
SECONDED = ideas("seconded-ideas", seconding=True)


def test_wrong_steps_of_a_process_of_ones_own_are_refused():
    """steps(case, valid=False, process=...) draws steps "certain to be
    refused" for a process of one's own too (the table lets any NPO second)."""
    with nhvflow.open(processes=[SECONDED]) as reg:
        case = reg.submit(Actor.npo(AREA), process=SECONDED.name, title="En idé", at=T0)
    accepted: list[str] = []

    @settings(COUNTING, max_examples=100)
    @given(steps(case, valid=False, process=SECONDED))
    def draw(step: StepDraw) -> None:
        with nhvflow.open(processes=[SECONDED]) as reg:
            mine = reg.submit(Actor.npo(AREA), process=SECONDED.name, title="En idé", at=T0)
            try:
                step.fire(reg, mine.id, at=T0 + timedelta(days=1))
            except NhvflowError:
                return
            accepted.append(step.describe(mine.id))

    draw()
    assert accepted == []


class Ideas(ProcessStateMachine):
    """The machine on a process of one's own, as docs/testing.md says: its
    regime, its submissions and its wrong submitters."""

    regime = IDEAS.name
    processes = (IDEAS,)

    def submissions(self) -> st.SearchStrategy[tuple[Actor, dict[str, Any]]]:
        return st.tuples(actors(Role.NPO), st.just({"title": "En idé"}))

    def wrong_submitters(self, kw: dict[str, Any]) -> st.SearchStrategy[Actor]:
        return actors([Role.SOCIALSTYRELSEN, Role.BOARD, Role.REGION])


def test_the_machine_passes_a_lawful_process_of_ones_own():
    """responsible-party: "every event's actor was the party responsible for
    the step in the process table"; a table that lets any NPO submit passes."""
    run_state_machine_as_test(Ideas, settings=FIRST_FAILURE)


# -- the state machine -----------------------------------------------------------------


class Recording(ProcessStateMachine):
    """Records every step it takes."""

    seen: ClassVar[list[StepOutcome]] = []

    def check_step(self, outcome: StepOutcome) -> None:
        type(self).seen.append(outcome)


def run_recorded(regime: str) -> list[tuple[object, ...]]:
    """The steps of a few runs under ``regime``, with a fixed @seed."""

    @seed(20260101)
    class Seeded(Recording):
        seen: ClassVar[list[StepOutcome]] = []

    Seeded.regime = regime
    run_state_machine_as_test(Seeded, settings=settings(RUN, derandomize=False))
    return [
        (o.action, o.case_id, o.trigger, o.actor, repr(o.payload), o.at, o.intent, o.accepted)
        for o in Seeded.seen
    ]


@pytest.mark.parametrize("regime", ["nhv", "ern-membership"])
def test_the_machine_takes_the_same_steps_under_the_same_seed(regime):
    """With @seed (and no derandomize), two runs take the same steps."""
    first = run_recorded(regime)
    assert len(first) > 20 and first == run_recorded(regime)


def test_the_machines_steps_start_at_start_move_forward_and_keep_to_max_cases():
    """The first step is at `start`; accepted steps never go back in business
    time; no run has more than `max_cases` cases."""

    class Watched(ProcessStateMachine):
        max_cases = 2
        start = datetime(2020, 5, 4, 8, 0, tzinfo=UTC)
        runs: ClassVar[list[list[StepOutcome]]] = []

        def __init__(self) -> None:
            super().__init__()
            type(self).runs.append([])

        def check_step(self, outcome: StepOutcome) -> None:
            type(self).runs[-1].append(outcome)
            assert len(self.reg.cases()) <= self.max_cases

    run_state_machine_as_test(Watched, settings=RUN)
    for run in Watched.runs:
        assert run[0].at == Watched.start
        moments = [o.at for o in run if o.accepted]
        assert moments == sorted(moments)


class Doubling(ProcessStateMachine):
    """A registry whose accepted steps also submit a stray proposal (a broken
    engine, simulated through the public API)."""

    def fire(self, case: Case, draw: StepDraw, at: datetime) -> StepOutcome:
        reg = self.reg
        real = reg.fire

        def doubling(case_id: str, trigger: str, actor: Actor, **kw: Any) -> Case:
            done = real(case_id, trigger, actor, **kw)
            reg.submit(Actor.npo(AREA), at=kw.get("at"), **proposal())
            return done

        reg.fire = doubling  # type: ignore[method-assign]
        try:
            return super().fire(case, draw, at)
        finally:
            del reg.fire


def test_the_machine_notices_an_accepted_step_that_writes_two_events():
    """accepted-step-writes-one-event can fail: an extra event is named."""
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(Doubling, settings=FIRST_FAILURE)
    assert found.value.invariant == "accepted-step-writes-one-event"


class CountingRebuilds(ProcessStateMachine):
    """Counts the projection rebuilds of a run, by the size of the log then."""

    verify_every = 5
    rebuilt_at: ClassVar[list[int]] = []
    verified_at: ClassVar[list[int]] = []

    def open_registry(self, path: Path) -> Registry:
        reg = super().open_registry(path)
        real, real_verify = reg.rebuild_projections, reg.verify

        def rebuild() -> Any:
            type(self).rebuilt_at.append(reg.store.count_events())
            return real()

        def verify(**kw: Any) -> Any:
            type(self).verified_at.append(reg.store.count_events())
            return real_verify(**kw)

        reg.rebuild_projections = rebuild  # type: ignore[method-assign]
        reg.verify = verify  # type: ignore[method-assign]
        return reg


def test_the_machine_replays_every_few_steps_and_rebuilds_the_projections_at_the_end():
    """docs/testing.md: log-verifies, replay-equals-projections "every few
    steps and at the end: reg.verify(projections=True) is ok ...; at the end,
    rebuilding the projections also gives the same rows"."""
    CountingRebuilds.rebuilt_at = []
    CountingRebuilds.verified_at = []
    run_state_machine_as_test(
        CountingRebuilds, settings=settings(RUN, max_examples=1, stateful_step_count=30)
    )
    assert len(CountingRebuilds.rebuilt_at) == 1, CountingRebuilds.rebuilt_at
    assert CountingRebuilds.rebuilt_at[0] == max(CountingRebuilds.verified_at)
    assert len(CountingRebuilds.verified_at) >= 2, CountingRebuilds.verified_at


# -- shortest paths --------------------------------------------------------------------


def test_paths_can_be_derived_inside_a_hypothesis_test_that_allows_nesting():
    """docs/testing.md: paths() searches with hypothesis itself; inside a
    @given test, the outer test sets suppress_health_check=[nested_given]
    and deadline=None (here a fresh copy of ERN, so nothing is cached)."""
    if not hasattr(HealthCheck, "nested_given"):  # older hypothesis (e.g. 6.100) lacks it
        pytest.skip("this hypothesis has no nested_given health check")
    fresh = replace_rule(ERN, endorsement)

    @settings(
        DEFAULTS, max_examples=2, deadline=None, suppress_health_check=[HealthCheck.nested_given]
    )
    @given(st.just(fresh))
    def play_the_first(process: Process) -> None:
        with nhvflow.open(processes=[process]) as reg:
            paths(process)[0].play(reg)

    play_the_first()


@pytest.fixture(name="nhv_coverage", scope="module")
def _nhv_coverage() -> Coverage:
    return coverage("nhv")


def test_coverage_leaves_out_only_what_no_draft_reaches(nhv_coverage):
    """docs/testing.md: "A target is reported as not covered when no draft
    reaches it"; the drafts reach nhv.mapping-pause's failed outcome at
    appoint_expert_group (test above), so paths() covers it."""
    assert nhv_coverage.states[0] == nhv_coverage.states[1]
    paused = Target.of_rule("nhv.mapping-pause", "failed", "appoint_expert_group")
    assert paused not in nhv_coverage.uncovered, [str(t) for t in nhv_coverage.uncovered]


def test_coverage_of_nhv_leaves_out_only_the_outcome_the_docs_name(nhv_coverage):
    """docs/testing.md: under nhv, "`nhv.advisory-requires-concentrated-care`
    never fails at `grant_permits`"; every other state and rule outcome has
    a path (among them the refusals of submit, of an application when every
    place is held, of a reworded duty and of a revocation's past period)."""
    line_of_docs = "never fails at `grant_permits` (a decision without care measures is refused at"
    docs = Path(__file__).resolve().parents[2] / "docs" / "testing.md"
    assert line_of_docs in docs.read_text(encoding="utf-8")
    assert [str(t) for t in nhv_coverage.uncovered] == [
        "nhv.advisory-requires-concentrated-care failed at grant_permits"
    ]
