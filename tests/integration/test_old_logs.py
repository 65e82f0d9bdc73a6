"""Logs written by earlier nhvflow versions, read and extended by today's.

The fixtures in ``tests/fixtures/old_logs`` were written by
``tests/fixtures/old_logs/make_logs.py`` run against four commits (see the
README there): the first log where the NHV process ran end to end
(``3ea4161``), the last before layout 2 sealed case rows (``a0dd83a``; also
before ``events_no_rewrite`` and before ``CasePreparedForBoard`` and
``PermitRevoked`` gained schema 2), the last before the log's JSON went
through msgspec (``382c40a``) and a recent one (``3cb16a5``).

The promise (docs/log-format.md, CHANGELOG "Log layout 2"): an old log opens
with today's code, is upgraded by the existing migrations when opened for
writing and never when ``readonly=True``, verifies with every hash
unchanged, rebuilds to what a fold gives, takes the next step, and reads
back (``history``, ``get(as_of=)``, ``events``) in today's shapes through the
upcasters. Each test copies its fixture to ``tmp_path`` first.
"""

from __future__ import annotations

import shutil
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import nhvflow
from nhvflow import Actor, IdempotencyConflict, IntegrityError, Region
from nhvflow.cli import main

HERE = Path(__file__).resolve().parents[1] / "fixtures" / "old_logs"
ODD = 'å ä ö Å Ä Ö é ü — 🏥🩺 "citat" och \\ omvänt snedstreck'
"""The odd text make_logs.py puts in titles, reasons and notes."""

FIRST = "3ea4161-first-end-to-end"
BEFORE_SEAL = "a0dd83a-before-case-seal"
BEFORE_MSGSPEC = "382c40a-before-msgspec"
RECENT = "3cb16a5-recent"
ALL = (FIRST, BEFORE_SEAL, BEFORE_MSGSPEC, RECENT)
LAYOUT_1 = (FIRST, BEFORE_SEAL)
"""Written before layout 2 (unsealed case rows), before ``0004_no_rewrite`` and
before ``CasePreparedForBoard``/``PermitRevoked`` schema 2."""
LAYOUT_2 = (BEFORE_MSGSPEC, RECENT)
MIGRATIONS = ["0001_initial", "0002_case_seal", "0003_overview_views", "0004_no_rewrite"]
LOG_TRIGGERS = {"events_append_only_update", "events_append_only_delete", "events_no_rewrite"}


def copy_of(name: str, tmp_path: Path) -> Path:
    target = tmp_path / f"{name}.sqlite"
    shutil.copyfile(HERE / f"{name}.sqlite", target)
    return target


def read(path: Path) -> sqlite3.Connection:
    """A read-only connection; the committed fixtures are read as immutable,
    so that no '-wal' or '-shm' file appears beside them."""
    immutable = "&immutable=1" if path.resolve().parent == HERE else ""
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro{immutable}", uri=True)


def event_rows(path: Path) -> list[tuple[Any, ...]]:
    """Every column of every event, in log order, as SQLite holds them."""
    conn = read(path)
    try:
        return conn.execute("SELECT * FROM events ORDER BY position").fetchall()
    finally:
        conn.close()


def layout(path: Path) -> tuple[list[str], str, set[str]]:
    """The migrations applied, ``nhvflow_meta.schema_version`` and the triggers on events."""
    conn = read(path)
    try:
        applied = [r[0] for r in conn.execute("SELECT name FROM _sqlite_migrations ORDER BY name")]
        (version,) = conn.execute(
            "SELECT value FROM nhvflow_meta WHERE key = 'schema_version'"
        ).fetchone()
        triggers = {
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events'"
            )
        }
        return applied, version, triggers
    finally:
        conn.close()


def streams(path: Path) -> list[str]:
    """The case ids, in order of their first event."""
    return list(
        dict.fromkeys(r[1] for r in event_rows(path) if r[1] != "registry")  # stream_id
    )


def keyed(path: Path, key: str) -> str:
    """The stream of the event recorded under idempotency key ``key``."""
    (row,) = [r for r in event_rows(path) if r[9] == key]
    return str(row[1])


# -- opened read-only ----------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_readonly_open_changes_nothing_and_reads_every_event(name, tmp_path):
    path = copy_of(name, tmp_path)
    before = path.read_bytes()
    rows = event_rows(path)
    with nhvflow.open(str(path), readonly=True) as reg:
        events = reg.events(limit=10_000)
        assert [e.position for e in events] == list(range(1, len(rows) + 1))
        assert reg.verify(projections=False).checked == len(rows)
    assert path.read_bytes() == before
    assert layout(path) == layout(HERE / f"{name}.sqlite")


@pytest.mark.parametrize("name", ALL)
def test_a_readonly_verify_of_an_untouched_old_log_is_ok(name, tmp_path):
    with nhvflow.open(str(copy_of(name, tmp_path)), readonly=True) as reg:
        report = reg.verify()
    assert report.ok, str(report)


@pytest.mark.parametrize("name", ALL)
def test_a_readonly_open_lists_and_reads_every_case(name, tmp_path):
    path = copy_of(name, tmp_path)
    with nhvflow.open(str(path), readonly=True) as reg:
        listed = [c.id for c in reg.cases()]
        assert listed == streams(path)
        assert reg.get(listed[0]).state == "permitted"
        assert reg.verify(projections=True).ok


# -- opened for writing --------------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_writable_open_upgrades_the_layout_and_keeps_every_event_byte_for_byte(name, tmp_path):
    path = copy_of(name, tmp_path)
    original = event_rows(path)
    with nhvflow.open(str(path)) as reg:
        report = reg.verify()
        assert report.ok, str(report)
        assert report.checked == len(original)
    assert event_rows(path) == original
    applied, version, triggers = layout(path)
    assert applied == MIGRATIONS
    assert version == "2"
    assert triggers >= LOG_TRIGGERS


@pytest.mark.parametrize("name", ALL)
def test_an_upgraded_log_verifies_its_projections_before_any_rebuild(name, tmp_path):
    with nhvflow.open(str(copy_of(name, tmp_path))) as reg:
        report = reg.verify(projections=True)
    assert report.ok, str(report)


@pytest.mark.parametrize("name", ALL)
def test_an_upgraded_log_takes_the_next_step_without_a_rebuild(name, tmp_path):
    """CHANGELOG, log layout 2: rows of layout 1 'gain a seal with their next step'."""
    path = copy_of(name, tmp_path)
    first = streams(path)[0]
    with nhvflow.open(str(path)) as reg:
        before = reg.get(first)
        case = reg.fire(
            first, "evaluate", Actor.socialstyrelsen(), findings=f"Ny utvärdering {ODD}",
            at=datetime(2024, 1, 2, 9, tzinfo=UTC),
        )  # fmt: skip
        assert case.version == before.version + 1
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize("name", ALL)
def test_a_rebuild_gives_what_a_fold_gives_and_keeps_every_hash(name, tmp_path):
    path = copy_of(name, tmp_path)
    original = event_rows(path)
    ids = streams(path)
    with nhvflow.open(str(path)) as reg:
        assert reg.rebuild_projections() == len(ids)
        report = reg.verify(projections=True)
        assert report.ok, str(report)
        cases = reg.cases()
        assert [c.id for c in cases] == ids
        for case in cases:
            last = reg.history(case.id)[-1]
            assert reg.get(case.id, as_of=last.occurred_at) == case
    assert event_rows(path) == original


@pytest.mark.parametrize("name", ALL)
def test_after_a_rebuild_the_next_step_extends_the_chain(name, tmp_path):
    path = copy_of(name, tmp_path)
    original = event_rows(path)
    last_types = {r[1]: r[3] for r in original}  # each stream's last event
    (decided,) = [i for i in streams(path) if last_types[i] == "PermitApplied"]
    with nhvflow.open(str(path)) as reg:
        reg.rebuild_projections()
        case = reg.fire(
            decided, "apply_for_permit", Actor.region(Region.GOTLAND),
            unit=f"Visby lasarett {ODD}", at=datetime(2020, 6, 20, 9, tzinfo=UTC),
        )  # fmt: skip
        assert case.state == "decided"
        assert [a["region"] for a in case.data["applicants"]] == ["UPPSALA", "GOTLAND"]
        report = reg.verify(projections=True)
        assert report.ok, str(report)
    rows = event_rows(path)
    assert rows[: len(original)] == original
    assert rows[-1][0] == len(original) + 1
    assert rows[-1][11] == original[-1][12]  # prev_hash of the new event = the old head


# -- reading back in today's shapes --------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_history_reads_every_event_in_todays_shapes(name, tmp_path):
    path = copy_of(name, tmp_path)
    with nhvflow.open(str(path)) as reg:
        history = [e for i in streams(path) for e in reg.history(i)]
        feed = reg.events(limit=10_000)
    assert len(history) == len([r for r in event_rows(path) if r[1] != "registry"])
    by_position = {e.position: e for e in feed}
    for event in history:
        assert by_position[event.position] == event
        assert event.occurred_at.tzinfo is not None
    kinds = {e.type: e for e in history}
    assert kinds["ProposalSubmitted"].schema_version == 2
    assert isinstance(kinds["ProposalSubmitted"].payload["pilot"], bool)
    prepared = kinds["CasePreparedForBoard"]
    assert prepared.schema_version == 2
    assert "knowledge_spreading_need" in prepared.payload
    revoked = [e for e in history if e.type == "PermitRevoked"]
    assert [e.payload["ground"] for e in revoked] == ["holder_request", "conditions_not_met"]
    assert all(e.schema_version == 3 and "applications_due" in e.payload for e in revoked)
    # these earlier versions did not record whether a period was the registry's default
    assert all(e.payload["applications_due_default"] is None for e in revoked)
    assert kinds["NhvDecided"].schema_version == 2
    assert kinds["NhvDecided"].payload["applications_due_default"] is None
    assert revoked[0].payload["reason"] == f"Huvudmannen begärde det {ODD}"
    assert kinds["ProposalSubmitted"].actor.role.value == "npo"
    titles = [e.payload.get("title") for e in history if e.type == "ProposalSubmitted"]
    assert f"Djup hjärnstimulering {ODD}" in titles
    mapping = [e for e in feed if e.type == "MappingCompleted"]
    assert [e.payload["note"] for e in mapping] == [f"Kartläggningen är klar {ODD}"]


@pytest.mark.parametrize("name", ALL)
def test_get_as_of_replays_an_old_case_to_each_of_its_states(name, tmp_path):
    path = copy_of(name, tmp_path)
    first = streams(path)[0]
    with nhvflow.open(str(path), readonly=True) as reg:
        history = reg.history(first)
        states = [reg.get(first, as_of=e.occurred_at).state for e in history]
    assert states[:8] == [
        "proposed", "expert_review", "basis_delivered", "consultation", "prepared",
        "decided", "decided", "decided",
    ]  # fmt: skip
    assert states[-1] == "permitted"
    assert len(states) == len(history) == 17


@pytest.mark.parametrize("name", ALL)
def test_a_repeated_submission_under_its_old_key_returns_its_first_result(name, tmp_path):
    from nhvflow.fixtures import expert_group, proposal

    path = copy_of(name, tmp_path)
    count = len(event_rows(path))
    kwargs = proposal("Nervsystemets sjukdomar", title=f"Djup hjärnstimulering {ODD}")
    kwargs["nominated_experts"] = expert_group()[:2]
    with nhvflow.open(str(path)) as reg:
        reg.rebuild_projections()
        case = reg.submit(
            Actor.npo("Nervsystemets sjukdomar"), idempotency_key="npo-2019-0001",
            at=datetime(2019, 1, 10, 9, tzinfo=UTC), **kwargs,
        )  # fmt: skip
    assert case.id == keyed(path, "npo-2019-0001")
    assert case.version == 1
    assert len(event_rows(path)) == count


@pytest.mark.parametrize("name", ALL)
def test_a_repeated_revocation_under_its_old_key_returns_its_first_result(name, tmp_path):
    path = copy_of(name, tmp_path)
    count = len(event_rows(path))
    case_id = keyed(path, "board-revoke-1")
    with nhvflow.open(str(path)) as reg:
        reg.rebuild_projections()
        case = reg.fire(
            case_id, "revoke_permit", Actor.board(), region=Region.STOCKHOLM,
            ground="holder_request", reason=f"Huvudmannen begärde det {ODD}",
            idempotency_key="board-revoke-1", at=datetime(2022, 5, 1, 9, tzinfo=UTC),
        )  # fmt: skip
    assert case.version == 16
    assert len(event_rows(path)) == count


@pytest.mark.parametrize("name", LAYOUT_1)
def test_an_old_key_repeated_with_a_field_its_schema_lacked_is_a_conflict(name, tmp_path):
    """A repeat under the old key that sets a field the first request's
    schema did not have (a new round's last day) is not that request."""
    path = copy_of(name, tmp_path)
    count = len(event_rows(path))
    case_id = keyed(path, "board-revoke-1")
    with nhvflow.open(str(path)) as reg:
        reg.rebuild_projections()
        with pytest.raises(IdempotencyConflict):
            reg.fire(
                case_id, "revoke_permit", Actor.board(), region=Region.STOCKHOLM,
                ground="holder_request", reason=f"Huvudmannen begärde det {ODD}",
                applications_due="2022-09-01",
                idempotency_key="board-revoke-1", at=datetime(2022, 5, 1, 9, tzinfo=UTC),
            )  # fmt: skip
    assert len(event_rows(path)) == count


# -- copying -------------------------------------------------------------------------------


def copy(source: Path, destination: Path) -> Any:
    return CliRunner().invoke(main, ["copy", str(source), str(destination)])


@pytest.mark.parametrize("name", ALL)
def test_nhvflow_copy_of_an_untouched_old_log_verifies(name, tmp_path):
    source = copy_of(name, tmp_path)
    destination = tmp_path / "copy.sqlite"
    result = copy(source, destination)
    assert result.exit_code == 0, result.output
    assert [r[-1] for r in event_rows(destination)] == [r[-1] for r in event_rows(source)]
    with nhvflow.open(str(destination), readonly=True) as reg:
        assert reg.verify(projections=True).ok


@pytest.mark.parametrize("name", ALL)
def test_nhvflow_copy_of_an_upgraded_old_log_verifies_hash_for_hash(name, tmp_path):
    source = copy_of(name, tmp_path)
    nhvflow.open(str(source)).close()  # the migrations run
    destination = tmp_path / "copy.sqlite"
    result = copy(source, destination)
    assert result.exit_code == 0, result.output
    assert event_rows(destination) == event_rows(HERE / f"{name}.sqlite")
    with nhvflow.open(str(destination)) as reg:
        report = reg.verify(projections=True)
        assert report.ok, str(report)
        assert [c.id for c in reg.cases()] == streams(source)


@pytest.mark.parametrize("name", LAYOUT_1)
def test_an_unsealed_row_edited_by_hand_is_still_refused(name, tmp_path):
    """The guard the unsealed-row check exists for: a layout-1 row whose state
    was edited is never judged on (whatever the fix of UNSEALED does)."""
    path = copy_of(name, tmp_path)
    first = streams(path)[0]
    conn = sqlite3.connect(path)
    conn.execute("UPDATE cases SET state = 'decided' WHERE id = ?", (first,))
    conn.commit()
    conn.close()
    with nhvflow.open(str(path)) as reg, pytest.raises(IntegrityError):
        reg.get(first)


@pytest.mark.parametrize("name", ALL)
def test_a_period_recorded_before_nhvflow_said_its_kind_is_labelled_by_its_length(name, tmp_path):
    """These logs' decisions do not record whether their period was the
    registry's default (``applications_due_default`` came later); ``due()``
    labels a period of exactly the default length the registry's practice,
    as it always did for them."""
    with nhvflow.open(str(copy_of(name, tmp_path))) as reg:
        items = [d for d in reg.due(as_of=date(2020, 6, 7)) if d.trigger == "apply_for_permit"]
    assert [(d.due, d.kind) for d in items] == [(date(2020, 9, 6), "practice")]
