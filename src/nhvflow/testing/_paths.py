"""Shortest paths as values: :class:`PathStep`, :class:`Target`,
:class:`Path` (with :meth:`Path.play`) and :class:`Coverage` (public through
:mod:`nhvflow.testing`; :mod:`nhvflow.testing._pathfinder` derives them).

A path is a sequence of steps from a case's first step (``submit``) that
reaches a target: a state of the process, or one outcome (``passed`` or
``failed``) of one rule at one step that consults it. A failed-outcome path
ends with the refused step.

.. versionadded:: 0.2
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import attrs

from nhvflow.engine import Registry
from nhvflow.errors import TransitionDenied
from nhvflow.model import Actor, Case, Region, Role

__all__ = ["CASE", "Coverage", "Path", "PathNotReached", "PathStep", "Target"]

CASE = "{case}"
"""Where a path's actor names its own case (an expert group's ``case_id``):
bound to the played case's id when the step is fired."""


class PathNotReached(AssertionError):
    """A played :class:`Path` did not reach its target (a step was refused that
    should have been accepted, the lawful steps ended in another state, or
    the final step was accepted, or refused by other rules, where it should
    have been refused by the target's rule).

    .. versionadded:: 0.2
    """


def _bind(actor: Actor, case_id: str) -> Actor:
    if actor.role is Role.EXPERT_GROUP and actor.case_id == CASE:
        return Actor.expert_group(case_id)
    return actor


def _show(value: Any) -> str:
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, Region):
        return f"Region.{value.name}"
    return repr(value)


def _plain(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, Region):
        return value.name
    if isinstance(value, date):
        return value.isoformat()
    to_json = getattr(value, "to_json", None)
    return to_json() if callable(to_json) else value


@attrs.frozen
class PathStep:
    """One step of a path: the trigger, the actor firing it, the payload
    and the business time ``at``. An expert group's actor names its case as
    :data:`CASE`, bound when the step is fired.

    .. versionadded:: 0.2
    """

    trigger: str
    actor: Actor
    payload: dict[str, Any] = attrs.field(factory=dict, hash=False)
    at: datetime | None = None

    def fire(self, reg: Registry, case_id: str | None, process: str) -> Case:
        """Take the step on ``reg``: ``submit`` under ``process`` when
        ``case_id`` is ``None``, else ``fire`` on that case."""
        if case_id is None:
            return reg.submit(self.actor, process=process, at=self.at, **self.payload)
        actor = _bind(self.actor, case_id)
        return reg.fire(case_id, self.trigger, actor, at=self.at, **self.payload)

    def describe(self) -> str:
        """The step as one line, e.g. ``decide by socialstyrelsen (...) units=1``."""
        args = " ".join(f"{k}={_show(v)}" for k, v in self.payload.items())
        return f"{self.trigger} by {self.actor.describe()}" + (f" {args}" if args else "")

    def to_json(self) -> dict[str, Any]:
        """The step as JSON-ready data."""
        return {
            "trigger": self.trigger,
            "actor": self.actor.to_json(),
            "payload": {k: _plain(v) for k, v in self.payload.items()},
            "at": self.at.isoformat() if self.at is not None else None,
        }


@attrs.frozen
class Target:
    """What a path reaches: a ``state`` (``kind="state"``), or a ``rule``'s
    ``outcome`` (``"passed"`` or ``"failed"``) at the step ``trigger``
    (``kind="rule"``).

    .. versionadded:: 0.2
    """

    kind: Literal["state", "rule"]
    state: str = ""
    rule: str = ""
    outcome: Literal["passed", "failed", ""] = ""
    trigger: str = ""

    @classmethod
    def of_state(cls, state: str) -> Target:
        """The target of reaching ``state``."""
        return cls("state", state=state)

    @classmethod
    def of_rule(cls, rule: str, outcome: Literal["passed", "failed"], trigger: str) -> Target:
        """The target of ``rule`` judging ``trigger`` with ``outcome``."""
        return cls("rule", rule=rule, outcome=outcome, trigger=trigger)

    def __str__(self) -> str:
        if self.kind == "state":
            return f"state {self.state}"
        return f"{self.rule} {self.outcome} at {self.trigger}"

    def to_json(self) -> dict[str, str]:
        """The target as JSON-ready data."""
        return {k: v for k, v in attrs.asdict(self).items() if v}


@attrs.frozen
class Path:
    """The shortest sequence of steps found from a case's first step to a
    :class:`Target`. :meth:`play` fires it on a registry and checks that it
    gets there.

    .. versionadded:: 0.2
    """

    process: str
    target: Target
    steps: tuple[PathStep, ...]

    @property
    def id(self) -> str:
        """A short id for test parameters, e.g. ``"state-decided"`` or
        ``"nhv.max-five-units-failed-decide"``."""
        t = self.target
        return f"state-{t.state}" if t.kind == "state" else f"{t.rule}-{t.outcome}-{t.trigger}"

    @property
    def expects_refusal(self) -> bool:
        """Whether the last step is to be refused (a failed-outcome target)."""
        return self.target.outcome == "failed"

    def play(self, reg: Registry) -> Case | None:
        """Fire the steps on ``reg`` (a new case under :attr:`process`) and
        check that the target is reached; return the case as it then stands
        (``None`` only when the refused step is the submission itself).

        A state target: every step is accepted and the case ends in that
        state. A passed outcome: every step is accepted. A failed outcome:
        every step but the last is accepted, and the last raises
        :class:`~nhvflow.TransitionDenied` naming the rule. Raises
        :class:`PathNotReached` otherwise.
        """
        case: Case | None = None
        last = len(self.steps) - 1
        for index, step in enumerate(self.steps):
            case_id = case.id if case is not None else None
            try:
                case = step.fire(reg, case_id, self.process)
            except TransitionDenied as denied:
                if index == last and self.expects_refusal:
                    if any(v.rule == self.target.rule for v in denied.violations):
                        return reg.get(case_id) if case_id is not None else None
                    raise PathNotReached(
                        f"{self}: the last step was refused, but not by {self.target.rule}: "
                        f"{denied}"
                    ) from denied
                raise PathNotReached(f"{self}: step {index + 1} was refused: {denied}") from denied
        if self.expects_refusal:
            raise PathNotReached(f"{self}: the last step was accepted; it should be refused")
        assert case is not None
        if self.target.kind == "state" and case.state != self.target.state:
            raise PathNotReached(f"{self}: the case ended in {case.state!r}")
        return case

    def __str__(self) -> str:
        return f"{self.process}: {self.target} ({len(self.steps)} steps)"

    def describe(self) -> str:
        """The path as lines: its target, then one numbered line per step."""
        lines = [str(self)]
        lines += [f"  {i}. {s.describe()}" for i, s in enumerate(self.steps, 1)]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        """The path as JSON-ready data."""
        return {
            "process": self.process,
            "target": self.target.to_json(),
            "steps": [s.to_json() for s in self.steps],
        }


@attrs.frozen
class Coverage:
    """What a set of paths reaches of a process: its states and its rule
    outcomes (each rule's ``passed`` and ``failed`` at each step that
    consults it), and the targets no path reaches.

    .. versionadded:: 0.2
    """

    process: str
    targets: tuple[Target, ...]
    reached: frozenset[Target]

    @classmethod
    def of(cls, process: str, targets: Sequence[Target], paths: Sequence[Path]) -> Coverage:
        """The coverage of ``paths`` among ``targets``."""
        return cls(process, tuple(targets), frozenset(p.target for p in paths))

    def _count(self, kind: str) -> tuple[int, int]:
        mine = [t for t in self.targets if t.kind == kind]
        return sum(1 for t in mine if t in self.reached), len(mine)

    @property
    def states(self) -> tuple[int, int]:
        """(states reached, states of the process)."""
        return self._count("state")

    @property
    def rule_outcomes(self) -> tuple[int, int]:
        """(rule outcomes reached, rule outcomes of the process)."""
        return self._count("rule")

    @property
    def uncovered(self) -> tuple[Target, ...]:
        """The targets no path reaches, in the order of :attr:`targets`."""
        return tuple(t for t in self.targets if t not in self.reached)

    def __str__(self) -> str:
        (s, ns), (r, nr) = self.states, self.rule_outcomes
        return f"{self.process}: {s} of {ns} states, {r} of {nr} rule outcomes"

    def to_json(self) -> dict[str, Any]:
        """The coverage as JSON-ready data."""
        (s, ns), (r, nr) = self.states, self.rule_outcomes
        return {
            "process": self.process,
            "states": {"reached": s, "of": ns},
            "rule_outcomes": {"reached": r, "of": nr},
            "uncovered": [t.to_json() for t in self.uncovered],
        }
