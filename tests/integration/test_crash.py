"""A writer killed with SIGKILL (no handler, no cleanup, mid-stream) leaves
every step it reported whole, no partial step, and a log that verifies,
reopens and takes new steps."""

from __future__ import annotations

import signal
import sqlite3

import pytest

import nhvflow
from nhvflow.fixtures import advance, proposal
from nhvflow.store._targets import is_postgres_url

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def check_after_crash(path, reported, earlier_total):
    """Every reported step is in the log as reported; at most the one step
    the writer was taking when it died is there unreported; nothing is
    partial. Returns the number of events now in the log."""
    if not is_postgres_url(path):
        conn = sqlite3.connect(path)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        conn.close()
    with nhvflow.open(path) as reg:
        total = reg.store.count_events()
        assert total - earlier_total - len(reported) in (0, 1)
        for case, version, kind in reported:
            event = reg.history(case)[version - 1]
            assert (event.version, event.type) == (version, kind)
        for case in reg.cases():
            assert [e.version for e in reg.history(case.id)] == list(range(1, case.version + 1))
        report = reg.verify(projections=True)
        assert report.ok, str(report)
        assert report.checked == total
    return total


def test_a_writer_killed_mid_stream_loses_no_reported_step(log_target, spawn, accepted, npo, clock):
    """Three times over one file: a writer takes steps as fast as it can and
    is killed after a different number of them; after each kill the log
    holds every step it reported, verifies, and accepts new steps."""
    path = log_target
    nhvflow.open(path).close()
    total = 0
    for round_, kill_after in enumerate((7, 23, 41)):
        worker = spawn(path, "stream", name=f"round{round_}")
        worker.ready().go()
        for _ in range(kill_after):
            worker.until(lambda line: "case" in line)
        reported = accepted(worker.kill())
        assert len(reported) >= kill_after
        total = check_after_crash(path, reported, total)
        with nhvflow.open(path) as reg:  # the file takes steps again
            case = reg.submit(npo, at=clock(), **proposal())
            advance(reg, case.id, "expert_review")
            total += 2
            assert reg.verify().ok


def test_a_writer_killed_inside_a_batch_leaves_none_of_it(log_target, spawn, npo, clock):
    """A writer killed while it holds the write lock in the middle of a
    ``batch()`` leaves none of the batch's steps, and its lock dies with it:
    the next writer goes ahead at once."""
    path = log_target
    with nhvflow.open(path) as reg:
        first = reg.submit(npo, at=clock(), **proposal())
    worker = spawn(path, "held", name="batch", steps=4)
    worker.ready().go()
    worker.until(lambda line: line.get("inside") is True)
    pending = [line["pending"] for line in worker.seen if "pending" in line]
    assert len(pending) == 4
    with nhvflow.open(path, busy_timeout=0.2) as reg, pytest.raises(nhvflow.StoreBusy):
        reg.submit(npo, at=clock(), **proposal())  # the batch holds the lock
    worker.kill()
    with nhvflow.open(path, busy_timeout=0.2) as reg:
        assert [c.id for c in reg.cases()] == [first.id]
        assert reg.store.count_events() == 1
        assert reg.verify(projections=True).ok
        case = reg.submit(npo, at=clock(), **proposal())
        assert reg.get(case.id).version == 1
        assert reg.store.count_events() == 2
