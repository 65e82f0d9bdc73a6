"""Payload fields: how a step's keyword arguments are parsed, validated and
written to JSON.

An event class declares its fields with the helpers here (``text()``,
``flag()``, ``count()``, ...). :func:`parse` builds the event from a mapping
of user input or of stored JSON — the same path, so the log reads back what
was validated — and turns every problem into :class:`InvalidPayload` naming
the field. :func:`dump` writes it back as JSON-ready data.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar

import attrs

from nhvflow.errors import InvalidPayload, shown
from nhvflow.model import Expert, PermitGrant, Region

__all__ = [
    "MAX_LIST",
    "MAX_SHORT",
    "MAX_TEXT",
    "REQUIRED",
    "a_date",
    "choice",
    "count",
    "dump",
    "experts",
    "flag",
    "grants",
    "number",
    "parse",
    "region",
    "text",
    "texts",
]

MAX_SHORT = 500
"""Longest title, name or care measure, in characters."""
MAX_TEXT = 20_000
"""Longest free text (a reason, a report, findings), in characters."""
MAX_LIST = 200
"""Most items in one list field."""

_MISSING = object()
REQUIRED: Any = _MISSING
"""Pass as ``default=`` to make a field that has a default elsewhere required."""
T = TypeVar("T")


@attrs.frozen
class Parser:
    """How one field reads input and writes JSON."""

    read: Callable[[object], Any]
    write: Callable[[Any], Any]
    expects: str


def _field(parser: Parser, default: object) -> Any:
    if default is _MISSING:
        return attrs.field(metadata={"nhvflow": parser})
    return attrs.field(default=default, metadata={"nhvflow": parser})


def _identity(value: T) -> T:
    return value


def _read_text(max_len: int, allow_empty: bool) -> Callable[[object], str]:
    def read(value: object) -> str:
        if not isinstance(value, str):
            raise TypeError(f"expected text, got {type(value).__name__} {shown(value)}")
        if not allow_empty and not value.strip():
            raise ValueError("must not be empty")
        if len(value) > max_len:
            raise ValueError(f"is {len(value)} characters long; at most {max_len} are allowed")
        return value

    return read


def text(*, max_len: int = MAX_TEXT, allow_empty: bool = True, default: object = _MISSING) -> Any:
    """A string field."""
    kind = "text" if allow_empty else "non-empty text"
    return _field(Parser(_read_text(max_len, allow_empty), _identity, kind), default)


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read_optional(value: Any) -> Any:
        return None if value is None else read(value)

    return read_optional


def optional_text(*, max_len: int = MAX_SHORT, default: object = None) -> Any:
    """A string field that may be None."""
    return _field(Parser(_optional(_read_text(max_len, False)), _identity, "text or None"), default)


def _read_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {shown(value)}")
    return value


def flag(*, default: object = _MISSING) -> Any:
    """A boolean field; 1, 0, "yes" and the like are refused."""
    return _field(Parser(_read_flag, _identity, "True or False"), default)


def optional_flag(*, default: object = None) -> Any:
    """A boolean field that may be None (not recorded)."""
    return _field(Parser(_optional(_read_flag), _identity, "True, False or None"), default)


def _read_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {shown(value)}")
    if abs(value) > 10**9:
        raise ValueError(f"{value} is out of range")
    return value


def count(*, optional: bool = False, default: object = _MISSING) -> Any:
    """A whole-number field (bool is refused). Ranges belong to the rules."""
    read = _optional(_read_int) if optional else _read_int
    return _field(Parser(read, _identity, "a whole number"), default)


def _read_number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {shown(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"must be a finite number (got {shown(value)})")
    return result


def number(*, optional: bool = False, default: object = _MISSING) -> Any:
    """A finite number; NaN and infinities are refused."""
    read = _optional(_read_number) if optional else _read_number
    return _field(Parser(read, _identity, "a finite number"), default)


def _read_texts(max_items: int, max_len: int) -> Callable[[object], tuple[str, ...]]:
    one = _read_text(max_len, allow_empty=False)

    def read(value: object) -> tuple[str, ...]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise TypeError(f"expected a list of text, got {type(value).__name__} {shown(value)}")
        items = tuple(value)
        if len(items) > max_items:
            raise ValueError(f"has {len(items)} items; at most {max_items} are allowed")
        out = []
        for i, item in enumerate(items):
            try:
                out.append(one(item))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"item {i}: {exc}") from None
        return tuple(out)

    return read


def _write_list(value: tuple[Any, ...]) -> list[Any]:
    return list(value)


def texts(*, max_items: int = MAX_LIST, max_len: int = MAX_SHORT, default: object = ()) -> Any:
    """A list of non-empty strings, stored as a tuple."""
    return _field(Parser(_read_texts(max_items, max_len), _write_list, "a list of text"), default)


def optional_texts(*, max_items: int = MAX_LIST, max_len: int = MAX_SHORT) -> Any:
    """A list of strings, or None (meaning: take the default from the case)."""
    read = _optional(_read_texts(max_items, max_len))
    return _field(Parser(read, _optional(_write_list), "a list of text or None"), None)


def _read_values(kind: type[T], build: Callable[..., T], what: str) -> Callable[[object], Any]:
    def read_one(i: int, item: object) -> T:
        if isinstance(item, kind):
            return item
        if isinstance(item, Mapping):
            _string_keys(item, f"item {i}")
            try:
                return build(**item)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"item {i} is not a valid {what}: {exc}") from None
        raise TypeError(f"item {i} must be a {what} or a dict of its fields, got {shown(item)}")

    def read(value: object) -> tuple[T, ...]:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"expected a list of {what}, got {type(value).__name__}")
        items = tuple(value)
        if len(items) > MAX_LIST:
            raise ValueError(f"has {len(items)} items; at most {MAX_LIST} are allowed")
        return tuple(read_one(i, item) for i, item in enumerate(items))

    return read


def _write_values(value: tuple[Any, ...]) -> list[Any]:
    return [item.to_json() for item in value]


def experts(*, default: object = ()) -> Any:
    """A list of :class:`Expert` (or dicts of their fields)."""
    return _field(
        Parser(_read_values(Expert, Expert, "Expert"), _write_values, "a list of Expert"), default
    )


def grants(*, default: object = _MISSING) -> Any:
    """A list of :class:`PermitGrant` (or dicts of their fields)."""
    parser = Parser(
        _read_values(PermitGrant, PermitGrant, "PermitGrant"),
        _write_values,
        "a list of PermitGrant",
    )
    return _field(parser, default)


def _read_region(value: object) -> Region:
    if not isinstance(value, Region | str):
        raise TypeError(f"expected a Region, got {shown(value)}")
    return Region.parse(value)


def _write_region(value: Region) -> str:
    return value.name


def region(*, default: object = _MISSING) -> Any:
    """A :class:`Region`, or its name."""
    return _field(Parser(_read_region, _write_region, "a Region"), default)


def read_date(value: object) -> date:
    """A date from a date, an aware datetime (its UTC date) or ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a datetime must be timezone-aware; pass a date or an aware datetime")
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"{shown(value)} is not an ISO date (YYYY-MM-DD)") from None
    raise TypeError(f"expected a date, got {type(value).__name__}")


def _write_date(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


def a_date(*, optional: bool = False, default: object = _MISSING) -> Any:
    """A calendar date (``datetime.date``, an aware datetime, or ISO text)."""
    read = _optional(read_date) if optional else read_date
    return _field(Parser(read, _write_date, "a date"), default)


def choice(values: Iterable[str], *, default: object = _MISSING) -> Any:
    """One string out of a fixed set."""
    allowed = tuple(values)

    def read(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(repr, allowed))} (got {shown(value)})")
        assert isinstance(value, str)
        return value

    return _field(Parser(read, _identity, "one of " + ", ".join(allowed)), default)


def _string_keys(mapping: Mapping[Any, object], where: str) -> None:
    for key in mapping:
        if not isinstance(key, str):
            raise InvalidPayload(where, f"keys must be strings (got {shown(key)})")


def _parser(field: attrs.Attribute[Any]) -> Parser:
    parser = field.metadata.get("nhvflow")
    if not isinstance(parser, Parser):  # pragma: no cover - a programming error in an event class
        raise TypeError(f"field {field.name!r} was not declared with an nhvflow field helper")
    return parser


@attrs.frozen
class _Plan:
    """How :func:`parse` and :func:`dump` handle one class, worked out once
    per class (reading ``attrs.fields`` and the parsers on every step was a
    measurable share of each step: benchmarks/README.md)."""

    names: frozenset[str]
    fields: tuple[tuple[str, Parser, bool], ...]  # name, parser, required
    writers: tuple[tuple[str, Callable[[Any], Any]], ...]
    takes: str


_PLANS: dict[type, _Plan] = {}


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is None:
        fields = attrs.fields(cls)
        names = frozenset(f.name for f in fields)
        plan = _Plan(
            names,
            tuple((f.name, _parser(f), f.default is attrs.NOTHING) for f in fields),
            tuple((f.name, _parser(f).write) for f in fields),
            ", ".join(sorted(names)) or "no fields",
        )
        _PLANS[cls] = plan
    return plan


def parse(cls: type[T], raw: Mapping[Any, object]) -> T:
    """Build ``cls`` from ``raw`` (user keywords or stored JSON).

    Raises :class:`InvalidPayload` naming the field for an unknown, missing
    or malformed field.
    """
    _string_keys(raw, "payload")
    plan = _plan(cls)
    if not plan.names.issuperset(raw):
        unknown = sorted(set(raw) - plan.names)
        raise InvalidPayload(unknown[0], f"is not a field of this step; it takes: {plan.takes}.")
    values: dict[str, Any] = {}
    for name, parser, required in plan.fields:
        if name not in raw:
            if required:
                raise InvalidPayload(name, f"is required ({parser.expects}).")
            continue
        try:
            values[name] = parser.read(raw[name])
        except InvalidPayload as exc:
            raise InvalidPayload(f"{name}.{exc.field}", exc.reason) from None
        except (TypeError, ValueError) as exc:
            raise InvalidPayload(name, str(exc)) from None
    return cls(**values)


def dump(value: object) -> dict[str, Any]:
    """The JSON-ready dict of a payload object built by :func:`parse`."""
    return {name: write(getattr(value, name)) for name, write in _plan(type(value)).writers}
