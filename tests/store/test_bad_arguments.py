"""Bad arguments to the registry on each backend (SQLite file, PostgreSQL):
each is a named error, nothing is read from other cases' streams, and
nothing is written, so the log still verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

import nhvflow
from nhvflow import Actor, InvalidPayload, Registry, UnknownCase
from nhvflow.fixtures import proposal

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
NPO = Actor.npo("Nervsystemets sjukdomar")
OFFICER = Actor.socialstyrelsen("handläggare")


@pytest.fixture(name="reg")
def _reg(log_target: str) -> Registry:
    """A registry on a fresh log of either backend, holding two cases."""
    with nhvflow.open(log_target) as reg:
        reg.submit(NPO, at=T0, **proposal())
        reg.submit(NPO, at=T0, **proposal(title="Avancerad epilepsikirurgi"))
        yield reg


def unchanged(reg: Registry, events: int = 2) -> None:
    assert reg.store.count_events() == events
    assert reg.verify(projections=True).ok


READERS = {
    "history": lambda reg, case_id: reg.history(case_id),
    "get": lambda reg, case_id: reg.get(case_id),
    "get as_of": lambda reg, case_id: reg.get(case_id, as_of=T0 + timedelta(days=3)),
    "check": lambda reg, case_id: reg.check(case_id, "appoint_expert_group", OFFICER),
    "explain": lambda reg, case_id: reg.explain(case_id, "appoint_expert_group", OFFICER),
    "allowed_triggers": lambda reg, case_id: reg.allowed_triggers(case_id, OFFICER),
    "fire": lambda reg, case_id: reg.fire(case_id, "withdraw", NPO, at=T0, reason="x"),
}


@pytest.mark.parametrize("entry", sorted(READERS))
@pytest.mark.parametrize("case_id", [None, "", "   ", 5, ["a"], "a\udc80", "x" * 201])
def test_no_missing_or_malformed_case_id_reads_other_cases(reg, entry, case_id):
    """``history(None)`` once returned the whole log and ``get(None,
    as_of=...)`` folded every stream into one case: every entry point now
    refuses a missing or malformed id, naming ``case_id``."""
    with pytest.raises(InvalidPayload) as exc:
        READERS[entry](reg, case_id)
    assert exc.value.field == "case_id"
    unchanged(reg)


def test_an_unknown_case_id_is_still_unknown_case(reg):
    """A well-formed id that is not in the log is UnknownCase, as before,
    and so is one with a NUL character, which no backend records."""
    with pytest.raises(UnknownCase):
        reg.history("no-such-case")
    with pytest.raises(UnknownCase):
        reg.get("a\x00b")
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, at=T0, case_id="a\x00b", **proposal())
    assert exc.value.field == "case_id"
    reg.complete_mapping(OFFICER, at=T0)
    for as_of in (None, T0 + timedelta(days=1)):  # the registry's facts are no case
        with pytest.raises(UnknownCase):
            reg.get("registry", as_of=as_of)
    with pytest.raises(UnknownCase):
        reg.get("no-such-case", as_of=T0 + timedelta(days=3))


@pytest.mark.parametrize("key", [5, "", " ", "k\udc80", "k\x00", "k" * 201, b"key", ["k"]])
def test_idempotency_keys_are_checked_on_every_step(reg, key):
    """A malformed idempotency key is refused by submit, fire and
    complete_mapping alike (``complete_mapping(idempotency_key=5)`` once
    wrote an event whose key the file stored as text, breaking the chain)."""
    case_id = reg.cases()[0].id
    steps = [
        lambda: reg.submit(NPO, at=T0, idempotency_key=key, **proposal()),
        lambda: reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", idempotency_key=key),
        lambda: reg.complete_mapping(OFFICER, at=T0, idempotency_key=key),
    ]
    for step in steps:
        with pytest.raises(InvalidPayload) as exc:
            step()
        assert exc.value.field == "idempotency_key"
    unchanged(reg)


@pytest.mark.parametrize("version", [True, False, "1", 1.0, [1]])
def test_expected_version_must_be_a_whole_number(reg, version):
    """``expected_version`` that is not an int (a bool included) is refused."""
    case_id = reg.cases()[0].id
    with pytest.raises(InvalidPayload) as exc:
        reg.fire(case_id, "withdraw", NPO, at=T0, reason="x", expected_version=version)
    assert exc.value.field == "expected_version"
    unchanged(reg)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"case_id": "a\udc80"}, "case_id"),
        ({"title": "Avancerad\udc80"}, "title"),
        ({"care_measures": ["ok", "bad\ud800"]}, "care_measures"),
        ({"\udc80": 1}, None),
    ],
)
def test_lone_surrogates_are_invalid_payload_not_unicode_errors(reg, kwargs, field):
    """Text that cannot be encoded (a lone surrogate) is refused naming
    where it is, never UnicodeEncodeError, and nothing is written."""
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, at=T0, **{**proposal(), **kwargs})
    if field is not None:
        assert exc.value.field == field
    unchanged(reg)


def test_an_actor_with_a_lone_surrogate_is_refused(reg):
    """An actor whose name cannot be encoded is refused naming ``actor``."""
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(Actor.npo("Nervsystemets sjukdomar", name="NPO\udc80"), at=T0, **proposal())
    assert exc.value.field == "actor"
    unchanged(reg)


@pytest.mark.parametrize(("field", "value"), [("state", ["proposed"]), ("process", 5)])
def test_cases_filters_must_be_text(reg, field, value):
    """``cases(state=[...])`` is InvalidPayload at the call, not a driver error."""
    with pytest.raises(InvalidPayload) as exc:
        reg.cases(**{field: value})
    assert exc.value.field == field
    assert [c.state for c in reg.cases(state="proposed")] == ["proposed", "proposed"]


def test_a_closed_registry_says_so(log_target):
    """Using a registry after ``close()`` is StoreError saying it was closed,
    on either backend (not a driver error or a bare ValueError)."""
    from nhvflow import StoreError

    reg = nhvflow.open(log_target)
    case_id = reg.submit(NPO, at=T0, **proposal()).id
    reg.close()
    for call in (lambda: reg.get(case_id), lambda: reg.submit(NPO, at=T0, **proposal())):
        with pytest.raises(StoreError, match="closed"):
            call()


class _Hostile:
    """A caller's object whose repr, str, equality and hash all fail."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("no eq")

    def __hash__(self) -> int:
        raise RuntimeError("no hash")


def _nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


BAD_VALUES = [
    None, "", " ", 0, -1, True, 1.5, float("nan"), [], {}, ["x"], {"a": 1}, object(),
    _Hostile(), "\udc80", "\x00", "x" * 100_000, _nested(50_000), b"x",
    datetime(2020, 1, 1),
    datetime.min.replace(tzinfo=timezone(timedelta(hours=23, minutes=59))),
    datetime(9999, 12, 31, tzinfo=UTC),
]  # fmt: skip
"""Values no argument of the public API should take, or at least survive."""

ENTRY_POINTS = {
    "submit": (
        lambda reg, ids, **k: reg.submit(**{"actor": NPO, "at": T0, **proposal(), **k}),
        ["actor", "process", "case_id", "idempotency_key", "at", "title", "care_measures"],
    ),
    "fire": (
        lambda reg, ids, **k: reg.fire(
            **{"case_id": ids[0], "trigger": "withdraw", "actor": NPO, "at": T0, "reason": "r", **k}
        ),
        ["case_id", "trigger", "actor", "expected_version", "idempotency_key", "at", "reason"],
    ),
    "check": (
        lambda reg, ids, **k: reg.check(
            **{"case_id": ids[0], "trigger": "withdraw", "actor": NPO, "reason": "r", **k}
        ),
        ["case_id", "trigger", "actor", "at", "reason"],
    ),
    "allowed_triggers": (
        lambda reg, ids, **k: reg.allowed_triggers(**{"case_id": ids[0], "actor": NPO, **k}),
        ["case_id", "actor", "at"],
    ),
    "complete_mapping": (
        lambda reg, ids, **k: reg.complete_mapping(**{"actor": OFFICER, "at": T0, **k}),
        ["actor", "at", "note", "idempotency_key"],
    ),
    "get": (lambda reg, ids, **k: reg.get(**{"case_id": ids[0], **k}), ["case_id", "as_of"]),
    "history": (lambda reg, ids, **k: reg.history(**{"case_id": ids[0], **k}), ["case_id"]),
    "cases": (lambda reg, ids, **k: list(reg.cases(**k)), ["state", "process"]),
    "process": (lambda reg, ids, **k: reg.process(**k), ["name"]),
    "verify": (lambda reg, ids, **k: reg.verify(**k), ["strict", "projections"]),
}


@pytest.mark.parametrize("entry", sorted(ENTRY_POINTS))
def test_no_bad_value_escapes_an_entry_point_unnamed(reg, entry):
    """Each argument of each entry point, given each of a list of hostile
    values, is accepted or refused with an NhvflowError whose message stays
    short; a refusal writes nothing, and the log verifies after them all."""
    call, params = ENTRY_POINTS[entry]
    ids = [c.id for c in reg.cases()]
    refusals = []
    for param in params:
        for bad in BAD_VALUES:
            before = reg.store.count_events()
            try:
                call(reg, ids, **{param: bad})
            except nhvflow.NhvflowError as exc:
                wrote = reg.store.count_events() != before
                refusals.append((param, type(bad).__name__, len(str(exc)), wrote))
    assert refusals
    assert [r for r in refusals if r[2] >= 2_000 or r[3]] == []
    assert reg.verify(projections=True).ok
