"""Helpers for the simulation tests: small scenarios and reading a
simulated log back through the public API."""

from __future__ import annotations

from typing import Any

import attrs
import pytest

import nhvflow
from nhvflow.simulate import Scenario

SMALL = Scenario(proposals=40)
"""The default population, small enough for a unit test."""


def small(**changes: Any) -> Scenario:
    """The small scenario with some fields changed."""
    return attrs.evolve(SMALL, **changes)


def every_event(reg: nhvflow.Registry) -> list[nhvflow.Event]:
    """Every event of the log, read page by page as a feed consumer would."""
    found: list[nhvflow.Event] = []
    while page := reg.events(since=found[-1].position if found else 0, limit=10_000):
        found.extend(page)
    return found


def business_events(path: Any) -> list[tuple[Any, ...]]:
    """Every event of the log at ``path`` without when it was written and the
    hashes that cover that: the business outcome of a run."""
    with nhvflow.open(path) as reg:
        return [
            (e.position, e.stream_id, e.version, e.type, e.actor, e.payload, e.occurred_at)
            for e in every_event(reg)
        ]


def cases(path: Any) -> list[nhvflow.Case]:
    """Every case of the log at ``path``."""
    with nhvflow.open(path) as reg:
        return list(reg.cases())


@pytest.fixture(name="small_scenario")
def _small_scenario() -> Scenario:
    return SMALL
