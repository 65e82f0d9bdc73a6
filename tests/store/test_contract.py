"""The store contract: what every event store backend must do, written
against the ``Store`` Protocol of ``nhvflow.store._interface`` only.

Every test takes the ``store`` fixture (a fresh, empty store of one
backend) and runs once per backend in ``tests/store/conftest.py``
(``BACKENDS``); a new backend plugs in there, with no change here. Tests
that need a second handle on the same log (a second process) take the
``second`` fixture and are skipped for backends that cannot have one; tests
that edit the log behind the store's back use ``backend.tamper``.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
import pytest

from nhvflow import ConcurrencyConflict, IdempotencyConflict, StoreBusy
from nhvflow.events import iso
from nhvflow.states.nhv import permit_rows
from nhvflow.store._chain import GENESIS, canonical, chain_hash, seal
from nhvflow.store._interface import (
    CaseQuery,
    CaseRow,
    NewEvent,
    Projection,
    Store,
    StoredEvent,
    VerifyReport,
)

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
ACTOR = {"role": "socialstyrelsen", "name": "handläggare"}


def at(days: float) -> str:
    return iso(T0 + timedelta(days=days))


def event(
    stream: str,
    version: int,
    *,
    day: float = 0,
    type: str = "Noted",
    payload: dict[str, Any] | None = None,
    key: str | None = None,
    request: str | None = None,
) -> NewEvent:
    return NewEvent(
        stream,
        version,
        type,
        1,
        ACTOR,
        {"n": version} if payload is None else payload,
        at(day),
        key,
        request,
    )


def row(case_id: str, version: int, *, state: str = "open", process: str = "nhv") -> CaseRow:
    return CaseRow(case_id, process, state, version, {"seen": version}, at(version))


def projection(case: CaseRow, *tables: tuple[str, tuple[tuple[Any, ...], ...]]) -> Projection:
    return Projection(case, canonical(case.data), tables)


def put(store: Store, e: NewEvent, case: CaseRow | None) -> StoredEvent:
    """Seal ``e`` after the store's tail and append it with ``case``'s projection."""
    sealed = seal(e, store.tail(), iso(datetime.now(UTC)))
    store.append(sealed, None if case is None else projection(case))
    return sealed.event


def append(store: Store, *events: NewEvent, case: bool = True) -> list[StoredEvent]:
    """Append events in one write, each with its case projection."""
    with store.write():
        return [put(store, e, row(e.stream_id, e.version) if case else None) for e in events]


def test_the_store_has_every_member_of_the_protocol(store):
    """Every method and attribute that ``Store`` declares is there."""
    members = [n for n in vars(Store) if not n.startswith("_")]
    members += list(Store.__annotations__)
    missing = [n for n in members if not hasattr(store, n)]
    assert members and missing == []
    assert store.durability in ("full", "normal")


class TestAppend:
    def test_positions_start_at_one_and_rise_by_one_across_streams(self, store):
        stored = append(store, event("a", 1), event("b", 1), event("a", 2))
        assert [e.position for e in stored] == [1, 2, 3]
        assert store.count_events() == 3

    def test_each_event_links_to_the_one_before_from_genesis(self, store):
        stored = append(store, event("a", 1), event("b", 1), event("a", 2))
        assert stored[0].prev_hash == GENESIS
        assert [e.prev_hash for e in stored[1:]] == [e.hash for e in stored[:-1]]

    def test_every_backend_computes_the_shared_hash_recipe(self, store):
        """``hash`` is ``chain_hash`` over the canonical JSON of actor and
        payload, so that a log moved between backends still verifies."""
        [stored] = append(store, event("a", 1, payload={"ö": [1, 2.5, None, True]}, key="k"))
        assert stored.hash == chain_hash(
            stored.prev_hash,
            position=stored.position,
            stream_id=stored.stream_id,
            version=stored.version,
            type=stored.type,
            schema_version=stored.schema_version,
            actor=canonical(stored.actor),
            payload=canonical(stored.payload),
            occurred_at=stored.occurred_at,
            recorded_at=stored.recorded_at,
            idempotency_key=stored.idempotency_key,
            request_hash=stored.request_hash,
        )

    def test_an_appended_event_reads_back_equal(self, store):
        payload = {"text": "Region Skåne – ändrad", "nested": {"list": [1, "två", None]}}
        [stored] = append(store, event("a", 1, payload=payload, key="k-1", request="r" * 64))
        assert list(store.events()) == [stored]
        assert stored.payload == payload and stored.actor == ACTOR
        assert (stored.idempotency_key, stored.request_hash) == ("k-1", "r" * 64)

    def test_recorded_at_is_utc_iso_text_with_microseconds(self, store):
        before = datetime.now(UTC)
        [stored] = append(store, event("a", 1))
        recorded = datetime.fromisoformat(stored.recorded_at)
        assert stored.recorded_at == iso(recorded)
        assert recorded.utcoffset() == timedelta(0)
        assert before - timedelta(seconds=1) <= recorded <= datetime.now(UTC)

    def test_stream_version_is_the_last_version_of_a_stream(self, store):
        assert store.stream_version("a") == 0
        append(store, event("a", 1), event("a", 2), event("b", 1))
        assert (store.stream_version("a"), store.stream_version("b")) == (2, 1)

    def test_a_version_already_taken_is_a_concurrency_conflict_and_writes_nothing(self, store):
        append(store, event("a", 1), event("a", 2))
        with pytest.raises(ConcurrencyConflict) as exc, store.write():
            put(store, event("a", 2, payload={"other": True}), row("a", 2, state="changed"))
        assert (exc.value.case_id, exc.value.expected, exc.value.actual) == ("a", None, 2)
        assert store.count_events() == 2
        assert store.load_case("a") == row("a", 2)
        assert [e.payload for e in store.events("a")] == [{"n": 1}, {"n": 2}]

    def test_an_idempotency_key_already_taken_is_an_idempotency_conflict(self, store):
        append(store, event("a", 1, key="k"))
        with pytest.raises(IdempotencyConflict) as exc, store.write():
            put(store, event("b", 1, key="k"), row("b", 1))
        assert (exc.value.key, exc.value.position) == ("k", 1)
        assert store.count_events() == 1 and store.load_case("b") is None

    def test_the_case_projection_is_written_with_its_event(self, store):
        append(store, event("a", 1), event("a", 2))
        assert store.load_case("a") == row("a", 2)
        assert store.load_case("nobody") is None

    def test_an_event_without_a_case_leaves_the_projections_alone(self, store):
        append(store, event("registry", 1), case=False)
        assert store.load_case("registry") is None
        assert list(store.cases()) == []
        assert store.count_events() == 1


class TestIdempotencyKeys:
    def test_the_event_recorded_under_a_key_is_found_by_it(self, store):
        stored = append(store, event("a", 1), event("a", 2, key="req-2", request="h2"))
        assert store.event_by_key("req-2") == stored[1]
        assert store.event_by_key("req-2").request_hash == "h2"

    def test_an_unknown_key_finds_nothing(self, store):
        append(store, event("a", 1, key="req-1"))
        assert store.event_by_key("req-9") is None


class TestReadingEvents:
    @pytest.fixture(name="log")
    def _log(self, store):
        append(
            store,
            event("a", 1, day=0),
            event("b", 1, day=1),
            event("a", 2, day=2),
            event("a", 3, day=3),
            event("b", 2, day=3),
        )
        return store

    @staticmethod
    def keys(events):
        return [(e.stream_id, e.version) for e in events]

    def test_every_event_in_position_order(self, log):
        assert self.keys(log.events()) == [("a", 1), ("b", 1), ("a", 2), ("a", 3), ("b", 2)]

    def test_one_stream(self, log):
        assert self.keys(log.events("a")) == [("a", 1), ("a", 2), ("a", 3)]
        assert list(log.events("nobody")) == []

    def test_up_to_a_business_time_inclusive(self, log):
        assert self.keys(log.events("a", until=at(2))) == [("a", 1), ("a", 2)]
        assert self.keys(log.events(until=at(1))) == [("a", 1), ("b", 1)]
        assert list(log.events(until=at(-1))) == []

    def test_up_to_a_version(self, log):
        assert self.keys(log.events("a", max_version=2)) == [("a", 1), ("a", 2)]
        assert self.keys(log.events("b", max_version=5)) == [("b", 1), ("b", 2)]

    def test_filters_combine(self, log):
        assert self.keys(log.events("a", until=at(3), max_version=1)) == [("a", 1)]

    def test_stream_ids_in_order_of_their_first_event(self, log):
        append(log, event("c", 1))
        assert list(log.stream_ids()) == ["a", "b", "c"]

    def test_a_long_log_is_read_whole(self, store):
        """More events than any page a backend reads at once."""
        append(store, *(event(f"s{i % 7}", i // 7 + 1) for i in range(2503)), case=False)
        stored = list(store.events())
        assert [e.position for e in stored] == list(range(1, 2504))
        assert len(list(store.events("s3"))) == 358
        assert store.count_events() == 2503


class TestEventFeed:
    """``events(since=..., limit=...)``: the page a feed consumer reads."""

    @pytest.fixture(name="log")
    def _log(self, store):
        append(store, *(event(s, v) for s, v in (("a", 1), ("b", 1), ("a", 2), ("a", 3))))
        return store

    def test_events_after_a_position_in_log_order(self, log):
        assert [e.position for e in log.events(since=2)] == [3, 4]
        assert [e.position for e in log.events(since=0)] == [1, 2, 3, 4]
        assert list(log.events(since=4)) == []
        assert list(log.events(since=99)) == []

    def test_at_most_limit_events(self, log):
        assert [e.position for e in log.events(limit=2)] == [1, 2]
        assert [e.position for e in log.events(since=1, limit=2)] == [2, 3]
        assert [e.position for e in log.events(since=3, limit=10)] == [4]

    def test_since_combines_with_a_stream(self, log):
        assert [(e.stream_id, e.version) for e in log.events("a", since=2)] == [("a", 2), ("a", 3)]
        assert [e.version for e in log.events("a", since=1, limit=1)] == [2]

    def test_pages_across_the_backends_own_pages_join_up(self, store):
        """A feed read in pages of 700 over 2,503 events gives every event once, in order."""
        append(store, *(event(f"s{i % 7}", i // 7 + 1) for i in range(2503)), case=False)
        seen: list[int] = []
        since = 0
        while page := list(store.events(since=since, limit=700)):
            assert len(page) <= 700
            seen.extend(e.position for e in page)
            since = page[-1].position
        assert seen == list(range(1, 2504))
        assert [e.position for e in store.events(since=999, limit=1500)] == list(range(1000, 2500))


class TestOverviewViews:
    """``case_overview`` and ``permit_overview`` read the projections as plain
    columns, with the region in words, on every backend."""

    def test_case_overview_has_plain_columns_in_order_of_submission(self, store, backend):
        with store.write():
            for case_id, title in (("b", "Tvåan"), ("a", "Ettan")):
                data = {"title": title, "programme_area": "Reumatiska sjukdomar", "x": [1]}
                put(store, event(case_id, 1), CaseRow(case_id, "nhv", "proposed", 1, data, at(1)))
        rows = backend.query(
            store,
            "SELECT id, process, title, programme_area, state, version, updated FROM case_overview",
        )
        assert rows == [
            ("b", "nhv", "Tvåan", "Reumatiska sjukdomar", "proposed", 1, at(1)),
            ("a", "nhv", "Ettan", "Reumatiska sjukdomar", "proposed", 1, at(1)),
        ]

    def test_permit_overview_names_the_region_in_words(self, store, backend):
        permits = [
            {"region": "SKANE", "unit": "Skånes universitetssjukhus", "valid": True},
            {"region": "VASTRA_GOTALAND", "unit": "Sahlgrenska", "valid": False},
        ]
        data = {"title": "Endometrios", "permits": permits}
        with store.write():
            store.append(
                seal(event("c", 1), store.tail(), at(1)),
                projection(
                    CaseRow("c", "nhv", "permitted", 1, data, at(1)),
                    ("permits", tuple(permit_rows("c", data))),
                ),
            )
        rows = backend.query(
            store, "SELECT case_id, title, region, unit, valid FROM permit_overview"
        )
        assert [(*r[:4], bool(r[4])) for r in rows] == [
            ("c", "Endometrios", "Region Skåne", "Skånes universitetssjukhus", True),
            ("c", "Endometrios", "Västra Götalandsregionen", "Sahlgrenska", False),
        ]

    def test_the_regions_table_names_all_21_regions(self, store, backend):
        rows = dict(backend.query(store, "SELECT code, name FROM regions"))
        assert len(rows) == 21 and rows["JAMTLAND_HARJEDALEN"] == "Region Jämtland Härjedalen"


class TestCases:
    def test_cases_come_in_order_of_creation_even_after_updates(self, store):
        append(store, event("b", 1), event("a", 1), event("c", 1), event("b", 2))
        assert [c.id for c in store.cases()] == ["b", "a", "c"]
        assert store.load_case("b").version == 2

    def test_cases_filter_by_state_and_process(self, store):
        with store.write():
            put(store, event("a", 1), row("a", 1, state="open"))
            put(store, event("b", 1), row("b", 1, state="closed"))
            put(store, event("c", 1), row("c", 1, state="open", process="ern-membership"))
        assert [c.id for c in store.cases(CaseQuery(state="open"))] == ["a", "c"]
        assert [c.id for c in store.cases(CaseQuery(process="nhv"))] == ["a", "b"]
        assert [c.id for c in store.cases(CaseQuery(state="open", process="nhv"))] == ["a"]
        assert list(store.cases(CaseQuery(state="nowhere"))) == []

    def test_cases_filtered_from_the_log_too(self, store):
        """A row whose stream's last event is a step that may lead to the
        state asked for, or whose first event creates cases of the process
        asked for, is listed whatever its own columns say: the engine then
        refuses a row edited out of its filter instead of missing it."""
        with store.write():
            put(store, event("a", 1), row("a", 1, state="open"))
            put(store, event("b", 1), row("b", 1, state="closed", process="ern-membership"))
        led = CaseQuery(state="open", led_by=(event("b", 1).type,))
        assert [c.id for c in store.cases(led)] == ["a", "b"]
        assert [c.id for c in store.cases(CaseQuery(state="open", led_by=("Other",)))] == ["a"]
        created = CaseQuery(process="nhv", created_by=event("b", 1).type)
        assert [c.id for c in store.cases(created)] == ["a", "b"]

    def test_many_cases_are_listed_whole(self, store):
        """More cases than any page a backend reads at once."""
        append(store, *(event(f"case-{i:04}", 1) for i in range(1201)))
        ids = [c.id for c in store.cases()]
        assert ids == [f"case-{i:04}" for i in range(1201)]


class TestFacts:
    def test_an_unset_fact_is_none(self, store):
        assert store.get_fact("mapping_completed_at") is None

    def test_facts_hold_json_values_and_can_be_replaced(self, store):
        with store.write():
            store.set_fact("when", at(1))
            store.set_fact("many", {"list": [1, "två"], "flag": True})
        assert store.get_fact("when") == at(1)
        assert store.get_fact("many") == {"list": [1, "två"], "flag": True}
        with store.write():
            store.set_fact("when", at(2))
        assert store.get_fact("when") == at(2)


class TestProjections:
    def test_a_loaded_case_carries_its_seal_its_text_and_its_streams_last_event(self, store):
        """The engine checks a row against the log: the store hands it the
        row's seal and stored text, and the version and hash of the stream's
        last event."""
        stored = append(store, event("a", 1), event("a", 2, day=1))
        with store.write():
            orphan = attrs.evolve(row("x", 1), seal="s" * 64)  # a row of a stream with no events
            store.append(seal(event("b", 1), store.tail(), at(2)), projection(orphan))
        loaded = store.load_case("a")
        assert loaded.head == (2, stored[-1].hash)
        assert loaded.data_text == canonical(loaded.data)
        assert store.load_case("x").head is None
        assert store.load_case("x").seal == "s" * 64

    def test_a_regimes_table_rows_replace_the_cases_rows_in_that_table(self, store):
        """Rows handed for a projection table replace the case's rows there
        and no one else's; the store does not read them."""

        def permit(case_id: str, seq: int, region: str) -> tuple[Any, ...]:
            return (case_id, seq, region, "unit", True, at(0), "2019-03-01", None, "[]")

        with store.write():
            for stream, regions in (("a", ["SKANE", "UPPSALA"]), ("b", ["GOTLAND"])):
                rows = tuple(permit(stream, i, r) for i, r in enumerate(regions, 1))
                store.append(
                    seal(event(stream, 1), store.tail(), at(0)),
                    projection(row(stream, 1), ("permits", rows)),
                )
            store.append(
                seal(event("a", 2), store.tail(), at(1)),
                projection(row("a", 2), ("permits", (permit("a", 1, "HALLAND"),))),
            )
        permits = store.projection_rows()[1]
        assert [(r[0], r[2]) for r in permits] == [("a", "HALLAND"), ("b", "GOTLAND")]


class TestReplaceProjections:
    def test_every_case_and_fact_is_replaced_and_the_events_are_untouched(self, store):
        stored = append(store, event("a", 1), event("b", 1))
        with store.write():
            store.set_fact("old", 1)
        new = [row("c", 1, state="rebuilt"), row("a", 1, state="rebuilt")]
        with store.write():
            store.replace_projections([projection(c) for c in new], {"new": "fact"})
        assert list(store.cases()) == new
        assert store.load_case("b") is None
        assert (store.get_fact("old"), store.get_fact("new")) == (None, "fact")
        assert list(store.events()) == stored

    def test_a_refused_replacement_keeps_the_old_projections(self, store):
        append(store, event("a", 1))

        def failing():
            yield projection(row("x", 1))
            raise RuntimeError("replay failed half-way")

        with pytest.raises(RuntimeError), store.write():
            store.replace_projections(failing(), {})
        assert [c.id for c in store.cases()] == ["a"]


class TestVerify:
    def test_an_empty_log_verifies(self, store):
        report = store.verify()
        assert isinstance(report, VerifyReport)
        assert (report.ok, report.checked, report.first_bad_position) == (True, 0, None)

    def test_a_healthy_log_verifies(self, store):
        append(store, *(event("a", v) for v in range(1, 6)))
        report = store.verify()
        assert report.ok and report.checked == 5 and report.problems == ()
        assert str(report) == "log ok: 5 events checked, hash chain intact"

    @pytest.mark.parametrize(
        ("column", "value"),
        [
            ("payload", '{"n":99}'),
            ("actor", '{"name":"någon annan","role":"board"}'),
            ("occurred_at", "2018-01-01T00:00:00.000000+00:00"),
            ("hash", "0" * 64),
            ("prev_hash", "f" * 64),
            ("version", 7),
        ],
    )
    def test_an_edited_event_is_named_and_verify_does_not_raise(
        self, store, backend, column, value
    ):
        append(store, *(event("a", v) for v in range(1, 6)))
        backend.tamper(store, 3, column, value)
        report = store.verify()
        assert not report.ok
        assert report.first_bad_position == 3
        assert report.checked == 5
        assert "position 3" in str(report)


class TestTransactions:
    def test_a_write_that_raises_writes_nothing(self, store):
        append(store, event("a", 1))

        def refused_write():
            with store.write():
                put(store, event("a", 2), row("a", 2))
                put(store, event("b", 1), row("b", 1))
                store.set_fact("f", 1)
                raise RuntimeError("refused")

        with pytest.raises(RuntimeError, match="refused"):
            refused_write()
        assert store.count_events() == 1
        assert store.load_case("a") == row("a", 1) and store.load_case("b") is None
        assert store.get_fact("f") is None
        assert store.verify().ok

    def test_a_nested_write_that_raises_undoes_only_itself(self, store):
        """A savepoint: the outer transaction keeps what it wrote before and
        after, positions stay contiguous and the chain verifies."""

        def refused_step():
            with store.write():
                put(store, event("b", 1), row("b", 1))
                store.set_fact("f", "inner")
                raise RuntimeError("refused step")

        with store.write():
            put(store, event("a", 1), row("a", 1))
            with pytest.raises(RuntimeError, match="refused step"):
                refused_step()
            put(store, event("c", 1), row("c", 1))
        assert [(e.position, e.stream_id) for e in store.events()] == [(1, "a"), (2, "c")]
        assert [c.id for c in store.cases()] == ["a", "c"]
        assert store.get_fact("f") is None
        assert store.verify().ok

    def test_a_conflict_inside_a_nested_write_leaves_the_outer_usable(self, store):
        with store.write():
            put(store, event("a", 1), row("a", 1))
            with pytest.raises(ConcurrencyConflict), store.write():
                put(store, event("a", 1), row("a", 1, state="twice"))
            put(store, event("a", 2), row("a", 2))
        assert [e.version for e in store.events("a")] == [1, 2]
        assert store.load_case("a") == row("a", 2)

    def test_a_write_that_names_its_case_loads_it_as_it_stands(self, store):
        """``write(case_id)`` lets a store read the case with the lock; what the
        block loads is still the row as it stands, after the block's own writes."""
        append(store, event("a", 1))
        with store.write("a"):
            assert store.load_case("a") == row("a", 1)
            put(store, event("a", 2), row("a", 2))
            assert store.load_case("a") == row("a", 2)
        with store.write("a"):
            put(store, event("a", 3), row("a", 3))
            assert store.load_case("a") == row("a", 3)
        with store.write("nobody"):
            assert store.load_case("nobody") is None
            assert store.stream_version("nobody") == 0
            put(store, event("nobody", 1), row("nobody", 1))
            assert store.load_case("nobody") == row("nobody", 1)
            assert store.stream_version("nobody") == 1
        append(store, event("orphan", 1), case=False)
        with store.write("orphan"):  # events, but no case row
            assert store.load_case("orphan") is None
            assert store.stream_version("orphan") == 1
            put(store, event("orphan", 2), None)
            assert store.stream_version("orphan") == 2
        assert store.load_case("a") == row("a", 3)

    def test_nested_writes_that_succeed_commit_with_the_outer(self, store):
        with store.write():
            with store.write():
                put(store, event("a", 1), row("a", 1))
            with store.write(), store.write():
                put(store, event("a", 2), row("a", 2))
        assert store.stream_version("a") == 2 and store.verify().ok

    def test_a_read_sees_the_log_as_one_snapshot(self, store, second):
        other = second()
        append(store, event("a", 1))
        with store.read():
            assert store.count_events() == 1
            append(other, event("a", 2))
            assert store.count_events() == 1
            assert [e.version for e in store.events("a")] == [1]
        assert store.count_events() == 2


class TestSecondHandle:
    """Two handles on one log, as two processes would hold it."""

    def test_committed_events_are_seen_by_the_other_handle(self, store, second):
        other = second()
        stored = append(store, event("a", 1))
        assert list(other.events()) == stored
        assert other.load_case("a") == row("a", 1)

    def test_appending_a_version_the_other_handle_wrote_is_a_concurrency_conflict(
        self, store, second
    ):
        other = second()
        append(store, event("a", 1))
        with pytest.raises(ConcurrencyConflict) as exc, other.write():
            put(other, event("a", 1), row("a", 1))
        assert exc.value.actual == 1
        assert store.count_events() == 1

    def test_a_writer_waits_for_the_others_write_and_is_store_busy_past_its_timeout(
        self, store, second
    ):
        other = second(busy_timeout=0.1)
        with store.write():
            put(store, event("a", 1), row("a", 1))
            with pytest.raises(StoreBusy):
                append(other, event("b", 1))
        assert [e.stream_id for e in store.events()] == ["a"]
        append(other, event("b", 1))
        assert store.count_events() == 2

    def test_a_write_that_waited_for_the_lock_loads_the_case_the_other_wrote(self, store, second):
        """The case a write names is read after its lock is granted: a writer
        that waited sees the step the other writer committed meanwhile."""
        other = second(busy_timeout=10)
        append(store, event("a", 1))
        loaded: list[CaseRow | None] = []

        def waiting_writer() -> None:
            with other.write("a"):
                loaded.append(other.load_case("a"))

        with store.write():
            put(store, event("a", 2), row("a", 2))
            writer = threading.Thread(target=waiting_writer)
            writer.start()
            writer.join(timeout=0.3)  # it waits for this write's lock
            assert writer.is_alive() and not loaded
        writer.join(timeout=10)
        assert loaded == [row("a", 2)]

    def test_uncommitted_events_are_invisible_to_the_other_handle(self, store, second):
        other = second()
        seen: list[int] = []
        with store.write():
            put(store, event("a", 1), row("a", 1))
            reader = threading.Thread(target=lambda: seen.append(other.count_events()))
            reader.start()
            reader.join(timeout=10)
        assert seen == [0]
        assert other.count_events() == 1


class TestOverview:
    """The readers' lookup table and views show what the projections hold,
    or ``overview_problems()`` (read by ``verify(projections=True)``) says
    which does not."""

    def test_an_edited_regions_row_is_named(self, store, backend):
        append(store, event("a", 1))
        assert store.overview_problems() == []
        backend.raw(store, "UPDATE regions SET name = 'Region Skåne' WHERE code = 'STOCKHOLM'")
        [problem] = store.overview_problems()
        assert "regions" in problem

    def test_a_view_replaced_by_other_sql_is_named(self, store, backend):
        append(store, event("a", 1))
        backend.raw(store, "DROP VIEW permit_overview")
        backend.raw(
            store,
            "CREATE VIEW permit_overview AS SELECT 'x' AS case_id, 'y' AS title, "
            "'Region Skåne' AS region, 'SUS' AS unit, 1 AS valid",
        )
        [problem] = store.overview_problems()
        assert "permit_overview" in problem
