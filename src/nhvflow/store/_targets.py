"""Which store a target names: a PostgreSQL URL or an SQLite path.

Kept apart from :mod:`nhvflow.store._postgres` so that deciding costs no
import of psycopg.

.. versionadded:: 0.1
"""

from __future__ import annotations

from typing import TypeGuard

__all__ = ["URL_SCHEMES", "is_postgres_url"]

URL_SCHEMES = ("postgresql://", "postgres://")
"""The URL prefixes that choose the PostgreSQL store in :func:`nhvflow.open`."""


def is_postgres_url(target: object) -> TypeGuard[str]:
    """Whether ``target`` is a PostgreSQL URL (``postgresql://`` or ``postgres://``)."""
    return isinstance(target, str) and target.lower().startswith(URL_SCHEMES)
