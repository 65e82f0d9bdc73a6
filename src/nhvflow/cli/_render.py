"""What the ``nhvflow`` command shows: rich renderings for people, plain
dicts for ``--json``, in English or Swedish.

Everything here is generic over :class:`~nhvflow.states.Process` objects and
case data: a regime's cases are shown from their states, transitions and
accumulated facts, whatever the regime.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Literal

from rich import box
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from nhvflow.model import Case, Event
from nhvflow.rules import Rule
from nhvflow.states import Process, Transition

__all__ = [
    "Lang",
    "case_json",
    "case_view",
    "cases_table",
    "dumps",
    "event_json",
    "history_table",
    "rule_json",
    "rule_view",
    "rules_table",
    "transitions_using",
    "word",
]

Lang = Literal["en", "sv"]

_SV = {
    "Case": "Ärende",
    "Cases": "Ärenden",
    "Process": "Process",
    "State": "Läge",
    "Version": "Version",
    "Updated": "Senast ändrat",
    "Title": "Rubrik",
    "Facts": "Uppgifter",
    "Next steps": "Nästa steg",
    "Step": "Steg",
    "Trigger": "Steg (trigger)",
    "Responsible": "Ansvarig",
    "Rules": "Regler",
    "Rule": "Regel",
    "Citation": "Källa",
    "Kind": "Typ",
    "In force from": "Gäller från",
    "In force until": "Gäller till",
    "Status": "Status",
    "Source passage": "Källtext",
    "Applies to": "Gäller stegen",
    "none (the case is closed)": "inga (ärendet är avslutat)",
    "Permits": "Tillstånd",
    "rules": "regler",
    "in force": "gällande",
    "proposed": "förslag",
    "statute": "lag",
    "regulation": "förordning eller föreskrift",
    "authority report": "myndighetsrapport",
    "practice": "praxis",
    "treaty": "EU-rätt eller fördrag",
    "every step": "varje steg",
    "yes": "ja",
    "no": "nej",
    "Occurred": "Inträffade",
    "Event": "Händelse",
    "Actor": "Aktör",
    "Details": "Detaljer",
    "from": "från",
    "until": "till",
    "events": "händelser",
}


def word(text: str, lang: Lang) -> str:
    """``text`` in ``lang`` (the English words of the command's output, translated)."""
    return _SV.get(text, text) if lang == "sv" else text


def dumps(value: Any) -> str:
    """JSON for ``--json``: UTF-8 text, indented, dates as ISO strings."""
    return json.dumps(value, ensure_ascii=False, indent=2, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# -- cases -------------------------------------------------------------------------------


def case_json(case: Case, process: Process | None = None) -> dict[str, Any]:
    """A case as a JSON-ready dict; with its process, the next steps too."""
    out: dict[str, Any] = {
        "id": case.id,
        "process": case.process,
        "state": case.state,
        "version": case.version,
        "updated_at": case.updated_at.isoformat() if case.updated_at else None,
        "data": case.data,
    }
    if process is not None:
        out["next_steps"] = [
            {
                "trigger": t.trigger,
                "step": t.step or None,
                "responsible": t.responsible.role.value,
                "rules": [r.id for r in t.rules],
            }
            for t in _next(process, case.state)
        ]
    return out


def _next(process: Process, state: str) -> list[Transition]:
    return [process.transitions[name] for name in process.triggers_from(state)]


def _state_text(process: Process | None, state: str, lang: Lang) -> str:
    found = process.states.get(state) if process is not None else None
    if found is None:
        return state
    described = found.sv if lang == "sv" else found.en
    return f"{state} ({described})" if described else state


def cases_table(
    cases: Iterable[Case], processes: Mapping[str, Process], lang: Lang = "en"
) -> Table:
    """One row per case: its id with its title beneath, (its process when the
    cases are of several), state, version and the date of its last step."""
    rows = list(cases)
    several = len({c.process for c in rows}) > 1
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"{word('Cases', lang)}: {len(rows)}",
        title_justify="left",
    )
    table.add_column(f"id / {word('Title', lang).lower()}", overflow="fold", min_width=36)
    if several:
        table.add_column(word("Process", lang).lower(), no_wrap=True)
    table.add_column(word("State", lang).lower(), no_wrap=True)
    table.add_column("v", justify="right", no_wrap=True)
    table.add_column(word("Updated", lang).lower(), no_wrap=True)
    for case in rows:
        title = str(case.data.get("title") or "")
        head = Text(case.id)
        if title:
            head.append("\n" + title, style="dim")
        updated = f"{case.updated_at:%Y-%m-%d}" if case.updated_at else ""
        cells: list[RenderableType] = [head, *([case.process] if several else [])]
        cells += [case.state, str(case.version)]
        table.add_row(*cells, updated)
    return table


def case_view(case: Case, process: Process | None, lang: Lang = "en") -> RenderableType:
    """A case for a person: where it stands, its facts, and who may take which step next."""
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column()
    title = process.title_sv if process and lang == "sv" else process.title_en if process else ""
    head.add_row(word("Case", lang), case.id)
    head.add_row(word("Process", lang), f"{case.process}" + (f": {title}" if title else ""))
    head.add_row(word("State", lang), _state_text(process, case.state, lang))
    head.add_row(word("Version", lang), str(case.version))
    if case.updated_at is not None:
        head.add_row(word("Updated", lang), case.updated_at.isoformat())
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="cyan", no_wrap=True)
    facts.add_column(overflow="fold")
    for key, value in _ordered(case.data):
        facts.add_row(key, _summary(value))
    parts: list[RenderableType] = [head, Text(""), Text(word("Facts", lang), style="bold"), facts]
    if process is not None:
        parts += [
            Text(""),
            Text(word("Next steps", lang), style="bold"),
            _next_table(process, case, lang),
        ]
    return Panel(Group(*parts), title=case.data.get("title") or case.id, title_align="left")


def _next_table(process: Process, case: Case, lang: Lang) -> RenderableType:
    steps = _next(process, case.state)
    if not steps:
        return Text(word("none (the case is closed)", lang))
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column(word("Trigger", lang), no_wrap=True)
    table.add_column(word("Step", lang))
    table.add_column(word("Responsible", lang))
    table.add_column(word("Rules", lang), overflow="fold")
    for t in steps:
        what = t.sv if lang == "sv" else t.en
        who = t.responsible.sv if lang == "sv" else t.responsible.en
        table.add_row(
            t.trigger,
            " ".join(x for x in (t.step, what) if x),
            who,
            ", ".join(r.id for r in t.rules),
        )
    return table


_FIRST = ("title", "programme_area", "care_measures", "advisory", "pilot", "units")


def _ordered(data: Mapping[str, Any]) -> list[tuple[str, Any]]:
    first = [(k, data[k]) for k in _FIRST if k in data]
    return first + [(k, v) for k, v in data.items() if k not in _FIRST]


def _summary(value: Any, limit: int = 160) -> str:
    """A value of case data in one line or a few (lists of records one a line)."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = [_record(v) for v in value[:8]]
        if len(value) > 8:
            lines.append(f"… {len(value) - 8} more")
        return "\n".join(lines)
    text = _record(value) if isinstance(value, dict) else _scalar(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _scalar(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str) and _MOMENT.match(value):
        return value[:10]  # a recorded moment: its day is what a reader looks for
    if isinstance(value, list):
        return ", ".join(_scalar(v) for v in value) or "-"
    if isinstance(value, dict):
        return _record(value)
    return str(value)


_NAMES = ("region_name", "name", "unit", "year", "rule", "profession")


def _record(record: Mapping[str, Any]) -> str:
    """A dict as one line: its naming fields first, then its other short
    values (``key: value``), the flags that are set, and the size of lists."""
    named = [str(record[k]) for k in _NAMES if record.get(k) not in (None, "")]
    values = [
        f"{k}: {_scalar(v)}"
        for k, v in record.items()
        if k not in _NAMES
        and k != "region"
        and not isinstance(v, bool | list | dict)
        and v not in (None, "")
    ]
    flags = [k for k, v in record.items() if v is True]
    nested = [f"{k}: {len(v)}" for k, v in record.items() if isinstance(v, list) and v]
    parts = [", ".join(named)] if named else []
    parts += values + ([", ".join(flags)] if flags else []) + nested
    text = "; ".join(parts)
    return text if len(text) <= 200 else text[:199] + "…"


# -- events ------------------------------------------------------------------------------


def event_json(event: Event) -> dict[str, Any]:
    """An event as a JSON-ready dict (every stored field)."""
    return {
        "position": event.position,
        "stream_id": event.stream_id,
        "version": event.version,
        "type": event.type,
        "schema_version": event.schema_version,
        "actor": event.actor.to_json(),
        "payload": event.payload,
        "occurred_at": event.occurred_at.isoformat(),
        "recorded_at": event.recorded_at.isoformat(),
        "idempotency_key": event.idempotency_key,
        "prev_hash": event.prev_hash,
        "hash": event.hash,
    }


def history_table(case_id: str, events: Sequence[Event], lang: Lang = "en") -> Table:
    """The events of a case, one a row, oldest first."""
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"{word('Case', lang)} {case_id}: {len(events)} {word('events', lang)}",
        title_justify="left",
    )
    table.add_column("pos", justify="right")
    table.add_column("v", justify="right")
    table.add_column(word("Occurred", lang).lower(), no_wrap=True)
    table.add_column(word("Event", lang).lower(), no_wrap=True)
    table.add_column(word("Actor", lang).lower())
    table.add_column(word("Details", lang).lower(), overflow="fold")
    for e in events:
        details = _record({k: v for k, v in e.payload.items() if v not in (None, "", [], {})})
        table.add_row(
            str(e.position),
            str(e.version),
            f"{e.occurred_at:%Y-%m-%d %H:%M}",
            e.type,
            e.actor.describe(),
            details,
        )
    return table


# -- rules -------------------------------------------------------------------------------


def transitions_using(process: Process, rule: Rule) -> list[str]:
    """The triggers of ``process`` that ``rule`` judges (every one for the
    regime's responsible-party rule)."""
    if rule is process.authority:
        return list(process.transitions)
    return [t.trigger for t in process.transitions.values() if rule in t.rules]


def rule_json(rule: Rule, process: Process) -> dict[str, Any]:
    """A rule as a JSON-ready dict, with the process and triggers it judges."""
    return {
        "id": rule.id,
        "process": process.name,
        "title_en": rule.title_en,
        "title_sv": rule.title_sv,
        "citation": rule.citation,
        "kind": rule.kind,
        "valid_from": rule.valid_from.isoformat() if rule.valid_from else None,
        "valid_to": rule.valid_to.isoformat() if rule.valid_to else None,
        "status": rule.status,
        "seed": rule.seed,
        "triggers": transitions_using(process, rule),
        "doc": rule.doc,
    }


def rules_table(process: Process, lang: Lang = "en") -> Table:
    """The rules of one regime: id and title, citation, kind, status and validity."""
    title = process.title_sv if lang == "sv" else process.title_en
    table = Table(
        box=box.SIMPLE_HEAD,
        title=f"{process.name}: {title}",
        title_justify="left",
        caption=f"{len(process.rules)} {word('rules', lang)}",
        caption_justify="left",
    )
    table.add_column(
        f"{word('Rule', lang)} / {word('Title', lang).lower()} / {word('Citation', lang).lower()}",
        overflow="fold",
        ratio=1,
    )
    table.add_column(f"{word('Kind', lang)} / {word('Status', lang).lower()}", overflow="fold")
    for rule in process.rules:
        head = Text(rule.id, style="bold cyan")
        head.append("\n" + rule.title(lang))
        head.append("\n" + rule.citation, style="dim")
        status = word(rule.status, lang)
        if rule.valid_from is not None:
            status += f"\n{word('from', lang)} {rule.valid_from.isoformat()}"
        if rule.valid_to is not None:
            status += f"\n{word('until', lang)} {rule.valid_to.isoformat()}"
        table.add_row(head, f"{word(rule.kind, lang)}\n{status}")
    return table


def rule_view(rule: Rule, process: Process, lang: Lang = "en") -> RenderableType:
    """One rule in full: titles, citation, validity, where it applies, its
    seed passage and its documentation."""
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    other: Lang = "en" if lang == "sv" else "sv"
    grid.add_row(word("Title", lang), rule.title(lang))
    grid.add_row("", Text(rule.title(other), style="italic"))
    grid.add_row(word("Citation", lang), rule.citation)
    grid.add_row(word("Kind", lang), word(rule.kind, lang))
    grid.add_row(word("Status", lang), word(rule.status, lang))
    grid.add_row(word("In force from", lang), str(rule.valid_from or "-"))
    if rule.valid_to is not None:
        grid.add_row(word("In force until", lang), str(rule.valid_to))
    applies = transitions_using(process, rule)
    everything = rule is process.authority
    grid.add_row(
        word("Applies to", lang),
        word("every step", lang) if everything else ", ".join(applies) or "-",
    )
    if rule.seed:
        grid.add_row(word("Source passage", lang), rule.seed)
    body: list[RenderableType] = [grid]
    if rule.doc:
        body += [Text(""), Text(rule.doc)]
    return Panel(Group(*body), title=f"{rule.id} ({process.name})", title_align="left")
