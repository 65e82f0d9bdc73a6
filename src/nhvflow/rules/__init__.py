"""Legal rules: each a small object with an id, Swedish and English titles, a
citation, its kind and status, a validity period, and a check.

``nhvflow.rules.nhv`` holds the rules of the law in force; the other regimes
keep theirs beside it. A rule reads the case through its regime's
:class:`CaseView` (:class:`NhvCase`, :class:`KcCase`, :class:`ErnCase`,
:class:`NorwayCase`): ``step.view(NhvCase).valid_permits``.

.. versionadded:: 0.1
"""

from nhvflow.rules._base import (
    CaseView,
    Facts,
    Kind,
    Refusal,
    Responsibility,
    Rule,
    Rulebook,
    RuleOutcome,
    Status,
    Step,
    once,
    refuse,
    responsible_party_rule,
    rule,
)
from nhvflow.rules._views import ErnCase, KcCase, NhvCase, NorwayCase, ProposalCase

__all__ = [
    "CaseView",
    "ErnCase",
    "Facts",
    "KcCase",
    "Kind",
    "NhvCase",
    "NorwayCase",
    "ProposalCase",
    "Refusal",
    "Responsibility",
    "Rule",
    "RuleOutcome",
    "Rulebook",
    "Status",
    "Step",
    "once",
    "refuse",
    "responsible_party_rule",
    "rule",
]
