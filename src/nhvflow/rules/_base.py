"""The machinery of rules: :class:`Rule`, the :func:`rule` decorator, the
:class:`Step` a rule judges, and :class:`Responsibility` (who may fire a
step).

A rule is a small object with an id, Swedish and English titles, a citation,
its kind and status, a validity period ``[valid_from, valid_to)`` judged at
the step's business time, and a check: a function of the :class:`Step` that
yields :class:`Refusal` values. The rule turns each refusal into a
:class:`~nhvflow.model.Violation` carrying its id and citation.

A check reads the case through the :class:`CaseView` its regime declares
(``step.view(NhvCase)``, built once per step), not through the keys of
``step.data``.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from typing import Any, Generic, Literal, Protocol, TypeVar, cast, overload

import attrs

from nhvflow.model import Actor, Case, Role, Violation

Kind = Literal["statute", "regulation", "authority report", "practice", "treaty"]
Status = Literal["in force", "proposed"]
Outcome = Literal["passed", "failed", "not in force"]


class Facts(Protocol):
    """Registry-wide facts a rule may consult, as of the step's business time."""

    def mapping_completed_at(self) -> datetime | None:
        """When the overall mapping of proposals was recorded as done, if it was."""
        ...

    def pilot_designations(self) -> Mapping[str, datetime]:
        """The programme areas Socialstyrelsen designated as pilots by a recorded
        event, each with the business time from which it is one (the areas the
        NHV page marks as pilots are not among them: they need no event)."""
        ...


@attrs.frozen
class Refusal:
    """What a rule's check yields: why the step is refused, in English and
    Swedish, and which criterion failed where a rule has several."""

    en: str
    sv: str
    criterion: str | None = None


def refuse(en: str, sv: str, criterion: str | None = None) -> Refusal:
    """Build a :class:`Refusal` (the one thing a rule's check yields)."""
    return Refusal(en, sv, criterion)


class CaseView:
    """A regime's typed, read-only reading of a case's ``data``.

    A regime's events fold its cases' ``data`` (a JSON dict); its view is the
    one place that names those keys for reading, and its rules read the case
    through it: ``step.view(NhvCase).units``, never ``step.data["units"]``.
    nhvflow's regimes declare theirs (:mod:`nhvflow.rules` exports them). For
    a process of your own, subclass this class with typed properties that read
    ``self._data`` (:func:`functools.cached_property` for what costs to build)
    and declare it on the process (``Process(..., view=MyCase)``); a process
    may declare none, and its rules then read ``step.data``.

    A view is built from the case as it stood before the step (an empty case
    for a submission) and is lazy: a property converts only what a rule reads,
    and a :class:`once` property only the first time.
    """

    _data: Mapping[str, Any]

    def __init__(self, data: Mapping[str, Any]) -> None:
        object.__setattr__(self, "_data", data)

    def __setattr__(self, name: str, value: object) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __delattr__(self, name: str) -> None:
        raise attrs.exceptions.FrozenInstanceError

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {', '.join(sorted(self._data)) or 'an empty case'}>"


View = TypeVar("View", bound=CaseView)
Value = TypeVar("Value")


class once(Generic[View, Value]):
    """A property of a :class:`CaseView` computed the first time it is read
    and then kept (as :func:`functools.cached_property`, without its lock:
    a view lives within one step)."""

    def __init__(self, compute: Callable[[View], Value]) -> None:
        self._compute = compute
        self._name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, view: None, kind: type[View]) -> once[View, Value]: ...
    @overload
    def __get__(self, view: View, kind: type[View]) -> Value: ...
    def __get__(self, view: View | None, kind: type[View]) -> once[View, Value] | Value:
        if view is None:
            return self
        value = view.__dict__[self._name] = self._compute(view)
        return value


@attrs.frozen
class Step:
    """A step as a rule sees it: the case before the step (``None`` for a
    submission), the trigger, who fires it, the parsed payload, its business
    time, registry facts and the responsible party for this trigger."""

    case: Case | None
    process: str
    trigger: str
    actor: Actor
    payload: Any
    at: datetime
    facts: Facts
    responsible: Responsibility

    _views: dict[type[CaseView], CaseView] | None = attrs.field(
        init=False, default=None, eq=False, repr=False
    )

    @property
    def data(self) -> dict[str, Any]:
        """The case's accumulated facts (empty for a submission)."""
        return self.case.data if self.case is not None else {}

    def view(self, kind: type[View]) -> View:
        """The case as the view ``kind`` reads it (an empty case for a
        submission), built once per step."""
        views = self._views
        if views is None:
            views = {}
            object.__setattr__(self, "_views", views)
        found = views.get(kind)
        if found is None:
            found = views[kind] = kind(self.data)
        return cast(View, found)


CheckFn = Callable[[Step], Iterable[Refusal]]


@attrs.frozen
class Responsibility:
    """Who may fire a step: a role and, where it matters, a scope (the NPO
    of the proposal's area, a region for itself, the case's expert group, a
    region holding a permit, ...).

    ``allows`` returns ``None`` when the actor is the responsible party and
    otherwise a :class:`Refusal` saying who is.
    """

    role: Role
    en: str
    sv: str
    scope: Callable[[Step], Refusal | None] | None = None

    def allows(self, step: Step) -> Refusal | None:
        """``None`` when ``step.actor`` may fire the step, else why not."""
        if step.actor.role is not self.role:
            return refuse(
                f"{step.trigger!r} is for {self.en}; {step.actor.describe()} cannot fire it. "
                f"Have {self.en} take this step.",
                f"{step.trigger!r} är ett steg för {self.sv}; {step.actor.describe()} kan inte "
                f"ta det. Låt {self.sv} ta steget.",
                criterion="role",
            )
        return self.scope(step) if self.scope is not None else None


def _doc(fn: Callable[..., Any]) -> str:
    return inspect.cleandoc(fn.__doc__ or "")


@attrs.frozen(eq=False)
class Rule:
    """One legal rule: identity, source, validity and a check.

    Call :meth:`evaluate` with a :class:`Step`; it returns the violations
    (an empty list when the rule allows the step). :meth:`in_force` tells
    whether the rule applies at a business time.
    """

    id: str
    title_sv: str
    title_en: str
    citation: str
    kind: Kind
    check: CheckFn
    valid_from: date | None = None
    valid_to: date | None = None
    status: Status = "in force"
    seed: str = ""
    doc: str = ""

    def in_force(self, at: datetime | date) -> bool:
        """Whether the rule applies at ``at`` (its validity is ``[valid_from, valid_to)``)."""
        day = at.date() if isinstance(at, datetime) else at
        if self.valid_from is not None and day < self.valid_from:
            return False
        return not (self.valid_to is not None and day >= self.valid_to)

    def evaluate(self, step: Step) -> list[Violation]:
        """The violations of this rule by ``step`` (``[]``: allowed)."""
        return [self.violation(r) for r in self.check(step)]

    def violation(self, refusal: Refusal) -> Violation:
        """A :class:`Violation` of this rule from a refusal."""
        return Violation(self.id, self.citation, refusal.en, refusal.sv, refusal.criterion)

    def title(self, lang: Literal["en", "sv"] = "en") -> str:
        """The title in English or Swedish."""
        return self.title_sv if lang == "sv" else self.title_en

    def __repr__(self) -> str:
        return f"<Rule {self.id} ({self.citation})>"


@attrs.frozen
class RuleOutcome:
    """How one rule judged a step (what :meth:`Registry.explain` returns)."""

    rule: Rule
    status: Outcome
    violations: tuple[Violation, ...] = ()

    def __str__(self) -> str:
        head = f"{self.status:>12}  {self.rule.id} ({self.rule.citation})"
        return "\n".join([head, *(f"              - {v.message}" for v in self.violations)])


def rule(
    *,
    id: str,
    title_sv: str,
    title_en: str,
    citation: str,
    kind: Kind,
    valid_from: date | None = None,
    valid_to: date | None = None,
    status: Status = "in force",
    seed: str = "",
) -> Callable[[CheckFn], Rule]:
    """Make a :class:`Rule` of a check function; its docstring becomes the
    rule's documentation (quote the source passage there)."""

    def make(fn: CheckFn) -> Rule:
        # in the order of Rule's fields
        return Rule(
            id, title_sv, title_en, citation, kind, fn, valid_from, valid_to, status, seed, _doc(fn)
        )

    return make


def _authorised(step: Step) -> Iterator[Refusal]:
    refusal = step.responsible.allows(step)
    if refusal is not None:
        yield refusal


def responsible_party_rule(
    *,
    id: str,
    citation: str,
    kind: Kind = "regulation",
    valid_from: date | None = None,
    status: Status = "in force",
    seed: str = "",
    doc: str = "",
) -> Rule:
    """The rule that only the responsible party may fire a step, for a
    regime; its violations become :class:`~nhvflow.errors.NotAuthorised`."""
    return Rule(
        id,
        "Endast den ansvariga parten får ta steget",
        "Only the responsible party may take the step",
        citation,
        kind,
        _authorised,
        valid_from,
        status=status,
        seed=seed,
        doc=inspect.cleandoc(doc or "Only the party responsible for a step may fire it."),
    )


@attrs.frozen
class Rulebook:
    """What the rules of one regime share: the date from which they apply,
    their status and, unless a rule says otherwise, their kind, citation and
    source passage. :meth:`rule` and :meth:`responsible_party` declare a rule
    of the regime with these filled in, so that each rule states only what is
    its own."""

    valid_from: date | None = None
    status: Status = "in force"
    kind: Kind = "regulation"
    citation: str = ""
    seed: str = ""

    def rule(
        self,
        *,
        id: str,
        title_sv: str,
        title_en: str,
        citation: str = "",
        kind: Kind | None = None,
        valid_from: date | None = None,
        seed: str = "",
    ) -> Callable[[CheckFn], Rule]:
        """:func:`rule`, with the regime's status and its validity, kind,
        citation and source passage where the rule gives none of its own."""
        return rule(
            id=id,
            title_sv=title_sv,
            title_en=title_en,
            citation=citation or self.citation,
            kind=kind or self.kind,
            valid_from=valid_from or self.valid_from,
            status=self.status,
            seed=seed or self.seed,
        )

    def responsible_party(self, *, id: str, citation: str = "", seed: str = "", doc: str) -> Rule:
        """:func:`responsible_party_rule` for the regime."""
        return responsible_party_rule(
            id=id,
            citation=citation or self.citation,
            kind=self.kind,
            valid_from=self.valid_from,
            status=self.status,
            seed=seed or self.seed,
            doc=doc,
        )
