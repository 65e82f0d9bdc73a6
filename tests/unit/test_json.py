"""The log's JSON through msgspec is the standard library's, byte for byte and
value for value: every log written before msgspec joined still verifies."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nhvflow.store._json import canonical, canonical_update, loads, loads_plain


def stdlib(value: Any) -> str:
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


scalars = (
    st.none()
    | st.booleans()
    | st.integers()  # beyond 64 bits too
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()  # control characters, U+2028, astral planes
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400)
@given(values)
def test_canonical_is_the_standard_librarys_text(value: Any) -> None:
    """canonical() spells every JSON value exactly as json.dumps does."""
    assert canonical(value) == stdlib(value)


@settings(max_examples=400)
@given(values)
def test_loads_reads_what_json_reads(value: Any) -> None:
    """loads() of a canonical text gives the value json.loads gives, types included."""
    text = stdlib(value)
    got, want = loads(text), json.loads(text)
    assert got == want
    assert repr(got) == repr(want)  # 1 and 1.0, big ints kept as ints


@pytest.mark.parametrize(
    "value",
    [
        1e-05,
        1e16,
        -0.0,
        2**64,
        -(2**63) - 1,
        "\ud800",
        {"b": 1, "a": [1.5, {"z": None, "y": True}]},
        (1, 2),
        {1: "x"},
    ],
    ids=repr,
)
def test_where_msgspec_differs_the_standard_library_answers(value: Any) -> None:
    """Floats, big integers, lone surrogates, tuples and int keys take json's path."""
    assert canonical(value) == stdlib(value)


@pytest.mark.parametrize("value", [math.nan, math.inf, {"a": [math.inf]}])
def test_nan_and_infinity_are_refused(value: Any) -> None:
    """NaN and infinities are no JSON: ValueError, as json.dumps(allow_nan=False) says."""
    with pytest.raises(ValueError, match="Out of range float values"):
        canonical(value)


@pytest.mark.parametrize("value", [object(), {"a": {1, 2}}, [b"bytes"]])
def test_non_json_types_are_refused(value: Any) -> None:
    """A value that is not JSON is a TypeError, never silently encoded."""
    with pytest.raises(TypeError):
        canonical(value)


def test_circular_values_are_refused() -> None:
    """A value that contains itself is a ValueError, not a crash."""
    loop: list[Any] = []
    loop.append(loop)
    with pytest.raises(ValueError, match="circular or too deeply nested"):
        canonical(loop)


@pytest.mark.parametrize(
    "text", ["18446744073709551616", "NaN", "1e400", '"\\ud800"', '{"a":1,"a":2}']
)
def test_loads_keeps_jsons_reading_of_edge_texts(text: str) -> None:
    """Big integers, NaN, overflowing numbers and lone surrogates read as json reads them."""
    assert repr(loads(text)) == repr(json.loads(text))


@pytest.mark.parametrize("text", ["{", "", "[1,]", None, 3])
def test_loads_refuses_what_is_not_json(text: Any) -> None:
    """What json.loads refuses, loads refuses with the same kind of error."""
    with pytest.raises((ValueError, TypeError)):
        loads(text)


plain_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300)
@given(
    st.dictionaries(st.text(max_size=5), plain_values, max_size=6),
    st.dictionaries(st.text(max_size=5), values, max_size=3),
)
def test_canonical_update_is_canonical(before: dict[str, Any], changes: dict[str, Any]) -> None:
    """A dict made from a plain one by replacing values (floats included) is
    spelt exactly as json.dumps spells it, though only the replaced values are looked at."""
    after = {**before, **changes}
    assert canonical_update(after, before) == stdlib(after)


@pytest.mark.parametrize(
    ("text", "plain"),
    [('{"a":[1,"x",null,true]}', True), ('{"a":1.5}', False), ('{"a":[{"b":1e3}]}', False)],
)
def test_loads_plain_says_whether_a_float_was_read(text: str, plain: bool) -> None:
    """loads_plain reads as json.loads does and tells a text with a float from one without."""
    value, seen_plain = loads_plain(text)
    assert (value, seen_plain) == (json.loads(text), plain)
