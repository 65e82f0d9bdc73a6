"""``nhvflow due LOG`` (what is due, overdue first) and ``nhvflow decision
LOG CASE`` (a reasoned decision as Markdown or HTML).

Click commands for the ``nhvflow`` group (registered in :mod:`nhvflow.cli`).

.. versionadded:: 0.2
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
from rich.table import Table

from nhvflow.cli import _render as show_
from nhvflow.cli._base import (
    choice_option,
    console,
    db_argument,
    find_case,
    format_option,
    json_option,
    open_log,
    session,
)
from nhvflow.model import Role

__all__ = ["decision_command", "due_command"]


def _day(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)  # the whole text: "2025-06-01x" is no date
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date (e.g. 2025-06-01).", param_hint="'--as-of'"
        ) from None


@click.command("due")
@db_argument
@click.option("--as-of", "as_of", metavar="DATE", help="The day asked about (default: today).")
@click.option(
    "--role",
    type=click.Choice([r.value for r in Role]),
    help="Only what this role is responsible for.",
)
@json_option
def due_command(db: Path | str, as_of: str | None, role: str | None, as_json: bool) -> None:
    """List what is due in the log DB: case, step, who must take it, by when.

    Overdue items come first, then by due date. Each comes from a time
    limit the regime declares, with its source and kind (law, regulation,
    practice).

    \b
    Examples:
      nhvflow due demo.sqlite
      nhvflow due demo.sqlite --as-of 2026-01-15 --role region --json
    """
    with open_log(db) as reg:
        items = reg.due(as_of=_day(as_of))
    if role is not None:
        items = [d for d in items if d.role.value == role]
    if as_json:
        click.echo(show_.dumps([d.to_json() for d in items]))
        return
    sv = session().lang == "sv"
    table = Table(title=("Att göra" if sv else "Due") + f" ({len(items)})")
    for name in ("case", "process", "step", "responsible", "due", "", "source", "kind"):
        table.add_column(name)
    for d in items:
        table.add_row(
            d.case_id[:8],
            d.process,
            d.trigger,
            d.responsible,
            d.due.isoformat(),
            ("FÖRSENAD" if sv else "OVERDUE") if d.overdue else "",
            d.citation,
            d.kind,
            style="bold red" if d.overdue else None,
        )
    console().print(table)


@click.command("decision")
@db_argument
@click.argument("case_ref", metavar="CASE")
@click.option("--version", type=int, help="The event (default: the case's latest decision).")
@choice_option("--lang", "decision_lang", ["sv", "en"], "sv", "Language of the decision.")
@format_option(["md", "html"], "md", "Markdown or a self-contained HTML page.")
@json_option
def decision_command(
    db: Path | str,
    case_ref: str,
    version: int | None,
    decision_lang: str,
    fmt: str,
    as_json: bool,
) -> None:
    """Print the reasoned decision of a case: what was decided, by whom and
    when, the facts, the rules applied with their sources, and the appeal.

    CASE is a case id or a unique prefix of one (at least 4 characters).

    \b
    Examples:
      nhvflow decision demo.sqlite 6bec
      nhvflow decision demo.sqlite 6bec --version 6 --lang en --format html > beslut.html
      nhvflow decision demo.sqlite 6bec --json
    """
    with open_log(db) as reg:
        case = find_case(reg, case_ref)
        found = reg.decision(case.id, version, lang=decision_lang)
    if as_json:
        click.echo(show_.dumps(found.to_json()))
        return
    text = found.html if fmt == "html" else found.markdown
    click.echo(text, nl=not text.endswith("\n"))
