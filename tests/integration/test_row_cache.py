"""A registry on SQLite keeps the case rows it wrote between its
transactions; these tests prove the kept rows never outlive the truth of the
file: another writer, a hand edit and a rolled-back transaction each make
the next step read the case from the log again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

import nhvflow
from nhvflow import Actor, IntegrityError, Region
from nhvflow.fixtures import expert_group, proposal

AT = datetime(2024, 3, 1, 9, tzinfo=UTC)
SOS = Actor.socialstyrelsen()
NPO = Actor.npo("Nervsystemets sjukdomar")


def open_case(path: Path) -> tuple[nhvflow.Registry, str]:
    reg = nhvflow.open(path, durability="normal")
    case = reg.submit(NPO, at=AT, **proposal())
    return reg, case.id


def test_a_step_by_another_registry_is_seen(tmp_path: Path) -> None:
    """A step another registry took on the same file is the case's state for
    the next step here: no stale row, no broken chain."""
    path = tmp_path / "log.sqlite"
    first, case_id = open_case(path)
    second = nhvflow.open(path, durability="normal")
    second.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=AT)
    group = Actor.expert_group(case_id)
    case = first.fire(
        case_id, "deliver_basis", group, recommends_nhv=True, units=2,
        care_measures=["Djup hjärnstimulering"], at=AT,
    )  # fmt: skip
    assert (case.version, case.state) == (3, "basis_delivered")
    assert first.verify(projections=True).ok
    first.close()
    second.close()


def test_a_hand_edit_after_our_own_step_is_refused(tmp_path: Path) -> None:
    """A row changed by another connection right after this registry wrote
    it is checked against the log, not taken from what the registry kept."""
    path = tmp_path / "log.sqlite"
    reg, case_id = open_case(path)
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE cases SET state = 'board_preparation' WHERE id = ?", (case_id,))
    with pytest.raises(IntegrityError):
        reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=AT)
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 1
    reg.close()


def test_a_rolled_back_batch_leaves_nothing_kept(tmp_path: Path) -> None:
    """Steps of a batch that is rolled back are forgotten: the next step is
    judged on the case as the log holds it."""
    path = tmp_path / "log.sqlite"
    reg, case_id = open_case(path)

    def give_up_in_a_batch() -> None:
        with reg.batch():
            reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=AT)
            raise RuntimeError("the caller gives up")

    with pytest.raises(RuntimeError, match="gives up"):
        give_up_in_a_batch()
    assert reg.get(case_id).version == 1
    case = reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=AT)
    assert case.version == 2
    assert reg.verify(projections=True).ok
    reg.close()


def test_a_refused_step_in_a_batch_leaves_the_others(tmp_path: Path) -> None:
    """A refused step inside a batch undoes only itself; the steps around it
    stand, and so does what the registry kept of them."""
    path = tmp_path / "log.sqlite"
    reg, case_id = open_case(path)
    with reg.batch():
        reg.fire(case_id, "appoint_expert_group", SOS, experts=expert_group(), at=AT)
        with pytest.raises(nhvflow.NotAuthorised):
            reg.fire(
                case_id, "deliver_basis", Actor.region(Region.SKANE), recommends_nhv=True,
                units=2, care_measures=["Djup hjärnstimulering"], at=AT,
            )  # fmt: skip
        reg.fire(
            case_id, "deliver_basis", Actor.expert_group(case_id), recommends_nhv=True,
            units=2, care_measures=["Djup hjärnstimulering"], at=AT,
        )  # fmt: skip
    assert reg.get(case_id).version == 3
    assert reg.verify(projections=True).ok
    reg.close()
