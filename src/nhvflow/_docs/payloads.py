"""The generated reference at the end of ``docs/tutorial.md``: the JSON shape
of an actor for each role of the ``nhv`` process, and each trigger's payload
(its fields, what each expects, and its default), read from the event classes
that parse the payloads, so the table cannot drift from what the engine
accepts. Part of ``make docs`` (:mod:`nhvflow._docs`).
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import attrs

from nhvflow.events._fields import RECORDED
from nhvflow.model import Actor, Expert, PermitGrant, Region
from nhvflow.states import Process

__all__ = ["TUTORIAL_BEGIN", "TUTORIAL_END", "reference_md"]

TUTORIAL_BEGIN = "<!-- BEGIN generated: actors and payloads (make docs) -->"
TUTORIAL_END = "<!-- END generated: actors and payloads -->"

_EXPECTS_IN_JSON = {
    "True or False": "`true` or `false`",
    "True, False or None": "`true`, `false` or `null`",
    "text or None": "text or `null`",
    "a list of text or None": "a list of text, or `null`",
    "a list of Expert": "a list of [experts](#an-expert)",
    "a list of PermitGrant": "a list of [permits](#a-permit-granted)",
    "a Region": 'a region: `"SKANE"` or `"Region Skåne"`',
    "a date": 'a date, `"2024-06-01"`',
    "a whole number": "a whole number",
    RECORDED: "`true` or `false`, " + RECORDED,
}
"""What a field expects, said in JSON's words (the engine's own words otherwise)."""

_EXAMPLE_ACTORS: tuple[tuple[str, Actor], ...] = (
    ("an NPO (nationellt programområde), for its area", Actor.npo("Nervsystemets sjukdomar")),
    ("Socialstyrelsen", Actor.socialstyrelsen("handläggare")),
    ("the expert group of one case", Actor.expert_group("6bec2a4e-…")),
    ("a region (huvudman), acting for itself", Actor.region(Region.SKANE)),
    ("the board (Nämnden för nationell högspecialiserad vård)", Actor.board()),
)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _default(field: attrs.Attribute[Any]) -> str:
    if field.default is attrs.NOTHING:
        return "**required**"
    value = field.default
    if isinstance(value, tuple):
        value = list(value)
    return f"`{_json(value)}`"


def _expects(field: attrs.Attribute[Any]) -> str:
    said = str(field.metadata["nhvflow"].expects)
    if said.startswith("one of "):
        return "one of " + ", ".join(f'`"{v.strip()}"`' for v in said[7:].split(","))
    return _EXPECTS_IN_JSON.get(said, said)


def reference_md(process: Process) -> str:
    """The actors' JSON and every trigger's payload fields of ``process``, as Markdown."""
    out = [
        "### The actor",
        "",
        '`"actor"` is the JSON of an `Actor` (`Actor.to_json()`; `Actor.from_json()` reads',
        "it back): `role` and `name` always, and the key that ties the role to a party",
        "where it has one: `programme_area` (an NPO's area), `principal` (the region a",
        "region actor acts for), `case_id` (an expert group's case).",
        "",
        "| who | JSON |",
        "|---|---|",
    ]
    for who, actor in _EXAMPLE_ACTORS:
        out.append(f"| {who} | `{_json(actor.to_json())}` |")
    out += [
        "",
        f"### Each step's payload (regime `{process.name}`)",
        "",
        '`"payload"` holds the step\'s fields, the keyword arguments of `reg.submit` and',
        "`reg.fire`. A field left out takes its default; a wrong type or value is",
        "`InvalidPayload` naming the field (422 above).",
        "",
        "| step | trigger | responsible | field | expects | default |",
        "|---|---|---|---|---|---|",
    ]
    for t in process.transitions.values():
        event: type = t.event
        fields = [f for f in attrs.fields(event) if "nhvflow" in f.metadata]
        head = f"| {t.step or '—'} | `{t.trigger}` | {t.responsible.en} "
        if not fields:
            out.append(head + "| — | — | — |")
        for n, f in enumerate(fields):
            lead = head if n == 0 else "| | | "
            out.append(f"{lead}| `{f.name}` | {_expects(f)} | {_default(f)} |")
    expert = Expert(
        "Anna Berg",
        "läkare",
        Region.NORRBOTTEN,
        "female",
        clinical=True,
        interests_declared=True,
        time_allotted=True,
    )
    grant = PermitGrant(Region.SKANE, unit="Skånes universitetssjukhus", starts_on=date(2024, 7, 1))
    out += [
        "",
        "#### An expert",
        "",
        "```json",
        _json(expert.to_json()),
        "```",
        "",
        "`gender` is `female`, `male` or `other`; `region` a region's code or Swedish",
        "name. The composition rule judges the group as a whole (see [rules.md](rules.md)).",
        "",
        "#### A permit granted",
        "",
        "```json",
        _json(grant.to_json()),
        "```",
        "",
        "`unit` defaults to the unit in the region's application, `starts_on` to the",
        "day of the decision; `special_conditions` (knowledge-spreading conditions, which",
        "need a recorded need) is a list of text, and so is `other_conditions`, special",
        "conditions of any other kind, written only when there are some.",
        "",
    ]
    return "\n".join(out)
