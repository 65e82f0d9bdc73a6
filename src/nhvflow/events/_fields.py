"""The field helpers with which an event class declares its payload
(``text()``, ``flag()``, ``count()``, ``regions()``, ...), published for
authors of their own regimes by :mod:`nhvflow.events.fields`.

Each helper is an ``attrs.field`` carrying a :class:`~nhvflow._payload.Parser`
(how the field reads input and writes JSON), so :func:`nhvflow._payload.parse`
reads a field from user keywords and from stored JSON alike and names it on
error. Every list field reads its items through one reader (:func:`_list`):
the same limit, the same refusal of text or a dict given for a list, and the
item's position in every message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

from nhvflow._abroad import country_code
from nhvflow._payload import REQUIRED as REQUIRED
from nhvflow._payload import Parser, field, string_keys
from nhvflow.errors import shown
from nhvflow.model import Expert, PermitGrant, Region

MAX_SHORT = 500
"""Longest title, name or care measure, in characters."""
MAX_TEXT = 20_000
"""Longest free text (a reason, a report, findings), in characters."""
MAX_LIST = 200
"""Most items in one list field."""

T = TypeVar("T")


def _identity(value: T) -> T:
    return value


def _optional(read: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def read_optional(value: Any) -> Any:
        return None if value is None else read(value)

    return read_optional


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


def text(*, max_len: int = MAX_TEXT, allow_empty: bool = True, default: object = REQUIRED) -> Any:
    """A string field."""
    kind = "text" if allow_empty else "non-empty text"
    return field(Parser(_read_text(max_len, allow_empty), _identity, kind), default)


def optional_text(*, max_len: int = MAX_SHORT, default: object = None) -> Any:
    """A string field that may be None."""
    return field(Parser(_optional(_read_text(max_len, False)), _identity, "text or None"), default)


def _read_flag(value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected True or False, got {shown(value)}")
    return value


def flag(*, default: object = REQUIRED) -> Any:
    """A boolean field; 1, 0, "yes" and the like are refused."""
    return field(Parser(_read_flag, _identity, "True or False"), default)


def optional_flag(*, default: object = None) -> Any:
    """A boolean field that may be None (not recorded)."""
    return field(Parser(_optional(_read_flag), _identity, "True, False or None"), default)


RECORDED = "recorded by the registry: leave it out"


def recorded_flag() -> Any:
    """A boolean the registry records as it prepares the step (a request may
    leave it out, or give the value the registry would record); ``None`` in
    an event recorded before the field existed."""
    return field(Parser(_optional(_read_flag), _identity, RECORDED), None)


def _read_int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"expected a whole number, got {shown(value)}")
    if abs(value) > 10**9:
        raise ValueError(f"{value} is out of range")
    return value


def count(*, optional: bool = False, default: object = REQUIRED) -> Any:
    """A whole-number field (bool is refused). Ranges belong to the rules."""
    read = _optional(_read_int) if optional else _read_int
    return field(Parser(read, _identity, "a whole number"), default)


def _read_number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"expected a number, got {shown(value)}")
    result = float(value)
    if not math.isfinite(result):
        raise ValueError(f"must be a finite number (got {shown(value)})")
    return result


def number(*, optional: bool = False, default: object = REQUIRED) -> Any:
    """A finite number; NaN and infinities are refused."""
    read = _optional(_read_number) if optional else _read_number
    return field(Parser(read, _identity, "a finite number"), default)


def _list(
    read_item: Callable[[int, object], T], what: str, max_items: int = MAX_LIST
) -> Callable[[object], tuple[T, ...]]:
    """Read a list (any iterable but text or a dict) of at most ``max_items``
    items, each through ``read_item(position, item)``."""

    def read(value: object) -> tuple[T, ...]:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"expected a list of {what}, got {type(value).__name__} {shown(value)}")
        items = tuple(value)
        if len(items) > max_items:
            raise ValueError(f"has {len(items)} items; at most {max_items} are allowed")
        return tuple(read_item(i, item) for i, item in enumerate(items))

    return read


def _each(read_one: Callable[[object], T]) -> Callable[[int, object], T]:
    """``read_one`` for an item of a list, its error prefixed with the item's position."""

    def read_item(i: int, item: object) -> T:
        try:
            return read_one(item)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"item {i}: {exc}") from None

    return read_item


def _write_list(value: tuple[Any, ...]) -> list[Any]:
    return list(value)


def texts(*, max_items: int = MAX_LIST, max_len: int = MAX_SHORT, default: object = ()) -> Any:
    """A list of non-empty strings, stored as a tuple."""
    read = _list(_each(_read_text(max_len, allow_empty=False)), "text", max_items)
    return field(Parser(read, _write_list, "a list of text"), default)


def optional_texts(*, max_items: int = MAX_LIST, max_len: int = MAX_SHORT) -> Any:
    """A list of strings, or None (meaning: take the default from the case)."""
    read = _optional(_list(_each(_read_text(max_len, allow_empty=False)), "text", max_items))
    return field(Parser(read, _optional(_write_list), "a list of text or None"), None)


def _value(kind: type[T], build: Callable[..., T], what: str) -> Callable[[int, object], T]:
    """Read one item of a list of ``kind``: the value itself or a dict of its fields."""

    def read_item(i: int, item: object) -> T:
        if isinstance(item, kind):
            return item
        if isinstance(item, Mapping):
            string_keys(item, f"item {i}")
            try:
                return build(**item)
            except (TypeError, ValueError) as exc:
                raise ValueError(f"item {i} is not a valid {what}: {exc}") from None
        raise TypeError(f"item {i} must be a {what} or a dict of its fields, got {shown(item)}")

    return read_item


def _write_values(value: tuple[Any, ...]) -> list[Any]:
    return [item.to_json() for item in value]


def experts(*, default: object = ()) -> Any:
    """A list of :class:`Expert` (or dicts of their fields)."""
    read = _list(_value(Expert, Expert, "Expert"), "Expert")
    return field(Parser(read, _write_values, "a list of Expert"), default)


def grants(*, default: object = REQUIRED) -> Any:
    """A list of :class:`PermitGrant` (or dicts of their fields)."""
    read = _list(_value(PermitGrant, PermitGrant, "PermitGrant"), "PermitGrant")
    return field(Parser(read, _write_values, "a list of PermitGrant"), default)


def _read_region(value: object) -> Region:
    if not isinstance(value, Region | str):
        raise TypeError(f"expected a Region, got {shown(value)}")
    return Region.parse(value)


def _write_region(value: Region) -> str:
    return value.name


def region(*, default: object = REQUIRED) -> Any:
    """A :class:`Region`, or its name."""
    return field(Parser(_read_region, _write_region, "a Region"), default)


def _write_regions(value: tuple[Region, ...]) -> list[str]:
    return [r.name for r in value]


def regions(*, default: object = REQUIRED) -> Any:
    """A list of :class:`~nhvflow.model.Region` (members or their names)."""
    read = _list(_each(_read_region), "Region")
    return field(Parser(read, _write_regions, "a list of Region"), default)


def read_date(value: object) -> date:
    """A date from a date, an aware datetime (its UTC date) or ISO text."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("a datetime must be timezone-aware; pass a date or an aware datetime")
        return value.astimezone(UTC).date()  # business days are UTC days, as a step's `at`
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


def a_date(*, optional: bool = False, default: object = REQUIRED) -> Any:
    """A calendar date (``datetime.date``, an aware datetime, or ISO text)."""
    read = _optional(read_date) if optional else read_date
    return field(Parser(read, _write_date, "a date"), default)


def _one_of(allowed: tuple[str, ...]) -> Callable[[object], str]:
    def read(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(repr, allowed))} (got {shown(value)})")
        assert isinstance(value, str)
        return value

    return read


def choice(values: Iterable[str], *, default: object = REQUIRED) -> Any:
    """One string out of a fixed set."""
    allowed = tuple(values)
    return field(Parser(_one_of(allowed), _identity, "one of " + ", ".join(allowed)), default)


def one_of_each(values: Iterable[str], *, default: object = ()) -> Any:
    """A list of distinct strings, each out of a fixed set."""
    allowed = tuple(values)
    read_all = _list(_each(_one_of(allowed)), "values")

    def read(value: object) -> tuple[str, ...]:
        items = read_all(value)
        repeated = sorted({v for v in items if items.count(v) > 1})
        if repeated:
            raise ValueError(f"names {', '.join(map(repr, repeated))} more than once")
        return items

    return field(Parser(read, _write_list, "a list out of " + ", ".join(allowed)), default)


def _read_code(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO country code such as 'SE', got {shown(value)}")
    code = country_code(value)
    assert code is not None
    return code


def codes(*, default: object = ()) -> Any:
    """A list of ISO codes of EU or EEA states (``"SE"``, ``"NO"``, ...)."""
    read = _list(_each(_read_code), "country codes")
    return field(Parser(read, _write_list, "a list of ISO country codes"), default)


def _read_authorisation(value: object) -> str | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"expected True, False, None or text naming the decision, got {shown(value)}"
        )
    if not value.strip():
        raise ValueError("must not be empty text; give True, or name the decision")
    if len(value) > MAX_SHORT:
        raise ValueError(f"is {len(value)} characters long; at most {MAX_SHORT} are allowed")
    return value


def authorisation(*, default: object = None) -> Any:
    """An authorisation: ``True``/``False``, text naming the decision that gives
    it (recorded as given), or ``None`` (none recorded)."""
    parser = Parser(_read_authorisation, _identity, "True, False, None or text naming the decision")
    return field(parser, default)
