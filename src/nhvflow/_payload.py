"""Payloads: how a step's keyword arguments and a stored event's JSON become
the event object, and how it is written back.

An event class declares its fields with the helpers of
:mod:`nhvflow.events.fields` (``text()``, ``flag()``, ``count()``, ...), each an
``attrs.field`` made by :func:`field` that carries a :class:`Parser`.
:func:`parse` builds the event from a mapping of user input or of stored
JSON — the same path, so the log reads back what was validated — and turns
every problem into :class:`InvalidPayload` naming the field. :func:`dump`
writes it back as JSON-ready data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import attrs

from nhvflow.errors import InvalidPayload, shown

__all__ = ["REQUIRED", "Parser", "dump", "field", "parse", "string_keys"]

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


def field(parser: Parser, default: object = REQUIRED) -> Any:
    """An ``attrs.field`` read and written through ``parser``; required unless
    ``default`` is given."""
    if default is _MISSING:
        return attrs.field(metadata={"nhvflow": parser})
    return attrs.field(default=default, metadata={"nhvflow": parser})


def string_keys(mapping: Mapping[Any, object], where: str) -> None:
    """Refuse a mapping with a key that is not a string, naming ``where``."""
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
    string_keys(raw, "payload")
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
