"""``nhvflow simulate``: push a population of proposals through the real
engine and report what became of them.

The command object is :data:`simulate`; the ``nhvflow`` group registers it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from nhvflow.cli._base import lang_option, one_writer_run, session
from nhvflow.errors import NhvflowError
from nhvflow.simulate import (
    SIMULATED_PROCESSES,
    Scenario,
    ScenarioError,
    compare,
    comparison_db,
    render_table,
    replicate,
    replication_db,
    write_html,
)
from nhvflow.simulate._words import word

__all__ = ["simulate"]

_F = TypeVar("_F", bound=Callable[..., Any])


def _scenario(path: Path | None, proposals: int | None, process: str | None) -> Scenario:
    try:
        scenario = Scenario() if path is None else Scenario.from_toml(path)
        if proposals is not None:
            scenario = attrs.evolve(scenario, proposals=proposals)
        if process is not None:
            scenario = attrs.evolve(scenario, process=process)
    except ScenarioError as exc:
        raise click.BadParameter(str(exc), param_hint="--scenario") from None
    return scenario


def _processes(processes: tuple[str, ...], comparing: bool) -> tuple[str, ...]:
    if comparing:
        return processes or SIMULATED_PROCESSES
    if len(processes) > 1:
        raise click.UsageError(
            "--process names one regime; to run several, add --compare "
            "(e.g. --compare --process nhv --process kc-proposal)."
        )
    return processes


def _whole_number(
    flag: str, short: str, help: str, *, least: int = 1, default: int | None = None
) -> Callable[[_F], _F]:
    """An option taking a whole number from ``least`` up; the help shows
    the default when there is one."""
    return click.option(
        flag, short, type=click.IntRange(min=least), default=default, show_default=True, help=help
    )


@click.command("simulate")
@_whole_number(
    "--proposals", "-n", "Proposals per replication (default: the scenario's; 250 without one)."
)
@_whole_number(
    "--seed",
    "-s",
    "Seed of the run: the same seed gives the same events, ids and times.",
    least=0,
    default=1,
)
@click.option(
    "--scenario",
    "scenario_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A TOML scenario (see docs/simulations.md); missing fields keep their defaults.",
)
@click.option(
    "--db",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Keep the event log in this new SQLite file (with several replications: "
    "NAME-1.sqlite, NAME-2.sqlite, ...). Default: a temporary file.",
)
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write a self-contained HTML report with charts (needs nhvflow[report]).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON instead of tables.")
@click.option(
    "--process",
    "-p",
    "processes",
    type=click.Choice(SIMULATED_PROCESSES),
    multiple=True,
    help="The regime (default: the scenario's, nhv). With --compare, the regimes to "
    "compare (repeat the option; default: all).",
)
@click.option(
    "--compare",
    "comparing",
    is_flag=True,
    help="Run the same population under each regime (nhv, kc-proposal, "
    "no-competence-service) and compare them.",
)
@_whole_number(
    "--workers", "-w", "Processes running independent replications in parallel.", default=1
)
@_whole_number(
    "--replications",
    "-r",
    "Independent replications (seeds derived from --seed), merged into one summary. "
    "Default: one per worker.",
)
@lang_option
def simulate(
    proposals: int | None,
    seed: int,
    scenario_path: Path | None,
    db: Path | None,
    report: Path | None,
    as_json: bool,
    processes: tuple[str, ...],
    comparing: bool,
    workers: int,
    replications: int | None,
    lang: str | None,
) -> None:
    """Simulate proposals through a regime (the process in force unless
    --process says another), every step judged by the real rules, and report
    final states, refusals per rule, days per step and permits per
    healthcare region; or, with --compare, the same proposals under each
    regime side by side.

    \b
    Examples:
      nhvflow simulate
      nhvflow simulate --proposals 5000 --seed 7 --report report.html
      nhvflow simulate --scenario my.toml --workers 2 --json
      nhvflow simulate --process kc-proposal
      nhvflow simulate --compare --proposals 1000
      nhvflow simulate --lang sv --report rapport.html
    """
    one_writer_run()  # each run writes a new file of its own
    words = session().lang
    chosen = _processes(processes, comparing)
    scenario = _scenario(scenario_path, proposals, chosen[0] if chosen and not comparing else None)
    runs = replications if replications is not None else workers
    if comparing and report is not None:
        raise click.UsageError(
            "--report writes the report of one regime; run --process P --report FILE for each."
        )
    if report is not None and importlib.util.find_spec("matplotlib") is None:
        raise click.UsageError(
            "--report draws its charts with matplotlib, which is not installed; "
            "install the extra: pip install 'nhvflow[report]'"
        )
    folder = None if report is None else report.resolve().parent
    if folder is not None and not (folder.is_dir() and os.access(folder, os.W_OK)):
        raise click.UsageError(  # refused before the run, not after it
            f"--report {report}: cannot write in {folder} (no such folder, or not writable)."
        )
    logs = []
    if db is not None:
        stems = [comparison_db(db, p) for p in chosen] if comparing else [db]
        logs = [replication_db(st, n, runs) for st in stems for n in range(1, runs + 1)]
        for path in logs:
            if path.exists():
                raise click.UsageError(
                    f"{path} already exists; a simulation writes a new log. Choose another "
                    "--db path or remove the file."
                )
    kept = {p.resolve() for p in [*logs, *([scenario_path] if scenario_path else [])]}
    if report is not None and report.resolve() in kept:
        raise click.UsageError(
            f"--report {report} is a file this run reads or keeps (--db, --scenario); write the "
            "report to another path."
        )
    err = Console(stderr=True)
    total = scenario.proposals * runs * (len(chosen) if comparing else 1)
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("proposals"),
        TimeRemainingColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task("simulate", total=total)

        def advance(proposals_done: int) -> None:
            bar.advance(task, proposals_done)

        try:
            if comparing:
                comparison = compare(
                    scenario,
                    chosen,
                    seed=seed,
                    replications=runs,
                    workers=workers,
                    db=db,
                    progress=advance,
                )
            else:
                result = replicate(
                    scenario, seed=seed, replications=runs, workers=workers, db=db, progress=advance
                )
        except (NhvflowError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    if comparing:
        if as_json:
            click.echo(comparison.to_json())
        else:
            Console().print(comparison.render_table(lang=words))
        if db is not None:
            paths = [
                str(replication_db(comparison_db(db, p), i, runs))
                for p in chosen
                for i in range(1, runs + 1)
            ]
            err.print(f"{word('event logs', words)}: {', '.join(paths)}")
        return
    if as_json:
        click.echo(result.to_json())
    else:
        Console().print(render_table(result, lang=words))
    if report is not None:
        write_html(result, report, lang=words)
        err.print(f"{word('report written to', words)} {report}")
    if db is not None:
        paths = [str(replication_db(db, i, runs)) for i in range(1, runs + 1)]
        err.print(f"{word('event logs' if runs > 1 else 'event log', words)}: {', '.join(paths)}")
