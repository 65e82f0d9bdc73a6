"""The machinery of the ``nhvflow`` command: the group that turns errors into
one line and an exit code, the per-run :class:`Session` and logging set-up,
the shared options, and opening a log without creating one.

Commands written in their own modules (``nhvflow.cli._simulate``) import
what they need from here, not from :mod:`nhvflow.cli`, which imports them.
"""

from __future__ import annotations

import logging
import os
import sys
import traceback
import warnings
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO, TypeVar

import attrs
import click
import structlog
from rich.console import Console

import nhvflow
from nhvflow._log import LOGGER_NAME
from nhvflow._quiet import ONE_WRITER_WARNINGS, one_writer
from nhvflow.cli import _render as show_
from nhvflow.errors import (
    LogFormatError,
    NhvflowError,
    NhvflowWarning,
    TransitionDenied,
    UnknownCase,
)
from nhvflow.model import Case
from nhvflow.states import builtin_processes
from nhvflow.store._targets import is_postgres_url

__all__ = [
    "LANG_HELP",
    "PROCESSES",
    "QUIET_FOR_READERS",
    "Lang",
    "NhvflowGroup",
    "Session",
    "aware",
    "choice_option",
    "configure_logging",
    "console",
    "db_argument",
    "echo_err",
    "fail",
    "find_case",
    "format_option",
    "json_option",
    "lang_option",
    "one_writer_run",
    "open_log",
    "output_option",
    "process_option",
    "restore_logging",
    "session",
]

Lang = show_.Lang
"""The languages of the output: "en" or "sv"."""
_F = TypeVar("_F", bound=Callable[..., Any])

QUIET_FOR_READERS = ONE_WRITER_WARNINGS
"""Warnings about concurrent writers, not shown to commands that only read."""


@attrs.define
class Session:
    """The options of the group for one run of the command.

    .. versionadded:: 0.1
    """

    debug: bool = False
    verbose: bool = False
    lang: Lang = "en"
    quiet: frozenset[str] = frozenset()


def session() -> Session:
    """The :class:`Session` of the running command (for commands added to :data:`main`)."""
    ctx = click.get_current_context()
    found = ctx.find_object(Session)
    if found is None:  # a command invoked on its own, outside the group
        found = ctx.ensure_object(Session)
    return found


def console() -> Console:
    """A rich console on standard output (120 columns when it is a file or a pipe)."""
    # A file or a pipe has no width of its own: give tables room rather than 80 columns.
    width = None if sys.stdout.isatty() or os.environ.get("COLUMNS") else 120
    return Console(highlight=False, soft_wrap=False, width=width)


def echo_err(message: str) -> None:
    """Print a line on standard error."""
    click.echo(message, err=True)


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.strip().splitlines() if part.strip())


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A handler that writes to the ``sys.stderr`` of the moment of each line
    (tests swap the stream between runs)."""

    def emit(self, record: logging.LogRecord) -> None:
        self.setStream(sys.stderr)
        super().emit(record)


@attrs.define
class _RunLogging:
    """What :func:`configure_logging` changed, to put back when the run ends."""

    handler: logging.Handler
    level: int


def configure_logging(state: Session) -> _RunLogging:
    """Show the library's log lines for this run: a handler on the logger
    ``"nhvflow"`` that renders them with structlog's console renderer on
    standard error, warnings only unless ``--verbose``, without the events in
    ``state.quiet``. The command configures its own output like any host
    (see docs/logging.md); :func:`restore_logging` takes it away again."""

    def drop_quiet(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
        if not state.verbose and event.get("event") in state.quiet:
            raise structlog.DropEvent
        return event

    handler = _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[
                structlog.stdlib.add_log_level,
                structlog.stdlib.ExtraAdder(),
                drop_quiet,
                structlog.processors.TimeStamper(fmt="%H:%M:%S", utc=False),
            ],
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
            ],
        )
    )
    logger = logging.getLogger(LOGGER_NAME)
    saved = _RunLogging(handler, logger.level)
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if state.verbose else logging.WARNING)
    return saved


def restore_logging(saved: _RunLogging) -> None:
    """Take away what :func:`configure_logging` added."""
    logger = logging.getLogger(LOGGER_NAME)
    logger.removeHandler(saved.handler)
    logger.setLevel(saved.level)


def _one_line_warnings(previous: Callable[..., None]) -> Callable[..., None]:
    """A ``warnings.showwarning`` that shows nhvflow's warnings as one line
    on standard error and passes any other to ``previous``."""

    def show(
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        if issubclass(category, NhvflowWarning):
            echo_err(f"Warning: {message}")
        else:
            previous(message, category, filename, lineno, file, line)

    return show


def one_writer_run() -> None:
    """This run writes a file of its own with no other writer (the demo, a
    simulation): leave out the warning about several writers until the
    command ends."""
    click.get_current_context().with_resource(one_writer())


class NhvflowGroup(click.Group):
    """A click group that turns errors into one line and an exit code, shows
    nhvflow's warnings as one line each, and takes its logging set-up away
    when the command ends."""

    state: Session | None = None
    run_logging: _RunLogging | None = None

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        self.state = None
        self.run_logging = None
        try:
            with warnings.catch_warnings():
                warnings.showwarning = _one_line_warnings(warnings.showwarning)
                code = self._run(args, prog_name, complete_var, **extra)
        finally:
            self._restore_logging()
        if standalone_mode:
            sys.exit(code)
        return code

    def _restore_logging(self) -> None:
        if self.run_logging is not None:
            restore_logging(self.run_logging)
            self.run_logging = None

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
            echo_err(f"Error: {_one_line(exc.format_message())}{hint}")
            return 2
        except click.ClickException as exc:
            echo_err(f"Error: {_one_line(exc.format_message())}")
            return exc.exit_code
        except click.Abort:
            echo_err("Aborted.")
            return 1
        except TransitionDenied as exc:
            self._reraise_when_debugging()
            lang = self.state.lang if self.state else "en"
            echo_err(f"Refused: {_one_line(str(exc).splitlines()[0])}")
            for v in exc.violations:
                echo_err(f"  - {v.rule} ({v.citation}): {v.text(lang)}")
            return 1
        except NhvflowError as exc:
            self._reraise_when_debugging()
            echo_err(f"Error: {_one_line(str(exc))}")
            return 1
        except BrokenPipeError:
            # The reader of our output went away (`nhvflow history ... | head`).
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return 1
        except OSError as exc:  # a file the command was asked to write or read
            self._reraise_when_debugging()
            where = f": {exc.filename}" if exc.filename else ""
            echo_err(f"Error: {exc.strerror or exc}{where}")
            return 1
        except Exception as exc:
            self._reraise_when_debugging()
            echo_err(
                f"Error: unexpected {type(exc).__name__}: {_one_line(str(exc))} "
                "(run again with --debug for the traceback, and please report it)"
            )
            return 1
        return result if isinstance(result, int) else 0

    def _reraise_when_debugging(self) -> None:
        if self.state is not None and self.state.debug:
            traceback.print_exc()
            raise SystemExit(1)


# -- shared arguments and options -----------------------------------------------------

PROCESSES = sorted(builtin_processes(), key=lambda name: (name != "nhv", name))
"""The built-in regimes as the commands list them: ``nhv`` (the law in force)
first, then the others by name, as in ``docs/process.md``."""


def _remember_lang(ctx: click.Context, _: click.Parameter, value: str | None) -> str | None:
    if value is not None:
        session().lang = "sv" if value == "sv" else "en"
    return value


LANG_HELP = "Language of titles, descriptions and refusals: en (English) or sv (svenska)."


def lang_option(fn: _F) -> _F:
    """``--lang en|sv`` on a command (overrides the group's ``--lang`` and NHVFLOW_LANG)."""
    return click.option(
        "--lang",
        type=click.Choice(["en", "sv"]),
        default=None,
        callback=_remember_lang,
        help=f"{LANG_HELP} [default: the group's --lang]",
    )(fn)


def json_option(fn: _F) -> _F:
    """``--json``: print JSON for machines instead of tables."""
    return click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")(fn)


class LogTarget(click.ParamType[Any]):
    """An existing log: an SQLite file (a missing one is a usage error) or a
    PostgreSQL URL (``postgresql://user@host/db``)."""

    name = "log"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path) or not is_postgres_url(value):
            return click.Path(exists=True, dir_okay=False, path_type=Path).convert(
                value, param, ctx
            )
        return value


def db_argument(fn: _F) -> _F:
    """The ``DB`` argument: an existing log file or a PostgreSQL URL."""
    return click.argument("db", type=LogTarget(), metavar="DB")(fn)


def choice_option(
    flag: str, dest: str, choices: Sequence[str], default: str | None, help: str
) -> Callable[[_F], _F]:
    """``FLAG [A|B|...]``: one of ``choices``, passed as ``dest``; the help
    shows the default when there is one."""
    return click.option(
        flag, dest, type=click.Choice(choices), default=default, show_default=True, help=help
    )


def process_option(default: str | None = None) -> Callable[[_F], _F]:
    """``--process NAME``: one of the built-in regimes."""
    return choice_option(
        "--process", "process_name", PROCESSES, default, "The regime (process definition)."
    )


def format_option(choices: Sequence[str], default: str, help: str) -> Callable[[_F], _F]:
    """``--format [A|B|...]``: the form of a command's output, passed as ``fmt``."""
    return choice_option("--format", "fmt", choices, default, help)


def output_option(fn: _F) -> _F:
    """``-o, --output FILE``: write to this file instead of standard output."""
    return click.option(
        "-o",
        "--output",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Write to this file instead of standard output.",
    )(fn)


@contextmanager
def open_log(path: Path | str, *, writing: bool = False) -> Iterator[nhvflow.Registry]:
    """Open an existing log for a command; never creates one.

    Commands that only read open it read-only: nothing in the file changes,
    and there is no warning about concurrent writers.

    .. versionadded:: 0.1
    """
    if is_postgres_url(path):
        with nhvflow.open(path, readonly=not writing) as reg:
            yield reg
        return
    path = Path(path)
    if not path.is_file():
        raise click.BadParameter(f"{str(path)!r} does not exist.", param_hint="'DB'")
    if path.stat().st_size == 0:
        raise LogFormatError(
            f"{str(path)!r} is an empty file, not an nhvflow log (a log is made by "
            "nhvflow.open() or `nhvflow demo`)."
        )
    with nhvflow.open(path, readonly=not writing) as reg:
        yield reg


def find_case(reg: nhvflow.Registry, ref: str) -> Case:
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


def aware(value: str | None) -> datetime | None:
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


def fail(message: str) -> NoReturn:
    echo_err(message)
    raise click.exceptions.Exit(1)
