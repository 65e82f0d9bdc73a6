"""Variants of a process: the same table with one rule replaced
(public through :mod:`nhvflow.testing`)."""

from __future__ import annotations

import attrs

from nhvflow.errors import InvalidPayload
from nhvflow.rules import Rule
from nhvflow.states import Process

__all__ = ["replace_rule"]


def replace_rule(process: Process, rule: Rule) -> Process:
    """A copy of ``process`` in which every use of the rule with
    ``rule.id`` is ``rule`` instead: in each transition that names it, as
    the authority (the responsible-party rule) or among the extra rules.

    The copy has the same name, so ``nhvflow.open(..., processes=[copy])``
    runs it in place of the original. Build the replacement with
    ``attrs.evolve(original, check=...)``; for instance, a deliberately
    broken rule that allows everything, to see that your tests notice::

        import attrs
        from nhvflow.rules.nhv import max_five_units
        from nhvflow.states import NHV

        lenient = attrs.evolve(max_five_units, check=lambda step: iter(()))
        reg = nhvflow.open(processes=[replace_rule(NHV, lenient)])

    :class:`~nhvflow.InvalidPayload` (a ``ValueError``) if the process has no rule with that id.

    .. versionadded:: 0.1
    """
    if not isinstance(rule, Rule):
        raise InvalidPayload("rule", f"expected an nhvflow.Rule, got {type(rule).__name__}")
    ids = [r.id for r in process.rules]
    if rule.id not in ids:
        raise InvalidPayload(
            "rule", f"process {process.name!r} has no rule {rule.id!r}; its rules: {', '.join(ids)}"
        )

    def swap(found: Rule) -> Rule:
        return rule if found.id == rule.id else found

    in_steps = {r.id for t in process.transitions.values() for r in t.rules}
    extra = [
        swap(r) for r in process.rules if r.id != process.authority.id and r.id not in in_steps
    ]
    transitions = [
        attrs.evolve(t, rules=tuple(swap(r) for r in t.rules)) for t in process.transitions.values()
    ]
    return Process(
        name=process.name,
        title_en=process.title_en,
        title_sv=process.title_sv,
        states=list(process.states.values()),
        transitions=transitions,
        authority=swap(process.authority),
        status=process.status,
        in_force_from=process.in_force_from,
        source=process.source,
        extra_rules=extra,
        deadlines=process.deadlines,
        tables=process.tables,
    )
