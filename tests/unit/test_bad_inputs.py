"""Every argument of the public entry points is checked: a bad one is
answered with a named ``NhvflowError`` (``InvalidPayload`` naming the
argument, mostly), in a message of bounded length, and nothing is written.
The store-backed cases run on both backends in
``tests/store/test_bad_arguments.py``; these need no store, or only SQLite."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import nhvflow
from nhvflow import (
    Actor,
    Expert,
    IntegrityError,
    InvalidPayload,
    NhvflowError,
    PermitGrant,
    ReadOnlyLog,
    Region,
    Role,
)
from nhvflow.errors import shown
from nhvflow.fixtures import advance, proposal
from nhvflow.store._sqlite._schema import LOG_TRIGGERS

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
NPO = Actor.npo("Nervsystemets sjukdomar")
HUGE = "x" * 10_000_000


def nested(depth: int) -> list[object]:
    value: list[object] = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.fixture(name="reg")
def _reg() -> nhvflow.Registry:
    return nhvflow.open(":memory:")


# -- messages ------------------------------------------------------------------------


def test_shown_cuts_huge_deep_and_broken_values():
    """``shown`` never repeats more than a short cut of a value, even of a
    10 MB string, a list nested 100,000 deep or an object whose repr fails."""

    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("no repr")

    for value in (HUGE, nested(100_000), Broken(), list(range(10**5))):
        assert len(shown(value)) <= 200
    assert "10000000 characters" in shown(HUGE)
    assert shown("short") == "'short'"


@pytest.mark.parametrize(
    "call",
    [
        lambda reg, case: reg.get(HUGE),
        lambda reg, case: reg.history(HUGE),
        lambda reg, case: reg.fire(case, HUGE, NPO),
        lambda reg, case: reg.fire(case, "withdraw", NPO, at=HUGE),
        lambda reg, case: reg.fire(case, "withdraw", NPO, idempotency_key=HUGE),
        lambda reg, case: reg.submit(NPO, process=HUGE, **proposal()),
        lambda reg, case: reg.submit(NPO, at=T0, **{**proposal(), HUGE: 1}),
        lambda reg, case: reg.submit(NPO, at=T0, **{**proposal(), "title": HUGE}),
        lambda reg, case: reg.submit(NPO, at=T0, case_id=HUGE, **proposal()),
    ],
)
def test_a_10_mb_argument_is_never_echoed(reg, call):
    """A message names a 10 MB argument with a short cut of it, never the whole."""
    case = reg.submit(NPO, at=T0, **proposal()).id
    with pytest.raises(NhvflowError) as exc:
        call(reg, case)
    assert len(str(exc.value)) < 2_000
    assert reg.store.count_events() == 1


class Unprintable:
    """A caller's object whose repr and str both fail."""

    def __repr__(self) -> str:
        raise RuntimeError("no repr")

    __str__ = __repr__


@pytest.mark.parametrize("trigger", [nested(100_000), Unprintable(), None, 5])
def test_a_trigger_that_is_no_text_is_invalid_trigger(reg, trigger):
    """A trigger that is not text, however deep or unprintable, is
    InvalidTrigger with a short message, never RecursionError."""
    case = reg.submit(NPO, at=T0, **proposal()).id
    for call in (reg.fire, reg.check):
        with pytest.raises(nhvflow.InvalidTrigger) as exc:
            call(case, trigger, NPO)
        assert len(str(exc.value)) < 500


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda reg: reg.get(Unprintable()), "case_id"),
        (lambda reg: reg.submit(Unprintable(), **proposal()), "actor"),
        (lambda reg: reg.submit(NPO, at=Unprintable(), **proposal()), "at"),
        (lambda reg: reg.submit(NPO, at=T0, **{**proposal(), "title": Unprintable()}), "title"),
        (lambda reg: reg.cases(state=Unprintable()), "state"),
        (lambda reg: reg.submit(NPO, process=Unprintable(), **proposal()), "process"),
    ],
)
def test_an_unprintable_argument_is_named_not_echoed(reg, call, field):
    """An argument whose repr fails is still refused naming it."""
    with pytest.raises(InvalidPayload) as exc:
        call(reg)
    assert exc.value.field == field


# -- payload values ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["title", "care_measures", "nominated_experts"])
def test_a_deeply_nested_payload_value_is_invalid_payload(reg, field):
    """A value nested 100,000 deep is refused naming its field, not with RecursionError."""
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, at=T0, **{**proposal(), field: nested(100_000)})
    assert exc.value.field == field
    assert reg.store.count_events() == 0


@pytest.mark.parametrize("field", ["care_measures", "nominated_experts"])
def test_a_dict_given_for_a_list_is_invalid_payload(reg, field):
    """Every list field reads through one reader, which refuses a dict (it
    is not a list of its keys) naming the field."""
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, at=T0, **{**proposal(), field: {"a": "b"}})
    assert exc.value.field == field
    assert "expected a list" in str(exc.value)
    assert reg.store.count_events() == 0


@pytest.mark.parametrize("offset", [timedelta(hours=23, minutes=59), -timedelta(hours=23)])
def test_a_time_zone_that_carries_a_time_off_the_calendar_is_invalid(reg, offset):
    """``at``/``as_of`` at the calendar's edges with an extreme offset is
    InvalidPayload naming the argument, not OverflowError."""
    edge = datetime.min if offset > timedelta(0) else datetime.max
    moment = edge.replace(tzinfo=timezone(offset))
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, at=moment, **proposal())
    assert exc.value.field == "at"
    case = reg.submit(NPO, at=T0, **proposal()).id
    with pytest.raises(InvalidPayload) as exc:
        reg.get(case, as_of=moment)
    assert exc.value.field == "as_of"
    with pytest.raises(InvalidPayload) as exc:
        reg.fire(case, "withdraw", NPO, at=moment.isoformat(), reason="x")
    assert exc.value.field == "at"


def test_a_default_date_past_year_9999_is_invalid_payload_naming_at(reg):
    """A decision dated 9999-12-31, whose default last day for applications
    (three months on) falls past the calendar, is refused naming ``at``,
    and nothing is written."""
    end = datetime(9999, 12, 31, tzinfo=UTC)
    case = reg.submit(NPO, at=end, **proposal()).id
    advance(reg, case, "prepared", start=end, every=timedelta(0))
    before = reg.store.count_events()
    with pytest.raises(InvalidPayload) as exc:
        advance(reg, case, "decided", start=end, every=timedelta(0))
    assert exc.value.field == "at"
    assert "outside the calendar" in str(exc.value)
    assert reg.store.count_events() == before
    assert reg.verify(projections=True).ok


# -- the registry's own arguments -----------------------------------------------------


@pytest.mark.parametrize("process", ["bogus", "", 5])
def test_submit_to_an_unknown_or_empty_process_names_the_known_ones(reg, process):
    """``submit(process=...)`` with a process the registry lacks says so,
    listing the processes it knows."""
    with pytest.raises(InvalidPayload) as exc:
        reg.submit(NPO, process=process, at=T0, **proposal())
    assert exc.value.field == "process"
    assert "unknown process" in str(exc.value) and "kc-proposal" in str(exc.value)
    with pytest.raises(InvalidPayload):
        reg.process(process)
    assert reg.store.count_events() == 0


@pytest.mark.parametrize("value", [datetime(2020, 1, 1), "2020-01-01T00:00+00:00", None, 5])
def test_a_clock_that_returns_no_aware_datetime_is_refused(value):
    """A clock returning a naive datetime, text or anything else is
    InvalidPayload naming ``clock``, and nothing is written."""
    with nhvflow.open(":memory:", clock=lambda: value) as reg:
        with pytest.raises(InvalidPayload) as exc:
            reg.submit(NPO, **proposal())
        assert exc.value.field == "clock"
        with pytest.raises(InvalidPayload):
            reg.complete_mapping(Actor.socialstyrelsen())
        assert reg.store.count_events() == 0


def test_verify_and_process_take_only_their_types(reg):
    """``verify(strict=...)`` wants True or False; ``process(name)`` a known name."""
    with pytest.raises(InvalidPayload) as exc:
        reg.verify(strict="yes")
    assert exc.value.field == "strict"
    with pytest.raises(InvalidPayload) as exc:
        reg.verify(projections=1)
    assert exc.value.field == "projections"
    assert reg.process().name == "nhv"


# -- nhvflow.open --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"path": None}, "path"),
        ({"path": ""}, "path"),
        ({"path": "  "}, "path"),
        ({"path": 5}, "path"),
        ({"path": b"log.sqlite"}, "path"),
        ({"path": "a\x00b"}, "path"),
        ({"path": "log\udc80.sqlite"}, "path"),
        ({"path": "x" * 5000}, "path"),
        ({"durability": "fast"}, "durability"),
        ({"durability": None}, "durability"),
        ({"process": "bogus"}, "process"),
        ({"process": None}, "process"),
        ({"busy_timeout": -1}, "busy_timeout"),
        ({"busy_timeout": float("nan")}, "busy_timeout"),
        ({"busy_timeout": float("inf")}, "busy_timeout"),
        ({"busy_timeout": "5"}, "busy_timeout"),
        ({"busy_timeout": True}, "busy_timeout"),
        ({"busy_timeout": 10**12}, "busy_timeout"),
        ({"readonly": "yes"}, "readonly"),
        ({"path": ":memory:", "readonly": True}, "readonly"),
        ({"processes": [object()]}, "processes"),
        ({"processes": 5}, "processes"),
        ({"clock": "now"}, "clock"),
        ({"logger": "stdout"}, "logger"),
    ],
)
def test_open_checks_its_arguments_before_it_touches_the_disk(tmp_path, monkeypatch, kwargs, field):
    """Each bad argument of ``nhvflow.open`` is InvalidPayload naming it, and
    no file is left behind (``open(None)`` once made a file named ``None``)."""
    monkeypatch.chdir(tmp_path)
    kwargs = {"path": "log.sqlite", **kwargs}
    with pytest.raises(InvalidPayload) as exc:
        nhvflow.open(kwargs.pop("path"), **kwargs)
    assert exc.value.field == field
    assert len(str(exc.value)) < 500
    assert list(tmp_path.iterdir()) == []


def test_open_still_takes_a_path_object_and_a_whole_number_timeout(tmp_path):
    """A ``pathlib.Path`` and an ``int`` busy timeout are fine."""
    with nhvflow.open(tmp_path / "log.sqlite", busy_timeout=0) as reg:
        assert reg.verify().ok


# -- value constructors --------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        (lambda: Actor.npo(None), "programme_area"),
        (lambda: Actor.npo(""), "programme_area"),
        (lambda: Actor.npo("  "), "programme_area"),
        (lambda: Actor.expert_group(None), "case_id"),
        (lambda: Actor.expert_group(""), "case_id"),
        (lambda: Actor.region("not a region"), "region"),
        (lambda: Actor.region(None), "region"),
        (lambda: Actor.of("nope", "x"), "role"),
        (lambda: Actor.of(Role.MINISTRY, None), "name"),
        (lambda: Actor(5, "x"), "role"),
        (lambda: Actor.health_enterprise(None), "name"),
        (lambda: Actor.member_state("XX"), "country"),
        (lambda: Actor.member_state(None), "country"),
        (lambda: Actor.provider(None, "SE"), "name"),
        (lambda: Actor.provider("Karolinska", None), "country"),
        (lambda: Actor.coordinator(None), "network"),
        (lambda: Actor.socialstyrelsen(""), "name"),
        (lambda: Expert("a", "b", 5, "female"), "region"),
        (lambda: Expert("a", "b", "Atlantis", "female"), "region"),
        (lambda: Expert("a", "b", Region.SKANE, "x"), "gender"),
        (lambda: Expert("a", "b", Region.SKANE, "female", clinical=1), "clinical"),
        (lambda: PermitGrant(None), "region"),
        (lambda: PermitGrant(Region.SKANE, special_conditions="one"), "special_conditions"),
        (lambda: PermitGrant(Region.SKANE, starts_on="soon"), "starts_on"),
    ],
)
def test_value_constructors_refuse_nonsense_naming_the_field(build, field):
    """A constructor given nonsense raises InvalidPayload naming the field
    (still a ValueError, as attrs' validators raised before)."""
    with pytest.raises(InvalidPayload) as exc:
        build()
    assert exc.value.field == field
    assert isinstance(exc.value, ValueError)


@pytest.mark.parametrize(
    ("build", "role", "usual_name"),
    [
        (Actor.socialstyrelsen, Role.SOCIALSTYRELSEN, "Socialstyrelsen"),
        (Actor.board, Role.BOARD, "Nämnden för nationell högspecialiserad vård"),
        (Actor.directorate, Role.DIRECTORATE, "Helsedirektoratet"),
        (Actor.ministry, Role.MINISTRY, "Helse- og omsorgsdepartementet"),
        (Actor.commission, Role.COMMISSION, "European Commission"),
        (Actor.assessment_body, Role.ASSESSMENT_BODY, "Independent Assessment Body"),
        (Actor.ern_board, Role.ERN_BOARD, "ERN Board of Member States"),
    ],
)
def test_a_party_there_is_one_of_goes_by_its_usual_name_unless_named(build, role, usual_name):
    """Actor.board() and its like give the party under its usual name, and
    under the name given, by position or keyword, when there is one."""
    assert build() == Actor(role, usual_name)
    assert build("handläggare") == build(name="handläggare") == Actor(role, "handläggare")


# -- the file ------------------------------------------------------------------------


def _log_with_cases(path: Path, count: int) -> list[str]:
    with nhvflow.open(path) as reg, reg.batch():
        return [reg.submit(NPO, at=T0, **proposal()).id for _ in range(count)]


def test_a_damaged_page_is_an_integrity_error_not_sqlite3(tmp_path):
    """Pages of the file overwritten with garbage: reading the cases or the
    events raises IntegrityError (verify reports it), never sqlite3's own error."""
    path = tmp_path / "log.sqlite"
    ids = _log_with_cases(path, 300)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    pages = path.stat().st_size // page
    with path.open("r+b") as f:
        for n in range(pages // 3, pages // 3 + 3):
            f.seek(n * page)
            f.write(b"\xff" * 200)
    with nhvflow.open(path) as reg:
        assert not reg.verify().ok
        with pytest.raises(IntegrityError):
            list(reg.events())
        errors = []
        for case_id in ids:
            try:
                reg.history(case_id)
            except IntegrityError as exc:
                errors.append(exc)
        assert errors


def test_readonly_reads_a_log_in_a_directory_it_cannot_write(tmp_path, monkeypatch):
    """Where the directory cannot be written (as on read-only media) a
    read-only registry opens the log as immutable and reads it, leaving no
    file beside it."""
    path = tmp_path / "log.sqlite"
    [case_id] = _log_with_cases(path, 1)
    real = os.access

    def no_writes(target, mode, *args, **kwargs):
        if mode & os.W_OK and Path(target) == tmp_path:
            return False
        return real(target, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", no_writes)
    with nhvflow.open(path, readonly=True) as reg:
        assert reg.get(case_id).state == "proposed"
        assert reg.verify().ok
    with pytest.raises(ReadOnlyLog, match="directory"):
        nhvflow.open(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.sqlite"]


@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_log_made_read_only_with_chmod_is_read_only_even_for_root(tmp_path, what):
    """``chmod a-w`` on the file (or its directory) makes the log read-only to
    nhvflow whoever runs it: a writable open raises ReadOnlyLog saying so, a
    read-only open reads it, and a clean copy in a read-only directory gains
    no file beside it."""
    path = tmp_path / "log.sqlite"
    [case_id] = _log_with_cases(path, 1)
    target = path if what == "file" else tmp_path
    target.chmod(0o555 if what == "directory" else 0o444)
    try:
        with pytest.raises(ReadOnlyLog, match="read-only") as exc:
            nhvflow.open(path)
        assert "not an SQLite database" not in str(exc.value)
        with nhvflow.open(path, readonly=True) as reg:
            assert reg.get(case_id).version == 1
        if what == "directory":
            assert [p.name for p in tmp_path.iterdir()] == ["log.sqlite"]
    finally:
        target.chmod(0o755)


SETPRIV = ("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups")
"""Run a command as nobody."""
_AS_NOBODY = r"""
import json, sys, nhvflow
out = {}
for readonly in (False, True):
    try:
        with nhvflow.open(sys.argv[1], readonly=readonly) as reg:
            out[str(readonly)] = ["read", len(list(reg.events())), reg.verify().ok]
    except nhvflow.NhvflowError as exc:
        out[str(readonly)] = [type(exc).__name__, str(exc)]
print(json.dumps(out))
"""


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="needs root and setpriv to run a reader as an unprivileged user",
)
@pytest.mark.parametrize("what", ["file", "directory"])
def test_a_read_only_file_says_so_and_readonly_reads_it(what):
    """Run as an unprivileged user, for whom the file (or its directory) is
    read-only: a writable open raises ReadOnlyLog saying so (not "not an SQLite
    database"), and ``readonly=True`` reads every event."""
    import json

    folder = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        folder.chmod(0o755)
        path = folder / "log.sqlite"
        _log_with_cases(path, 3)
        path.chmod(0o444 if what == "file" else 0o666)
        folder.chmod(0o555 if what == "directory" else 0o777)
        src = Path(nhvflow.__file__).parents[1]
        run = subprocess.run(
            [*SETPRIV, sys.executable, "-c", _AS_NOBODY, str(path)],
            env={**os.environ, "PYTHONPATH": str(src)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if run.returncode and "Permission denied" in run.stderr:
            pytest.skip("the unprivileged user cannot reach the interpreter or sources")
        out = json.loads(run.stdout.strip().splitlines()[-1])
        assert out["False"][0] == "ReadOnlyLog" and "read-only" in out["False"][1]
        assert out["True"] == ["read", 3, True]
        if what == "directory":
            assert sorted(p.name for p in folder.iterdir()) == ["log.sqlite"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


# -- hostile files -------------------------------------------------------------------

EVENT_EDITS = {
    "payload not JSON": "payload = '{not json'",
    "payload not an object": "payload = '[1, 2]'",
    "payload a blob": "payload = X'00ff'",
    "actor not JSON": "actor = 'nope'",
    "actor of no role": """actor = '{"role": "king", "name": "x"}'""",
    "occurred_at not a time": "occurred_at = 'garbage'",
    "recorded_at not a time": "recorded_at = 'garbage'",
}


@pytest.fixture(name="hostile")
def _hostile(tmp_path):
    """``hostile(sql)``: a log of three cases, edited by ``sql`` with its
    guards dropped, as someone with the file in hand could; its path and ids."""

    def make(*statements: str) -> tuple[Path, list[str]]:
        path = tmp_path / "log.sqlite"
        ids = _log_with_cases(path, 3)
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("DROP TRIGGER events_append_only_update")
        for sql in statements:
            conn.execute(sql)
        conn.execute(LOG_TRIGGERS["events_append_only_update"])
        conn.close()
        return path, ids

    return make


@pytest.mark.parametrize("edit", sorted(EVENT_EDITS))
def test_an_event_edited_into_nonsense_is_an_integrity_error_naming_it(hostile, edit):
    """An event whose stored text is not what nhvflow writes is, on every
    read, an IntegrityError naming its position, never a raw JSON or
    datetime error; ``verify()`` still reports rather than raises."""
    path, ids = hostile(f"UPDATE events SET {EVENT_EDITS[edit]} WHERE position = 2")
    with nhvflow.open(path) as reg:
        with pytest.raises(IntegrityError) as exc:
            list(reg.events())
        assert exc.value.position == 2
        with pytest.raises(IntegrityError):
            reg.history(ids[1])
        if edit != "recorded_at not a time":  # folding reads all but recorded_at
            with pytest.raises(IntegrityError):
                reg.rebuild_projections()
        if "_at" not in edit:  # (as_of selects events by their occurred_at text)
            with pytest.raises(IntegrityError):
                reg.get(ids[1], as_of=T0 + timedelta(days=1))
        report = reg.verify(projections=True)
        assert not report.ok and report.first_bad_position == 2


@pytest.mark.parametrize(
    "edit",
    ["data = '{oops'", "data = '[]'", "updated_at = 'garbage'"],
)
def test_a_projection_edited_into_nonsense_is_an_integrity_error(hostile, edit):
    """A case row that cannot be read back is an IntegrityError on reading
    it, reported by ``verify(projections=True)`` and mended by a rebuild."""
    path, ids = hostile(f"UPDATE cases SET {edit}")
    with nhvflow.open(path) as reg:
        with pytest.raises(IntegrityError):
            reg.get(ids[0])
        with pytest.raises(IntegrityError):
            list(reg.cases())
        report = reg.verify(projections=True)
        assert not report.ok
        reg.rebuild_projections()
        assert reg.get(ids[0]).state == "proposed"
        assert reg.verify(projections=True).ok


def test_a_registry_fact_edited_into_nonsense_is_never_judged_on(hostile):
    """A registry fact edited in the ``facts`` table (not JSON, or not a
    time) changes nothing the rules see, which read the registry stream of
    the log; ``verify(projections=True)`` names the table as differing."""
    for value in ("'{x'", """'"garbage"'"""):
        path, _ = hostile(
            f"INSERT OR REPLACE INTO facts (key, value) VALUES ('mapping_completed_at', {value})"
        )
        with nhvflow.open(path) as reg:
            assert reg.mapping_completed_at() is None
            assert not reg.verify(projections=True).ok
        path.unlink()


def test_a_version_or_schema_that_is_no_number_is_reported_or_refused(hostile):
    """A stream version edited into a blob is reported by ``verify()``, which
    does not raise; an unreadable schema version refuses the file."""
    path, _ = hostile("UPDATE events SET version = X'00ff' WHERE position = 1")
    with nhvflow.open(path) as reg:
        report = reg.verify()
    assert report.first_bad_position == 1
    path.unlink()
    path, _ = hostile("UPDATE nhvflow_meta SET value = 'abc' WHERE key = 'schema_version'")
    with pytest.raises(nhvflow.LogFormatError, match="schema version"):
        nhvflow.open(path)
