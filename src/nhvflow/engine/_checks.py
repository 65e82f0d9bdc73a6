"""Checks on the arguments of the public entry points, made before anything
is read or written: each bad argument is answered with an
:class:`~nhvflow.errors.InvalidPayload` naming it, in a message that repeats
at most a short cut of the value (:func:`~nhvflow.errors.shown`).

The registry calls these at the top of each method, and
:func:`nhvflow.open` before it touches the disk (:func:`open_arguments`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from nhvflow.errors import InvalidPayload, shown

__all__ = [
    "MAX_BUSY_TIMEOUT",
    "MAX_ID",
    "MAX_PATH",
    "a_flag",
    "a_logger",
    "a_new_id",
    "a_version",
    "an_id",
    "an_optional_key",
    "clock_moment",
    "encodable",
    "open_arguments",
    "open_path",
    "optional_text",
    "process_name",
    "unencodable_field",
    "utc_offset",
]

MAX_ID = 200
"""The longest case id, idempotency key, trigger or process name, in characters."""
MAX_PATH = 4096
"""The longest path to a log file, in characters."""
MAX_BUSY_TIMEOUT = 2_147_483.0
"""The longest busy timeout, in seconds (both stores take it in milliseconds, as a 32-bit int)."""


def encodable(text: str) -> bool:
    """Whether ``text`` can be stored: UTF-8 without lone surrogates."""
    if text.isascii():
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _not_unicode(field: str) -> InvalidPayload:
    return InvalidPayload(
        field,
        "holds a lone surrogate (e.g. from a mis-decoded byte), which is not text that can "
        "be recorded; pass valid Unicode text.",
    )


def an_id(value: object, field: str = "case_id") -> str:
    """A case id, idempotency key or trigger as a reader or step passes it:
    a non-empty string of at most :data:`MAX_ID` characters of valid text.
    ``None`` never means "every case"."""
    if not isinstance(value, str):
        raise InvalidPayload(
            field, f"must be a string (got {type(value).__name__} {shown(value)})."
        )
    if not value.strip() or len(value) > MAX_ID:
        raise InvalidPayload(
            field,
            f"must be a non-empty string of at most {MAX_ID} characters "
            f"(got {len(value)} characters: {shown(value)}).",
        )
    if not encodable(value):
        raise _not_unicode(field)
    return value


def a_new_id(value: object, field: str = "case_id") -> str:
    """An id that a step records (a new case's id, an idempotency key):
    :func:`an_id`, without a NUL character, which PostgreSQL cannot store
    (refused on every backend alike, so that a log can move between them).
    A reader's id with one is simply not in the log."""
    text = an_id(value, field)
    if "\x00" in text:
        raise InvalidPayload(field, f"holds a NUL character ({shown(text)}).")
    return text


def an_optional_key(value: object, field: str = "idempotency_key") -> str | None:
    """An idempotency key: ``None`` or :func:`a_new_id`."""
    return None if value is None else a_new_id(value, field)


def a_version(value: object, field: str = "expected_version") -> int | None:
    """A version (``expected_version``, ``decision(version=)``): ``None`` or a
    whole number (not a bool)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidPayload(
            field, f"must be a whole number or None (got {type(value).__name__} {shown(value)})."
        )
    return value


def a_flag(value: object, field: str) -> bool:
    """A keyword that is True or False (``1``, ``"yes"`` and the like are refused)."""
    if not isinstance(value, bool):
        raise InvalidPayload(field, f"must be True or False (got {shown(value)}).")
    return value


def optional_text(value: object, field: str) -> str | None:
    """A filter such as ``state=`` or ``process=``: ``None`` or valid text."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidPayload(
            field, f"must be a string or None (got {type(value).__name__} {shown(value)})."
        )
    if not encodable(value):
        raise _not_unicode(field)
    return value


def process_name(value: object, known: Iterable[str], field: str = "process") -> str:
    """The name of a process this registry knows."""
    names = sorted(known)
    if not isinstance(value, str) or value not in names:
        what = "an empty name" if isinstance(value, str) and not value else shown(value)
        raise InvalidPayload(
            field,
            f"unknown process {what}; this registry knows {', '.join(names)} "
            "(open it with processes=[...] for another).",
        )
    return value


def a_logger(logger: object) -> None:
    """A structlog-style logger (``debug``, ``info``, ``warning``), or None."""
    if logger is not None and not all(
        callable(getattr(logger, level, None)) for level in ("debug", "info", "warning")
    ):
        raise InvalidPayload(
            "logger",
            f"must be a structlog-style logger with debug, info and warning methods, or None "
            f"(got {type(logger).__name__})",
        )


def utc_offset(value: datetime, field: str) -> timedelta | None:
    """``value``'s offset from UTC, ``None`` when it is naive. A time zone
    whose ``utcoffset`` fails (returns no timedelta, or raises) is a caller's
    broken object, refused by name rather than let out as its TypeError."""
    try:
        return value.utcoffset()
    except Exception as exc:
        raise InvalidPayload(
            field,
            f"has a time zone ({type(value.tzinfo).__name__}) whose utcoffset() fails "
            f"({type(exc).__name__}); use a working one, e.g. UTC or ZoneInfo('Europe/Stockholm').",
        ) from None


def clock_moment(value: object) -> datetime:
    """What the registry's ``clock`` returned: a timezone-aware datetime."""
    if not isinstance(value, datetime) or utc_offset(value, "clock") is None:
        raise InvalidPayload(
            "clock",
            f"must return a timezone-aware datetime, e.g. datetime.now(UTC) (it returned "
            f"{type(value).__name__} {shown(value)}); a naive time is ambiguous in a legal record.",
        )
    return value


def unencodable_field(payload: Mapping[str, Any]) -> str:
    """The first field of a JSON-ready payload whose text is not valid
    Unicode (``"payload"`` when it cannot be told)."""

    def bad(value: Any, depth: int = 0) -> bool:
        if depth > 50:
            return False
        if isinstance(value, str):
            return not encodable(value)
        if isinstance(value, Mapping):
            return any(bad(k, depth + 1) or bad(v, depth + 1) for k, v in value.items())
        if isinstance(value, list | tuple):
            return any(bad(v, depth + 1) for v in value)
        return False

    for key, value in payload.items():
        if bad(key) or bad(value):
            return key if encodable(key) else "payload"
    return "payload"


def open_path(path: object) -> str:
    """The path ``nhvflow.open`` was given (a file, ``":memory:"`` or a
    PostgreSQL URL), as text, checked before the disk is touched."""
    if not isinstance(path, str | os.PathLike):
        raise InvalidPayload(
            "path",
            f"must be a file path (str or os.PathLike), ':memory:' or a PostgreSQL URL "
            f"(got {type(path).__name__} {shown(path)}).",
        )
    try:
        text = os.fspath(path)
    except Exception as exc:  # a caller's __fspath__ that returns no path, or fails
        raise InvalidPayload(
            "path",
            f"{type(path).__name__}.__fspath__() gave no path ({type(exc).__name__}); it must "
            "return the file path as text.",
        ) from None
    if not isinstance(text, str):
        raise InvalidPayload("path", f"must be a text path, not bytes (got {shown(text)}).")
    if not text.strip():
        raise InvalidPayload("path", "is empty; give a file path, ':memory:' or a PostgreSQL URL.")
    if len(text) > MAX_PATH:
        raise InvalidPayload("path", f"is {len(text)} characters long; at most {MAX_PATH}.")
    if "\x00" in text:
        raise InvalidPayload("path", f"holds a NUL character ({shown(text)}).")
    if not encodable(text):
        raise _not_unicode("path")
    return text


def open_arguments(
    *,
    durability: object,
    busy_timeout: object,
    readonly: object,
    path: str,
    clock: Callable[[], datetime] | None,
    logger: object = None,
) -> None:
    """The keywords of ``nhvflow.open``, checked before the disk is touched."""
    if not isinstance(durability, str) or durability not in ("full", "normal"):
        raise InvalidPayload("durability", f"must be 'full' or 'normal' (got {shown(durability)}).")
    if (
        isinstance(busy_timeout, bool)
        or not isinstance(busy_timeout, int | float)
        # compared, never converted to a float: NaN, infinities and ints too big for a
        # float (10**400, where math.isfinite raised OverflowError) all fail it
        or not 0 <= busy_timeout <= MAX_BUSY_TIMEOUT
    ):
        raise InvalidPayload(
            "busy_timeout",
            f"must be a number of seconds from 0 to {MAX_BUSY_TIMEOUT:.0f} "
            f"(got {shown(busy_timeout)}).",
        )
    a_flag(readonly, "readonly")
    a_logger(logger)
    if readonly and path == ":memory:":
        raise InvalidPayload(
            "readonly", "a read-only registry needs a log file; ':memory:' starts empty."
        )
    if clock is not None and not callable(clock):
        raise InvalidPayload(
            "clock", f"must be a function returning a datetime, or None (got {shown(clock)})."
        )
