"""The PostgreSQL store (needs the extra ``nhvflow[postgres]``): the store
itself (``_store``), its tables and statements (``_schema``), and the
session that connects and runs the transactions (``_session``). The only
package that speaks SQL to PostgreSQL; also importable as
:mod:`nhvflow.store_postgres`.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.store._postgres._store import SCHEMA_VERSION, PostgresStore, is_postgres_url

__all__ = ["SCHEMA_VERSION", "PostgresStore", "is_postgres_url"]
