"""Deriving shortest paths from a process definition (:func:`paths`,
:func:`coverage`; public through :mod:`nhvflow.testing`).

A breadth-first search over the process table, from the first step: each
node is a case reached by lawful steps (replayed on a scratch registry in
memory). From each node, for every trigger its state offers, the testing
kit's lawful drafts give a step that every consulted rule passes (found with
:func:`hypothesis.find`, derandomised, so the same process always gives the
same paths), and its borderline drafts, other parties and the lawful drafts
give steps that a given rule refuses. The first node at which a target is
reached gives its path, so each path is a shortest one that the search found
(in steps). Targets that no draft reaches are reported as not covered.

Business time starts on 2024-03-01 and moves ten days per step.
"""

from __future__ import annotations

import functools
from collections import Counter, deque
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs
from hypothesis import HealthCheck, Phase, find, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample, Unsatisfiable

from nhvflow._quiet import quiet_logger
from nhvflow.engine import Registry, open_registry
from nhvflow.errors import InvalidPayload, NhvflowError, TransitionDenied, shown
from nhvflow.model import Actor, Case, Role
from nhvflow.rules import Rule
from nhvflow.states import Process, Transition, builtin_processes
from nhvflow.testing import _regime_drafts as regime_drafts
from nhvflow.testing._drafts import Context
from nhvflow.testing._paths import CASE, Coverage, Path, PathStep, Target
from nhvflow.testing._steps import _catalogue, _out_of_scope
from nhvflow.testing._submissions import submissions, wrong_submitters
from nhvflow.testing._values import actors, proposals

__all__ = ["START", "coverage", "paths", "targets"]

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
"""The business time of every path's first step."""
_STEP = timedelta(days=10)
_MAX_DEPTH = 16
_MAX_NODES = 400
_LATER = timedelta(days=120)
_MUCH_LATER = timedelta(days=400)
_TRIES = 6
"""How many nodes a refusal is looked for at, in each state its step leaves
from, before it counts as not covered."""
_PLAIN_TRIES = 2
"""Nodes at which a refusal is looked for where the kit has no borderline
draft of the step (the lawful drafts rarely break a rule)."""
_REPEATS = 4
"""A step repeated more often than this leads to no new node (three other
health enterprises support an initiative; more regions apply)."""
_PATIENCE = 60
"""Expanded nodes in a row that reach nothing new before the search stops."""

_FIND = settings(
    database=None,
    derandomize=True,
    max_examples=60,
    phases=(Phase.generate, Phase.shrink),
    suppress_health_check=list(HealthCheck),
    deadline=None,
)

_REFUSE = settings(_FIND, max_examples=30)
"""Fewer tries for a refusal: most rules break at once in a borderline draft
or by another party, and a rule no draft breaks should not cost long."""

Draw = tuple[Actor, dict[str, Any]]


def _consulted(process: Process, transition: Transition) -> tuple[Rule, ...]:
    seen: dict[str, Rule] = {process.authority.id: process.authority}
    for rule in transition.rules:
        seen.setdefault(rule.id, rule)
    return tuple(seen.values())


def targets(process: Process) -> list[Target]:
    """Every target of a process: its states, then each rule's ``passed``
    and ``failed`` outcome at each step that consults it, in table order."""
    out = [Target.of_state(s) for s in process.states]
    for transition in process.transitions.values():
        for rule in _consulted(process, transition):
            out.append(Target.of_rule(rule.id, "passed", transition.trigger))
            out.append(Target.of_rule(rule.id, "failed", transition.trigger))
    return out


def _by(payload: dict[str, Any]) -> Callable[[Actor], Draw]:
    """The same payload, by another actor."""

    def draw(actor: Actor) -> Draw:
        return actor, payload

    return draw


def _by_npo(proposal: dict[str, Any]) -> Draw:
    """An nhv proposal, by the NPO of its area."""
    return Actor.npo(proposal["programme_area"]), proposal


def _unbind(actor: Actor) -> Actor:
    if actor.role is Role.EXPERT_GROUP:
        return Actor.expert_group(CASE)
    return actor


def _first(
    strategy: st.SearchStrategy[Any],
    condition: Callable[[Any], bool],
    how: settings | None = None,
) -> Any | None:
    try:
        return find(strategy, condition, settings=how or _FIND)
    except (NoSuchExample, Unsatisfiable):
        return None


@attrs.define
class _Node:
    steps: tuple[PathStep, ...]
    case: Case
    variant: str | None = None
    """The trigger at which this lineage took a second lawful payload
    (one per lineage), so that cases differ where the first payloads agree."""


class _Search:
    def __init__(self, process: Process) -> None:
        self.process = process
        self.reg: Registry = open_registry(":memory:", processes=[process], logger=quiet_logger())
        self.goals = targets(process)
        self.found: dict[Target, Path] = {}
        self.tries: dict[tuple[Target, str], int] = {}
        self.plain_tries: dict[Target, int] = {}
        self.varied: set[str] = set()
        self.make_lawful, self.make_borderline = _catalogue(process)

    # -- recording ---------------------------------------------------------------------

    def _record(self, target: Target, steps: tuple[PathStep, ...]) -> None:
        if target in self.goals and target not in self.found:
            self.found[target] = Path(self.process.name, target, steps)

    def _done(self) -> bool:
        return len(self.found) == len(self.goals)

    # -- judging -----------------------------------------------------------------------

    def _statuses(self, case: Case, trigger: str, draw: Draw, at: datetime) -> dict[str, str]:
        actor, payload = draw
        try:
            outcomes = self.reg.explain(case.id, trigger, actor, at=at, **payload)
        except (NhvflowError, TypeError, ValueError):
            return {}
        return {o.rule.id: o.status for o in outcomes}

    def _replay(self, steps: tuple[PathStep, ...]) -> Case:
        case: Case | None = None
        for step in steps:
            case = step.fire(self.reg, case.id if case is not None else None, self.process.name)
        assert case is not None
        return case

    # -- the first step ----------------------------------------------------------------

    def _submissions(self) -> list[st.SearchStrategy[Draw]]:
        name = self.process.name
        if name in regime_drafts.REGIMES:
            return [submissions(name)]
        return [
            proposals(advisory=False, pilot=True).map(_by_npo),
            proposals(advisory=False, pilot=False).map(_by_npo),
            proposals(advisory=True, pilot=True).map(_by_npo),
        ]

    def _borderline_submissions(self) -> list[st.SearchStrategy[Draw]]:
        """Proposals that break one rule of ``submit``: none nominates an
        expert, or one calls itself a pilot outside the pilot areas."""
        if self.process.name in regime_drafts.REGIMES:
            return []
        return [
            proposals(advisory=False).map(lambda kw: {**kw, "nominated_experts": []}).map(_by_npo),
            proposals(pilot=False).map(lambda kw: {**kw, "pilot": True}).map(_by_npo),
        ]

    def _submit(self, draw: Draw) -> Case | TransitionDenied | None:
        actor, payload = draw
        try:
            return self.reg.submit(actor, process=self.process.name, at=START, **payload)
        except TransitionDenied as denied:
            return denied
        except (NhvflowError, TypeError, ValueError):
            return None

    def _wrong_submitters(self, draw: Draw) -> st.SearchStrategy[Actor]:
        name = self.process.name
        if name in regime_drafts.REGIMES:
            return wrong_submitters(name, draw[1])
        return actors([r for r in Role if r is not self.process.creation.responsible.role])

    def roots(self) -> Iterator[_Node]:
        creation = self.process.creation
        rules = _consulted(self.process, creation)
        lawful: list[Draw] = []
        for strategy in self._submissions():
            draw = _first(strategy, lambda d: isinstance(self._submit(d), Case))
            if draw is None:
                continue
            lawful.append(draw)
            step = PathStep(creation.trigger, _unbind(draw[0]), draw[1], START)
            case = self._replay((step,))
            self._record(Target.of_state(case.state), (step,))
            for rule in rules:
                if rule.in_force(START):
                    self._record(Target.of_rule(rule.id, "passed", creation.trigger), (step,))
            yield _Node((step,), case)
        for rule in rules:
            target = Target.of_rule(rule.id, "failed", creation.trigger)
            candidates = [*self._submissions(), *self._borderline_submissions()]
            for draw in lawful[:1]:
                candidates.append(self._wrong_submitters(draw).map(_by(draw[1])))
            bad = _first(st.one_of(candidates), functools.partial(self._refused_by, rule=rule.id))
            if bad is not None:
                step = PathStep(creation.trigger, _unbind(bad[0]), bad[1], START)
                self._record(target, (step,))

    def _refused_by(self, draw: Draw, rule: str) -> bool:
        result = self._submit(draw)
        return isinstance(result, TransitionDenied) and any(
            v.rule == rule for v in result.violations
        )

    # -- the other steps ---------------------------------------------------------------

    def _refusals(
        self, node: _Node, transition: Transition, ctx: Context, lawful: Draw | None
    ) -> Iterator[tuple[Target, PathStep]]:
        trigger, case, at = transition.trigger, node.case, ctx.at
        assert at is not None
        for rule in _consulted(self.process, transition):
            target = Target.of_rule(rule.id, "failed", trigger)
            budget = (target, case.state)  # a step from two states is tried in each
            if target in self.found or self.tries.get(budget, 0) >= _TRIES:
                continue
            if rule is self.process.authority and lawful is None:
                continue  # another party is tried with a lawful payload
            edgy = self.make_borderline is not None and (
                self.make_borderline(trigger, ctx) is not None
            )
            if not edgy and rule is not self.process.authority:
                if self.plain_tries.get(target, 0) >= _PLAIN_TRIES:
                    continue
                self.plain_tries[target] = self.plain_tries.get(target, 0) + 1
            else:
                self.tries[budget] = self.tries.get(budget, 0) + 1
            found = self._refusal(rule.id, transition, case, ctx, lawful)
            if found is not None:
                yield target, found

    def _refusal(
        self, rule: str, transition: Transition, case: Case, ctx: Context, lawful: Draw | None
    ) -> PathStep | None:
        """A step refused by ``rule``: a borderline draft, a lawful one, or
        the lawful payload by another party; at the step's time, or later
        (a window that has closed)."""
        trigger, at = transition.trigger, ctx.at
        assert at is not None
        for moment in (at, at + _LATER, at + _MUCH_LATER):
            later = Context(case, self.process, moment)
            candidates: list[st.SearchStrategy[Draw] | None] = [
                self.make_borderline(trigger, later) if self.make_borderline else None,
                # at a later time, the payloads of the step's own time, late
                self.make_lawful(trigger, later if moment == at else ctx),
            ]
            if lawful is not None and moment == at:
                role = transition.responsible.role
                others = st.one_of(
                    actors([r for r in Role if r is not role]),
                    _out_of_scope(ctx, transition, lawful[0]),
                )
                candidates.append(others.map(_by(lawful[1])))

            def refused(d: Draw, m: datetime = moment) -> bool:
                return self._statuses(case, trigger, d, m).get(rule) == "failed"

            for strategy in candidates:
                if strategy is None:
                    continue
                bad = _first(strategy, refused, _REFUSE)
                if bad is not None:
                    return PathStep(trigger, _unbind(bad[0]), bad[1], moment)
        return None

    def _lawful(
        self, node: _Node, trigger: str, ctx: Context, other_than: Draw | None = None
    ) -> Draw | None:
        """A step of ``trigger`` that every consulted rule passes (with
        ``other_than``: a different payload, for a variant of the case)."""
        drafted = self.make_lawful(trigger, ctx)
        if drafted is None:
            return None
        at = ctx.at
        assert at is not None

        def passes(d: Draw, how: str = "") -> bool:
            if other_than is not None:
                if d[1] == other_than[1] or (how and set(d[1]) != set(other_than[1])):
                    return False
                if how == "flag" and not any(
                    isinstance(v, bool) and v != other_than[1][k] for k, v in d[1].items()
                ):
                    return False
            found = self._statuses(node.case, trigger, d, at)
            return bool(found) and "failed" not in found.values()

        if other_than is not None:  # a case that differs: another flag, other values, more
            for how in ("flag", "values"):
                varied: Draw | None = _first(drafted, functools.partial(passes, how=how))
                if varied is not None:
                    return varied
        found: Draw | None = _first(drafted, passes)
        return found

    def expand(self, node: _Node, seen: set[Any]) -> Iterator[_Node]:
        at = (node.steps[-1].at or START) + _STEP
        ctx = Context(node.case, self.process, at)
        for trigger in self.process.triggers_from(node.case.state):
            transition = self.process.transitions[trigger]
            lawful = self._lawful(node, trigger, ctx)
            for target, refused in self._refusals(node, transition, ctx, lawful):
                self._record(target, (*node.steps, refused))
            if lawful is None:
                continue
            choices = [(lawful, node.variant)]
            if node.variant is None and trigger not in self.varied:
                self.varied.add(trigger)
                other = self._lawful(node, trigger, ctx, other_than=lawful)
                if other is not None:
                    choices.append((other, trigger))
            for draw, variant in choices:
                step = PathStep(trigger, _unbind(draw[0]), draw[1], at)
                child = self._accept(node, transition, step, draw, variant, seen)
                if child is not None:
                    yield child

    def _accept(
        self,
        node: _Node,
        transition: Transition,
        step: PathStep,
        draw: Draw,
        variant: str | None,
        seen: set[Any],
    ) -> _Node | None:
        assert step.at is not None
        statuses = self._statuses(node.case, transition.trigger, draw, step.at)
        steps = (*node.steps, step)
        for rule_id, status in statuses.items():
            if status == "passed":
                self._record(Target.of_rule(rule_id, "passed", transition.trigger), steps)
        self._record(Target.of_state(transition.dest), steps)
        counts = Counter(s.trigger for s in steps)
        signature = (
            transition.dest,
            frozenset((t, min(n, _REPEATS)) for t, n in counts.items()),
            variant,
        )
        if signature in seen or self.process.is_final(transition.dest) or len(steps) > _MAX_DEPTH:
            return None
        seen.add(signature)
        return _Node(steps, self._replay(steps), variant)

    def run(self) -> list[Path]:
        try:
            queue = deque(self.roots())
            seen: set[Any] = set()
            expanded = idle = 0
            while queue and not self._done() and expanded < _MAX_NODES and idle < _PATIENCE:
                node = queue.popleft()
                before = len(self.found)
                queue.extend(self.expand(node, seen))
                expanded += 1
                idle = 0 if len(self.found) > before else idle + 1
        finally:
            self.reg.close()
        return [self.found[t] for t in self.goals if t in self.found]


@functools.cache
def _derived(process: Process) -> tuple[Path, ...]:
    return tuple(_Search(process).run())


def _process(process: str | Process) -> Process:
    if isinstance(process, Process):
        return process
    known = builtin_processes()
    given: object = process  # checked at run time: callers may pass anything
    if not isinstance(given, str) or given not in known:
        raise InvalidPayload(
            "process", f"unknown process {shown(given)}; known: {', '.join(sorted(known))}"
        )
    return known[given]


def paths(process: str | Process = "nhv") -> list[Path]:
    """The shortest paths found to every state of ``process`` and to every
    rule's ``passed`` and ``failed`` outcome at each step that consults it,
    derived from the process definition (a built-in regime's name, or a
    :class:`~nhvflow.states.Process` of one of those names, such as a
    :func:`replace_rule` copy). Each :class:`Path` can be
    :meth:`~Path.play`\\ ed on a registry that knows the process. Targets no
    path reaches are in :func:`coverage`.

    Deterministic: the same definition gives the same paths. Derived once
    per process and kept (a few seconds for ``nhv``).

    .. versionadded:: 0.2
    """
    return list(_derived(_process(process)))


def coverage(process: str | Process = "nhv") -> Coverage:
    """What :func:`paths` reaches of ``process``: states and rule outcomes
    reached of how many, and the targets not covered.

    .. versionadded:: 0.2
    """
    found = _process(process)
    return Coverage.of(found.name, targets(found), paths(found))
