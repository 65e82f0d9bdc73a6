"""A logger for runs that take thousands of steps (simulations, the testing
kit's state machine): the engine's per-step lines are noise there, and
rendering each one costs more than the step."""

from __future__ import annotations

import logging
from typing import Any

import structlog

__all__ = ["quiet_logger"]


def quiet_logger() -> Any:
    """A structlog logger that drops the engine's per-step ``debug`` and
    ``info`` lines and passes warnings and errors on to the application's
    structlog configuration.

    .. versionadded:: 0.1
    """
    wrapper = structlog.make_filtering_bound_logger(logging.WARNING)
    return structlog.wrap_logger(None, wrapper_class=wrapper).bind()
