"""Shared fixtures: registries opened through the public API, actors, and a
clock of business time. Cases are built through the public API only."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import nhvflow
from nhvflow import Actor, Registry
from nhvflow.fixtures import proposal

pytest_plugins = ["pg_cluster"]  # postgres_cluster, postgres_url: a throwaway PostgreSQL

settings.register_profile(
    "ci", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "thorough", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=20, deadline=None)
settings.load_profile(os.environ.get("NHVFLOW_HYPOTHESIS_PROFILE", "ci"))

T0 = datetime(2019, 3, 1, 9, 0, tzinfo=UTC)
"""A business time after the NHV system came into force (2018-07-01)."""


class Clock:
    """Business time that moves forward a day per tick."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self, days: float = 1) -> datetime:
        self.now = self.now + timedelta(days=days)
        return self.now


@pytest.fixture(name="clock")
def _clock() -> Clock:
    return Clock()


@pytest.fixture(name="reg")
def _reg() -> Iterator[Registry]:
    with nhvflow.open(":memory:") as reg:
        yield reg


@pytest.fixture(name="file_reg")
def _file_reg(tmp_path: Path) -> Iterator[Registry]:
    with nhvflow.open(tmp_path / "log.sqlite") as reg:
        yield reg


@pytest.fixture(name="sos")
def _sos() -> Actor:
    return Actor.socialstyrelsen("handläggare")


@pytest.fixture(name="board")
def _board() -> Actor:
    return Actor.board()


@pytest.fixture(name="npo")
def _npo() -> Actor:
    return Actor.npo("Nervsystemets sjukdomar")


@pytest.fixture(name="submitted")
def _submitted(reg: Registry, npo: Actor, clock: Clock) -> nhvflow.Case:
    return reg.submit(npo, at=clock(), **proposal())


def take_snapshot(reg: Registry) -> tuple[object, ...]:
    """Everything a step could change: the events and every projection row."""
    store = reg.store
    events = [(e.position, e.hash) for e in store.events()]
    return (events, *store.projection_rows())  # type: ignore[attr-defined]


@pytest.fixture(name="snapshot")
def _snapshot() -> object:
    return take_snapshot


@pytest.fixture(name="verbose_logs")
def _verbose_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """The library's log records at every level, for the length of a test
    (by default the logger "nhvflow" inherits the root's WARNING)."""
    caplog.set_level(logging.DEBUG, logger="nhvflow")
    return caplog
