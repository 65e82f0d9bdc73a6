"""The JSON of the log: the canonical text of a value and the reading back
of a stored text, each the same, byte for byte and value for value, as the
standard library's ``json`` — through msgspec where msgspec is known to agree.

The log's hash chain, the projection seals and the request fingerprints are
computed over canonical text, so a log written by any version of nhvflow
must read back and verify unchanged. msgspec is several times faster than
``json`` on the 3–5 kB case projections a step rewrites, but its encoder
differs from ``json`` in places: floats (``1e-05`` is ``1e-5`` to msgspec,
and NaN is ``null``), subclasses of ``str`` and ``int``, tuples, non-string
keys, lone surrogates, and the non-JSON types it encodes natively (dates,
UUIDs, enums, dataclasses, attrs classes). Values made only of ``dict``,
``list``, ``str``, ``bool``, ``None`` and ``int`` — everything nhvflow's own
regimes store — are encoded by msgspec; anything else by the standard
library. Its decoder reads every text ``json`` reads to the same value
(integers of any size included), except NaN, numbers beyond a float and
lone surrogates, which it refuses: those are read by ``json``.
"""

from __future__ import annotations

import json
from typing import Any

import msgspec

__all__ = ["canonical", "canonical_update", "loads", "loads_plain"]

_encode = msgspec.json.Encoder(order="sorted").encode
_decode = msgspec.json.Decoder().decode


class _Float(Exception):
    """A float met while decoding: the value is not plain."""


def _refuse_float(_: str) -> Any:
    raise _Float


_decode_plain = msgspec.json.Decoder(float_hook=_refuse_float).decode


def _plain(value: Any) -> bool:
    """Whether ``value`` holds only the types msgspec spells as ``json`` does:
    dicts, lists, strs, ints, bools and None (exact classes, not subclasses).
    Keys are left to msgspec, which refuses non-string ones."""
    kind = value.__class__
    if kind is dict:
        items = value.values()
    elif kind is list:
        items = value
    else:
        return kind is str or kind is int or kind is bool or value is None
    for item in items:
        kind = item.__class__
        if kind is str or kind is int or kind is bool or item is None:
            continue
        if not _plain(item):
            return False
    return True


def _not_json(value: Any) -> Any:
    raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")


_make_encoder = getattr(json.encoder, "c_make_encoder", None)
_encoder = (
    None
    if _make_encoder is None
    # markers=None: no circular check (a circular value recurses, which
    # canonical reports); the arguments of json.encoder.JSONEncoder.iterencode.
    else _make_encoder(
        None, _not_json, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
)


def _stdlib(value: Any) -> str:
    if _encoder is None:  # pragma: no cover - CPython always has the C encoder
        return json.dumps(
            value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
        )
    try:
        return "".join(_encoder(value, 0))
    except RecursionError:
        raise ValueError("a circular or too deeply nested value cannot be encoded") from None


def canonical(value: Any) -> str:
    """The canonical JSON text of a value: sorted keys, no spaces, UTF-8, no
    NaN or infinities and no circular or absurdly deep values (``ValueError``),
    only JSON types (``TypeError``).

    Exactly ``json.dumps(value, ensure_ascii=False, sort_keys=True,
    separators=(",", ":"), allow_nan=False)``.
    """
    try:
        if _plain(value):
            return _encode(value).decode()
    except RecursionError:
        raise ValueError("a circular or too deeply nested value cannot be encoded") from None
    except (TypeError, UnicodeEncodeError):  # a key that is not a str, a lone surrogate
        pass  # json's answer
    return _stdlib(value)


def canonical_update(value: dict[str, Any], before: dict[str, Any]) -> str:
    """:func:`canonical` of ``value``, a dict made from ``before`` — a plain
    value (see :func:`loads_plain`) — by replacing some of its values: only
    the values it replaced are looked at for what msgspec would spell
    differently (a case's data after a step, which replaces what it changes
    and never edits a value in place)."""
    absent = object()
    try:
        for key, item in value.items():
            if item is not before.get(key, absent) and not _plain(item):
                break
        else:
            return _encode(value).decode()
    except (TypeError, UnicodeEncodeError, RecursionError):
        pass  # a key that is not a str, a lone surrogate: canonical says
    return canonical(value)


def loads_plain(text: str) -> tuple[Any, bool]:
    """:func:`loads`, and whether the value is plain: made only of dicts,
    lists, strs, ints, bools and None, as everything msgspec decodes without
    meeting a float is."""
    try:
        return _decode_plain(text), True
    except (_Float, msgspec.MsgspecError):
        return loads(text), False


def loads(text: str | bytes) -> Any:
    """The value of a stored JSON text, exactly as ``json.loads`` reads it
    (``ValueError`` or ``TypeError`` for what is not JSON)."""
    if text.__class__ is str or text.__class__ is bytes:
        try:
            return _decode(text)
        except msgspec.MsgspecError:
            pass  # NaN, a number beyond a float, a lone surrogate, or no JSON: json says
    return json.loads(text)
