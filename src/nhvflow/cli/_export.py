"""``nhvflow export LOG --table events|cases|permits --format csv|jsonl``:
the events, cases or permits of a log as CSV or JSON Lines, for a
spreadsheet, a data warehouse or an integration consumer.

Read through the public API (:meth:`Registry.events` page by page,
:meth:`Registry.cases`), so an export reads any log the registry opens,
SQLite or PostgreSQL, and gives the same rows from both. The columns of
``cases`` and ``permits`` are those of the SQL views ``case_overview`` and
``permit_overview``, plus the permit's dates; ``events`` has every stored
field, with ``case_id`` for the stream id.

.. versionadded:: 0.1
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, TextIO

import click

from nhvflow.cli._base import db_argument, echo_err, format_option, open_log, output_option
from nhvflow.engine import Registry
from nhvflow.engine._feed import every_event
from nhvflow.events import iso
from nhvflow.model import Region

__all__ = ["COLUMNS", "FORMATS", "TABLES", "Format", "Table", "export", "export_command", "rows"]

Table = Literal["events", "cases", "permits"]
Format = Literal["csv", "jsonl"]
TABLES: tuple[Table, ...] = ("events", "cases", "permits")
FORMATS: tuple[Format, ...] = ("csv", "jsonl")

COLUMNS: dict[Table, tuple[str, ...]] = {
    "events": (
        "position",
        "case_id",
        "version",
        "type",
        "schema_version",
        "actor",
        "payload",
        "occurred_at",
        "recorded_at",
        "idempotency_key",
        "prev_hash",
        "hash",
    ),
    "cases": ("id", "process", "title", "programme_area", "state", "version", "updated"),
    "permits": (
        "case_id",
        "title",
        "region",
        "region_code",
        "unit",
        "valid",
        "granted_at",
        "starts_on",
        "revoked_at",
    ),
}
"""The columns of each table, in order (a CSV file's header)."""


def _region_name(code: Any) -> Any:
    try:
        return Region[code].swedish_name
    except (KeyError, TypeError):
        return code


def rows(reg: Registry, table: Table) -> Iterator[dict[str, Any]]:
    """The rows of ``table``: events in log order, cases and their permits
    in order of submission."""
    if table == "events":
        for e in every_event(reg):
            yield {
                "position": e.position,
                "case_id": e.stream_id,
                "version": e.version,
                "type": e.type,
                "schema_version": e.schema_version,
                "actor": e.actor.to_json(),
                "payload": e.payload,
                "occurred_at": e.occurred_at,
                "recorded_at": e.recorded_at,
                "idempotency_key": e.idempotency_key,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
        return
    for case in reg.cases():
        title = case.data.get("title")
        if table == "cases":
            yield {
                "id": case.id,
                "process": case.process,
                "title": title,
                "programme_area": case.data.get("programme_area"),
                "state": case.state,
                "version": case.version,
                "updated": case.updated_at,
            }
            continue
        for permit in case.data.get("permits", []):
            yield {
                "case_id": case.id,
                "title": title,
                "region": _region_name(permit.get("region")),
                "region_code": permit.get("region"),
                "unit": permit.get("unit"),
                "valid": bool(permit.get("valid")),
                "granted_at": permit.get("granted_at"),
                "starts_on": permit.get("starts_on"),
                "revoked_at": permit.get("revoked_at"),
            }


def _text(value: datetime | date) -> str:
    """A moment as the log writes it (UTC, microseconds), a date as ISO text."""
    return iso(value) if isinstance(value, datetime) else value.isoformat()


def _json_default(value: object) -> str:
    if isinstance(value, datetime | date):
        return _text(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _cell(value: Any) -> Any:
    """A CSV cell: text as is, times as ISO text, booleans as true/false,
    lists and objects as JSON, nothing as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date):
        return _text(value)
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=_json_default)
    return value


def export(reg: Registry, table: Table, fmt: Format, out: TextIO) -> int:
    """Write ``table`` of ``reg`` to ``out`` as ``fmt``; the number of rows written."""
    count = 0
    if fmt == "jsonl":
        for row in rows(reg, table):
            out.write(json.dumps(row, ensure_ascii=False, default=_json_default) + "\n")
            count += 1
        return count
    writer = csv.DictWriter(out, fieldnames=COLUMNS[table], lineterminator="\n")
    writer.writeheader()
    for row in rows(reg, table):
        writer.writerow({key: _cell(value) for key, value in row.items()})
        count += 1
    return count


@click.command("export")
@db_argument
@click.option(
    "--table",
    "table",
    type=click.Choice(TABLES),
    required=True,
    help="What to export: events (the log, in order), cases or permits.",
)
@format_option(
    FORMATS, "csv", "csv (a header row, then one row each) or jsonl (one JSON object per line)."
)
@output_option
def export_command(db: Path | str, table: str, fmt: str, output: Path | None) -> None:
    """Export the events, cases or permits of the log DB as CSV or JSON Lines.

    The log is opened read-only. Cases have the columns of the view
    case_overview (id, process, title, programme_area, state, version,
    updated); permits those of permit_overview (case_id, title, region in
    words, unit, valid) with the region code and the permit's dates; events
    every stored field, with the actor and payload as JSON.

    \b
    Examples:
      nhvflow export demo.sqlite --table cases
      nhvflow export demo.sqlite --table permits --format jsonl
      nhvflow export demo.sqlite --table events --format jsonl --output events.jsonl
    """
    chosen: Table = "events" if table == "events" else "cases" if table == "cases" else "permits"
    form: Format = "jsonl" if fmt == "jsonl" else "csv"
    with open_log(db) as reg:
        if output is None:
            export(reg, chosen, form, sys.stdout)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            count = export(reg, chosen, form, out)
    echo_err(f"wrote {output} ({count} {chosen}, {form})")
