"""Payload fields the other regimes need beside those of
:mod:`nhvflow._payload`: lists of regions, of country codes and of values
out of a fixed set. Declared the same way (a :class:`~nhvflow._payload.Parser`
in the field's metadata), so :func:`nhvflow._payload.parse` reads them from
user keywords and from stored JSON alike and names the field on error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import attrs

from nhvflow import _payload as p
from nhvflow._abroad import country_code
from nhvflow.errors import shown
from nhvflow.model import Region

__all__ = ["authorisation", "codes", "one_of_each", "regions"]


def _field(parser: p.Parser, default: object) -> Any:
    if default is p.REQUIRED:
        return attrs.field(metadata={"nhvflow": parser})
    return attrs.field(default=default, metadata={"nhvflow": parser})


def _read_list(read_one: Callable[[object], Any], what: str) -> Callable[[object], tuple[Any, ...]]:
    def read(value: object) -> tuple[Any, ...]:
        if isinstance(value, str | bytes) or not isinstance(value, Iterable):
            raise TypeError(f"expected a list of {what}, got {type(value).__name__} {shown(value)}")
        items = tuple(value)
        if len(items) > p.MAX_LIST:
            raise ValueError(f"has {len(items)} items; at most {p.MAX_LIST} are allowed")
        out = []
        for i, item in enumerate(items):
            try:
                out.append(read_one(item))
            except (TypeError, ValueError) as exc:
                raise ValueError(f"item {i}: {exc}") from None
        return tuple(out)

    return read


def _read_region(value: object) -> Region:
    if not isinstance(value, Region | str):
        raise TypeError(f"expected a Region, got {shown(value)}")
    return Region.parse(value)


def _write_regions(value: tuple[Region, ...]) -> list[str]:
    return [r.name for r in value]


def regions(*, default: object = p.REQUIRED) -> Any:
    """A list of :class:`~nhvflow.model.Region` (members or their names)."""
    parser = p.Parser(_read_list(_read_region, "Region"), _write_regions, "a list of Region")
    return _field(parser, default)


def _read_code(value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO country code such as 'SE', got {shown(value)}")
    code = country_code(value)
    assert code is not None
    return code


def _write_list(value: tuple[Any, ...]) -> list[Any]:
    return list(value)


def codes(*, default: object = ()) -> Any:
    """A list of ISO codes of EU or EEA states (``"SE"``, ``"NO"``, ...)."""
    parser = p.Parser(
        _read_list(_read_code, "country codes"), _write_list, "a list of ISO country codes"
    )
    return _field(parser, default)


def one_of_each(values: Iterable[str], *, default: object = ()) -> Any:
    """A list of distinct strings, each out of a fixed set."""
    allowed = tuple(values)

    def read_one(value: object) -> str:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(repr, allowed))} (got {shown(value)})")
        assert isinstance(value, str)
        return value

    read_all = _read_list(read_one, "values")

    def read(value: object) -> tuple[str, ...]:
        items = read_all(value)
        repeated = sorted({v for v in items if items.count(v) > 1})
        if repeated:
            raise ValueError(f"names {', '.join(map(repr, repeated))} more than once")
        return items

    parser = p.Parser(read, _write_list, "a list out of " + ", ".join(allowed))
    return _field(parser, default)


def _read_authorisation(value: object) -> str | bool | None:
    if value is None or isinstance(value, bool):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"expected True, False, None or text naming the decision, got {shown(value)}"
        )
    if not value.strip():
        raise ValueError("must not be empty text; give True, or name the decision")
    if len(value) > p.MAX_SHORT:
        raise ValueError(f"is {len(value)} characters long; at most {p.MAX_SHORT} are allowed")
    return value


def authorisation(*, default: object = None) -> Any:
    """An authorisation: ``True``/``False``, text naming the decision that gives
    it (recorded as given), or ``None`` (none recorded)."""
    parser = p.Parser(
        _read_authorisation, _identity, "True, False, None or text naming the decision"
    )
    return _field(parser, default)


def _identity(value: Any) -> Any:
    return value
