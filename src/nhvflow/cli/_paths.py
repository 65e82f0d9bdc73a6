"""``nhvflow paths --process P``: the shortest step sequences to every state
and rule outcome of a regime, with the coverage they reach.

A click command for the ``nhvflow`` group (registered in :mod:`nhvflow.cli`).

.. versionadded:: 0.2
"""

from __future__ import annotations

import click

from nhvflow.cli import _render as show_
from nhvflow.cli._base import json_option, process_option

__all__ = ["paths_command"]


@click.command("paths")
@process_option(default="nhv")
@json_option
def paths_command(process_name: str, as_json: bool) -> None:
    """Print the shortest paths to every state and rule outcome of a regime.

    Derived from the process definition: for every state, and for every
    rule's passed and failed outcome at each step that consults it, the
    shortest sequence of steps found from the first step (a failed outcome
    ends with the refused step). The last lines say how many states and
    rule outcomes the paths reach, and which no path reaches. Needs
    hypothesis (pip install 'nhvflow[testing]').

    \b
    Examples:
      nhvflow paths
      nhvflow paths --process ern-membership --json
    """
    try:
        from nhvflow.testing import coverage, paths
    except ImportError as exc:
        raise click.ClickException(str(exc)) from exc
    found = paths(process_name)
    covered = coverage(process_name)
    if as_json:
        data = {"coverage": covered.to_json(), "paths": [p.to_json() for p in found]}
        click.echo(show_.dumps(data))
        return
    for path in found:
        click.echo(path.describe())
    click.echo("")
    click.echo(f"coverage: {covered}")
    for target in covered.uncovered:
        click.echo(f"  not covered: {target}")
