"""A logger for runs that take thousands of steps (simulations, the testing
kit's state machine): the engine's per-step lines are noise there, and
rendering each one costs more than the step."""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from typing import Any

import structlog

__all__ = ["ONE_WRITER_WARNINGS", "drop_one_writer_warnings", "quiet_logger"]

ONE_WRITER_WARNINGS = frozenset({"sqlite_wal_reset_bug"})
"""Warnings about several writers on one file: noise where a program reads
a log, or writes a new file of its own (the demo, a simulation)."""


def quiet_logger() -> Any:
    """A structlog logger that drops the engine's per-step ``debug`` and
    ``info`` lines and passes warnings and errors on to the application's
    structlog configuration.

    .. versionadded:: 0.1
    """
    wrapper = structlog.make_filtering_bound_logger(logging.WARNING)
    return structlog.wrap_logger(None, wrapper_class=wrapper).bind()


def drop_one_writer_warnings(
    _: Any, __: str, event: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor that drops :data:`ONE_WRITER_WARNINGS`."""
    if event.get("event") in ONE_WRITER_WARNINGS:
        raise structlog.DropEvent
    return event
