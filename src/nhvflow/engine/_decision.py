"""Reasoned decisions: :class:`Decision`, :class:`AppliedRule` and
:func:`build`, behind :meth:`nhvflow.Registry.decision`.

A decision of an authority states the reasons that determined it
(förvaltningslagen 2017:900, 32 §). nhvflow has them all in the record: the
event (who, when, what), the case as it stood before it (the facts relied
on) and the step's rules, judged again as of the event's business time on
that case. Whether and how the decision can be challenged follows the legal
facts of each regime (:mod:`nhvflow.engine._decision_text`).

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Literal

import attrs

from nhvflow import _payload
from nhvflow.engine._decision_text import (
    appeal_text,
    fact_lines,
    heading,
    outcome_label,
    render_html,
    render_markdown,
    summary,
)
from nhvflow.errors import InvalidPayload, shown
from nhvflow.model import Actor, Case, Event
from nhvflow.rules import Facts, Step
from nhvflow.states import Process

__all__ = ["DECISION_TRIGGERS", "AppliedRule", "Decision", "build"]

Lang = Literal["sv", "en"]

DECISION_TRIGGERS = frozenset(
    {
        # nhv: step 4, the board's decisions, closing
        "decide",
        "reject",
        "close_not_eligible",
        "grant_permits",
        "refer_back",
        "revoke_permit",
        # kc-proposal
        "establish",
        # no-competence-service
        "approve",
        "refuse",
        "wind_down",
        # ern-membership
        "admit",
        "decline",
    }
)
"""The triggers whose events are decisions, in whichever regime has them."""


@attrs.frozen
class AppliedRule:
    """One rule behind a decision: its id, title, citation and outcome
    (``"passed"``, ``"failed"``, ``"not in force"``, or ``"cited"`` for the
    rule a closure names as its ground).

    .. versionadded:: 0.2
    """

    rule: str
    title: str
    citation: str
    outcome: str

    def to_json(self) -> dict[str, str]:
        """The rule as JSON-ready data."""
        return attrs.asdict(self)


@attrs.frozen
class Decision:
    """A reasoned decision: what was decided (``summary``), by whom and
    when, the facts relied on, each rule applied with its citation and
    outcome, and whether and how it can be challenged (``appeal``), in one
    language (``lang``). :attr:`markdown` and :attr:`html` render it.

    .. versionadded:: 0.2
    """

    case_id: str
    process: str
    version: int
    trigger: str
    event_type: str
    lang: Lang
    title: str
    summary: str
    decided_by: Actor
    decided_at: datetime
    facts: tuple[tuple[str, str], ...]
    rules: tuple[AppliedRule, ...]
    appeal: str
    appealable: bool

    @property
    def markdown(self) -> str:
        """The decision as Markdown."""
        return render_markdown(self)

    @property
    def html(self) -> str:
        """The decision as a self-contained HTML page (escaped; ``lang`` set)."""
        return render_html(self)

    def __str__(self) -> str:
        return self.markdown

    def outcome_label(self, outcome: str) -> str:
        """A rule outcome in the decision's language."""
        return outcome_label(outcome, self.lang)

    def to_json(self) -> dict[str, Any]:
        """The decision as JSON-ready data."""
        return {
            "case_id": self.case_id,
            "process": self.process,
            "version": self.version,
            "trigger": self.trigger,
            "event_type": self.event_type,
            "lang": self.lang,
            "title": self.title,
            "summary": self.summary,
            "decided_by": self.decided_by.to_json(),
            "decided_at": self.decided_at.isoformat(),
            "facts": [list(pair) for pair in self.facts],
            "rules": [r.to_json() for r in self.rules],
            "appeal": self.appeal,
            "appealable": self.appealable,
        }


def _lang(lang: str) -> Lang:
    if lang == "sv":
        return "sv"
    if lang == "en":
        return "en"
    raise InvalidPayload("lang", f"is {lang!r}; choose 'sv' (Swedish) or 'en' (English).")


def _pick(process: Process, events: Sequence[Event], version: int | None) -> tuple[Event, str]:
    decisions = {
        process.transitions[t].event.type: t for t in DECISION_TRIGGERS if t in process.transitions
    }
    case_id = events[0].stream_id
    if version is None:
        for event in reversed(events):
            if event.type in decisions:
                return event, decisions[event.type]
        raise InvalidPayload(
            "version",
            f"case {case_id} has no decision yet (its steps: "
            f"{', '.join(e.type for e in events)}); decisions are "
            f"{', '.join(sorted(decisions.values()))}.",
        )
    if not 1 <= version <= len(events):
        raise InvalidPayload(
            "version", f"case {case_id} has versions 1 to {len(events)} (got {shown(version)})."
        )
    event = events[version - 1]
    if event.type not in decisions:
        found = [str(e.version) for e in events if e.type in decisions]
        raise InvalidPayload(
            "version",
            f"event {version} of case {case_id} is {event.type!r}, not a decision; its "
            f"decisions are at version(s) {', '.join(found) or 'none yet'}.",
        )
    return event, decisions[event.type]


def build(
    process: Process,
    events: Sequence[Event],
    before: Callable[[int], Case | None],
    facts: Facts,
    version: int | None,
    lang: str,
) -> Decision:
    """The reasoned decision at ``version`` of a case with ``events``.

    ``before(v)`` gives the case as it stood before event ``v``; ``facts``
    the registry's facts, for the rules judged again.
    """
    language = _lang(lang)
    event, trigger = _pick(process, events, version)
    transition = process.transitions[trigger]
    case = before(event.version)
    fact = _payload.parse(transition.event, event.payload)
    step = Step(
        case,
        process.name,
        trigger,
        event.actor,
        fact,
        event.occurred_at,
        facts,
        transition.responsible,
    )
    applied: list[AppliedRule] = []
    for rule in (process.authority, *transition.rules):
        if not rule.in_force(step.at):
            outcome = "not in force"
        else:
            outcome = "failed" if rule.evaluate(step) else "passed"
        applied.append(AppliedRule(rule.id, rule.title(language), rule.citation, outcome))
    cited = event.payload.get("rule") if trigger == "close_not_eligible" else None
    if isinstance(cited, str):
        ground = process.rule(cited)
        if ground is not None:
            applied.append(AppliedRule(ground.id, ground.title(language), ground.citation, "cited"))
    data = case.data if case is not None else {}
    appealable, appeal = appeal_text(process.name, trigger, language)
    return Decision(
        case_id=event.stream_id,
        process=process.name,
        version=event.version,
        trigger=trigger,
        event_type=event.type,
        lang=language,
        title=heading(process, trigger, language),
        summary=summary(process, trigger, event, data, language),
        decided_by=event.actor,
        decided_at=event.occurred_at,
        facts=tuple(fact_lines(data, event.payload, language)),
        rules=tuple(applied),
        appeal=appeal,
        appealable=appealable,
    )
