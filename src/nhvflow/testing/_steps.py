"""Steps drawn for a case's current state: :class:`StepDraw` and
:func:`steps` (public through :mod:`nhvflow.testing`).

A draw has an *intent*:

- ``"lawful"``: a trigger available from the case's state, fired by the
  party responsible for it, with a well-formed payload whose values the
  rules allow as far as the case itself shows (see :func:`steps` for what
  it cannot show);
- ``"borderline"``: the same, but with values at or past a rule's limit
  (six units, a broken expert group, a permit too many, a follow-up for a
  year not begun, ...): the rules decide;
- ``"wrong"``: certain to be refused whatever the rules say (a trigger not
  available from the state, a party not responsible, a field the step does
  not take);
- ``"junk"``: random field values of random types; the engine must refuse
  them with a clear error or accept them, and never crash.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

import attrs
from hypothesis import strategies as st

from nhvflow.engine import Registry
from nhvflow.errors import InvalidPayload, shown
from nhvflow.model import Actor, Case, Region, Role, same_area
from nhvflow.states import Process, Transition, builtin_processes
from nhvflow.testing import _drafts as drafts
from nhvflow.testing import _regime_drafts as regime_drafts
from nhvflow.testing._drafts import Context, Draft
from nhvflow.testing._values import PROGRAMME_AREAS, actors, experts, texts

__all__ = ["Intent", "StepDraw", "steps"]

Intent = Literal["lawful", "borderline", "wrong", "junk"]
_FIRE_KEYWORDS = frozenset(
    {"case_id", "trigger", "actor", "expected_version", "idempotency_key", "at"}
)
_BOGUS_FIELDS = ("approved", "comment", "priority", "unit_count", "decided_by")


@attrs.frozen(eq=True, hash=False)
class StepDraw:
    """One drawn step: a trigger, the actor firing it and its payload, with
    the ``intent`` it was drawn with (``"lawful"``, ``"borderline"``,
    ``"wrong"`` or ``"junk"``; see :func:`steps`).

    Fire it with :meth:`fire`, or as ``reg.fire(case_id, d.trigger, d.actor,
    **d.payload)``.

    .. versionadded:: 0.1
    """

    trigger: str
    actor: Actor
    payload: dict[str, Any] = attrs.field(factory=dict)
    intent: Intent = "lawful"

    @property
    def expect_refusal(self) -> bool:
        """Whether the step is certain to be refused (its intent is ``"wrong"``)."""
        return self.intent == "wrong"

    def fire(self, reg: Registry, case_id: str, *, at: datetime | None = None) -> Case:
        """Fire the step on ``case_id`` at business time ``at``."""
        return reg.fire(case_id, self.trigger, self.actor, at=at, **self.payload)

    def describe(self, case_id: str = "case") -> str:
        """The step as a line of code, e.g.
        ``fire('c1', 'decide', socialstyrelsen (handläggare), units=3)  # lawful``."""
        args = "".join(f", {k}={_show(v)}" for k, v in self.payload.items())
        return (
            f"fire({case_id!r}, {self.trigger!r}, {self.actor.describe()}{args})  # {self.intent}"
        )


def _show(value: Any) -> str:
    if isinstance(value, list | tuple) and len(value) > 2:
        kinds = sorted({type(v).__name__ for v in value})
        return f"[<{len(value)} {'/'.join(kinds)}>]"
    return repr(value)


@st.composite
def _wrong(draw: st.DrawFn, ctx: Context) -> StepDraw:
    """A step certain to be refused."""
    process, state = ctx.process, ctx.case.state
    available = process.triggers_from(state)
    unavailable = [t for t in process.transitions if t not in available]
    kinds = ["unavailable", *(["role", "scope", "field"] if available else [])]
    kind = draw(st.sampled_from(kinds))
    if kind == "unavailable":
        trigger = draw(st.sampled_from([*unavailable, "approve_everything"]))
        return StepDraw(trigger, draw(actors()), {}, "wrong")
    trigger = draw(st.sampled_from(available))
    transition = process.transitions[trigger]
    draft = _catalogue(process)[0](trigger, ctx)
    actor, payload = draw(draft) if draft is not None else (draw(actors()), {})
    role = transition.responsible.role
    if kind == "role":
        actor = draw(actors([r for r in Role if r is not role]))
    elif kind == "scope":
        actor = draw(_out_of_scope(ctx, transition, actor))
    else:
        names = [f for f in _BOGUS_FIELDS if f not in drafts.fields(transition)]
        payload = {**payload, draw(st.sampled_from(names)): draw(texts())}
    return StepDraw(trigger, actor, payload, "wrong")


def _out_of_scope(ctx: Context, transition: Transition, actor: Actor) -> st.SearchStrategy[Actor]:
    """An actor of the responsible role but outside its scope, where it has one."""
    role = transition.responsible.role
    if transition.responsible.scope is None:  # any actor of the role may: take another role
        return actors([r for r in Role if r is not role])
    if ctx.process.name in regime_drafts.REGIMES:
        scoped = regime_drafts.out_of_scope(ctx, transition.trigger, role)
        if scoped is not None:
            return scoped
    if role is Role.NPO:
        others = [a for a in PROGRAMME_AREAS if not same_area(a, ctx.area)]
        return st.sampled_from(others).map(Actor.npo)
    if role is Role.EXPERT_GROUP:
        return st.sampled_from([f"{ctx.case.id}-x", f"x-{ctx.case.id}"]).map(Actor.expert_group)
    if role is Role.REGION:
        holders = set(ctx.holders())
        by_holder = transition.trigger in ("report_follow_up", "request_revocation")
        outsiders = [r for r in Region if r not in holders]
        nobody = st.just(Actor(Role.REGION, "Landstinget"))
        if not by_holder:
            return nobody
        return st.one_of(nobody, st.sampled_from(outsiders).map(Actor.region))
    # No scope to leave: take another role instead.
    return actors([r for r in Role if r is not role])


def _junk_values() -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(), st.integers(-(10**10), 10**10),
        st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=12),
        st.sampled_from(list(Region)), st.dates(), experts(),
    )  # fmt: skip
    return st.one_of(
        scalars,
        st.lists(scalars, max_size=3),
        st.dictionaries(st.text(max_size=6), st.integers(), max_size=2),
    )


@st.composite
def _junk(draw: st.DrawFn, ctx: Context) -> StepDraw:
    process = ctx.process
    available = process.triggers_from(ctx.case.state)
    trigger = draw(st.sampled_from(available or list(process.transitions)))
    keys = [f for f in drafts.fields(process.transitions[trigger]) if f not in _FIRE_KEYWORDS]
    payload = draw(st.dictionaries(st.sampled_from([*keys, "note"]), _junk_values(), max_size=4))
    return StepDraw(trigger, draw(actors()), payload, "junk")


def _weighted(options: list[tuple[int, Draft, str]], intent: Intent) -> st.SearchStrategy[StepDraw]:
    """Pick one draft by weight (the first shrinks best), as a :class:`StepDraw`."""
    return _pick(tuple(options), intent)


@st.composite
def _pick(draw: st.DrawFn, options: tuple[tuple[int, Draft, str], ...], intent: Intent) -> StepDraw:
    roll = draw(st.integers(0, sum(w for w, _, _ in options) - 1))
    for weight, draft, trigger in options:
        if roll < weight:
            actor, payload = draw(draft)
            return StepDraw(trigger, actor, payload, intent)
        roll -= weight
    raise AssertionError("unreachable")  # pragma: no cover


@st.composite
def _by_weight(draw: st.DrawFn, options: tuple[tuple[int, st.SearchStrategy[Any]], ...]) -> Any:
    """One of the strategies, each drawn in proportion to its weight."""
    roll = draw(st.integers(0, sum(w for w, _ in options) - 1))
    for weight, strategy in options:
        if roll < weight:
            return draw(strategy)
        roll -= weight
    raise AssertionError("unreachable")  # pragma: no cover


_Make = Callable[[str, Context], Draft | None]


def _catalogue(process: Process) -> tuple[_Make, _Make | None]:
    """The lawful and borderline drafts for a process, by its name: the
    built-in regimes' own, else steps that need no payload and no borderline."""
    if process.name == "nhv":
        return drafts.lawful, drafts.borderline
    if process.name in regime_drafts.REGIMES:
        return regime_drafts.lawful, regime_drafts.borderline
    return drafts.generic, None


def _drafts(ctx: Context, make: _Make) -> list[tuple[int, Draft, str]]:
    """The drafts of the triggers available from the state, weighted: a
    step that ends the case (to a final state) weighs 1/25 of one that
    takes it on (hypothesis favours the first choices, so in practice it is
    drawn rarer still)."""
    out = []
    for trigger in ctx.process.triggers_from(ctx.case.state):
        draft = make(trigger, ctx)
        if draft is not None:
            ends = ctx.process.is_final(ctx.process.transitions[trigger].dest_from(ctx.case.state))
            out.append((1 if ends else 25, draft, trigger))
    out.sort(key=lambda option: -option[0])
    return out


def steps(
    case: Case,
    *,
    valid: bool | None = None,
    at: datetime | None = None,
    process: Process | None = None,
) -> st.SearchStrategy[StepDraw]:
    """Steps for ``case`` in its current state, as :class:`StepDraw` values.

    ``valid=True`` draws lawful steps: a trigger available from the state
    (a step that ends the case, such as ``withdraw``, weighed 1/25 of one
    that takes it on, and drawn rarer still: hypothesis favours the first),
    fired by the responsible party, with a payload the rules allow as far as
    the case shows. Two things the case does not show can still refuse them:
    the mapping pause (a registry-wide fact: complete the mapping or submit
    pilots) and, unless ``at`` is given, the application window. Pass
    ``at``, the business time you will fire at, so that dates and years in
    the payload fit it. :class:`~nhvflow.InvalidPayload` (a ``ValueError``)
    if the case allows no lawful step (a final state, say).

    ``valid=False`` draws steps certain to be refused: a trigger not
    available from the state, a party not responsible for the step, or a
    field the step does not take.

    ``valid=None`` (the default) mixes them: mostly lawful steps, some
    borderline ones (well-formed, by the responsible party, with values at
    or past a rule's limit), some certainly wrong and a few with junk
    values. :attr:`StepDraw.intent` says which.

    ``process`` is the case's process definition (default: the built-in
    one of that name; pass ``reg.process(case.process)`` when the registry
    was opened with your own). Payloads are drawn for every step of the
    built-in regimes (``"nhv"``, ``"kc-proposal"``,
    ``"no-competence-service"``, ``"ern-membership"``, or a process of one
    of those names, such as a :func:`~nhvflow.testing.replace_rule` copy);
    other processes get well-formed steps only where a trigger needs no
    payload.

    .. versionadded:: 0.1
    """
    if not isinstance(case, Case):
        raise InvalidPayload("case", f"must be an nhvflow.Case (got {shown(case)})")
    if process is None:
        known = builtin_processes()
        if case.process not in known:
            raise InvalidPayload(
                "process",
                f"case {case.id} belongs to process {case.process!r}, which nhvflow does not "
                "ship; pass process=reg.process(case.process)",
            )
        process = known[case.process]
    if valid not in (None, True, False):
        raise InvalidPayload("valid", f"must be True, False or None (got {shown(valid)})")
    ctx = Context(case, process, at)
    make_lawful, make_borderline = _catalogue(process)
    lawful = _drafts(ctx, make_lawful)
    if valid is True:
        if not lawful:
            raise InvalidPayload(
                "case",
                f"case {case.id} ({case.state!r}) allows no lawful step"
                + (" at this time" if at is not None else ""),
            )
        return _weighted(lawful, "lawful")
    if valid is False:
        return _wrong(ctx)
    branches: list[tuple[int, st.SearchStrategy[StepDraw]]] = []
    if lawful:
        branches.append((65, _weighted(lawful, "lawful")))
    borderline = _drafts(ctx, make_borderline) if make_borderline is not None else []
    if borderline:
        branches.append((20, _weighted(borderline, "borderline")))
    branches += [(10, _wrong(ctx)), (5, _junk(ctx))]
    result: st.SearchStrategy[StepDraw] = _by_weight(tuple(branches))
    return result
