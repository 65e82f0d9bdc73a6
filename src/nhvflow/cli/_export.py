"""``nhvflow export LOG --table events|cases|permits --format csv|jsonl``:
data out of a log, for a spreadsheet or an integration consumer.

A click command for the ``nhvflow`` group (registered in :mod:`nhvflow.cli`).

.. versionadded:: 0.1
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from nhvflow.cli._base import db_argument, echo_err, format_option, open_log, output_option
from nhvflow.store._export import FORMATS, TABLES, Format, Table, export

__all__ = ["export_command"]


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
