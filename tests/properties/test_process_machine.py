"""The process under random step sequences (nhvflow.testing.ProcessStateMachine),
and proof that the machine has teeth: with a deliberately broken rule swapped
in through the public seam (replace_rule + nhvflow.open(processes=...)), it
finds a counterexample."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import ClassVar

import attrs
import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import nhvflow
from machine_settings import TEETH
from nhvflow import Actor
from nhvflow.fixtures import advance, proposal
from nhvflow.rules import Refusal, Rule, Step, refuse
from nhvflow.rules.nhv import (
    RESPONSIBLE_PARTY,
    advisory_requires_concentrated_care,
    max_five_units,
    permit_needs_application,
)
from nhvflow.states import NHV, Process
from nhvflow.testing import InvariantViolated, ProcessStateMachine, StepOutcome, replace_rule

TestProcess = ProcessStateMachine.TestCase
TestProcess.settings = settings(TestProcess.settings, stateful_step_count=50)
# (max_examples comes from the loaded profile: NHVFLOW_HYPOTHESIS_PROFILE, see conftest.py)


def allow_everything(step: Step) -> Iterator[Refusal]:
    """A check that refuses nothing."""
    return iter(())


def cap_at_six(step: Step) -> Iterator[Refusal]:
    """The five-unit cap, wrongly written as six."""
    if step.trigger == "decide" and not 1 <= step.payload.units <= 6:
        yield refuse("1 to 6 units", "1 till 6 enheter")
    elif step.trigger == "grant_permits":
        yield from max_five_units.check(step)


def machine_with(broken: Rule) -> type[ProcessStateMachine]:
    class Broken(ProcessStateMachine):
        processes = (replace_rule(NHV, broken),)

    return Broken


@pytest.mark.parametrize(
    ("broken", "invariant"),
    [
        (
            attrs.evolve(advisory_requires_concentrated_care, check=allow_everything),
            "advisory-needs-care-measures",
        ),
        (attrs.evolve(max_five_units, check=cap_at_six), "units-within-five"),
        (attrs.evolve(permit_needs_application, check=allow_everything), "permits-to-applicants"),
        (attrs.evolve(RESPONSIBLE_PARTY, check=allow_everything), "wrong-step-refused"),
    ],
    ids=[
        "advisory-allows-everything",
        "cap-at-six",
        "permits-without-application",
        "anyone-may-take-any-step",
    ],
)
def test_the_machine_finds_a_broken_rule(broken, invariant):
    """With the rule broken, the machine reaches a state that breaks the law.
    (The control is TestProcess above: the law in force passes.)"""
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(machine_with(broken), settings=TEETH)
    assert found.value.invariant == invariant


def crash_on_decide(step: Step) -> Iterator[Refusal]:
    """A rule with a bug: it reads a field the case does not have."""
    if step.trigger == "decide":
        step.data["no such field"]
    yield from ()


def test_the_machine_reports_a_rule_that_crashes():
    """A KeyError escaping a rule is reported as a crash, not a refusal."""
    crashing = attrs.evolve(advisory_requires_concentrated_care, check=crash_on_decide)
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(machine_with(crashing), settings=TEETH)
    assert found.value.invariant == "refusals-are-nhvflow-errors"
    assert isinstance(found.value.__cause__, KeyError)


class UnlabelledAnyone(ProcessStateMachine):
    """Anyone may take any step, and no draw is labelled wrong: only the
    responsible-party invariant (the process table against the log) is left
    to notice."""

    processes = (replace_rule(NHV, attrs.evolve(RESPONSIBLE_PARTY, check=allow_everything)),)

    def fire(self, case, draw, at):  # type: ignore[no-untyped-def]
        if draw.intent == "wrong":
            draw = attrs.evolve(draw, intent="junk")
        return super().fire(case, draw, at)

    def submit(self, actor, proposal, at, *, intent="lawful"):  # type: ignore[no-untyped-def]
        return super().submit(actor, proposal, at, intent="junk" if intent == "wrong" else intent)

    def complete_mapping(self, actor, at, *, intent=None):  # type: ignore[no-untyped-def]
        return super().complete_mapping(actor, at, intent="junk")


def test_the_machine_notices_an_event_by_the_wrong_party():
    """An accepted step by a party the table does not name breaks responsible-party."""
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(UnlabelledAnyone, settings=TEETH)
    assert found.value.invariant == "responsible-party"


class Leaky(ProcessStateMachine):
    """A machine whose registry writes a stray event when a step is refused
    (a broken engine, simulated through the public API)."""

    def fire(self, case, draw, at):  # type: ignore[no-untyped-def]
        reg = self.reg
        real = reg.fire

        def leaky(case_id, trigger, actor, **kw):  # type: ignore[no-untyped-def]
            try:
                return real(case_id, trigger, actor, **kw)
            except nhvflow.NhvflowError:
                reg.complete_mapping(Actor.socialstyrelsen(), at=kw.get("at"))
                raise

        reg.fire = leaky  # type: ignore[method-assign]
        try:
            return super().fire(case, draw, at)
        finally:
            del reg.fire


def test_the_machine_notices_a_refused_step_that_writes():
    """A refusal that leaves a trace in the log breaks refused-step-writes-nothing."""
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(Leaky, settings=TEETH)
    assert found.value.invariant == "refused-step-writes-nothing"


def test_replace_rule_swaps_every_use_of_the_rule_and_nothing_else():
    """The copy runs the new rule in decide and grant_permits; NHV is untouched."""
    lenient = attrs.evolve(max_five_units, check=allow_everything)
    copy = replace_rule(NHV, lenient)
    assert isinstance(copy, Process) and copy.name == "nhv" and copy is not NHV
    assert lenient in copy.transitions["decide"].rules
    assert lenient in copy.transitions["grant_permits"].rules
    assert max_five_units in NHV.transitions["decide"].rules
    assert [r.id for r in copy.rules] == [r.id for r in NHV.rules]
    with nhvflow.open(processes=[copy]) as reg:
        sos = Actor.socialstyrelsen()
        case = reg.submit(Actor.npo("Nervsystemets sjukdomar"), **proposal())
        case = advance(reg, case.id, "prepared")
        later = case.updated_at + timedelta(days=1)
        assert reg.fire(case.id, "decide", sos, units=9, at=later).data["units"] == 9


def test_replace_rule_refuses_a_rule_the_process_lacks():
    """An id the process does not use is an error that lists its rules."""
    stranger = attrs.evolve(max_five_units, id="nhv.no-such-rule")
    with pytest.raises(ValueError, match=r"nhv\.max-five-units"):
        replace_rule(NHV, stranger)


class Counting(ProcessStateMachine):
    """A subclass with its own per-step check, through the documented hook."""

    seen: ClassVar[list[StepOutcome]] = []

    def check_step(self, outcome: StepOutcome) -> None:
        type(self).seen.append(outcome)
        if outcome.before is not None and outcome.before.state == "withdrawn":
            assert not outcome.accepted


def test_check_step_sees_every_step_with_its_outcome():
    """check_step is called for each step, refused ones included."""
    Counting.seen = []
    run_state_machine_as_test(Counting, settings=settings(TEETH, max_examples=5))
    seen = Counting.seen
    assert {o.action for o in seen} >= {"submit", "fire"}
    assert any(o.accepted for o in seen) and any(not o.accepted for o in seen)
    assert all((o.error is None) == o.accepted for o in seen)


def test_the_machines_registry_drops_step_lines_unless_asked(verbose_logs):
    """A run takes thousands of steps: by default its registry drops the
    engine's per-step lines; ``log_steps = True`` logs them as a service would."""

    class Loud(ProcessStateMachine):
        log_steps = True

    kw = proposal(pilot=True)
    for cls, expected in ((ProcessStateMachine, []), (Loud, ["step_accepted"])):
        verbose_logs.clear()
        machine = cls()
        try:
            machine.reg.submit(Actor.npo(kw["programme_area"]), **kw)
        finally:
            machine.teardown()
        events = [getattr(r, "event", "") for r in verbose_logs.records]
        assert [e for e in events if e.startswith("step_")] == expected
