"""Fixtures of the PostgreSQL store's tests: a fresh log on either backend.

The throwaway cluster and ``postgres_url`` come from the shared plugin
``tests/pg_cluster.py``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import nhvflow
from nhvflow import Registry


@pytest.fixture(name="target", params=["sqlite", "postgresql"])
def _target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a fresh log lives: an SQLite path or a PostgreSQL URL (each test runs on both)."""
    if request.param == "sqlite":
        return str(tmp_path / "log.sqlite")
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture(name="log")
def _log(target: str) -> Iterator[Registry]:
    """A registry on a fresh log of either backend."""
    with nhvflow.open(target) as reg:
        yield reg


@pytest.fixture(name="pg")
def _pg(postgres_url: str) -> Iterator[Registry]:
    """A registry on a fresh PostgreSQL log."""
    with nhvflow.open(postgres_url) as reg:
        yield reg
