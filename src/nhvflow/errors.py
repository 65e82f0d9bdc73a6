"""The exception hierarchy: every error nhvflow raises is an :class:`NhvflowError`.

Each error keeps its data as attributes (the case, the trigger, the field, the
violations) so that a service can map it to a response without parsing text,
and its message says what was asked, what the rules allow and how to put it
right.

.. versionadded:: 0.1
"""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nhvflow.model import Violation

__all__ = [
    "ConcurrencyConflict",
    "DefinitionError",
    "IdempotencyConflict",
    "IntegrityError",
    "InvalidPayload",
    "InvalidTrigger",
    "LogFormatError",
    "NhvflowError",
    "NhvflowWarning",
    "NotAuthorised",
    "ReadOnlyLog",
    "SQLiteVersionWarning",
    "StoreBusy",
    "StoreError",
    "TransitionDenied",
    "UnknownCase",
]

SHOWN = 80
"""The most characters of a caller's value that a message repeats."""

_repr = reprlib.Repr()
_repr.maxstring = SHOWN
_repr.maxother = SHOWN
_repr.maxlong = SHOWN
_repr.maxlevel = 3
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 4


def shown(value: object) -> str:
    """``repr(value)`` cut to about :data:`SHOWN` characters, for a message:
    a 10 MB argument, a deeply nested one, an int too long for Python to
    print (over 4300 digits: its size is shown) or one whose ``repr`` fails
    is named, never echoed in full.

    .. versionadded:: 0.1
    """
    if isinstance(value, str):
        if len(value) <= SHOWN:
            return repr(value)
        return f"{value[: SHOWN - 20]!r}... ({len(value)} characters)"
    try:
        text = _repr.repr(value)
    except Exception:  # a caller's object whose repr itself fails
        text = f"<{type(value).__name__}>"
        if isinstance(value, int):  # over 4300 digits, which Python will not spell out
            digits = int(abs(value).bit_length() * 0.30103) + 1
            text = f"<{type(value).__name__} of about {digits:,} digits>"
    return text if len(text) <= 2 * SHOWN else f"{text[:SHOWN]}...>"


def _cut(text: object) -> str:
    """An id as a message spells it unquoted, cut like :func:`shown`."""
    if isinstance(text, str) and len(text) <= 3 * SHOWN:
        return text
    return shown(text)


class NhvflowError(Exception):
    """Base class of every error raised by nhvflow.

    .. versionadded:: 0.1
    """


class TransitionDenied(NhvflowError):
    """A step was refused by the rules; nothing was written.

    ``violations`` lists every rule that refused, each with its citation and a
    message saying what would make the step right.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        violations: Sequence[Violation],
        *,
        case_id: str | None,
        trigger: str,
        state: str | None,
    ) -> None:
        self.violations: tuple[Violation, ...] = tuple(violations)
        self.case_id = case_id
        self.trigger = trigger
        self.state = state
        super().__init__(self._render())

    def _render(self) -> str:
        where = f"case {_cut(self.case_id)}" if self.case_id else "a new case"
        state = f" (state {self.state!r})" if self.state else ""
        lines = [f"{shown(self.trigger)} refused for {where}{state}:"]
        for v in self.violations:
            lines.append(f"  - {v.rule} ({v.citation}):")
            lines.append(f"    {v.message}")
        return "\n".join(lines)

    @property
    def rules(self) -> tuple[str, ...]:
        """The ids of the rules that refused, in order, without repeats."""
        return tuple(dict.fromkeys(v.rule for v in self.violations))


class NotAuthorised(TransitionDenied):
    """The actor is not the party responsible for this step.

    A kind of :class:`TransitionDenied`: its violations come from the
    regime's responsible-party rule (``nhv.responsible-party`` under the law
    in force).

    .. versionadded:: 0.1
    """


class InvalidTrigger(NhvflowError):
    """The trigger does not exist in the case's process, or is not available
    from the case's current state.

    ``available`` lists the triggers that are available from that state.

    .. versionadded:: 0.1
    """

    def __init__(
        self,
        trigger: str,
        *,
        case_id: str | None,
        state: str | None,
        process: str,
        available: Sequence[str],
        known: bool,
    ) -> None:
        self.trigger = trigger
        self.case_id = case_id
        self.state = state
        self.process = process
        self.available: tuple[str, ...] = tuple(available)
        self.known = known
        options = ", ".join(repr(t) for t in self.available) or "none (the case is closed)"
        if known:
            head = (
                f"{shown(trigger)} is not available for case {_cut(case_id)} in state "
                f"{state!r} (process {process!r})."
            )
        else:
            head = f"{shown(trigger)} is not a step of process {process!r}."
        super().__init__(f"{head} Available from {state!r}: {options}.")


class UnknownCase(NhvflowError):
    """No case with this id is in the log (or it did not exist yet at the
    moment asked for).

    .. versionadded:: 0.1
    """

    def __init__(self, case_id: str, detail: str = "") -> None:
        self.case_id = case_id
        msg = f"no case {shown(case_id)} in this log"
        super().__init__(f"{msg}{detail}." if detail else f"{msg}; check the id or list cases.")


class InvalidPayload(NhvflowError, ValueError):
    """Malformed or missing input; ``field`` names the offending field.

    .. versionadded:: 0.1
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.reason = message
        if len(message) > 20 * SHOWN:
            message = f"{message[: 20 * SHOWN]}... (cut)"
        super().__init__(f"{shown(field)}: {message}")


class IdempotencyConflict(InvalidPayload):
    """An idempotency key was reused for a different request.

    The first request with a key is recorded; repeating exactly that request
    returns its result, while a different request under the same key is an
    error (it is most likely a client bug that would lose the second step).

    .. versionadded:: 0.1
    """

    def __init__(self, key: str, position: int) -> None:
        self.key = key
        self.position = position
        super().__init__(
            "idempotency_key",
            f"key {shown(key)} was already used (event at position {position}) for a different "
            "request; use a new key for a new step, or repeat the first request exactly.",
        )


class ConcurrencyConflict(NhvflowError):
    """The case moved on before this step could be written; nothing was
    written. Reload the case and decide again.

    .. versionadded:: 0.1
    """

    def __init__(self, case_id: str, expected: int | None, actual: int) -> None:
        self.case_id = case_id
        self.expected = expected
        self.actual = actual
        if expected is None:
            msg = (
                f"case {_cut(case_id)} was changed by another writer at the same moment "
                f"(now at version {actual}); reload it and fire again."
            )
        else:
            msg = (
                f"case {_cut(case_id)} is at version {actual}, not the expected "
                f"{shown(expected)}; "
                "another step was recorded first. Reload the case and decide again."
            )
        super().__init__(msg)


class IntegrityError(NhvflowError):
    """The log fails verification; ``position`` names the first bad event.

    .. versionadded:: 0.1
    """

    def __init__(self, position: int | None, message: str) -> None:
        self.position = position
        super().__init__(message)


class LogFormatError(NhvflowError):
    """The file is not an nhvflow log, or was written by a newer nhvflow.

    .. versionadded:: 0.1
    """


class StoreBusy(NhvflowError):
    """Another writer held the log longer than the busy timeout; nothing was
    written. Retry, or open the registry with a longer ``busy_timeout``.

    .. versionadded:: 0.1
    """


class DefinitionError(NhvflowError, ValueError):
    """A process definition is inconsistent: an unknown, unreachable or
    dead-end state, a trigger declared twice, or two steps recording one
    event type. Raised when the definition is built, naming the problem.

    .. versionadded:: 0.1
    """


class ReadOnlyLog(NhvflowError):
    """A step or rebuild was asked of a log opened with ``readonly=True``;
    nothing was written.

    .. versionadded:: 0.1
    """


class NhvflowWarning(UserWarning):
    """Base class of the warnings nhvflow gives (through :mod:`warnings`, so
    Python shows each once per process on standard error, and a host can
    filter them by category).

    .. versionadded:: 0.1
    """


class SQLiteVersionWarning(NhvflowWarning):
    """The SQLite library in use predates 3.51.3 and has the "WAL-reset" bug
    (sqlite.org/wal.html#walresetbug): a file written or checkpointed by
    several connections at once can be corrupted. Given once per process, when
    a log file is opened for writing. Prefer one writer process, a newer
    SQLite, or the PostgreSQL store; a program that is the only writer of its
    own file can ignore it::

        warnings.filterwarnings("ignore", category=nhvflow.SQLiteVersionWarning)

    .. versionadded:: 0.1
    """


class StoreError(NhvflowError):
    """The store could not read or write the log: the disk is full, an I/O
    error, or the file is damaged where SQLite itself cannot read it (a
    damaged page of events is an :class:`IntegrityError`). Nothing was
    written by the step that met it.

    .. versionadded:: 0.1
    """
