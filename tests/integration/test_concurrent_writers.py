"""Several processes writing one log file at the same time lose nothing,
duplicate nothing and leave a log that verifies."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import nhvflow
from nhvflow.fixtures import advance, proposal
from nhvflow.store._targets import is_postgres_url

WORKERS = 3
CASES = 4  # own cases per worker, six steps each, each followed by a shared step


def make_shared_cases(path, npo, count=2):
    """Cases at ``permitted``, where ``evaluate`` may be fired again and again."""
    with nhvflow.open(path) as reg:
        ids = []
        for _ in range(count):
            case = reg.submit(npo, at=datetime(2019, 3, 1, tzinfo=UTC), **proposal())
            ids.append(advance(reg, case.id, "permitted").id)
        return ids, reg.store.count_events()


def test_concurrent_writers_lose_and_duplicate_nothing(log_target, npo, spawn, together, accepted):
    """Three processes each walk their own cases and evaluate two shared
    cases between every two steps: every step that returned is in the log,
    versions are contiguous per case, no version was handed out twice, and
    the log and its projections verify."""
    path = log_target
    shared, before = make_shared_cases(path, npo)
    workers = [
        spawn(path, "mixed", name=f"w{i}", cases=CASES, shared=shared, pause=0.005)
        for i in range(WORKERS)
    ]
    together(workers)
    reported = [step for w in workers for step in accepted(w.finish())]

    assert len(reported) == WORKERS * CASES * 6 * 2
    counts = Counter((case, version) for case, version, _ in reported)
    assert max(counts.values()) == 1, "a version was handed to two writers"
    with nhvflow.open(path) as reg:
        assert reg.store.count_events() == before + len(reported)
        for case, version, kind in reported:
            event = reg.history(case)[version - 1]
            assert (event.stream_id, event.version, event.type) == (case, version, kind)
        for case in reg.cases():
            versions = [e.version for e in reg.history(case.id)]
            assert versions == list(range(1, case.version + 1))
        evaluated = sum(1 for _, _, kind in reported if kind == "PermitsEvaluated")
        evaluations = sum(len(reg.get(c).data["evaluations"]) for c in shared)
        assert evaluations == evaluated == WORKERS * CASES * 6
        report = reg.verify(projections=True)
        assert report.ok, str(report)
        assert report.checked == before + len(reported)
        live = reg.store.projection_rows()
        reg.rebuild_projections()
        assert reg.store.projection_rows() == live


def test_shared_case_versions_interleave_but_never_collide(log_target, npo, spawn, together):
    """On a case that several processes fire at once, each writer gets
    versions that the others do not, and together they fill 1..n."""
    path = log_target
    [shared], _ = make_shared_cases(path, npo, count=1)
    workers = [
        spawn(path, "mixed", name=f"w{i}", cases=2, shared=[shared], pause=0.005) for i in range(2)
    ]
    together(workers)
    mine = [
        {x["version"] for x in w.finish() if x.get("case") == shared and "type" in x}
        for w in workers
    ]
    assert not mine[0] & mine[1]
    with nhvflow.open(path) as reg:
        final = reg.get(shared).version
    assert sorted(mine[0] | mine[1]) == list(range(11, final + 1))


def test_processes_opening_a_new_file_at_once_all_get_one_log(log_target, spawn, together):
    """Four processes creating the same new file at the same moment all open
    it (none mistakes another's lock for a foreign file) and the schema is
    created once."""
    path = log_target
    at = time.time() + 1.5  # every worker has imported nhvflow by then
    workers = [
        spawn(path, "mixed", name=f"w{i}", cases=0, shared=["-"], open_at=at) for i in range(4)
    ]
    together(workers)
    for worker in workers:
        assert worker.finish()[-1] == {"done": True}
    with nhvflow.open(path) as reg:
        assert reg.verify().ok
        if is_postgres_url(path):  # laid out in one transaction, under the write lock
            laid_out = "SELECT key FROM nhvflow_meta ORDER BY key"
            applied = [r[0] for r in reg.store.connection.execute(laid_out).fetchall()]
            assert applied == ["created_at", "format", "schema_version"]
        else:
            migrations = "SELECT name FROM _sqlite_migrations"
            applied = [r[0] for r in reg.store.connection.execute(migrations).fetchall()]
            assert applied[0] == "0001_initial"
            assert len(applied) == len(set(applied))  # each migration applied once
