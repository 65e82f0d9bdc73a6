"""Copying a log between SQLite and PostgreSQL keeps every event exactly
(positions, versions, times, keys, request hashes, hashes), rebuilds the
projections, verifies, and refuses what it cannot copy faithfully."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

import nhvflow
from nhvflow import IntegrityError, LogFormatError
from nhvflow.cli._copy import CopyReport, copy_command, copy_log
from nhvflow.fixtures import advance, expert_group, proposal


def _fill(target: str | Path, npo, sos, clock) -> None:
    """A log with two cases (one granted permits), an idempotency key and the mapping."""
    with nhvflow.open(target) as reg:
        first = reg.submit(npo, at=clock(), idempotency_key="submit-1", **proposal())
        advance(reg, first.id, "permitted")
        second = reg.submit(npo, at=clock(), **proposal(title="Svåra brännskador", pilot=False))
        reg.complete_mapping(sos, at=clock(), note="klar")
        reg.fire(second.id, "appoint_expert_group", sos, experts=expert_group(), at=clock())


def _stored(target: str | Path) -> tuple[list[object], list[object]]:
    """Every event (all fields) and every case of a log."""
    with nhvflow.open(target) as reg:
        return list(reg.store.events()), list(reg.store.cases())


def test_a_log_goes_to_postgresql_and_back_hash_for_hash(tmp_path, postgres_url, npo, sos, clock):
    """SQLite -> PostgreSQL -> SQLite: the same events, field for field, and the same cases."""
    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    there = copy_log(source, postgres_url)
    assert isinstance(there, CopyReport)
    assert (there.events, there.cases, there.last_position) == (13, 2, 13)
    back = copy_log(postgres_url, tmp_path / "back.sqlite")
    assert back.last_hash == there.last_hash
    original = _stored(source)
    assert _stored(postgres_url) == original
    assert _stored(tmp_path / "back.sqlite") == original
    with nhvflow.open(postgres_url) as reg:
        assert reg.verify(strict=True, projections=True).checked == 13
        assert reg.mapping_completed_at() is not None
        [key] = [e.idempotency_key for e in reg.events() if e.idempotency_key]
        assert key == "submit-1"


def test_the_copy_goes_on_as_the_same_log(tmp_path, postgres_url, npo, sos, clock):
    """New steps on the copy link to the copied chain, and a repeated request is still known."""
    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    copy_log(source, postgres_url)
    with nhvflow.open(postgres_url) as reg:
        [first, second] = reg.cases()
        again = reg.submit(npo, at=first.data["submitted_at"], idempotency_key="submit-1",
                           **proposal())  # fmt: skip
        assert again.id == first.id
        reg.fire(second.id, "deliver_basis", nhvflow.Actor.expert_group(second.id),
                 recommends_nhv=True, units=1, care_measures=["x"], at=clock())  # fmt: skip
        assert reg.verify(strict=True, projections=True).checked == 14


def test_a_destination_that_holds_events_is_refused_and_untouched(
    tmp_path, postgres_url, npo, sos, clock
):
    """Copying onto a log with events is refused; both logs stay as they were."""
    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    with nhvflow.open(postgres_url) as reg:
        reg.submit(npo, at=clock(), **proposal())
    before = _stored(postgres_url)
    with pytest.raises(LogFormatError, match="already holds a log"):
        copy_log(source, postgres_url)
    assert _stored(postgres_url) == before


def test_a_damaged_source_is_refused_and_nothing_is_written(
    tmp_path, postgres_url, npo, sos, clock
):
    """A source that fails verification is not copied; the destination stays empty."""
    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    conn = sqlite3.connect(source)
    conn.execute("DROP TRIGGER events_append_only_update")
    conn.execute("UPDATE events SET occurred_at = '2030-01-01' WHERE position = 4")
    conn.commit()
    conn.close()
    with pytest.raises(IntegrityError, match="fails verification") as exc:
        copy_log(source, postgres_url)
    assert exc.value.position == 4
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)


def test_a_missing_source_file_is_an_error_not_a_new_log(tmp_path, postgres_url):
    """A mistyped source path is refused rather than copied as an empty log."""
    with pytest.raises(LogFormatError, match="does not exist"):
        copy_log(tmp_path / "nope.sqlite", tmp_path / "out.sqlite")
    assert not (tmp_path / "nope.sqlite").exists() and not (tmp_path / "out.sqlite").exists()


def test_a_failed_copy_leaves_no_new_file_behind(tmp_path, postgres_url, npo, sos, clock):
    """When a copy to a new SQLite file fails, the file is removed again."""
    _fill(postgres_url, npo, sos, clock)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE events DISABLE TRIGGER events_append_only_update")
        conn.execute("UPDATE events SET type = 'Forged' WHERE position = 2")
    with pytest.raises(IntegrityError):
        copy_log(postgres_url, tmp_path / "copy.sqlite")
    assert list(tmp_path.iterdir()) == []


def test_the_copy_command_reports_and_fails_clearly(tmp_path, postgres_url, npo, sos, clock):
    """`nhvflow copy SRC DST` prints what it copied, and exits 1 with the reason when it cannot."""
    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    runner = CliRunner()
    done = runner.invoke(copy_command, [str(source), postgres_url])
    assert done.exit_code == 0, done.output
    assert "copied 13 events (2 cases)" in done.output and "identical hash for hash" in done.output
    again = runner.invoke(copy_command, [str(source), postgres_url])
    assert again.exit_code == 1
    assert "already holds a log" in again.output


def test_a_copy_that_differs_from_its_source_is_rolled_back(
    tmp_path, postgres_url, npo, sos, clock, monkeypatch
):
    """A copy that lost its last event still verifies as a chain, but the comparison refuses it."""
    from nhvflow.store_postgres import PostgresStore

    source = tmp_path / "source.sqlite"
    _fill(source, npo, sos, clock)
    importing = PostgresStore.import_rows

    def lose_the_last(self, rows):
        return importing(self, list(rows)[:-1])

    monkeypatch.setattr(PostgresStore, "import_rows", lose_the_last)
    with pytest.raises(IntegrityError, match="not identical to its source"):
        copy_log(source, postgres_url)
    with psycopg.connect(postgres_url) as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (0,)
