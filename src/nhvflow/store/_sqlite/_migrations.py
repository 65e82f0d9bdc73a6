"""The migrations that lay out an SQLite log, through
``sqlite_utils.Migrations``; a log made by an earlier nhvflow gains those it
lacks when next opened for writing. Imported only when one is due
(:func:`~nhvflow.store._sqlite._schema.pending_migrations`): their names are
:data:`~nhvflow.store._sqlite._schema.MIGRATIONS`.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import sqlite_utils

from nhvflow.events import iso
from nhvflow.model import Region
from nhvflow.store._interface import FORMAT
from nhvflow.store._sqlite._schema import (
    APPEND_ONLY_DELETE,
    APPEND_ONLY_UPDATE,
    NO_REWRITE,
    OVERVIEW_SELECTS,
    SCHEMA_VERSION,
)

__all__ = ["migrate", "migrations"]

migrations = sqlite_utils.Migrations("nhvflow")


@migrations(name="0001_initial")
def initial(db: sqlite_utils.Database) -> None:
    db.table("nhvflow_meta").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.execute(
        """
        CREATE TABLE events (
            position INTEGER PRIMARY KEY,
            stream_id TEXT NOT NULL,
            version INTEGER NOT NULL CHECK (version >= 1),
            type TEXT NOT NULL,
            schema_version INTEGER NOT NULL,
            actor TEXT NOT NULL,
            payload TEXT NOT NULL,
            occurred_at TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            idempotency_key TEXT UNIQUE,
            request_hash TEXT,
            prev_hash TEXT NOT NULL,
            hash TEXT NOT NULL,
            UNIQUE (stream_id, version)
        )
        """
    )
    db.execute(APPEND_ONLY_UPDATE)
    db.execute(APPEND_ONLY_DELETE)
    db.table("cases").create(
        {"id": str, "process": str, "state": str, "version": int, "data": str, "updated_at": str},
        pk="id",
        not_null={"process", "state", "version", "data", "updated_at"},
    )
    db.table("cases").create_index(["state"])
    db.table("permits").create(
        {
            "case_id": str,
            "seq": int,
            "region": str,
            "unit": str,
            "valid": int,
            "granted_at": str,
            "starts_on": str,
            "revoked_at": str,
            "conditions": str,
        },
        pk=("case_id", "seq"),
    )
    db.table("permits").create_index(["region"])
    db.table("facts").create({"key": str, "value": str}, pk="key", not_null={"value"})
    db.table("nhvflow_meta").insert_all(
        [
            {"key": "format", "value": FORMAT},
            {"key": "schema_version", "value": str(SCHEMA_VERSION)},
            {"key": "created_at", "value": iso(datetime.now(UTC))},
        ]
    )


@migrations(name="0002_case_seal")
def case_seal(db: sqlite_utils.Database) -> None:
    """Case rows carry the seal binding them to the event they were folded
    from; rows of older logs have none until they are rebuilt or stepped
    (the engine checks an unsealed row by folding its stream)."""
    db.execute("ALTER TABLE cases ADD COLUMN seal TEXT NOT NULL DEFAULT ''")
    db.execute("UPDATE nhvflow_meta SET value = '2' WHERE key = 'schema_version'")


@migrations(name="0003_overview_views")
def overview_views(db: sqlite_utils.Database) -> None:
    """The views ``case_overview`` and ``permit_overview`` and the lookup
    table ``regions`` (code, Swedish name). They add to the layout without
    changing what is written, so the schema version stays; an existing log
    gains them the next time it is opened for writing."""
    db.table("regions").create({"code": str, "name": str}, pk="code", not_null={"name"})
    db.table("regions").insert_all({"code": r.name, "name": r.swedish_name} for r in Region)
    case_overview, permit_overview = OVERVIEW_SELECTS
    db.execute(f"CREATE VIEW case_overview AS {case_overview}")
    db.execute(f"CREATE VIEW permit_overview AS {permit_overview}")


@migrations(name="0004_no_rewrite")
def no_rewrite(db: sqlite_utils.Database) -> None:
    """Refuse an insert that would replace an event (``REPLACE INTO``,
    ``INSERT OR REPLACE``); a log made before this gains it when next opened
    for writing."""
    db.execute(NO_REWRITE)


def migrate(conn: sqlite3.Connection) -> None:
    """Apply every migration the log of ``conn`` has not (all of them to a
    new log), inside the caller's write transaction."""
    db = sqlite_utils.Database(conn)
    if migrations.pending(db):
        migrations.apply(db)
