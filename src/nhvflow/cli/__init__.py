"""The ``nhvflow`` command: look inside a log, see the process, read the rules.

For the people who inherit a log (a case officer, an auditor, a developer on
call) and need no Python to use it::

    nhvflow demo                        # write demo.sqlite: the pilot proposals
    nhvflow cases demo.sqlite           # every case, its state and title
    nhvflow show demo.sqlite 6bec       # one case (an id or a unique prefix)
    nhvflow history demo.sqlite 6bec    # its events, in order
    nhvflow verify demo.sqlite          # the hash chain (exit 1 when it fails)
    nhvflow rebuild demo.sqlite         # projections rebuilt from the events
    nhvflow export demo.sqlite --table cases --format csv   # data out
    nhvflow rules --lang sv             # the rule catalogue, in Swedish
    nhvflow diagram                     # the process as a Mermaid diagram
    nhvflow due demo.sqlite             # what is due, overdue first
    nhvflow decision demo.sqlite 6bec   # a case's reasoned decision (Markdown)
    nhvflow paths --process nhv         # shortest paths to every state and rule outcome

People get rich tables; ``--json`` gives machines the same facts. Exit
codes: 0 done, 1 an nhvflow error (an unknown case, a file that is not a
log, a log that fails verification), 2 a usage error (a bad option, a
missing file). Errors are one line; ``--debug`` shows the traceback.

The command shows the library's log lines for its own run (a handler on the
logger ``"nhvflow"`` with structlog's console renderer, on stderr, warnings
only; ``--verbose`` for debug lines) and takes it away afterwards: the
library never configures logging.

Further commands are plain click commands added to :data:`main`
(``main.add_command(simulate)``, at the end of this module); they get the
error handling and logging set-up of the group, and read the options of the
group from :func:`session` (import it from ``nhvflow.cli._base`` in a module
that this one imports, to keep imports one-way).

.. versionadded:: 0.1
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

import nhvflow
from nhvflow import diagram as diagrams
from nhvflow.cli import _render as show_
from nhvflow.cli._base import (
    LANG_HELP,
    PROCESSES,
    Lang,
    NhvflowGroup,
    Session,
    aware,
    configure_logging,
    console,
    db_argument,
    echo_err,
    fail,
    find_case,
    format_option,
    json_option,
    lang_option,
    one_writer_run,
    open_log,
    output_option,
    process_option,
    session,
)
from nhvflow.states import Process, builtin_processes

__all__ = ["Session", "main", "open_log", "session"]


@click.group(
    cls=NhvflowGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--debug", is_flag=True, envvar="NHVFLOW_DEBUG", help="Show tracebacks.")
@click.option("-v", "--verbose", is_flag=True, help="Show the library's log lines down to debug.")
@click.option(
    "--lang",
    type=click.Choice(["en", "sv"]),
    default="en",
    envvar="NHVFLOW_LANG",
    show_default=True,
    help=LANG_HELP,
)
@click.version_option(nhvflow.__version__, prog_name="nhvflow")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool, lang: str) -> None:
    """Look inside an nhvflow event log, see the process, read the rules.

    nhvflow runs the Swedish process for national highly specialised care
    (nationell högspecialiserad vård, NHV) over an append-only SQLite log.
    Start with `nhvflow demo`, then `nhvflow cases demo.sqlite`.

    Exit codes: 0 done; 1 an nhvflow error (unknown case, not a log, a log
    that fails verification); 2 a usage error.
    """
    state = Session(debug=debug, verbose=verbose, lang="sv" if lang == "sv" else "en")
    ctx.obj = state
    if isinstance(ctx.command, NhvflowGroup):
        ctx.command.state = state
        ctx.command.run_logging = configure_logging(state)


# -- commands --------------------------------------------------------------------------


@main.command()
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=Path("demo.sqlite")
)
@click.option("--replace", is_flag=True, help="Write over PATH if it exists.")
@lang_option
def demo(path: Path, replace: bool, lang: str | None) -> None:
    """Write the pilot proposals' log to PATH (default demo.sqlite).

    Three proposals go through the eight steps to permits; an advisory-only
    proposal is refused with its rule and citation, and closed.
    """
    if path.exists() and not replace:
        raise click.BadParameter(
            f"{str(path)!r} exists; pass --replace to write the demo over it, or name "
            "another file.",
            param_hint="'PATH'",
        )
    from nhvflow.cli._demo import run

    state = session()
    one_writer_run()  # a new file with one writer
    code = run(path, write=click.echo, lang=state.lang)
    if code:
        fail("Error: the demo's log did not verify; see above.")


@main.command()
@db_argument
@click.option("--state", "state_name", metavar="STATE", help="Only cases in this state.")
@process_option()
@json_option
def cases(db: Path | str, state_name: str | None, process_name: str | None, as_json: bool) -> None:
    """List the cases of the log DB, in order of submission."""
    known = builtin_processes()
    if state_name is not None:
        scope = [known[process_name]] if process_name else list(known.values())
        states = sorted({s for p in scope for s in p.states})
        if state_name not in states:
            raise click.BadParameter(
                f"no {'process ' + repr(process_name) if process_name else 'process'} has a "
                f"state {state_name!r}; states: {', '.join(states)}.",
                param_hint="'--state'",
            )
    with open_log(db) as reg:
        found = list(reg.cases(state=state_name, process=process_name))
        if as_json:
            click.echo(show_.dumps([show_.case_json(c) for c in found]))
            return
        console().print(show_.cases_table(found, reg.processes))


@main.command(name="show")
@db_argument
@click.argument("case_ref", metavar="CASE")
@click.option("--as-of", help="Show the case as it stood at this business time (ISO).")
@lang_option
@json_option
def show_case(
    db: Path | str, case_ref: str, as_of: str | None, lang: str | None, as_json: bool
) -> None:
    """Show one case: its state, its facts and the next steps.

    CASE is a case id or a unique prefix of one (at least 4 characters).
    """
    moment = aware(as_of)
    with open_log(db) as reg:
        case = find_case(reg, case_ref)
        if moment is not None:
            case = reg.get(case.id, as_of=moment)
        process = reg.processes.get(case.process)
        if as_json:
            click.echo(show_.dumps(show_.case_json(case, process)))
            return
        console().print(show_.case_view(case, process, session().lang))


@main.command()
@db_argument
@click.argument("case_ref", metavar="CASE")
@json_option
def history(db: Path | str, case_ref: str, as_json: bool) -> None:
    """List the events of one case, oldest first.

    CASE is a case id or a unique prefix of one (at least 4 characters).
    """
    with open_log(db) as reg:
        case = find_case(reg, case_ref)
        events = reg.history(case.id)
        if as_json:
            click.echo(show_.dumps([show_.event_json(e) for e in events]))
            return
        console().print(show_.history_table(case.id, events))


def _report_json(report: nhvflow.VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_bad_position": report.first_bad_position,
        "problems": list(report.problems),
    }


@main.command()
@db_argument
@click.option("--projections", is_flag=True, help="Also check every projection against its events.")
@json_option
def verify(db: Path | str, projections: bool, as_json: bool) -> None:
    """Check the log DB's integrity; exit 1 when it fails.

    Checks the hash chain, positions, versions and append-only triggers; with
    --projections also that every case's projection equals its events.
    """
    with open_log(db) as reg:
        report = reg.verify(projections=projections)
    if as_json:
        click.echo(show_.dumps(_report_json(report)))
    else:
        style = "green" if report.ok else "bold red"
        console().print(str(report), style=style)
    if not report.ok:
        raise click.exceptions.Exit(1)


@main.command()
@db_argument
@json_option
def rebuild(db: Path | str, as_json: bool) -> None:
    """Rebuild the projections of the log DB from its events.

    The projections (cases, permits, facts) are replaced in one transaction.
    Refused, writing nothing, when the log fails verification.
    """
    with open_log(db, writing=True) as reg:
        report = reg.verify()
        if not report.ok:
            if as_json:
                click.echo(show_.dumps({"rebuilt": False, "verify": _report_json(report)}))
            fail(f"{report}\nError: the projections were not rebuilt from a log that fails.")
        count = reg.rebuild_projections()
        after = reg.verify(projections=True)
    if as_json:
        click.echo(show_.dumps({"rebuilt": True, "cases": count, "verify": _report_json(after)}))
    else:
        console().print(f"rebuilt the projections of {count} cases; {after}")
    if not after.ok:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("rule_id", metavar="[RULE]", required=False)
@process_option()
@lang_option
@json_option
def rules(rule_id: str | None, process_name: str | None, lang: str | None, as_json: bool) -> None:
    """List the rules of each regime, or show one RULE in full.

    The list gives id, title, citation, kind, date in force and status; one
    RULE is shown with the passage of its source.
    """
    known = builtin_processes()
    scope = [known[process_name]] if process_name else [known[n] for n in PROCESSES]
    chosen: Lang = session().lang
    if rule_id is not None:
        hits = [(p, r) for p in scope for r in p.rules if r.id == rule_id]
        if not hits:
            ids = sorted({r.id for p in scope for r in p.rules})
            raise click.BadParameter(
                f"no rule {rule_id!r}; rules: {', '.join(ids)}.", param_hint="'RULE'"
            )
        if as_json:
            click.echo(show_.dumps([show_.rule_json(r, p) for p, r in hits]))
            return
        for p, r in hits:
            console().print(show_.rule_view(r, p, chosen))
        return
    if as_json:
        click.echo(show_.dumps([show_.rule_json(r, p) for p in scope for r in p.rules]))
        return
    out = console()
    for p in scope:
        out.print(show_.rules_table(p, chosen))


@main.command()
@process_option(default="nhv")
@format_option(
    ["mermaid", "svg"], "mermaid", "Mermaid text (no Graphviz needed) or SVG (needs Graphviz)."
)
@output_option
@lang_option
def diagram(process_name: str, fmt: str, output: Path | None, lang: str | None) -> None:
    """Draw a regime's process (Mermaid or SVG), in English or Swedish.

    Drawn from the process definition, title on top: its states in words, and
    arrows labelled with the step's number, trigger, responsible role and rule
    ids; a step open from several states alike (withdraw, close_not_eligible)
    is one arrow from a box around them.
    """
    process: Process = builtin_processes()[process_name]
    chosen: Lang = session().lang
    text = (
        diagrams.svg(process, lang=chosen)
        if fmt == "svg"
        else diagrams.mermaid(process, lang=chosen)
    )
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    output.write_text(text, encoding="utf-8")
    echo_err(f"wrote {output} ({fmt}, process {process.name})")


# -- commands written in their own modules join here, one line each -------------------

from nhvflow.cli._copy import copy_command  # noqa: E402 - joins the group defined above
from nhvflow.cli._export import export_command  # noqa: E402 - joins the group defined above
from nhvflow.cli._paths import paths_command  # noqa: E402 - joins the group defined above
from nhvflow.cli._reasons import decision_command, due_command  # noqa: E402 - joins the group
from nhvflow.cli._simulate import simulate  # noqa: E402 - joins the group defined above

main.add_command(simulate)
main.add_command(copy_command)
main.add_command(export_command)
main.add_command(due_command)
main.add_command(decision_command)
main.add_command(paths_command)
