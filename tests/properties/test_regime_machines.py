"""The machine under the other built-in regimes (ProcessStateMachine.regime):
random runs take kc, Norwegian and ERN cases to their late states with every
lawful draw accepted, and with one of a regime's key rules made lenient the
machine finds a counterexample."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any, ClassVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

import machine_settings
import nhvflow
from nhvflow import Case
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.rules import Refusal, Rule, Step
from nhvflow.rules import ern as ern_rules
from nhvflow.rules import kc as kc_rules
from nhvflow.rules import norway as no_rules
from nhvflow.states import ERN, KC, NORWAY, Process, builtin_processes
from nhvflow.testing import InvariantViolated, ProcessStateMachine, StepOutcome, replace_rule, steps

REGIMES = ("kc-proposal", "no-competence-service", "ern-membership")

GREEN = settings(
    max_examples=12,
    stateful_step_count=40,
    deadline=None,
    derandomize=True,  # the same runs every time: the reach assertions cannot flake
    database=None,
    suppress_health_check=list(HealthCheck),
)
"""For the green runs: a few runs of forty steps each."""

TEETH = settings(machine_settings.TEETH, stateful_step_count=40)
"""For the teeth tests: stop at the first failure found."""

LATE = {
    "kc-proposal": {"prepared", "established"},
    "no-competence-service": {"active", "wound_down"},
    "ern-membership": {"member"},
}
"""The states a regime's cases must reach in the green runs."""


class Watching(ProcessStateMachine):
    """Records, across runs, the states cases reached, the triggers accepted
    and how each intent fared."""

    reached: ClassVar[Counter[str]] = Counter()
    accepted: ClassVar[Counter[str]] = Counter()
    fared: ClassVar[Counter[tuple[str, bool]]] = Counter()
    lawful_refusals: ClassVar[list[str]] = []

    def check_step(self, outcome: StepOutcome) -> None:
        type(self).fared[(outcome.intent, outcome.accepted)] += 1
        if outcome.accepted:
            type(self).accepted[outcome.trigger] += 1
        if outcome.intent == "lawful" and not outcome.accepted:
            type(self).lawful_refusals.append(f"{outcome.trigger}: {outcome.error}")
        if outcome.after is not None:
            type(self).reached[outcome.after.state] += 1


def watching(regime: str) -> type[Watching]:
    class Watched(Watching):
        reached: ClassVar[Counter[str]] = Counter()
        accepted: ClassVar[Counter[str]] = Counter()
        fared: ClassVar[Counter[tuple[str, bool]]] = Counter()
        lawful_refusals: ClassVar[list[str]] = []

    Watched.regime = regime
    return Watched


@pytest.mark.parametrize("regime", REGIMES)
def test_the_unbroken_machine_takes_cases_of_the_regime_to_their_late_states(regime):
    """Under the regime's law the machine finds nothing, every lawful draw is
    accepted, borderline and wrong ones are refused, every trigger of the
    regime is taken, and cases reach the regime's late states."""
    machine = watching(regime)
    run_state_machine_as_test(machine, settings=GREEN)
    assert machine.lawful_refusals == []
    assert machine.fared[("lawful", True)] > 100
    assert machine.fared[("wrong", True)] == 0
    assert machine.fared[("wrong", False)] > 0 and machine.fared[("borderline", False)] > 0
    assert LATE[regime] <= set(machine.reached), dict(machine.reached)
    assert set(machine.accepted) == set(builtin_processes()[regime].transitions)


def allow_everything(step: Step) -> Iterator[Refusal]:
    """A check that refuses nothing."""
    return iter(())


def lenient(rule: Rule) -> Rule:
    return attrs.evolve(rule, check=allow_everything)


def machine_with(process: Process, broken: Rule) -> type[ProcessStateMachine]:
    class Broken(ProcessStateMachine):
        regime = process.name
        processes = (replace_rule(process, broken),)

    return Broken


@pytest.mark.parametrize(
    ("process", "broken", "invariant"),
    [
        (KC, lenient(kc_rules.state_grant_one_year), "state-grant-one-year"),
        (KC, lenient(kc_rules.number_and_tasks), "centres-within-basis"),
        (NORWAY, lenient(no_rules.approval_criteria), "approval-criteria-met"),
        (NORWAY, lenient(no_rules.support_of_the_others), "support-before-application"),
        (ERN, lenient(ern_rules.criteria), "member-meets-criteria"),
        (ERN, lenient(ern_rules.no_patient_data), "no-patient-data"),
        (ERN, lenient(ern_rules.RESPONSIBLE_PARTY), "wrong-step-refused"),
    ],
    ids=[
        "kc-grant-without-riksdag",
        "kc-centres-beyond-basis",
        "no-approval-without-criteria",
        "no-application-without-support",
        "ern-member-without-criteria",
        "ern-patient-data",
        "ern-anyone-may-take-any-step",
    ],
)
def test_the_machine_finds_a_broken_rule_of_the_regime(process, broken, invariant):
    """With one of the regime's rules allowing everything, the machine
    reaches a state that breaks the regime's law. (The control is the green
    run above.)"""
    with pytest.raises(InvariantViolated) as found:
        run_state_machine_as_test(machine_with(process, broken), settings=TEETH)
    assert found.value.invariant == invariant


# -- each regime invariant can fail ------------------------------------------------------


def case(process: str, **data: Any) -> Case:
    return Case("c1", process, "x", 1, data)


ALL_MET = {"met": list(ERN_CRITERIA)}
BROKEN_CASES = {
    "centres-within-basis": case(
        "kc-proposal",
        basis={"centres": 1},
        applicants=[{"region": "SKANE"}, {"region": "UPPSALA"}],
        centres=[{"region": "SKANE"}, {"region": "UPPSALA"}],
        financing={"form": "agency"},
    ),
    "financing-form": case(
        "kc-proposal",
        basis={"centres": 1},
        applicants=[{"region": "SKANE"}],
        centres=[{"region": "SKANE"}],
        financing={"form": "ingen"},  # names no financing; any named form is lawful
    ),
    "state-grant-one-year": case(
        "kc-proposal",
        basis={"centres": 1},
        applicants=[{"region": "SKANE"}],
        centres=[{"region": "SKANE"}],
        financing={"form": "state_grant", "grant_years": 3, "riksdag_authorisation": None},
    ),
    "support-before-application": case(
        "no-competence-service",
        initiator="Helse Vest",
        supporters=[{"enterprise": "Helse Nord"}],
        application={"text": ""},
    ),
    "approval-criteria-met": case(
        "no-competence-service",
        initiator="Helse Vest",
        review={"quality_of_course": True, "national_competence": False},
        approved_at="2020-01-01T09:00:00+00:00",
    ),
    "wind-down-when-goals-met": case(
        "no-competence-service",
        permanent=False,
        annual_reports=[{"year": 2020, "goals_met": True}, {"year": 2021, "goals_met": False}],
        wind_down={"reason": ""},
    ),
    "member-meets-criteria": case(
        "ern-membership",
        assessment={"met": list(ERN_CRITERIA[:-1])},
        membership={"admitted_at": "2019-02-01T09:00:00+00:00"},
    ),
    "member-has-favourable-opinion": case(
        "ern-membership",
        assessment=ALL_MET,
        opinion={"favourable": False},
        membership={"admitted_at": "2019-09-01T09:00:00+00:00"},
    ),
    "no-patient-data": case("ern-membership", consultations=[{"reference": "19121212-1212"}]),
}


@pytest.mark.parametrize("invariant", sorted(BROKEN_CASES))
def test_each_regime_invariant_fails_on_a_case_that_breaks_it(invariant):
    """A case whose data break one law of its regime fails that invariant, by name."""
    from nhvflow.testing._laws import check_regime_law

    with pytest.raises(InvariantViolated) as found:
        check_regime_law(BROKEN_CASES[invariant])
    assert found.value.invariant == invariant


def test_the_regime_laws_pass_a_lawful_case_and_cases_of_other_processes():
    """The laws do not fire on a case that keeps them, nor on an nhv case."""
    from nhvflow.testing._laws import check_regime_law

    member = case(
        "ern-membership",
        assessment=ALL_MET,
        opinion={"favourable": False},
        membership={"admitted_at": "2019-02-01T09:00:00+00:00"},  # before the amendment
        consultations=[{"reference": "CPMS-AB12"}],
    )
    check_regime_law(member)
    check_regime_law(case("nhv", centres=[{"region": "SKANE"}], financing={"form": "donation"}))
    assert member.data["membership"]


@pytest.mark.parametrize("regime", REGIMES)
@given(data=st.data())
@settings(max_examples=10, deadline=None)
def test_a_fresh_case_of_every_regime_gets_lawful_steps(regime, data):
    """steps(case, valid=True) on a just-submitted case of the regime draws a
    step its rules allow."""
    from nhvflow.testing._submissions import submissions

    actor, kw = data.draw(submissions(regime))
    with nhvflow.open() as reg:
        created = reg.submit(actor, process=regime, **kw)
        at = created.updated_at
        draw = data.draw(steps(created, valid=True, at=at))
        assert draw.intent == "lawful"
        assert reg.check(created.id, draw.trigger, draw.actor, at=at, **draw.payload) == []
