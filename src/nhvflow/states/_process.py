"""Process definitions as declarative tables: :class:`State`,
:class:`Transition` and :class:`Process`.

A :class:`Process` is checked when it is built (unknown, unreachable and
dead-end states are refused, naming them) and owns one
``transitions.Machine`` for all its cases, with no model at all: the engine
reads each move (trigger, state -> next state) from the machine's own
transitions, never one model per case, and always with
``auto_transitions=False`` (the default would add a ``to_<state>()`` trigger
that skips every rule).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime
from typing import Any, Literal

import attrs

from nhvflow.errors import DefinitionError
from nhvflow.events import Fact
from nhvflow.model import Case
from nhvflow.rules import CaseView, Responsibility, Rule
from nhvflow.states._deadline import Deadline

with warnings.catch_warnings():  # transitions adds a filter to the host's warnings on import
    from transitions import Machine

__all__ = ["DefinitionError", "Prepare", "Process", "State", "Table", "Transition"]

Prepare = Callable[[Any, "Case | None", datetime], Any]
"""Complete a parsed payload from the case (defaults that depend on it)."""


@attrs.frozen
class State:
    """A state of a process: a noun or participle, with descriptions."""

    name: str
    en: str = ""
    sv: str = ""
    final: bool = False


@attrs.frozen
class Transition:
    """One step of a process: its trigger, the states it leaves from and goes
    to, the party responsible, the event it records, the rules that judge it
    and the process step it belongs to.

    A transition with no ``source`` creates the case (``submit``).
    ``routes`` names the source states from which the step leads elsewhere
    than ``dest``, as ``(source, dest)`` pairs (under ``nhv``: a permit
    application in ``permitted``, for a freed place, leaves the case
    ``permitted``); the event type is the same, and a replay reaches the
    same state because it knows the state before.
    """

    trigger: str
    source: tuple[str, ...]
    dest: str
    responsible: Responsibility
    event: type[Fact]
    rules: tuple[Rule, ...] = ()
    prepare: Prepare | None = None
    step: str = ""
    en: str = ""
    sv: str = ""
    routes: tuple[tuple[str, str], ...] = ()

    @property
    def creates(self) -> bool:
        """Whether this transition creates the case."""
        return not self.source

    def dest_from(self, source: str) -> str:
        """The state the step leads to from ``source``."""
        for origin, dest in self.routes:
            if origin == source:
                return dest
        return self.dest

    @property
    def moves(self) -> tuple[tuple[str, str], ...]:
        """Every ``(source, dest)`` pair of the step, in source order."""
        return tuple((s, self.dest_from(s)) for s in self.source)


@attrs.frozen
class Table:
    """A projection table a regime keeps beside ``cases``: the rows of one
    case (``rows(case_id, data)``, in the table's column order), rewritten
    after a step whose trigger is in ``changed_by`` and on every rebuild.
    The store only writes them; what they mean is the regime's business."""

    name: str
    rows: Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]
    changed_by: frozenset[str]


def _plain(machine: Machine, move: Any) -> bool:
    """Whether taking ``move`` does nothing but change the state (no
    conditions and no callbacks anywhere on its way)."""
    states = (machine.get_state(move.source), machine.get_state(move.dest))
    return not (
        move.conditions
        or move.prepare
        or move.before
        or move.after
        or machine.prepare_event
        or machine.before_state_change
        or machine.after_state_change
        or machine.finalize_event
        or any(state.on_enter or state.on_exit for state in states)
    )


class Process:
    """A regime's process: states, transitions, rules and its machine.

    :param authority: the regime's responsible-party rule; its violations
        raise :class:`~nhvflow.errors.NotAuthorised` and it is judged first.
    :param deadlines: the regime's time limits (:class:`Deadline`), which
        :meth:`nhvflow.Registry.due` reads; each names a trigger of the table.
    """

    def __init__(
        self,
        *,
        name: str,
        title_en: str,
        title_sv: str,
        states: Sequence[State],
        transitions: Sequence[Transition],
        authority: Rule,
        status: Literal["in force", "proposed"] = "in force",
        in_force_from: date | None = None,
        source: str = "",
        extra_rules: Iterable[Rule] = (),
        deadlines: Iterable[Deadline] = (),
        tables: Iterable[Table] = (),
        view: type[CaseView] | None = None,
    ) -> None:
        self.name = name
        self.title_en = title_en
        self.title_sv = title_sv
        self.status = status
        self.in_force_from = in_force_from
        self.source = source
        self.authority = authority
        self.states: dict[str, State] = {s.name: s for s in states}
        self.transitions: dict[str, Transition] = {}
        for t in transitions:
            if t.trigger in self.transitions:
                raise DefinitionError(f"{name}: trigger {t.trigger!r} is declared twice")
            self.transitions[t.trigger] = t
        self._extra_rules = tuple(extra_rules)
        self.deadlines: tuple[Deadline, ...] = tuple(deadlines)
        self.tables: tuple[Table, ...] = tuple(tables)
        """The regime's projection tables beside ``cases``."""
        self.view = view
        """The typed view its rules read a case through (``step.view``); ``None``: ``step.data``."""
        self._check()
        creating = [t for t in transitions if t.creates]
        self.creation: Transition = creating[0]
        self.initial: str = self.creation.dest
        self._from: dict[str, list[str]] = {s: [] for s in self.states}
        for t in transitions:
            for s in t.source:
                self._from[s].append(t.trigger)
        self.event_types: dict[str, type[Fact]] = {t.event.type: t.event for t in transitions}
        self.by_event: dict[str, Transition] = {t.event.type: t for t in transitions}
        self._machine = Machine(
            model=None,
            states=list(self.states),
            transitions=[
                {"trigger": t.trigger, "source": source, "dest": dest}
                for t in transitions
                if not t.creates
                for source, dest in t.moves
            ],
            initial=self.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            name=name,
        )
        self._moves: dict[tuple[str, str], str] = {}
        """(trigger, state) -> next state, read from the machine's own
        transitions. Each is plain (no conditions, no callbacks): taking it
        changes the state and nothing else, so the engine looks the move up
        instead of moving a model, and a definition whose machine would do
        more is refused here."""
        for trigger, event in self._machine.events.items():
            for source, moves in event.transitions.items():
                dest = moves[0].dest if len(moves) == 1 else None
                if dest is None or not _plain(self._machine, moves[0]):
                    raise DefinitionError(
                        f"{name}: {trigger!r} from {source!r} is not a plain move of the machine"
                    )
                self._moves[(trigger, source)] = dest

    def _check(self) -> None:
        name = self.name
        creating = [t.trigger for t in self.transitions.values() if t.creates]
        if len(creating) != 1:
            raise DefinitionError(
                f"{name}: exactly one transition must create the case, got {creating}"
            )
        for t in self.transitions.values():
            for s in (*t.source, t.dest, *(x for route in t.routes for x in route)):
                if s not in self.states:
                    raise DefinitionError(f"{name}: {t.trigger!r} names unknown state {s!r}")
            if any(self.states[s].final for s in t.source):
                raise DefinitionError(f"{name}: {t.trigger!r} leaves a final state")
            strays = [origin for origin, _ in t.routes if origin not in t.source]
            if strays:
                raise DefinitionError(
                    f"{name}: {t.trigger!r} routes from {strays}, which are not among its sources"
                )
        for d in self.deadlines:
            if d.trigger not in self.transitions or not set(d.states) <= set(self.states):
                raise DefinitionError(
                    f"{name}: deadline {d.id!r} names trigger {d.trigger!r} or states "
                    f"{list(d.states)}, not all of which the table has"
                )
        recorded: dict[str, str] = {}
        for t in self.transitions.values():
            other = recorded.setdefault(t.event.type, t.trigger)
            if other != t.trigger:
                raise DefinitionError(
                    f"{name}: {t.trigger!r} and {other!r} record the same event {t.event.type!r}; "
                    "each step needs its own event type so that the log replays unambiguously"
                )
        start = self.transitions[creating[0]].dest
        reached = {start}
        frontier = [start]
        while frontier:
            here = frontier.pop()
            for t in self.transitions.values():
                dest = t.dest_from(here)
                if here in t.source and dest not in reached:
                    reached.add(dest)
                    frontier.append(dest)
        unreachable = sorted(set(self.states) - reached)
        if unreachable:
            raise DefinitionError(f"{name}: unreachable states {unreachable}")
        dead = sorted(
            s.name
            for s in self.states.values()
            if not s.final and not any(s.name in t.source for t in self.transitions.values())
        )
        if dead:
            raise DefinitionError(f"{name}: non-final states with no way out {dead}")

    # -- queries --------------------------------------------------------------------

    def transition(self, trigger: str) -> Transition | None:
        """The transition of ``trigger``, or ``None`` when the process has none."""
        return self.transitions.get(trigger)

    def triggers_from(self, state: str) -> list[str]:
        """The triggers available from ``state``, in table order."""
        return list(self._from.get(state, ()))

    def is_final(self, state: str) -> bool:
        """Whether ``state`` is final (no step leaves it)."""
        found = self.states.get(state)
        return found is not None and found.final

    @property
    def rules(self) -> tuple[Rule, ...]:
        """Every rule of the regime (authority first), without repeats."""
        seen: dict[str, Rule] = {self.authority.id: self.authority}
        for t in self.transitions.values():
            for r in t.rules:
                seen.setdefault(r.id, r)
        for r in self._extra_rules:
            seen.setdefault(r.id, r)
        return tuple(seen.values())

    def rules_from(self, states: Iterable[str]) -> tuple[Rule, ...]:
        """The rules of the steps that leave any of ``states``, in table order
        and without repeats: what can stand in the way of a case in one of
        them (the responsible-party rule aside).

        .. versionadded:: 0.2
        """
        wanted = set(states)
        found = (r for t in self.transitions.values() if wanted & set(t.source) for r in t.rules)
        return tuple({r.id: r for r in found}.values())

    def rule(self, rule_id: str) -> Rule | None:
        """The regime's rule with this id, if any."""
        return next((r for r in self.rules if r.id == rule_id), None)

    def next_state(self, trigger: str, state: str) -> str:
        """The state the process's machine reaches from ``state`` by
        ``trigger``; ``KeyError`` when the machine has no such move."""
        return self._moves[(trigger, state)]

    @property
    def machine(self) -> Machine:
        """The shared ``transitions.Machine`` (for inspection; do not add models)."""
        return self._machine

    def __repr__(self) -> str:
        return f"<Process {self.name!r}: {len(self.states)} states, {len(self.transitions)} steps>"
