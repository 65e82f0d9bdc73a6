"""Fixtures of the PostgreSQL store's tests: a fresh log on either backend.

The throwaway cluster, ``postgres_url`` and ``log_target`` (a fresh log's
path or URL, once per backend) come from the shared plugin
``tests/pg_cluster.py``.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import nhvflow
from nhvflow import Registry


@pytest.fixture(name="log")
def _log(log_target: str) -> Iterator[Registry]:
    """A registry on a fresh log of either backend."""
    with nhvflow.open(log_target) as reg:
        yield reg


@pytest.fixture(name="pg")
def _pg(postgres_url: str) -> Iterator[Registry]:
    """A registry on a fresh PostgreSQL log."""
    with nhvflow.open(postgres_url) as reg:
        yield reg
