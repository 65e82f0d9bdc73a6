"""``nhvflow copy SRC DST``: move a log between SQLite and PostgreSQL.

A click command for the ``nhvflow`` group (registered in :mod:`nhvflow.cli`).

.. versionadded:: 0.1
"""

from __future__ import annotations

import click

from nhvflow.errors import NhvflowError
from nhvflow.store._copy import copy_log

__all__ = ["copy_command"]


@click.command("copy")
@click.argument("source")
@click.argument("destination")
def copy_command(source: str, destination: str) -> None:
    """Copy the log at SOURCE into the empty DESTINATION and verify it hash for hash.

    Each is an SQLite file path or a PostgreSQL URL
    (postgresql://user@host/db). Positions, versions, times, idempotency
    keys and hashes are kept; the destination's projections are rebuilt.
    A destination that already holds events is refused, and a copy that
    does not verify leaves nothing behind.

    \b
    Examples:
      nhvflow copy nhv.sqlite postgresql://nhv@db.example/nhv
      nhvflow copy postgresql://nhv@db.example/nhv backup.sqlite
    """
    try:
        report = copy_log(source, destination)
    except (NhvflowError, ImportError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(str(report))
