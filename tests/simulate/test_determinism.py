"""The same scenario and seed give the same business outcome, in any process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

from nhvflow.simulate import case_id, replicate, run

from .conftest import SMALL, business_events, cases


def test_two_runs_with_one_seed_write_the_same_events_ids_and_times(tmp_path):
    """Events, case ids and business times match; only recorded_at and hashes may differ."""
    first, second = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    a = run(SMALL, seed=11, db=first)
    b = run(SMALL, seed=11, db=second)
    assert a == b
    events = business_events(first)
    assert events == business_events(second)
    assert len(events) == a.events
    assert [c.id for c in cases(first)] == [case_id(11, i) for i in range(SMALL.proposals)]
    assert cases(first) == cases(second)


def test_a_different_seed_gives_a_different_outcome(tmp_path):
    """Another seed draws other proposals, times and choices."""
    a = run(SMALL, seed=11, db=tmp_path / "a.sqlite")
    b = run(SMALL, seed=12, db=tmp_path / "b.sqlite")
    assert business_events(tmp_path / "a.sqlite") != business_events(tmp_path / "b.sqlite")
    assert a != b


def test_another_process_with_another_hash_seed_writes_the_same_log(tmp_path):
    """A run in a fresh interpreter (other PYTHONHASHSEED) matches one in this process."""
    here, there = tmp_path / "here.sqlite", tmp_path / "there.sqlite"
    run(SMALL, seed=5, db=here)
    script = textwrap.dedent(
        f"""
        import logging, structlog
        structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
        from nhvflow.simulate import Scenario, run
        run(Scenario(proposals={SMALL.proposals}), seed=5, db={str(there)!r})
        """
    )
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert business_events(here) == business_events(there)


def test_replications_in_worker_processes_merge_to_the_same_summary_as_in_one():
    """Two replications give the same merged result in two processes as in this one."""
    one = replicate(SMALL, seed=3, replications=2, workers=1)
    two = replicate(SMALL, seed=3, replications=2, workers=2)
    assert one == two
    assert one.proposals == 2 * SMALL.proposals
    assert len(set(one.seeds)) == 2
    assert json.loads(one.to_json())["replications"] == 2
