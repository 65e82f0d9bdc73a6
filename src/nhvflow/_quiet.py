"""A logger for runs that take thousands of steps (simulations, the testing
kit's state machine): the engine's per-step lines are noise there, and
gathering each one costs more than the step. And a way to leave out the
warning about several writers where a program writes a file of its own."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from nhvflow._log import Log
from nhvflow.store._sqlite._open import ONE_WRITER

__all__ = ["ONE_WRITER_WARNINGS", "one_writer", "quiet_logger"]

ONE_WRITER_WARNINGS = frozenset({"sqlite_wal_reset_bug"})
"""Warnings about several writers on one file: noise where a program reads
a log, or writes a new file of its own (the demo, a simulation). The
warning itself is a :class:`~nhvflow.SQLiteVersionWarning`; the command
line names it ``sqlite_wal_reset_bug``."""


def quiet_logger() -> Log:
    """A logger that drops the engine's per-step ``debug`` and ``info``
    lines and passes warnings and errors on to the standard logger
    ``"nhvflow"`` (and so to the application's logging configuration).

    .. versionadded:: 0.1
    """
    return Log(level=logging.WARNING)


@contextmanager
def one_writer() -> Iterator[None]:
    """Leave out :class:`~nhvflow.SQLiteVersionWarning` inside the block:
    for a program that opens a file of its own, with no other writer (the
    demo, a simulation's log). The warning is not used up: a later open
    elsewhere still gives it."""
    token = ONE_WRITER.set(True)
    try:
        yield
    finally:
        ONE_WRITER.reset(token)
