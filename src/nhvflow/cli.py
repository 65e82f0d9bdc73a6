"""The ``nhvflow`` command: look inside a log, see the process, read the rules.

For the people who inherit a log (a case officer, an auditor, a developer on
call) and need no Python to use it::

    nhvflow demo                        # write demo.sqlite: the pilot proposals
    nhvflow cases demo.sqlite           # every case, its state and title
    nhvflow show demo.sqlite 6bec       # one case (an id or a unique prefix)
    nhvflow history demo.sqlite 6bec    # its events, in order
    nhvflow verify demo.sqlite          # the hash chain (exit 1 when it fails)
    nhvflow rebuild demo.sqlite         # projections rebuilt from the events
    nhvflow rules --lang sv             # the rule catalogue, in Swedish
    nhvflow diagram                     # the process as a Mermaid diagram

People get rich tables; ``--json`` gives machines the same facts. Exit
codes: 0 done, 1 an nhvflow error (an unknown case, a file that is not a
log, a log that fails verification), 2 a usage error (a bad option, a
missing file). Errors are one line; ``--debug`` shows the traceback.

The command configures structlog for its own run (a console renderer on
stderr, warnings only; ``--verbose`` for debug lines) and restores the
previous configuration afterwards: the library never configures logging.

Further commands are plain click commands added to :data:`main`
(``main.add_command(simulate)``); they get the error handling and logging
set-up of the group, and read the options of the group from :func:`session`.

.. versionadded:: 0.1
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import attrs
import click
import structlog
from rich.console import Console

import nhvflow
from nhvflow import _cli_render as show_
from nhvflow import diagram as diagrams
from nhvflow.errors import LogFormatError, NhvflowError, TransitionDenied, UnknownCase
from nhvflow.model import Case
from nhvflow.states import Process, builtin_processes

__all__ = ["Session", "main", "open_log", "session"]

_Lang = show_.Lang
_F = TypeVar("_F", bound=Callable[..., Any])

_QUIET_FOR_READERS = frozenset({"sqlite_wal_reset_bug"})
"""Warnings about concurrent writers, not shown to commands that only read."""


@attrs.define
class Session:
    """The options of the group for one run of the command.

    .. versionadded:: 0.1
    """

    debug: bool = False
    verbose: bool = False
    lang: _Lang = "en"
    quiet: frozenset[str] = frozenset()


def session() -> Session:
    """The :class:`Session` of the running command (for commands added to :data:`main`)."""
    ctx = click.get_current_context()
    found = ctx.find_object(Session)
    if found is None:  # a command invoked on its own, outside the group
        found = ctx.ensure_object(Session)
    return found


def _console() -> Console:
    # A file or a pipe has no width of its own: give tables room rather than 80 columns.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    return Console(highlight=False, soft_wrap=False, width=width)


def _stderr(message: str) -> None:
    click.echo(message, err=True)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


class _StderrLoggerFactory:
    """structlog loggers that print to the ``sys.stderr`` of the moment of each
    line (tests swap the stream between runs)."""

    def __call__(self, *args: Any) -> structlog.PrintLogger:
        return structlog.PrintLogger(sys.stderr)


def _configure_logging(state: Session) -> None:
    def drop_quiet(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if not state.verbose and event.get("event") in state.quiet:
            raise structlog.DropEvent
        return event

    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            drop_quiet,
            structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.DEBUG if state.verbose else logging.WARNING
        ),
        logger_factory=_StderrLoggerFactory(),
        cache_logger_on_first_use=False,
    )


class _Group(click.Group):
    """A click group that turns errors into one line and an exit code, and
    restores structlog's configuration when the command ends."""

    state: Session | None = None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        self.state = None
        saved = structlog.get_config()
        try:
            code = self._run(args, prog_name, complete_var, **extra)
        finally:
            structlog.configure(**saved)
        if standalone_mode:
            sys.exit(code)
        return code

    def _run(
        self,
        args: Sequence[str] | None,
        prog_name: str | None,
        complete_var: str | None,
        **extra: Any,
    ) -> int:
        no_args_help = getattr(click.exceptions, "NoArgsIsHelpError", None)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            if no_args_help is not None and isinstance(exc, no_args_help) and exc.ctx:
                click.echo(exc.ctx.get_help())
                return 0
            hint = ""
            if exc.ctx is not None:
                hint = f" (see '{exc.ctx.command_path} --help')"
            _stderr(f"Error: {_one_line(exc.format_message())}{hint}")
            return 2
        except click.ClickException as exc:
            _stderr(f"Error: {_one_line(exc.format_message())}")
            return exc.exit_code
        except click.Abort:
            _stderr("Aborted.")
            return 1
        except TransitionDenied as exc:
            self._reraise_when_debugging()
            lang = self.state.lang if self.state else "en"
            _stderr(f"Refused: {_one_line(str(exc).splitlines()[0])}")
            for v in exc.violations:
                _stderr(f"  - {v.rule} ({v.citation}): {v.text(lang)}")
            return 1
        except NhvflowError as exc:
            self._reraise_when_debugging()
            _stderr(f"Error: {_one_line(str(exc))}")
            return 1
        except BrokenPipeError:
            # The reader of our output went away (`nhvflow history ... | head`).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except Exception as exc:
            self._reraise_when_debugging()
            _stderr(
                f"Error: unexpected {type(exc).__name__}: {_one_line(str(exc))} "
                "(run again with --debug for the traceback, and please report it)"
            )
            return 1
        return result if isinstance(result, int) else 0

    def _reraise_when_debugging(self) -> None:
        if self.state is not None and self.state.debug:
            traceback.print_exc()
            raise SystemExit(1)


@click.group(
    cls=_Group,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.option("--debug", is_flag=True, envvar="NHVFLOW_DEBUG", help="Show tracebacks.")
@click.option("-v", "--verbose", is_flag=True, help="Show the library's log lines down to debug.")
@click.version_option(nhvflow.__version__, prog_name="nhvflow")
@click.pass_context
def main(ctx: click.Context, debug: bool, verbose: bool) -> None:
    """Look inside an nhvflow event log, see the process, read the rules.

    nhvflow runs the Swedish process for national highly specialised care
    (nationell högspecialiserad vård, NHV) over an append-only SQLite log.
    Start with `nhvflow demo`, then `nhvflow cases demo.sqlite`.

    Exit codes: 0 done; 1 an nhvflow error (unknown case, not a log, a log
    that fails verification); 2 a usage error.
    """
    state = Session(debug=debug, verbose=verbose)
    ctx.obj = state
    if isinstance(ctx.command, _Group):
        ctx.command.state = state
    _configure_logging(state)


# -- shared arguments and options -----------------------------------------------------

_PROCESSES = sorted(builtin_processes())


def _remember_lang(ctx: click.Context, _: click.Parameter, value: str) -> str:
    session().lang = "sv" if value == "sv" else "en"
    return value


def _lang_option(fn: _F) -> _F:
    return click.option(
        "--lang",
        type=click.Choice(["en", "sv"]),
        default="en",
        envvar="NHVFLOW_LANG",
        show_default=True,
        callback=_remember_lang,
        help="Language of titles and refusals: en (English) or sv (svenska).",
    )(fn)


def _json_option(fn: _F) -> _F:
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(fn)


def _db_argument(fn: _F) -> _F:
    return click.argument(
        "db", type=click.Path(exists=True, dir_okay=False, path_type=Path), metavar="DB"
    )(fn)


def _process_option(default: str | None = None) -> Callable[[_F], _F]:
    return click.option(
        "--process",
        "process_name",
        type=click.Choice(_PROCESSES),
        default=default,
        show_default=default is not None,
        help="The regime (process definition).",
    )


@contextmanager
def open_log(path: Path, *, writing: bool = False) -> Iterator[nhvflow.Registry]:
    """Open an existing log for a command; never creates one.

    Commands that only read do not show warnings about concurrent writers.

    .. versionadded:: 0.1
    """
    if not path.is_file():
        raise click.BadParameter(f"{str(path)!r} does not exist.", param_hint="'DB'")
    if path.stat().st_size == 0:
        raise LogFormatError(
            f"{str(path)!r} is an empty file, not an nhvflow log (a log is made by "
            "nhvflow.open() or `nhvflow demo`)."
        )
    state = session()
    if not writing:
        state.quiet = state.quiet | _QUIET_FOR_READERS
    with nhvflow.open(path) as reg:
        yield reg


def _find_case(reg: nhvflow.Registry, ref: str) -> Case:
    """A case by its id, or by a unique prefix of it (at least 4 characters)."""
    try:
        return reg.get(ref)
    except UnknownCase:
        if len(ref) < 4:
            raise
        matches = [c for c in reg.cases() if c.id.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(c.id for c in matches[:5])
            raise UnknownCase(
                ref, f"; {len(matches)} cases start with it ({shown}): give more of the id"
            ) from None
        raise


def _aware(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO date or date-time "
            "(e.g. 2024-06-01 or 2024-06-01T12:00+02:00).",
            param_hint="'--as-of'",
        ) from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _fail(message: str) -> NoReturn:
    _stderr(message)
    raise click.exceptions.Exit(1)


# -- commands --------------------------------------------------------------------------


@main.command()
@click.argument(
    "path", type=click.Path(dir_okay=False, path_type=Path), default=Path("demo.sqlite")
)
@click.option("--replace", is_flag=True, help="Write over PATH if it exists.")
@_lang_option
def demo(path: Path, replace: bool, lang: str) -> None:
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
    from nhvflow._demo import run

    state = session()
    state.quiet = state.quiet | _QUIET_FOR_READERS  # a new file with one writer
    code = run(path, write=click.echo, lang=state.lang)
    if code:
        _fail("Error: the demo's log did not verify; see above.")


@main.command()
@_db_argument
@click.option("--state", "state_name", metavar="STATE", help="Only cases in this state.")
@_process_option()
@_json_option
def cases(db: Path, state_name: str | None, process_name: str | None, as_json: bool) -> None:
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
        _console().print(show_.cases_table(found, reg.processes))


@main.command(name="show")
@_db_argument
@click.argument("case_ref", metavar="CASE")
@click.option("--as-of", help="Show the case as it stood at this business time (ISO).")
@_lang_option
@_json_option
def show_case(db: Path, case_ref: str, as_of: str | None, lang: str, as_json: bool) -> None:
    """Show one case: its state, its facts and the next steps.

    CASE is a case id or a unique prefix of one (at least 4 characters).
    """
    moment = _aware(as_of)
    with open_log(db) as reg:
        case = _find_case(reg, case_ref)
        if moment is not None:
            case = reg.get(case.id, as_of=moment)
        process = reg.processes.get(case.process)
        if as_json:
            click.echo(show_.dumps(show_.case_json(case, process)))
            return
        _console().print(show_.case_view(case, process, session().lang))


@main.command()
@_db_argument
@click.argument("case_ref", metavar="CASE")
@_json_option
def history(db: Path, case_ref: str, as_json: bool) -> None:
    """List the events of one case, oldest first.

    CASE is a case id or a unique prefix of one (at least 4 characters).
    """
    with open_log(db) as reg:
        case = _find_case(reg, case_ref)
        events = reg.history(case.id)
        if as_json:
            click.echo(show_.dumps([show_.event_json(e) for e in events]))
            return
        _console().print(show_.history_table(case.id, events))


def _report_json(report: nhvflow.VerifyReport) -> dict[str, Any]:
    return {
        "ok": report.ok,
        "checked": report.checked,
        "first_bad_position": report.first_bad_position,
        "problems": list(report.problems),
    }


@main.command()
@_db_argument
@click.option("--projections", is_flag=True, help="Also check every projection against its events.")
@_json_option
def verify(db: Path, projections: bool, as_json: bool) -> None:
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
        _console().print(str(report), style=style)
    if not report.ok:
        raise click.exceptions.Exit(1)


@main.command()
@_db_argument
@_json_option
def rebuild(db: Path, as_json: bool) -> None:
    """Rebuild the projections of the log DB from its events.

    The projections (cases, permits, facts) are replaced in one transaction.
    Refused, writing nothing, when the log fails verification.
    """
    with open_log(db, writing=True) as reg:
        report = reg.verify()
        if not report.ok:
            if as_json:
                click.echo(show_.dumps({"rebuilt": False, "verify": _report_json(report)}))
            _fail(f"{report}\nError: the projections were not rebuilt from a log that fails.")
        count = reg.rebuild_projections()
        after = reg.verify(projections=True)
    if as_json:
        click.echo(show_.dumps({"rebuilt": True, "cases": count, "verify": _report_json(after)}))
    else:
        _console().print(f"rebuilt the projections of {count} cases; {after}")
    if not after.ok:
        raise click.exceptions.Exit(1)


@main.command()
@click.argument("rule_id", metavar="[RULE]", required=False)
@_process_option()
@_lang_option
@_json_option
def rules(rule_id: str | None, process_name: str | None, lang: str, as_json: bool) -> None:
    """List the rules of each regime, or show one RULE in full.

    The list gives id, title, citation, kind, date in force and status; one
    RULE is shown with the passage of its source.
    """
    known = builtin_processes()
    scope = [known[process_name]] if process_name else [known[n] for n in _PROCESSES]
    chosen: _Lang = session().lang
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
            _console().print(show_.rule_view(r, p, chosen))
        return
    if as_json:
        click.echo(show_.dumps([show_.rule_json(r, p) for p in scope for r in p.rules]))
        return
    console = _console()
    for p in scope:
        console.print(show_.rules_table(p, chosen))


@main.command()
@_process_option(default="nhv")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["mermaid", "svg"]),
    default="mermaid",
    show_default=True,
    help="Mermaid text (no Graphviz needed) or SVG (needs Graphviz).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write to this file instead of standard output.",
)
def diagram(process_name: str, fmt: str, output: Path | None) -> None:
    """Draw a regime's process (Mermaid or SVG).

    Drawn from the process definition: its states, and arrows labelled with
    trigger, responsible role and rule ids.
    """
    process: Process = builtin_processes()[process_name]
    text = diagrams.svg(process) if fmt == "svg" else diagrams.mermaid(process)
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    output.write_text(text, encoding="utf-8")
    _stderr(f"wrote {output} ({fmt}, process {process.name})")
