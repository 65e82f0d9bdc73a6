"""Data out through the registry: ``reg.events(since, limit)`` as a feed for
integration consumers, ``reg.cases()`` as a list, and the SQL views a log
file gains for Datasette and ``sqlite3``."""

from __future__ import annotations

import sqlite3

import pytest
import sqlite_utils

import nhvflow
from nhvflow import Actor, InvalidPayload
from nhvflow.events import iso
from nhvflow.fixtures import advance, proposal
from nhvflow.store._sqlite._migrations import migrations


@pytest.fixture(name="three")
def _three(reg, npo, clock):
    """Three cases: one permitted, one decided, one just submitted."""
    for state in ("permitted", "decided", "proposed"):
        case = reg.submit(npo, at=clock(), **proposal())
        advance(reg, case.id, state)
    return reg


def test_events_is_a_page_of_the_log_after_a_position(three):
    """``events(since, limit)`` returns a list of the events after ``since``, in log order."""
    everything = three.events(limit=10_000)
    assert isinstance(everything, list)
    assert [e.position for e in everything] == list(range(1, len(everything) + 1))
    page = three.events(since=3, limit=4)
    assert [e.position for e in page] == [4, 5, 6, 7]
    assert page == everything[3:7]
    assert three.events(since=everything[-1].position) == []


def test_a_consumer_reads_every_event_once_by_its_checkpoint(three, sos, clock):
    """Paging by the last position seen gives each event once, new ones included."""
    seen: list[int] = []
    since = 0
    while page := three.events(since=since, limit=5):
        seen.extend(e.position for e in page)
        since = page[-1].position
    new = three.submit(Actor.npo(proposal()["programme_area"]), at=clock(), **proposal())
    later = three.events(since=since)
    assert [e.stream_id for e in later] == [new.id]
    assert [*seen, later[0].position] == list(range(1, since + 2))


def test_the_default_page_is_a_thousand_events(reg):
    """Without ``limit``, one call returns at most 1,000 events."""
    npo = Actor.npo(proposal()["programme_area"])
    with reg.batch():
        for _ in range(1003):
            reg.submit(npo, **proposal())
    assert len(reg.events()) == 1000
    assert [e.position for e in reg.events(since=1000)] == [1001, 1002, 1003]


@pytest.mark.parametrize(
    ("since", "limit", "field"),
    [
        (-1, 10, "since"),
        (1.5, 10, "since"),
        ("0", 10, "since"),
        (True, 10, "since"),
        (None, 10, "since"),
        (0, 0, "limit"),
        (0, 10_001, "limit"),
        (0, -5, "limit"),
        (0, False, "limit"),
        (0, "100", "limit"),
    ],
)
def test_a_page_out_of_range_is_invalid_payload_naming_the_field(reg, since, limit, field):
    """A negative or non-whole ``since``, or ``limit`` outside 1..10,000, is refused by name."""
    with pytest.raises(InvalidPayload) as caught:
        reg.events(since=since, limit=limit)
    assert caught.value.field == field


def test_cases_is_a_list_like_history(three):
    """``cases()`` returns a list, filtered by state as before."""
    cases = three.cases()
    assert isinstance(cases, list) and len(cases) == 3
    assert [c.state for c in three.cases(state="decided")] == ["decided"]
    assert three.cases(state="withdrawn") == []


def test_the_views_read_the_log_without_json_functions(tmp_path, npo, clock):
    """``case_overview`` and ``permit_overview`` give titles, states and regions in words."""
    path = tmp_path / "log.sqlite"
    with nhvflow.open(path) as reg:
        case = reg.submit(npo, at=clock(), **proposal())
        case = advance(reg, case.id, "permitted")
    conn = sqlite3.connect(path)
    try:
        overview = conn.execute(
            "SELECT id, process, title, programme_area, state, version, updated FROM case_overview"
        ).fetchall()
        permits = conn.execute(
            "SELECT case_id, title, region, unit, valid FROM permit_overview"
        ).fetchall()
    finally:
        conn.close()
    title = case.data["title"]
    assert overview == [
        (
            case.id,
            "nhv",
            title,
            case.data["programme_area"],
            "permitted",
            case.version,
            iso(case.updated_at),
        )
    ]
    assert [(p[0], p[1], p[2], p[4]) for p in permits] == [
        (case.id, title, "Region Skåne", 1),
        (case.id, title, "Region Stockholm", 1),
    ]
    assert [p[3] for p in permits] == [p["unit"] for p in case.data["permits"]]


def _old_layout(path):
    """An empty log laid out as before the overview views (migrations 0001 and 0002)."""
    db = sqlite_utils.Database(path)
    migrations.apply(db, stop_before="0003_overview_views")
    db.close()


def test_an_older_log_gains_the_views_when_opened_for_writing(tmp_path, npo):
    """A log made before the views gets them on its next writable open, not a read-only one."""
    path = tmp_path / "old.sqlite"
    _old_layout(path)

    def views() -> set[str]:
        conn = sqlite3.connect(path)
        try:
            rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'").fetchall()
        finally:
            conn.close()
        return {r[0] for r in rows}

    assert views() == set()
    nhvflow.open(path, readonly=True).close()
    assert views() == set()
    with nhvflow.open(path) as reg:
        reg.submit(npo, **proposal())
    assert views() == {"case_overview", "permit_overview"}
    with nhvflow.open(path) as reg:  # a second open finds nothing left to do
        assert len(reg.cases()) == 1


def test_since_and_limit_may_be_given_by_position(three):
    """``events(3, 2)`` is ``events(since=3, limit=2)``."""
    assert three.events(3, 2) == three.events(since=3, limit=2)
    assert [e.position for e in three.events(3, 2)] == [4, 5]
