"""Typed steps (nhvflow.steps): a step object goes the keyword form's way
and records the same event; mistakes are refused with the same errors."""

from __future__ import annotations

import re
from datetime import timedelta
from types import ModuleType

import pytest

import nhvflow
from nhvflow import Actor, InvalidPayload, InvalidTrigger, TransitionDenied
from nhvflow.fixtures import advance, proposal
from nhvflow.states import builtin_processes
from nhvflow.steps import Decide, Submit, Trigger, Withdraw, ern, kc, norway
from nhvflow.steps import __name__ as nhv_steps_name

STEP_MODULES: dict[str, str] = {
    "nhv": nhv_steps_name,
    "kc-proposal": kc.__name__,
    "no-competence-service": norway.__name__,
    "ern-membership": ern.__name__,
}


def _module(name: str) -> ModuleType:
    import importlib

    return importlib.import_module(name)


def _camel(trigger: str) -> str:
    return "".join(part.capitalize() for part in trigger.split("_"))


@pytest.mark.parametrize("process", sorted(STEP_MODULES))
def test_every_step_of_every_regime_has_its_class(process):
    """Each built-in transition has a step named by its trigger in CamelCase,
    and that step is the event class the transition records."""
    module = _module(STEP_MODULES[process])
    for transition in builtin_processes()[process].transitions.values():
        assert getattr(module, _camel(transition.trigger)) is transition.event, transition.trigger
    assert sorted(module.__all__) == module.__all__


def test_trigger_literal_names_the_triggers_of_nhv():
    """nhvflow.steps.Trigger lists exactly the triggers of the law in force."""
    assert set(Trigger.__args__) == set(builtin_processes()["nhv"].transitions)


def test_a_step_object_records_what_the_keyword_form_records(sos, npo, clock):
    """Two cases, one decided with Decide(units=2) and one with units=2 as a
    keyword, record the same payload and the same request hash."""
    with nhvflow.open(":memory:") as reg:
        typed = reg.submit(npo, Submit(**proposal()), at=clock())
        worded = reg.submit(npo, at=clock(), **proposal())
        assert reg.history(typed.id)[0].payload == reg.history(worded.id)[0].payload
        one = advance(reg, typed.id, "prepared", start=clock())
        two = advance(reg, worded.id, "prepared", start=clock())
        at = max(one.updated_at, two.updated_at) + timedelta(days=1)
        a = reg.fire(typed.id, Decide(units=2), sos, at=at, idempotency_key="typed")
        b = reg.fire(worded.id, "decide", sos, units=2, at=at, idempotency_key="worded")
        assert a.state == b.state == "decided"
        assert a.data["decision"] == b.data["decision"]
        assert reg.history(typed.id)[-1].payload == reg.history(worded.id)[-1].payload
        again = reg.fire(typed.id, "decide", sos, units=2, at=at, idempotency_key="typed")
        assert again.version == a.version  # the same request: replayed, nothing written


def test_a_step_object_is_validated_like_keywords(reg, npo, clock):
    """A value that type-checks but breaks a bound is refused by the same
    parser, naming the field."""
    with pytest.raises(InvalidPayload) as typed:
        reg.submit(npo, Submit(title="", programme_area="Nervsystemets sjukdomar"), at=clock())
    with pytest.raises(InvalidPayload) as worded:
        reg.submit(npo, title="", programme_area="Nervsystemets sjukdomar", at=clock())
    assert typed.value.field == worded.value.field == "title"
    assert str(typed.value) == str(worded.value)


def test_the_rules_judge_a_step_object(reg, npo, sos, clock):
    """Decide(units=6) is refused by nhv.max-five-units, in check and in fire."""
    case = reg.submit(npo, at=clock(), **proposal())
    at = advance(reg, case.id, "prepared", start=clock()).updated_at + timedelta(days=1)
    assert {v.rule for v in reg.check(case.id, Decide(units=6), sos, at=at)} == {
        "nhv.max-five-units"
    }
    with pytest.raises(TransitionDenied) as refused:
        reg.fire(case.id, Decide(units=6), sos, at=at)
    assert refused.value.trigger == "decide"
    assert reg.get(case.id).state == "prepared"


def test_a_step_not_available_in_the_state_is_refused_as_the_keyword_form_is(reg, npo, sos, clock):
    """Decide on a case just proposed raises InvalidTrigger naming 'decide'."""
    case = reg.submit(npo, at=clock(), **proposal())
    with pytest.raises(InvalidTrigger) as refused:
        reg.fire(case.id, Decide(units=2), sos, at=clock())
    assert refused.value.trigger == "decide"
    assert refused.value.known


def test_a_step_of_another_regime_is_refused(reg, npo, sos, clock):
    """A kc-proposal step fired at an nhv case is not a step of its process."""
    case = reg.submit(npo, at=clock(), **proposal())
    with pytest.raises(InvalidTrigger, match=re.escape("'CentresEvaluated' is not a step")):
        reg.fire(case.id, kc.Evaluate(findings="bra"), sos, at=clock())


def test_a_creating_step_cannot_be_fired(reg, npo, clock):
    """Submit is not a step of an existing case."""
    case = reg.submit(npo, at=clock(), **proposal())
    with pytest.raises(InvalidTrigger):
        reg.fire(case.id, Submit(**proposal()), npo, at=clock())


def test_keywords_beside_a_step_object_are_refused(reg, npo, clock):
    """Fields go in the object or as keywords, not both."""
    case = reg.submit(npo, at=clock(), **proposal())
    with pytest.raises(InvalidPayload, match="not as keywords") as refused:
        reg.fire(case.id, Withdraw(reason="inte aktuellt"), npo, reason="x", at=clock())
    assert refused.value.field == "reason"
    with pytest.raises(InvalidPayload, match="not as keywords"):
        reg.submit(npo, Submit(**proposal()), pilot=True, at=clock())


def test_the_creating_step_chooses_the_process(reg, clock):
    """kc.Submit opens a kc-proposal case on a registry whose default is nhv;
    asking for another process with it is refused."""
    npo = Actor.npo("Sällsynta sjukdomar")
    need = kc.Submit(title="Ovanliga diagnoser", programme_area="Sällsynta sjukdomar")
    assert reg.submit(npo, need, at=clock()).process == "kc-proposal"
    with pytest.raises(InvalidPayload) as refused:
        reg.submit(npo, need, process="nhv", at=clock())
    assert refused.value.field == "process"
    with pytest.raises(InvalidPayload) as not_creating:
        reg.submit(npo, Withdraw(reason="x"), at=clock())
    assert not_creating.value.field == "submission"
