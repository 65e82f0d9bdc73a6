"""An audit of what nhvflow does when someone with write access to the file
edits it behind nhvflow's back: case rows, side tables, views, events, the
registry stream, the layout tables and the append-only triggers, in a log
built from ``nhvflow.testing.paths()`` (one case in every state) and closed
before the edit (or, for the row cache, kept open while another connection
edits the file).

What is checked, for each edit: ``verify()`` and ``verify(projections=True)``
name it; every read and step that judges a case (``get``, ``allowed_triggers``,
``check``, ``explain``, ``decision``, ``fire``) refuses a row the log does not
back with :class:`nhvflow.IntegrityError`, or answers from the log; nothing
forged is judged as true. A forged event whose chain hash was recomputed and
that is a legal move is the log's word (only an anchored head reveals it);
that is not held against nhvflow here.

Tests marked ``xfail(strict=True)`` expose what nhvflow fails to notice
today; the reason names the gap in one line (tests/integration/test_tamper.py
covers every column of ``events`` edited one at a time, and the seal of an
edited case row).
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import nhvflow
from nhvflow import Actor, IntegrityError, NhvflowError, Region, UnknownCase
from nhvflow.cli._export import export
from nhvflow.fixtures import expert_group, proposal
from nhvflow.store._chain import GENESIS, chain_hash
from nhvflow.store._sqlite._schema import LOG_TRIGGERS
from nhvflow.testing import paths

SOS = Actor.socialstyrelsen()
SKANE = Actor.region(Region.SKANE)
FAR = "9999-01-01T00:00:00+00:00"
NON_PILOT = "Hjärt- och kärlsjukdomar"
"""A programme area that is no pilot: its expert group waits for the mapping."""

# -- the logs ------------------------------------------------------------------------


@pytest.fixture(name="built", scope="module")
def _built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """A closed log with one case in every state of ``nhv`` (48 events), and
    the case id of each state."""
    path = tmp_path_factory.mktemp("audit") / "template.sqlite"
    ids: dict[str, str] = {}
    with nhvflow.open(path, durability="normal") as reg:
        for found in paths():
            if found.target.kind == "state":
                case = found.play(reg)
                assert case is not None
                ids[found.target.state] = case.id
        assert reg.verify(projections=True).ok
    return path, ids


@pytest.fixture(name="ids")
def _ids(built: tuple[Path, dict[str, str]]) -> dict[str, str]:
    return built[1]


@pytest.fixture(name="log")
def _log(built: tuple[Path, dict[str, str]], tmp_path: Path) -> Path:
    path = tmp_path / "log.sqlite"
    shutil.copyfile(built[0], path)
    return path


@pytest.fixture(name="truth")
def _truth(log: Path) -> dict[str, nhvflow.Case]:
    """Every case as the untouched log has it."""
    with nhvflow.open(log, readonly=True) as reg:
        return {case.id: case for case in reg.cases()}


@pytest.fixture(name="mapped", scope="module")
def _mapped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A closed log: a proposal of an area that is no pilot, submitted
    2024-02-01, and the mapping recorded as completed on 2024-06-01."""
    path = tmp_path_factory.mktemp("audit") / "mapped.sqlite"
    with nhvflow.open(path, durability="normal") as reg:
        case = reg.submit(
            Actor.npo(NON_PILOT),
            at="2024-02-01T09:00:00+00:00",
            **{**proposal(), "programme_area": NON_PILOT, "pilot": False},
        )
        reg.complete_mapping(SOS, at="2024-06-01T09:00:00+00:00")
        assert reg.check(case.id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH), (
            "before the mapping the step is refused"
        )
    return path, case.id


MARCH = "2024-03-01T09:00:00+00:00"
"""Before the mapping was completed in the ``mapped`` log."""


@pytest.fixture(name="mapped_log")
def _mapped_log(mapped: tuple[Path, str], tmp_path: Path) -> tuple[Path, str]:
    path = tmp_path / "mapped.sqlite"
    shutil.copyfile(mapped[0], path)
    return path, mapped[1]


# -- editing the file ----------------------------------------------------------------


def run_sql(path: Path, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Run statements on the file with plain sqlite3, and commit."""
    conn = sqlite3.connect(path)
    for statement in statements:
        sql, args = statement if isinstance(statement, tuple) else (statement, ())
        conn.execute(sql, args)
    conn.commit()
    conn.close()


def tamper(path: Path, *statements: str | tuple[str, tuple[Any, ...]]) -> None:
    """Drop the append-only triggers, run the statements, put the triggers
    back exactly as nhvflow makes them (so that only the edit is seen)."""
    run_sql(
        path,
        "DROP TRIGGER events_append_only_update",
        "DROP TRIGGER events_append_only_delete",
        *statements,
        LOG_TRIGGERS["events_append_only_update"],
        LOG_TRIGGERS["events_append_only_delete"],
    )


def rehash(
    path: Path, *statements: str | tuple[str, tuple[Any, ...]], rebuild: bool = True
) -> None:
    """An attacker who knows docs/log-format.md: edit events, recompute every
    link and hash of the chain, and (``rebuild``) rebuild the projections so
    that every row is sealed to the new chain."""
    tamper(path, *statements)
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER events_append_only_update")
    prev = GENESIS
    for row in conn.execute("SELECT * FROM events ORDER BY position").fetchall():
        digest = chain_hash(
            prev, position=row[0], stream_id=row[1], version=row[2], type=row[3],
            schema_version=row[4], actor=row[5], payload=row[6], occurred_at=row[7],
            recorded_at=row[8], idempotency_key=row[9], request_hash=row[10],
        )  # fmt: skip
        conn.execute(
            "UPDATE events SET prev_hash = ?, hash = ? WHERE position = ?", (prev, digest, row[0])
        )
        prev = digest
    conn.execute(LOG_TRIGGERS["events_append_only_update"])
    conn.commit()
    conn.close()
    if rebuild:
        with nhvflow.open(path) as reg:
            reg.rebuild_projections()


def count_events(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])
    finally:
        conn.close()


def case_row(path: Path, case_id: str) -> tuple[Any, ...]:
    conn = sqlite3.connect(path)
    try:
        return tuple(conn.execute("SELECT * FROM cases WHERE id = ?", (case_id,)).fetchone())
    finally:
        conn.close()


# -- case rows: the engine refuses what the log does not back ------------------------

ROW_EDITS = {
    "state": "state = 'permitted'",
    "version": "version = version + 1",
    "more units": "data = json_set(data, '$.decision.units', 5)",
    "another applicant": (
        "data = json_set(data, '$.applicants', json_array(json_object('region', 'SKANE', "
        "'unit', 'SUS', 'round', 0, 'applied_at', updated_at, 'region_name', 'Region Skåne')))"
    ),
    "another title": "data = json_set(data, '$.title', 'Något annat')",
    "process": "process = 'kc-proposal'",
    "updated_at": "updated_at = '2030-01-01T00:00:00.000000+00:00'",
    "seal": "seal = iif(seal LIKE 'a%', 'b', 'a') || substr(seal, 2)",
}


@pytest.mark.parametrize("edit", sorted(ROW_EDITS))
def test_an_edited_case_row_is_refused_by_every_entry_point_that_judges(
    log: Path, ids: dict[str, str], edit: str
) -> None:
    """Whatever column of a case row is edited, every read or step that
    judges the case raises IntegrityError, nothing is written, and
    ``verify(projections=True)`` names the case."""
    case_id = ids["decided"]
    run_sql(log, (f"UPDATE cases SET {ROW_EDITS[edit]} WHERE id = ?", (case_id,)))
    before = count_events(log)
    with nhvflow.open(log, durability="normal") as reg:
        for call in (
            lambda: reg.get(case_id),
            lambda: reg.allowed_triggers(case_id, SKANE),
            lambda: reg.check(case_id, "apply_for_permit", SKANE, unit="SUS"),
            lambda: reg.explain(case_id, "apply_for_permit", SKANE, unit="SUS"),
            lambda: reg.decision(case_id),
            lambda: reg.fire(
                case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00"
            ),
        ):
            with pytest.raises(IntegrityError):
                call()
        report = reg.verify(projections=True)
    assert count_events(log) == before
    assert not report.ok and any(case_id in p for p in report.problems)


def test_swapped_case_rows_are_refused_for_both_cases(log: Path, ids: dict[str, str]) -> None:
    """Two cases' rows exchanged, each with its valid seal: the seal names
    its case, so neither is judged on the other's row."""
    decided, permitted = ids["decided"], ids["permitted"]
    a, b = case_row(log, decided), case_row(log, permitted)
    update = (
        "UPDATE cases SET process=?, state=?, version=?, data=?, updated_at=?, seal=? WHERE id=?"
    )
    run_sql(log, (update, (*b[1:], decided)), (update, (*a[1:], permitted)))
    with nhvflow.open(log) as reg:
        for case_id in (decided, permitted):
            with pytest.raises(IntegrityError):
                reg.get(case_id)
        problems = reg.verify(projections=True).problems
    assert any(decided in p for p in problems) and any(permitted in p for p in problems)


def test_a_sealed_row_copied_from_another_case_is_refused(log: Path, ids: dict[str, str]) -> None:
    """A case given a copy of another case's row (state, data and valid
    seal) is not judged on it."""
    source, target = ids["permitted"], ids["proposed"]
    row = case_row(log, source)
    run_sql(
        log,
        (
            "UPDATE cases SET process=?, state=?, version=?, data=?, updated_at=?, seal=? "
            "WHERE id=?",
            (*row[1:], target),
        ),
    )
    with nhvflow.open(log) as reg:
        with pytest.raises(IntegrityError):
            reg.fire(target, "report_follow_up", SKANE, year=2024, at="2024-06-01T09:00:00+00:00")
        assert reg.get(source).state == "permitted"


def test_a_deleted_case_row_is_refused_and_named(log: Path, ids: dict[str, str]) -> None:
    case_id = ids["permitted"]
    run_sql(log, ("DELETE FROM cases WHERE id = ?", (case_id,)))
    with nhvflow.open(log) as reg:
        with pytest.raises(IntegrityError, match="has events but no projection"):
            reg.get(case_id)
        assert (
            f"case {case_id}: has events but no projection" in reg.verify(projections=True).problems
        )


@pytest.mark.parametrize("seal", ["copied", "empty"])
def test_a_case_row_with_no_events_is_no_case_to_read_or_judge(
    log: Path, ids: dict[str, str], seal: str
) -> None:
    """A row inserted for a stream with no events (sealed or not) is not
    read or judged as a case, and verify names it."""
    column = "seal" if seal == "copied" else "''"
    run_sql(
        log,
        (
            "INSERT INTO cases SELECT 'forged', process, state, version, data, updated_at, "
            f"{column} FROM cases WHERE id = ?",
            (ids["permitted"],),
        ),
    )
    with nhvflow.open(log) as reg:
        for call in (
            lambda: reg.get("forged"),
            lambda: reg.allowed_triggers("forged", SKANE),
            lambda: reg.decision("forged"),
            lambda: reg.fire("forged", "report_follow_up", SKANE, year=2024),
        ):
            with pytest.raises((IntegrityError, UnknownCase)):
                call()
        assert "case forged: projected but has no events" in reg.verify(projections=True).problems


def test_a_cleared_seal_makes_the_engine_fold_the_stream_and_refuse_an_edit(
    log: Path, ids: dict[str, str]
) -> None:
    """A row stripped of its seal (as if from a log before layout 2) is
    checked by folding its stream: an edit made with it is still refused."""
    case_id = ids["decided"]
    run_sql(
        log,
        (
            "UPDATE cases SET seal = '', data = json_set(data, '$.decision.units', 5) WHERE id = ?",
            (case_id,),
        ),
    )
    with nhvflow.open(log) as reg, pytest.raises(IntegrityError):
        reg.check(case_id, "apply_for_permit", SKANE, unit="SUS")


def test_reads_from_the_log_do_not_take_a_forged_row(
    log: Path, ids: dict[str, str], truth: dict[str, nhvflow.Case]
) -> None:
    """``get(as_of=...)`` and ``history`` answer from the events, whatever the row says."""
    case_id = ids["decided"]
    run_sql(log, ("UPDATE cases SET state = 'permitted' WHERE id = ?", (case_id,)))
    with nhvflow.open(log) as reg:
        assert reg.get(case_id, as_of=FAR) == truth[case_id]
        assert [e.type for e in reg.history(case_id)][-1] == "NhvDecided"


def test_an_open_registry_sees_a_row_edited_by_another_connection(
    log: Path, ids: dict[str, str]
) -> None:
    """The row cache kept between transactions does not outlive an edit
    from another connection: the next read and the next step both refuse."""
    case_id = ids["decided"]
    with nhvflow.open(log, durability="normal") as reg:
        reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
        run_sql(
            log,
            (
                "UPDATE cases SET data = json_set(data, '$.decision.units', 5) WHERE id = ?",
                (case_id,),
            ),
        )
        with pytest.raises(IntegrityError):
            reg.get(case_id)
        stockholm = Actor.region(Region.STOCKHOLM)
        with pytest.raises(IntegrityError):
            reg.fire(case_id, "apply_for_permit", stockholm, unit="KS", at=MAY_2)
        assert reg.store.count_events() == 49


MAY_2 = "2024-05-02T09:00:00+00:00"


def test_an_open_registry_chains_onto_an_event_appended_by_another_connection(
    log: Path, ids: dict[str, str]
) -> None:
    """The log's tail kept between transactions is dropped when another
    connection commits: the next step links to what is on disk."""
    case_id = ids["decided"]
    with nhvflow.open(log, durability="normal") as reg:
        reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
        with nhvflow.open(log, durability="normal") as other:
            npo = Actor.npo(other.get(ids["proposed"]).data["programme_area"])
            other.fire(ids["proposed"], "withdraw", npo, reason="Dras tillbaka.")
        stockholm = Actor.region(Region.STOCKHOLM)
        reg.fire(case_id, "apply_for_permit", stockholm, unit="KS", at=MAY_2)
        assert reg.verify(projections=True).ok


# -- registry facts and layout -------------------------------------------------------


def test_the_facts_table_is_never_what_a_rule_judges_on(mapped_log: tuple[Path, str]) -> None:
    """An edited ``facts`` row (the mapping done earlier) does not let the
    expert group in before the mapping; verify names the difference."""
    path, case_id = mapped_log
    run_sql(
        path,
        "UPDATE facts SET value = '\"2024-01-01T09:00:00.000000+00:00\"' "
        "WHERE key = 'mapping_completed_at'",
    )
    with nhvflow.open(path) as reg:
        assert reg.check(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH)
        assert (
            "registry facts differ from the registry stream"
            in reg.verify(projections=True).problems
        )


@pytest.mark.parametrize(
    ("statements", "error"),
    [
        (["UPDATE nhvflow_meta SET value = '3' WHERE key = 'schema_version'"], "newer nhvflow"),
        (["UPDATE nhvflow_meta SET value = 'x' WHERE key = 'format'"], "not an nhvflow log"),
        (["DELETE FROM nhvflow_meta"], "not an nhvflow log"),
        (["DELETE FROM _sqlite_migrations"], "already exists"),
        (["DELETE FROM _sqlite_migrations WHERE name = '0002_case_seal'"], "duplicate column"),
    ],
    ids=["newer-layout", "other-format", "no-meta", "no-migrations", "seal-migration-undone"],
)
def test_an_edited_layout_is_refused_at_open_with_an_nhvflow_error(
    log: Path, statements: list[str], error: str
) -> None:
    run_sql(log, *statements)
    with pytest.raises(NhvflowError, match=error):
        nhvflow.open(log)


def test_a_dropped_no_rewrite_trigger_comes_back_when_its_migration_is_undone(log: Path) -> None:
    run_sql(log, "DELETE FROM _sqlite_migrations WHERE name = '0004_no_rewrite'")
    tamper(log, "DROP TRIGGER events_no_rewrite")
    with nhvflow.open(log) as reg:
        assert reg.verify().ok


# -- events: what the fold refuses, and what only an anchor reveals -----------------


def test_a_rehashed_event_moved_to_another_stream_is_named(log: Path, ids: dict[str, str]) -> None:
    """A decision moved into a case still in consultation, chain recomputed:
    the fold refuses it (deciding before the consultation closed is no legal
    move), so the rebuild that would seal the forged rows cannot be made,
    and verify names the event."""
    statement = (
        "UPDATE events SET stream_id = ?, version = 5 WHERE stream_id = ? AND version = 6",
        (ids["consultation"], ids["decided"]),
    )
    with pytest.raises(IntegrityError, match="not a legal move"):
        rehash(log, statement)
    with nhvflow.open(log) as reg:
        report = reg.verify(projections=True)
    assert any(ids["consultation"] in p and "not a legal move" in p for p in report.problems)


def test_a_rehashed_legal_move_in_another_stream_is_the_logs_word(
    log: Path, ids: dict[str, str]
) -> None:
    """The consultation of one case moved, chain recomputed and rows
    resealed, to a case whose next legal move it is: the chain, the fold
    and the seals all agree, so only an anchored head shows the rewrite
    (expected; docs/log-format.md, "Anchoring")."""
    consultation = ids["consultation"]
    with nhvflow.open(log) as reg:
        head = reg.store.tail()
    rehash(
        log,
        (
            "UPDATE events SET stream_id = ? WHERE stream_id = ? AND version = 4",
            (ids["basis_delivered"], consultation),
        ),
    )
    with nhvflow.open(log) as reg:
        assert reg.verify(projections=True).ok
        assert reg.get(ids["basis_delivered"]).state == "consultation"
        assert reg.get(consultation).state == "basis_delivered"
        assert reg.store.tail() != head


def test_a_truncated_tail_with_its_old_row_put_back_is_visible_only_to_an_anchor(
    log: Path, ids: dict[str, str]
) -> None:
    """The last step removed and the row it replaced put back (from an
    older copy of the file): the chain and every seal check out; only the
    head kept outside the file (docs/log-format.md) shows the loss."""
    case_id = ids["decided"]
    old = case_row(log, case_id)
    with nhvflow.open(log) as reg:
        reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
        anchored = reg.store.tail()
    tamper(
        log,
        "DELETE FROM events WHERE position = (SELECT MAX(position) FROM events)",
        ("DELETE FROM cases WHERE id = ?", (case_id,)),
        ("INSERT INTO cases VALUES (?,?,?,?,?,?,?)", old),
    )
    with nhvflow.open(log) as reg:
        assert reg.verify(projections=True).ok
        assert reg.get(case_id).version == 6
        assert reg.store.tail() != anchored


# -- the gaps ------------------------------------------------------------------------

FORGED_ROWS = {
    "state": lambda ids: [("UPDATE cases SET state = 'permitted' WHERE id = ?", (ids["decided"],))],
    "inserted": lambda ids: [
        (
            "INSERT INTO cases SELECT 'forged', process, state, version, data, updated_at, seal "
            "FROM cases WHERE id = ?",
            (ids["permitted"],),
        )
    ],
    "other-case-data": lambda ids: [
        (
            "UPDATE cases SET state = 'permitted', data = (SELECT data FROM cases WHERE id = ?) "
            "WHERE id = ?",
            (ids["permitted"], ids["decided"]),
        )
    ],
}


@pytest.mark.parametrize("forgery", sorted(FORGED_ROWS))
def test_cases_lists_no_row_the_log_does_not_back(
    log: Path, ids: dict[str, str], truth: dict[str, nhvflow.Case], forgery: str
) -> None:
    """``cases()`` (and ``cases(state=...)``) either refuses or lists what
    the log says, never a forged state or a case without events."""
    run_sql(log, *FORGED_ROWS[forgery](ids))
    with nhvflow.open(log) as reg:
        try:
            listed = reg.cases()
            permitted = {c.id for c in reg.cases(state="permitted")}
        except IntegrityError:
            return
    assert listed == list(truth.values())
    assert permitted == {ids["permitted"]}


def test_export_writes_no_permit_of_a_forged_row(log: Path, ids: dict[str, str]) -> None:
    run_sql(log, *FORGED_ROWS["inserted"](ids))
    out = io.StringIO()
    with nhvflow.open(log) as reg:
        try:
            export(reg, "permits", "jsonl", out)
        except IntegrityError:
            return
    assert [json.loads(line)["case_id"] for line in out.getvalue().splitlines()] == [
        ids["permitted"]
    ]


@pytest.mark.parametrize("forgery", sorted(FORGED_ROWS))
def test_due_lists_no_obligation_of_a_forged_row(
    log: Path, ids: dict[str, str], forgery: str
) -> None:
    with nhvflow.open(log) as reg:
        honest = reg.due(as_of="2024-06-01")
    run_sql(log, *FORGED_ROWS[forgery](ids))
    with nhvflow.open(log) as reg:
        try:
            due = reg.due(as_of="2024-06-01")
        except IntegrityError:
            return
    assert due == honest


PERMIT_EDITS = {
    "added": (
        "INSERT INTO permits VALUES (?, 2, 'SKANE', 'Skånes universitetssjukhus', 1, "
        "'2024-05-20T09:00:00.000000+00:00', '2024-05-20', NULL, '[]')"
    ),
    "deleted": "DELETE FROM permits WHERE case_id = ?",
    "revoked": "UPDATE permits SET valid = 0 WHERE case_id = ?",
    "other region": "UPDATE permits SET region = 'SKANE' WHERE case_id = ?",
}


@pytest.mark.parametrize("edit", sorted(PERMIT_EDITS))
def test_verify_projections_names_an_edited_permit(
    log: Path, ids: dict[str, str], edit: str
) -> None:
    """``permits`` is a projection (docs/log-format.md), read by the view
    ``permit_overview``: an edit of it is a projection that differs."""
    case_id = ids["permitted"]
    run_sql(log, (PERMIT_EDITS[edit], (case_id,)))
    with nhvflow.open(log) as reg:
        assert reg.get(case_id).data["permits"][0]["region"] == "STOCKHOLM"  # the row is intact
        report = reg.verify(projections=True)
    assert not report.ok and any(case_id in p for p in report.problems)


@pytest.mark.parametrize(
    "statements",
    [
        ["UPDATE regions SET name = 'Region Skåne' WHERE code = 'STOCKHOLM'"],
        [
            "DROP VIEW permit_overview",
            "CREATE VIEW permit_overview AS SELECT 'x' AS case_id, 'y' AS title, "
            "'Region Skåne' AS region, 'SUS' AS unit, 1 AS valid",
        ],
    ],
    ids=["regions", "view"],
)
def test_verify_names_a_forged_overview(log: Path, statements: list[str]) -> None:
    run_sql(log, *statements)
    with nhvflow.open(log) as reg:
        assert not reg.verify(projections=True).ok


def edit_the_decision(log: Path, ids: dict[str, str]) -> str:
    """The decided case's last event says 5 units instead of 1; no hash recomputed."""
    case_id = ids["decided"]
    tamper(
        log,
        (
            "UPDATE events SET payload = json_set(payload, '$.units', 5) "
            "WHERE stream_id = ? AND version = 6",
            (case_id,),
        ),
    )
    return case_id


def test_verify_names_an_edited_decision_and_get_answers_from_the_sealed_row(
    log: Path, ids: dict[str, str]
) -> None:
    case_id = edit_the_decision(log, ids)
    conn = sqlite3.connect(log)
    (edited,) = conn.execute(
        "SELECT position FROM events WHERE stream_id = ? AND version = 6", (case_id,)
    ).fetchone()
    conn.close()
    with nhvflow.open(log) as reg:
        assert reg.verify().first_bad_position == edited
        assert reg.get(case_id).data["decision"]["units"] == 1


READS_OF_THE_LOG = {
    "get-as-of": lambda reg, case_id: reg.get(case_id, as_of=FAR).data["decision"]["units"],
    "history": lambda reg, case_id: reg.history(case_id)[-1].payload["units"],
    "events": lambda reg, case_id: [
        e.payload["units"] for e in reg.events() if e.stream_id == case_id and "units" in e.payload
    ],
    "decision": lambda reg, case_id: reg.decision(case_id, lang="en").markdown,
}


@pytest.mark.parametrize("read", sorted(READS_OF_THE_LOG))
def test_a_read_does_not_return_an_event_its_own_hash_refutes(
    log: Path, ids: dict[str, str], read: str
) -> None:
    """An event edited without recomputing its hash is refuted by its own
    row (no chain walk needed); a read should refuse it, not show 5 units
    where ``get()`` shows 1."""
    case_id = edit_the_decision(log, ids)
    with nhvflow.open(log) as reg, pytest.raises(IntegrityError):
        READS_OF_THE_LOG[read](reg, case_id)


def junk_pilot_designation(path: Path) -> None:
    """A PilotDesignated for the area appended by hand, its hash made up."""
    conn = sqlite3.connect(path)
    actor, tail = conn.execute(
        "SELECT (SELECT actor FROM events WHERE stream_id = 'registry'), hash FROM events "
        "ORDER BY position DESC LIMIT 1"
    ).fetchone()
    conn.execute(
        "INSERT INTO events VALUES ((SELECT MAX(position) + 1 FROM events), 'registry', 2, "
        "'PilotDesignated', 1, ?, ?, '2024-01-15T09:00:00.000000+00:00', "
        "'2024-01-15T09:00:00.000000+00:00', NULL, NULL, ?, ?)",
        (actor, json.dumps({"programme_area": NON_PILOT, "reason": ""}), tail, "f" * 64),
    )
    conn.commit()
    conn.close()


REGISTRY_FORGERIES = {
    "mapping-dated-earlier": lambda path: tamper(
        path,
        "UPDATE events SET occurred_at = '2024-01-01T09:00:00.000000+00:00' "
        "WHERE stream_id = 'registry'",
    ),
    "pilot-with-made-up-hash": junk_pilot_designation,
}


@pytest.mark.parametrize("forgery", sorted(REGISTRY_FORGERIES))
def test_no_step_is_judged_on_a_registry_event_its_hash_refutes(
    mapped_log: tuple[Path, str], forgery: str
) -> None:
    """The mapping pause lifted by a registry event whose stored hash does
    not match it: the expert group must not be appointed on that word."""
    path, case_id = mapped_log
    REGISTRY_FORGERIES[forgery](path)
    before = count_events(path)
    with nhvflow.open(path) as reg:
        assert not reg.verify().ok  # the chain names the forged event
        with pytest.raises(NhvflowError):
            reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH)
    assert count_events(path) == before


def silently_drop(path: Path, event_type: str) -> None:
    """A foreign trigger that makes SQLite skip, without an error, every
    insert of events of ``event_type``."""
    run_sql(
        path,
        f"CREATE TRIGGER audit_drop BEFORE INSERT ON events WHEN NEW.type = '{event_type}' "
        "BEGIN SELECT RAISE(IGNORE); END",
    )


def test_a_step_whose_event_was_not_written_is_not_reported_as_taken(
    log: Path, ids: dict[str, str]
) -> None:
    """fire() returns a case at version 7 though the log holds no event 7;
    a second step in the same registry then links to the missing event."""
    case_id = ids["decided"]
    silently_drop(log, "PermitApplied")
    with nhvflow.open(log, durability="normal") as reg, pytest.raises(NhvflowError):
        reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
    assert count_events(log) == 48
    assert case_row(log, case_id)[3] == 6  # and no projection of the unwritten step


def test_a_dropped_event_leaves_no_step_linked_to_an_event_the_log_lacks(
    log: Path, ids: dict[str, str]
) -> None:
    """The same registry takes the next step on the row and tail it kept
    for the unwritten event: version 8 follows 6 and its prev_hash names a
    hash no event has, so the chain the engine itself writes is broken."""
    case_id = ids["decided"]
    silently_drop(log, "PermitApplied")
    with nhvflow.open(log, durability="normal") as reg:
        with contextlib.suppress(NhvflowError):
            reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
        with contextlib.suppress(NhvflowError):
            reg.fire(case_id, "prepare_board", SOS, at="2024-08-01T09:00:00+00:00")
        report = reg.verify()
    assert report.first_bad_position is None, str(report)


def test_verify_reports_a_foreign_trigger_on_events(log: Path) -> None:
    silently_drop(log, "PermitRevoked")
    with nhvflow.open(log) as reg:
        report = reg.verify()
    assert not report.ok
    assert any("audit_drop" in p for p in report.problems)


def test_the_fold_refuses_an_event_dated_before_the_step_before_it(
    log: Path, ids: dict[str, str]
) -> None:
    """A live step dated before the case's last one is refused
    (InvalidPayload); an event so dated, chain recomputed, is no legal move
    either. Today it is folded, and get(as_of=...) then fails with a
    LogFormatError claiming the stream starts with a decision."""
    case_id = ids["decided"]
    with pytest.raises(IntegrityError):
        rehash(
            log,
            (
                "UPDATE events SET occurred_at = '2020-01-01T09:00:00.000000+00:00' "
                "WHERE stream_id = ? AND version = 6",
                (case_id,),
            ),
        )


def rehash_many_units(log: Path, case_id: str) -> None:
    """The decision of ``case_id`` says ``units='many'`` (no decision step
    records that), chain recomputed; the projections are left as they were."""
    rehash(
        log,
        (
            "UPDATE events SET payload = json_set(payload, '$.units', 'many') "
            "WHERE stream_id = ? AND version = 6",
            (case_id,),
        ),
        rebuild=False,
    )


def test_the_fold_refuses_a_payload_its_event_type_cannot_parse(
    log: Path, ids: dict[str, str]
) -> None:
    """A decision of ``units='many'``, chain recomputed: the chain verifies,
    but no replay folds it into a case. Before, a rebuild folded it, and the
    next step and ``due()`` failed with a bare ValueError from the case view."""
    case_id = ids["decided"]
    rehash_many_units(log, case_id)
    with nhvflow.open(log) as reg:
        assert reg.verify().ok  # the chain alone cannot tell
        report = reg.verify(projections=True)
        assert not report.ok
        position = report.first_bad_position
        assert position is not None
        with pytest.raises(IntegrityError) as rebuilt:
            reg.rebuild_projections()
        assert rebuilt.value.position == position
        with pytest.raises(IntegrityError):
            reg.get(case_id, as_of="2024-06-01T00:00:00+00:00")
    assert case_row(log, case_id)[3] == 6  # the refused rebuild wrote nothing


def test_a_case_with_an_unparseable_fact_fails_with_an_nhvflow_error(
    log: Path, ids: dict[str, str]
) -> None:
    case_id = ids["decided"]
    rehash_many_units(log, case_id)
    with nhvflow.open(log) as reg:
        with contextlib.suppress(IntegrityError):
            reg.rebuild_projections()
        with pytest.raises(NhvflowError):
            reg.fire(case_id, "apply_for_permit", SKANE, unit="SUS", at="2024-05-01T09:00:00+00:00")
        with pytest.raises(NhvflowError):
            reg.due(as_of="2024-06-01")


def test_verify_never_raises_on_a_malformed_registry_event(mapped_log: tuple[Path, str]) -> None:
    """A PilotDesignated with no ``programme_area``, chain recomputed:
    verify reports it (it never raises on a damaged log), and a step fails
    with an nhvflow error, not a KeyError."""
    path, case_id = mapped_log
    rehash(path, "UPDATE events SET type = 'PilotDesignated', payload = '{}' "
                 "WHERE stream_id = 'registry'")  # fmt: skip
    with nhvflow.open(path) as reg:
        assert not reg.verify(projections=True).ok
        with pytest.raises(NhvflowError):
            reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=MARCH)


def test_a_forged_row_without_events_does_not_claim_its_case_id(
    log: Path, ids: dict[str, str]
) -> None:
    """A row with no events is no case (docs/log-format.md): it may be
    reported (IntegrityError), but not judged as a case that exists."""
    run_sql(log, *FORGED_ROWS["inserted"](ids))
    npo = Actor.npo(proposal()["programme_area"])
    with nhvflow.open(log) as reg:
        try:
            case = reg.submit(npo, case_id="forged", at="2024-06-01T09:00:00+00:00", **proposal())
        except IntegrityError:
            return
        assert case.version == 1
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize(
    ("edit", "listing"),
    [
        ("UPDATE cases SET state = 'rejected' WHERE id = ?", "cases(state=)"),
        ("UPDATE cases SET state = 'rejected' WHERE id = ?", "due"),
        ("UPDATE cases SET process = 'kc-proposal' WHERE id = ?", "cases(process=)"),
        ("UPDATE cases SET process = 'kc-proposal' WHERE id = ?", "due"),
    ],
)
def test_a_filtered_listing_refuses_a_row_edited_out_of_its_filter(
    log: Path, ids: dict[str, str], edit: str, listing: str
) -> None:
    """A row edited out of a listing's filter (its state or process column)
    is refused, not left out: the filter reads the log too (the stream's
    last and first events), so the row is listed and then fails its check.
    Before, `cases(state="permitted")` and `due()` silently left the case
    and its duties out."""
    case_id = ids["permitted"]
    run_sql(log, (edit, (case_id,)))
    with nhvflow.open(log) as reg:
        listings: dict[str, Callable[[], object]] = {
            "cases(state=)": lambda: reg.cases(state="permitted"),
            "cases(process=)": lambda: reg.cases(process="nhv"),
            "due": lambda: reg.due(as_of="2030-01-01"),
        }
        with pytest.raises(IntegrityError):
            listings[listing]()
