"""The field helpers with which an event class declares its payload, for
authors of their own regimes (``nhvflow.open(processes=[...])``).

An event is an ``@attrs.frozen`` subclass of :class:`~nhvflow.events.Fact`
whose fields are declared with these helpers; the registry parses a step's
keywords and the stored JSON through them alike, and refuses bad input with
:class:`~nhvflow.errors.InvalidPayload` naming the field::

    import attrs
    from typing import ClassVar
    from nhvflow.events import Fact
    from nhvflow.events import fields as f


    @attrs.frozen
    class PartyRequested(Fact):
        type: ClassVar[str] = "PartyRequested"
        street: str = f.text(max_len=200, allow_empty=False)
        guests: int = f.count()

.. versionadded:: 0.1
"""

from nhvflow.events._fields import (
    MAX_LIST,
    MAX_SHORT,
    MAX_TEXT,
    REQUIRED,
    a_date,
    choice,
    codes,
    count,
    experts,
    flag,
    grants,
    number,
    one_of_each,
    optional_flag,
    optional_text,
    optional_texts,
    region,
    regions,
    text,
    texts,
)

__all__ = [
    "MAX_LIST",
    "MAX_SHORT",
    "MAX_TEXT",
    "REQUIRED",
    "a_date",
    "choice",
    "codes",
    "count",
    "experts",
    "flag",
    "grants",
    "number",
    "one_of_each",
    "optional_flag",
    "optional_text",
    "optional_texts",
    "region",
    "regions",
    "text",
    "texts",
]
