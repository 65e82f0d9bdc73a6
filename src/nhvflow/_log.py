"""nhvflow's log lines: structured events on the standard :mod:`logging` module.

The library never configures logging and never writes to standard output.
Every line goes to the logger ``"nhvflow"``, which carries a
:class:`logging.NullHandler` from import on, so the host's configuration
(``logging.basicConfig``, ``dictConfig``, structlog's ``ProcessorFormatter``)
decides what is shown, and a host that configured nothing sees nothing.

A line is an event name in snake_case and its keys (``step_accepted`` with
``case_id``, ``trigger``, ``actor_role``, ...). The record's message reads
``step_accepted case_id=... trigger=...`` for a plain ``logging`` format;
the same keys, and ``event`` (the bare name), ride in the record's ``extra``,
so ``structlog.stdlib.ExtraAdder`` (or any JSON formatter that reads extra
attributes) turns the record back into a structured event. See
``docs/logging.md``.

Nothing is built for a level the host filters out: :meth:`Log.enabled` asks
the logger first, and the engine asks it before it gathers a step's keys.
"""

from __future__ import annotations

import logging
from typing import Any, Final

__all__ = ["LOGGER_NAME", "Log", "structured"]

LOGGER_NAME: Final = "nhvflow"
"""The name of the library's logger; children (``nhvflow.x``) propagate to it."""

logging.getLogger(LOGGER_NAME).addHandler(logging.NullHandler())

_RECORD_ATTRIBUTES: Final = frozenset(logging.makeLogRecord({}).__dict__) | {
    "message",
    "asctime",
}
"""Names a ``LogRecord`` already has: ``extra`` may not set them."""


def _value(value: Any) -> str:
    text = str(value)
    if isinstance(value, str) and (not text or any(c in text for c in " =\"'\n")):
        return repr(text)
    return text


def _message(event: str, fields: dict[str, Any]) -> str:
    if not fields:
        return event
    return event + "".join(f" {key}={_value(value)}" for key, value in fields.items())


def _extra(event: str, fields: dict[str, Any]) -> dict[str, Any]:
    extra = {
        (f"{key}_" if key in _RECORD_ATTRIBUTES else key): value for key, value in fields.items()
    }
    extra["event"] = event
    return extra


class Log:
    """A structured logger over a standard :class:`logging.Logger`:
    ``log.info("step_refused", case_id=..., rules=[...])``.

    :param logger: the standard logger to write to (default ``"nhvflow"``).
    :param level: a floor of the library's own: lines below it are dropped
        before the host's configuration is consulted (the quiet logger of
        simulations uses ``logging.WARNING``).

    .. versionadded:: 0.1
    """

    __slots__ = ("_floor", "_logger")

    def __init__(self, logger: logging.Logger | None = None, *, level: int = logging.NOTSET):
        self._logger = logger if logger is not None else logging.getLogger(LOGGER_NAME)
        self._floor = level

    @property
    def logger(self) -> logging.Logger:
        """The standard logger the lines go to."""
        return self._logger

    def enabled(self, level: int) -> bool:
        """Whether a line at ``level`` would be handled (ask before gathering its keys)."""
        return level >= self._floor and self._logger.isEnabledFor(level)

    def debug(self, event: str, **fields: Any) -> None:
        """Log ``event`` with ``fields`` at DEBUG."""
        self._emit(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        """Log ``event`` with ``fields`` at INFO."""
        self._emit(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        """Log ``event`` with ``fields`` at WARNING."""
        self._emit(logging.WARNING, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        """Log ``event`` with ``fields`` at ERROR."""
        self._emit(logging.ERROR, event, fields)

    def _emit(self, level: int, event: str, fields: dict[str, Any]) -> None:
        if not self.enabled(level):
            return
        # stacklevel 3: the record names the nhvflow function that logged,
        # not this module.
        self._logger.log(level, _message(event, fields), extra=_extra(event, fields), stacklevel=3)


class _Forwarding(Log):
    """A structlog-style logger given to ``nhvflow.open(logger=...)``: an
    object with ``debug``/``info``/``warning``/``error(event, **keys)``
    methods, which decides for itself what to keep."""

    __slots__ = ("_target",)

    def __init__(self, target: Any) -> None:
        super().__init__()
        self._target = target

    def enabled(self, level: int) -> bool:
        return True

    def _emit(self, level: int, event: str, fields: dict[str, Any]) -> None:
        method = logging.getLevelName(level).lower()
        getattr(self._target, method)(event, **fields)


_DEFAULT: Final = Log()


def structured(logger: Any = None) -> Log:
    """The :class:`Log` for a ``logger=`` argument: ``None`` for the
    ``"nhvflow"`` logger, a :class:`logging.Logger` to write to instead, a
    :class:`Log`, or any structlog-style logger (a ``structlog`` bound logger,
    a test's recorder), which gets every line and filters them itself."""
    if logger is None:
        return _DEFAULT
    if isinstance(logger, Log):
        return logger
    if isinstance(logger, logging.Logger):
        return Log(logger)
    return _Forwarding(logger)
