"""A batch holds its steps back and writes them later: SQLite holds them in
memory and writes them together (``nhvflow.store._sqlite._buffer``); PostgreSQL
sends each step's writes with the end of its savepoint, in one round trip.
Either way, what it writes must be exactly what the same steps write one at
a time, reads inside the batch must see the steps held, and a nested batch
that fails must take back exactly its own steps, whether or not something
was written or read inside it."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import nhvflow
from nhvflow import Actor, NhvflowError
from nhvflow.fixtures import expert_group, proposal
from nhvflow.store._sqlite._buffer import WriteBuffer

T0 = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
NPO = Actor.npo("Nervsystemets sjukdomar")
SOS = Actor.socialstyrelsen()


def _path(case_id: str) -> list[tuple[str, Actor, dict[str, Any]]]:
    """The steps of one case after its submission, in order."""
    return [
        ("appoint_expert_group", SOS, {"experts": expert_group()}),
        (
            "deliver_basis",
            Actor.expert_group(case_id),
            {"recommends_nhv": True, "units": 2, "care_measures": ["Kirurgi"]},
        ),
        ("open_consultation", SOS, {}),
        ("close_consultation", SOS, {}),
        ("decide", SOS, {"units": 2}),
    ]


class _Script:
    """Runs a program of operations on a registry: ``new`` submits a case,
    ``step`` takes the next step of case ``n``, ``refused`` asks for a step
    the case's state does not offer, ``read`` reads the log, and ``nested``
    runs operations in a nested batch that ``fails`` (or not) at its end.
    Cursors, case ids and business times live in the script's state, which a
    failed nested batch takes back as the registry does."""

    def __init__(self, reg: nhvflow.Registry, *, nest: bool) -> None:
        self.reg = reg
        self.nest = nest
        self.state: dict[str, Any] = {"cases": [], "cursor": {}, "minutes": 0}

    def at(self) -> datetime:
        self.state["minutes"] += 1
        return T0 + timedelta(minutes=self.state["minutes"])

    def run(self, program: list[Any]) -> None:
        for op in program:
            self.do(op)

    def do(self, op: Any) -> None:
        kind = op[0]
        cases, cursor = self.state["cases"], self.state["cursor"]
        if kind == "new":
            case_id = f"case-{len(cases)}"
            self.reg.submit(NPO, case_id=case_id, at=self.at(), **proposal())
            cases.append(case_id)
            cursor[case_id] = 0
        elif kind in ("step", "refused") and cases:
            case_id = cases[op[1] % len(cases)]
            path = _path(case_id)
            if kind == "refused":
                with pytest.raises(NhvflowError):
                    self.reg.fire(case_id, "grant_permits", Actor.board(), permits=[])
            elif cursor[case_id] < len(path):
                trigger, actor, payload = path[cursor[case_id]]
                self.reg.fire(case_id, trigger, actor, at=self.at(), **payload)
                cursor[case_id] += 1
        elif kind == "pilot":  # a registry step: written at once, recorded once per area
            area = ("Nervsystemets sjukdomar", "Endokrina sjukdomar")[op[1] % 2]
            self.reg.designate_pilot(SOS, programme_area=area, at=self.at())
        elif kind == "read" and cases:
            case = self.reg.get(cases[-1])
            assert case.version == cursor[cases[-1]] + 1
            assert len(self.reg.history(case.id)) == case.version
        elif kind == "nested":
            _, program, fails = op
            if not self.nest:  # one step at a time: a failed block is one never run
                if not fails:
                    self.run(program)
                return
            saved = {
                "cases": list(cases),
                "cursor": dict(cursor),
                "minutes": self.state["minutes"],
            }
            try:
                with self.reg.batch():
                    self.run(program)
                    if fails:
                        raise _Undo
            except _Undo:
                self.state = saved


class _Undo(Exception):
    """The failure that ends a nested batch in a script."""


def _written(reg: nhvflow.Registry) -> tuple[list[Any], list[Any]]:
    """The log and the cases, without the recording times (and so the hashes)."""
    events = [
        (e.position, e.stream_id, e.version, e.type, e.payload, e.occurred_at)
        for e in reg.events(limit=10_000)
    ]
    cases = [(c.id, c.state, c.version, c.data) for c in reg.cases()]
    return events, cases


_step = st.tuples(st.just("step"), st.integers(0, 5))
_leaf = st.one_of(
    st.just(("new",)),
    _step,
    _step,
    _step,
    st.tuples(st.just("refused"), st.integers(0, 5)),
    st.tuples(st.just("pilot"), st.integers(0, 1)),
    st.just(("read",)),
)
_program = st.recursive(
    st.lists(_leaf, min_size=1, max_size=20),
    lambda inner: st.lists(
        st.one_of(_leaf, st.tuples(st.just("nested"), inner, st.booleans())),
        min_size=1,
        max_size=20,
    ),
    max_leaves=60,
).map(lambda program: [("new",), *program])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=_program, limit=st.sampled_from([1, 2, 3, 500]))
def test_a_batch_writes_what_the_same_steps_write_one_at_a_time(
    tmp_path_factory: pytest.TempPathFactory, program: list[Any], limit: int
) -> None:
    """Any program of steps, refusals, reads and nested batches that fail or
    not gives, run in one batch, the log and cases that its surviving steps
    give one at a time; the log verifies and a rebuild matches the cases."""
    base = tmp_path_factory.mktemp("batch")
    _check_batch(base, str(base / "batch.sqlite"), program, limit)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(program=_program)
def test_a_postgresql_batch_writes_what_the_same_steps_write_one_at_a_time(
    tmp_path_factory: pytest.TempPathFactory,
    postgres_cluster: Any,
    postgres_database: str,
    program: list[Any],
) -> None:
    """The same on PostgreSQL, each step's writes held until its savepoint
    ends (against the same steps taken one at a time on SQLite)."""
    with postgres_cluster.schema(postgres_database) as url:
        _check_batch(tmp_path_factory.mktemp("batch"), url, program, WriteBuffer.LIMIT)


def _check_batch(base: Path, target: str, program: list[Any], limit: int) -> None:
    """Run ``program`` one step at a time on SQLite in ``base``, and in one
    batch on the log at ``target``; compare the two."""
    one_by_one = nhvflow.open(base / "steps.sqlite", durability="normal")
    _Script(one_by_one, nest=False).run(program)
    batched = nhvflow.open(target, durability="normal")
    script = _Script(batched, nest=True)
    script.run(program[:1])  # a step before the batch: the store knows the log's tail
    original = WriteBuffer.LIMIT
    WriteBuffer.LIMIT = limit  # a small limit writes (and opens savepoints) mid-batch
    try:
        with batched.batch():
            script.run(program[1:])
    finally:
        WriteBuffer.LIMIT = original
    assert _written(batched) == _written(one_by_one)
    report = batched.verify(strict=True, projections=True)
    assert report.ok and report.checked == len(_written(batched)[0])
    live = batched.store.projection_rows()  # type: ignore[attr-defined]
    batched.rebuild_projections()
    assert batched.store.projection_rows() == live  # type: ignore[attr-defined]
    one_by_one.close()
    batched.close()


def _long_program() -> list[Any]:
    """Twelve cases taken to their decision, with nested batches that fail
    (with and without a read inside) and succeed, and refusals between."""
    program: list[Any] = [("new",) for _ in range(12)]
    for round_ in range(6):
        program.append(("pilot", round_))
        for n in range(12):
            step = ("step", n)
            if n % 4 == 0:
                program.append(("nested", [step, ("refused", n), ("new",)], True))
                program.append(("nested", [("read",), step, ("new",), ("read",)], True))
            if n % 3 == round_ % 3:
                program.append(("nested", [step, ("read",), ("refused", n + 1)], False))
            else:
                program.append(step)
    return program


@pytest.mark.parametrize(
    ("backend", "limit"), [("sqlite", 1), ("sqlite", 4), ("sqlite", 500), ("postgresql", 500)]
)
def test_a_long_batch_with_failing_nested_batches_writes_what_its_steps_write(
    tmp_path: Path, backend: str, limit: int, monkeypatch: pytest.MonkeyPatch, request: Any
) -> None:
    """Twelve cases through five steps each, in one batch with nested
    batches that fail after writing or reading, give the log that their
    surviving steps give one at a time."""
    program = _long_program()
    with nhvflow.open(tmp_path / "steps.sqlite") as one_by_one:
        _Script(one_by_one, nest=False).run(program)
        expected = _written(one_by_one)
    monkeypatch.setattr(WriteBuffer, "LIMIT", limit)
    target = _target(backend, tmp_path, request)
    with nhvflow.open(target) as batched:
        script = _Script(batched, nest=True)
        script.run(program[:3])  # steps before the batch: the store knows the log's tail
        with batched.batch():
            script.run(program[3:])
        assert _written(batched) == expected
        assert len(expected[0]) == 12 * 6 + 2  # and two pilot designations
        assert batched.verify(strict=True, projections=True).ok


def _target(backend: str, tmp_path: Path, request: Any) -> str:
    """A fresh log of ``backend``: an SQLite file, or a PostgreSQL schema."""
    if backend == "sqlite":
        return str(tmp_path / "log.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


BACKENDS = pytest.mark.parametrize("backend", ["sqlite", "postgresql"])


@BACKENDS
def test_reads_inside_a_batch_see_its_steps(tmp_path: Path, backend: str, request: Any) -> None:
    """Inside a batch, get, history, events, cases, what is due and the raw
    connection all see the steps taken before them."""
    with nhvflow.open(_target(backend, tmp_path, request)) as reg, reg.batch():
        case = reg.submit(NPO, at=T0, **proposal())
        reg.fire(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=T0)
        assert reg.get(case.id).state == "expert_review"
        assert [e.version for e in reg.history(case.id)] == [1, 2]
        assert len(reg.events()) == 2
        assert [c.id for c in reg.cases(state="expert_review")] == [case.id]
        sql = "SELECT COUNT(*) FROM events"
        assert reg.store.connection.execute(sql).fetchone()[0] == 2  # type: ignore[attr-defined]


def _appoint_read_submit_and_fail(reg: nhvflow.Registry, case_id: str) -> None:
    with reg.batch():
        reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=T0)
        assert len(reg.events()) == 2  # a read: the steps held so far are written
        reg.submit(NPO, at=T0, **proposal())
        raise RuntimeError("the caller's failure")


@BACKENDS
def test_a_failed_nested_batch_takes_back_only_its_steps_after_a_read(
    tmp_path: Path, backend: str, request: Any
) -> None:
    """A nested batch that wrote (through a read) before it failed takes back
    its own steps and leaves the outer batch's, held before it began."""
    with nhvflow.open(_target(backend, tmp_path, request)) as reg:
        with reg.batch():
            first = reg.submit(NPO, at=T0, **proposal())
            with pytest.raises(RuntimeError, match="the caller's failure"):
                _appoint_read_submit_and_fail(reg, first.id)
            assert reg.get(first.id).state == "proposed"
            reg.fire(first.id, "appoint_expert_group", SOS, experts=expert_group(), at=T0)
        assert [(e.stream_id, e.version) for e in reg.events()] == [(first.id, 1), (first.id, 2)]
        assert [c.id for c in reg.cases()] == [first.id]
        assert reg.verify(strict=True, projections=True).ok


@BACKENDS
def test_a_repeated_idempotency_key_in_a_batch_returns_the_first_result(
    tmp_path: Path, backend: str, request: Any
) -> None:
    """A request repeated inside the batch that holds its first answer gets that answer."""
    with nhvflow.open(_target(backend, tmp_path, request)) as reg, reg.batch():
        case = reg.submit(NPO, at=T0, **proposal())
        ask = {"experts": expert_group(), "at": T0, "idempotency_key": "appoint-1"}
        first = reg.fire(case.id, "appoint_expert_group", SOS, **ask)
        again = reg.fire(case.id, "appoint_expert_group", SOS, **ask)
        assert again == first and len(reg.events()) == 2


def test_a_long_batch_holds_at_most_the_limit(tmp_path: Path) -> None:
    """However many steps a batch takes, at most ``WriteBuffer.LIMIT`` wait in memory."""
    with nhvflow.open(tmp_path / "log.sqlite") as reg, reg.batch():
        held = reg.store._held  # type: ignore[attr-defined]
        most = 0
        for n in itertools.count():
            reg.submit(NPO, at=T0, **proposal())
            most = max(most, len(held.steps))
            if n > WriteBuffer.LIMIT + 10:
                break
        assert 0 < most <= WriteBuffer.LIMIT
