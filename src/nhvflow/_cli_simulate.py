"""``nhvflow simulate``: push a population of proposals through the real
engine and report what became of them.

The command object is :data:`simulate`; the ``nhvflow`` group registers it.

.. versionadded:: 0.1
"""

from __future__ import annotations

import importlib.util
import logging
import sys
from pathlib import Path

import attrs
import click
import structlog
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from nhvflow.errors import NhvflowError
from nhvflow.simulate import (
    Scenario,
    ScenarioError,
    render_table,
    replicate,
    replication_db,
    write_html,
)

__all__ = ["simulate"]


def _scenario(path: Path | None, proposals: int | None) -> Scenario:
    try:
        scenario = Scenario() if path is None else Scenario.from_toml(path)
        if proposals is not None:
            scenario = attrs.evolve(scenario, proposals=proposals)
    except ScenarioError as exc:
        raise click.BadParameter(str(exc), param_hint="--scenario") from None
    return scenario


def _quiet_library_logs() -> None:
    # A command-line program may configure logging; the library never does.
    # Only when nobody has (the nhvflow group may have): warnings to stderr.
    if not structlog.is_configured():
        structlog.configure(
            wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING),
            logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        )


@click.command("simulate")
@click.option(
    "--proposals",
    "-n",
    type=click.IntRange(min=1),
    default=None,
    help="Proposals per replication (default: the scenario's; 250 without one).",
)
@click.option(
    "--seed",
    "-s",
    type=click.IntRange(min=0),
    default=1,
    show_default=True,
    help="Seed of the run: the same seed gives the same events, ids and times.",
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
    "--workers",
    "-w",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Processes running independent replications in parallel.",
)
@click.option(
    "--replications",
    "-r",
    type=click.IntRange(min=1),
    default=None,
    help="Independent replications (seeds derived from --seed), merged into one "
    "summary. Default: one per worker.",
)
def simulate(
    proposals: int | None,
    seed: int,
    scenario_path: Path | None,
    db: Path | None,
    report: Path | None,
    as_json: bool,
    workers: int,
    replications: int | None,
) -> None:
    """Simulate proposals through the process in force, every step judged by
    the real rules, and report final states, refusals per rule, days per
    step and permits per healthcare region.

    \b
    Examples:
      nhvflow simulate
      nhvflow simulate --proposals 5000 --seed 7 --report report.html
      nhvflow simulate --scenario my.toml --workers 2 --json
    """
    _quiet_library_logs()
    scenario = _scenario(scenario_path, proposals)
    runs = replications if replications is not None else workers
    if report is not None and importlib.util.find_spec("matplotlib") is None:
        raise click.UsageError(
            "--report draws its charts with matplotlib, which is not installed; "
            "install the extra: pip install 'nhvflow[report]'"
        )
    if db is not None:
        for number in range(1, runs + 1):
            path = replication_db(db, number, runs)
            if path.exists():
                raise click.UsageError(
                    f"{path} already exists; a simulation writes a new log. Choose another "
                    "--db path or remove the file."
                )
    err = Console(stderr=True)
    total = scenario.proposals * runs
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
        try:
            result = replicate(
                scenario,
                seed=seed,
                replications=runs,
                workers=workers,
                db=db,
                progress=lambda n: bar.advance(task, n),
            )
        except (NhvflowError, OSError) as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(result.to_json())
    else:
        Console().print(render_table(result))
    if report is not None:
        write_html(result, report)
        err.print(f"report written to {report}")
    if db is not None:
        paths = [str(replication_db(db, i, runs)) for i in range(1, runs + 1)]
        err.print(f"event log{'s' if runs > 1 else ''}: {', '.join(paths)}")
