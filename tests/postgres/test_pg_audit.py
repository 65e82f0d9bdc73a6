"""An outside audit of the PostgreSQL store: what nhvflow does when someone
with SQL access edits the log behind its back, and how it answers input that
PostgreSQL itself cannot hold or holds differently from SQLite.

The earlier audits (tests/integration/test_tamper_audit.py,
tests/integration/test_tamper.py, tests/unit/test_bad_input_audit.py) checked
these promises on SQLite only. Here the same promises are held against
``src/nhvflow/store/_postgres/``, plus what is PostgreSQL's own: triggers that
can be disabled in more ways than SQLite's, the session's client encoding,
the ``jsonb`` the overview views read through, the schema named by the URL's
``search_path`` and ``readonly=True``.

What is checked, for each edit: ``verify()`` and ``verify(projections=True)``
name it (and never raise); every read and step that judges a case refuses a
row the log does not back with :class:`nhvflow.IntegrityError`, or answers
from the log; every error is an :class:`nhvflow.NhvflowError`, never a raw
psycopg or Python error; nothing is written by a refused step.

Tests marked ``xfail(strict=True)`` expose what fails today; the reason names
the gap in one line.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import psycopg
import pytest

import nhvflow
from nhvflow import (
    Actor,
    ConcurrencyConflict,
    IntegrityError,
    InvalidPayload,
    LogFormatError,
    NhvflowError,
    ReadOnlyLog,
    Region,
    Registry,
    UnknownCase,
)
from nhvflow.cli._copy import copy_log
from nhvflow.fixtures import advance, expert_group, proposal
from nhvflow.store._chain import GENESIS, canonical, chain_hash

SOS = Actor.socialstyrelsen()
SKANE = Actor.region(Region.SKANE)
STOCKHOLM = Actor.region(Region.STOCKHOLM)
AREA = "Nervsystemets sjukdomar"
NPO = Actor.npo(AREA)
NON_PILOT = "Hjärt- och kärlsjukdomar"
FAR = "9999-01-01T00:00:00+00:00"
APPLY_AT = "2019-08-01T09:00:00+00:00"
"""Inside the application window of the ``decided`` case (decided 2019-07-01)."""
MARCH = "2024-03-01T09:00:00+00:00"
"""Before the mapping was completed in the ``mapped`` log."""
T0 = "2024-01-01T09:00:00+00:00"
"""A business time for a new submission in any of the logs below."""

# -- the logs and SQL behind nhvflow's back ------------------------------------------


def run_sql(url: str, *statements: str | tuple[str, tuple[Any, ...]]) -> list[Any]:
    """Run statements with plain psycopg (autocommit); the last one's rows."""
    rows: list[Any] = []
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            sql, args = statement if isinstance(statement, tuple) else (statement, ())
            cur = conn.execute(sql, args)  # type: ignore[arg-type]
            rows = cur.fetchall() if cur.description else []
    return rows


def tamper(url: str, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Run statements with the append-only triggers out of the way for this
    session only (``session_replication_role = replica``, as a superuser may)."""
    run_sql(url, "SET session_replication_role = replica", *statements)


def rehash(url: str, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """An attacker who knows docs/log-format.md: edit events and recompute
    every link and hash of the chain, in one transaction."""
    with psycopg.connect(url) as conn:
        conn.execute("SET session_replication_role = replica")
        for statement in statements:
            sql, args = statement if isinstance(statement, tuple) else (statement, ())
            conn.execute(sql, args)  # type: ignore[arg-type]
        prev = GENESIS
        rows = conn.execute(
            "SELECT position, stream_id, version, type, schema_version, actor, payload, "
            "occurred_at, recorded_at, idempotency_key, request_hash FROM events ORDER BY position"
        ).fetchall()
        for row in rows:
            digest = chain_hash(
                prev, position=row[0], stream_id=row[1], version=row[2], type=row[3],
                schema_version=row[4], actor=row[5], payload=row[6], occurred_at=row[7],
                recorded_at=row[8], idempotency_key=row[9], request_hash=row[10],
            )  # fmt: skip
            conn.execute(
                "UPDATE events SET prev_hash = %s, hash = %s WHERE position = %s",
                (prev, digest, row[0]),
            )
            prev = digest


def count_events(url: str) -> int:
    return int(run_sql(url, "SELECT COUNT(*) FROM events")[0][0])


def case_row(url: str, case_id: str) -> tuple[Any, ...]:
    return tuple(
        run_sql(
            url,
            (
                "SELECT process, state, version, data, updated_at, seal FROM cases WHERE id = %s",
                (case_id,),
            ),
        )[0]
    )


@pytest.fixture(name="built")
def _built(postgres_url: str) -> tuple[str, dict[str, str]]:
    """A closed PostgreSQL log (17 events): one case ``proposed`` (position 1),
    one ``decided`` (positions 2-7, decided 2019-07-01 with 2 units) and one
    ``permitted`` (positions 8-17, permits for Skåne and Stockholm)."""
    ids: dict[str, str] = {}
    with nhvflow.open(postgres_url, durability="normal") as reg:
        for n, state in enumerate(("proposed", "decided", "permitted")):
            case = reg.submit(
                NPO, at=f"2019-0{n + 1}-01T09:00:00+00:00", idempotency_key=f"s{n}", **proposal()
            )
            ids[state] = case.id if state == "proposed" else advance(reg, case.id, state).id
        assert reg.verify(projections=True).ok
    return postgres_url, ids


@pytest.fixture(name="url")
def _url(built: tuple[str, dict[str, str]]) -> str:
    return built[0]


@pytest.fixture(name="ids")
def _ids(built: tuple[str, dict[str, str]]) -> dict[str, str]:
    return built[1]


@pytest.fixture(name="mapped")
def _mapped(postgres_url: str) -> tuple[str, str]:
    """A closed log: a proposal of an area that is no pilot, submitted
    2024-02-01, and the mapping recorded as completed on 2024-06-01."""
    with nhvflow.open(postgres_url, durability="normal") as reg:
        case = reg.submit(
            Actor.npo(NON_PILOT),
            at="2024-02-01T09:00:00+00:00",
            **{**proposal(), "programme_area": NON_PILOT, "pilot": False},
        )
        reg.complete_mapping(SOS, at="2024-06-01T09:00:00+00:00")
        assert reg.check(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH)
    return postgres_url, case.id


@contextlib.contextmanager
def opened(url: str, **options: Any) -> Iterator[Registry]:
    with nhvflow.open(url, **options) as reg:
        yield reg


# -- events edited behind disabled triggers ------------------------------------------

EVENT_EDITS = {
    "stream_id": "stream_id || '-moved'",
    "version": "version + 100",
    "type": "'ProposalWithdrawn'",
    "schema_version": "schema_version + 1",
    "actor": "replace(actor, 'socialstyrelsen', 'board')",
    "payload": "replace(payload, '\"units\":2', '\"units\":5')",
    "occurred_at": "'2018-07-01T00:00:00.000000+00:00'",
    "recorded_at": "'2030-01-01T00:00:00.000000+00:00'",
    "idempotency_key": "'forged-key'",
    "request_hash": "'0000'",
    # the first digit changed whatever it was (a fixed 'a' would leave a hash
    # that starts with 'a' as it was: one run in sixteen)
    "prev_hash": "CASE WHEN prev_hash LIKE 'a%%' THEN 'b' ELSE 'a' END || substr(prev_hash, 2)",
    "hash": "CASE WHEN hash LIKE 'a%%' THEN 'b' ELSE 'a' END || substr(hash, 2)",
}


@pytest.mark.parametrize("column", sorted(EVENT_EDITS))
def test_verify_names_the_event_edited_behind_disabled_triggers(
    url: str, ids: dict[str, str], column: str
) -> None:
    """Whatever column of the decision (position 7) is edited with the
    triggers disabled for the session, verify names position 7 (and never
    raises), strict raises with it, and no read returns the edited event."""
    tamper(url, f"UPDATE events SET {column} = {EVENT_EDITS[column]} WHERE position = 7")
    with opened(url) as reg:
        for report in (reg.verify(), reg.verify(projections=True)):
            assert not report.ok and report.first_bad_position == 7
            assert "position 7" in str(report)
        with pytest.raises(IntegrityError) as exc:
            reg.verify(strict=True)
        assert exc.value.position == 7
        with pytest.raises(IntegrityError):
            reg.events()
        with pytest.raises(IntegrityError):
            reg.rebuild_projections()
    assert count_events(url) == 17


@pytest.mark.parametrize(
    "read",
    ["get-as-of", "history", "decision"],
)
def test_a_read_of_the_case_refuses_its_edited_decision(
    url: str, ids: dict[str, str], read: str
) -> None:
    """The decision says 5 units instead of 2, hash not recomputed: the
    event is refuted by its own hash, so no read of the case shows 5 units;
    ``get()`` answers from the sealed row (2 units)."""
    case_id = ids["decided"]
    tamper(
        url,
        "UPDATE events SET payload = replace(payload, '\"units\":2', '\"units\":5') "
        "WHERE position = 7",
    )
    reads: dict[str, Callable[[Registry], Any]] = {
        "get-as-of": lambda reg: reg.get(case_id, as_of=FAR),
        "history": lambda reg: reg.history(case_id),
        "decision": lambda reg: reg.decision(case_id),
    }
    with opened(url) as reg:
        assert reg.get(case_id).data["decision"]["units"] == 2
        with pytest.raises(IntegrityError) as exc:
            reads[read](reg)
    assert exc.value.position == 7


def test_swapped_payloads_are_found_at_the_first_of_them(url: str) -> None:
    five, sixteen = (
        run_sql(url, (f"SELECT payload FROM events WHERE position = {p}", ()))[0][0]
        for p in (5, 16)
    )
    tamper(
        url,
        ("UPDATE events SET payload = %s WHERE position = 5", (sixteen,)),
        ("UPDATE events SET payload = %s WHERE position = 16", (five,)),
    )
    with opened(url) as reg:
        report = reg.verify()
    assert report.first_bad_position == 5
    assert sum("hash does not match" in p for p in report.problems) == 2


def test_a_deleted_event_breaks_the_chain_at_the_next(url: str) -> None:
    tamper(url, "DELETE FROM events WHERE position = 4")
    with opened(url) as reg:
        report = reg.verify(projections=True)
    assert not report.ok and report.first_bad_position == 5


def test_reordered_positions_are_named(url: str) -> None:
    """Two events exchange their positions (the rows otherwise intact)."""
    tamper(
        url,
        "UPDATE events SET position = 1000 WHERE position = 3",
        "UPDATE events SET position = 3 WHERE position = 4",
        "UPDATE events SET position = 4 WHERE position = 1000",
    )
    with opened(url) as reg:
        report = reg.verify(projections=True)
    assert not report.ok and report.first_bad_position == 3


def test_a_payload_column_turned_into_jsonb_fails_verification_at_the_first_event(
    url: str,
) -> None:
    """jsonb normalises the canonical text (``{"a": 1}``, keys reordered):
    the chain covers the exact text, so every event stops matching its hash."""
    run_sql(url, "ALTER TABLE events ALTER COLUMN payload TYPE jsonb USING payload::jsonb")
    with opened(url) as reg:
        report = reg.verify()
    assert not report.ok and report.first_bad_position == 1
    assert report.checked == 17


# -- rehashed chains: the fold, not the chain, refuses what is no legal move ------------


@pytest.mark.parametrize(
    "edit",
    [
        # the decision moved into the proposed case: no legal move from 'proposed'
        "UPDATE events SET stream_id = (SELECT stream_id FROM events WHERE position = 1), "
        "version = 2 WHERE position = 7",
        # dated before the step before it
        "UPDATE events SET occurred_at = '2019-01-01T09:00:00.000000+00:00' WHERE position = 7",
        # a number beyond any integer column, which no decide step records
        "UPDATE events SET payload = replace(payload, '\"units\":2', "
        "'\"units\":123456789012345678901234567890') WHERE position = 7",
        # a number JSON allows but Python reads as infinity
        "UPDATE events SET payload = replace(payload, '\"units\":2', '\"units\":1e400') "
        "WHERE position = 7",
    ],
    ids=["other-stream", "dated-earlier", "beyond-bigint", "1e400"],
)
def test_a_rehashed_event_that_no_step_records_is_named_and_never_folded(
    url: str, ids: dict[str, str], edit: str
) -> None:
    rehash(url, edit)
    with opened(url) as reg:
        assert reg.verify().ok  # the chain alone cannot tell
        report = reg.verify(projections=True)
        assert not report.ok and report.first_bad_position == 7
        with pytest.raises(IntegrityError) as rebuilt:
            reg.rebuild_projections()
        assert rebuilt.value.position == 7
        with pytest.raises(IntegrityError):
            reg.fire(ids["decided"], "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT)
    assert count_events(url) == 17


# -- case rows and side tables -------------------------------------------------------

ROW_EDITS = {
    "state": "state = 'permitted'",
    "version": "version = version + 1",
    "more units": "data = replace(data, '\"units\":2', '\"units\":5')",
    "process": "process = 'kc-proposal'",
    "updated_at": "updated_at = '2030-01-01T00:00:00.000000+00:00'",
    "seal": "seal = CASE WHEN seal LIKE 'a%%' THEN 'b' ELSE 'a' END || substr(seal, 2)",
    "seal cleared, units edited": "seal = '', data = replace(data, '\"units\":2', '\"units\":5')",
    "data not json": "data = '{not json'",
    "data with NUL escape": 'data = replace(data, \'"units":2\', \'"units":2,"x":"\\u0000"\')',
}


@pytest.mark.parametrize("edit", sorted(ROW_EDITS))
def test_an_edited_case_row_is_refused_by_every_entry_point_that_judges(
    url: str, ids: dict[str, str], edit: str
) -> None:
    case_id = ids["decided"]
    run_sql(url, (f"UPDATE cases SET {ROW_EDITS[edit]} WHERE id = %s", (case_id,)))
    with opened(url, durability="normal") as reg:
        for call in (
            lambda: reg.get(case_id),
            lambda: reg.allowed_triggers(case_id, SKANE),
            lambda: reg.check(case_id, "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT),
            lambda: reg.explain(case_id, "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT),
            lambda: reg.decision(case_id),
            lambda: reg.cases(),
            lambda: reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT),
        ):
            with pytest.raises(IntegrityError):
                call()
        assert reg.get(case_id, as_of=FAR).state == "decided"  # the log's word
        report = reg.verify(projections=True)
        assert not report.ok and any(case_id in p for p in report.problems)
        reg.rebuild_projections()
        assert reg.verify(projections=True).ok
        assert reg.get(case_id).data["decision"]["units"] == 2
    assert count_events(url) == 17


def test_swapped_case_rows_are_refused_for_both_cases(url: str, ids: dict[str, str]) -> None:
    decided, permitted = ids["decided"], ids["permitted"]
    a, b = case_row(url, decided), case_row(url, permitted)
    update = (
        "UPDATE cases SET process=%s, state=%s, version=%s, data=%s, updated_at=%s, seal=%s "
        "WHERE id=%s"
    )
    run_sql(url, (update, (*b, decided)), (update, (*a, permitted)))
    with opened(url) as reg:
        for case_id in (decided, permitted):
            with pytest.raises(IntegrityError):
                reg.get(case_id)
        with pytest.raises(IntegrityError):
            reg.fire(decided, "report_follow_up", SKANE, year=2020, at="2020-01-01T09:00:00+00:00")
        problems = reg.verify(projections=True).problems
    assert any(decided in p for p in problems) and any(permitted in p for p in problems)
    assert count_events(url) == 17


def test_a_case_row_with_no_events_is_no_case(url: str, ids: dict[str, str]) -> None:
    run_sql(
        url,
        (
            "INSERT INTO cases (id, process, state, version, data, updated_at, seal) "
            "SELECT 'forged', process, state, version, data, updated_at, seal FROM cases "
            "WHERE id = %s",
            (ids["permitted"],),
        ),
    )
    with opened(url) as reg:
        for call in (
            lambda: reg.get("forged"),
            lambda: reg.cases(),
            lambda: reg.cases(state="permitted"),
            lambda: reg.due(as_of="2020-06-01"),
            lambda: reg.allowed_triggers("forged", SKANE),
            lambda: reg.decision("forged"),
            lambda: reg.fire("forged", "report_follow_up", SKANE, year=2024),
            lambda: reg.submit(NPO, case_id="forged", at="2024-06-01T09:00:00+00:00", **proposal()),
        ):
            with pytest.raises((IntegrityError, UnknownCase)):
                call()
        assert "case forged: projected but has no events" in reg.verify(projections=True).problems
        reg.rebuild_projections()
        with pytest.raises(UnknownCase):
            reg.get("forged")
    assert count_events(url) == 17


def test_a_deleted_case_row_is_refused_and_named(url: str, ids: dict[str, str]) -> None:
    case_id = ids["permitted"]
    run_sql(url, ("DELETE FROM cases WHERE id = %s", (case_id,)))
    with opened(url) as reg:
        with pytest.raises(IntegrityError, match="has events but no projection"):
            reg.get(case_id)
        with pytest.raises(IntegrityError):
            reg.fire(case_id, "report_follow_up", SKANE, year=2020, at="2020-01-01T09:00:00+00:00")
        assert (
            f"case {case_id}: has events but no projection" in reg.verify(projections=True).problems
        )


ROW_FORGERIES = {
    # a permitted case's row says 'rejected': its follow-up duties vanish
    "state": ("permitted", "UPDATE cases SET state = 'rejected' WHERE id = %s"),
    # a decided case's row says it runs another process: its deadline vanishes
    "process": ("decided", "UPDATE cases SET process = 'kc-proposal' WHERE id = %s"),
}
FILTERED_READS: dict[str, Callable[[Registry], Any]] = {
    "cases(state=...)": lambda reg: [c.id for c in reg.cases(state="permitted")],
    "cases(process=...)": lambda reg: [c.id for c in reg.cases(process="nhv")],
    "due": lambda reg: reg.due(as_of="2020-06-01"),
}


@pytest.mark.parametrize(
    ("forgery", "read"),
    [("state", "cases(state=...)"), ("state", "due"), ("process", "cases(process=...)"),
     ("process", "due")],
)  # fmt: skip
def test_a_filtered_listing_never_answers_on_a_row_edited_out_of_its_filter(
    url: str, ids: dict[str, str], forgery: str, read: str
) -> None:
    """``cases(state=...)``, ``cases(process=...)`` and ``due()`` either
    refuse (IntegrityError) or answer what the log says, never what an
    edited row says: docs/log-format.md, "What a projection is trusted for"."""
    with opened(url) as reg:
        honest = FILTERED_READS[read](reg)
    who, statement = ROW_FORGERIES[forgery]
    run_sql(url, (statement, (ids[who],)))
    with opened(url) as reg:
        try:
            answered = FILTERED_READS[read](reg)
        except IntegrityError:
            return
    assert answered == honest


PERMIT_EDITS = {
    "added": (
        "INSERT INTO permits VALUES (%s, 9, 'SKANE', 'SUS', true, "
        "'2024-05-20T09:00:00.000000+00:00', '2024-05-20', NULL, '[]')"
    ),
    "deleted": "DELETE FROM permits WHERE case_id = %s",
    "revoked": "UPDATE permits SET valid = false WHERE case_id = %s",
    "other region": "UPDATE permits SET region = 'GOTLAND' WHERE case_id = %s",
    "conditions not json": "UPDATE permits SET conditions = '{junk' WHERE case_id = %s",
}


@pytest.mark.parametrize("edit", sorted(PERMIT_EDITS))
def test_verify_projections_names_an_edited_permit(
    url: str, ids: dict[str, str], edit: str
) -> None:
    case_id = ids["permitted"]
    run_sql(url, (PERMIT_EDITS[edit], (case_id,)))
    with opened(url) as reg:
        assert len(reg.get(case_id).data["permits"]) == 2  # the row is intact
        report = reg.verify(projections=True)
        assert not report.ok and any(case_id in p for p in report.problems)
        reg.rebuild_projections()
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize(
    "statements",
    [
        ["UPDATE regions SET name = 'Region Skåne' WHERE code = 'STOCKHOLM'"],
        [
            "CREATE OR REPLACE VIEW case_overview AS SELECT id, process, 'x'::text AS title, "
            "NULL::text AS programme_area, state, version, updated_at AS updated FROM cases"
        ],
    ],
    ids=["regions", "view"],
)
def test_verify_names_a_forged_overview(url: str, statements: list[str]) -> None:
    run_sql(url, *statements)
    with opened(url) as reg:
        report = reg.verify(projections=True)
    assert not report.ok


# -- registry facts ------------------------------------------------------------------


def test_an_edited_facts_row_is_never_what_a_rule_judges_on(mapped: tuple[str, str]) -> None:
    url, case_id = mapped
    run_sql(
        url,
        "UPDATE facts SET value = '\"2024-01-01T09:00:00.000000+00:00\"' "
        "WHERE key = 'mapping_completed_at'",
    )
    with opened(url) as reg:
        refused = reg.check(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH)
        assert [v.rule for v in refused] == ["nhv.mapping-pause"]
        assert (
            "registry facts differ from the registry stream"
            in reg.verify(projections=True).problems
        )


def test_no_step_is_judged_on_a_registry_event_its_hash_refutes(mapped: tuple[str, str]) -> None:
    url, case_id = mapped
    tamper(
        url,
        "UPDATE events SET occurred_at = '2024-01-01T09:00:00.000000+00:00' "
        "WHERE stream_id = 'registry'",
    )
    group = expert_group()
    with opened(url) as reg:
        assert not reg.verify().ok
        for call in (
            lambda: reg.fire(case_id, "appoint_expert_group", SOS, experts=group, at=MARCH),
            lambda: reg.explain(case_id, "appoint_expert_group", SOS, experts=group, at=MARCH),
        ):
            with pytest.raises(IntegrityError):
                call()
    assert count_events(url) == 2


# -- the triggers --------------------------------------------------------------------


def an_update_of_events_goes_through(url: str) -> bool:
    """Whether an UPDATE of events is let through (tried, then rolled back)."""
    with psycopg.connect(url) as conn:
        try:
            conn.execute("UPDATE events SET type = type WHERE position = 1")
        except psycopg.errors.RestrictViolation:
            return False
        finally:
            conn.rollback()
    return True


def test_verify_reports_a_disabled_trigger_and_a_foreign_one(url: str) -> None:
    run_sql(
        url,
        "ALTER TABLE events DISABLE TRIGGER events_append_only_delete",
        "CREATE FUNCTION audit_drop() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RETURN NULL; END $$",
        "CREATE TRIGGER audit_drop BEFORE INSERT ON events FOR EACH ROW "
        "EXECUTE FUNCTION audit_drop()",
    )
    with opened(url) as reg:
        report = reg.verify()
    assert not report.ok and report.first_bad_position is None
    assert any("events_append_only_delete is disabled" in p for p in report.problems)
    assert any("audit_drop" in p for p in report.problems)


@pytest.mark.parametrize("batched", [False, True], ids=["step", "batch"])
def test_an_event_a_foreign_trigger_drops_is_not_reported_as_taken(
    url: str, ids: dict[str, str], batched: bool
) -> None:
    """A BEFORE INSERT row trigger returning NULL drops the event without an
    error: the step fails by name and nothing of it is written."""
    run_sql(
        url,
        "CREATE FUNCTION audit_drop() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.type = 'PermitApplied' THEN RETURN NULL; END IF; RETURN NEW; END $$",
        "CREATE TRIGGER audit_drop BEFORE INSERT ON events FOR EACH ROW "
        "EXECUTE FUNCTION audit_drop()",
    )
    case_id = ids["decided"]

    def steps(reg: Registry) -> None:
        with reg.batch() if batched else contextlib.nullcontext():
            reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT)
            reg.fire(case_id, "apply_for_permit", STOCKHOLM, unit="KS", at=APPLY_AT)

    with opened(url) as reg:
        with pytest.raises(NhvflowError):
            steps(reg)
        assert reg.get(case_id).version == 6
        assert reg.verify().first_bad_position is None
    assert count_events(url) == 17


NEUTRALISED = {
    "replica-only": "ALTER TABLE events ENABLE REPLICA TRIGGER events_append_only_update",
    "function refuses nothing": (
        "CREATE OR REPLACE FUNCTION nhvflow_refuse_event_change() RETURNS trigger "
        "LANGUAGE plpgsql AS $$ BEGIN IF false THEN RAISE EXCEPTION 'no'; END IF; "
        "RETURN NULL; END $$"
    ),
}


@pytest.mark.parametrize("how", sorted(NEUTRALISED))
def test_verify_reports_an_append_only_trigger_that_no_longer_refuses(url: str, how: str) -> None:
    """docs/deploying.md: "reg.verify() reports a missing or disabled
    trigger"; docs/log-format.md: making one again under its name with other
    SQL is itself reported. Here the trigger stays, enabled in name only."""
    run_sql(url, NEUTRALISED[how])
    assert an_update_of_events_goes_through(url)  # the log is open to edits
    with opened(url) as reg:
        report = reg.verify()
    assert not report.ok


# -- the schema beneath the store ----------------------------------------------------

BROKEN_LAYOUTS = {
    "cases dropped": "DROP TABLE cases CASCADE",
    "permits dropped": "DROP TABLE permits CASCADE",
    "facts dropped": "DROP TABLE facts CASCADE",
    "seal column dropped": "ALTER TABLE cases DROP COLUMN seal",
}


@pytest.mark.parametrize("damage", sorted(BROKEN_LAYOUTS))
def test_verify_projections_reports_a_damaged_layout_without_raising(url: str, damage: str) -> None:
    run_sql(url, BROKEN_LAYOUTS[damage])
    with opened(url) as reg:
        report = reg.verify(projections=True)
    assert not report.ok


@pytest.mark.parametrize("damage", ["cases dropped", "seal column dropped"])
def test_a_step_on_a_damaged_layout_is_a_named_error(
    url: str, ids: dict[str, str], damage: str
) -> None:
    run_sql(url, BROKEN_LAYOUTS[damage])
    with opened(url) as reg:
        for call in (
            lambda: reg.get(ids["decided"]),
            lambda: reg.fire(ids["decided"], "apply_for_permit", SKANE, unit="SUS", at=APPLY_AT),
        ):
            with pytest.raises(NhvflowError):
                call()
    assert count_events(url) == 17


@pytest.mark.parametrize("version", ["3", "99999999999999999999"])
@pytest.mark.parametrize("readonly", [False, True], ids=["write", "readonly"])
def test_a_log_of_a_newer_layout_is_refused_and_left_alone(
    url: str, version: str, readonly: bool
) -> None:
    run_sql(url, ("UPDATE nhvflow_meta SET value = %s WHERE key = 'schema_version'", (version,)))
    with pytest.raises(LogFormatError, match="newer nhvflow"):
        nhvflow.open(url, readonly=readonly)
    assert run_sql(url, "SELECT value FROM nhvflow_meta WHERE key = 'schema_version'") == [
        (version,)
    ]
    assert count_events(url) == 17


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE nhvflow_meta SET value = '0' WHERE key = 'schema_version'",
        "UPDATE nhvflow_meta SET value = '-1' WHERE key = 'schema_version'",
        "DELETE FROM nhvflow_meta WHERE key = 'schema_version'",
    ],
    ids=["zero", "negative", "missing"],
)
def test_a_layout_version_that_no_nhvflow_wrote_is_refused_by_name(
    url: str, statement: str
) -> None:
    run_sql(url, statement)
    with pytest.raises(LogFormatError):
        nhvflow.open(url)


def test_a_schema_holding_a_view_named_events_is_refused_and_left_alone(
    postgres_url: str,
) -> None:
    run_sql(postgres_url, "CREATE VIEW events AS SELECT 1 AS x")
    with pytest.raises(NhvflowError):
        nhvflow.open(postgres_url)
    assert run_sql(
        postgres_url,
        "SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema()",
    ) == [("events",)]


def test_the_search_path_chooses_the_log_and_a_missing_schema_is_named(
    built: tuple[str, dict[str, str]],
) -> None:
    url, ids = built
    base, schema = url.split("?options=-csearch_path%3D")
    with opened(f"{base}?options=-csearch_path%3Dno_such_schema,{schema}") as reg:
        assert reg.get(ids["permitted"]).state == "permitted"
        assert reg.store.count_events() == 17
    for path in ("no_such_schema", "%22No_Such%22", ""):
        with pytest.raises(LogFormatError, match="no schema on the search_path"):
            nhvflow.open(f"{base}?options=-csearch_path%3D{path}")
    with pytest.raises(LogFormatError, match="not an nhvflow log"):
        nhvflow.open(f"{base}?options=-csearch_path%3Dpg_catalog")


# -- readonly=True -------------------------------------------------------------------


def test_readonly_writes_nothing_and_lays_out_nothing(url: str, ids: dict[str, str]) -> None:
    run_sql(url, "DROP TABLE regions CASCADE")  # a log made before the overview views
    case_id = ids["permitted"]
    with opened(url, readonly=True) as reg:
        for call in (
            lambda: reg.submit(NPO, at=T0, **proposal()),
            lambda: reg.fire(case_id, "report_follow_up", SKANE, year=2020),
            lambda: reg.rebuild_projections(),
            lambda: reg.complete_mapping(SOS),
        ):
            with pytest.raises(ReadOnlyLog):
                call()
        with pytest.raises(ReadOnlyLog), reg.batch():
            reg.fire(case_id, "report_follow_up", SKANE, year=2020)
        assert reg.verify(projections=True).ok
        assert reg.check(case_id, "report_follow_up", SKANE, year=2020) == []
    assert count_events(url) == 17
    assert run_sql(url, "SELECT to_regclass('regions') IS NULL") == [(True,)]


def test_readonly_on_an_empty_schema_lays_out_nothing(postgres_url: str) -> None:
    with pytest.raises(LogFormatError, match="holds no nhvflow log"):
        nhvflow.open(postgres_url, readonly=True)
    assert run_sql(
        postgres_url, "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema()"
    ) == [(0,)]


# -- input PostgreSQL holds differently ----------------------------------------------

NUL = "a\x00b"


def test_nul_in_ids_and_keys_is_refused_by_name_and_writes_nothing(
    url: str, ids: dict[str, str]
) -> None:
    case_id = ids["decided"]
    with opened(url) as reg:
        for call in (
            lambda: reg.submit(NPO, case_id=NUL, at=T0, **proposal()),
            lambda: reg.submit(NPO, idempotency_key=NUL, at=T0, **proposal()),
            lambda: reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", idempotency_key=NUL,
                             at=APPLY_AT),
        ):  # fmt: skip
            with pytest.raises(InvalidPayload):
                call()
        for call in (
            lambda: reg.get(NUL),
            lambda: reg.history(NUL),
            lambda: reg.decision(NUL),
            lambda: reg.fire(NUL, "apply_for_permit", SKANE, unit="SUS"),
        ):
            with pytest.raises(UnknownCase):
                call()
        assert reg.cases(state=NUL) == [] and reg.cases(process=NUL) == []
        with pytest.raises(NhvflowError):
            reg.fire(case_id, NUL, SKANE, unit="SUS")
    assert count_events(url) == 17


def test_lone_surrogates_are_refused_by_name(url: str) -> None:
    with opened(url) as reg:
        for call in (
            lambda: reg.submit(NPO, at=T0, **{**proposal(), "title": "T\ud800"}),
            lambda: reg.submit(NPO, case_id="c\ud800", at=T0, **proposal()),
            lambda: reg.submit(NPO, idempotency_key="k\udc00", at=T0, **proposal()),
            lambda: reg.get("c\ud800"),
        ):
            with pytest.raises(InvalidPayload):
                call()
    assert count_events(url) == 17


TRICKY = [
    "nul \x00 in the middle",
    "literal \\u0000 backslash",
    "line separator \u2028 and bom \ufeff",
    "controls \x01\x1f\x7f",
    "combining e\u0301 and å",
    "astral 𝔘 🏥",
    'quote " and \\ and /',
]


def test_text_postgresql_cannot_hold_bare_round_trips_byte_for_byte(
    postgres_url: str, tmp_path: Path
) -> None:
    """Titles, expert and actor names with NUL, escapes and astral
    characters: recorded, read back equal, the stored text is nhvflow's
    canonical JSON, and the chain verifies hash for hash after a copy to
    SQLite and back to another schema."""
    expert = attrs.evolve(expert_group()[0], name="Anna \x00 Berg")
    with opened(postgres_url) as reg:
        for n, title in enumerate(TRICKY):
            reg.submit(
                Actor(NPO.role, f"NPO {title}", programme_area=AREA),
                at=f"2024-01-{n + 1:02d}T09:00:00+00:00",
                idempotency_key=f"k{n}",
                **{**proposal(), "title": title, "nominated_experts": [expert]},
            )
        assert [c.data["title"] for c in reg.cases()] == TRICKY
        assert [e.actor.name for e in reg.events()] == [f"NPO {t}" for t in TRICKY]
        head = reg.store.tail()
        assert reg.verify(projections=True).ok
    stored = run_sql(postgres_url, "SELECT actor, payload FROM events ORDER BY position")
    assert all(canonical(json.loads(a)) == a and canonical(json.loads(p)) == p for a, p in stored)
    path = tmp_path / "copy.sqlite"
    copy_log(postgres_url, path)
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT actor, payload FROM events ORDER BY position").fetchall() == stored
    conn.close()
    base, schema = postgres_url.split("?options=-csearch_path%3D")
    other = f"{schema}_back"
    run_sql(base, f"CREATE SCHEMA {other}")
    back = f"{base}?options=-csearch_path%3D{other}"
    try:
        copy_log(path, back)
        with opened(back) as reg:
            assert reg.verify(strict=True, projections=True).ok
            assert reg.store.tail() == head
    finally:
        run_sql(base, f"DROP SCHEMA {other} CASCADE")


@pytest.mark.parametrize("view", ["case_overview", "permit_overview"])
def test_the_overview_views_read_a_title_holding_a_nul(postgres_url: str, view: str) -> None:
    """nhvflow records the title (it is text, stored as a JSON escape), so
    the views that "read the log without JSON functions" must show it, as
    they do on SQLite."""
    with opened(postgres_url) as reg:
        case = reg.submit(
            NPO, at="2019-01-01T09:00:00+00:00", **{**proposal(), "title": "Parkinson \x00"}
        )
        advance(reg, case.id, "permitted")
    rows = run_sql(postgres_url, f"SELECT title FROM {view}")
    assert len(rows) == (1 if view == "case_overview" else 2)  # one case, two permits
    assert all(str(title).startswith("Parkinson ") for (title,) in rows)


@pytest.mark.parametrize(
    "at", ["2024-01-01T09:00:00+00:00\x00", "2024-01-01T09:00:00\x00+00:00"], ids=["end", "inside"]
)
@pytest.mark.parametrize("entry", ["submit", "get-as_of", "due-as_of"])
def test_a_time_holding_a_nul_is_invalid_payload(
    url: str, ids: dict[str, str], at: str, entry: str
) -> None:
    calls: dict[str, Callable[[Registry], Any]] = {
        "submit": lambda reg: reg.submit(NPO, at=at, **proposal()),
        "get-as_of": lambda reg: reg.get(ids["decided"], as_of=at),
        "due-as_of": lambda reg: reg.due(as_of=at),
    }
    with opened(url) as reg, pytest.raises(InvalidPayload):
        calls[entry](reg)
    assert count_events(url) == 17


BIG = 2**70


def test_numbers_beyond_bigint_are_refused_by_name(url: str, ids: dict[str, str]) -> None:
    with opened(url) as reg:
        for call in (
            lambda: reg.events(since=BIG),
            lambda: reg.events(since=2**63),
            lambda: reg.events(limit=BIG),
            lambda: reg.decision(ids["decided"], version=BIG),
            lambda: reg.fire(ids["permitted"], "report_follow_up", SKANE, year=2**63),
            lambda: reg.fire(ids["permitted"], "report_follow_up", SKANE, year=10**400),
        ):
            with pytest.raises(InvalidPayload):
                call()
        with pytest.raises(ConcurrencyConflict):
            reg.fire(
                ids["decided"], "apply_for_permit", SKANE, unit="SUS", expected_version=BIG,
                at=APPLY_AT,
            )  # fmt: skip
    assert count_events(url) == 17


def test_very_long_texts_are_refused_by_name(url: str, ids: dict[str, str]) -> None:
    long = "x" * 3_000_000
    with opened(url) as reg:
        for call in (
            lambda: reg.get(long),
            lambda: reg.submit(NPO, case_id=long, at=T0, **proposal()),
            lambda: reg.submit(NPO, idempotency_key=long, at=T0, **proposal()),
            lambda: reg.submit(NPO, at=T0, **{**proposal(), "title": long}),
            lambda: reg.fire(ids["permitted"], "report_follow_up", SKANE, year=2020, report=long),
        ):
            with pytest.raises(InvalidPayload):
                call()
    assert count_events(url) == 17


ENCODED_CALLS: dict[str, Callable[[Registry, dict[str, str]], Any]] = {
    "get": lambda reg, ids: reg.get(ids["permitted"]).state,
    "history": lambda reg, ids: len(reg.history(ids["permitted"])),
    "fire": lambda reg, ids: (
        reg.fire(
            ids["permitted"], "report_follow_up", SKANE, year=2020, at="2020-01-01T09:00:00+00:00"
        ).version
    ),
    "submit": lambda reg, ids: (
        reg.submit(NPO, at=T0, **{**proposal(), "title": "Ελληνικά"}).version
    ),
    "verify": lambda reg, ids: reg.verify(projections=True).ok,
}
ENCODED_ANSWERS = {"get": "permitted", "history": 10, "fire": 11, "submit": 1, "verify": True}


@pytest.mark.parametrize("call", sorted(ENCODED_CALLS))
def test_a_client_encoding_from_the_environment_changes_nothing(
    url: str, ids: dict[str, str], monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    """The log is UTF-8 text hashed as UTF-8; a host whose libpq environment
    asks for another client encoding still reads and writes it whole."""
    monkeypatch.setenv("PGCLIENTENCODING", "LATIN1")
    with opened(url) as reg:
        assert ENCODED_CALLS[call](reg, ids) == ENCODED_ANSWERS[call]


def test_the_overview_views_show_a_title_as_written_beside_a_nul(postgres_url: str) -> None:
    """The views turn only a real U+0000 into U+FFFD: a title holding a
    backslash followed by the text "u0000" (escaped in the JSON as
    ``\\\\u0000``) shows as written, and so does the rest of the title."""
    with opened(postgres_url) as reg:
        for title in ("Parkinson \x00 \\u0000 slut", "C:\\u0000\x00"):
            reg.submit(NPO, at="2019-01-01T09:00:00+00:00", **{**proposal(), "title": title})
        assert reg.verify(projections=True).ok
    rows = run_sql(postgres_url, "SELECT title FROM case_overview")
    assert [title for (title,) in rows] == ["Parkinson \ufffd \\u0000 slut", "C:\\u0000\ufffd"]
