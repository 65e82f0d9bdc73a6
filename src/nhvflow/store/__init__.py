"""The event store: the interface every backend provides
(:mod:`~nhvflow.store._interface`), the chain they share
(:mod:`~nhvflow.store._chain`), and the backends that only store, a package
each: SQLite (:mod:`~nhvflow.store._sqlite`) and PostgreSQL
(:mod:`~nhvflow.store._postgres`, needs the extra ``nhvflow[postgres]``;
also importable as :mod:`nhvflow.store_postgres`).

.. versionadded:: 0.1
"""

from __future__ import annotations

from nhvflow.store._interface import Durability, Store, VerifyReport
from nhvflow.store._sqlite import FORMAT, SCHEMA_VERSION, SQLiteStore

__all__ = ["FORMAT", "SCHEMA_VERSION", "Durability", "SQLiteStore", "Store", "VerifyReport"]
