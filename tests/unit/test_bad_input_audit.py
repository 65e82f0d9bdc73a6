"""An audit of the contract "every public entry point answers bad input
with a named error and writes nothing", beyond ``test_bad_inputs.py`` and
``tests/store/test_bad_arguments.py``.

It checks, on a log in memory and on a log file, in every built-in regime:
that a trigger the state does not offer is ``InvalidTrigger`` whatever its
payload; that junk in any one field of a lawful step or submission is a
named error that writes nothing; that what is not an ``Actor``, and actors
of every role, are answered by name; the arguments of ``designate_pilot``,
``events``, ``due`` and ``decision``; the typed step form; reused
idempotency keys; refusals inside ``batch()``; and the business time
``at=``. After every refusal the log holds no new event, the cases read as
before and the log verifies.

Where the audit found an entry point answering with a bare Python
exception (or accepting the input) instead of a named ``NhvflowError``, the
test pins the fix (see CHANGELOG, Unreleased, Fixed).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    Expert,
    IdempotencyConflict,
    InvalidPayload,
    InvalidTrigger,
    NhvflowError,
    PermitGrant,
    Region,
    Registry,
    Role,
)
from nhvflow.events import Fact
from nhvflow.events.ern import ERN_CRITERIA
from nhvflow.fixtures import advance, expert_group, proposal
from nhvflow.states import Process
from nhvflow.steps import Decide, Submit, Withdraw

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
NPO = Actor.npo("Nervsystemets sjukdomar")
SOS = Actor.socialstyrelsen("handläggare")
PROCESSES = ("nhv", "kc-proposal", "ern-membership", "no-competence-service")
STEP_KEYWORDS = frozenset({"at", "expected_version", "idempotency_key"})
"""Keywords of ``fire`` and ``check`` that are not payload fields."""

FEW = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class Unprintable:
    """A caller's object whose repr and str both fail."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


JUNK: list[Any] = [
    None, 5, -1, 10**30, True, 1.5, float("nan"), float("inf"), "", " ", "x" * 30_000,
    "\ud800", "a\x00b", b"x", [], {}, ["x"], [{}], [5], [None], [["x"]], {"a": 1},
    object(), Unprintable(), datetime(2020, 1, 1), date(1, 1, 1), date(9999, 12, 31),
    Region.SKANE, Role.NPO, [{"name": "a"}], [{"region": 5}], [{5: 1}],
    [Expert("a", "b", Region.SKANE, "female")], [PermitGrant(Region.SKANE)],
]  # fmt: skip
"""Values that no field of a step should take, or at least survive."""

junk_values = st.one_of(
    st.sampled_from(JUNK),
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.binary(max_size=10),
    st.dates(),
    st.datetimes(),
    st.lists(st.one_of(st.none(), st.integers(), st.text(max_size=5)), max_size=4),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.lists(st.dictionaries(st.text(max_size=8), st.text(max_size=5), max_size=3), max_size=3),
)
"""Junk for one field, mostly of the wrong type."""


# -- helpers -------------------------------------------------------------------------


@pytest.fixture(name="target", params=["memory", "file"])
def _target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A log in memory or in a file (the two SQLite targets)."""
    return ":memory:" if request.param == "memory" else str(tmp_path / "log.sqlite")


@pytest.fixture(name="any_reg")
def _any_reg(target: str) -> Iterator[Registry]:
    with nhvflow.open(target, durability="normal") as reg:
        yield reg


Snapshot = tuple[int, list[nhvflow.Case]]


def snapshot(reg: Registry) -> Snapshot:
    """The number of events and every case as it reads now."""
    return reg.store.count_events(), reg.cases()


def assert_unchanged(reg: Registry, before: Snapshot) -> None:
    """Nothing was written since ``before``, and the log verifies."""
    assert snapshot(reg) == before
    assert reg.verify(projections=True).ok


Step = tuple[str, Actor | None, dict[str, Any]]
"""A lawful step: trigger, actor (``None``: the case's expert group), payload."""

_KVINNO = "Kvinnosjukdomar och förlossning"
_NHV_TITLE = "Avancerad behandling av Parkinsons sjukdom"

RECIPES: dict[str, tuple[list[Step], list[tuple[int, Step]]]] = {
    "nhv": (
        [
            ("submit", NPO, proposal(title=_NHV_TITLE)),
            ("appoint_expert_group", SOS, {"experts": expert_group()}),
            (
                "deliver_basis",
                None,
                {"recommends_nhv": True, "units": 2, "care_measures": [_NHV_TITLE]},
            ),
            ("open_consultation", SOS, {}),
            ("close_consultation", SOS, {}),
            ("decide", SOS, {"units": 2}),
            (
                "apply_for_permit",
                Actor.region(Region.SKANE),
                {"unit": "Skånes universitetssjukhus"},
            ),
            ("prepare_board", SOS, {}),
            ("grant_permits", Actor.board(), {"permits": [PermitGrant(Region.SKANE)]}),
        ],
        [
            (1, ("withdraw", NPO, {"reason": "Dras tillbaka."})),
            (
                1,
                ("close_not_eligible", SOS, {"rule": "nhv.max-five-units", "reason": "Ej NHV."}),
            ),
            (5, ("reject", SOS, {"reason": "Enligt underlaget."})),
        ],
    ),
    "kc-proposal": (
        [
            ("submit", Actor.npo(_KVINNO), proposal(_KVINNO, title="Endometrios", advisory=True)),
            ("appoint_expert_group", SOS, {"experts": expert_group()}),
            ("deliver_basis", None, {"centres": 1, "tasks": ["Rådgivning om behandling"]}),
            ("assess_system_effects", SOS, {}),
            ("apply_to_establish", Actor.region(Region.STOCKHOLM), {"unit": "Karolinska"}),
            ("establish", SOS, {"regions": [Region.STOCKHOLM], "financing": "agency"}),
        ],
        [
            (1, ("close", SOS, {"reason": "Enligt underlaget."})),
            (1, ("withdraw", Actor.npo(_KVINNO), {"reason": "Dras tillbaka."})),
        ],
    ),
    "ern-membership": (
        [
            (
                "submit",
                Actor.provider("Karolinska universitetssjukhuset", "SE"),
                {"network": "ERN ReCONNET", "self_assessment": list(ERN_CRITERIA)},
            ),
            ("endorse", Actor.member_state("SE"), {}),
            ("check_eligibility", Actor.commission(), {}),
            ("give_opinion", Actor.coordinator("ERN ReCONNET"), {"favourable": True}),
            ("assess", Actor.assessment_body(), {"met": list(ERN_CRITERIA)}),
            ("admit", Actor.ern_board(), {}),
        ],
        [(5, ("decline", Actor.ern_board(), {"reason": "Enligt bedömningen."}))],
    ),
    "no-competence-service": (
        [
            (
                "submit",
                Actor.health_enterprise("Helse Sør-Øst"),
                {"title": "Tjeneste", "programme_area": _KVINNO},
            ),
            ("support", Actor.health_enterprise("Helse Vest"), {}),
            ("support", Actor.health_enterprise("Helse Midt-Norge"), {}),
            ("support", Actor.health_enterprise("Helse Nord"), {}),
            ("apply", Actor.health_enterprise("Helse Sør-Øst"), {}),
            (
                "review",
                Actor.directorate(),
                {
                    "quality_of_course": True,
                    "national_competence": True,
                    "cost_effectiveness": True,
                    "experts": ["Professor"],
                },
            ),
            (
                "approve",
                Actor.ministry(),
                {
                    "goals": ["Nettverk"],
                    "goals_met_when": "I drift",
                    "wind_down_estimate": "2026-06-30",
                },
            ),
            ("wind_down", Actor.ministry(), {"reason": "Overført"}),
        ],
        [(6, ("refuse", Actor.ministry(), {"reason": "Ikke nasjonal kompetanse."}))],
    ),
}
"""For each regime, a lawful line of steps and the steps that branch off it
(after so many steps of the line): together they reach every state."""

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)


def sequences(process: str) -> list[list[Step]]:
    """Lawful step sequences of ``process``: each prefix of its line, and each branch."""
    line, branches = RECIPES[process]
    return [line[:n] for n in range(1, len(line) + 1)] + [[*line[:n], step] for n, step in branches]


def when(index: int) -> datetime:
    """The business time of the step at ``index`` of a sequence: ten days apart."""
    return START + timedelta(days=10 * index)


def take(
    reg: Registry,
    process: str,
    case: nhvflow.Case | None,
    step: Step,
    at: datetime,
    payload: dict[str, Any] | None = None,
) -> nhvflow.Case:
    """Take ``step`` (with ``payload`` instead of its own, if given)."""
    trigger, actor, own = step
    payload = own if payload is None else payload
    if case is None:
        assert actor is not None
        return reg.submit(actor, process=process, at=at, **payload)
    return reg.fire(case.id, trigger, actor or Actor.expert_group(case.id), at=at, **payload)


def played(process: str, steps: list[Step]) -> tuple[Registry, nhvflow.Case]:
    """A registry in memory with one case of ``process`` after ``steps``."""
    reg = nhvflow.open(":memory:")
    case = None
    for index, step in enumerate(steps):
        case = take(reg, process, case, step, when(index))
    assert case is not None
    return reg, case


def every_state(process: str) -> Iterator[tuple[Registry, nhvflow.Case]]:
    """A registry and case in each state the lawful sequences reach."""
    seen = set()
    for steps in sequences(process):
        reg, case = played(process, steps)
        if case.state in seen:
            reg.close()
            continue
        seen.add(case.state)
        yield reg, case


def test_the_recipes_reach_every_state_of_each_regime():
    """The lawful sequences this audit plays reach every state of each
    regime, so the sweeps below cover them all."""
    for process in PROCESSES:
        states = {case.state for _, case in every_state(process)}
        with nhvflow.open() as reg:
            assert states == set(reg.process(process).states)


def fields_of(process: Process, trigger: str) -> list[str]:
    return [f.name for f in attrs.fields(process.transitions[trigger].event)]


def permitted_case(reg: Registry) -> str:
    case_id = reg.submit(NPO, at=T0, **proposal()).id
    advance(reg, case_id, "permitted", start=T0)
    return case_id


# -- triggers the state does not offer -----------------------------------------------


@pytest.mark.parametrize("process", PROCESSES)
def test_a_trigger_not_offered_in_the_state_is_an_invalid_trigger_whatever_its_payload(process):
    """In every state of every regime, each trigger the state does not offer
    is InvalidTrigger from fire, check and explain, with no payload, an
    unknown field, or junk in any field of that step, and nothing is written."""
    for reg, case in every_state(process):
        definition = reg.process(process)
        offered = set(definition.triggers_from(case.state))
        at = case.updated_at + timedelta(days=1)
        before = snapshot(reg)
        for trigger, transition in definition.transitions.items():
            if trigger in offered or transition.creates:
                continue
            payloads: list[dict[str, Any]] = [{}, {"bogus": 1}]
            for name in fields_of(definition, trigger):
                payloads += [{name: None}, {name: "\ud800"}, {name: [{}]}, {name: "x" * 30_000}]
            for payload in payloads:
                for call in (reg.fire, reg.check, reg.explain):
                    with pytest.raises(InvalidTrigger):
                        call(case.id, trigger, SOS, at=at, **payload)
        assert_unchanged(reg, before)


@FEW
@given(payload=st.dictionaries(st.text(max_size=12), junk_values, max_size=4))
def test_a_decide_on_a_proposed_case_is_an_invalid_trigger_whatever_its_payload(payload):
    """``decide`` on a case that is only proposed is InvalidTrigger whatever
    keywords come with it, by the responsible party or not."""
    payload = {k: v for k, v in payload.items() if k not in STEP_KEYWORDS}
    with nhvflow.open(":memory:") as reg:
        case_id = reg.submit(NPO, at=T0, **proposal()).id
        before = snapshot(reg)
        for actor in (SOS, NPO, Actor.board()):
            with pytest.raises(InvalidTrigger):
                reg.fire(case_id, "decide", actor, at=T0, **payload)
            with pytest.raises(InvalidTrigger):
                reg.check(case_id, "decide", actor, at=T0, **payload)
        assert_unchanged(reg, before)


# -- junk in one field of a lawful step ---------------------------------------------


LAWFUL = [(process, steps) for process in PROCESSES for steps in sequences(process)]
"""Every lawful sequence of every regime; its last step is a lawful step
from the state the steps before it reach."""


@FEW
@given(data=st.data())
def test_junk_in_one_field_of_a_lawful_step_is_a_named_error_that_writes_nothing(data):
    """Take a lawful step of some regime, put junk in one of its fields (or
    add one it does not take): the step is accepted or refused with a named
    error, and a refusal writes nothing."""
    process, steps = data.draw(st.sampled_from(LAWFUL), label="sequence")
    *before_it, step = steps
    reg = nhvflow.open(":memory:")
    case: nhvflow.Case | None = None
    for index, earlier in enumerate(before_it):
        case = take(reg, process, case, earlier, when(index))
    definition = reg.process(process)
    transition = definition.creation if case is None else definition.transitions[step[0]]
    names = [f.name for f in attrs.fields(transition.event)] + ["bogus"]
    name = data.draw(st.sampled_from(names), label="field")
    payload = {**step[2], name: data.draw(junk_values, label="junk")}
    before = snapshot(reg)
    try:
        take(reg, process, case, step, when(len(before_it)), payload)
    except NhvflowError:
        assert_unchanged(reg, before)
    else:
        assert reg.store.count_events() == before[0] + 1
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize("process", PROCESSES)
def test_junk_in_any_one_field_of_a_submission_is_a_named_error_that_writes_nothing(process):
    """Each field of each regime's creating step, given each junk value, is
    accepted or refused with a named error; a refusal writes nothing."""
    first = RECIPES[process][0][0]
    own = first[2]
    with nhvflow.open(":memory:") as reg:
        names = fields_of(reg.process(process), reg.process(process).creation.trigger)
        for name in [*names, "bogus"]:
            for junk in JUNK:
                before = snapshot(reg)
                try:
                    take(reg, process, None, first, START, {**own, name: junk})
                except NhvflowError:
                    assert_unchanged(reg, before)
        for name in own:  # each field left out
            before = snapshot(reg)
            try:
                take(reg, process, None, first, START, {k: v for k, v in own.items() if k != name})
            except NhvflowError:
                assert_unchanged(reg, before)
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize(
    "experts",
    [
        [5],
        [None],
        ["Anna Berg"],
        [{}],
        [{"name": "a", "profession": "b", "region": "SKANE"}],
        [{"name": "a", "profession": "b", "region": "SKANE", "gender": "female", "age": 40}],
        [{"name": "a", "profession": "b", "region": "Atlantis", "gender": "female"}],
        [{"name": "a", "profession": "b", "region": Role.NPO, "gender": "female"}],
        [{"name": "a", "profession": "b", "region": "SKANE", "gender": "female", "clinical": 1}],
        [{1: "a"}],
        [[("name", "a")]],
        {"name": "a"},
        "Anna Berg",
    ],
)
def test_an_expert_list_of_the_wrong_shape_is_invalid_payload_naming_experts(any_reg, experts):
    """``appoint_expert_group`` with a list of non-experts, or of dicts with
    missing, unknown or wrong keys, is InvalidPayload naming ``experts``."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, "appoint_expert_group", SOS, at=T0, experts=experts)
    assert exc.value.field.split(".")[0] == "experts"
    assert_unchanged(any_reg, before)


# -- actors --------------------------------------------------------------------------


NOT_ACTORS = [None, "npo", Role.NPO, Region.SKANE, {"role": "npo", "name": "x"}, 5, Unprintable()]

ACTOR_CALLS: dict[str, Callable[[Registry, str, Any], object]] = {
    "submit": lambda reg, case_id, a: reg.submit(a, at=T0, **proposal()),
    "fire": lambda reg, case_id, a: reg.fire(case_id, "withdraw", a, at=T0, reason="x"),
    "check": lambda reg, case_id, a: reg.check(case_id, "withdraw", a, reason="x"),
    "explain": lambda reg, case_id, a: reg.explain(case_id, "withdraw", a, reason="x"),
    "allowed_triggers": lambda reg, case_id, a: reg.allowed_triggers(case_id, a),
    "complete_mapping": lambda reg, case_id, a: reg.complete_mapping(a, at=T0),
    "designate_pilot": lambda reg, case_id, a: reg.designate_pilot(
        a, programme_area="Tandvård", at=T0
    ),
}


@pytest.mark.parametrize("entry", sorted(ACTOR_CALLS))
@pytest.mark.parametrize("actor", NOT_ACTORS, ids=lambda a: type(a).__name__)
def test_an_actor_that_is_no_actor_is_invalid_payload_naming_actor(any_reg, entry, actor):
    """Whatever is given for the actor that is not an ``nhvflow.Actor`` (a
    role, a region, its name, a dict of its fields) is InvalidPayload naming
    ``actor``, and nothing is written."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(InvalidPayload) as exc:
        ACTOR_CALLS[entry](any_reg, case_id, actor)
    assert exc.value.field == "actor"
    assert_unchanged(any_reg, before)


def test_due_refuses_an_actor_that_is_no_actor():
    """``due(actor=...)`` wants an Actor too."""
    with nhvflow.open(":memory:") as reg:
        for actor in NOT_ACTORS[1:]:
            with pytest.raises(InvalidPayload) as exc:
                reg.due(as_of=T0, actor=actor)
            assert exc.value.field == "actor"


UNSCOPED = [
    Actor.of(Role.REGION, "Region utan huvudman"),
    Actor.of(Role.EXPERT_GROUP, "Grupp utan ärende"),
    Actor.of(Role.NPO, "NPO utan område"),
    Actor.of(Role.PROVIDER, "Vårdgivare utan land"),
    Actor.of(Role.MEMBER_STATE, "Stat utan land"),
    Actor.of(Role.COORDINATOR, "Koordinator utan nätverk"),
    Actor.of(Role.HEALTH_ENTERPRISE, "Helse Ingenstans"),
]
"""Actors of a role that has a scope, built without it."""

SCOPED = [
    NPO,
    Actor.npo("Tandvård"),
    SOS,
    Actor.board(),
    Actor.region(Region.SKANE),
    Actor.region(Region.HALLAND),
    Actor.expert_group("another-case"),
    Actor.health_enterprise("Helse Vest"),
    Actor.directorate(),
    Actor.ministry(),
    Actor.provider("Karolinska Universitetssjukhuset", "SE"),
    Actor.member_state("SE"),
    Actor.commission(),
    Actor.coordinator("ERN-RND"),
    Actor.assessment_body(),
    Actor.ern_board(),
]
"""An actor of every role, each with its scope."""


@pytest.mark.parametrize("process", PROCESSES)
def test_actors_of_every_role_and_none_of_their_scope_are_answered_by_name(process):
    """In every state, actors of every role, and actors of a scoped role
    built without their scope (a region with no principal, an expert group
    with no case), get a list from ``allowed_triggers`` and ``check``, or a
    named error; ``fire`` by the wrong party is a named refusal that writes
    nothing."""
    for reg, case in every_state(process):
        sample = [*SCOPED, Actor.expert_group(case.id), *UNSCOPED]
        offered = set(reg.process(process).triggers_from(case.state))
        at = case.updated_at + timedelta(days=1)
        before = snapshot(reg)
        for actor in sample:
            allowed = reg.allowed_triggers(case.id, actor, at=at)
            assert set(allowed) <= offered
            for trigger in offered - set(allowed):
                with contextlib.suppress(NhvflowError):
                    assert isinstance(reg.check(case.id, trigger, actor, at=at), list)
                with pytest.raises(NhvflowError):
                    reg.fire(case.id, trigger, actor, at=at)
        assert_unchanged(reg, before)


# -- registry-wide steps --------------------------------------------------------------


BAD_VALUES: list[Any] = [
    None, "", " ", 0, True, 1.5, float("nan"), [], {}, ["x"], object(), Unprintable(),
    "\udc80", "x" * 100_000, b"x", datetime(2020, 1, 1), Role.SOCIALSTYRELSEN,
]  # fmt: skip


@pytest.mark.parametrize("param", ["actor", "programme_area", "reason", "at", "idempotency_key"])
def test_designate_pilot_refuses_each_bad_argument_by_name_and_writes_nothing(any_reg, param):
    """``designate_pilot``, which the existing sweep of entry points leaves
    out, answers each bad value of each argument with a named error and
    writes nothing."""
    before = snapshot(any_reg)
    for bad in BAD_VALUES:
        if (param == "reason" and bad in ("", " ")) or (
            param in ("at", "idempotency_key") and bad is None
        ):
            continue  # an empty reason, no time (now) and no key are allowed
        kwargs: dict[str, Any] = {"programme_area": "Tandvård", "at": T0, param: bad}
        actor = kwargs.pop("actor", SOS)
        with pytest.raises(NhvflowError):
            any_reg.designate_pilot(actor, **kwargs)
        assert_unchanged(any_reg, before)


def test_a_case_step_dated_before_its_process_applies_is_invalid_payload_naming_at():
    """A submission dated before its process applies (year 1) is
    InvalidPayload naming ``at``, in every regime that is in force
    (``kc-proposal``, a proposal, applies from no date); nothing is written."""
    with nhvflow.open(":memory:") as reg:
        for process in PROCESSES:
            if reg.process(process).in_force_from is None:
                continue
            with pytest.raises(InvalidPayload) as exc:
                take(reg, process, None, RECIPES[process][0][0], datetime(1, 1, 1, tzinfo=UTC))
            assert exc.value.field == "at"
        assert reg.store.count_events() == 0


# -- idempotency keys ----------------------------------------------------------------


def test_a_reused_idempotency_key_for_another_request_is_a_conflict_that_writes_nothing(
    any_reg,
):
    """A key used once is IdempotencyConflict (a NhvflowError) when reused
    for a different submit, fire, complete_mapping or designate_pilot, and
    nothing is written; the same request again returns the first result."""
    first = any_reg.submit(NPO, at=T0, idempotency_key="k", **proposal())
    other = any_reg.submit(NPO, at=T0, **proposal(title="Annat")).id
    before = snapshot(any_reg)
    reuses = [
        lambda: any_reg.submit(NPO, at=T0, idempotency_key="k", **proposal(title="Annat")),
        lambda: any_reg.submit(NPO, at=T0, idempotency_key="k", case_id="c2", **proposal()),
        lambda: any_reg.fire(other, "withdraw", NPO, at=T0, reason="x", idempotency_key="k"),
        lambda: any_reg.fire(first.id, "withdraw", NPO, at=T0, reason="x", idempotency_key="k"),
        lambda: any_reg.complete_mapping(SOS, at=T0, idempotency_key="k"),
        lambda: any_reg.designate_pilot(SOS, programme_area="Tandvård", at=T0, idempotency_key="k"),
    ]
    for reuse in reuses:
        with pytest.raises(IdempotencyConflict):
            reuse()
        assert_unchanged(any_reg, before)
    assert any_reg.submit(NPO, at=T0, idempotency_key="k", **proposal()) == first
    assert_unchanged(any_reg, before)


def test_a_refused_step_leaves_its_idempotency_key_free(any_reg):
    """A step refused (by the responsible-party rule) records nothing, its
    key included: the key can then be used for the lawful step."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(nhvflow.NotAuthorised):
        any_reg.fire(case_id, "withdraw", SOS, at=T0, reason="x", idempotency_key="k")
    assert_unchanged(any_reg, before)
    assert any_reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", idempotency_key="k").state
    assert any_reg.store.count_events() == before[0] + 1


def test_a_reused_key_on_a_trigger_not_offered_is_invalid_trigger_or_a_conflict():
    """With a key already used, ``decide`` on a withdrawn case with a
    malformed (or missing) ``units`` should be refused as the trigger not
    offered, or as the key's conflict, not judged on its payload."""
    with nhvflow.open(":memory:") as reg:
        case_id = reg.submit(NPO, at=T0, **proposal()).id
        reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", idempotency_key="k")
        before = snapshot(reg)
        for payload in ({"units": "junk"}, {}):
            with pytest.raises((InvalidTrigger, IdempotencyConflict)):
                reg.fire(case_id, "decide", SOS, idempotency_key="k", **payload)
        assert_unchanged(reg, before)


# -- versions --------------------------------------------------------------------------


@pytest.mark.parametrize("version", [-1, 0, 2, 10**30])
def test_an_expected_version_that_is_not_the_cases_is_a_conflict_that_writes_nothing(
    any_reg, version
):
    """A negative, zero, future or huge expected version is
    ConcurrencyConflict, and nothing is written."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(ConcurrencyConflict):
        any_reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", expected_version=version)
    assert_unchanged(any_reg, before)


def test_an_expected_version_too_long_to_print_is_a_named_error():
    """``expected_version=10**5000`` passes the type check; the conflict's
    message then cannot print it."""
    with nhvflow.open(":memory:") as reg:
        case_id = reg.submit(NPO, at=T0, **proposal()).id
        before = snapshot(reg)
        with pytest.raises(NhvflowError):
            reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", expected_version=10**5000)
        assert_unchanged(reg, before)


# -- batch -----------------------------------------------------------------------------


def test_refusals_inside_a_batch_write_nothing_and_spare_the_steps_around_them(any_reg):
    """Inside ``batch()``, refused steps of every kind leave no trace and the
    accepted steps around them stand."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with any_reg.batch():
        kept = any_reg.submit(NPO, at=T0, **proposal(title="Kvar")).id
        refusals = [
            lambda: any_reg.fire(case_id, "decide", SOS, units=2),
            lambda: any_reg.fire(case_id, "withdraw", SOS, at=T0, reason="x"),
            lambda: any_reg.fire(case_id, "withdraw", NPO, at=T0, reason=5),
            lambda: any_reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", expected_version=7),
            lambda: any_reg.submit(NPO, at=T0, **{**proposal(), "title": None}),
            lambda: any_reg.submit(NPO, at=T0, case_id=kept, **proposal()),
        ]
        for refusal in refusals:
            with pytest.raises(NhvflowError):
                refusal()
        any_reg.fire(kept, "withdraw", NPO, at=T0, reason="x")
    assert any_reg.store.count_events() == before[0] + 2
    assert any_reg.get(case_id) == before[1][0]
    assert any_reg.get(kept).state == "withdrawn"
    assert any_reg.verify(projections=True).ok


# -- business time ---------------------------------------------------------------------


class _IntOffset(tzinfo):
    """A broken time zone: ``utcoffset`` returns an int."""

    def utcoffset(self, dt: datetime | None) -> Any:
        return 5

    def dst(self, dt: datetime | None) -> Any:
        return None


@pytest.mark.parametrize(
    "at",
    [
        datetime(2020, 1, 1),
        "2020-01-01",
        "2020-01-01T09:00",
        "yesterday",
        "  2020-01-01T09:00+00:00",
        date(2020, 1, 1),
        1_577_836_800,
        1.5e9,
        Unprintable(),
        T0 - timedelta(days=1),
    ],
    ids=lambda v: "unprintable" if isinstance(v, Unprintable) else repr(v),
)
def test_a_business_time_that_is_naive_not_iso_or_before_the_last_step_is_named(any_reg, at):
    """``at`` that is naive, not ISO, not a datetime, or dated before the
    case's last step is InvalidPayload naming ``at`` for fire, check and
    allowed_triggers; nothing is written."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, "withdraw", NPO, at=at, reason="x")
    assert exc.value.field == "at"
    if not isinstance(at, datetime) or at.tzinfo is None:  # allowed_triggers may look back
        with pytest.raises(InvalidPayload):
            any_reg.allowed_triggers(case_id, NPO, at=at)
    assert_unchanged(any_reg, before)


def test_a_business_time_with_a_broken_time_zone_is_invalid_payload_naming_at():
    """A datetime whose time zone is broken is no timezone-aware time."""
    with nhvflow.open(":memory:") as reg:
        case_id = reg.submit(NPO, at=T0, **proposal()).id
        before = snapshot(reg)
        with pytest.raises(InvalidPayload):
            reg.fire(
                case_id, "withdraw", NPO, at=datetime(2020, 1, 1, tzinfo=_IntOffset()), reason="x"
            )
        assert_unchanged(reg, before)


# -- wrong enums and str subclasses --------------------------------------------------


class Text(str):
    """A caller's str subclass."""


def test_members_of_the_wrong_enum_are_refused_by_name_and_str_subclasses_work(any_reg):
    """A Role or Region where an id, trigger, process or time is expected is
    a named error; a str subclass is taken as the text it is."""
    case_id = any_reg.submit(NPO, at=T0, **proposal()).id
    before = snapshot(any_reg)
    with pytest.raises(InvalidPayload) as exc:
        any_reg.get(Role.NPO)
    assert exc.value.field == "case_id"
    with pytest.raises(InvalidTrigger):
        any_reg.fire(case_id, Role.NPO, NPO, at=T0)
    with pytest.raises(InvalidPayload) as exc:
        any_reg.submit(NPO, process=Role.NPO, at=T0, **proposal())
    assert exc.value.field == "process"
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, "withdraw", NPO, at=Region.SKANE, reason="x")
    assert exc.value.field == "at"
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, "withdraw", NPO, at=T0, reason=Role.NPO)
    assert exc.value.field == "reason"
    assert_unchanged(any_reg, before)
    assert any_reg.get(Text(case_id)).id == case_id
    assert any_reg.fire(Text(case_id), Text("withdraw"), NPO, at=T0, reason=Text("x")).state


# -- events ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": -1}, "since"),
        ({"since": None}, "since"),
        ({"since": 1.0}, "since"),
        ({"since": True}, "since"),
        ({"since": "0"}, "since"),
        ({"limit": 0}, "limit"),
        ({"limit": 10_001}, "limit"),
        ({"limit": None}, "limit"),
        ({"limit": float("inf")}, "limit"),
    ],
)
def test_events_refuses_a_malformed_page_by_name(any_reg, kwargs, field):
    """``events`` with a position or page size that is no whole number in
    range is InvalidPayload naming it."""
    with pytest.raises(InvalidPayload) as exc:
        any_reg.events(**kwargs)
    assert exc.value.field == field
    assert any_reg.events(since=2**63 - 1) == []


@pytest.mark.parametrize("since", [2**63, 10**30])
def test_events_after_a_position_past_any_log_is_an_empty_page_or_named(any_reg, since):
    """A position past what SQLite can hold passes the check, then fails in
    the driver."""
    any_reg.submit(NPO, at=T0, **proposal())
    with contextlib.suppress(NhvflowError):
        assert any_reg.events(since=since) == []


@pytest.mark.parametrize(
    "kwargs", [{"since": -(10**5000)}, {"limit": 10**5000}], ids=["since", "limit"]
)
def test_events_with_a_number_too_long_to_print_is_invalid_payload(kwargs):
    """The refusal's message repeats the number with ``!r``, which Python
    refuses for an int of more than 4300 digits."""
    with nhvflow.open(":memory:") as reg, pytest.raises(InvalidPayload):
        reg.events(**kwargs)


# -- due -------------------------------------------------------------------------------


@pytest.mark.parametrize("as_of", ["garbage", "2020-13-01", 2020.0, ["2020-01-01"], True, b"2020"])
def test_due_refuses_what_is_no_day_by_name(as_of):
    """``due(as_of=...)`` with text that is no date, or a float, list, bool
    or bytes, is InvalidPayload naming ``as_of``."""
    with nhvflow.open(":memory:") as reg:
        with pytest.raises(InvalidPayload) as exc:
            reg.due(as_of=as_of)
        assert exc.value.field == "as_of"


@pytest.mark.parametrize("as_of", [20200101, "2020-01-01garbage", "2020-01-01 and then some"])
def test_due_refuses_an_as_of_that_only_begins_like_a_date(as_of):
    """``as_of`` is read as ``date.fromisoformat(str(value)[:10])``: an int
    whose digits spell a date, or text with a date in front of junk, is
    accepted instead of refused."""
    with nhvflow.open(":memory:") as reg, pytest.raises(InvalidPayload):
        reg.due(as_of=as_of)


def test_due_refuses_an_unprintable_as_of_by_name():
    """An object that is no date is refused before it is stringified."""
    with nhvflow.open(":memory:") as reg, pytest.raises(InvalidPayload):
        reg.due(as_of=Unprintable())


@pytest.mark.parametrize("as_of", [date(9999, 12, 31), "9999-06-01", date.max])
def test_due_in_the_calendars_last_year_is_a_list_or_named(as_of):
    """A permitted case owes a yearly follow-up on its permit's anniversary
    in the year after: for a day in 9999 that falls past the calendar."""
    with nhvflow.open(":memory:") as reg:
        permitted_case(reg)
        with contextlib.suppress(NhvflowError):
            assert isinstance(reg.due(as_of=as_of), list)


def test_due_in_the_calendars_last_year_with_a_norwegian_service_is_a_list_or_named():
    """The same overflow for the annual report of ``no-competence-service``."""
    line, _ = RECIPES["no-competence-service"]
    reg, case = played("no-competence-service", line[:7])
    assert case.state == "active"
    with contextlib.suppress(NhvflowError):
        assert isinstance(reg.due(as_of=date(9999, 12, 31)), list)


# -- decision --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"version": 0}, "version"),
        ({"version": -1}, "version"),
        ({"version": 10**6}, "version"),
        ({"version": 1}, "version"),  # the submission, not a decision
        ({"version": float("nan")}, "version"),
        ({"lang": "de"}, "lang"),
        ({"lang": None}, "lang"),
        ({"lang": ["sv"]}, "lang"),
        ({"lang": "x" * 100_000}, "lang"),
    ],
)
def test_decision_refuses_a_version_out_of_range_or_an_unknown_language_by_name(
    any_reg, kwargs, field
):
    """``decision`` at a version the case does not have, or that is no
    decision, or in a language it does not speak, is InvalidPayload naming
    the argument, in a short message."""
    case_id = permitted_case(any_reg)
    assert any_reg.decision(case_id, lang="en").trigger == "grant_permits"
    with pytest.raises(InvalidPayload) as exc:
        any_reg.decision(case_id, **kwargs)
    assert exc.value.field == field
    assert len(str(exc.value)) < 2_000


def test_decision_of_a_case_that_is_none_or_not_there_is_named(any_reg):
    """A missing or malformed case id, the registry's own stream or an
    unknown id is a named error."""
    for case_id, error in [
        (None, InvalidPayload),
        ("", InvalidPayload),
        (5, InvalidPayload),
        ("registry", nhvflow.UnknownCase),
        ("no-such-case", nhvflow.UnknownCase),
    ]:
        with pytest.raises(error):
            any_reg.decision(case_id)


@pytest.mark.parametrize(
    "version", ["2", 2.0, [2], 10**5000], ids=["str", "float", "list", "5000 digits"]
)
def test_decision_refuses_a_version_that_is_no_whole_number_by_name(version):
    """``version`` should be a whole number or None."""
    with nhvflow.open(":memory:") as reg:
        case_id = permitted_case(reg)
        with pytest.raises(InvalidPayload) as exc:
            reg.decision(case_id, version=version)
        assert exc.value.field == "version"


# -- the typed step form -------------------------------------------------------------


class StrayFact(Fact):
    """A payload class of the caller's, a step of no process."""


def test_typed_steps_that_fit_no_step_are_named(any_reg):
    """A step object of the wrong state, of another step, with keywords
    beside it, or of another regime is a named error, and nothing is written."""
    from nhvflow.steps import kc

    case_id = any_reg.submit(NPO, Submit(**proposal()), at=T0).id
    before = snapshot(any_reg)
    with pytest.raises(InvalidTrigger):
        any_reg.fire(case_id, Decide(units=2), SOS)
    with pytest.raises(InvalidTrigger):
        any_reg.check(case_id, Decide(units="junk"), SOS)
    with pytest.raises(InvalidTrigger):
        any_reg.fire(case_id, Submit(title="x", programme_area="y"), NPO)
    with pytest.raises(InvalidTrigger):
        any_reg.fire(case_id, kc.Close(reason="x"), SOS)
    with pytest.raises(InvalidTrigger):
        any_reg.fire(case_id, Withdraw, NPO, reason="x")
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, Withdraw(reason="x"), NPO, reason="y")
    assert exc.value.field == "reason"
    with pytest.raises(InvalidPayload) as exc:
        any_reg.fire(case_id, Withdraw(reason=5), NPO)
    assert exc.value.field == "reason"
    with pytest.raises(InvalidPayload) as exc:
        any_reg.submit(SOS, Decide(units=2))
    assert exc.value.field == "submission"
    assert_unchanged(any_reg, before)


@pytest.mark.parametrize(
    "submission",
    ["Avancerad behandling", {"title": "x"}, 5, Submit, Fact(), StrayFact()],
    ids=["str", "dict", "int", "a class", "Fact()", "a stray Fact"],
)
def test_submit_with_a_submission_that_is_no_creating_step_is_invalid_payload(submission):
    """The second positional argument of ``submit`` is the step object;
    anything else (a title given by position, a dict of fields, the class
    itself, a Fact of no process) should be InvalidPayload naming
    ``submission``."""
    with nhvflow.open(":memory:") as reg:
        with pytest.raises(InvalidPayload):
            reg.submit(NPO, submission)
        assert reg.store.count_events() == 0


@pytest.mark.parametrize("call", ["fire", "check", "explain"])
def test_a_step_object_of_no_process_is_an_invalid_trigger(call):
    """A Fact the caller made (``class Mine(Fact)``) is no step of the case."""
    with nhvflow.open(":memory:") as reg:
        case_id = reg.submit(NPO, at=T0, **proposal()).id
        with pytest.raises(InvalidTrigger):
            getattr(reg, call)(case_id, StrayFact(), SOS)
        assert reg.store.count_events() == 1


# -- nhvflow.open ----------------------------------------------------------------------


@pytest.mark.parametrize("process", ["ern", "norway", "NHV", " nhv", "nhv\x00", Role.NPO])
def test_open_names_the_known_processes_for_a_process_it_lacks(tmp_path, process):
    """Short or differently spelt regime names are InvalidPayload naming
    ``process``; no file is made."""
    with pytest.raises(InvalidPayload) as exc:
        nhvflow.open(tmp_path / "log.sqlite", process=process)
    assert exc.value.field == "process"
    assert "no-competence-service" in str(exc.value)
    assert list(tmp_path.iterdir()) == []


class _IntPath:
    """A path-like object whose ``__fspath__`` returns no text."""

    def __fspath__(self) -> Any:
        return 5


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [("log.sqlite", {"busy_timeout": 10**400}), (_IntPath(), {})],
    ids=["busy_timeout 10**400", "fspath returns int"],
)
def test_open_names_an_argument_python_cannot_convert(tmp_path, monkeypatch, path, kwargs):
    """Each bad argument of ``nhvflow.open`` is InvalidPayload naming it."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidPayload):
        nhvflow.open(path, **kwargs)
    assert os.listdir(tmp_path) == []
