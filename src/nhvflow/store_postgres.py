"""The PostgreSQL event store (:mod:`nhvflow.store._postgres`), under the
import path it has always had. Importing it needs psycopg 3 (the extra
``nhvflow[postgres]``).

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.store._postgres import SCHEMA_VERSION, PostgresStore, is_postgres_url

__all__ = ["SCHEMA_VERSION", "PostgresStore", "is_postgres_url"]
