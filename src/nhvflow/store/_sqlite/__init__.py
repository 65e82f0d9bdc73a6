"""The SQLite store: the store itself (``_store``), its layout and
migrations (``_schema``, ``_migrations``), the opening of a file (``_open``), and what it
keeps in memory, the rows it wrote (``_cache``) and the steps a batch holds
(``_buffer``). The only package that speaks SQL to SQLite.

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.store._sqlite._store import FORMAT, SCHEMA_VERSION, SQLiteStore

__all__ = ["FORMAT", "SCHEMA_VERSION", "SQLiteStore"]
